//! PDFs from the real binary, read back with poppler (`pdftotext`, `pdfinfo`, `pdftoppm`) and
//! the EPC QR code decoded with `zbarimg`: content, literal injection strings, determinism,
//! archive, page breaks, drafts, previews, user templates and their confinement.

use std::path::{Path, PathBuf};
use std::process::Command;

use invoicer::DocumentKey;
use invoicer::domain::document::NewInvoice;
use invoicer::render::Renderer;
use serde_json::{Value, json};

use crate::util::{TestDb, document_fixture, json_out, run_binary};

/// `pdftotext` of a PDF with the given layout options, as UTF-8.
fn pdftotext(path: &Path, options: &[&str]) -> String {
    let out = Command::new("pdftotext")
        .args(options)
        .args(["-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by tests/run");
    assert!(
        out.status.success(),
        "pdftotext failed on {}",
        path.display()
    );
    String::from_utf8(out.stdout).expect("UTF-8 text")
}

/// Text of a PDF, laid out as on the page.
fn pdf_text(path: &Path) -> String {
    pdftotext(path, &["-layout"])
}

/// Whether the German DRAFT watermark is on the page. Text in content-stream order (`-raw`)
/// keeps rotated text, though its letters may come out split.
fn watermarked(path: &Path) -> bool {
    let text: String = pdftotext(path, &["-raw"]).split_whitespace().collect();
    text.contains("ENTWURF")
}

/// Text of one page.
fn page_text(path: &Path, page: usize) -> String {
    let page = page.to_string();
    pdftotext(path, &["-layout", "-f", &page, "-l", &page])
}

/// Page count and PDF version as poppler sees them (which also proves the file parses).
fn pdf_info(path: &Path) -> (usize, String) {
    let out = Command::new("pdfinfo").arg(path).output().expect("pdfinfo");
    assert!(
        out.status.success(),
        "pdfinfo cannot parse {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let info = String::from_utf8_lossy(&out.stdout).to_string();
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    (
        field("Pages:").parse().expect("page count"),
        field("PDF version:"),
    )
}

/// The QR codes on page 1, decoded from a 200 dpi raster.
fn qr_codes(path: &Path, dir: &Path) -> Vec<String> {
    qr_codes_at(path, dir, 200)
}

/// The QR codes on page 1, decoded from a raster of `dpi`.
fn qr_codes_at(path: &Path, dir: &Path, dpi: u32) -> Vec<String> {
    let prefix = dir.join(format!("qr-page-{dpi}"));
    let status = Command::new("pdftoppm")
        .args([
            "-r",
            &dpi.to_string(),
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
        ])
        .arg(path)
        .arg(&prefix)
        .status()
        .expect("pdftoppm");
    assert!(status.success());
    let out = Command::new("zbarimg")
        .args(["--raw", "-q", "-Sdisable", "-Sqrcode.enable"])
        .arg(prefix.with_extension("png"))
        .output()
        .expect("zbarimg (zbar-tools) is installed by tests/run");
    let text = String::from_utf8(out.stdout).expect("UTF-8 payload");
    // zbarimg ends each code with a newline; the EPC payload has inner newlines too.
    if text.trim().is_empty() {
        Vec::new()
    } else {
        vec![text.trim_end_matches('\n').to_string()]
    }
}

fn write_json(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, value.to_string()).expect("write json");
    path
}

/// A seller, one draft from `draft` and its finalization; returns the document number.
fn finalized(db: &TestDb, draft: Value) -> String {
    db.engine();
    let file = write_json(db.dir.path(), "draft.json", &draft);
    let created = json_out(&db.cli(&["invoice", "create", "-f", file.to_str().expect("path")]));
    let id = created["id"].to_string();
    let done = json_out(&db.cli(&["invoice", "finalize", &id]));
    done["number"].as_str().expect("number").to_string()
}

fn render(db: &TestDb, key: &str, name: &str) -> (PathBuf, Value) {
    let out = db.dir.path().join(name);
    let summary = json_out(&db.cli(&["render", key, "-o", out.to_str().expect("path")]));
    (out, summary)
}

const INJECTION_NAME: &str = "#read(\"/etc/passwd\")";
const INJECTION_TEXT: &str = "*_$#[]\\ <b>&amp; #{1+1} = `raw` @ref";

fn injection_draft() -> Value {
    json!({
        "buyer": {"name": INJECTION_NAME, "address_lines": ["Hauptstr. 1"], "postcode": "80331",
                  "city": "München", "country_code": "DE"},
        "issue_date": "2026-11-21",
        "buyer_reference": "REF-42",
        "lines": [
            {"description": INJECTION_TEXT, "quantity": "3", "unit_code": "HUR",
             "unit_price": "1234.50", "vat_rate": "19"},
            {"description": "Fachbuch", "quantity": "2", "unit_code": "C62",
             "unit_price": "39.90", "vat_rate": "7"}
        ]
    })
}

#[test]
fn pdf_holds_number_totals_and_prints_injection_strings_literally() {
    let db = TestDb::new();
    let number = finalized(&db, injection_draft());
    let (pdf, summary) = render(&db, &number, "invoice.pdf");
    assert_eq!(summary["pages"], 1);
    let (pages, _) = pdf_info(&pdf);
    assert_eq!(pages, 1);
    let text = pdf_text(&pdf);
    // 3 × 1234.50 = 3703.50 at 19 % → 703.67; 2 × 39.90 = 79.80 at 7 % → 5.59.
    for expected in [
        "Rechnung",
        number.as_str(),
        "Muster Consulting",
        "REF-42",
        "3.703,50",
        "703,67 €",
        "5,59 €",
        "3.783,30 €",
        "4.492,56 €",
        "19 %",
        "7 %",
        "DE89 3704 0044 0532 0130 00",
        "Seite 1 von 1",
        INJECTION_NAME,
        INJECTION_TEXT,
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(
        !text.contains("root:"),
        "the template read a file it must not"
    );
}

#[test]
fn renders_are_byte_identical_and_finalized_ones_come_from_the_archive() {
    let db = TestDb::new();
    let number = finalized(&db, injection_draft());
    let (first, summary) = render(&db, &number, "first.pdf");
    let (second, _) = render(&db, &number, "second.pdf");
    let first_bytes = std::fs::read(&first).expect("first pdf");
    assert_eq!(first_bytes, std::fs::read(&second).expect("second pdf"));
    assert_eq!(
        summary["sha256"].as_str(),
        Some(invoicer::domain::digest::sha256_hex(&first_bytes).as_str())
    );

    // The archive holds what finalize rendered, with its hash.
    let (sha, blob): (String, Vec<u8>) = db
        .raw()
        .query_row("SELECT sha256, pdf FROM document_pdfs", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .expect("one archived pdf");
    assert_eq!(blob, first_bytes);
    assert_eq!(Some(sha.as_str()), summary["sha256"].as_str());
    // The archive refuses changes, even by raw SQL.
    assert!(
        db.raw()
            .execute("UPDATE document_pdfs SET pdf = x'00'", [])
            .is_err()
    );
    assert!(db.raw().execute("DELETE FROM document_pdfs", []).is_err());

    // A fresh render of the same document, outside the archive, gives the same bytes.
    let engine = crate::util::open_engine(&db.path);
    let document = engine
        .get_invoice(&DocumentKey::Number(number))
        .expect("document");
    let profile = engine.get_seller_profile().expect("profile");
    let fresh = Renderer::embedded()
        .render(&document, profile.as_ref())
        .expect("render");
    assert_eq!(fresh.pdf, first_bytes);

    // Drafts are rendered afresh every time, and identically too.
    let file = write_json(db.dir.path(), "d.json", &injection_draft());
    let draft = json_out(&db.cli(&["invoice", "create", "-f", file.to_str().expect("path")]));
    let id = draft["id"].to_string();
    let (a, _) = render(&db, &id, "draft-a.pdf");
    let (b, _) = render(&db, &id, "draft-b.pdf");
    assert_eq!(std::fs::read(a).expect("a"), std::fs::read(b).expect("b"));
}

#[test]
fn a_draft_has_a_watermark_and_no_number() {
    let db = TestDb::new();
    db.engine();
    let file = write_json(db.dir.path(), "d.json", &injection_draft());
    let draft = json_out(&db.cli(&["invoice", "create", "-f", file.to_str().expect("path")]));
    let (pdf, _) = render(&db, &draft["id"].to_string(), "draft.pdf");
    let text = pdf_text(&pdf);
    assert!(watermarked(&pdf), "no watermark");
    assert!(text.contains("Entwurf, noch ohne Nummer"));
    assert!(!text.contains("2026-0001"));
    // A draft carries no payment QR code: it cannot be paid yet.
    assert!(qr_codes(&pdf, db.dir.path()).is_empty());
}

#[test]
fn a_long_invoice_breaks_across_pages_with_the_header_repeated() {
    let db = TestDb::new();
    let lines: Vec<Value> = (1..=200)
        .map(|i| {
            json!({"description": format!("Position number {i}"), "quantity": "1",
                   "unit_price": "10.00", "vat_rate": "19"})
        })
        .collect();
    let mut draft = injection_draft();
    draft["lines"] = json!(lines);
    draft["language"] = json!("en");
    let number = finalized(&db, draft);
    let (pdf, summary) = render(&db, &number, "long.pdf");
    let (pages, _) = pdf_info(&pdf);
    assert_eq!(summary["pages"], pages);
    assert_eq!(pages, 6, "200 lines fill 6 A4 pages");
    let mut positions_seen = 0;
    for page in 1..=pages {
        let text = page_text(&pdf, page);
        assert!(
            text.contains(&format!("Page {page} of {pages}")),
            "no page number on {page}"
        );
        let rows = text.matches("Position number ").count();
        positions_seen += rows;
        if rows > 0 {
            assert!(
                text.contains("Description"),
                "no table header on page {page}"
            );
        }
    }
    assert_eq!(positions_seen, 200, "every line printed once");
    // From page 2 on, a running head names the document; the number reaches it through a query
    // (the page set-up holds no per-document values).
    let running_head = format!("Invoice {number}");
    for page in 1..=pages {
        let text = page_text(&pdf, page);
        let first = text
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default();
        let has_head = first.contains("Muster Consulting") && first.contains(&running_head);
        assert_eq!(has_head, page > 1, "first line of page {page}: {first:?}");
    }
    let info = Command::new("pdfinfo").arg(&pdf).output().expect("pdfinfo");
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.lines()
            .any(|l| l.starts_with("Title:") && l.ends_with(&format!("Invoice {number}"))),
        "PDF title: {info}"
    );
    // The totals follow the last line.
    let last_line_page = (1..=pages)
        .find(|&p| page_text(&pdf, p).contains("Position number 200"))
        .expect("line 200 printed");
    let total_page = (1..=pages)
        .find(|&p| page_text(&pdf, p).contains("€2,380.00"))
        .expect("total printed");
    assert!(total_page >= last_line_page);
}

/// Word boxes of page 1 as poppler sees them: (word, y_min, y_max), top to bottom.
fn word_boxes(path: &Path) -> Vec<(String, f64, f64)> {
    let html = pdftotext(path, &["-bbox", "-f", "1", "-l", "1"]);
    html.lines()
        .filter_map(|line| {
            let line = line.trim().strip_prefix("<word ")?;
            let attribute = |name: &str| -> Option<f64> {
                let start = line.find(&format!("{name}=\""))? + name.len() + 2;
                line[start..].split('"').next()?.parse().ok()
            };
            let word = line.split('>').nth(1)?.split('<').next()?.to_string();
            Some((word, attribute("yMin")?, attribute("yMax")?))
        })
        .collect()
}

#[test]
fn rows_of_long_or_broken_descriptions_get_their_full_height() {
    // The template gives one-line rows a fixed height; a row that wraps or holds a line break
    // must still grow, or its second line would overprint the next row.
    let db = TestDb::new();
    let long = format!(
        "{} WRAPEND",
        "Konzeption und Umsetzung der Schnittstelle ".repeat(4)
    );
    let mut draft = injection_draft();
    draft["lines"] = json!([
        {"description": long, "quantity": "1", "unit_price": "10.00", "vat_rate": "19"},
        {"description": "BREAKSTART\nBREAKEND", "quantity": "1", "unit_price": "10.00",
         "vat_rate": "19"},
        {"description": "SHORTROW", "quantity": "1", "unit_price": "10.00", "vat_rate": "19"},
    ]);
    let number = finalized(&db, draft);
    let (pdf, _) = render(&db, &number, "rows.pdf");
    let boxes = word_boxes(&pdf);
    let find = |word: &str| {
        boxes
            .iter()
            .find(|(w, _, _)| w == word)
            .map(|(_, top, bottom)| (*top, *bottom))
            .unwrap_or_else(|| panic!("{word} not on page 1: {boxes:?}"))
    };
    let (first_top, _) = find("Konzeption");
    let (wrap_top, wrap_bottom) = find("WRAPEND");
    let (break_start_top, _) = find("BREAKSTART");
    let (break_end_top, break_end_bottom) = find("BREAKEND");
    let (short_top, _) = find("SHORTROW");
    assert!(wrap_top > first_top, "the long description wraps");
    assert!(
        break_end_top > break_start_top,
        "the line break breaks the line"
    );
    assert!(
        break_start_top >= wrap_bottom,
        "row 2 starts below the wrapped row 1"
    );
    assert!(short_top >= break_end_bottom, "row 3 starts below row 2");
}

/// The EPC QR payload of the finalized `injection_draft()` numbered `number`.
fn injection_invoice_epc_payload(number: &str) -> String {
    format!(
        "BCD\n002\n1\nSCT\nCOBADEFFXXX\nMuster Consulting\nDE89370400440532013000\nEUR4492.56\n\n\n{number}"
    )
}

#[test]
fn an_eur_invoice_carries_an_epc_qr_code_with_the_amount_due() {
    let db = TestDb::new();
    let number = finalized(&db, injection_draft());
    let (pdf, _) = render(&db, &number, "qr.pdf");
    let codes = qr_codes(&pdf, db.dir.path());
    assert_eq!(codes, vec![injection_invoice_epc_payload(&number)]);
    // Also at screen resolution, where viewers smooth images: the code has 3 pixels per
    // module, so it stays sharp enough to scan from a monitor.
    for dpi in [72, 100] {
        assert_eq!(qr_codes_at(&pdf, db.dir.path(), dpi), codes, "at {dpi} dpi");
    }

    // Not in another currency.
    let db = TestDb::new();
    let mut draft = injection_draft();
    draft["currency"] = json!("USD");
    let number = finalized(&db, draft);
    let (pdf, _) = render(&db, &number, "usd.pdf");
    assert!(qr_codes(&pdf, db.dir.path()).is_empty());
}

#[test]
fn english_credit_notes_and_exemption_notes_print_their_labels() {
    let db = TestDb::new();
    let mut draft = injection_draft();
    draft["language"] = json!("en");
    draft["buyer"]["vat_id"] = json!("FR40303265045");
    draft["buyer"]["country_code"] = json!("FR");
    draft["lines"] = json!([{"description": "Development", "quantity": "10", "unit_code": "HUR",
                             "unit_price": "100", "vat_category": "AE", "vat_rate": "0"}]);
    draft["vat_exemption_reasons"] = json!({"AE": "Reverse charge: VAT is owed by the recipient."});
    let number = finalized(&db, draft);
    let (pdf, _) = render(&db, &number, "rc.pdf");
    let text = pdf_text(&pdf);
    for expected in [
        "Invoice",
        "Reverse charge: VAT is owed by the recipient.",
        "FR40303265045",
        "€1,000.00",
        "Page 1 of 1",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }

    let credit = json_out(&db.cli(&["invoice", "credit-note", &number, "--reason", "returned"]));
    let credit = json_out(&db.cli(&["invoice", "finalize", &credit["id"].to_string()]));
    let credit_number = credit["number"].as_str().expect("number");
    let (pdf, _) = render(&db, credit_number, "cn.pdf");
    let text = pdf_text(&pdf);
    for expected in ["Credit note", credit_number, "For invoice", number.as_str()] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn preview_renders_a_payload_without_storing_it() {
    let db = TestDb::new();
    db.engine();
    let file = write_json(db.dir.path(), "p.json", &injection_draft());
    let out = db.dir.path().join("preview.pdf");
    let summary = json_out(&preview(&db, &file, &out));
    assert_eq!(summary["pages"], 1);
    assert!(watermarked(&out));
    let listed = json_out(&db.cli(&["invoice", "list"]));
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(0));

    // Bad input names the field, and no file is written.
    let mut bad = injection_draft();
    bad["lines"][0]["quantity"] = json!("0");
    let file = write_json(db.dir.path(), "bad.json", &bad);
    let out = db.dir.path().join("bad.pdf");
    let run = preview(&db, &file, &out);
    assert_eq!(run.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&run.stderr).contains("lines[0].quantity"));
    assert!(!out.exists());
}

fn template_dir(db: &TestDb, source: &str) -> PathBuf {
    let dir = db.dir.path().join("templates");
    std::fs::create_dir_all(&dir).expect("template dir");
    std::fs::write(dir.join("invoice.typ"), source).expect("template");
    dir
}

/// `invoicer render --file FILE -o OUT`: preview `file` with the embedded template.
fn preview(db: &TestDb, file: &Path, out: &Path) -> std::process::Output {
    db.cli(&[
        "render",
        "--file",
        file.to_str().expect("path"),
        "-o",
        out.to_str().expect("path"),
    ])
}

/// `invoicer --template-dir DIR render --file FILE -o OUT`: preview `file` with the user's templates.
fn preview_with(db: &TestDb, dir: &Path, file: &Path, out: &str) -> std::process::Output {
    run_binary(
        &db.path,
        &[
            "--template-dir",
            dir.to_str().expect("path"),
            "render",
            "--file",
            file.to_str().expect("path"),
            "-o",
            out,
        ],
        "",
    )
}

#[test]
fn a_user_template_replaces_the_embedded_one() {
    let db = TestDb::new();
    db.engine();
    let dir = template_dir(
        &db,
        "#let d = json(\"/invoice.json\")\n#read(\"/brand.txt\")\nCustom layout for #d.buyer.name, total #d.total_gross\n",
    );
    std::fs::write(dir.join("brand.txt"), "ACME brand line").expect("brand");
    let file = write_json(db.dir.path(), "p.json", &injection_draft());
    let out = db.dir.path().join("custom.pdf");
    let run = preview_with(&db, &dir, &file, out.to_str().expect("path"));
    json_out(&run);
    let text = pdf_text(&out);
    assert!(text.contains("ACME brand line"));
    assert!(text.contains(&format!(
        "Custom layout for {INJECTION_NAME}, total 4.492,56 €"
    )));
}

#[test]
fn a_user_template_gets_the_epc_qr_code_as_a_png() {
    let db = TestDb::new();
    db.engine();
    let dir = template_dir(
        &db,
        "#let d = json(\"/invoice.json\")\n#image(d.qr, width: 50mm)\n",
    );
    let file = write_json(db.dir.path(), "draft.json", &injection_draft());
    let created = json_out(&db.cli(&["invoice", "create", "-f", file.to_str().expect("path")]));
    let id = created["id"].to_string();
    // Finalized with the user's template, so the archived PDF is made from it.
    let template_dir = dir.to_str().expect("path");
    let done = json_out(&run_binary(
        &db.path,
        &["--template-dir", template_dir, "invoice", "finalize", &id],
        "",
    ));
    let number = done["number"].as_str().expect("number");
    let (pdf, _) = render(&db, number, "user-qr.pdf");
    assert_eq!(
        qr_codes(&pdf, db.dir.path()),
        vec![injection_invoice_epc_payload(number)]
    );
}

#[test]
fn a_broken_user_template_gives_an_error_naming_the_line() {
    let db = TestDb::new();
    db.engine();
    let dir = template_dir(
        &db,
        "#let d = json(\"/invoice.json\")\n\nTotal: #d.no_such_field\n",
    );
    let file = write_json(db.dir.path(), "p.json", &injection_draft());
    let run = preview_with(&db, &dir, &file, "-");
    assert_eq!(run.status.code(), Some(9), "RENDER_ERROR exits with 9");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("RENDER_ERROR") && stderr.contains("/invoice.typ:3:"),
        "{stderr}"
    );
    assert!(stderr.contains("no_such_field"), "{stderr}");
    assert!(run.stdout.is_empty());

    // A directory without invoice.typ is refused up front.
    let empty = db.dir.path().join("empty");
    std::fs::create_dir_all(&empty).expect("dir");
    let run = run_binary(
        &db.path,
        &[
            "--template-dir",
            empty.to_str().expect("path"),
            "invoice",
            "list",
        ],
        "",
    );
    assert_eq!(run.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&run.stderr).contains("template_dir"));
}

