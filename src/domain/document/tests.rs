//! Validation of draft input: every bad field is named, with its rule.

use super::*;
use crate::error::{ErrorCode, from_json_value};
use serde_json::json;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
}

fn parse(value: serde_json::Value) -> Result<DocumentContent> {
    let input: NewInvoice = from_json_value(value)?;
    input.validate(Defaults {
        series: "invoices",
        today: today(),
        ..Defaults::default()
    })
}

fn minimal() -> serde_json::Value {
    json!({
        "buyer": {"name": "Kunde GmbH", "country_code": "DE"},
        "lines": [{"description": "Beratung", "quantity": "2", "unit_price": "100.00", "vat_rate": "19"}]
    })
}

fn field_of(value: serde_json::Value) -> (ErrorCode, String) {
    let err = parse(value).expect_err("input should be rejected");
    (err.code, err.field.unwrap_or_default())
}

#[test]
fn minimal_draft_gets_defaults_and_totals() {
    let content = parse(minimal()).unwrap();
    assert_eq!(content.currency().code(), "EUR");
    assert_eq!(content.series(), "invoices");
    assert_eq!(content.lines[0].unit_code, "C62");
    assert_eq!(content.lines[0].net_amount.to_string(), "200.00");
    assert_eq!(content.totals.total_gross.to_string(), "238.00");
}

#[test]
fn numbers_as_json_numbers_are_exact() {
    let mut v = minimal();
    v["lines"][0]["quantity"] = json!(3);
    v["lines"][0]["unit_price"] = json!(0.35);
    let content = parse(v).unwrap();
    assert_eq!(content.totals.total_vat.to_string(), "0.20");
}

#[test]
fn bad_input_names_the_field() {
    let cases: Vec<(serde_json::Value, &str)> = vec![
        (json!({"lines": []}), "buyer"),
        (json!({"buyer": {"name": "x"}, "lines": []}), "lines"),
        (
            {
                let mut v = minimal();
                v["lines"][0]["quantity"] = json!("0");
                v
            },
            "lines[0].quantity",
        ),
        (
            {
                let mut v = minimal();
                v["lines"][0]["quantity"] = json!("1e12");
                v
            },
            "lines[0].quantity",
        ),
        (
            {
                let mut v = minimal();
                v["lines"][0]["quantity"] = json!("0");
                v
            },
            "lines[0].quantity",
        ),
        (
            {
                let mut v = minimal();
                v["lines"][0]["unit_price"] = json!("-5");
                v
            },
            "lines[0].unit_price",
        ),
        (
            {
                let mut v = minimal();
                v["lines"][0]["unit_price"] = json!("abc");
                v
            },
            "lines[0].unit_price",
        ),
        (
            {
                let mut v = minimal();
                v["currency"] = json!("XYZ");
                v
            },
            "currency",
        ),
        (
            {
                let mut v = minimal();
                v["lines"][0]["vat_category"] = json!("Q");
                v
            },
            "lines[0].vat_category",
        ),
        (
            {
                let mut v = minimal();
                v["lines"][0]["vat_category"] = json!("E");
                v["lines"][0]["vat_rate"] = json!(0);
                v
            },
            "lines[0].vat_category",
        ),
        (
            {
                let mut v = minimal();
                v["lines"][0]["vat_rate"] = json!(0);
                v
            },
            "lines[0].vat_rate",
        ),
        (
            {
                let mut v = minimal();
                v["lines"][0]["description"] = json!("x".repeat(10_000_000));
                v
            },
            "lines[0].description",
        ),
        (
            {
                let mut v = minimal();
                v["lines"][0]["description"] = json!("  ");
                v
            },
            "lines[0].description",
        ),
        (
            {
                let mut v = minimal();
                v["issue_date"] = json!("2026-02-30");
                v
            },
            "issue_date",
        ),
        (
            {
                let mut v = minimal();
                v["issue_date"] = json!("21.11.2026");
                v
            },
            "issue_date",
        ),
        (
            {
                let mut v = minimal();
                v["issue_date"] = json!("2026-11-21");
                v["due_date"] = json!("2026-11-01");
                v
            },
            "due_date",
        ),
        (
            {
                let mut v = minimal();
                v["service_period"] = json!({"start": "2026-11-30", "end": "2026-11-01"});
                v
            },
            "service_period.end",
        ),
        (
            {
                let mut v = minimal();
                v["lines"][0]["quantitiy"] = json!(1);
                v
            },
            "lines[0]",
        ),
        (
            {
                let mut v = minimal();
                v["lines"][0]["discount_percent"] = json!(150);
                v
            },
            "lines[0].discount_percent",
        ),
        (
            {
                let mut v = minimal();
                v["lines"][0]["discount_amount"] = json!("500");
                v
            },
            "lines[0].discount_amount",
        ),
        (
            {
                let mut v = minimal();
                v["lines"][0]["unit_code"] = json!("bananas");
                v
            },
            "lines[0].unit_code",
        ),
        (
            {
                let mut v = minimal();
                v["payment"] = json!({"iban": "DE00 1234"});
                v
            },
            "payment.iban",
        ),
        (
            {
                let mut v = minimal();
                v["buyer"]["email"] = json!("nope");
                v
            },
            "buyer.email",
        ),
        (
            {
                let mut v = minimal();
                v["vat_exemption_reasons"] = json!({"S": "why"});
                v
            },
            "vat_exemption_reasons.S",
        ),
    ];
    for (value, expected) in cases {
        let (code, field) = field_of(value);
        assert_eq!(code, ErrorCode::ValidationError, "{expected}");
        assert!(
            field.starts_with(expected),
            "expected field {expected}, got {field}"
        );
    }
}

