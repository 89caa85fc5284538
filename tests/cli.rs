//! The real binary: the README walkthrough, JSON in and out, one-line errors with exit codes,
//! and refusing files that are not invoicer databases.

use serde_json::json;

use crate::util::{TestDb, draft_json, json_out, run_binary, seller_json};

#[test]
fn walkthrough_template_create_finalize_pay_show() {
    let db = TestDb::new();
    json_out(&db.cli_with_stdin(
        &["seller", "set", "--file", "-"],
        &seller_json().to_string(),
    ));
    let shown = json_out(&db.cli(&["seller", "show"]));
    assert_eq!(shown["party"]["name"], "Muster Consulting");

    let template = json_out(&db.cli(&["invoice", "template", "--lang", "de"]));
    assert_eq!(template["language"], "de");
    let created =
        json_out(&db.cli_with_stdin(&["invoice", "create", "--file", "-"], &template.to_string()));
    assert_eq!(created["status"], "draft");
    assert_eq!(created["totals"]["total_gross"], "1237.60");
    let id = created["id"].as_i64().unwrap().to_string();

    let preview = json_out(&db.cli(&["invoice", "next-number"]));
    let finalized = json_out(&db.cli(&["invoice", "finalize", &id]));
    assert_eq!(
        finalized["number"], preview["number"],
        "the preview consumed nothing"
    );
    let number = finalized["number"].as_str().unwrap().to_string();

    let paid = json_out(&db.cli(&[
        "invoice", "pay", &number, "--amount", "237.60", "--method", "transfer",
    ]));
    assert_eq!(paid["status"], "open");
    assert_eq!(paid["amount_due"], "1000.00");
    let paid = json_out(&db.cli(&["invoice", "pay", &number]));
    assert_eq!(paid["status"], "paid");

    let shown = json_out(&db.cli(&["invoice", "show", &number]));
    assert_eq!(shown["id"].as_i64().unwrap().to_string(), id);
    let list = json_out(&db.cli(&["invoice", "list", "--status", "paid"]));
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    let history = json_out(&db.cli(&["invoice", "history", &id]));
    let verbs: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["verb"].as_str())
        .collect();
    assert_eq!(verbs, ["create", "finalize", "pay", "pay"]);
    assert!(
        history
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["source"] == "cli")
    );

    let customer = json_out(&db.cli_with_stdin(
        &["customer", "add", "--file", "-"],
        &json!({"name": "Neu GmbH", "country_code": "DE"}).to_string(),
    ));
    assert_eq!(customer["name"], "Neu GmbH");
    let customers = json_out(&db.cli(&["customer", "list"]));
    assert_eq!(customers.as_array().map(Vec::len), Some(1));
    let series = json_out(&db.cli(&[
        "series",
        "set",
        "shop",
        "--format",
        "S{YY}-{counter:03}",
        "--reset",
        "yearly",
    ]));
    assert_eq!(series["format"], "S{YY}-{counter:03}");
    assert_eq!(
        json_out(&db.cli(&["series", "list"]))
            .as_array()
            .map(Vec::len),
        Some(3)
    );
}

