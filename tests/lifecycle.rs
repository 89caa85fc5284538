//! Engine verbs on a real database file: drafts, finalize, payments, void, uncollectible,
//! credit notes, idempotency, numbering rules, and that bad input writes nothing.

use invoicer::domain::credit_note::{CreditLine, NewCreditNote};
use invoicer::domain::document::DocumentKind;
use invoicer::domain::lifecycle::Status;
use invoicer::domain::listing::ListFilter;
use invoicer::domain::numbering::{NewSeries, ResetPolicy};
use invoicer::domain::payment::NewPayment;
use invoicer::{DocumentKey, ErrorCode};
use rust_decimal_macros::dec;
use serde_json::json;

use crate::util::{TestDb, draft, draft_json};

fn pay(amount: rust_decimal::Decimal) -> NewPayment {
    NewPayment {
        amount: Some(amount),
        ..NewPayment::default()
    }
}

#[test]
fn error_codes_are_stable_api() {
    let codes = [
        ErrorCode::NotFound,
        ErrorCode::ValidationError,
        ErrorCode::InvalidStatus,
        ErrorCode::Conflict,
        ErrorCode::StorageError,
        ErrorCode::RenderError,
        ErrorCode::ReadOnly,
        ErrorCode::Internal,
    ];
    let names: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        names,
        [
            "NOT_FOUND",
            "VALIDATION_ERROR",
            "INVALID_STATUS",
            "CONFLICT",
            "STORAGE_ERROR",
            "RENDER_ERROR",
            "READ_ONLY",
            "INTERNAL"
        ]
    );
    assert_eq!(
        serde_json::to_value(ErrorCode::InvalidStatus).unwrap(),
        json!("INVALID_STATUS")
    );
}

#[test]
fn draft_finalize_pay_in_parts() {
    let db = TestDb::new();
    let engine = db.engine();
    let doc = engine.create_invoice_draft(draft("100.00")).unwrap();
    assert_eq!(doc.status, Status::Draft);
    assert_eq!(doc.number, None);
    assert_eq!(doc.amount_due.to_string(), "119.00");

    let doc = engine.finalize_invoice(doc.id).unwrap().document;
    assert_eq!(doc.status, Status::Open);
    assert_eq!(doc.number.as_deref(), Some("2026-0001"));
    assert_eq!(
        doc.content.due_date.map(|d| d.to_string()).as_deref(),
        Some("2026-12-21")
    );
    assert_eq!(
        doc.content.payment().iban.as_deref(),
        Some("DE89370400440532013000")
    );

    let doc = engine.record_payment(doc.id, pay(dec!(19))).unwrap();
    assert_eq!(doc.status, Status::Open, "a partial payment keeps it open");
    assert_eq!(doc.amount_due.to_string(), "100.00");

    let err = engine
        .record_payment(doc.id, pay(dec!(100.01)))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::ValidationError);
    assert!(err.message.contains("overpayment"), "{}", err.message);

    let doc = engine
        .record_payment(doc.id, NewPayment::default())
        .unwrap();
    assert_eq!(doc.status, Status::Paid);
    assert_eq!(doc.amount_due.to_string(), "0.00");
    assert_eq!(doc.amount_paid.to_string(), "119.00");

    let err = engine.void_invoice(doc.id, None).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidStatus, "paid is final");

    let history = engine
        .get_invoice_history(&DocumentKey::Id(doc.id))
        .unwrap();
    let verbs: Vec<&str> = history.iter().map(|e| e.verb.as_str()).collect();
    assert_eq!(verbs, ["create", "finalize", "pay", "pay"]);
    assert!(history.iter().all(|e| e.source == invoicer::Source::Api));
}

