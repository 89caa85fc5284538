//! Render benchmarks (Typst compile + PDF export, in process):
//! - `render/one_page_8_lines` and `render/multi_page_60_lines`: one warm renderer on one core;
//! - `render/one_page_8_lines_cold_caches`: the same with Typst's caches emptied before each
//!   render, so nothing of an earlier invoice is reused;
//! - `render/parallel_N_threads`: renders spread over every core;
//! - `cold_start/render_preview`: process start to first PDF (the real binary: open the
//!   database, build the renderer, render, write the file);
//! - after the benches, in a fresh process, resident memory over 10,000 renders on every core
//!   (printed, and checked < 150 MB).
//!
//! The documents are what one seller issues: hundreds of different invoices (eight customers,
//! sixteen services, other quantities, dates and references) taken in turn, each render with a
//! new id and number. Typst reuses the layout of what repeats between them (letterhead,
//! footer, table header, rows that happen to be equal), as it does in production; every render
//! is a full compile and PDF export of a document it has not seen.
//! Under `cargo test` (no `--bench`) the document sets and the memory run shrink to a smoke test.

mod common;
use common::{NOW, clock};

use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
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

/// A small deterministic generator (64-bit LCG), so every run renders the same documents.
struct Sequence(u64);

impl Sequence {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

const CUSTOMERS: &[(&str, &str, &str, &str)] = &[
    ("Kunde GmbH", "Hauptstr. 1", "80331", "München"),
    (
        "Nordlicht Logistik AG",
        "Am Sandtorkai 41",
        "20457",
        "Hamburg",
    ),
    (
        "Bäckerei Sommer e.K.",
        "Marktplatz 3",
        "69117",
        "Heidelberg",
    ),
    (
        "Rheinwerk Maschinenbau GmbH & Co. KG",
        "Industriestraße 112",
        "50735",
        "Köln",
    ),
    (
        "Praxis Dr. med. Jana Ölschläger",
        "Lindenallee 8",
        "04109",
        "Leipzig",
    ),
    (
        "Stadtwerke Musterstadt",
        "Postfach 10 20 30",
        "99084",
        "Erfurt",
    ),
    (
        "Café Kleinod UG (haftungsbeschränkt)",
        "Schillerstr. 27a",
        "70173",
        "Stuttgart",
    ),
    (
        "Architekturbüro Weiß & Partner",
        "Uferweg 5",
        "01067",
        "Dresden",
    ),
];

/// Services of the seller: description, UN/ECE unit, unit price, VAT rate.
const CATALOGUE: &[(&str, &str, &str, &str)] = &[
    ("Beratung und Konzeption", "HUR", "120.00", "19"),
    ("Softwareentwicklung Backend", "HUR", "96.00", "19"),
    ("Softwareentwicklung Frontend", "HUR", "92.00", "19"),
    ("Projektmanagement", "HUR", "105.00", "19"),
    ("Code-Review und Qualitätssicherung", "HUR", "98.00", "19"),
    ("Hosting Managed Server, monatlich", "MON", "149.00", "19"),
    ("Domain und TLS-Zertifikat", "ANN", "24.90", "19"),
    ("Schulung vor Ort (Tagessatz)", "DAY", "980.00", "19"),
    ("Fahrtkosten", "KMT", "0.30", "19"),
    ("Fachbuch „Datenbanken in der Praxis“", "C62", "49.90", "7"),
    ("Wartungsvertrag Quartal", "C62", "450.00", "19"),
    ("Workshop Anforderungsanalyse", "HUR", "110.00", "19"),
    ("Datenmigration Altsystem", "HUR", "96.00", "19"),
    ("Lizenz Monitoring-Software", "C62", "299.00", "19"),
    ("Dokumentation und Übergabe", "HUR", "85.00", "19"),
    ("Notfall-Support am Wochenende", "HUR", "145.00", "19"),
];

/// The `n`th of a stream of different invoices of one seller: another customer, other services
/// and quantities, another date and reference, as an invoicing business would issue them.
fn draft_json(lines: usize, n: u64) -> Value {
    let mut random = Sequence(
        n.wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(lines as u64),
    );
    let (name, street, postcode, city) = CUSTOMERS[(n % CUSTOMERS.len() as u64) as usize];
    let lines: Vec<Value> = (0..lines)
        .map(|_| {
            let (description, unit, price, rate) =
                CATALOGUE[random.next(CATALOGUE.len() as u64) as usize];
            let quarter_hours = 1 + random.next(160);
            json!({"description": description,
                   "quantity": format!("{}.{:02}", quarter_hours / 4, (quarter_hours % 4) * 25),
                   "unit_code": unit, "unit_price": price, "vat_rate": rate})
        })
        .collect();
    let issue_date = chrono::NaiveDate::from_ymd_opt(2026, 1, 2)
        .and_then(|d| d.checked_add_days(chrono::Days::new(n / 2 % 300)))
        .expect("date");
    json!({
        "buyer": {"name": name, "address_lines": [street], "postcode": postcode,
                  "city": city, "country_code": "DE"},
        "issue_date": issue_date.to_string(),
        "buyer_reference": format!("PO-{}", 4711 + n * 7),
        "lines": lines
    })
}

/// `count` finalized documents with `lines` lines each (all different), and the seller profile,
/// from a real database.
fn documents(dir: &Path, lines: usize, count: u64) -> (Vec<Document>, SellerProfile) {
    static SETS: AtomicUsize = AtomicUsize::new(0);
    let set = SETS.fetch_add(1, Ordering::Relaxed);
    let count = if full_run() { count } else { count.min(4) };
    let engine = Engine::open_with_clock(&dir.join(format!("render-{set}.db")), clock())
        .expect("open")
        .with_pdf_archive(false);
    let profile = engine.set_seller_profile(seller()).expect("seller");
    let documents = (0..count)
        .map(|n| {
            let input: NewInvoice = serde_json::from_value(draft_json(lines, n)).expect("draft");
            let draft = engine.create_invoice_draft(input).expect("create");
            engine
                .finalize_invoice(draft.id)
                .expect("finalize")
                .document
        })
        .collect();
    (documents, profile)
}

/// The `n`th document to render: the documents in turn, each time with another id and number.
fn nth(documents: &[Document], n: u64) -> Document {
    let mut copy = documents[(n % documents.len() as u64) as usize].clone();
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
    for (name, lines, count) in [
        ("one_page_8_lines", 8, 512),
        ("multi_page_60_lines", 60, 64),
    ] {
        let (documents, profile) = documents(dir.path(), lines, count);
        let pages = renderer
            .render(&documents[0], Some(&profile))
            .expect("render")
            .pages;
        eprintln!("{name}: {pages} page(s), {count} different documents in turn");
        let mut n = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                n += 1;
                let pdf = renderer
                    .render(&nth(&documents, n), Some(&profile))
                    .expect("render");
                black_box(pdf.pdf)
            })
        });
    }
    // The worst case: nothing of an earlier render is reused (the first invoice after a start,
    // or a seller whose letterhead was never rendered). Typst's caches are emptied before each
    // render; the time includes that eviction.
    let (documents, profile) = documents(dir.path(), 8, 64);
    let mut n = 0;
    group.bench_function("one_page_8_lines_cold_caches", |b| {
        b.iter(|| {
            n += 1;
            comemo::evict(0);
            let pdf = renderer
                .render(&nth(&documents, n), Some(&profile))
                .expect("render");
            black_box(pdf.pdf)
        })
    });
    group.finish();
}

