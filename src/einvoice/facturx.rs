//! Factur-X / ZUGFeRD: the invoice's PDF as PDF/A-3b with its CII XML attached as the
//! `Alternative` representation (Typst's `pdf.attach`), and the Factur-X properties
//! (`fx:DocumentType`, `fx:DocumentFileName`, `fx:Version`, `fx:ConformanceLevel`, with their
//! `pdfaExtension` schema description) added to the XMP metadata. Typst writes the PDF/A
//! identification but no custom XMP, so the metadata stream is rewritten here: the new packet
//! replaces the old one, and the stream length, the cross-reference offsets behind it and
//! `startxref` are moved by the size difference.

use super::Format;
use crate::domain::document::Document;
use crate::domain::party::SellerProfile;
use crate::error::{Error, Result};
use crate::render::{Attachment, Renderer};

/// Namespace of the Factur-X XMP properties.
const FX_NAMESPACE: &str = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#";

/// The profile a Factur-X PDF declares, and the name of its attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// EN 16931 (COMFORT), `factur-x.xml`.
    En16931,
    /// EXTENDED, `factur-x.xml`.
    Extended,
    /// XRECHNUNG, `xrechnung.xml`.
    XRechnung,
}

impl Profile {
    /// Parse `en16931`, `extended` or `xrechnung`.
    pub fn parse(name: &str) -> Result<Profile> {
        match name {
            "en16931" => Ok(Profile::En16931),
            "extended" => Ok(Profile::Extended),
            "xrechnung" => Ok(Profile::XRechnung),
            other => Err(Error::validation(
                "profile",
                format!("'{other}' is not a Factur-X profile (en16931, extended, xrechnung)"),
            )),
        }
    }

    /// The name clients use.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::En16931 => "en16931",
            Profile::Extended => "extended",
            Profile::XRechnung => "xrechnung",
        }
    }

    /// The CII flavour written inside.
    pub fn format(self) -> Format {
        match self {
            Profile::En16931 => Format::FacturX,
            Profile::Extended => Format::FacturXExtended,
            Profile::XRechnung => Format::XRechnungCii,
        }
    }

    /// The attachment's file name.
    pub fn file_name(self) -> &'static str {
        match self {
            Profile::XRechnung => "xrechnung.xml",
            _ => "factur-x.xml",
        }
    }

    /// `fx:ConformanceLevel`.
    fn conformance(self) -> &'static str {
        match self {
            Profile::En16931 => "EN 16931",
            Profile::Extended => "EXTENDED",
            Profile::XRechnung => "XRECHNUNG",
        }
    }
}

/// The Factur-X PDF of `document` with `xml` (its CII in `profile`'s flavour) inside.
pub fn pdf(
    renderer: &Renderer,
    document: &Document,
    seller: Option<&SellerProfile>,
    xml: &[u8],
    profile: Profile,
) -> Result<Vec<u8>> {
    let mut attachments = vec![Attachment {
        name: profile.file_name().into(),
        mime_type: "text/xml".into(),
        description: "Factur-X/ZUGFeRD invoice".into(),
        relationship: "alternative",
        bytes: xml.to_vec(),
    }];
    // Supporting documents with a file go in beside it (BG-24), as the XML carries them too.
    for supporting in &document.content.attachments {
        if let (Some(name), Some(mime), Some(bytes)) = (
            &supporting.filename,
            &supporting.mime_type,
            supporting.content(),
        ) {
            attachments.push(Attachment {
                name: name.clone(),
                mime_type: mime.clone(),
                description: supporting
                    .description
                    .clone()
                    .unwrap_or_else(|| supporting.id.clone()),
                relationship: "supplement",
                bytes,
            });
        }
    }
    let rendered = renderer.render_pdf_a3(document, seller, &attachments)?;
    add_facturx_xmp(&rendered.pdf, profile)
}

/// The XMP additions: the extension schema (inside the existing `pdfaExtension:schemas` bag)
/// and the properties (a description of their own).
fn xmp_additions(profile: Profile) -> (String, String) {
    let property = |name: &str, description: &str| {
        format!(
            "<rdf:li rdf:parseType=\"Resource\"><pdfaProperty:name>{name}</pdfaProperty:name>\
             <pdfaProperty:valueType>Text</pdfaProperty:valueType>\
             <pdfaProperty:category>external</pdfaProperty:category>\
             <pdfaProperty:description>{description}</pdfaProperty:description></rdf:li>"
        )
    };
    let schema = format!(
        "<rdf:li rdf:parseType=\"Resource\"><pdfaSchema:schema>Factur-X PDFA Extension Schema\
         </pdfaSchema:schema><pdfaSchema:namespaceURI>{FX_NAMESPACE}</pdfaSchema:namespaceURI>\
         <pdfaSchema:prefix>fx</pdfaSchema:prefix><pdfaSchema:property><rdf:Seq>{}{}{}{}\
         </rdf:Seq></pdfaSchema:property></rdf:li>",
        property("DocumentFileName", "The name of the embedded XML document"),
        property(
            "DocumentType",
            "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER"
        ),
        property(
            "Version",
            "The actual version of the standard applying to the embedded XML document"
        ),
        property(
            "ConformanceLevel",
            "The conformance level of the embedded XML document"
        ),
    );
    let properties = format!(
        "<rdf:Description rdf:about=\"\" xmlns:fx=\"{FX_NAMESPACE}\">\
         <fx:DocumentType>INVOICE</fx:DocumentType>\
         <fx:DocumentFileName>{}</fx:DocumentFileName>\
         <fx:Version>1.0</fx:Version>\
         <fx:ConformanceLevel>{}</fx:ConformanceLevel></rdf:Description>",
        profile.file_name(),
        profile.conformance()
    );
    (schema, properties)
}

