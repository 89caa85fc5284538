//! `invoicer import`: an exported e-invoice back in as a draft or as an issued document of an
//! external series, what it cannot carry reported by XPath, and the refusals (not an invoice,
//! a PDF without XML, a number imported twice, drafts in an external series), through the real
//! binary.

use serde_json::{Value, json};

use crate::util::{TestDb, document_fixture, json_out, run_binary};

/// A database with the fixtures' seller and the whole invoice finalized; its XRechnung UBL.
fn exported(db: &TestDb) -> std::path::PathBuf {
    json_out(&run_binary(
        &db.path,
        &["seller", "set", "--file", "-"],
        &document_fixture("seller.json").to_string(),
    ));
    let created = json_out(&run_binary(
        &db.path,
        &["invoice", "create", "--file", "-"],
        &document_fixture("whole-invoice.json").to_string(),
    ));
    let id = created["id"].to_string();
    json_out(&run_binary(&db.path, &["invoice", "finalize", &id], ""));
    let file = db.dir.path().join("whole.xml");
    json_out(&run_binary(
        &db.path,
        &[
            "export",
            &id,
            "--format",
            "xrechnung-ubl",
            "-o",
            file.to_str().unwrap(),
        ],
        "",
    ));
    file
}

fn error_of(output: &std::process::Output) -> String {
    assert!(!output.status.success(), "expected a failure");
    String::from_utf8_lossy(&output.stderr).to_string()
}

