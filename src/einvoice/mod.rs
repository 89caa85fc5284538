//! E-invoices from the same data as the PDF: a finalized document mapped to the EN 16931
//! business terms (`model.rs`), checked for what the target needs (`check.rs`), and written as
//! UN/CEFACT CII D16B (`cii.rs`) or OASIS UBL 2.1 (`ubl.rs`) with quick-xml (`xml.rs`).
//!
//! | format | syntax | guideline (BT-24) |
//! |---|---|---|
//! | `facturx` | PDF/A-3b with CII inside (`factur-x.xml`, or `xrechnung.xml`) | per profile |
//! | `facturx-xml` | CII | `urn:cen.eu:en16931:2017` (Factur-X / ZUGFeRD profile EN 16931) |
//! | `facturx-extended-xml` | CII | `urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended` |
//! | `xrechnung-cii` | CII | `urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0` |
//! | `xrechnung-ubl` | UBL | the same |
//! | `peppol-ubl` | UBL | `urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0` |
//!
//! The module reads domain types only; it never touches the store.

mod check;
mod cii;
pub mod facturx;
pub mod import;
mod model;
mod ubl;
mod xml;

use crate::domain::document::Document;
use crate::domain::party::SellerProfile;
use crate::error::{Error, Result};
use crate::render::Renderer;

pub use facturx::Profile;
pub use model::InvoiceTerms;

/// The XML flavours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// CII of the Factur-X / ZUGFeRD profile EN 16931.
    FacturX,
    /// CII of the Factur-X / ZUGFeRD profile EXTENDED.
    FacturXExtended,
    /// XRechnung 3.0 in CII syntax.
    XRechnungCii,
    /// XRechnung 3.0 in UBL syntax.
    XRechnungUbl,
    /// Peppol BIS Billing 3.0 (UBL).
    PeppolUbl,
}

impl Format {
    /// Every XML flavour.
    pub const ALL: [Format; 5] = [
        Format::FacturX,
        Format::FacturXExtended,
        Format::XRechnungCii,
        Format::XRechnungUbl,
        Format::PeppolUbl,
    ];

    /// The name clients use.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::FacturX => "facturx-xml",
            Format::FacturXExtended => "facturx-extended-xml",
            Format::XRechnungCii => "xrechnung-cii",
            Format::XRechnungUbl => "xrechnung-ubl",
            Format::PeppolUbl => "peppol-ubl",
        }
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
            Format::FacturXExtended => {
                "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended"
            }
            Format::XRechnungCii | Format::XRechnungUbl => {
                "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
            }
            Format::PeppolUbl => {
                "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
            }
        }
    }
}

/// What a client asks for: a Factur-X PDF (with the XML of a profile inside) or an XML file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `facturx`: PDF/A-3b with the CII attached.
    FacturXPdf(Profile),
    /// An XML file.
    Xml(Format),
}

impl Target {
    /// The target names clients use, for messages and schemas.
    pub const NAMES: [&str; 6] = [
        "facturx",
        "facturx-xml",
        "facturx-extended-xml",
        "xrechnung-cii",
        "xrechnung-ubl",
        "peppol-ubl",
    ];

    /// Parse a format name; `profile` (`en16931`, `extended`, `xrechnung`) only for `facturx`.
    pub fn parse(name: &str, profile: Option<&str>) -> Result<Target> {
        if name == "facturx" {
            let profile = profile.map(Profile::parse).transpose()?;
            return Ok(Target::FacturXPdf(profile.unwrap_or(Profile::En16931)));
        }
        if profile.is_some() {
            return Err(Error::validation(
                "profile",
                "a profile is chosen only for the facturx PDF",
            ));
        }
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == name)
            .map(Target::Xml)
            .ok_or_else(|| {
                Error::validation(
                    "format",
                    format!(
                        "'{name}' is not an e-invoice format ({})",
                        Target::NAMES.join(", ")
                    ),
                )
            })
    }

    /// Parse `facturx`, `facturx:extended`, `xrechnung-ubl`…: a format with an optional
    /// profile after a colon (the form of the finalization setting).
    pub fn parse_spec(spec: &str) -> Result<Target> {
        match spec.split_once(':') {
            Some((name, profile)) => Target::parse(name, Some(profile)),
            None => Target::parse(spec, None),
        }
    }

    /// The key of its archive rows: the format name, with the profile for non-default
    /// Factur-X profiles (`facturx:xrechnung`).
    pub fn archive_key(self) -> String {
        match self {
            Target::FacturXPdf(Profile::En16931) => "facturx".into(),
            Target::FacturXPdf(profile) => format!("facturx:{}", profile.as_str()),
            Target::Xml(format) => format.as_str().into(),
        }
    }

    /// The name of the target, `facturx` for every Factur-X PDF.
    pub fn as_str(self) -> &'static str {
        match self {
            Target::FacturXPdf(_) => "facturx",
            Target::Xml(format) => format.as_str(),
        }
    }
}

/// An e-invoice file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EInvoice {
    /// What it is.
    pub target: Target,
    /// The file.
    pub bytes: Vec<u8>,
    /// `application/pdf` or `application/xml`.
    pub mime_type: &'static str,
    /// Suggested file name: the number with the format's suffix.
    pub file_name: String,
}

/// Check that `document` (finalized, or a draft about to be: number and issue date may be
/// placeholders) has what `target` needs; the same field-level errors as [`export`].
pub fn check_for(
    document: &Document,
    seller: Option<&SellerProfile>,
    target: Target,
) -> Result<()> {
    let format = match target {
        Target::FacturXPdf(profile) => profile.format(),
        Target::Xml(format) => format,
    };
    check::check(&InvoiceTerms::of(document, seller)?, format)
}

/// The suggested file name and MIME type of `target` for `document`.
pub fn file_of(document: &Document, target: Target) -> (String, &'static str) {
    let stem = document.pdf_file_name();
    let stem = stem.trim_end_matches(".pdf");
    match target {
        Target::FacturXPdf(_) => (format!("{stem}.facturx.pdf"), "application/pdf"),
        Target::Xml(format) => (format!("{stem}.{}.xml", format.as_str()), "application/xml"),
    }
}

/// Write the e-invoice of a finalized `document` as `target`; `seller` gives what the
/// document does not store (the seller's phone), `renderer` makes Factur-X PDFs. Refused with
/// a field-level error when the target needs data the document lacks.
pub fn export(
    document: &Document,
    seller: Option<&SellerProfile>,
    target: Target,
    renderer: &Renderer,
) -> Result<EInvoice> {
    let format = match target {
        Target::FacturXPdf(profile) => profile.format(),
        Target::Xml(format) => format,
    };
    let terms = InvoiceTerms::of(document, seller)?;
    check::check(&terms, format)?;
    let xml = if format.is_ubl() {
        ubl::write(&terms, format)?
    } else {
        cii::write(&terms, format)?
    };
    let (file_name, mime_type) = file_of(document, target);
    let bytes = match target {
        Target::FacturXPdf(profile) => facturx::pdf(renderer, document, seller, &xml, profile)?,
        Target::Xml(_) => xml,
    };
    Ok(EInvoice {
        target,
        bytes,
        mime_type,
        file_name,
    })
}