#[test]
fn drafts_are_edited_by_merge_patch_and_deleted_without_using_numbers() {
    let db = TestDb::new();
    let engine = db.engine();
    let first = engine.create_invoice_draft(draft("10.00")).unwrap();
    let doc = engine
        .update_invoice_draft(
            first.id,
            json!({"notes": "Danke!", "lines": [
                {"description": "A", "quantity": 3, "unit_price": "0.35", "vat_rate": 19}
            ]}),
        )
        .unwrap();
    assert_eq!(doc.content.notes[0].text, "Danke!");
    assert_eq!(
        doc.content.buyer().name,
        "Kunde GmbH",
        "untouched fields stay"
    );
    assert_eq!(doc.content.totals.total_vat.to_string(), "0.20");

    let err = engine
        .update_invoice_draft(first.id, json!({"lines": [{"description": "A", "quantity": 0, "unit_price": 1, "vat_rate": 19}]}))
        .unwrap_err();
    assert_eq!(err.field.as_deref(), Some("lines[0].quantity"));
    let unchanged = engine.get_invoice(&DocumentKey::Id(first.id)).unwrap();
    assert_eq!(unchanged, doc, "a rejected update writes nothing");

    engine
        .delete_invoice_draft(first.id, Some("duplicate"))
        .unwrap();
    let err = engine.get_invoice(&DocumentKey::Id(first.id)).unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
    let history = engine
        .get_invoice_history(&DocumentKey::Id(first.id))
        .unwrap();
    assert_eq!(history.last().map(|e| e.verb.as_str()), Some("delete"));

    let second = engine.create_invoice_draft(draft("10.00")).unwrap();
    let second = engine.finalize_invoice(second.id).unwrap().document;
    assert_eq!(
        second.number.as_deref(),
        Some("2026-0001"),
        "deleted drafts leave no gap"
    );
    let err = engine.delete_invoice_draft(second.id, None).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidStatus);
    let err = engine
        .update_invoice_draft(second.id, json!({"notes": "x"}))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidStatus);
}

#[test]
fn bad_input_writes_nothing() {
    let db = TestDb::new();
    let engine = db.engine();
    let bad_payloads = [
        json!({"buyer": {"name": "x"}, "lines": []}),
        {
            let mut v = draft_json("10");
            v["currency"] = json!("ABC");
            v
        },
        {
            let mut v = draft_json("10");
            v["lines"][0]["description"] = json!("x".repeat(10 * 1024 * 1024));
            v
        },
        {
            let mut v = draft_json("10");
            v["customer_id"] = json!(999);
            v["buyer"] = serde_json::Value::Null;
            v
        },
    ];
    for payload in bad_payloads {
        let input = invoicer::error::from_json_value(payload);
        let err = match input {
            Ok(input) => engine.create_invoice_draft(input).unwrap_err(),
            Err(err) => err,
        };
        assert_eq!(err.code, ErrorCode::ValidationError, "{err}");
        assert!(err.field.is_some(), "{err}");
    }
    let conn = db.raw();
    let count = |table: &str| -> i64 {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(count("documents"), 0);
    assert_eq!(count("document_lines"), 0);
    assert_eq!(count("events"), 0);
}

#[test]
fn finalize_refuses_incomplete_documents_and_keeps_them_drafts() {
    let db = TestDb::new();
    let engine = crate::util::open_engine(&db.path);
    let doc = engine.create_invoice_draft(draft("10.00")).unwrap();
    let err = engine.finalize_invoice(doc.id).unwrap_err();
    assert_eq!(
        err.field.as_deref(),
        Some("seller"),
        "no seller profile yet: {err}"
    );
    assert_eq!(
        engine.get_invoice(&DocumentKey::Id(doc.id)).unwrap().status,
        Status::Draft
    );
    assert_eq!(engine.preview_next_number(None, None).unwrap().counter, 1);
}

#[test]
fn idempotency_key_and_external_id() {
    let db = TestDb::new();
    let engine = db.engine();
    let mut input = draft("50.00");
    input.idempotency_key = Some("req-1".into());
    let a = engine.create_invoice_draft(input.clone()).unwrap();
    let b = engine.create_invoice_draft(input.clone()).unwrap();
    assert_eq!(a.id, b.id, "a retry returns the same draft");
    input.payment_terms = Some("different".into());
    let err = engine.create_invoice_draft(input).unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert_eq!(err.field.as_deref(), Some("idempotency_key"));

    let mut input = draft("60.00");
    input.external_id = Some("crm-77".into());
    let c = engine.create_invoice_draft(input.clone()).unwrap();
    assert_eq!(engine.create_invoice_draft(input.clone()).unwrap().id, c.id);
    input.lines[0].unit_price = dec!(61);
    let err = engine.create_invoice_draft(input).unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    let page = engine.list_invoices(&ListFilter::default()).unwrap();
    assert_eq!(page.items.len(), 2);
}

#[test]
fn void_and_uncollectible() {
    let db = TestDb::new();
    let engine = db.engine();
    let a = engine.create_invoice_draft(draft("10.00")).unwrap();
    let a = engine.finalize_invoice(a.id).unwrap().document;
    let a = engine.void_invoice(a.id, Some("wrong customer")).unwrap();
    assert_eq!(a.status, Status::Void);
    assert_eq!(
        a.number.as_deref(),
        Some("2026-0001"),
        "a void invoice keeps its number"
    );
    assert_eq!(a.amount_due.to_string(), "0.00");
    assert_eq!(
        engine
            .record_payment(a.id, NewPayment::default())
            .unwrap_err()
            .code,
        ErrorCode::InvalidStatus
    );

    let b = engine.create_invoice_draft(draft("10.00")).unwrap();
    let b = engine.finalize_invoice(b.id).unwrap().document;
    let b = engine
        .mark_invoice_uncollectible(b.id, Some("customer insolvent"))
        .unwrap();
    assert_eq!(b.status, Status::Uncollectible);
    let b = engine.record_payment(b.id, NewPayment::default()).unwrap();
    assert_eq!(b.status, Status::Paid);

    let c = engine.create_invoice_draft(draft("10.00")).unwrap();
    let c = engine.finalize_invoice(c.id).unwrap().document;
    engine.record_payment(c.id, pay(dec!(1))).unwrap();
    let err = engine.void_invoice(c.id, None).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidStatus);
    assert!(err.message.contains("credit note"), "{}", err.message);
    let history = engine
        .get_invoice_history(&DocumentKey::Number("2026-0001".into()))
        .unwrap();
    assert_eq!(
        history.last().and_then(|e| e.reason.as_deref()),
        Some("wrong customer")
    );
}

