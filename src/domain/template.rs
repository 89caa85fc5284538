//! Example draft payloads, one per language, that `create` accepts as they are: the starting point
//! a person or an assistant edits.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::document::{NewInvoice, NewLine};
use super::money::Currency;
use super::party::{Language, Party};
use super::terms::Note;
use super::vat::VatCategory;

/// An example draft in `language`: a buyer, two lines at 19 %, payment terms and notes.
pub fn example_invoice(language: Language) -> NewInvoice {
    let (buyer, lines, terms, notes) = match language {
        Language::De => (
            Party {
                name: "Muster GmbH".into(),
                address_lines: vec!["Hauptstraße 5".into()],
                postcode: Some("80331".into()),
                city: Some("München".into()),
                country_code: Some("DE".into()),
                vat_id: Some("DE123456789".into()),
                email: Some("buchhaltung@muster.example".into()),
                ..Party::default()
            },
            vec![
                line("Beratung Softwarearchitektur", 8, "HUR", 120),
                line("Reisekostenpauschale", 1, "LS", 80),
            ],
            "Zahlbar innerhalb von 14 Tagen ohne Abzug.",
            "Vielen Dank für Ihren Auftrag.",
        ),
        Language::En => (
            Party {
                name: "Example Ltd".into(),
                address_lines: vec!["1 High Street".into()],
                postcode: Some("EC1A 1BB".into()),
                city: Some("London".into()),
                country_code: Some("GB".into()),
                email: Some("accounts@example.com".into()),
                ..Party::default()
            },
            vec![
                line("Software architecture consulting", 8, "HUR", 120),
                line("Travel allowance", 1, "LS", 80),
            ],
            "Payable within 14 days without deduction.",
            "Thank you for your business.",
        ),
    };
    NewInvoice {
        buyer: Some(buyer),
        language: Some(language),
        currency: Some(Currency::eur()),
        payment_terms: Some(terms.into()),
        notes: vec![Note {
            text: notes.into(),
            subject_code: None,
        }],
        vat_exemption_reasons: BTreeMap::new(),
        lines,
        ..NewInvoice::default()
    }
}

fn line(description: &str, quantity: i64, unit: &str, price: i64) -> NewLine {
    NewLine {
        description: description.into(),
        quantity: Decimal::from(quantity),
        unit_code: unit.into(),
        unit_price: Decimal::from(price),
        vat_category: VatCategory::Standard,
        vat_rate: Decimal::from(19),
        ..NewLine::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::document::Defaults;

    #[test]
    fn examples_validate_as_they_are() {
        for language in [Language::De, Language::En] {
            let content = example_invoice(language)
                .validate(Defaults {
                    series: "invoices",
                    ..Defaults::default()
                })
                .unwrap();
            assert_eq!(content.totals.total_gross.to_string(), "1237.60");
        }
    }
}
