//! Finalized documents are frozen by SQLite triggers: raw SQL, as an operator with the sqlite3
//! shell could run it, cannot change their money, lines or numbers, nor delete them.

use crate::util::{TestDb, draft, finalized_counters, run_binary};

fn refused(conn: &rusqlite::Connection, sql: &str) {
    let err = conn.execute_batch(sql).expect_err(sql);
    let text = err.to_string();
    assert!(
        text.contains("immutable")
            || text.contains("cannot be deleted")
            || text.contains("append-only")
            || text.contains("counters")
            || text.contains("lifecycle"),
        "{sql}: unexpected error {text}"
    );
}

#[test]
fn raw_sql_cannot_alter_finalized_documents() {
    let db = TestDb::new();
    let engine = db.engine();
    let open = engine.create_invoice_draft(draft("100.00")).unwrap();
    let open = engine.finalize_invoice(open.id).unwrap().document;
    let draft_doc = engine.create_invoice_draft(draft("5.00")).unwrap();
    let id = open.id;
    let conn = db.raw();

    refused(
        &conn,
        &format!("UPDATE documents SET total_gross = '1.00' WHERE id = {id}"),
    );
    refused(
        &conn,
        &format!("UPDATE documents SET number = '2026-9999' WHERE id = {id}"),
    );
    refused(
        &conn,
        &format!("UPDATE documents SET header = '{{}}' WHERE id = {id}"),
    );
    refused(
        &conn,
        &format!("UPDATE documents SET status = 'draft', number = NULL WHERE id = {id}"),
    );
    refused(
        &conn,
        &format!("UPDATE document_lines SET unit_price = '1' WHERE document_id = {id}"),
    );
    refused(
        &conn,
        &format!("DELETE FROM document_lines WHERE document_id = {id}"),
    );
    refused(
        &conn,
        &format!(
            "INSERT INTO document_lines (document_id, position, description, quantity, unit_code,
               unit_price, vat_category, vat_rate, net_amount)
             VALUES ({id}, 9, 'extra', '1', 'C62', '1', 'S', '19', '1')"
        ),
    );
    refused(&conn, &format!("DELETE FROM documents WHERE id = {id}"));
    refused(&conn, "UPDATE events SET verb = 'x'");
    refused(&conn, "DELETE FROM events");
    refused(
        &conn,
        "UPDATE series_counters SET last_counter = last_counter + 5",
    );
    refused(&conn, "DELETE FROM series_counters");

    // Drafts stay editable, and a paid status can still be reached the legal way.
    conn.execute_batch(&format!(
        "UPDATE document_lines SET description = 'edited' WHERE document_id = {}",
        draft_doc.id
    ))
    .expect("drafts are editable");
    conn.execute_batch(&format!(
        "UPDATE documents SET status = 'paid' WHERE id = {id}"
    ))
    .expect("open -> paid is a legal move");
    refused(
        &conn,
        &format!("UPDATE documents SET status = 'open' WHERE id = {id}"),
    );
    assert_eq!(finalized_counters(&db), vec![1]);
}

/// A database with two paid-in-part invoices (PDFs archived), then `sql` run as an attacker
/// would: the triggers dropped, the rows rewritten, the triggers put back exactly as they were.
/// Returns `invoicer check`'s exit code and report.
fn check_after(sql: &str, keep_triggers_dropped: bool) -> (Option<i32>, serde_json::Value) {
    let db = TestDb::new();
    let engine = db.engine();
    for price in ["100.00", "250.00"] {
        let id = engine.create_invoice_draft(draft(price)).unwrap().id;
        engine.finalize_invoice(id).unwrap();
        engine
            .record_payment(
                id,
                invoicer::domain::payment::NewPayment {
                    amount: Some(rust_decimal::Decimal::from(50)),
                    ..Default::default()
                },
            )
            .unwrap();
    }
    let clean = run_binary(&db.path, &["check"], "");
    assert!(
        clean.status.success(),
        "{}",
        String::from_utf8_lossy(&clean.stdout)
    );
    let conn = db.raw();
    let triggers: Vec<(String, String)> = conn
        .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (name, _) in &triggers {
        conn.execute_batch(&format!("DROP TRIGGER {name}")).unwrap();
    }
    conn.execute_batch(sql).unwrap();
    if !keep_triggers_dropped {
        for (_, definition) in &triggers {
            conn.execute_batch(definition).unwrap();
        }
    }
    drop(conn);
    let output = run_binary(&db.path, &["check"], "");
    let report = serde_json::from_slice(&output.stdout).expect("check prints its report");
    (output.status.code(), report)
}

