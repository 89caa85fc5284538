//! Engine verbs that move a document through its lifecycle: finalize (the gapless numbering
//! step), pay, void, mark uncollectible, and credit notes.

use chrono::Days;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::json;

use super::drafts::{check_reason, validate_draft};
use super::{CREDIT_NOTE_SERIES, DocumentKey, Engine, resolve, series_for};
use crate::domain::credit_note::NewCreditNote;
use crate::domain::dates;
use crate::domain::digest::sha256_hex;
use crate::domain::document::{Document, DocumentKind};
use crate::domain::lifecycle::{Status, Verb};
use crate::domain::party::SellerProfile;
use crate::domain::payment::NewPayment;
use crate::error::{Error, Result};
use crate::store::{ArchivedPdf, NewDocumentRow, PaymentRow, Tx};

/// A finalized document, and whether its PDF (and the configured e-invoice) were archived.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Finalized {
    /// The document as finalized: number, dates, totals.
    #[serde(flatten)]
    pub document: Document,
    /// What was archived with it.
    pub archive: ArchiveStatus,
}

/// Whether the files of a just-finalized document were archived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ArchiveStatus {
    /// The PDF.
    pub pdf: ArchiveState,
    /// The e-invoice configured with `--einvoice-at-finalize`, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub einvoice: Option<ArchiveState>,
    /// Why a file is missing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// One archived file's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArchiveState {
    /// Stored with its SHA-256.
    Archived,
    /// Making it failed after the number was committed; it is made on the next render or
    /// export of the document, or by `invoicer check --repair`.
    Missing,
    /// Not archived at finalization (archiving is off); made on the first render.
    Off,
}

impl Engine {
    /// Finalize a draft: fill the seller, issue and due date from the profile where the draft
    /// has none, check it is complete, assign the next number of its series and make it open, all
    /// in one transaction. A finalized credit note reduces its invoice's amount due. Then the PDF is
    /// rendered once and archived with its SHA-256 (see [`Engine::render_invoice_pdf`]).
    ///
    /// Once the number is committed this never fails: a PDF or e-invoice that cannot be made
    /// now is reported as [`ArchiveState::Missing`] and made later, so a client that gets an
    /// error knows that nothing changed.
    ///
    /// Durable with one sync to disk: the numbering commit is not synced on its own, the
    /// archive commit's sync (or, when that stores nothing, an explicit one) covers both before
    /// this returns.
    pub fn finalize_invoice(&self, id: i64) -> Result<Finalized> {
        let (document, profile) = self.finalize_in_store(id)?;
        let archive = self.archive_after_finalize(&document, profile.as_ref());
        Ok(Finalized { document, archive })
    }

    /// Archive the PDF and the configured e-invoice of a just-finalized document, reporting
    /// (not returning) what failed. Both files are made first and stored in one transaction:
    /// one sync to disk instead of one per file. `profile` is the one the numbering read.
    fn archive_after_finalize(
        &self,
        document: &Document,
        profile: Option<&SellerProfile>,
    ) -> ArchiveStatus {
        let number = document.number.as_deref().unwrap_or("?");
        let mut problems = Vec::new();
        let pdf = self
            .archive_pdfs
            .then(|| self.renderer().render(document, profile));
        // With archiving off nothing is stored, so nothing is made either.
        let einvoice = self
            .einvoice_at_finalize
            .filter(|_| self.archive_pdfs)
            .map(|target| {
                let made = crate::einvoice::export(document, profile, target, &self.renderer());
                (target, made)
            });
        let mut wrote = false;
        let stored = self.write(|tx| {
            if let Some(Ok(rendered)) = &pdf {
                wrote = true;
                tx.archive_pdf(
                    document.id,
                    ArchivedPdf {
                        pdf: rendered.pdf.clone(),
                        sha256: rendered.sha256.clone(),
                        pages: rendered.pages,
                    },
                )?;
            }
            if self.archive_pdfs
                && let Some((target, Ok(made))) = &einvoice
            {
                wrote = true;
                tx.archive_einvoice(
                    document.id,
                    &target.archive_key(),
                    made.bytes.clone(),
                    sha256_hex(&made.bytes),
                )?;
            }
            Ok(())
        });
        // Nothing committed here, so nothing synced the numbering commit either.
        if self.archive_pdfs
            && (!wrote || stored.is_err())
            && let Err(e) = self.store.sync()
        {
            tracing::error!(number, "finalized, but not yet safe on disk: {e}");
            problems.push(format!("the database could not be synced to disk: {e}"));
        }
        let pdf_state = match (&pdf, &stored) {
            (None, _) => ArchiveState::Off,
            (Some(Ok(_)), Ok(())) => ArchiveState::Archived,
            (Some(Err(e)), _) | (Some(Ok(_)), Err(e)) => {
                tracing::warn!(number, "finalized, but the PDF could not be archived: {e}");
                problems.push(format!(
                    "PDF not archived ({e}); it is made on the next render or by `invoicer check --repair`"
                ));
                ArchiveState::Missing
            }
        };
        let einvoice_state = einvoice.map(|(target, made)| match (&made, &stored) {
            (Ok(_), Ok(())) => ArchiveState::Archived,
            (Err(e), _) | (Ok(_), Err(e)) => {
                tracing::warn!(
                    number,
                    "finalized, but the {} e-invoice could not be archived: {e}",
                    target.as_str()
                );
                problems.push(format!(
                    "{} e-invoice not archived ({e}); it is made on the next export or by `invoicer check --repair`",
                    target.as_str()
                ));
                ArchiveState::Missing
            }
        });
        ArchiveStatus {
            pdf: pdf_state,
            einvoice: einvoice_state.or(self.einvoice_at_finalize.map(|_| ArchiveState::Off)),
            problems,
        }
    }

