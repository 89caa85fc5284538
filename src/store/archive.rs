//! The archives: each finalized document's PDF and e-invoices as issued, with their SHA-256.
//! Rows are only ever added (triggers refuse changes and deletions), each linked into the hash
//! chain in the transaction that adds it.

use rusqlite::OptionalExtension;

use super::{Tx, sql_error};
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
                        pdf: row.get("pdf")?,
                        sha256: row.get("sha256")?,
                        pages: row.get::<_, i64>("pages")?.try_into().unwrap_or(0),
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
                let pages = i64::try_from(pdf.pages).unwrap_or(i64::MAX);
                stmt.execute((id, &pdf.sha256, &pdf.pdf, pages, self.stamp()))
            })
            .map_err(sql_error)?;
        if inserted == 1 {
            self.chain_pdf(id)?;
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
                stmt.query_row((id, format), |row| {
                    Ok((row.get("content")?, row.get("sha256")?))
                })
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
            .and_then(|mut stmt| stmt.execute((id, format, &sha256, &content, self.stamp())))
            .map_err(sql_error)?;
        if inserted == 1 {
            self.chain_einvoice(id, format)?;
            return Ok(content);
        }
        Ok(self
            .archived_einvoice(id, format)?
            .map(|(bytes, _)| bytes)
            .unwrap_or(content))
    }

    /// Finalized documents without an archived PDF (their archiving failed, or PDFs were not
    /// archived at finalization): id and number.
    pub fn documents_without_pdf(&self) -> Result<Vec<(i64, String)>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, number FROM documents
                 WHERE status <> 'draft' AND id NOT IN (SELECT document_id FROM document_pdfs)
                 ORDER BY id",
            )
            .map_err(sql_error)?;
        let rows = stmt
            .query_map([], |row| Ok((row.get("id")?, row.get("number")?)))
            .map_err(sql_error)?;
        rows.map(|r| r.map_err(sql_error)).collect()
    }

    /// Archived files whose bytes no longer match their SHA-256: (document id, what).
    pub fn archives_not_matching_their_hash(&self) -> Result<Vec<(i64, String)>> {
        let mut found = Vec::new();
        for sql in [
            "SELECT document_id, 'pdf' AS what, pdf AS bytes, sha256 FROM document_pdfs",
            "SELECT document_id, format AS what, content AS bytes, sha256 FROM document_einvoices",
        ] {
            let mut stmt = self.conn.prepare(sql).map_err(sql_error)?;
            let mut rows = stmt.query([]).map_err(sql_error)?;
            while let Some(row) = rows.next().map_err(sql_error)? {
                let bytes: Vec<u8> = row.get("bytes").map_err(sql_error)?;
                let sha256: String = row.get("sha256").map_err(sql_error)?;
                if crate::domain::digest::sha256_hex(&bytes) != sha256 {
                    let id: i64 = row.get("document_id").map_err(sql_error)?;
                    found.push((id, row.get("what").map_err(sql_error)?));
                }
            }
        }
        Ok(found)
    }
}