#[test]
fn raw_sql_with_the_triggers_dropped_is_found_by_check_naming_the_row() {
    let cases = [
        (
            "UPDATE documents SET total_gross = '1.00' WHERE id = 1",
            "document",
            "1",
            "total_gross",
        ),
        (
            "UPDATE payments SET amount = '5.00' WHERE id = 2",
            "payment",
            "2",
            "amount",
        ),
        (
            // The PDF replaced, with a matching hash: the archive check alone would pass.
            "UPDATE document_pdfs SET pdf = x'255044462d312e37', sha256 = 'b7f3f1aa06ee0f7e3b5cd3d3e09b5f9ce4a7fe6d1a4e83a4fbc6e1cbf2c6bd86' WHERE document_id = 2",
            "pdf",
            "2",
            "sha256",
        ),
        ("DELETE FROM events WHERE id = 2", "event", "2", "deleted"),
        (
            "UPDATE documents SET status = 'paid', amount_paid = '119.00' WHERE id = 1",
            "state",
            "1",
            "status",
        ),
        (
            "INSERT INTO events (document_id, at, verb, source) VALUES (1, '2026-11-30T10:00:00.000Z', 'void', 'cli')",
            "event",
            "7",
            "not in the chain",
        ),
        (
            "DELETE FROM chain WHERE seq = (SELECT max(seq) FROM chain)",
            "event",
            "6",
            "not in the chain",
        ),
    ];
    for (sql, kind, row, says) in cases {
        let (code, report) = check_after(sql, false);
        assert_eq!(code, Some(7), "{sql}: {report}");
        assert_eq!(report["ok"], false, "{sql}");
        let first = &report["chain"]["first_break"];
        assert_eq!(first["kind"], kind, "{sql}: {first}");
        assert_eq!(first["row"], row, "{sql}: {first}");
        assert!(
            first["problem"].as_str().unwrap().contains(says),
            "{sql}: {first}"
        );
        assert!(
            report["first_problem"]
                .as_str()
                .unwrap()
                .contains("hash chain broken"),
            "{sql}: {}",
            report["first_problem"]
        );
    }
}

#[test]
fn check_recomputes_totals_payments_and_archive_hashes() {
    let (code, report) = check_after(
        "UPDATE documents SET total_gross = '1.00' WHERE id = 1;
         UPDATE documents SET amount_paid = '7.00' WHERE id = 2;
         UPDATE document_pdfs SET pdf = x'00' WHERE document_id = 2;",
        false,
    );
    assert_eq!(code, Some(7));
    assert!(
        report["totals"][0]["problem"]
            .as_str()
            .unwrap()
            .contains("total_gross is 1.00")
    );
    assert!(
        report["payments"][0]["problem"]
            .as_str()
            .unwrap()
            .contains("7.00"),
        "{report}"
    );
    assert_eq!(report["archive_hashes"][0]["number"], "2026-0002");
}

#[test]
fn missing_or_changed_triggers_are_reported_first() {
    let (code, report) = check_after("SELECT 1", true);
    assert_eq!(code, Some(7));
    assert_eq!(report["triggers"]["ok"], false);
    assert!(
        report["triggers"]["missing"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "documents_finalized_are_immutable"),
        "{}",
        report["triggers"]
    );
    assert!(
        report["first_problem"]
            .as_str()
            .unwrap()
            .starts_with("triggers missing")
    );

    let (code, report) = check_after(
        "CREATE TRIGGER payments_no_update BEFORE UPDATE ON payments WHEN 0 BEGIN SELECT 1; END;",
        true,
    );
    assert_eq!(code, Some(7));
    assert!(report["triggers"]["missing"].as_array().unwrap().len() > 10);
    assert_eq!(
        report["triggers"]["changed"],
        serde_json::json!(["payments_no_update"])
    );
}