#[test]
fn a_user_template_cannot_read_outside_its_directory() {
    let db = TestDb::new();
    db.engine();
    let secret = db.dir.path().join("secret.txt");
    std::fs::write(&secret, "top secret").expect("secret");
    for (name, source) in [
        ("parent", "#read(\"../secret.txt\")"),
        ("absolute", "#read(\"/../secret.txt\")"),
        ("symlink", "#read(\"/link.txt\")"),
        ("package", "#import \"@preview/example:0.1.0\": *"),
    ] {
        let dir = template_dir(&db, source);
        let link = dir.join("link.txt");
        if !link.exists() {
            std::os::unix::fs::symlink(&secret, &link).expect("symlink");
        }
        let file = write_json(db.dir.path(), "p.json", &injection_draft());
        let out = db.dir.path().join(format!("{name}.pdf"));
        let run = preview_with(&db, &dir, &file, out.to_str().expect("path"));
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(9), "{name}: {stderr}");
        assert!(!out.exists(), "{name}");
        assert!(!stderr.contains("top secret"), "{name}");
    }
}

#[test]
fn a_missing_glyph_is_a_warning_not_a_failure() {
    let db = TestDb::new();
    db.engine();
    let mut draft = injection_draft();
    draft["buyer"]["name"] = json!("山田商事");
    let file = write_json(db.dir.path(), "cjk.json", &draft);
    let out = db.dir.path().join("cjk.pdf");
    let run = preview(&db, &file, &out);
    let stderr = String::from_utf8_lossy(&run.stderr).to_string();
    json_out(&run);
    pdf_info(&out);
    assert!(
        stderr.contains(
            "warning: no embedded font has a glyph for \"山田商事\" (U+5C71 U+7530 U+5546 U+4E8B)"
        ),
        "{stderr}"
    );

    // In a template's own text, the warning names the template line.
    let dir = template_dir(
        &db,
        "#let d = json(\"/invoice.json\")\n#set text(font: \"Inter\")\nGreek Ωμέγα, Cyrillic Жж, and 漢字\n",
    );
    let file = write_json(db.dir.path(), "p.json", &injection_draft());
    let run = preview_with(&db, &dir, &file, out.to_str().expect("path"));
    let summary = json_out(&run);
    let warnings = summary["warnings"].as_array().expect("warnings");
    assert_eq!(
        warnings.len(),
        1,
        "Greek and Cyrillic are covered: {warnings:?}"
    );
    assert!(
        warnings[0]
            .as_str()
            .is_some_and(|w| w.starts_with("/invoice.typ:3:") && w.contains("漢字")),
        "{warnings:?}"
    );
}

