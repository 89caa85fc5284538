//! Render benchmarks (Typst compile + PDF export, in process):
//! - `render/one_page_8_lines` and `render/multi_page_60_lines`: one warm renderer on one core;
//! - `render/parallel_N_threads`: renders spread over every core;
//! - `cold_start/render_preview`: process start to first PDF (the real binary: open the
//!   database, build the renderer, render, write the file);
//! - after the benches, resident memory over 10,000 renders (printed, and checked < 150 MB).
//!
//! Every iteration renders a different document (its id and number change), so Typst's
//! memoization cannot replay an earlier result: each is a full compile and export.
//! Under `cargo test` (no `--bench`) the memory run shrinks to a smoke test.

use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group};
use invoicer::Engine;
use invoicer::domain::document::{Document, NewInvoice};
use invoicer::domain::party::SellerProfile;
use invoicer::render::{Renderer, Templates};
use serde_json::{Value, json};

fn full_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn seller() -> SellerProfile {
    serde_json::from_value(json!({
        "party": {"name": "Bench GmbH", "address_lines": ["Weg 1"], "postcode": "10115",
                  "city": "Berlin", "country_code": "DE", "vat_id": "DE811234567"},
        "payment": {"iban": "DE89370400440532013000", "bic": "COBADEFFXXX"},
        "language": "de",
        "legal_info": "Amtsgericht Berlin HRB 12345"
    }))
    .expect("seller")
}

fn draft_json(lines: usize) -> Value {
    let lines: Vec<Value> = (0..lines)
        .map(|i| {
            json!({"description": format!("Beratung und Umsetzung, Paket {}", i + 1),
                   "quantity": "2.5", "unit_code": "HUR", "unit_price": "96.00",
                   "vat_rate": if i % 4 == 3 { "7" } else { "19" }})
        })
        .collect();
    json!({
        "buyer": {"name": "Kunde GmbH", "address_lines": ["Hauptstr. 1"], "postcode": "80331",
                  "city": "München", "country_code": "DE"},
        "issue_date": "2026-11-21",
        "buyer_reference": "PO-4711",
        "lines": lines
    })
}

/// A finalized document with `lines` lines, and the seller profile, from a real database.
fn document(dir: &Path, lines: usize) -> (Document, SellerProfile) {
    let engine = Engine::open(&dir.join(format!("render-{lines}.db")))
        .expect("open")
        .with_pdf_archive(false);
    let profile = engine.set_seller_profile(seller()).expect("seller");
    let input: NewInvoice = serde_json::from_value(draft_json(lines)).expect("draft");
    let draft = engine.create_invoice_draft(input).expect("create");
    (
        engine.finalize_invoice(draft.id).expect("finalize"),
        profile,
    )
}

/// The `n`th variant of `document`: another id and number, so another PDF.
fn variant(document: &Document, n: u64) -> Document {
    let mut copy = document.clone();
    copy.id = i64::try_from(n).unwrap_or(i64::MAX);
    copy.number = Some(format!("2026-{n:06}"));
    copy
}

/// The renderer under test: the embedded template, or the one in `INVOICER_TEMPLATE_DIR` (to
/// measure your own).
fn renderer() -> Arc<Renderer> {
    match std::env::var_os("INVOICER_TEMPLATE_DIR") {
        Some(dir) => Arc::new(Renderer::new(
            Templates::directory(Path::new(&dir)).expect("template dir"),
        )),
        None => Renderer::embedded(),
    }
}

fn single_core(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let renderer = renderer();
    let mut group = c.benchmark_group("render");
    group.throughput(Throughput::Elements(1));
    for (name, lines) in [("one_page_8_lines", 8), ("multi_page_60_lines", 60)] {
        let (document, profile) = document(dir.path(), lines);
        let pages = renderer
            .render(&document, Some(&profile))
            .expect("render")
            .pages;
        eprintln!("{name}: {pages} page(s)");
        let mut n = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                n += 1;
                let pdf = renderer
                    .render(&variant(&document, n), Some(&profile))
                    .expect("render");
                black_box(pdf.pdf)
            })
        });
    }
    group.finish();
}

fn parallel(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let renderer = renderer();
    let (document, profile) = document(dir.path(), 8);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut group = c.benchmark_group("render");
    group.throughput(Throughput::Elements(1));
    let mut next = 1_000_000_u64;
    group.bench_function(format!("parallel_{threads}_threads"), |b| {
        b.iter_custom(|iters| {
            let base = next;
            next += iters;
            let started = Instant::now();
            std::thread::scope(|scope| {
                for t in 0..threads as u64 {
                    let (renderer, document, profile) = (&renderer, &document, &profile);
                    scope.spawn(move || {
                        let mut i = t;
                        while i < iters {
                            let pdf = renderer
                                .render(&variant(document, base + i), Some(profile))
                                .expect("render");
                            black_box(pdf.pdf);
                            i += threads as u64;
                        }
                    });
                }
            });
            started.elapsed()
        })
    });
    group.finish();
}

fn cold_start(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("cold.db");
    Engine::open(&db)
        .expect("open")
        .set_seller_profile(seller())
        .expect("seller");
    let draft = dir.path().join("draft.json");
    std::fs::write(&draft, draft_json(8).to_string()).expect("draft file");
    let out = dir.path().join("cold.pdf");
    let mut group = c.benchmark_group("cold_start");
    group.sample_size(30);
    group.bench_function("render_preview", |b| {
        b.iter(|| {
            let status = Command::new(env!("CARGO_BIN_EXE_invoicer"))
                .arg("--db")
                .arg(&db)
                .args(["render", "--file"])
                .arg(&draft)
                .arg("-o")
                .arg(&out)
                .stdout(std::process::Stdio::null())
                .status()
                .expect("run invoicer");
            assert!(status.success());
        })
    });
    group.finish();
}

/// Resident set size of this process in MB, from /proc.
fn resident_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Resident memory over many renders on one renderer: it must stay flat (caches are evicted).
fn memory_over_renders() {
    let total: u64 = if full_run() { 10_000 } else { 64 };
    let dir = tempfile::tempdir().expect("temp dir");
    let renderer = renderer();
    let (document, profile) = document(dir.path(), 8);
    let checkpoints = [total / 10, total / 2, total];
    let started = Instant::now();
    let mut readings = Vec::new();
    for n in 1..=total {
        let pdf = renderer
            .render(&variant(&document, 2_000_000 + n), Some(&profile))
            .expect("render");
        black_box(pdf.pdf);
        if checkpoints.contains(&n) {
            readings.push((n, resident_mb()));
        }
    }
    let elapsed = started.elapsed();
    for (n, mb) in &readings {
        println!("memory: resident {mb:.1} MB after {n} renders");
    }
    println!(
        "memory: {total} renders in {elapsed:.1?} ({:.0} PDFs/s on one thread)",
        total as f64 / elapsed.as_secs_f64()
    );
    if full_run() {
        let peak = readings.iter().map(|(_, mb)| *mb).fold(0.0, f64::max);
        assert!(peak < 150.0, "resident memory reached {peak:.1} MB");
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5)).sample_size(50);
    targets = single_core, parallel, cold_start
}

/// Whether the command line's filter (`cargo bench --bench render -- FILTER`) selects `name`.
fn selected(name: &str) -> bool {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()))
}

fn main() {
    benches();
    if selected("memory/10000_renders") {
        memory_over_renders();
    }
    Criterion::default().configure_from_args().final_summary();
}