#[test]
fn a_chain_rewritten_from_the_start_is_caught_by_the_anchored_head() {
    let db = TestDb::new();
    let engine = db.engine();
    let id = engine.create_invoice_draft(draft("100.00")).unwrap().id;
    engine.finalize_invoice(id).unwrap();
    let report = crate::util::json_out(&run_binary(&db.path, &["check"], ""));
    let head = report["chain"]["head"].as_str().unwrap().to_string();
    assert_eq!(head.len(), 64);

    // The attacker rewrites the total and then every link after it, with the chain's rule.
    let conn = db.raw();
    conn.execute_batch(
        "DROP TRIGGER documents_finalized_are_immutable; DROP TRIGGER chain_no_update;
         UPDATE documents SET total_gross = '1.00', total_net = '1.00', total_vat = '0.00' WHERE id = 1;",
    )
    .unwrap();
    let links: Vec<(i64, String, String)> = conn
        .prepare("SELECT seq, kind, row_key FROM chain ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut prev = invoicer::domain::digest::CHAIN_START.to_string();
    for (seq, kind, key) in links {
        // The canonical content as invoicer makes it (the attacker read the source).
        let content: String = if kind == "document" {
            conn.query_row(
                "SELECT json_array(id, kind, series, number, currency, language, issue_date,
                     due_date, customer_id, buyer_name, header, vat_breakdown, total_net,
                     total_vat, total_gross, corrects_id, external_id, created_at, finalized_at,
                     (SELECT json_group_array(json_array(position, description, quantity,
                         unit_code, unit_price, vat_category, vat_rate, discount_percent,
                         discount_amount, service_date, net_amount))
                      FROM (SELECT * FROM document_lines WHERE document_id = documents.id
                            ORDER BY position)))
                 FROM documents WHERE id = ?1",
                [key.parse::<i64>().unwrap()],
                |r| r.get(0),
            )
            .unwrap()
        } else {
            conn.query_row("SELECT content FROM chain WHERE seq = ?1", [seq], |r| {
                r.get(0)
            })
            .unwrap()
        };
        let hash = invoicer::domain::digest::chain_hash(&prev, &kind, &key, &content);
        conn.execute(
            "UPDATE chain SET content = ?2, prev = ?3, hash = ?4 WHERE seq = ?1",
            (seq, &content, &prev, &hash),
        )
        .unwrap();
        prev = hash;
    }
    drop(conn);
    // Without the anchor only the recomputed totals and the triggers give it away…
    let output = run_binary(&db.path, &["check"], "");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        report["chain"]["first_break"],
        serde_json::Value::Null,
        "{report}"
    );
    // …with it, the rewritten chain is plain.
    let output = run_binary(&db.path, &["check", "--anchor", &head], "");
    assert_eq!(output.status.code(), Some(7));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["chain"]["first_break"]["kind"], "anchor", "{report}");
}

/// `/health` of `serve` started on `db`: status code and body.
fn health_of(db: &TestDb) -> (u16, serde_json::Value) {
    let server = crate::mcp::TestServer::start(&db.path, &[], &[]);
    let (status, body) = crate::util::http_get(&format!("{}/health", server.url), &[]);
    (status, serde_json::from_str(&body).expect("health JSON"))
}

#[test]
fn serve_reports_degraded_health_when_triggers_or_the_chain_are_broken() {
    let db = TestDb::new();
    let engine = db.engine();
    let id = engine.create_invoice_draft(draft("100.00")).unwrap().id;
    engine.finalize_invoice(id).unwrap();
    let (status, body) = health_of(&db);
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("ok")),
        "{body}"
    );
    assert_eq!(body["integrity"]["chain_links"], 5);

    db.raw()
        .execute_batch(
            "DROP TRIGGER payments_no_update;
             DROP TRIGGER documents_finalized_are_immutable;
             UPDATE documents SET total_gross = '1.00' WHERE id = 1;",
        )
        .unwrap();
    let (status, body) = health_of(&db);
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "degraded");
    let problems = body["problems"].to_string();
    assert!(problems.contains("triggers missing"), "{problems}");
    assert!(problems.contains("payments_no_update"), "{problems}");
}

#[test]
fn serve_reports_degraded_health_for_a_damaged_page() {
    let db = TestDb::new();
    let engine = db.engine();
    for _ in 0..3 {
        let id = engine.create_invoice_draft(draft("100.00")).unwrap().id;
        engine.finalize_invoice(id).unwrap();
    }
    drop(engine);
    let conn = db.raw();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    let page_size: i64 = conn
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap();
    let page_size = page_size as u64;
    drop(conn);
    // Scribble over the last pages: the archived PDFs' overflow pages.
    let mut bytes = std::fs::read(&db.path).unwrap();
    let len = bytes.len() as u64;
    let start = (len - 3 * page_size) as usize;
    for byte in &mut bytes[start..start + 2 * page_size as usize] {
        *byte = 0xA5;
    }
    std::fs::write(&db.path, bytes).unwrap();
    let (status, body) = health_of(&db);
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "degraded");
    assert!(body["problems"].to_string().contains("damaged"), "{body}");
}