/// Rewrite the XMP packet of `pdf` with the Factur-X additions. Refuses (rather than writing a
/// broken file) anything but the layout Typst writes: one uncompressed metadata stream with a
/// direct `/Length`, a classic cross-reference table, no incremental updates.
pub fn add_facturx_xmp(pdf: &[u8], profile: Profile) -> Result<Vec<u8>> {
    let broken = |what: &str| Error::internal(format!("cannot add the Factur-X XMP: {what}"));
    let bag = b"<pdfaExtension:schemas><rdf:Bag>";
    let rdf_end = b"</rdf:RDF>";
    let bag_at = find(pdf, bag, 0).ok_or_else(|| broken("no PDF/A extension schemas"))? + bag.len();
    let rdf_end_at = find(pdf, rdf_end, bag_at).ok_or_else(|| broken("no end of the RDF"))?;
    let stream_at = rfind(pdf, b"stream\n", bag_at).ok_or_else(|| broken("no metadata stream"))?
        + b"stream\n".len();
    let length_key = b"/Length ";
    let length_at =
        rfind(pdf, length_key, stream_at).ok_or_else(|| broken("no /Length"))? + length_key.len();
    let length_end = length_at
        + pdf[length_at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
    let old_length: usize = std::str::from_utf8(&pdf[length_at..length_end])
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| broken("an indirect /Length"))?;
    if find(pdf, b"/Type/XRef", 0).is_some()
        || pdf.windows(5).filter(|w| w == b"%%EOF").count() != 1
    {
        return Err(broken("a cross-reference stream or an incremental update"));
    }

    let (schema, properties) = xmp_additions(profile);
    let added = schema.len() + properties.len();
    let new_length = (old_length + added).to_string();
    let mut out = Vec::with_capacity(pdf.len() + added + 8);
    out.extend_from_slice(&pdf[..length_at]);
    out.extend_from_slice(new_length.as_bytes());
    out.extend_from_slice(&pdf[length_end..bag_at]);
    out.extend_from_slice(schema.as_bytes());
    out.extend_from_slice(&pdf[bag_at..rdf_end_at]);
    out.extend_from_slice(properties.as_bytes());
    let tail_from = rdf_end_at;
    let shift = out.len() - tail_from; // everything from `</rdf:RDF>` on moves by this much
    let delta = shift as i64;
    let moved_from = length_at; // objects at or after the /Length digits move
    let tail = &pdf[tail_from..];

    let xref_at = find(tail, b"\nxref\n", 0).ok_or_else(|| broken("no xref table"))? + 1;
    out.extend_from_slice(&tail[..xref_at]);
    let table = &tail[xref_at..];
    let trailer_at = find(table, b"trailer", 0).ok_or_else(|| broken("no trailer"))?;
    let mut lines = table[..trailer_at].split(|b| *b == b'\n').peekable();
    let mut rewritten = Vec::new();
    for line in lines.by_ref() {
        let text = std::str::from_utf8(line).map_err(|_| broken("a binary xref table"))?;
        let entry = text.trim_end_matches('\r');
        let parts: Vec<&str> = entry.split(' ').collect();
        if parts.len() == 3 && parts[2] == "n" && parts[0].len() == 10 {
            let offset: i64 = parts[0].parse().map_err(|_| broken("a bad xref entry"))?;
            let moved = if offset as usize >= moved_from {
                offset + delta
            } else {
                offset
            };
            rewritten.extend_from_slice(format!("{moved:010} {} n", parts[1]).as_bytes());
            rewritten.extend_from_slice(&line[entry.len()..]);
        } else {
            rewritten.extend_from_slice(line);
        }
        rewritten.push(b'\n');
    }
    rewritten.pop(); // the split added one newline too many
    out.extend_from_slice(&rewritten);
    let trailer = &table[trailer_at..];
    let startxref = b"startxref\n";
    let start_at =
        find(trailer, startxref, 0).ok_or_else(|| broken("no startxref"))? + startxref.len();
    let digits = trailer[start_at..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let old_start: i64 = std::str::from_utf8(&trailer[start_at..start_at + digits])
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| broken("a bad startxref"))?;
    out.extend_from_slice(&trailer[..start_at]);
    out.extend_from_slice((old_start + delta).to_string().as_bytes());
    out.extend_from_slice(&trailer[start_at + digits..]);
    Ok(out)
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

fn rfind(haystack: &[u8], needle: &[u8], before: usize) -> Option<usize> {
    haystack
        .get(..before)?
        .windows(needle.len())
        .rposition(|w| w == needle)
}