#[test]
fn demo_writes_the_pdfs_of_every_sample_document() {
    let db = TestDb::new();
    let out = db.dir.path().join("demo");
    let summary = json_out(&db.cli(&["demo", "--out", out.to_str().expect("path")]));
    let documents = summary["documents"].as_array().expect("documents");
    assert_eq!(documents.len(), 6);
    for document in documents {
        let pdf = PathBuf::from(document["pdf"].as_str().expect("pdf path"));
        let (pages, _) = pdf_info(&pdf);
        assert_eq!(Some(pages as u64), document["pages"].as_u64());
        let text = pdf_text(&pdf);
        assert!(text.contains(document["number"].as_str().expect("number")));
    }
    let long = documents
        .iter()
        .find(|d| d["what"] == "60 lines")
        .expect("the 60-line invoice");
    assert!(long["pages"].as_u64() > Some(1));
}

#[test]
fn library_renders_in_parallel_threads() {
    let db = TestDb::new();
    let engine = db.engine();
    let input: NewInvoice = serde_json::from_value(injection_draft()).expect("draft");
    let renders: Vec<Vec<u8>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let engine = engine.clone();
                let input = input.clone();
                scope.spawn(move || engine.render_preview(input).expect("render").pdf)
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    assert!(renders.iter().all(|pdf| pdf.starts_with(b"%PDF-")));
}