#[test]
fn an_export_imports_back_as_a_draft_or_as_issued_and_what_is_unknown_is_named() {
    let source = TestDb::new();
    let file = exported(&source);
    let xml = std::fs::read_to_string(&file).unwrap();

    // As a draft: same terms and totals, number and dates left for finalization.
    let db = TestDb::new();
    json_out(&run_binary(
        &db.path,
        &["seller", "set", "--file", "-"],
        &document_fixture("seller.json").to_string(),
    ));
    let draft = json_out(&run_binary(
        &db.path,
        &["import", file.to_str().unwrap()],
        "",
    ));
    assert_eq!(draft["document"]["status"], "draft");
    assert_eq!(draft["document"]["totals"]["amount_payable"], "5679.68");
    assert_eq!(draft["document"]["project_reference"], "PRJ-2026-7");
    assert_eq!(draft["import"]["syntax"], "ubl");
    assert_eq!(draft["import"]["unsupported"], json!([]));
    assert_eq!(draft["import"]["differences"], json!([]));
    let not_kept = draft["import"]["not_kept"].to_string();
    assert!(not_kept.contains("BT-1 number 2026-0001"), "{not_kept}");
    // The file's remittance was its number: the draft gets its own at finalization.
    assert!(
        not_kept.contains("BT-83 remittance 2026-0001"),
        "{not_kept}"
    );
    assert_eq!(draft["document"]["payment"]["reference"], Value::Null);

    // What the model has no place for is named by XPath; a stated total the engine computes
    // otherwise is named too.
    let odd = xml
        .replacen(
            "<cbc:BuyerReference>",
            "<cac:Signature><cbc:ID>SIG-1</cbc:ID></cac:Signature><cbc:BuyerReference>",
            1,
        )
        .replacen(
            "<cbc:PayableAmount currencyID=\"EUR\">5679.68</cbc:PayableAmount>",
            "<cbc:PayableAmount currencyID=\"EUR\">5679.00</cbc:PayableAmount>",
            1,
        );
    let report = json_out(&run_binary(&db.path, &["import", "-"], &odd));
    assert_eq!(
        report["import"]["unsupported"],
        json!([{"xpath": "/Invoice/cac:Signature/cbc:ID", "value": "SIG-1"}])
    );
    assert_eq!(
        report["import"]["differences"],
        json!(["BT-115 amount due: the document states 5679.00, the engine computes 5679.68"])
    );
    // A VAT accounting currency without its VAT total (BR-53) is not carried: reported.
    let lone = xml.replacen(
        "</cbc:DocumentCurrencyCode>",
        "</cbc:DocumentCurrencyCode><cbc:TaxCurrencyCode>USD</cbc:TaxCurrencyCode>",
        1,
    );
    let report = json_out(&run_binary(&db.path, &["import", "-"], &lone));
    assert_eq!(
        report["import"]["unsupported"],
        json!([{"xpath": "/Invoice/cbc:TaxCurrencyCode", "value": "USD"}])
    );
    // As issued, a file the engine totals otherwise is refused: it would be another document.
    let refused = run_binary(&db.path, &["import", "-", "--as-issued", "archive"], &odd);
    assert_eq!(refused.status.code(), Some(3));
    assert!(error_of(&refused).contains("cannot be stored as issued"));

    // A file of many unknown elements is reported in one pass, the rest counted.
    let noise: String = (0..5000)
        .map(|i| format!("<cbc:X{}>v</cbc:X{}>", i % 7, i % 7))
        .collect();
    let noisy = xml.replacen(
        "<cbc:BuyerReference>",
        &format!("{noise}<cbc:BuyerReference>"),
        1,
    );
    let report = json_out(&run_binary(&db.path, &["import", "-"], &noisy));
    let unsupported = report["import"]["unsupported"].as_array().unwrap();
    assert_eq!(unsupported.len(), 201);
    assert_eq!(
        unsupported[200]["value"],
        "4800 more element(s) and attribute(s) not read"
    );

    // As issued: its number and dates, open, in an external series outside the gapless check.
    let issued = json_out(&run_binary(
        &db.path,
        &["import", file.to_str().unwrap(), "--as-issued", "archive"],
        "",
    ));
    assert_eq!(issued["document"]["number"], "2026-0001");
    assert_eq!(issued["document"]["status"], "open");
    assert_eq!(issued["document"]["issue_date"], "2026-11-30");
    let shown = json_out(&run_binary(
        &db.path,
        &["invoice", "show", "number:2026-0001"],
        "",
    ));
    assert_eq!(
        shown["id"], issued["document"]["id"],
        "`number:` names a number"
    );
    let series = json_out(&run_binary(&db.path, &["series", "list"], ""));
    let archive = series
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "archive")
        .cloned()
        .unwrap_or_default();
    assert_eq!(archive["external"], true, "{series}");
    let check = run_binary(&db.path, &["check"], "");
    assert!(
        check.status.success(),
        "check passes with imported numbers: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    // The same number again is refused, and nothing is written.
    let again = run_binary(
        &db.path,
        &["import", file.to_str().unwrap(), "--as-issued", "archive"],
        "",
    );
    assert_eq!(again.status.code(), Some(6), "CONFLICT");
    assert!(error_of(&again).contains("'2026-0001' exists already"));
    // The own series' next number is the imported one: finalizing refuses rather than give a
    // second document that number.
    let taken = run_binary(&db.path, &["invoice", "finalize", "1"], "");
    assert_eq!(taken.status.code(), Some(6), "CONFLICT");
    assert!(error_of(&taken).contains("is already the number of document"));
    // A draft cannot go into the external series.
    let into_archive = run_binary(
        &db.path,
        &["invoice", "update", "1", "--file", "-"],
        r#"{"series": "archive"}"#,
    );
    assert!(error_of(&into_archive).contains("holds imported documents"));
    // The imported document exports again as it came in.
    let back = db.dir.path().join("back.xml");
    json_out(&run_binary(
        &db.path,
        &[
            "export",
            "2026-0001",
            "--format",
            "xrechnung-ubl",
            "-o",
            back.to_str().unwrap(),
        ],
        "",
    ));
    assert_eq!(
        std::fs::read_to_string(back).unwrap(),
        xml,
        "byte for byte, here"
    );
}

#[test]
fn what_is_not_an_e_invoice_is_refused_naming_the_file() {
    let db = TestDb::new();
    for (input, wanted) in [
        ("not xml", "is not well-formed XML"),
        ("<Order xmlns=\"urn:x\"/>", "is a <Order> document"),
        (
            "<!DOCTYPE x [<!ENTITY a \"b\">]><Invoice/>",
            "is not well-formed XML",
        ),
        (
            "%PDF-1.7\n1 0 obj <<>> endobj\n",
            "is a PDF without an invoice XML",
        ),
    ] {
        let out = run_binary(&db.path, &["import", "-"], input);
        assert_eq!(out.status.code(), Some(3), "{input}: VALIDATION_ERROR");
        let message = error_of(&out);
        assert!(message.contains("file"), "{message}");
        assert!(message.contains(wanted), "{input}: {message}");
    }
}
