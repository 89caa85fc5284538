//! Supporting documents (EN 16931 BG-24): a reference with a description, an external address,
//! or a file carried inside the document (a delivery note, a measurement sheet). Files are
//! kept base64-encoded in the document's stored terms, so they join its hash chain, and go
//! into every e-invoice syntax and into the Factur-X PDF as further PDF/A-3 attachments.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::text::{check_optional, check_required, join_path};
use crate::error::{Error, Result};

/// Most supporting documents one document may name.
pub const MAX_ATTACHMENTS: usize = 20;
/// Most bytes the attached files of one document may hold together, after decoding: 2 MiB,
/// whose base64 (2.7 MiB) fits the 4 MiB request body of the HTTP transports.
pub const MAX_ATTACHED_BYTES: usize = 2 * 1024 * 1024;

/// The file types EN 16931 allows for an attached document (BR-CL-24), with the first bytes
/// each must start with (None: text, not checked).
const MIME_TYPES: [(&str, Option<&[u8]>); 6] = [
    ("application/pdf", Some(b"%PDF-")),
    ("image/png", Some(b"\x89PNG\r\n\x1a\n")),
    ("image/jpeg", Some(b"\xff\xd8\xff")),
    ("text/csv", None),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some(b"PK\x03\x04"),
    ),
    (
        "application/vnd.oasis.opendocument.spreadsheet",
        Some(b"PK\x03\x04"),
    ),
];

/// File names the Factur-X PDF already uses for its XML.
const RESERVED_NAMES: [&str; 2] = ["factur-x.xml", "xrechnung.xml"];

/// One supporting document (BG-24).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportingDocument {
    /// Its reference, e.g. the delivery note's number (BT-122).
    pub id: String,
    /// What it is (BT-123).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where it can be fetched: an absolute URL (BT-124).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// The attached file's name (BT-125-2); required with `content_base64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// The attached file's type (BT-125-1): application/pdf, image/png, image/jpeg, text/csv,
    /// or an XLSX or ODS spreadsheet's type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// The attached file, base64 (BT-125).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_base64: Option<String>,
}

impl SupportingDocument {
    /// The attached file's bytes, if it has one (checked to decode by `validate`).
    pub fn content(&self) -> Option<Vec<u8>> {
        self.content_base64
            .as_deref()
            .and_then(|text| STANDARD.decode(text).ok())
    }

    /// Trim and check one entry; the file's size is counted by [`check_attachments`].
    fn validate(self, field: &str) -> Result<(Self, usize)> {
        let at = |name: &str| join_path(field, name);
        let id = check_required(&at("id"), &self.id, 200)?;
        let description = check_optional(&at("description"), self.description, 1000)?;
        let uri = check_optional(&at("uri"), self.uri, 1000)?;
        if let Some(uri) = &uri
            && !is_absolute_url(uri)
        {
            return Err(Error::validation(
                at("uri"),
                format!(
                    "must be an absolute URL such as https://example.com/note.pdf, got '{uri}'"
                ),
            ));
        }
        let filename = check_optional(&at("filename"), self.filename, 200)?;
        let mime_type = check_optional(&at("mime_type"), self.mime_type, 100)?;
        let content_base64 = self
            .content_base64
            .map(|text| text.split_whitespace().collect::<String>())
            .filter(|text| !text.is_empty());
        let size = match &content_base64 {
            None => {
                if filename.is_some() || mime_type.is_some() {
                    return Err(Error::validation(
                        at("content_base64"),
                        "filename and mime_type describe an attached file: give its content too, or leave them out",
                    ));
                }
                0
            }
            Some(text) => {
                let bytes = STANDARD.decode(text).map_err(|e| {
                    Error::validation(at("content_base64"), format!("is not base64: {e}"))
                })?;
                let Some(name) = &filename else {
                    return Err(Error::validation(
                        at("filename"),
                        "an attached file needs a file name (BT-125-2)",
                    ));
                };
                check_filename(&at("filename"), name)?;
                let Some(mime) = &mime_type else {
                    return Err(Error::validation(
                        at("mime_type"),
                        "an attached file needs its type (BT-125-1)",
                    ));
                };
                check_content(&at("mime_type"), mime, &bytes)?;
                bytes.len()
            }
        };
        Ok((
            SupportingDocument {
                id,
                description,
                uri,
                filename,
                mime_type,
                content_base64,
            },
            size,
        ))
    }
}

