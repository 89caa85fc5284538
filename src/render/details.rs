//! The EN 16931 terms a reader of the PDF needs beyond the core, as printed text in the
//! document's language: references, contacts, delivery, payee, cash discounts with amount and
//! date, the direct-debit notice, supporting documents, and each line's period, item ids and
//! allowances. The template only lays these strings out.

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

use super::format;
use crate::domain::document::{DocumentContent, Line};
use crate::domain::party::Language;
use crate::domain::terms::{AllowanceCharge, Contact, Identifier};

/// One labelled value of the document data block.
#[derive(Debug, Serialize)]
pub struct Labelled {
    /// The label, in the document's language.
    pub label: &'static str,
    /// The value, as given.
    pub value: String,
}

/// The further terms of a document as printed.
#[derive(Debug, Default, Serialize)]
pub struct Details {
    /// References (BT-11..BT-19, BG-3), one label each.
    pub references: Vec<Labelled>,
    /// The seller's contact person: name, phone, e-mail.
    pub seller_contact: Option<String>,
    /// The buyer's contact: name, phone, e-mail.
    pub buyer_contact: Option<String>,
    /// Where the goods went: name and address on one line.
    pub delivery: Option<String>,
    /// Who is paid, when not the seller.
    pub payee: Option<String>,
    /// One sentence per cash discount, with its amount and last day.
    pub cash_discounts: Vec<String>,
    /// The SEPA direct-debit notice with mandate and creditor id.
    pub direct_debit: Option<String>,
    /// Supporting documents: reference, description, file name or address.
    pub attachments: Vec<String>,
}

/// Labels in both languages.
fn label(language: Language, de: &'static str, en: &'static str) -> &'static str {
    match language {
        Language::De => de,
        Language::En => en,
    }
}

/// The further terms of `content`; the issue date dates the cash discounts, whose base is the
/// amount due unless they name their own.
pub fn of(content: &DocumentContent) -> Details {
    let issue_date = content.issue_date;
    let language = content.language();
    let l = |de, en| label(language, de, en);
    let currency = content.currency();
    let money =
        |value: Decimal| format::money(value, currency.code(), currency.exponent(), language);
    let date = |value: NaiveDate| format::date(value, language);
    let mut references = Vec::new();
    let mut push = |label: &'static str, value: Option<String>| {
        if let Some(value) = value {
            references.push(Labelled { label, value });
        }
    };
    push(l("Projekt", "Project"), content.project_reference.clone());
    push(l("Vertrag", "Contract"), content.contract_reference.clone());
    push(
        l("Auftrag", "Sales order"),
        content.sales_order_reference.clone(),
    );
    push(
        l("Lieferschein", "Despatch advice"),
        content.despatch_advice_reference.clone(),
    );
    push(
        l("Wareneingang", "Receiving advice"),
        content.receiving_advice_reference.clone(),
    );
    push(
        l("Vergabe/Los", "Tender or lot"),
        content.tender_reference.clone(),
    );
    push(
        l("Objekt", "Object"),
        content.invoiced_object.as_ref().map(identifier),
    );
    push(
        l("Kostenstelle", "Cost centre"),
        content.buyer_accounting_reference.clone(),
    );
    for preceding in &content.preceding_invoices {
        let value = match preceding.issue_date {
            Some(day) => format!("{} ({})", preceding.number, date(day)),
            None => preceding.number.clone(),
        };
        push(l("Bezug auf Rechnung", "Preceding invoice"), Some(value));
    }
    let payment = content.payment();
    let base_due = content.totals.amount_payable;
    let cash_discounts = payment
        .cash_discounts
        .iter()
        .map(|d| {
            let base = d.base_amount.unwrap_or(base_due);
            let amount = money(currency.round(base * d.percent / Decimal::ONE_HUNDRED));
            let percent = format::percent(d.percent, language);
            let until = issue_date.and_then(|day| day.checked_add_days(Days::new(d.days.into())));
            let days = d.days;
            match until {
                Some(until) => format!(
                    "{percent} {} ({amount}) {} {} ({days} {})",
                    l("Skonto", "cash discount"),
                    l("bei Zahlung bis", "if paid by"),
                    date(until),
                    l("Tage", "days")
                ),
                None => format!(
                    "{percent} {} ({amount}) {} {days} {}",
                    l("Skonto", "cash discount"),
                    l("bei Zahlung innerhalb von", "if paid within"),
                    l("Tagen", "days")
                ),
            }
        })
        .collect();
    let direct_debit = payment.direct_debit.as_ref().map(|debit| {
        let account = masked(&debit.debited_account);
        match language {
            Language::De => format!(
                "Der Betrag wird per SEPA-Lastschrift von Ihrem Konto {account} eingezogen (Mandatsreferenz {}, Gläubiger-ID {}).",
                debit.mandate, debit.creditor_id
            ),
            Language::En => format!(
                "The amount will be collected by SEPA direct debit from your account {account} (mandate reference {}, creditor id {}).",
                debit.mandate, debit.creditor_id
            ),
        }
    });
    let attachments = content
        .attachments
        .iter()
        .map(|a| {
            let mut text = a.id.clone();
            if let Some(description) = &a.description {
                text.push_str(&format!(": {description}"));
            }
            match (&a.filename, &a.uri) {
                (Some(name), _) => text.push_str(&format!(" ({name})")),
                (None, Some(uri)) => text.push_str(&format!(" ({uri})")),
                (None, None) => {}
            }
            text
        })
        .collect();
    Details {
        references,
        seller_contact: content
            .seller()
            .and_then(|s| s.contact.as_ref())
            .and_then(contact),
        buyer_contact: content.buyer().contact.as_ref().and_then(contact),
        delivery: content.delivery.as_ref().map(|d| {
            let mut parts: Vec<String> = d.name.iter().cloned().collect();
            if let Some(address) = &d.address {
                parts.extend(format::address(
                    &address.lines,
                    address.postcode.as_deref(),
                    address.city.as_deref(),
                    Some(&address.country_code),
                ));
            }
            if let Some(id) = &d.location_id {
                parts.push(identifier(id));
            }
            parts.join(", ")
        }),
        payee: content.payee.as_ref().map(|p| p.name.clone()),
        cash_discounts,
        direct_debit,
        attachments,
    }
}

