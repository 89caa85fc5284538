//! The invoice XML inside a Factur-X / ZUGFeRD PDF. An embedded file is a stream object and
//! streams are never inside object streams, so every stream is looked at: inflated when it
//! is Flate-compressed, and taken when it is an XML document whose root is an invoice. (No
//! well-kept PDF reader is in the dependency tree; this is all import needs of one.)

use std::io::Read;

use flate2::read::ZlibDecoder;

use super::MAX_IMPORT_BYTES;
use crate::error::{Error, Result};

/// The invoice XML embedded in `pdf`.
pub fn embedded_invoice_xml(pdf: &[u8]) -> Result<Vec<u8>> {
    let mut at = 0;
    while let Some(start) = find(&pdf[at..], b"stream").map(|i| i + at) {
        at = start + b"stream".len();
        // `endstream` also contains `stream`: only a keyword followed by an end of line
        // starts a stream's data.
        let data_start = match &pdf[at..] {
            [b'\r', b'\n', ..] => at + 2,
            [b'\n', ..] => at + 1,
            _ => continue,
        };
        let Some(end) = find(&pdf[data_start..], b"endstream").map(|i| i + data_start) else {
            break;
        };
        let data = &pdf[data_start..end];
        at = end + b"endstream".len();
        if let Some(xml) = invoice_xml(data) {
            return Ok(xml);
        }
    }
    Err(Error::validation(
        "file",
        "is a PDF without an invoice XML inside (a Factur-X / ZUGFeRD PDF carries factur-x.xml, zugferd-invoice.xml or xrechnung.xml)",
    ))
}

/// The stream's content when it is (inflated or as is) an invoice XML document. Only the first
/// 4 KiB of a stream are inflated to look at its root element; the whole stream (at most
/// [`MAX_IMPORT_BYTES`]) only when it is the invoice, so streams that inflate to much more
/// (fonts, images, a crafted bomb) cost a few KiB each.
fn invoice_xml(data: &[u8]) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let inflated = ZlibDecoder::new(data)
        .take(4096)
        .read_to_end(&mut head)
        .is_ok_and(|_| !head.is_empty());
    if !inflated {
        return is_invoice_xml(data).then(|| data.to_vec());
    }
    if !is_invoice_xml(&head) {
        return None;
    }
    let mut content = Vec::new();
    ZlibDecoder::new(data)
        .take(MAX_IMPORT_BYTES as u64)
        .read_to_end(&mut content)
        .ok()?;
    Some(content)
}

/// Whether the first element of `xml` is a CII or UBL invoice.
fn is_invoice_xml(xml: &[u8]) -> bool {
    let head = &xml[..xml.len().min(4096)];
    let Ok(text) =
        std::str::from_utf8(head).or_else(|e| std::str::from_utf8(&head[..e.valid_up_to()]))
    else {
        return false;
    };
    let mut rest = text.trim_start_matches('\u{feff}').trim_start();
    // Skip the declaration, processing instructions and comments before the root.
    loop {
        if let Some(after) = rest.strip_prefix("<?") {
            let Some(end) = after.find("?>") else {
                return false;
            };
            rest = after[end + 2..].trim_start();
        } else if let Some(after) = rest.strip_prefix("<!--") {
            let Some(end) = after.find("-->") else {
                return false;
            };
            rest = after[end + 3..].trim_start();
        } else {
            break;
        }
    }
    let Some(tag) = rest.strip_prefix('<') else {
        return false;
    };
    let name: String = tag
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
        .collect();
    let local = name.rsplit(':').next().unwrap_or(&name);
    matches!(local, "CrossIndustryInvoice" | "Invoice" | "CreditNote")
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
