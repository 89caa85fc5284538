//! Gapless numbering under contention: 8 threads in this process and 4 separate `invoicer`
//! processes finalize the same 500 drafts at once; every draft gets exactly one number and the
//! numbers are 1..=500 with no gap and no duplicate.

use std::process::Stdio;
use std::sync::Arc;
use std::thread;

use invoicer::ErrorCode;

use crate::util::{TestDb, draft, finalized_counters};

const DRAFTS: usize = 500;

#[test]
fn threads_and_processes_finalize_500_drafts_gaplessly() {
    let db = TestDb::new();
    let engine = db.engine();
    let ids: Vec<i64> = (0..DRAFTS)
        .map(|i| {
            engine
                .create_invoice_draft(draft(&format!("{}.00", i + 1)))
                .unwrap()
                .id
        })
        .collect();
    let ids = Arc::new(ids);

    // Four processes own the drafts with index % 8 in 0..4, one residue each.
    let mut children = Vec::new();
    for p in 0..4 {
        let slice: Vec<String> = ids
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 8 == p)
            .map(|(_, id)| id.to_string())
            .collect();
        let child = crate::util::command()
            .arg("--db")
            .arg(&db.path)
            .args(["invoice", "finalize"])
            .args(&slice)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start invoicer");
        children.push(child);
    }
    // Eight threads share one engine (one pool) and take the residues 4..8, two threads per
    // residue, so they also race each other for the same drafts.
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let engine = engine.clone();
            let ids = Arc::clone(&ids);
            thread::spawn(move || {
                let mut finalized = 0;
                for (i, id) in ids.iter().enumerate() {
                    if i % 8 != 4 + t % 4 {
                        continue;
                    }
                    match engine.finalize_invoice(*id) {
                        Ok(_) => finalized += 1,
                        Err(e) if e.code == ErrorCode::InvalidStatus => {}
                        Err(e) => panic!("finalize {id}: {e}"),
                    }
                }
                finalized
            })
        })
        .collect();
    let by_threads: usize = threads.into_iter().map(|t| t.join().expect("thread")).sum();
    for child in children {
        let out = child.wait_with_output().expect("process");
        assert!(
            out.status.success(),
            "process failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let thread_owned = (0..DRAFTS).filter(|i| i % 8 >= 4).count();
    assert_eq!(
        by_threads, thread_owned,
        "each thread-owned draft finalized exactly once"
    );
    let counters = finalized_counters(&db);
    assert_eq!(counters.len(), DRAFTS);
    assert_eq!(
        counters,
        (1..=DRAFTS as u64).collect::<Vec<_>>(),
        "gapless and unique"
    );
    let integrity: String = db
        .raw()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
}