#[test]
fn errors_are_one_line_with_stable_exit_codes() {
    let db = TestDb::new();
    json_out(&db.cli_with_stdin(
        &["seller", "set", "--file", "-"],
        &seller_json().to_string(),
    ));
    let mut bad = draft_json("10");
    bad["lines"][0]["quantity"] = json!("0");
    let out = db.cli_with_stdin(&["invoice", "create", "--file", "-"], &bad.to_string());
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: VALIDATION_ERROR: lines[0].quantity: "),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());

    let out = db.cli(&["invoice", "show", "4711"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("NOT_FOUND"));

    let created = json_out(&db.cli_with_stdin(
        &["invoice", "create", "--file", "-"],
        &draft_json("10").to_string(),
    ));
    let id = created["id"].as_i64().unwrap().to_string();
    json_out(&db.cli(&["invoice", "finalize", &id]));
    let out = db.cli(&["invoice", "finalize", &id]);
    assert_eq!(out.status.code(), Some(5), "INVALID_STATUS");
    let out = db.cli(&["invoice", "pay", &id, "--amount", "1000"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "overpayment is a validation error"
    );

    let out = db.cli_with_stdin(&["invoice", "create", "--file", "-"], "{not json");
    assert_eq!(out.status.code(), Some(3));
    let out = db.cli(&["invoice", "list", "--status", "lost"]);
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn refuses_foreign_and_newer_files_without_touching_them() {
    let db = TestDb::new();
    let text_file = db.dir.path().join("notes.txt");
    std::fs::write(
        &text_file,
        "these are my notes, not a database\n".repeat(200),
    )
    .unwrap();
    let before = std::fs::read(&text_file).unwrap();
    let out = run_binary(&text_file, &["invoice", "list"], "");
    assert_eq!(out.status.code(), Some(7));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an invoicer database"));
    assert_eq!(
        std::fs::read(&text_file).unwrap(),
        before,
        "the file is untouched"
    );

    let other_app = db.dir.path().join("other.db");
    rusqlite::Connection::open(&other_app)
        .unwrap()
        .execute_batch("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('x');")
        .unwrap();
    let out = run_binary(&other_app, &["invoice", "list"], "");
    assert_eq!(out.status.code(), Some(7));
    assert!(String::from_utf8_lossy(&out.stderr).contains("another application"));

    json_out(&db.cli(&["invoice", "list"]));
    db.raw()
        .execute_batch(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum)
             VALUES (99, 'future', '2030-01-01T00:00:00Z', '0')",
        )
        .unwrap();
    let out = db.cli(&["invoice", "list"]);
    assert_eq!(out.status.code(), Some(7));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("newer invoicer"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let missing_dir = db.dir.path().join("no/such/dir/x.db");
    let out = run_binary(&missing_dir, &["invoice", "list"], "");
    assert_eq!(out.status.code(), Some(7));
}

#[test]
fn database_defaults_to_invoicer_db_and_honours_the_env_var() {
    let db = TestDb::new();
    let run = |envs: &[(&str, &std::path::Path)]| {
        let mut cmd = crate::util::command();
        cmd.current_dir(db.dir.path())
            .env_remove("INVOICER_DB")
            .args(["invoice", "list"]);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    assert!(run(&[]).status.success());
    assert!(db.dir.path().join("invoicer.db").exists());
    let other = db.dir.path().join("env.db");
    assert!(run(&[("INVOICER_DB", &other)]).status.success());
    assert!(other.exists());
}

#[test]
fn demo_uses_its_own_series_and_keeps_an_existing_seller() {
    let db = TestDb::new();
    json_out(&db.cli_with_stdin(
        &["seller", "set", "--file", "-"],
        &seller_json().to_string(),
    ));
    let demo = json_out(&db.cli(&["demo"]));
    let documents = demo["documents"].as_array().expect("documents");
    assert_eq!(documents.len(), 6);
    assert!(
        documents
            .iter()
            .all(|d| d["number"].as_str().is_some_and(|n| n.starts_with("DEMO-")))
    );
    assert!(documents.iter().any(|d| d["status"] == "paid"));
    let seller = json_out(&db.cli(&["seller", "show"]));
    assert_eq!(
        seller["party"]["name"], "Muster Consulting",
        "an existing profile is kept"
    );
    let next = json_out(&db.cli(&["invoice", "next-number"]));
    assert_eq!(next["counter"], 1, "real series are untouched");
    let again = json_out(&db.cli(&["demo"]));
    let number = again["documents"][0]["number"].as_str().unwrap_or_default();
    assert!(
        number.starts_with("DEMO-") && number.ends_with("-0006"),
        "{number}"
    );
}
