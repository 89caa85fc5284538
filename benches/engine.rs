//! Engine benchmarks on real, durable SQLite files (WAL, synchronous=FULL):
//! - `finalize/durable_with_pdf`: finalizations per second on one writer, each rendering and
//!   archiving its PDF (the default);
//! - `finalize/durable_numbering_only`: the same without the PDF archive (the numbering
//!   transaction alone);
//! - `finalize/durable_with_pdf_and_xrechnung`: a B2G invoice finalized with its PDF and its
//!   XRechnung CII archived (`--einvoice-at-finalize xrechnung-cii`);
//! - `finalize/render_only_b2g`: the PDF of the same B2G invoices, finalized beforehand, rendered
//!   alone: the floor under both finalize benches above, so their difference to it is what
//!   numbering, e-invoice and storage cost;
//! - `import/*`: reading an e-invoice (XRechnung CII, XRechnung UBL, Factur-X PDF) into the
//!   document model, and importing one as a stored draft;
//! - `create_draft/stored_N`: the cost of one more draft with 1k and 100k invoices stored;
//! - `list/*`: a filtered page of 50 out of 100k invoices.
//!
//! The 100k fixture is built once through the engine and cached in the target directory;
//! each run works on a copy. Under `cargo test` (no `--bench`) sizes shrink so the smoke run
//! stays quick.

mod common;
use common::clock;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use invoicer::domain::document::NewInvoice;
use invoicer::domain::lifecycle::Status;
use invoicer::domain::listing::ListFilter;
use invoicer::domain::party::{NewCustomer, SellerProfile};
use invoicer::einvoice::{Format, Profile, Target};
use invoicer::{DocumentKey, Engine};
use serde_json::json;

const CUSTOMERS: i64 = 200;

fn full_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn large() -> usize {
    if full_run() { 100_000 } else { 2_000 }
}

fn small() -> usize {
    if full_run() { 1_000 } else { 200 }
}

fn seller() -> SellerProfile {
    serde_json::from_value(json!({
        "party": {"name": "Bench GmbH", "address_lines": ["Weg 1"], "postcode": "10115",
                  "city": "Berlin", "country_code": "DE", "vat_id": "DE811234567"},
        "payment": {"iban": "DE89370400440532013000"}
    }))
    .expect("seller")
}

fn draft(i: usize) -> NewInvoice {
    serde_json::from_value(json!({
        "customer_id": (i as i64 % CUSTOMERS) + 1,
        "issue_date": "2026-01-02",
        "due_date": "2026-01-16",
        "lines": [
            {"description": format!("Consulting {i}"), "quantity": "8", "unit_code": "HUR",
             "unit_price": "120.00", "vat_rate": "19"},
            {"description": "Travel", "quantity": "1", "unit_price": "80.00", "vat_rate": "7"}
        ]
    }))
    .expect("draft")
}

/// The seller profile and the customers every bench database has.
fn add_customers(engine: &Engine) {
    engine.set_seller_profile(seller()).expect("seller");
    for c in 0..CUSTOMERS {
        let customer =
            NewCustomer::from_json(json!({"name": format!("Kunde {c}"), "country_code": "DE"}))
                .expect("customer");
        engine.upsert_customer(customer).expect("add customer");
    }
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"))
        .join("bench-fixtures")
}

/// A database with `n` invoices (one in four finalized and overdue), built once and cached.
fn fixture(n: usize) -> PathBuf {
    let dir = target_dir();
    std::fs::create_dir_all(&dir).expect("fixture dir");
    let path = dir.join(format!("engine-{n}-v{}.db", invoicer::SCHEMA_VERSION));
    if path.exists() {
        return path;
    }
    let building = dir.join(format!(
        "engine-{n}-v{}.building.db",
        invoicer::SCHEMA_VERSION
    ));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", building.display()));
    }
    // Fixtures are about listing and inserting; they skip the PDF archive to build quickly.
    let engine = Engine::open_with_clock(&building, clock())
        .expect("open fixture")
        .with_pdf_archive(false);
    add_customers(&engine);
    let started = Instant::now();
    for i in 0..n {
        let doc = engine.create_invoice_draft(draft(i)).expect("create");
        if i % 4 == 0 {
            engine.finalize_invoice(doc.id).expect("finalize");
        }
    }
    eprintln!("built {n}-invoice fixture in {:.1?}", started.elapsed());
    drop(engine);
    move_into_place(&building, &path);
    path
}

