//! Dates are the seller's local dates, from one pinned clock: issue and due dates, "overdue"
//! and payment dates follow the seller profile's time zone; typo'd dates are refused naming the
//! field and the allowed range, so one cannot lock a series.

use invoicer::domain::listing::ListFilter;
use invoicer::domain::party::SellerProfile;
use invoicer::domain::payment::NewPayment;
use invoicer::{Clock, Engine, ErrorCode};
use serde_json::json;

use crate::util::{TestDb, command, draft, draft_json, json_out, seller_json};

/// An engine whose clock says `at`, with the test seller (Berlin unless `country` says
/// otherwise).
fn engine_at(db: &TestDb, at: &str, country: &str) -> Engine {
    let engine = Engine::open_with_clock(&db.path, Clock::parse_fixed("at", at).unwrap()).unwrap();
    let mut profile = seller_json();
    profile["party"]["country_code"] = json!(country);
    let profile: SellerProfile = serde_json::from_value(profile).unwrap();
    engine.set_seller_profile(profile).unwrap();
    engine
}

fn undated(price: &str) -> invoicer::domain::document::NewInvoice {
    let mut input = draft(price);
    input.issue_date = None;
    input
}

#[test]
fn a_berlin_seller_finalizing_at_half_past_midnight_gets_todays_date() {
    // 00:30 on 1 December in Berlin is 23:30 on 30 November in UTC.
    let db = TestDb::new();
    let engine = engine_at(&db, "2026-11-30T23:30:00Z", "DE");
    assert_eq!(
        engine
            .get_seller_profile()
            .unwrap()
            .unwrap()
            .timezone
            .as_deref(),
        Some("Europe/Berlin"),
        "the zone defaults from the country"
    );
    let id = engine.create_invoice_draft(undated("10.00")).unwrap().id;
    let finalized = engine.finalize_invoice(id).unwrap().document;
    assert_eq!(
        finalized.content.issue_date.unwrap().to_string(),
        "2026-12-01"
    );
    assert_eq!(
        finalized.content.due_date.unwrap().to_string(),
        "2026-12-31",
        "due date = local issue date + 30 days"
    );
    assert_eq!(finalized.number.as_deref(), Some("2026-0001"));

    // A seller in a country with several zones falls back to UTC: still 30 November.
    let db = TestDb::new();
    let engine = engine_at(&db, "2026-11-30T23:30:00Z", "US");
    let id = engine.create_invoice_draft(undated("10.00")).unwrap().id;
    let finalized = engine.finalize_invoice(id).unwrap().document;
    assert_eq!(
        finalized.content.issue_date.unwrap().to_string(),
        "2026-11-30"
    );
}

#[test]
fn the_binary_takes_the_same_local_date() {
    let db = TestDb::new();
    let seller = db.dir.path().join("seller.json");
    let mut profile = seller_json();
    profile["timezone"] = json!("Europe/Berlin");
    std::fs::write(&seller, profile.to_string()).unwrap();
    let draft = db.dir.path().join("draft.json");
    let mut payload = draft_json("10.00");
    payload.as_object_mut().unwrap().remove("issue_date");
    std::fs::write(&draft, payload.to_string()).unwrap();
    let run = |args: &[&str]| {
        let output = command()
            .env("INVOICER_NOW", "2026-11-30T23:30:00Z")
            .arg("--db")
            .arg(&db.path)
            .args(args)
            .output()
            .unwrap();
        json_out(&output)
    };
    run(&["seller", "set", "--file", seller.to_str().unwrap()]);
    let id = run(&["invoice", "create", "--file", draft.to_str().unwrap()])["id"].to_string();
    let finalized = run(&["invoice", "finalize", &id]);
    assert_eq!(finalized["issue_date"], "2026-12-01");
    assert_eq!(finalized["archive"]["pdf"], "archived");
    let preview = run(&["invoice", "next-number"]);
    assert_eq!(preview["issue_date"], "2026-12-01");
}

#[test]
fn overdue_is_judged_by_the_sellers_date() {
    let db = TestDb::new();
    let engine = engine_at(&db, "2026-11-30T12:00:00Z", "DE");
    let mut input = undated("10.00");
    input.due_date = Some("2026-11-30".parse().unwrap());
    let id = engine.create_invoice_draft(input).unwrap().id;
    engine.finalize_invoice(id).unwrap();
    let late_evening = |at: &str| {
        let engine = engine.with_clock(Clock::parse_fixed("at", at).unwrap());
        let listed = engine
            .list_invoices(&ListFilter {
                overdue: true,
                ..ListFilter::default()
            })
            .unwrap();
        let shown = engine.get_invoice(&invoicer::DocumentKey::Id(id)).unwrap();
        (listed.items.len(), shown.overdue)
    };
    // 23:30 UTC is already 1 December in Berlin: due yesterday.
    assert_eq!(late_evening("2026-11-30T23:30:00Z"), (1, true));
    // 22:30 UTC is 23:30 in Berlin: due today, not overdue.
    assert_eq!(late_evening("2026-11-30T22:30:00Z"), (0, false));
}