fn parallel(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let renderer = renderer();
    let (documents, profile) = documents(dir.path(), 8, 512);
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
                    let (renderer, documents, profile) = (&renderer, &documents, &profile);
                    scope.spawn(move || {
                        let mut i = t;
                        while i < iters {
                            let pdf = renderer
                                .render(&nth(documents, base + i), Some(profile))
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
    Engine::open_with_clock(&db, clock())
        .expect("open")
        .set_seller_profile(seller())
        .expect("seller");
    let draft = dir.path().join("draft.json");
    std::fs::write(&draft, draft_json(8, 0).to_string()).expect("draft file");
    let out = dir.path().join("cold.pdf");
    let mut group = c.benchmark_group("cold_start");
    group.sample_size(30);
    group.bench_function("render_preview", |b| {
        b.iter(|| {
            let status = Command::new(env!("CARGO_BIN_EXE_invoicer"))
                .env("INVOICER_NOW", NOW)
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

/// Set in the child process that measures memory (see `main`).
const MEMORY_CHILD: &str = "INVOICER_BENCH_MEMORY_CHILD";

/// Resident memory over many renders on one renderer shared by every core, as a server renders:
/// it must stay flat (caches are evicted). Runs in a fresh process, so what the criterion
/// benches allocated before does not count.
fn memory_over_renders() {
    let total: u64 = if full_run() { 10_000 } else { 64 };
    let dir = tempfile::tempdir().expect("temp dir");
    let renderer = renderer();
    let (documents, profile) = documents(dir.path(), 8, 512);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
    let checkpoints = [total / 10, total / 2, total];
    let started = Instant::now();
    let mut readings = Vec::new();
    let mut done = 0;
    for checkpoint in checkpoints {
        std::thread::scope(|scope| {
            for t in 0..threads {
                let (renderer, documents, profile) = (&renderer, &documents, &profile);
                scope.spawn(move || {
                    let mut n = done + 1 + t;
                    while n <= checkpoint {
                        let pdf = renderer
                            .render(&nth(documents, n), Some(profile))
                            .expect("render");
                        black_box(pdf.pdf);
                        n += threads;
                    }
                });
            }
        });
        done = checkpoint;
        readings.push((checkpoint, resident_mb()));
    }
    let elapsed = started.elapsed();
    for (n, mb) in &readings {
        println!("memory: resident {mb:.1} MB after {n} renders on {threads} threads");
    }
    println!(
        "memory: {total} renders in {elapsed:.1?} ({:.0} PDFs/s on {threads} threads)",
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
    if std::env::var_os(MEMORY_CHILD).is_some() {
        memory_over_renders();
        return;
    }
    benches();
    if selected("memory/10000_renders") {
        let status = Command::new(std::env::current_exe().expect("bench executable"))
            .args(std::env::args().skip(1))
            .env(MEMORY_CHILD, "1")
            .status()
            .expect("memory run");
        assert!(status.success(), "memory run failed");
    }
    Criterion::default().configure_from_args().final_summary();
}