/// A word on a page as `pdftotext -bbox` sees it: text and box in points.
#[derive(Debug, Clone)]
struct Word {
    text: String,
    page: usize,
    x_min: f64,
    x_max: f64,
    y_min: f64,
    y_max: f64,
}

/// Every word of every page with its box.
fn words(path: &Path) -> Vec<Word> {
    let html = pdftotext(path, &["-bbox"]);
    let mut page = 0;
    let mut words = Vec::new();
    for line in html.lines().map(str::trim) {
        if line.starts_with("<page ") {
            page += 1;
        }
        let Some(rest) = line.strip_prefix("<word ") else {
            continue;
        };
        let attribute = |name: &str| -> f64 {
            let start = rest.find(&format!("{name}=\"")).expect(name) + name.len() + 2;
            rest[start..].split('"').next().unwrap().parse().unwrap()
        };
        let text = rest.split('>').nth(1).unwrap().split('<').next().unwrap();
        words.push(Word {
            text: text.to_string(),
            page,
            x_min: attribute("xMin"),
            x_max: attribute("xMax"),
            y_min: attribute("yMin"),
            y_max: attribute("yMax"),
        });
    }
    words
}

const MM: f64 = 72.0 / 25.4;

#[test]
fn long_unbroken_words_break_inside_their_column() {
    let db = TestDb::new();
    let hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    let mut seller = crate::util::seller_json();
    seller["party"]["email"] = json!(format!("{}@example.com", "buchhaltung".repeat(20)));
    seller["website"] = json!(format!("https://example.com/{}", "x".repeat(150)));
    seller["legal_info"] = json!(format!("Amtsgericht{}", "Berlin".repeat(60)));
    seller["payment"]["bank_name"] = json!("Sparkasse".repeat(11));
    let file = write_json(db.dir.path(), "seller.json", &seller);
    json_out(&db.cli(&["seller", "set", "--file", file.to_str().unwrap()]));
    let long_name =
        "Donaudampfschifffahrtselektrizitaetenhauptbetriebswerkbauunterbeamtengesellschaft"
            .repeat(2);
    let draft = json!({
        "buyer": {"name": long_name, "contact": hash, "address_lines": [hash],
                  "postcode": "80331", "city": "München", "country_code": "DE"},
        "issue_date": "2026-11-21",
        "buyer_reference": "B".repeat(200),
        "order_reference": format!("PO{hash}{hash}"),
        "notes": format!("Prüfsumme {hash}{hash}{hash}{hash} und mehr"),
        "payment_terms": "Z".repeat(300),
        "payment": {"reference": "R".repeat(140)},
        "lines": [
            {"description": format!("Archiv {hash} geprüft"), "quantity": "999999999.9999",
             "unit_price": "999999.999999", "vat_rate": "19"},
            {"description": "W".repeat(400), "quantity": "1", "unit_price": "1", "vat_rate": "19"},
            {"description": "Kurze Zeile", "quantity": "1", "unit_price": "1", "vat_rate": "19"}
        ]
    });
    let file = write_json(db.dir.path(), "draft.json", &draft);
    let created = json_out(&db.cli(&["invoice", "create", "-f", file.to_str().unwrap()]));
    let done = json_out(&db.cli(&["invoice", "finalize", &created["id"].to_string()]));
    let (pdf, _) = render(&db, done["number"].as_str().unwrap(), "long.pdf");
    let words = words(&pdf);
    assert!(
        words.iter().any(|w| w.text.contains("Donaudampf")),
        "{words:?}"
    );

    // Nothing crosses the page margins (20 mm left and right on A4).
    let (left, right) = (20.0 * MM - 0.5, 190.0 * MM + 0.5);
    for w in &words {
        assert!(
            w.x_min >= left && w.x_max <= right,
            "page {}: '{}' runs from {:.1} to {:.1} mm, outside the margins",
            w.page,
            w.text,
            w.x_min / MM,
            w.x_max / MM
        );
    }
    // No word overprints another (boxes include the fonts' ascent and descent, so the lines
    // of a tight paragraph overlap by a sliver; text drawn over text overlaps by far more).
    for (i, a) in words.iter().enumerate() {
        for b in &words[i + 1..] {
            let overlap_x = a.x_max.min(b.x_max) - a.x_min.max(b.x_min);
            let overlap_y = a.y_max.min(b.y_max) - a.y_min.max(b.y_min);
            let height = (a.y_max - a.y_min).min(b.y_max - b.y_min);
            assert!(
                a.page != b.page || overlap_x <= 0.5 || overlap_y <= 0.3 * height,
                "page {}: '{}' and '{}' overprint each other",
                a.page,
                a.text,
                b.text
            );
        }
    }
    // In the line table, each word stays in its column (the template's fixed widths, 8 pt
    // gutters, from the left margin).
    let gutter = 8.0 / MM;
    let fixed = [6.5, 12.2, 13.2, 19.2, 9.2, 21.2];
    let description = 170.0 - fixed.iter().sum::<f64>() - 6.0 * gutter;
    let widths = [6.5, description, 12.2, 13.2, 19.2, 9.2, 21.2];
    let mut columns = Vec::new();
    let mut x = 20.0;
    for width in widths {
        columns.push((x * MM, (x + width) * MM));
        x += width + gutter;
    }
    let header = words
        .iter()
        .find(|w| w.text == "Beschreibung")
        .expect("table header");
    let totals = words.iter().find(|w| w.text == "Summe").expect("totals");
    let in_table = words.iter().filter(|w| {
        (w.page == header.page
            && w.y_min > header.y_max
            && (w.page < totals.page || w.y_max < totals.y_min))
            || (w.page > header.page && w.page < totals.page)
    });
    let mut checked = 0;
    for w in in_table {
        if w.y_min > 800.0 - 34.0 * MM || w.y_max < 18.0 * MM + 10.0 {
            continue; // running head and footer
        }
        let fits = columns
            .iter()
            .any(|(start, end)| w.x_min >= start - 0.5 && w.x_max <= end + 0.5);
        assert!(
            fits,
            "page {}: '{}' ({:.1} to {:.1} mm) crosses a column of the line table",
            w.page,
            w.text,
            w.x_min / MM,
            w.x_max / MM
        );
        checked += 1;
    }
    assert!(checked > 10, "table words checked: {checked}");
}

