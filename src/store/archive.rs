//! The archives: each finalized document's PDF and e-invoices as issued, with their SHA-256.
//! Rows are only ever added; triggers refuse changes and deletions.

use rusqlite::OptionalExtension;

use super::{Tx, now, sql_error};
use crate::error::Result;

/// An archived PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivedPdf {
    /// The PDF file.
    pub pdf: Vec<u8>,
    /// SHA-256 of `pdf`, lower-case hex.
    pub sha256: String,
    /// Number of pages.
    pub pages: usize,
}

impl Tx<'_> {
    /// The archived PDF of document `id`, if it has one.
    pub fn archived_pdf(&self, id: i64) -> Result<Option<ArchivedPdf>> {
        self.conn
            .prepare_cached("SELECT pdf, sha256, pages FROM document_pdfs WHERE document_id = ?1")
            .and_then(|mut stmt| {
                stmt.query_row([id], |row| {
                    Ok(ArchivedPdf {
                        pdf: row.get(0)?,
                        sha256: row.get(1)?,
                        pages: row.get::<_, i64>(2)?.try_into().unwrap_or(0),
                    })
                })
                .optional()
            })
            .map_err(sql_error)
    }

    /// Archive the PDF of document `id` unless it already has one; returns the archived PDF
    /// (the earlier one if there was one, so the first archive always wins).
    pub fn archive_pdf(&self, id: i64, pdf: ArchivedPdf) -> Result<ArchivedPdf> {
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT INTO document_pdfs (document_id, sha256, pdf, pages, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (document_id) DO NOTHING",
            )
            .and_then(|mut stmt| {
                stmt.execute((
                    id,
                    &pdf.sha256,
                    &pdf.pdf,
                    i64::try_from(pdf.pages).unwrap_or(i64::MAX),
                    now(),
                ))
            })
            .map_err(sql_error)?;
        if inserted == 1 {
            return Ok(pdf);
        }
        Ok(self.archived_pdf(id)?.unwrap_or(pdf))
    }

    /// The archived e-invoice of document `id` in `format` (a target name such as `facturx`
    /// or `xrechnung-cii`): its bytes and SHA-256.
    pub fn archived_einvoice(&self, id: i64, format: &str) -> Result<Option<(Vec<u8>, String)>> {
        self.conn
            .prepare_cached(
                "SELECT content, sha256 FROM document_einvoices WHERE document_id = ?1 AND format = ?2",
            )
            .and_then(|mut stmt| {
                stmt.query_row((id, format), |row| Ok((row.get(0)?, row.get(1)?)))
                    .optional()
            })
            .map_err(sql_error)
    }

    /// Archive an e-invoice of document `id` unless one of that format exists; returns the
    /// archived bytes (the first archive wins).
    pub fn archive_einvoice(
        &self,
        id: i64,
        format: &str,
        content: Vec<u8>,
        sha256: String,
    ) -> Result<Vec<u8>> {
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT INTO document_einvoices (document_id, format, sha256, content, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (document_id, format) DO NOTHING",
            )
            .and_then(|mut stmt| stmt.execute((id, format, &sha256, &content, now())))
            .map_err(sql_error)?;
        if inserted == 1 {
            return Ok(content);
        }
        Ok(self
            .archived_einvoice(id, format)?
            .map(|(bytes, _)| bytes)
            .unwrap_or(content))
    }
}