/// Check the supporting documents of a document: each entry, unique file names (BR-DE-22),
/// and the sizes together.
pub fn check_attachments(list: Vec<SupportingDocument>) -> Result<Vec<SupportingDocument>> {
    if list.len() > MAX_ATTACHMENTS {
        return Err(Error::validation(
            "attachments",
            format!("at most {MAX_ATTACHMENTS} entries, got {}", list.len()),
        ));
    }
    let mut total = 0;
    let mut checked: Vec<SupportingDocument> = Vec::with_capacity(list.len());
    for (i, entry) in list.into_iter().enumerate() {
        let field = format!("attachments[{i}]");
        let (entry, size) = entry.validate(&field)?;
        if let Some(name) = &entry.filename
            && checked.iter().any(|e| e.filename.as_ref() == Some(name))
        {
            return Err(Error::validation(
                format!("{field}.filename"),
                format!(
                    "'{name}' is already the name of another attachment; file names must be unique (BR-DE-22)"
                ),
            ));
        }
        total += size;
        if total > MAX_ATTACHED_BYTES {
            return Err(Error::validation(
                format!("{field}.content_base64"),
                format!(
                    "the attached files hold {total} bytes so far; a document holds at most {MAX_ATTACHED_BYTES} bytes of attachments (give larger files by uri)"
                ),
            ));
        }
        checked.push(entry);
    }
    Ok(checked)
}

/// `scheme://rest` without spaces (RFC 3986's scheme syntax; a URL crate for this one check
/// would be the only user of it).
fn is_absolute_url(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once("://") else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        && !rest.is_empty()
        && !text.contains(char::is_whitespace)
}

/// A file name that is a name only: no path, no control characters, not one the Factur-X PDF
/// uses itself.
fn check_filename(field: &str, name: &str) -> Result<()> {
    if name.contains(['/', '\\']) || name.starts_with('.') {
        return Err(Error::validation(
            field,
            format!("must be a file name without a path, got '{name}'"),
        ));
    }
    if RESERVED_NAMES.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(Error::validation(
            field,
            format!("'{name}' is the name of the Factur-X XML itself; choose another"),
        ));
    }
    Ok(())
}

/// The type is one EN 16931 allows, and the content starts as that type does.
fn check_content(field: &str, mime: &str, bytes: &[u8]) -> Result<()> {
    let Some((_, magic)) = MIME_TYPES.iter().find(|(name, _)| *name == mime) else {
        return Err(Error::validation(
            field,
            format!(
                "'{mime}' is not a type EN 16931 allows for an attachment (BR-CL-24): {}",
                MIME_TYPES.map(|(name, _)| name).join(", ")
            ),
        ));
    };
    if let Some(magic) = magic
        && !bytes.starts_with(magic)
    {
        return Err(Error::validation(
            field,
            format!("the content is not a {mime} file (its first bytes do not match)"),
        ));
    }
    if bytes.is_empty() {
        return Err(Error::validation(field, "the attached file is empty"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, mime: &str, bytes: &[u8]) -> SupportingDocument {
        SupportingDocument {
            id: "A-1".into(),
            description: None,
            uri: None,
            filename: Some(name.into()),
            mime_type: Some(mime.into()),
            content_base64: Some(STANDARD.encode(bytes)),
        }
    }

    #[test]
    fn a_file_must_be_what_its_type_says_and_names_must_be_unique() {
        let csv = file("a.csv", "text/csv", b"a;b\n1;2\n");
        assert_eq!(check_attachments(vec![csv.clone()]).unwrap().len(), 1);
        let fake = file("a.png", "image/png", b"not a png");
        let err = check_attachments(vec![fake]).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("attachments[0].mime_type"));
        let err = check_attachments(vec![csv.clone(), csv.clone()]).unwrap_err();
        assert!(err.message.contains("BR-DE-22"), "{}", err.message);
        let xml = file("factur-x.xml", "text/csv", b"x");
        assert!(check_attachments(vec![xml]).is_err());
        let exe = file("a.exe", "application/octet-stream", b"MZ");
        assert!(
            check_attachments(vec![exe])
                .unwrap_err()
                .message
                .contains("BR-CL-24")
        );
        let big = file("big.csv", "text/csv", &vec![b'x'; MAX_ATTACHED_BYTES + 1]);
        assert!(check_attachments(vec![big]).is_err());
    }
}
