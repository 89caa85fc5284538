//! Import: a UBL 2.1 Invoice or CreditNote, a CII D16B document (XRechnung, Factur-X XML), or
//! the XML inside a Factur-X / ZUGFeRD PDF, read back into the document model. The importer
//! is the writers' inverse, term by term; whatever the document carries that the model has no
//! place for is reported by its XPath (see [`reader`]), and the totals the document states are
//! compared with those the engine computes.

mod cii;
mod pdf;
pub mod reader;
mod ubl;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::domain::attachment::SupportingDocument;
use crate::domain::document::{NewInvoice, Period};
use crate::domain::money::Currency;
use crate::domain::terms::{AllowanceCharge, CashDiscount, Identifier};
use crate::domain::totals::Totals;
use crate::domain::vat::VatCategory;
use crate::error::{Error, Result};
use reader::{El, Tree, Unread};

/// Largest file `import` reads: 20 MiB (a Factur-X PDF with attachments).
pub const MAX_IMPORT_BYTES: usize = 20 * 1024 * 1024;

/// Which syntax a document was in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Syntax {
    /// UN/CEFACT CII D16B.
    Cii,
    /// OASIS UBL 2.1.
    Ubl,
}

impl Syntax {
    /// `cii` or `ubl`.
    pub fn as_str(self) -> &'static str {
        match self {
            Syntax::Cii => "cii",
            Syntax::Ubl => "ubl",
        }
    }
}

/// What a document states, to compare with what the engine computes from its terms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stated {
    /// BT-131 of each line, in order.
    pub line_nets: Vec<Option<Decimal>>,
    /// BT-106.
    pub line_total: Option<Decimal>,
    /// BT-109.
    pub total_net: Option<Decimal>,
    /// BT-110.
    pub total_vat: Option<Decimal>,
    /// BT-112.
    pub total_gross: Option<Decimal>,
    /// BT-115.
    pub amount_payable: Option<Decimal>,
}

/// A document read from an e-invoice.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The syntax it was in.
    pub syntax: Syntax,
    /// Its guideline (BT-24), e.g. XRechnung 3.0's.
    pub guideline: Option<String>,
    /// Its number (BT-1).
    pub number: String,
    /// The terms, as a draft payload; `issue_date` is the document's (BT-2).
    pub invoice: NewInvoice,
    /// What it states as totals.
    pub stated: Stated,
    /// What was left unread.
    pub unread: Vec<Unread>,
}

