//! Durability: a process killed with SIGKILL in the middle of a finalize loop leaves a database
//! that passes `PRAGMA integrity_check`, whose numbers are still gapless, and that finishes the
//! job after a restart.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::util::{TestDb, draft, finalized_counters};

const DRAFTS: usize = 1000;

fn open_count(db: &TestDb) -> i64 {
    db.raw()
        .query_row(
            "SELECT count(*) FROM documents WHERE status = 'open'",
            [],
            |r| r.get(0),
        )
        .unwrap_or(0)
}

#[test]
fn sigkill_mid_finalize_loop_keeps_numbers_gapless() {
    let db = TestDb::new();
    let engine = db.engine();
    let ids: Vec<String> = (0..DRAFTS)
        .map(|_| {
            engine
                .create_invoice_draft(draft("10.00"))
                .unwrap()
                .id
                .to_string()
        })
        .collect();
    drop(engine);

    let mut child = crate::util::command()
        .arg("--db")
        .arg(&db.path)
        .args(["invoice", "finalize"])
        .args(&ids)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start invoicer");
    let started = Instant::now();
    while open_count(&db) < 25 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "finalize loop made no progress"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");

    let integrity: String = db
        .raw()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let done = finalized_counters(&db);
    assert!(
        done.len() < DRAFTS,
        "the kill must land mid-loop (all {DRAFTS} were done)"
    );
    assert_eq!(
        done,
        (1..=done.len() as u64).collect::<Vec<_>>(),
        "gapless after the kill"
    );

    // Restart: finalize the rest.
    let engine = crate::util::open_engine(&db.path);
    let page = engine
        .list_invoices(&invoicer::domain::listing::ListFilter {
            status: Some(invoicer::domain::lifecycle::Status::Draft),
            limit: Some(500),
            ..Default::default()
        })
        .unwrap();
    let mut remaining: Vec<i64> = page.items.iter().map(|d| d.id).collect();
    let mut cursor = page.next_cursor;
    while let Some(c) = cursor {
        let page = engine
            .list_invoices(&invoicer::domain::listing::ListFilter {
                status: Some(invoicer::domain::lifecycle::Status::Draft),
                limit: Some(500),
                cursor: Some(c),
                ..Default::default()
            })
            .unwrap();
        remaining.extend(page.items.iter().map(|d| d.id));
        cursor = page.next_cursor;
    }
    remaining.sort_unstable();
    assert_eq!(remaining.len() + done.len(), DRAFTS);
    for id in remaining {
        engine.finalize_invoice(id).unwrap();
    }
    assert_eq!(
        finalized_counters(&db),
        (1..=DRAFTS as u64).collect::<Vec<_>>()
    );
}