/// Move a finished database into place after folding its WAL in.
fn move_into_place(from: &Path, to: &Path) {
    let conn = rusqlite::Connection::open(from).expect("raw open");
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .expect("checkpoint");
    drop(conn);
    std::fs::rename(from, to).expect("move fixture into place");
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", from.display()));
    }
}

/// A private working copy of a fixture.
fn working_copy(fixture: &Path) -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.db");
    std::fs::copy(fixture, &path).expect("copy");
    let engine = Engine::open_with_clock(&path, clock()).expect("open copy");
    (dir, engine)
}

fn finalize(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = Engine::open_with_clock(&dir.path().join("finalize.db"), clock()).expect("open");
    add_customers(&engine);
    let mut group = c.benchmark_group("finalize");
    group.throughput(Throughput::Elements(1));
    for (name, engine) in [
        ("durable_with_pdf", engine.clone()),
        ("durable_numbering_only", engine.with_pdf_archive(false)),
    ] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let ids: Vec<i64> = (0..iters as usize)
                    .map(|i| engine.create_invoice_draft(draft(i)).expect("create").id)
                    .collect();
                let started = Instant::now();
                for id in ids {
                    black_box(engine.finalize_invoice(id).expect("finalize"));
                }
                started.elapsed()
            })
        });
    }
    group.finish();
}

/// A seller that can issue XRechnung: contact with phone and e-mail.
fn seller_b2g() -> SellerProfile {
    serde_json::from_value(json!({
        "party": {"name": "Bench GmbH", "address_lines": ["Weg 1"], "postcode": "10115",
                  "city": "Berlin", "country_code": "DE", "vat_id": "DE811234567",
                  "email": "rechnung@bench.example",
                  "contact": {"name": "Erika Bench", "phone": "+49 30 123", "email": "erika@bench.example"}},
        "payment": {"iban": "DE89370400440532013000", "bic": "COBADEFFXXX"},
        "language": "de", "phone": "+49 30 123"
    }))
    .expect("seller")
}

/// The draft of `finalize/durable_with_pdf` to a public buyer (Leitweg-ID, e-mail), as
/// XRechnung wants it: the e-invoice is the only difference.
fn draft_b2g(i: usize) -> NewInvoice {
    let lines = json!([
        {"description": format!("Consulting {i}"), "quantity": "8", "unit_code": "HUR",
         "unit_price": "120.00", "vat_rate": "19"},
        {"description": "Travel", "quantity": "1", "unit_price": "80.00", "vat_rate": "7"}
    ]);
    serde_json::from_value(json!({
        "buyer": {"name": "Stadt Musterhausen", "address_lines": ["Rathausplatz 1"],
                  "postcode": "12345", "city": "Musterhausen", "country_code": "DE",
                  "email": "rechnung@musterhausen.example"},
        "buyer_reference": "991-12345-67",
        "order_reference": format!("PO-{i}"),
        "issue_date": "2026-01-02",
        "supply_date": "2026-01-02",
        "lines": lines
    }))
    .expect("draft")
}

