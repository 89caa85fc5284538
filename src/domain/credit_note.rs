//! Credit notes: corrections of a finalized invoice, built from all or some of its lines.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::document::{DocumentContent, NewInvoice, NewLine};
use super::money::Currency;
use super::terms::Note;
use super::text::check_optional;
use crate::error::{Error, Result};

/// Which line of the invoice to credit, and how much of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditLine {
    /// Position of the line on the invoice (1-based).
    pub position: u32,
    /// Quantity to credit; defaults to the line's whole quantity.
    #[serde(default)]
    pub quantity: Option<Decimal>,
}

/// A credit note as a client asks for it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCreditNote {
    /// The invoice to correct: its id or its number.
    pub invoice: String,
    /// Lines to credit; all lines in full when absent.
    #[serde(default)]
    pub lines: Option<Vec<CreditLine>>,
    /// Why the invoice is corrected; printed as the note unless `notes` is given.
    #[serde(default)]
    pub reason: Option<String>,
    /// Issue date; defaults to the day of finalization.
    #[serde(default)]
    pub issue_date: Option<NaiveDate>,
    /// Free text printed on the credit note.
    #[serde(default)]
    pub notes: Option<String>,
    /// Number series for credit notes; defaults to `credit-notes`.
    #[serde(default)]
    pub series: Option<String>,
}

impl NewCreditNote {
    /// The draft input of the credit note, copied from the invoice's content.
    pub fn to_draft(&self, invoice: &DocumentContent) -> Result<NewInvoice> {
        let currency = invoice.currency();
        let reason = check_optional("reason", self.reason.clone(), 500)?;
        let lines = match &self.lines {
            None => invoice.lines.iter().map(|l| l.to_input()).collect(),
            Some(selection) if selection.is_empty() => {
                return Err(Error::validation(
                    "lines",
                    "name at least one line, or leave `lines` out to credit all",
                ));
            }
            Some(selection) => selection
                .iter()
                .enumerate()
                .map(|(i, pick)| {
                    pick_line(invoice, pick, currency)
                        .map_err(|e| e.in_field(&format!("lines[{i}]")))
                })
                .collect::<Result<Vec<_>>>()?,
        };
        let mut draft = invoice.to_input();
        draft.series = self.series.clone();
        draft.issue_date = self.issue_date;
        draft.due_date = None;
        draft.external_id = None;
        draft.payment_terms = None;
        draft.notes = self
            .notes
            .clone()
            .or(reason)
            .map(|text| Note {
                text,
                subject_code: None,
            })
            .into_iter()
            .collect();
        draft.type_code = None;
        draft.paid_amount = None;
        draft.rounding_amount = None;
        draft.preceding_invoices.clear();
        if self.lines.is_some() {
            // Document-level allowances and charges belong to the whole invoice.
            draft.allowances.clear();
            draft.charges.clear();
        }
        if let Some(payment) = draft.payment.as_mut() {
            payment.reference = None;
        }
        draft.lines = lines;
        Ok(draft)
    }
}

fn pick_line(invoice: &DocumentContent, pick: &CreditLine, currency: Currency) -> Result<NewLine> {
    let line = invoice
        .lines
        .iter()
        .find(|l| l.position == pick.position)
        .ok_or_else(|| {
            Error::validation(
                "position",
                format!(
                    "the invoice has no line {} (it has lines 1 to {})",
                    pick.position,
                    invoice.lines.len()
                ),
            )
        })?;
    let mut input = line.to_input();
    if let Some(quantity) = pick.quantity {
        if quantity <= Decimal::ZERO || quantity > line.quantity {
            return Err(Error::validation(
                "quantity",
                format!(
                    "must be above 0 and at most the invoiced {}, got {quantity}",
                    line.quantity
                ),
            ));
        }
        if let Some(amount) = input.discount_amount {
            input.discount_amount =
                Some(currency.round(amount * quantity / line.quantity)).filter(|a| !a.is_zero());
        }
        input.quantity = quantity;
    }
    Ok(input)
}
