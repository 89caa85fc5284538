//! `invoicer demo`: the newcomer's first look. Fills the database with a sample seller (only if
//! none is set), customers and invoices, finalizes them in the `demo` series (so real series
//! keep their numbers), pays one, credits one, writes every PDF to the output directory and
//! prints a summary.

use std::path::Path;

use serde_json::json;

use super::print_json;
use crate::domain::credit_note::{CreditLine, NewCreditNote};
use crate::domain::document::DocumentKind;
use crate::domain::numbering::{NewSeries, ResetPolicy};
use crate::domain::party::NewCustomer;
use crate::domain::payment::NewPayment;
use crate::domain::sample;
use crate::engine::DocumentKey;
use crate::engine::Engine;
use crate::error::{Error, Result};

pub(super) fn run(engine: &Engine, out: &Path) -> Result<()> {
    std::fs::create_dir_all(out)
        .map_err(|e| Error::validation("out", format!("cannot create {}: {e}", out.display())))?;
    if engine.get_seller_profile()?.is_none() {
        engine.set_seller_profile(sample::seller()?)?;
    }
    for (name, kind, format) in [
        (
            sample::DEMO_SERIES,
            DocumentKind::Invoice,
            "DEMO-{YYYY}-{counter:04}",
        ),
        (
            sample::DEMO_CREDIT_NOTE_SERIES,
            DocumentKind::CreditNote,
            "DEMO-CN-{YYYY}-{counter:04}",
        ),
    ] {
        engine.set_series(NewSeries {
            name: name.into(),
            kind,
            format: format.into(),
            reset: ResetPolicy::Yearly,
        })?;
    }
    let mut customer_ids = Vec::new();
    for party in sample::customers()? {
        let customer = engine.upsert_customer(NewCustomer { id: None, party })?;
        customer_ids.push(customer.id);
    }
    let mut summary = Vec::new();
    for (title, draft) in sample::invoices(&customer_ids)? {
        let draft = engine.create_invoice_draft(draft)?;
        summary.push((title, engine.finalize_invoice(draft.id)?.document));
    }
    // Pay the first invoice in full, then credit one returned book on it.
    if let Some((_, first)) = summary.first_mut() {
        *first = engine.record_payment(first.id, NewPayment::default())?;
        let credit = engine.create_credit_note(NewCreditNote {
            invoice: first.id.to_string(),
            lines: Some(vec![CreditLine {
                position: 3,
                quantity: Some(1.into()),
            }]),
            reason: Some("Ein Fachbuch zurückgegeben".into()),
            series: Some(sample::DEMO_CREDIT_NOTE_SERIES.into()),
            ..NewCreditNote::default()
        })?;
        let credit = engine.finalize_invoice(credit.id)?.document;
        summary.push(("credit note for one returned book", credit));
    }
    let mut rows = Vec::new();
    for (title, doc) in &summary {
        let pdf = engine.render_invoice_pdf(&DocumentKey::Id(doc.id))?;
        let file = out.join(doc.pdf_file_name());
        std::fs::write(&file, &pdf.pdf).map_err(|e| {
            Error::validation("out", format!("cannot write {}: {e}", file.display()))
        })?;
        rows.push(json!({
                "id": doc.id,
                "number": doc.number,
                "what": title,
                "buyer": doc.content.buyer().name,
                "status": doc.status,
                "total_gross": doc.content.totals.total_gross,
                "amount_due": doc.amount_due,
                "currency": doc.content.currency(),
                "pdf": file,
                "pages": pdf.pages,
        }));
    }
    print_json(&json!({
        "database": engine.database_path(),
        "documents": rows,
        "next": "open the PDFs, then: invoicer invoice show <number>, invoicer invoice list, invoicer render <number>; or see them in the browser: invoicer owner set-password, invoicer serve, then open http://127.0.0.1:8080/app"
    }))
}