#[test]
fn credit_notes_reduce_the_amount_due_and_have_their_own_series() {
    let db = TestDb::new();
    let engine = db.engine();
    let mut input = draft("100.00");
    input.lines.push(input.lines[0].clone());
    input.lines[1].unit_price = dec!(50);
    input.lines[1].quantity = dec!(4);
    let invoice = engine.create_invoice_draft(input).unwrap();
    let invoice = engine.finalize_invoice(invoice.id).unwrap().document;
    assert_eq!(invoice.amount_due.to_string(), "357.00");

    let err = engine
        .create_credit_note(NewCreditNote {
            invoice: "999".into(),
            ..NewCreditNote::default()
        })
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);

    let partial = engine
        .create_credit_note(NewCreditNote {
            invoice: "2026-0001".into(),
            lines: Some(vec![CreditLine {
                position: 2,
                quantity: Some(dec!(1)),
            }]),
            reason: Some("one unit returned".into()),
            issue_date: Some("2026-11-22".parse().unwrap()),
            ..NewCreditNote::default()
        })
        .unwrap();
    assert_eq!(partial.kind, DocumentKind::CreditNote);
    assert_eq!(partial.content.totals.total_gross.to_string(), "59.50");
    assert_eq!(partial.corrects.as_ref().map(|r| r.id), Some(invoice.id));
    let partial = engine.finalize_invoice(partial.id).unwrap().document;
    assert_eq!(partial.number.as_deref(), Some("CN-2026-0001"));
    assert_eq!(
        partial.status,
        Status::Paid,
        "fully settled against the open invoice"
    );

    let invoice = engine.get_invoice(&DocumentKey::Id(invoice.id)).unwrap();
    assert_eq!(invoice.status, Status::Open);
    assert_eq!(invoice.amount_credited.to_string(), "59.50");
    assert_eq!(invoice.amount_due.to_string(), "297.50");

    // Crediting everything again would exceed the invoice.
    let err = engine
        .create_credit_note(NewCreditNote {
            invoice: invoice.id.to_string(),
            ..NewCreditNote::default()
        })
        .unwrap_err();
    assert_eq!(err.field.as_deref(), Some("lines"), "{err}");

    let err = engine
        .create_credit_note(NewCreditNote {
            invoice: invoice.id.to_string(),
            lines: Some(vec![CreditLine {
                position: 2,
                quantity: Some(dec!(5)),
            }]),
            ..NewCreditNote::default()
        })
        .unwrap_err();
    assert_eq!(err.field.as_deref(), Some("lines[0].quantity"), "{err}");

    engine.record_payment(invoice.id, pay(dec!(200))).unwrap();
    let rest = engine
        .create_credit_note(NewCreditNote {
            invoice: invoice.id.to_string(),
            lines: Some(vec![CreditLine {
                position: 1,
                quantity: None,
            }]),
            issue_date: Some("2026-11-23".parse().unwrap()),
            ..NewCreditNote::default()
        })
        .unwrap();
    let rest = engine.finalize_invoice(rest.id).unwrap().document;
    // 119.00 credited, 97.50 was still due: the invoice is settled and 21.50 is owed back.
    assert_eq!(rest.status, Status::Open);
    assert_eq!(rest.amount_due.to_string(), "21.50");
    let invoice = engine.get_invoice(&DocumentKey::Id(invoice.id)).unwrap();
    assert_eq!(invoice.status, Status::Paid);
    assert_eq!(invoice.amount_due.to_string(), "0.00");
    let rest = engine
        .record_payment(rest.id, NewPayment::default())
        .unwrap();
    assert_eq!(rest.status, Status::Paid, "refund paid out");
    let day = Some("2026-11-30".parse().unwrap());
    let preview = |series| engine.preview_next_number(series, day).unwrap().number;
    assert_eq!(preview(Some("credit-notes")), "CN-2026-0003");
    assert_eq!(preview(None), "2026-0002");
}

