//! The engine verb that writes e-invoices: read a finalized document and the seller profile,
//! hand them to `einvoice`.

use super::{DocumentKey, Engine, resolve};
use crate::einvoice::{self, EInvoice, Target};
use crate::error::Result;

impl Engine {
    /// The e-invoice of a finalized invoice or credit note as `target`.
    pub fn export_einvoice(&self, key: &DocumentKey, target: Target) -> Result<EInvoice> {
        let (document, profile) = self.store.read(|tx| {
            let id = resolve(tx, key)?;
            Ok((tx.document(id)?, tx.seller_profile()?))
        })?;
        einvoice::export(&document, profile.as_ref(), target, &self.renderer())
    }
}
