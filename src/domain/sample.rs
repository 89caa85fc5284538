//! Sample data for `invoicer demo`: a seller, customers and invoices that show the engine's
//! range (several VAT rates, § 19 UStG, reverse charge, a long invoice). Pure data, no I/O.

use serde_json::{Value, json};

use super::document::NewInvoice;
use super::party::{Party, SellerProfile};
use crate::error::{Result, from_json_value};

/// Number series the demo uses, so demo documents never take real numbers.
pub const DEMO_SERIES: &str = "demo";
/// Credit-note series of the demo.
pub const DEMO_CREDIT_NOTE_SERIES: &str = "demo-credit-notes";

/// The sample seller.
pub fn seller() -> Result<SellerProfile> {
    from_json_value(json!({
        "party": {
            "name": "Nordlicht Software GmbH",
            "address_lines": ["Speicherstadt 12"],
            "postcode": "20457",
            "city": "Hamburg",
            "country_code": "DE",
            "vat_id": "DE811907980",
            "tax_number": "46/123/45678",
            "email": "billing@nordlicht.example"
        },
        "payment": {"iban": "DE02120300000000202051", "bic": "BYLADEM1001", "bank_name": "Deutsche Kreditbank"},
        "currency": "EUR",
        "language": "de",
        "payment_days": 14,
        "legal_info": "Amtsgericht Hamburg HRB 123456 · Geschäftsführerin: Ada Nordlicht"
    }))
}

/// The sample customers.
pub fn customers() -> Result<Vec<Party>> {
    [
        json!({"name": "Bäckerei Sonnenschein KG", "address_lines": ["Marktplatz 4"], "postcode": "01067",
               "city": "Dresden", "country_code": "DE", "email": "info@sonnenschein.example"}),
        json!({"name": "Lumière SARL", "address_lines": ["8 rue de la Paix"], "postcode": "75002",
               "city": "Paris", "country_code": "FR", "vat_id": "FR40303265045"}),
        json!({"name": "Atelier Klein", "address_lines": ["Gartenweg 2"], "postcode": "79098",
               "city": "Freiburg", "country_code": "DE"}),
    ]
    .into_iter()
    .map(from_json_value)
    .collect()
}

fn line(
    description: &str,
    quantity: &str,
    unit: &str,
    price: &str,
    category: &str,
    rate: &str,
) -> Value {
    json!({"description": description, "quantity": quantity, "unit_code": unit,
           "unit_price": price, "vat_category": category, "vat_rate": rate})
}

/// The sample invoices for customers with the given ids (as returned for [`customers`]), with
/// a title for each.
pub fn invoices(customer_ids: &[i64]) -> Result<Vec<(&'static str, NewInvoice)>> {
    let id = |i: usize| customer_ids.get(i).copied();
    let mut long_lines = Vec::new();
    for week in 1..=60 {
        long_lines.push(line(
            &format!("Wartung und Support, Kalenderwoche {week}"),
            "2.5",
            "HUR",
            "96.00",
            "S",
            "19",
        ));
    }
    let drafts = [
        (
            "several VAT rates",
            json!({
                "customer_id": id(0), "buyer_reference": "PO-2026-117",
                "lines": [
                    line("Kassensystem Einrichtung", "1", "LS", "1450.00", "S", "19"),
                    line("Schulung Personal", "6", "HUR", "85.00", "S", "19"),
                    line("Fachbuch Kassenführung", "2", "C62", "39.90", "S", "7"),
                ],
                "notes": "Vielen Dank für Ihren Auftrag."
            }),
        ),
        (
            "reverse charge (EU B2B)",
            json!({
                "customer_id": id(1), "language": "en",
                "lines": [line("Software development, October", "64", "HUR", "110.00", "AE", "0")],
                "vat_exemption_reasons": {"AE": "Reverse charge: VAT is owed by the recipient (Art. 196 Directive 2006/112/EC)."}
            }),
        ),
        (
            "small business, § 19 UStG",
            json!({
                "customer_id": id(2),
                "seller": {"name": "Mia Weber Grafikdesign", "address_lines": ["Kastanienallee 7"], "postcode": "10435",
                           "city": "Berlin", "country_code": "DE", "tax_number": "13/456/78901"},
                "payment": {"iban": "DE89370400440532013000", "bic": "COBADEFFXXX", "bank_name": "Commerzbank Berlin"},
                "lines": [line("Logo-Entwurf mit drei Varianten", "1", "LS", "680.00", "E", "0")],
                "vat_exemption_reasons": {"E": "Gemäß § 19 UStG wird keine Umsatzsteuer berechnet."}
            }),
        ),
        (
            "gross prices",
            json!({
                "customer_id": id(0), "prices_include_vat": true,
                "lines": [line("Jahreslizenz Kassensoftware", "1", "ANN", "500.00", "S", "19")]
            }),
        ),
        (
            "60 lines",
            json!({
                "customer_id": id(0),
                "service_period": {"start": "2026-01-01", "end": "2026-12-31"},
                "lines": long_lines
            }),
        ),
    ];
    drafts
        .into_iter()
        .map(|(title, mut value)| {
            value["series"] = json!(DEMO_SERIES);
            Ok((title, from_json_value(value)?))
        })
        .collect()
}