#[test]
fn a_typo_in_the_issue_date_is_refused_and_cannot_lock_the_series() {
    let db = TestDb::new();
    let engine = engine_at(&db, "2026-11-30T10:00:00Z", "DE");
    let mut input = undated("10.00");
    input.issue_date = Some("2099-12-31".parse().unwrap());
    let err = engine.create_invoice_draft(input).unwrap_err();
    assert_eq!(err.code, ErrorCode::ValidationError);
    assert_eq!(err.field.as_deref(), Some("issue_date"));
    assert!(
        err.message.contains("2025-11-30 and 2026-12-30"),
        "names the allowed range: {}",
        err.message
    );
    let mut input = undated("10.00");
    input.issue_date = Some("2025-11-29".parse().unwrap());
    let err = engine.create_invoice_draft(input).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("issue_date"));

    // A draft dated within the window, finalized after it has closed, is refused at finalize.
    let mut input = undated("10.00");
    input.issue_date = Some("2025-12-15".parse().unwrap());
    let id = engine.create_invoice_draft(input).unwrap().id;
    let later = engine.with_clock(Clock::parse_fixed("at", "2026-12-20T10:00:00Z").unwrap());
    let err = later.finalize_invoice(id).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("issue_date"));
    assert!(
        later
            .get_invoice(&invoicer::DocumentKey::Id(id))
            .unwrap()
            .number
            .is_none(),
        "nothing was numbered"
    );

    // The series is not locked: today's invoices still get numbers.
    let id = engine.create_invoice_draft(undated("10.00")).unwrap().id;
    assert_eq!(
        engine
            .finalize_invoice(id)
            .unwrap()
            .document
            .number
            .as_deref(),
        Some("2026-0001")
    );
}

#[test]
fn payments_dated_in_the_future_and_dates_outside_1900_to_2200_are_refused() {
    let db = TestDb::new();
    let engine = engine_at(&db, "2026-11-30T10:00:00Z", "DE");
    let id = engine.create_invoice_draft(undated("10.00")).unwrap().id;
    engine.finalize_invoice(id).unwrap();
    let err = engine
        .record_payment(
            id,
            NewPayment {
                date: Some("2026-12-01".parse().unwrap()),
                ..NewPayment::default()
            },
        )
        .unwrap_err();
    assert_eq!(err.field.as_deref(), Some("date"));
    assert!(err.message.contains("2026-11-30"), "{}", err.message);
    assert!(
        engine
            .get_invoice(&invoicer::DocumentKey::Id(id))
            .unwrap()
            .amount_paid
            .is_zero()
    );

    let err = engine
        .list_invoices(&ListFilter {
            from: Some("1800-01-01".parse().unwrap()),
            ..ListFilter::default()
        })
        .unwrap_err();
    assert_eq!(err.field.as_deref(), Some("from"));
    let err = engine
        .preview_next_number(None, Some("2300-01-01".parse().unwrap()))
        .unwrap_err();
    assert_eq!(err.field.as_deref(), Some("issue_date"));
    assert!(
        err.message.contains("1900-01-01 and 2200-12-31"),
        "{}",
        err.message
    );
    let mut input = undated("10.00");
    input.due_date = Some("2201-01-01".parse().unwrap());
    let err = engine.create_invoice_draft(input).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("due_date"));
}

#[test]
fn the_time_zone_is_an_iana_name() {
    let db = TestDb::new();
    let engine = engine_at(&db, "2026-11-30T10:00:00Z", "DE");
    let mut profile = seller_json();
    profile["timezone"] = json!("America/New_York");
    let set = engine
        .set_seller_profile(serde_json::from_value(profile.clone()).unwrap())
        .unwrap();
    assert_eq!(set.timezone.as_deref(), Some("America/New_York"));
    profile["timezone"] = json!("CET+1");
    let err = engine
        .set_seller_profile(serde_json::from_value(profile).unwrap())
        .unwrap_err();
    assert_eq!(err.field.as_deref(), Some("timezone"));
    assert!(err.message.contains("IANA"), "{}", err.message);
}

#[test]
fn nothing_below_the_engine_reads_a_clock() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    for dir in ["store", "domain", "render", "einvoice"] {
        for entry in walk(&root.join(dir)) {
            let text = std::fs::read_to_string(&entry).unwrap();
            for needle in [
                "Utc::now",
                "Local::now",
                "SystemTime::now",
                "Timestamp::now",
            ] {
                if text.contains(needle) {
                    offenders.push(format!("{}: {needle}", entry.display()));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}
