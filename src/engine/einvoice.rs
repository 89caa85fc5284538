//! Engine verb that writes e-invoices: export one (a finalized document's e-invoice is made
//! once and archived with its SHA-256, later exports return the archived bytes). The archive
//! step of finalization is in `transitions.rs`, beside the PDF's.

use super::{DocumentKey, Engine, resolve};
use crate::domain::digest::sha256_hex;
use crate::einvoice::{self, EInvoice, Target};
use crate::error::Result;

impl Engine {
    /// The e-invoice of a finalized invoice or credit note as `target`: the archived one, or
    /// made now (and archived, unless archiving is off or the engine is read-only).
    pub fn export_einvoice(&self, key: &DocumentKey, target: Target) -> Result<EInvoice> {
        let (document, profile, archived) = self.read(|tx| {
            let id = resolve(tx, key)?;
            let archived = tx.archived_einvoice(id, &target.archive_key())?;
            Ok((tx.document(id)?, tx.seller_profile()?, archived))
        })?;
        if let Some((bytes, _)) = archived {
            let (file_name, mime_type) = einvoice::file_of(&document, target);
            return Ok(EInvoice {
                target,
                bytes,
                mime_type,
                file_name,
            });
        }
        let made = einvoice::export(&document, profile.as_ref(), target, &self.renderer())?;
        if !self.archive_pdfs {
            return Ok(made);
        }
        let sha256 = sha256_hex(&made.bytes);
        let key = target.archive_key();
        let bytes =
            self.write(|tx| tx.archive_einvoice(document.id, &key, made.bytes.clone(), sha256))?;
        Ok(EInvoice { bytes, ..made })
    }
}