#[test]
fn series_formats_resets_and_issue_date_order() {
    let db = TestDb::new();
    let engine = db.engine();
    engine
        .set_series(NewSeries {
            name: "monthly".into(),
            kind: DocumentKind::Invoice,
            format: "RE-{YYYY}{MM}-{counter:05}".into(),
            reset: ResetPolicy::Monthly,
        })
        .unwrap();
    let err = engine
        .set_series(NewSeries {
            name: "broken".into(),
            kind: DocumentKind::Invoice,
            format: "{counter}".into(),
            reset: ResetPolicy::Yearly,
        })
        .unwrap_err();
    assert_eq!(err.field.as_deref(), Some("format"));

    let finalize_on = |date: &str| {
        let mut input = draft("10.00");
        input.series = Some("monthly".into());
        input.issue_date = Some(date.parse().unwrap());
        let doc = engine.create_invoice_draft(input).unwrap();
        engine.finalize_invoice(doc.id)
    };
    let preview = engine
        .preview_next_number(Some("monthly"), Some("2026-10-30".parse().unwrap()))
        .unwrap();
    assert_eq!(preview.number, "RE-202610-00001");
    assert_eq!(
        finalize_on("2026-10-30")
            .unwrap()
            .document
            .number
            .as_deref(),
        Some("RE-202610-00001")
    );
    assert_eq!(
        finalize_on("2026-10-31")
            .unwrap()
            .document
            .number
            .as_deref(),
        Some("RE-202610-00002")
    );
    assert_eq!(
        finalize_on("2026-11-01")
            .unwrap()
            .document
            .number
            .as_deref(),
        Some("RE-202611-00001")
    );
    let err = finalize_on("2026-10-31").unwrap_err();
    assert_eq!(
        err.field.as_deref(),
        Some("issue_date"),
        "dates never go backwards: {err}"
    );
    assert_eq!(
        finalize_on("2026-11-01")
            .unwrap()
            .document
            .number
            .as_deref(),
        Some("RE-202611-00002")
    );

    let mut input = draft("10.00");
    input.series = Some("credit-notes".into());
    let err = engine.create_invoice_draft(input).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("series"));
}