#[test]
fn yen_amounts_have_no_decimals() {
    let mut v = minimal();
    v["currency"] = json!("JPY");
    v["lines"][0]["unit_price"] = json!("1234");
    v["lines"][0]["vat_rate"] = json!("10");
    let content = parse(v).unwrap();
    assert_eq!(content.totals.total_gross.to_string(), "2715");
}

#[test]
fn reverse_charge_needs_both_vat_ids_to_finalize() {
    let mut v = minimal();
    v["seller"] = json!({"name": "Me", "address_lines": ["Str. 1"], "postcode": "10115",
                         "city": "Berlin", "country_code": "DE", "vat_id": "DE123456789"});
    v["lines"][0]["vat_category"] = json!("AE");
    v["lines"][0]["vat_rate"] = json!(0);
    v["vat_exemption_reasons"] = json!({"AE": "Reverse charge"});
    let content = parse(v.clone()).unwrap();
    let err = content.check_finalizable().unwrap_err();
    assert_eq!(err.field.as_deref(), Some("buyer.vat_id"));
    v["buyer"]["vat_id"] = json!("FR12345678901");
    let content = parse(v).unwrap();
    assert!(content.check_finalizable().is_ok());
    assert_eq!(content.totals.total_vat.to_string(), "0.00");
}

#[test]
fn unit_words_become_codes() {
    assert_eq!(normalize_unit("hours").unwrap(), "HUR");
    assert_eq!(normalize_unit("Stück").unwrap(), "C62");
    assert_eq!(normalize_unit("xyz").unwrap(), "XYZ");
}

#[test]
fn input_round_trips_through_to_input() {
    let content = parse(minimal()).unwrap();
    let again = content.to_input().validate(Defaults {
        series: "other",
        today: today(),
        ..Defaults::default()
    });
    assert_eq!(again.unwrap(), content);
}

#[test]
fn dates_are_checked_where_they_enter() {
    let cases = [
        ("issue_date", json!("2099-12-31"), "issue_date"),
        ("issue_date", json!("2025-11-20"), "issue_date"),
        ("supply_date", json!("1899-12-31"), "supply_date"),
        ("due_date", json!("2201-01-01"), "due_date"),
    ];
    for (key, value, field) in cases {
        let mut v = minimal();
        v[key] = value.clone();
        let err = parse(v).expect_err(&format!("{key} = {value}"));
        assert_eq!(err.field.as_deref(), Some(field), "{key} = {value}");
        assert!(
            err.message.contains(" and "),
            "says the range: {}",
            err.message
        );
    }
    let mut v = minimal();
    v["lines"][0]["service_date"] = json!("3000-01-01");
    assert_eq!(field_of(v).1, "lines[0].service_date");
    let mut v = minimal();
    v["service_period"] = json!({"start": "1800-01-01", "end": "2026-01-01"});
    assert_eq!(field_of(v).1, "service_period.start");
    let mut v = minimal();
    v["issue_date"] = json!("2026-12-21");
    assert!(parse(v).is_ok(), "30 days ahead is allowed");
}

#[test]
fn characters_xml_forbids_are_refused_in_every_text() {
    for (path, set) in [
        (
            "buyer.name",
            &(|v: &mut serde_json::Value| v["buyer"]["name"] = json!("A\u{FFFE}B"))
                as &dyn Fn(&mut serde_json::Value),
        ),
        ("notes[0].text", &|v: &mut serde_json::Value| {
            v["notes"] = json!("x\u{FFFF}")
        }),
        ("lines[0].description", &|v: &mut serde_json::Value| {
            v["lines"][0]["description"] = json!("\u{1}")
        }),
        ("payment_terms", &|v: &mut serde_json::Value| {
            v["payment_terms"] = json!("\u{FFFF}")
        }),
    ] {
        let mut v = minimal();
        set(&mut v);
        assert_eq!(field_of(v), (ErrorCode::ValidationError, path.to_string()));
    }
}

#[test]
fn a_document_holds_at_most_200000_characters_of_text() {
    let mut v = minimal();
    let line = json!({"description": "x".repeat(2000), "quantity": "1", "unit_price": "1", "vat_rate": "19"});
    v["lines"] = json!(vec![line; 101]);
    let err = parse(v).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("lines"));
    assert!(err.message.contains("at most 200000"), "{}", err.message);
}
