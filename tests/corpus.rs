//! The corpus: documents of real kinds of businesses in `tests/fixtures/corpus/`, each with its
//! totals computed by hand. Every document is created (totals equal to the cent), finalized,
//! exported in every format it names, judged by the official rules (XSD, EN 16931, XRechnung,
//! Peppol, Factur-X), imported back as an issued document and exported again: the same business
//! terms, term by term (tests/einvoice/terms.py), in both syntaxes.

use std::path::{Path, PathBuf};

use invoicer::domain::document::NewInvoice;
use invoicer::domain::party::SellerProfile;
use invoicer::einvoice::Target;
use invoicer::engine::DocumentKey;
use serde_json::{Value, json};

use crate::util::{open_engine, python_json};

/// The corpus documents, by file name.
fn corpus() -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/fixtures/corpus")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            let text = std::fs::read_to_string(&path).expect("fixture");
            let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, value)
        })
        .collect()
}

fn default_seller() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/documents/seller.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("seller.json")).expect("json")
}

/// A file name for a format spec (`facturx:extended` → `facturx-extended.pdf`).
fn file_name(name: &str, spec: &str, suffix: &str) -> String {
    let ext = if spec.starts_with("facturx") && !spec.contains("xml") {
        "pdf"
    } else {
        "xml"
    };
    format!("{name}{suffix}.{}.{ext}", spec.replace(':', "-"))
}

#[test]
fn every_corpus_document_totals_to_the_cent_passes_the_official_rules_and_round_trips() {
    let corpus = corpus();
    assert!(
        corpus.len() >= 40,
        "the corpus has {} documents",
        corpus.len()
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let mut problems: Vec<String> = Vec::new();
    let mut exported: Vec<String> = Vec::new();
    let mut pairs: Vec<String> = Vec::new();
    let mut syntaxes = std::collections::BTreeSet::new();
    for (name, fixture) in &corpus {
        let seller: SellerProfile = serde_json::from_value(
            fixture
                .get("seller")
                .cloned()
                .unwrap_or_else(default_seller),
        )
        .unwrap_or_else(|e| panic!("{name}: seller: {e}"));
        let input: NewInvoice = serde_json::from_value(fixture["document"].clone())
            .unwrap_or_else(|e| panic!("{name}: document: {e}"));
        let engine = open_engine(&dir.path().join(format!("{name}.db")));
        engine.set_seller_profile(seller.clone()).expect("seller");
        let draft = match engine.create_invoice_draft(input) {
            Ok(draft) => draft,
            Err(e) => {
                problems.push(format!("{name}: create: {e}"));
                continue;
            }
        };
        let totals = serde_json::to_value(&draft.content.totals).expect("totals");
        for (key, want) in fixture["totals"].as_object().expect("totals by hand") {
            if &totals[key] != want {
                problems.push(format!("{name}: {key} is {}, by hand {want}", totals[key]));
            }
        }
        let nets: Vec<Value> = draft
            .content
            .lines
            .iter()
            .map(|l| json!(l.net_amount.to_string()))
            .collect();
        if let Some(want) = fixture.get("line_nets")
            && &json!(nets) != want
        {
            problems.push(format!("{name}: line nets {nets:?}, by hand {want}"));
        }
        if let Err(e) = engine.finalize_invoice(draft.id) {
            problems.push(format!("{name}: finalize: {e}"));
            continue;
        }
        for spec in fixture["formats"].as_array().expect("formats") {
            let spec = spec.as_str().expect("format");
            let target = Target::parse_spec(spec).expect("format spec");
            let made = match engine.export_einvoice(&DocumentKey::Id(draft.id), target) {
                Ok(made) => made,
                Err(e) => {
                    problems.push(format!("{name}: export {spec}: {e}"));
                    continue;
                }
            };
            syntaxes.insert(if spec.contains("ubl") { "ubl" } else { "cii" });
            let file = dir.path().join(file_name(name, spec, ""));
            std::fs::write(&file, &made.bytes).expect("write export");
            exported.push(file.to_string_lossy().to_string());

            // Back in: a fresh database with the same seller, the document as issued.
            let again = open_engine(&dir.path().join(format!("{name}.{spec}.back.db")));
            again.set_seller_profile(seller.clone()).expect("seller");
            let imported = match again.import_einvoice(&made.bytes, Some("archive")) {
                Ok(imported) => imported,
                Err(e) => {
                    problems.push(format!("{name}: import {spec}: {e}"));
                    continue;
                }
            };
            let report = &imported.import;
            if !report.unsupported.is_empty() || !report.differences.is_empty() {
                problems.push(format!(
                    "{name}: import {spec}: unsupported {:?}, differences {:?}",
                    report.unsupported, report.differences
                ));
            }
            let back = again
                .export_einvoice(&DocumentKey::Id(imported.document.id), target)
                .expect("export the imported document");
            let back_file = dir.path().join(file_name(name, spec, ".back"));
            std::fs::write(&back_file, &back.bytes).expect("write export");
            pairs.push(file.to_string_lossy().to_string());
            pairs.push(back_file.to_string_lossy().to_string());
        }
    }
    assert_eq!(syntaxes.len(), 2, "the corpus is exported in both syntaxes");

    let args: Vec<&str> = exported.iter().map(String::as_str).collect();
    let report = python_json("tests/einvoice/validate.py", &args);
    for file in &exported {
        let name = Path::new(file).file_name().unwrap().to_str().unwrap();
        let entry = &report[name];
        if entry["xsd"] != "ok" || entry["fatal"] != json!([]) {
            problems.push(format!("{name}: {entry}"));
        }
        let rules = entry["rules"].as_array().map(Vec::len).unwrap_or(0);
        if rules < 2 {
            problems.push(format!("{name}: too few rule sets ran: {entry}"));
        }
    }

    let args: Vec<&str> = pairs.iter().map(String::as_str).collect();
    let compared = python_json("tests/einvoice/terms.py", &args);
    for (pair, result) in compared.as_object().expect("pairs") {
        if result["differ"] != json!({}) {
            problems.push(format!("round trip {pair}: {}", result["differ"]));
        }
        if result["terms"].as_u64().unwrap_or(0) < 20 {
            problems.push(format!(
                "round trip {pair}: only {} terms read",
                result["terms"]
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}