#[test]
fn list_filters_and_pages() {
    let db = TestDb::new();
    let engine = db.engine();
    let customer = engine
        .upsert_customer(
            invoicer::domain::party::NewCustomer::from_json(
                json!({"name": "Stammkunde AG", "country_code": "AT", "vat_id": "ATU12345678"}),
            )
            .unwrap(),
        )
        .unwrap();
    for i in 0..7 {
        let mut input = draft("10.00");
        if i % 2 == 0 {
            input.buyer = None;
            input.customer_id = Some(customer.id);
        }
        input.issue_date = Some("2026-01-01".parse().unwrap());
        input.due_date = Some("2026-01-15".parse().unwrap());
        let doc = engine.create_invoice_draft(input).unwrap();
        if i < 5 {
            engine.finalize_invoice(doc.id).unwrap();
        }
    }
    let all = |filter: ListFilter| engine.list_invoices(&filter).unwrap().items.len();
    assert_eq!(all(ListFilter::default()), 7);
    assert_eq!(
        all(ListFilter {
            status: Some(Status::Draft),
            ..ListFilter::default()
        }),
        2
    );
    assert_eq!(
        all(ListFilter {
            customer_id: Some(customer.id),
            ..ListFilter::default()
        }),
        4
    );
    assert_eq!(
        all(ListFilter {
            overdue: true,
            ..ListFilter::default()
        }),
        5
    );
    assert_eq!(
        all(ListFilter {
            query: Some("stamm".into()),
            ..ListFilter::default()
        }),
        4
    );
    assert_eq!(
        all(ListFilter {
            query: Some("2026-0003".into()),
            ..ListFilter::default()
        }),
        1
    );
    assert_eq!(
        all(ListFilter {
            from: Some("2026-02-01".parse().unwrap()),
            ..ListFilter::default()
        }),
        0
    );

    let first = engine
        .list_invoices(&ListFilter {
            limit: Some(3),
            ..ListFilter::default()
        })
        .unwrap();
    assert_eq!(first.items.len(), 3);
    let second = engine
        .list_invoices(&ListFilter {
            limit: Some(3),
            cursor: first.next_cursor.clone(),
            ..ListFilter::default()
        })
        .unwrap();
    let third = engine
        .list_invoices(&ListFilter {
            limit: Some(3),
            cursor: second.next_cursor.clone(),
            ..ListFilter::default()
        })
        .unwrap();
    assert_eq!(third.items.len(), 1);
    assert_eq!(third.next_cursor, None);
    let mut ids: Vec<i64> = [first, second, third]
        .iter()
        .flat_map(|p| p.items.iter().map(|d| d.id))
        .collect();
    ids.dedup();
    assert_eq!(ids, vec![7, 6, 5, 4, 3, 2, 1]);
    let err = engine
        .list_invoices(&ListFilter {
            limit: Some(0),
            ..ListFilter::default()
        })
        .unwrap_err();
    assert_eq!(err.field.as_deref(), Some("limit"));
}

/// A template that fails, as a user's broken template would.
fn broken_template(db: &TestDb) -> std::path::PathBuf {
    let dir = db.dir.path().join("broken-template");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("invoice.typ"),
        "#let d = json(\"/invoice.json\")\n#d.no_such_field\n",
    )
    .unwrap();
    dir
}

/// A seller and a draft, created through the binary; the draft's id.
fn draft_through_the_cli(db: &TestDb) -> String {
    db.engine();
    let file = db.dir.path().join("draft.json");
    std::fs::write(&file, draft_json("100.00").to_string()).unwrap();
    let created =
        crate::util::json_out(&db.cli(&["invoice", "create", "--file", file.to_str().unwrap()]));
    created["id"].to_string()
}

