//! Engine verbs that make PDFs: render a stored document (a finalized one comes from the
//! archive, byte for byte as issued), preview a draft payload without storing it, and archive
//! the PDF right after finalization.

use rust_decimal::Decimal;

use super::drafts::validate_draft;
use super::{DocumentKey, Engine, kind_and_series, resolve};
use crate::domain::document::{Document, NewInvoice};
use crate::domain::lifecycle::Status;
use crate::error::Result;
use crate::render::RenderedPdf;
use crate::store::ArchivedPdf;

impl Engine {
    /// The PDF of a stored invoice or credit note. A finalized document's PDF is the one
    /// archived at finalization (rendered and archived now if it has none yet); a draft is
    /// rendered afresh, with a DRAFT watermark and no number.
    pub fn render_invoice_pdf(&self, key: &DocumentKey) -> Result<RenderedPdf> {
        let (document, archived, profile) = self.read(|tx| {
            let id = resolve(tx, key)?;
            let document = tx.document(id)?;
            let archived = match document.status {
                Status::Draft => None,
                _ => tx.archived_pdf(id)?,
            };
            Ok((document, archived, tx.seller_profile()?))
        })?;
        if let Some(archived) = archived {
            return Ok(from_archive(archived));
        }
        let rendered = self.renderer().render(&document, profile.as_ref())?;
        if document.status == Status::Draft || !self.archive_pdfs {
            return Ok(rendered);
        }
        self.archive(document.id, rendered)
    }

    /// Render a draft payload (what `create_invoice_draft` takes) without storing anything:
    /// validated against the stored seller profile and customers, shown as a DRAFT.
    pub fn render_preview(&self, input: NewInvoice) -> Result<RenderedPdf> {
        let (kind, series) = kind_and_series(&input);
        let (content, profile) = self.read(|tx| {
            Ok((
                validate_draft(tx, input, kind, series)?,
                tx.seller_profile()?,
            ))
        })?;
        let now = self.clock.now();
        let document = Document {
            id: 0,
            kind,
            status: Status::Draft,
            number: None,
            amount_paid: Decimal::ZERO,
            amount_credited: Decimal::ZERO,
            amount_due: content.totals.amount_payable,
            overdue: false,
            corrects: None,
            content,
            created_at: now,
            updated_at: now,
            finalized_at: None,
        };
        self.renderer().render(&document, profile.as_ref())
    }
    fn archive(&self, id: i64, rendered: RenderedPdf) -> Result<RenderedPdf> {
        let RenderedPdf {
            pdf,
            sha256,
            pages,
            warnings,
        } = rendered;
        let archived =
            self.write(move |tx| tx.archive_pdf(id, ArchivedPdf { pdf, sha256, pages }))?;
        Ok(RenderedPdf {
            warnings,
            ..from_archive(archived)
        })
    }
}

fn from_archive(archived: ArchivedPdf) -> RenderedPdf {
    RenderedPdf {
        pdf: archived.pdf,
        sha256: archived.sha256,
        pages: archived.pages,
        warnings: Vec::new(),
    }
}