#[test]
fn the_pdf_prints_what_a_reader_needs_of_the_whole_invoice() {
    let db = TestDb::new();
    db.engine();
    let seller = write_json(
        db.dir.path(),
        "seller.json",
        &document_fixture("seller.json"),
    );
    json_out(&db.cli(&["seller", "set", "--file", seller.to_str().unwrap()]));
    let mut draft = document_fixture("whole-invoice.json");
    draft["attachments"] = serde_json::json!([
        {"id": "LS-1", "description": "Lieferschein", "filename": "lieferschein.csv",
         "mime_type": "text/csv", "content_base64": "cG9zO21lbmdlCjE7MTIwLjUK"},
        {"id": "Aufmass", "uri": "https://example.com/aufmass.pdf"}
    ]);
    let file = write_json(db.dir.path(), "draft.json", &draft);
    let created = json_out(&db.cli(&["invoice", "create", "-f", file.to_str().unwrap()]));
    json_out(&db.cli(&["invoice", "finalize", &created["id"].to_string()]));
    let (pdf, _) = render(&db, "1", "whole.pdf");
    let text: String = pdf_text(&pdf)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for wanted in [
        // references and contacts in the data block
        "Projekt PRJ-2026-7",
        "Vertrag V-2026-12",
        "Lieferschein LS-2",
        "Objekt OBJ-9 (ABZ)",
        "Kostenstelle KST-4711",
        "2026-0100 (01.10.2026)",
        "Ansprechpartner Erika Muster · +49 30 1234567",
        "Ihr Kontakt Bauamt · +49 89 555",
        // delivery, payee
        "Lieferung an Baustelle Schule, Schulweg 5, 12345 Musterhausen",
        "Zahlungsempfänger Factoring AG",
        // line terms: period, item ids, allowances and charges
        "Zeitraum 01.11.2026 – 15.11.2026",
        "Art.-Nr. ERD-01 · Ihre Art.-Nr. B-77 · GTIN 4012345678901",
        "Mengenrabatt −5 %",
        "Entsorgung +25,00",
        // totals, Skonto with amount and date, attachments
        "Treuerabatt −100,00 €",
        "Anzahlung −500,00 €",
        "Zu zahlen 5.679,68 €",
        "3 % Skonto (170,39 €) bei Zahlung bis 10.12.2026",
        "Anlagen LS-1: Lieferschein (lieferschein.csv) Aufmass (https://example.com/aufmass.pdf)",
    ] {
        assert!(text.contains(wanted), "missing {wanted:?} in:\n{text}");
    }

    // A direct debit: the notice with mandate and creditor id, the account masked.
    let db = TestDb::new();
    db.engine();
    json_out(&db.cli(&["seller", "set", "--file", seller.to_str().unwrap()]));
    let file = write_json(
        db.dir.path(),
        "debit.json",
        &document_fixture("direct-debit.json"),
    );
    let created = json_out(&db.cli(&["invoice", "create", "-f", file.to_str().unwrap()]));
    json_out(&db.cli(&["invoice", "finalize", &created["id"].to_string()]));
    let (pdf, _) = render(&db, "1", "debit.pdf");
    let text: String = pdf_text(&pdf)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains("SEPA-Lastschrift von Ihrem Konto DE02 … 2051 eingezogen (Mandatsreferenz MANDAT-1, Gläubiger-ID DE98ZZZ09999999999)"),
        "{text}"
    );
    assert!(!text.contains("Bitte überweisen"), "{text}");
}