fn finalize_with_xrechnung(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = Engine::open_with_clock(&dir.path().join("b2g.db"), clock()).expect("open");
    engine.set_seller_profile(seller_b2g()).expect("seller");
    let mut group = c.benchmark_group("finalize");
    group.throughput(Throughput::Elements(1));
    let mut n = 0;
    // The same B2G drafts with the PDF only, then with the XRechnung too: the difference is
    // what the e-invoice costs.
    for (name, engine) in [
        ("durable_with_pdf_b2g", engine.clone()),
        (
            "durable_with_pdf_and_xrechnung",
            engine.with_einvoice_at_finalize(Some(Target::Xml(Format::XRechnungCii))),
        ),
    ] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let ids: Vec<i64> = (0..iters as usize)
                    .map(|_| {
                        n += 1;
                        engine
                            .create_invoice_draft(draft_b2g(n))
                            .expect("create")
                            .id
                    })
                    .collect();
                let started = Instant::now();
                for id in ids {
                    let done = engine.finalize_invoice(id).expect("finalize");
                    assert!(done.archive.problems.is_empty(), "{:?}", done.archive);
                    black_box(done);
                }
                started.elapsed()
            })
        });
    }
    let numbering_only = engine.with_pdf_archive(false);
    let renderer = engine.renderer();
    let profile = seller_b2g();
    group.bench_function("render_only_b2g", |b| {
        b.iter_custom(|iters| {
            let documents: Vec<_> = (0..iters as usize)
                .map(|_| {
                    n += 1;
                    let id = numbering_only
                        .create_invoice_draft(draft_b2g(n))
                        .expect("create")
                        .id;
                    numbering_only
                        .finalize_invoice(id)
                        .expect("finalize")
                        .document
                })
                .collect();
            let started = Instant::now();
            for document in &documents {
                black_box(renderer.render(document, Some(&profile)).expect("render"));
            }
            started.elapsed()
        })
    });
    group.finish();
}

fn import(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = Engine::open_with_clock(&dir.path().join("import.db"), clock()).expect("open");
    engine.set_seller_profile(seller_b2g()).expect("seller");
    let id = engine
        .create_invoice_draft(draft_b2g(1))
        .expect("create")
        .id;
    engine.finalize_invoice(id).expect("finalize");
    let key = DocumentKey::Id(id);
    let files = [
        ("xrechnung_cii", Target::Xml(Format::XRechnungCii)),
        ("xrechnung_ubl", Target::Xml(Format::XRechnungUbl)),
        ("facturx_pdf", Target::FacturXPdf(Profile::En16931)),
    ]
    .map(|(name, target)| {
        (
            name,
            engine.export_einvoice(&key, target).expect("export").bytes,
        )
    });
    let mut group = c.benchmark_group("import");
    group.throughput(Throughput::Elements(1));
    for (name, bytes) in &files {
        let read = invoicer::einvoice::import::read(bytes).expect("read");
        assert!(read.unread.is_empty(), "{name}: {:?}", read.unread);
        group.bench_function(format!("read_{name}"), |b| {
            b.iter(|| black_box(invoicer::einvoice::import::read(bytes).expect("read")))
        });
    }
    let (_, xml) = &files[0];
    group.bench_function("as_draft_xrechnung_cii", |b| {
        b.iter(|| black_box(engine.import_einvoice(xml, None).expect("import")))
    });
    group.finish();
}

fn create_draft(c: &mut Criterion) {
    let mut group = c.benchmark_group("create_draft");
    for n in [small(), large()] {
        let (_dir, engine) = working_copy(&fixture(n));
        let mut i = n;
        group.bench_function(format!("stored_{n}"), |b| {
            b.iter(|| {
                i += 1;
                black_box(engine.create_invoice_draft(draft(i)).expect("create"))
            })
        });
    }
    group.finish();
}

fn list(c: &mut Criterion) {
    let n = large();
    let (_dir, engine) = working_copy(&fixture(n));
    let mut group = c.benchmark_group(format!("list_50_of_{n}"));
    let filters = [
        (
            "status_open",
            ListFilter {
                status: Some(Status::Open),
                limit: Some(50),
                ..ListFilter::default()
            },
        ),
        (
            "customer",
            ListFilter {
                customer_id: Some(42),
                limit: Some(50),
                ..ListFilter::default()
            },
        ),
        (
            "overdue",
            ListFilter {
                overdue: true,
                limit: Some(50),
                ..ListFilter::default()
            },
        ),
        (
            "query_buyer",
            ListFilter {
                query: Some("Kunde 17".into()),
                limit: Some(50),
                ..ListFilter::default()
            },
        ),
    ];
    for (name, filter) in filters {
        let page = engine.list_invoices(&filter).expect("list");
        let expected = if full_run() { 50 } else { 1 };
        assert!(
            page.items.len() >= expected,
            "{name}: {} rows",
            page.items.len()
        );
        group.bench_function(name, |b| {
            b.iter(|| black_box(engine.list_invoices(&filter).expect("list")))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5)).sample_size(50);
    targets = finalize, finalize_with_xrechnung, import, create_draft, list
}
criterion_main!(benches);
