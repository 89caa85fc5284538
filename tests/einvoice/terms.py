"""Compare e-invoices business term by business term: every BT of EN 16931 is read with its
XPath from docs/en16931/terms.tsv (CII or UBL, Invoice or CreditNote), so two files are the same
document when every term has the same values, whatever their bytes.

    terms.py A B [A B ...]

Prints one JSON object: per pair "A -> B", how many terms were compared and the terms whose
values differ ({"BT-x": [values in A, values in B]}). A Factur-X PDF is read through its XML.
Exit 0 always; the Rust test judges.
"""

from __future__ import annotations

import csv
import json
import os
import sys

import facturx
from lxml import etree

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TERMS = os.path.join(ROOT, "docs", "en16931", "terms.tsv")
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}


def load_terms() -> list[tuple[str, str, str]]:
    """(id, CII XPath, UBL XPath) of every business term (BT) that has paths."""
    with open(TERMS, encoding="utf-8") as f:
        rows = csv.DictReader(f, delimiter="\t")
        return [(r["id"], r["cii_xpath"], r["ubl_xpath"]) for r in rows if r["id"].startswith("BT-")]


def ubl_path(path: str, credit_note: bool) -> str:
    """A terms.tsv UBL path for the document's root, with its namespace prefix."""
    if credit_note:
        path = (path.replace("/Invoice/", "/cn:CreditNote/")
                .replace("cac:InvoiceLine", "cac:CreditNoteLine")
                .replace("cbc:InvoicedQuantity", "cbc:CreditedQuantity")
                .replace("cbc:InvoiceTypeCode", "cbc:CreditNoteTypeCode"))
        return path
    return path.replace("/Invoice/", "/inv:Invoice/")


def xml_of(path: str) -> bytes:
    data = open(path, "rb").read()
    if data[:5] == b"%PDF-":
        _, data = facturx.get_xml_from_pdf(data, check_xsd=False)
    return data


def values(tree, xpath: str) -> list[str]:
    found = tree.xpath(xpath, namespaces=NS)
    if not isinstance(found, list):
        return [str(found)]
    out = []
    for item in found:
        text = item if isinstance(item, str) else "".join(item.itertext())
        out.append(" ".join(str(text).split()) if "\n" not in str(text) else str(text).strip())
    return out


def read_terms(path: str, terms) -> dict[str, list[str]]:
    tree = etree.fromstring(xml_of(path))
    local = etree.QName(tree).localname
    out = {}
    for term, cii, ubl in terms:
        xpath = cii if local == "CrossIndustryInvoice" else ubl_path(ubl, local == "CreditNote")
        if not xpath:
            continue
        found = values(tree, xpath)
        if found:
            out[term] = found
    return out


def main(paths: list[str]) -> None:
    terms = load_terms()
    report = {}
    for a, b in zip(paths[0::2], paths[1::2]):
        left, right = read_terms(a, terms), read_terms(b, terms)
        differ = {t: [left.get(t, []), right.get(t, [])]
                  for t in sorted(set(left) | set(right)) if left.get(t) != right.get(t)}
        report[f"{os.path.basename(a)} -> {os.path.basename(b)}"] = {
            "terms": len(set(left) | set(right)), "differ": differ}
    print(json.dumps(report, ensure_ascii=False, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
