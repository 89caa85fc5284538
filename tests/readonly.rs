//! Read-only means nothing is written: `serve --read-only` and `check` open SQLite read-only
//! (on a read-only mount too), never migrate, and refuse a schema too old to serve; files that
//! are refused (newer schema) are not touched, not even switched to WAL.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::mcp::TestServer;
use crate::util::{TestDb, draft_json, http_get, json_out, run_binary};

/// A database the previous release (schema v3) wrote: two finalized invoices with archived
/// PDFs, a payment and a draft.
fn v3_copy(db: &TestDb) -> PathBuf {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schema-v3.db");
    let path = db.dir.path().join("v3.db");
    std::fs::copy(fixture, &path).expect("copy the v3 fixture");
    path
}

fn schema_version(path: &Path) -> i64 {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    conn.query_row(
        "SELECT max(version) FROM refinery_schema_history",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn serve_read_only_refuses_an_old_schema_and_leaves_the_file_as_it_was() {
    let db = TestDb::new();
    let path = v3_copy(&db);
    let before = std::fs::read(&path).unwrap();
    for args in [&["serve", "--read-only", "--port", "0"][..], &["check"][..]] {
        let out = run_binary(&path, args, "");
        assert_eq!(out.status.code(), Some(7), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("schema version 3, older than this build's 9")
                && stderr.contains("check --repair"),
            "{args:?} says what to do: {stderr}"
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "{args:?}: not written"
        );
        assert_eq!(schema_version(&path), 3, "{args:?}: not migrated");
    }
}

#[test]
fn an_old_file_upgraded_once_links_its_rows_into_the_chain() {
    let db = TestDb::new();
    let path = v3_copy(&db);
    let report = json_out(&run_binary(&path, &["check", "--repair"], ""));
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["schema_version"], 9);
    assert_eq!(report["chain"]["genesis_pending"], false);
    // 2 documents with their states, 1 payment, 2 PDFs, and the events of 3 creates, 2
    // finalizations and 1 payment.
    assert_eq!(report["chain"]["links"], 2 * 2 + 1 + 2 + 6, "{report}");
    assert_eq!(schema_version(&path), 9);
    // Served read-only now, it answers.
    let server = TestServer::start(&path, &["--read-only"], &[]);
    let (status, body) = http_get(&format!("{}/health", server.url), &[]);
    assert_eq!(status, 200, "{body}");
    let (status, pdf) = http_get(&format!("{}/invoices/2026-0001.pdf", server.url), &[]);
    assert_eq!(status, 200);
    assert!(pdf.starts_with("%PDF-"));
}

#[test]
fn a_newer_file_is_refused_before_anything_is_written() {
    let db = TestDb::new();
    json_out(&db.cli(&["invoice", "list"]));
    db.raw()
        .execute_batch(
            "PRAGMA journal_mode = DELETE;
             INSERT INTO refinery_schema_history (version, name, applied_on, checksum)
             VALUES (99, 'future', '2030-01-01T00:00:00Z', '0');",
        )
        .unwrap();
    let before = std::fs::read(&db.path).unwrap();
    assert_eq!(&before[18..20], &[1, 1], "rollback journal, not WAL");
    for args in [
        &["invoice", "list"][..],
        &["check"][..],
        &["check", "--repair"][..],
    ] {
        let out = db.cli(args);
        assert_eq!(out.status.code(), Some(7), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("newer invoicer"));
        assert_eq!(
            std::fs::read(&db.path).unwrap(),
            before,
            "{args:?}: untouched"
        );
    }
}

/// Run the binary as an unprivileged user (`nobody` through `setpriv` when the tests run as
/// root, who may write anything), so a directory without write permission is a read-only mount
/// for it.
fn unprivileged(bin: &Path) -> Command {
    if running_as_root() {
        let mut command = Command::new("setpriv");
        command.args(["--reuid", "65534", "--regid", "65534", "--clear-groups"]);
        command.arg(bin);
        command
    } else {
        Command::new(bin)
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[test]
fn a_database_on_a_read_only_mount_is_checked_and_served_read_only() {
    use std::os::unix::fs::PermissionsExt;
    let db = TestDb::new();
    let engine = db.engine();
    let draft: invoicer::domain::document::NewInvoice =
        serde_json::from_value(draft_json("100.00")).unwrap();
    let id = engine.create_invoice_draft(draft).unwrap().id;
    engine.finalize_invoice(id).unwrap();
    drop(engine);
    // A directory only the owner could write, holding a copy of the binary nobody may run.
    let mount = db.dir.path().join("mount");
    std::fs::create_dir_all(mount.join("data")).unwrap();
    let file = mount.join("data/invoicer.db");
    std::fs::copy(&db.path, &file).unwrap();
    let bin = mount.join("invoicer");
    std::fs::copy(crate::util::binary(), &bin).unwrap();
    let mode = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    for dir in [db.dir.path(), mount.as_path()] {
        mode(dir, 0o755);
    }
    mode(&file, 0o444);
    mode(&mount.join("data"), 0o555);
    let before = std::fs::read(&file).unwrap();
    let run = |args: &[&str]| {
        unprivileged(&bin)
            .env("INVOICER_NOW", crate::util::NOW)
            .arg("--db")
            .arg(&file)
            .args(args)
            .current_dir(&mount)
            .output()
            .unwrap()
    };
    let report = json_out(&run(&["check"]));
    assert_eq!(report["ok"], true, "{report}");
    let listed = run(&["invoice", "list"]);
    assert_eq!(listed.status.code(), Some(7));
    assert!(
        String::from_utf8_lossy(&listed.stderr).contains("cannot be written"),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let mut serve = unprivileged(&bin);
    serve
        .env("INVOICER_NOW", crate::util::NOW)
        .arg("--db")
        .arg(&file)
        .args(["serve", "--read-only", "--port", "0"])
        .current_dir(&mount);
    let server = TestServer::spawn(serve);
    let (status, body) = http_get(&format!("{}/health", server.url), &[]);
    assert_eq!(status, 200, "{body}");
    let (status, pdf) = http_get(&format!("{}/invoices/2026-0001.pdf", server.url), &[]);
    assert_eq!(status, 200);
    assert!(pdf.starts_with("%PDF-"));
    drop(server);
    assert_eq!(std::fs::read(&file).unwrap(), before, "not written");
    assert_eq!(
        std::fs::read_dir(mount.join("data")).unwrap().count(),
        1,
        "no journal files beside it"
    );
}
