//! E-invoices from the same data as the PDF: a finalized document mapped to the EN 16931
//! business terms (`model.rs`), checked for what the target needs (`check.rs`), and written as
//! UN/CEFACT CII D16B (`cii.rs`) or OASIS UBL 2.1 (`ubl.rs`) with quick-xml (`xml.rs`).
//!
//! | format | syntax | guideline (BT-24) |
//! |---|---|---|
//! | `facturx` | CII | `urn:cen.eu:en16931:2017` (Factur-X / ZUGFeRD profile EN 16931) |
//! | `xrechnung-cii` | CII | `urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0` |
//! | `xrechnung-ubl` | UBL | the same |
//! | `peppol-ubl` | UBL | `urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0` |
//!
//! The module reads domain types only; it never touches the store.

mod check;
mod cii;
mod model;
mod ubl;
mod xml;

use crate::domain::document::Document;
use crate::domain::party::SellerProfile;
use crate::error::{Error, Result};

pub use model::InvoiceTerms;

/// The e-invoice formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Factur-X / ZUGFeRD, profile EN 16931 (CII).
    FacturX,
    /// XRechnung 3.0 in CII syntax.
    XRechnungCii,
    /// XRechnung 3.0 in UBL syntax.
    XRechnungUbl,
    /// Peppol BIS Billing 3.0 (UBL).
    PeppolUbl,
}

impl Format {
    /// Every format, in the order the docs list them.
    pub const ALL: [Format; 4] = [
        Format::FacturX,
        Format::XRechnungCii,
        Format::XRechnungUbl,
        Format::PeppolUbl,
    ];

    /// The name clients use: `facturx`, `xrechnung-cii`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::FacturX => "facturx",
            Format::XRechnungCii => "xrechnung-cii",
            Format::XRechnungUbl => "xrechnung-ubl",
            Format::PeppolUbl => "peppol-ubl",
        }
    }

    /// Parse a client's name for a format.
    pub fn parse(name: &str) -> Result<Format> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
                Error::validation(
                    "format",
                    format!("'{name}' is not an e-invoice format ({})", names.join(", ")),
                )
            })
    }

    /// Whether the German CIUS applies.
    pub fn is_xrechnung(self) -> bool {
        matches!(self, Format::XRechnungCii | Format::XRechnungUbl)
    }

    /// Whether the syntax is UBL (else CII).
    pub fn is_ubl(self) -> bool {
        matches!(self, Format::XRechnungUbl | Format::PeppolUbl)
    }

    /// The specification identifier (BT-24).
    pub fn guideline(self) -> &'static str {
        match self {
            Format::FacturX => "urn:cen.eu:en16931:2017",
            Format::XRechnungCii | Format::XRechnungUbl => {
                "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
            }
            Format::PeppolUbl => {
                "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
            }
        }
    }
}

/// An e-invoice file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EInvoice {
    /// Its format.
    pub format: Format,
    /// The XML.
    pub xml: Vec<u8>,
    /// Suggested file name: the number with the format's suffix.
    pub file_name: String,
}

/// Write the e-invoice of a finalized `document` in `format`; `profile` gives what the
/// document does not store (the seller's phone). Refused with a field-level error when the
/// target needs data the document lacks.
pub fn export(
    document: &Document,
    profile: Option<&SellerProfile>,
    format: Format,
) -> Result<EInvoice> {
    let terms = InvoiceTerms::of(document, profile)?;
    check::check(&terms, format)?;
    let xml = if format.is_ubl() {
        ubl::write(&terms, format)?
    } else {
        cii::write(&terms, format)?
    };
    let stem = document.pdf_file_name();
    let stem = stem.trim_end_matches(".pdf");
    Ok(EInvoice {
        format,
        xml,
        file_name: format!("{stem}.{}.xml", format.as_str()),
    })
}