#[test]
fn finalize_never_fails_after_the_number_is_committed() {
    let db = TestDb::new();
    let id = draft_through_the_cli(&db);
    let templates = broken_template(&db);
    let templates = templates.to_str().unwrap();

    // The PDF cannot be made: the finalization still succeeds, and says so.
    let run = db.cli(&["--template-dir", templates, "invoice", "finalize", &id]);
    let finalized = crate::util::json_out(&run);
    assert_eq!(finalized["number"], "2026-0001");
    assert_eq!(finalized["status"], "open");
    assert_eq!(finalized["archive"]["pdf"], "missing");
    // Nothing was archived, so the numbering commit was synced on its own, without a problem.
    assert_eq!(
        finalized["archive"]["problems"].as_array().unwrap().len(),
        1
    );
    let problem = finalized["archive"]["problems"][0].as_str().unwrap();
    assert!(
        problem.contains("/invoice.typ:2:") && problem.contains("check --repair"),
        "{problem}"
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("warning: 2026-0001"), "{stderr}");

    // A retry learns that it is finalized, with its number.
    let again = db.cli(&["invoice", "finalize", &id]);
    assert_eq!(again.status.code(), Some(5));
    let shown = crate::util::json_out(&db.cli(&["invoice", "show", &id]));
    assert_eq!(shown["number"], "2026-0001");

    // `check` lists the missing archive; `check --repair` makes it with the template at hand.
    let checked = crate::util::json_out(&db.cli(&["check"]));
    assert_eq!(checked["archives_missing"][0]["number"], "2026-0001");
    assert_eq!(
        checked["ok"], true,
        "a missing archive is work to do, not damage"
    );
    let failing_repair = db.cli(&["--template-dir", templates, "check", "--repair"]);
    assert_eq!(
        failing_repair.status.code(),
        Some(9),
        "the template still fails"
    );
    let repaired = crate::util::json_out(&db.cli(&["check", "--repair"]));
    assert_eq!(
        repaired["repaired"],
        json!(["archived the PDF of 2026-0001"])
    );
    assert_eq!(repaired["archives_missing"], json!([]));
    assert_eq!(repaired["ok"], true);

    // The next render returns the archive now, byte for byte.
    let engine = db.engine();
    let archived = engine.render_invoice_pdf(&DocumentKey::Id(1)).unwrap();
    let again = engine.render_invoice_pdf(&DocumentKey::Id(1)).unwrap();
    assert_eq!(archived.sha256, again.sha256);
}

#[test]
fn a_missing_archive_is_made_on_the_next_render() {
    let db = TestDb::new();
    let id = draft_through_the_cli(&db);
    let templates = broken_template(&db);
    crate::util::json_out(&db.cli(&[
        "--template-dir",
        templates.to_str().unwrap(),
        "invoice",
        "finalize",
        &id,
    ]));
    let out = db.dir.path().join("out.pdf");
    crate::util::json_out(&db.cli(&["render", &id, "-o", out.to_str().unwrap()]));
    let checked = crate::util::json_out(&db.cli(&["check"]));
    assert_eq!(checked["archives_missing"], json!([]), "{checked}");
}

#[test]
fn check_lists_and_repairs_a_missing_configured_einvoice() {
    let db = TestDb::new();
    let id = draft_through_the_cli(&db);
    let templates = broken_template(&db);
    // Finalized while the PDF could not be made and before e-invoices were archived at
    // finalization; the operator turns that on afterwards.
    let finalized = crate::util::json_out(&db.cli(&[
        "--template-dir",
        templates.to_str().unwrap(),
        "invoice",
        "finalize",
        &id,
    ]));
    assert_eq!(finalized["number"], "2026-0001");
    let mut check = vec!["--einvoice-at-finalize", "facturx-xml", "check"];
    let checked = crate::util::json_out(&db.cli(&check));
    let problems: Vec<&str> = checked["archives_missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["problem"].as_str().unwrap())
        .collect();
    assert_eq!(problems.len(), 2, "{checked}");
    assert!(problems[0].starts_with("no archived PDF"), "{problems:?}");
    assert!(
        problems[1].starts_with("no archived facturx-xml e-invoice"),
        "{problems:?}"
    );
    // Without the option, nobody asked for an e-invoice: only the PDF is missing.
    let plain = crate::util::json_out(&db.cli(&["check"]));
    assert_eq!(plain["archives_missing"].as_array().map(Vec::len), Some(1));

    check.push("--repair");
    let repaired = crate::util::json_out(&db.cli(&check));
    assert_eq!(
        repaired["repaired"],
        json!([
            "archived the PDF of 2026-0001",
            "archived the facturx-xml e-invoice of document 1"
        ])
    );
    assert_eq!(repaired["archives_missing"], json!([]), "{repaired}");
}