/// Read an e-invoice: XML, or a PDF with the XML attached.
pub fn read(bytes: &[u8]) -> Result<Imported> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(Error::validation(
            "file",
            format!(
                "holds {} bytes; an e-invoice to import has at most {MAX_IMPORT_BYTES}",
                bytes.len()
            ),
        ));
    }
    let xml = if bytes.starts_with(b"%PDF-") {
        pdf::embedded_invoice_xml(bytes)?
    } else {
        bytes.to_vec()
    };
    let text = std::str::from_utf8(&xml)
        .map_err(|_| Error::validation("file", "is not UTF-8 text (an e-invoice is UTF-8 XML)"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let tree = Tree::parse(text)?;
    let root = tree.root();
    let mut imported = match root.name() {
        "CrossIndustryInvoice" => cii::read(root)?,
        "Invoice" | "CreditNote" => ubl::read(root)?,
        other => {
            return Err(Error::validation(
                "file",
                format!(
                    "is a <{other}> document; import reads a UBL Invoice or CreditNote, or a CII CrossIndustryInvoice"
                ),
            ));
        }
    };
    imported.unread = tree.unread();
    Ok(imported)
}

impl Imported {
    /// Differences between what the document states and what the engine computed, as
    /// warnings: a document the engine would total differently is not the same document.
    pub fn differences(&self, totals: &Totals, line_nets: &[Decimal]) -> Vec<String> {
        let mut out = Vec::new();
        let mut compare = |term: &str, stated: Option<Decimal>, computed: Decimal| {
            if let Some(stated) = stated
                && stated != computed
            {
                out.push(format!(
                    "{term}: the document states {stated}, the engine computes {computed}"
                ));
            }
        };
        compare(
            "BT-106 lines total",
            self.stated.line_total,
            totals.line_total,
        );
        compare("BT-109 total net", self.stated.total_net, totals.total_net);
        compare("BT-110 VAT total", self.stated.total_vat, totals.total_vat);
        compare(
            "BT-112 total gross",
            self.stated.total_gross,
            totals.total_gross,
        );
        compare(
            "BT-115 amount due",
            self.stated.amount_payable,
            totals.amount_payable,
        );
        for (i, (stated, computed)) in self.stated.line_nets.iter().zip(line_nets).enumerate() {
            compare(&format!("BT-131 of line {}", i + 1), *stated, *computed);
        }
        out
    }
}

/// What a syntax reader read; the unread report is added once the reading is done.
fn imported(
    syntax: Syntax,
    number: String,
    invoice: NewInvoice,
    stated: Stated,
    guideline: Option<String>,
) -> Imported {
    Imported {
        syntax,
        guideline,
        number,
        invoice,
        stated,
        unread: Vec::new(),
    }
}

/// The document's number, required.
fn required(el: El<'_, '_>, path: &str, term: &str) -> Result<String> {
    el.get(path).ok_or_else(|| {
        Error::validation("file", format!("{}/{path} ({term}) is missing", el.xpath()))
    })
}

/// An identifier element with its optional `schemeID`.
fn identifier(el: El<'_, '_>) -> Option<Identifier> {
    let scheme = el.attr("schemeID");
    el.text().map(|id| Identifier::new(id, scheme.as_deref()))
}

/// A code at `path` parsed by `parse`; a code that does not parse is named with `wanted`.
fn code<T>(
    el: El<'_, '_>,
    path: &str,
    parse: impl Fn(&str) -> Option<T>,
    wanted: &str,
) -> Result<Option<T>> {
    let Some(at) = el.at(path) else {
        return Ok(None);
    };
    let Some(text) = at.text() else {
        return Ok(None);
    };
    parse(text.trim())
        .map(Some)
        .ok_or_else(|| at.invalid(&text, wanted))
}

/// A VAT category code (UNCL 5305 as EN 16931 uses it).
fn category(el: El<'_, '_>, path: &str) -> Result<Option<VatCategory>> {
    code(
        el,
        path,
        |c| c.parse().ok(),
        "a VAT category code (S, Z, E, AE, K, G, O)",
    )
}

/// A currency code.
fn currency(el: El<'_, '_>, path: &str) -> Result<Option<Currency>> {
    code(
        el,
        path,
        |c| Currency::from_code(c).ok(),
        "an ISO 4217 currency code",
    )
}

/// A type code (UNTDID 1001).
fn type_code(el: El<'_, '_>, path: &str) -> Result<Option<u16>> {
    code(el, path, |c| c.parse().ok(), "a UNTDID 1001 type code")
}

/// A period from its first and last day (one day when only one is given).
fn period(el: El<'_, '_>, start: &str, end: &str) -> Result<Option<Period>> {
    Ok(match (el.date(start)?, el.date(end)?) {
        (Some(start), Some(end)) => Some(Period { start, end }),
        (Some(day), None) | (None, Some(day)) => Some(Period {
            start: day,
            end: day,
        }),
        (None, None) => None,
    })
}

/// A supporting document: its reference, description and address at the given paths, and the
/// attached file (with `mimeCode` and `filename`) at `file`.
fn supporting_document(
    el: El<'_, '_>,
    [id, description, uri, file]: [&str; 4],
) -> SupportingDocument {
    let file = el.at(file);
    SupportingDocument {
        id: el.get(id).unwrap_or_default(),
        description: el.get(description),
        uri: el.get(uri),
        filename: file.and_then(|f| f.attr("filename")),
        mime_type: file.and_then(|f| f.attr("mimeCode")),
        content_base64: file.and_then(|f| f.text()),
    }
}

/// The allowances and charges `els`, each read by `read` (whether it is a charge, and its
/// terms), into the two lists.
fn read_allowances<'t, 'i>(
    els: Vec<El<'t, 'i>>,
    read: impl Fn(El<'t, 'i>) -> Result<(bool, AllowanceCharge)>,
    allowances: &mut Vec<AllowanceCharge>,
    charges: &mut Vec<AllowanceCharge>,
) -> Result<()> {
    for el in els {
        match read(el)? {
            (true, ac) => charges.push(ac),
            (false, ac) => allowances.push(ac),
        }
    }
    Ok(())
}

/// Split payment terms (BT-20) into the text and the cash discounts the writers put in it:
/// XRechnung's `#SKONTO#TAGE=n#PROZENT=p#[BASISBETRAG=b#]` lines, or the engine's own
/// sentences `p % cash discount (…) if paid within n days`.
fn split_payment_terms(text: &str) -> (Option<String>, Vec<CashDiscount>) {
    let mut discounts = Vec::new();
    let mut rest: Vec<&str> = Vec::new();
    for line in text.split('\n') {
        match skonto_line(line).or_else(|| worded_discount(line)) {
            Some(discount) => discounts.push(discount),
            None => rest.push(line),
        }
    }
    if discounts.is_empty() {
        return (Some(text.to_string()), discounts);
    }
    // The writers end the XRechnung lines with a break and put the text before the worded
    // ones: drop the one empty line that leaves.
    if rest.last().is_some_and(|l| l.is_empty()) {
        rest.pop();
    }
    let rest = rest.join("\n");
    ((!rest.is_empty()).then_some(rest), discounts)
}

fn skonto_line(line: &str) -> Option<CashDiscount> {
    let body = line.trim().strip_prefix("#SKONTO#")?;
    let mut days = None;
    let mut percent = None;
    let mut base = None;
    for part in body.split('#').filter(|p| !p.is_empty()) {
        let (key, value) = part.split_once('=')?;
        match key {
            "TAGE" => days = value.parse::<u32>().ok(),
            "PROZENT" => percent = value.parse::<Decimal>().ok(),
            "BASISBETRAG" => base = value.parse::<Decimal>().ok(),
            _ => return None,
        }
    }
    Some(CashDiscount {
        days: days?,
        percent: percent?.normalize(),
        base_amount: base,
    })
}

fn worded_discount(line: &str) -> Option<CashDiscount> {
    let (percent, rest) = line.split_once(" % cash discount (")?;
    let (amounts, days) = rest.split_once(") if paid within ")?;
    let days = days.strip_suffix(" days")?;
    // `12.34 EUR of 617.00 EUR`: the base after "of", when the discount has its own.
    let base_amount = match amounts.split_once(" of ") {
        Some((_, base)) => Some(base.split_whitespace().next()?.parse::<Decimal>().ok()?),
        None => None,
    };
    Some(CashDiscount {
        days: days.parse().ok()?,
        percent: percent.parse::<Decimal>().ok()?.normalize(),
        base_amount,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_terms_give_back_the_cash_discounts_both_writers_put_in() {
        let (text, discounts) = split_payment_terms(
            "#SKONTO#TAGE=10#PROZENT=2.00#\n#SKONTO#TAGE=20#PROZENT=1.00#BASISBETRAG=100.00#\nZahlbar in 30 Tagen.",
        );
        assert_eq!(text.as_deref(), Some("Zahlbar in 30 Tagen."));
        assert_eq!(discounts.len(), 2);
        assert_eq!(discounts[1].base_amount, Some(Decimal::new(10000, 2)));
        let (text, discounts) = split_payment_terms("#SKONTO#TAGE=10#PROZENT=2.00#\n");
        assert_eq!(text, None);
        assert_eq!(discounts[0].days, 10);
        let (text, discounts) = split_payment_terms(
            "Net 30.\n2 % cash discount (23.80 EUR) if paid within 10 days\n3 % cash discount (3.00 EUR of 100.00 EUR) if paid within 5 days",
        );
        assert_eq!(text.as_deref(), Some("Net 30."));
        assert_eq!(discounts[0].percent, Decimal::TWO);
        assert_eq!(discounts[0].base_amount, None);
        assert_eq!(discounts[1].base_amount, Some(Decimal::new(10000, 2)));
        let (text, discounts) = split_payment_terms("Zahlbar sofort.\nOhne Abzug.");
        assert_eq!(text.as_deref(), Some("Zahlbar sofort.\nOhne Abzug."));
        assert!(discounts.is_empty());
    }
}