    /// The numbering transaction of `finalize_invoice`: the finalized document, and the seller
    /// profile it read (the archive step renders with it).
    fn finalize_in_store(&self, id: i64) -> Result<(Document, Option<SellerProfile>)> {
        let steps = |tx: &Tx<'_>| {
            let document = tx.document(id)?;
            Verb::Finalize.check(document.status)?;
            let mut content = document.content.clone();
            let profile = tx.seller_profile()?;
            if content.seller().is_none() {
                content.invoice.seller = profile.as_ref().map(|p| p.party.clone());
            }
            if let Some(profile) = &profile {
                content.invoice.payment = Some(content.payment().clone().or(&profile.payment));
            }
            let today = tx.today()?;
            let issue_date = match content.issue_date {
                Some(date) => dates::check_issue_date("issue_date", date, today)?,
                None => today,
            };
            content.invoice.issue_date = Some(issue_date);
            if content.due_date.is_none() && document.kind == DocumentKind::Invoice {
                let days = profile.as_ref().map_or(14, |p| p.payment_days);
                content.invoice.due_date = issue_date.checked_add_days(Days::new(days.into()));
            }
            if let Some(due) = content.due_date
                && due < issue_date
            {
                return Err(Error::validation(
                    "due_date",
                    format!("must not be before the issue date {issue_date}, got {due}"),
                ));
            }
            content.check_finalizable()?;
            if let Some(target) = self.einvoice_at_finalize {
                // Refuse now, before a number is used, what the e-invoice would refuse later.
                let about_to_be = Document {
                    content: content.clone(),
                    number: Some("?".into()),
                    ..document.clone()
                };
                crate::einvoice::check_for(&about_to_be, profile.as_ref(), target)?;
            }
            let series = series_for(tx, content.series(), document.kind)?;
            if let Some(invoice) = &document.corrects {
                check_creditable(tx, invoice.id, id, content.totals.total_gross)?;
            }
            let number = tx.assign_number(&series, issue_date)?;
            // An imported document may hold that number in a series of its own.
            if let Some(other) = tx.document_id_by_number(&number)? {
                return Err(Error::conflict(format!(
                    "the next number of series '{}', {number}, is already the number of document {other} (imported); give the series another format (`invoicer series set`)",
                    series.name
                ))
                .with_field("series"));
            }
            if content != document.content {
                tx.update_draft(id, &content, false)?;
            }
            tx.mark_finalized(id, &number)?;
            tx.append_event(
                id,
                Verb::Finalize,
                self.source,
                None,
                Some(&json!({ "number": number })),
            )?;
            if let Some(invoice) = &document.corrects {
                self.apply_credit(tx, invoice.id, id, &number, content.totals.total_gross)?;
            }
            Ok((tx.document(id)?, profile))
        };
        if self.archive_pdfs {
            // The archive step that follows syncs (see `finalize_invoice`).
            self.store.write_unsynced(self.clock.now(), steps)
        } else {
            self.write(steps)
        }
    }

    /// Book a finalized credit note against its invoice: the invoice's credited amount grows, an
    /// invoice with nothing left to pay becomes paid, and the part of the credit that exceeds
    /// what was still due stays open on the credit note as a refund owed.
    fn apply_credit(
        &self,
        tx: &Tx<'_>,
        invoice_id: i64,
        credit_note_id: i64,
        number: &str,
        amount: Decimal,
    ) -> Result<()> {
        let invoice = tx.document(invoice_id)?;
        let due_before = invoice.amount_due;
        let settled = amount.min(due_before);
        tx.set_credited(invoice_id, invoice.amount_credited + amount)?;
        tx.set_credited(credit_note_id, settled)?;
        let invoice_paid =
            settled == due_before && matches!(invoice.status, Status::Open | Status::Uncollectible);
        if invoice_paid {
            tx.set_status(invoice_id, Status::Paid)?;
        }
        tx.append_event(
            invoice_id,
            Verb::Credit,
            self.source,
            None,
            Some(&json!({
                "credit_note": number,
                "amount": amount.to_string(),
                "status": if invoice_paid { Status::Paid } else { invoice.status },
            })),
        )?;
        if settled == amount {
            tx.set_status(credit_note_id, Status::Paid)?;
        }
        Ok(())
    }

    /// Record a payment on an open or uncollectible document; paying the full amount due makes
    /// it paid. Overpayment is refused. On a credit note, a payment is the refund paid out.
    pub fn record_payment(&self, id: i64, payment: NewPayment) -> Result<Document> {
        self.write(|tx| {
            let document = tx.document(id)?;
            Verb::Pay.check(document.status)?;
            let currency = document.content.currency();
            let payment = payment.validate(document.amount_due, currency, tx.today()?)?;
            let paid = document.amount_paid + payment.amount;
            tx.add_payment(
                id,
                &PaymentRow {
                    amount: payment.amount,
                    paid_on: payment.date,
                    method: payment.method.as_deref(),
                    reference: payment.reference.as_deref(),
                },
                paid,
            )?;
            let settled = payment.amount == document.amount_due;
            if settled {
                tx.set_status(id, Status::Paid)?;
            }
            tx.append_event(
                id,
                Verb::Pay,
                self.source,
                None,
                Some(&json!({
                    "amount": payment.amount.to_string(),
                    "date": payment.date,
                    "method": payment.method,
                    "reference": payment.reference,
                    "amount_due": currency.rescale(document.amount_due - payment.amount).to_string(),
                })),
            )?;
            tx.document(id)
        })
    }

    /// Void an open or uncollectible document that has no payments or credits (those are
    /// corrected with a credit note instead). It keeps its number.
    pub fn void_invoice(&self, id: i64, reason: Option<&str>) -> Result<Document> {
        let reason = check_reason(reason)?;
        let reason = reason.as_deref();
        self.write(|tx| {
            let document = tx.document(id)?;
            Verb::Void.check(document.status)?;
            if !document.amount_paid.is_zero() || !document.amount_credited.is_zero() {
                return Err(Error::invalid_status(format!(
                    "document {id} has payments or credits ({} paid, {} credited); it cannot be voided, issue a credit note instead",
                    document.amount_paid, document.amount_credited
                )));
            }
            let (finalized, drafts) = tx.credit_totals(id, None)?;
            if !(finalized + drafts).is_zero() {
                return Err(Error::invalid_status(format!(
                    "document {id} has credit notes; delete their drafts first"
                )));
            }
            tx.set_status(id, Status::Void)?;
            tx.append_event(id, Verb::Void, self.source, reason, None)?;
            tx.document(id)
        })
    }

    /// Mark an open invoice as not expected to be paid; it can still be paid or voided.
    pub fn mark_invoice_uncollectible(&self, id: i64, reason: Option<&str>) -> Result<Document> {
        let reason = check_reason(reason)?;
        let reason = reason.as_deref();
        self.write(|tx| {
            let document = tx.document(id)?;
            Verb::MarkUncollectible.check(document.status)?;
            tx.set_status(id, Status::Uncollectible)?;
            tx.append_event(id, Verb::MarkUncollectible, self.source, reason, None)?;
            tx.document(id)
        })
    }

    /// Create a draft credit note for all or some lines of an open, paid or uncollectible
    /// invoice. It is numbered in its own series when finalized.
    pub fn create_credit_note(&self, request: NewCreditNote) -> Result<Document> {
        let key = DocumentKey::parse(&request.invoice).map_err(|e| e.with_field("invoice"))?;
        self.write(|tx| {
            let invoice_id = resolve(tx, &key).map_err(|e| e.with_field("invoice"))?;
            let invoice = tx
                .document(invoice_id)
                .map_err(|e| e.with_field("invoice"))?;
            if invoice.kind != DocumentKind::Invoice {
                return Err(Error::validation(
                    "invoice",
                    format!(
                        "document {invoice_id} is a credit note; credit notes correct invoices"
                    ),
                ));
            }
            Verb::Credit.check(invoice.status)?;
            let draft = request.to_draft(&invoice.content)?;
            let fingerprint = draft.fingerprint();
            let content = validate_draft(tx, draft, DocumentKind::CreditNote, CREDIT_NOTE_SERIES)?;
            series_for(tx, content.series(), DocumentKind::CreditNote)?;
            check_creditable(tx, invoice_id, 0, content.totals.total_gross)?;
            let id = tx.insert_document(&NewDocumentRow {
                kind: DocumentKind::CreditNote,
                content: &content,
                corrects_id: Some(invoice_id),
                idempotency_key: None,
                fingerprint: &fingerprint,
            })?;
            tx.append_event(
                id,
                Verb::Create,
                self.source,
                request.reason.as_deref(),
                Some(&json!({ "corrects": invoice.number })),
            )?;
            tx.document(id)
        })
    }
}

/// A credit note may not take the credited total of its invoice above the invoice's gross.
fn check_creditable(
    tx: &Tx<'_>,
    invoice_id: i64,
    credit_note_id: i64,
    amount: Decimal,
) -> Result<()> {
    let invoice = tx.document(invoice_id)?;
    Verb::Credit.check(invoice.status)?;
    let (finalized, _) = tx.credit_totals(invoice_id, Some(credit_note_id))?;
    let left = invoice.content.totals.total_gross - finalized;
    if amount > left {
        return Err(Error::validation(
            "lines",
            format!(
                "the credit note's total {amount} exceeds the {left} {} left to credit on invoice {}",
                invoice.content.currency(),
                invoice.number.as_deref().unwrap_or("(draft)")
            ),
        ));
    }
    Ok(())
}