/// A line's further terms, one short text each: its note, period, item ids, origin,
/// attributes, allowances and charges.
pub fn line(line: &Line, content: &DocumentContent) -> Vec<String> {
    let language = content.language();
    let l = |de, en| label(language, de, en);
    let currency = content.currency();
    let money = |value: Decimal| format::number(value, currency.exponent(), language);
    let date = |value: NaiveDate| format::date(value, language);
    let mut out = Vec::new();
    if let Some(text) = &line.item_description {
        out.push(text.clone());
    }
    if let Some(period) = line.period {
        out.push(format!(
            "{} {} – {}",
            l("Zeitraum", "Period"),
            date(period.start),
            date(period.end)
        ));
    }
    let mut ids = Vec::new();
    if let Some(id) = &line.seller_item_id {
        ids.push(format!("{} {id}", l("Art.-Nr.", "Item no.")));
    }
    if let Some(id) = &line.buyer_item_id {
        ids.push(format!("{} {id}", l("Ihre Art.-Nr.", "Your item no.")));
    }
    if let Some(id) = &line.standard_item_id {
        let name = match id.scheme.as_deref() {
            Some("0160") => "GTIN".to_string(),
            Some(scheme) => format!("ID {scheme}"),
            None => "ID".to_string(),
        };
        ids.push(format!("{name} {}", id.id));
    }
    if let Some(country) = &line.origin_country {
        ids.push(format!("{} {country}", l("Ursprung", "Origin")));
    }
    if !ids.is_empty() {
        out.push(ids.join(" · "));
    }
    if !line.attributes.is_empty() {
        out.push(
            line.attributes
                .iter()
                .map(|a| format!("{}: {}", a.name, a.value))
                .collect::<Vec<_>>()
                .join(" · "),
        );
    }
    let adjustment = |ac: &AllowanceCharge, sign: &str| {
        let reason = ac
            .reason
            .clone()
            .or_else(|| ac.reason_code.clone())
            .unwrap_or_default();
        match ac.percent {
            Some(pct) => format!(
                "{reason} {sign}{} ({sign}{})",
                format::percent(pct, language),
                money(ac.value())
            ),
            None => format!("{reason} {sign}{}", money(ac.value())),
        }
    };
    for ac in &line.allowances {
        out.push(adjustment(ac, "−"));
    }
    for ac in &line.charges {
        out.push(adjustment(ac, "+"));
    }
    if let Some(reference) = &line.order_line_reference {
        out.push(format!(
            "{} {reference}",
            l("Bestellposition", "Order line")
        ));
    }
    if let Some(note) = &line.note {
        out.push(note.clone());
    }
    out
}

fn identifier(id: &Identifier) -> String {
    match &id.scheme {
        Some(scheme) => format!("{} ({scheme})", id.id),
        None => id.id.clone(),
    }
}

fn contact(contact: &Contact) -> Option<String> {
    let parts: Vec<&str> = [
        contact.name.as_deref(),
        contact.phone.as_deref(),
        contact.email.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// An account shown by its first and last four characters, `DE02 … 2051` (the country and
/// check digits, and the end a customer recognises); short ids are shown whole.
fn masked(account: &str) -> String {
    let compact: String = account.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.chars().count() <= 8 {
        return compact;
    }
    let head: String = compact.chars().take(4).collect();
    let tail: String = compact.chars().skip(compact.chars().count() - 4).collect();
    format!("{head} … {tail}")
}
