//! A thin XML writer over quick-xml: open an element, write a leaf with text, close. Text and
//! attribute values are escaped by quick-xml; nothing is concatenated into markup by hand. A
//! character XML 1.0 does not allow (U+FFFE, control characters) cannot be escaped, so the
//! writer refuses it, naming the element: it never produces a file that is not well-formed.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use crate::error::{Error, Result};

/// An XML document being written, indented by two spaces.
pub struct Xml {
    writer: Writer<Vec<u8>>,
}

impl Xml {
    /// A document with the XML declaration written.
    pub fn new() -> Result<Xml> {
        let mut xml = Xml {
            writer: Writer::new_with_indent(Vec::new(), b' ', 2),
        };
        xml.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        Ok(xml)
    }

    fn event(&mut self, event: Event<'_>) -> Result<()> {
        self.writer
            .write_event(event)
            .map_err(|e| Error::internal(format!("cannot write XML: {e}")))
    }

    /// `<tag attr="…">`.
    pub fn open(&mut self, tag: &str, attributes: &[(&str, &str)]) -> Result<()> {
        for (name, value) in attributes {
            writable(&format!("{tag}@{name}"), value)?;
        }
        let start = BytesStart::new(tag).with_attributes(attributes.iter().copied());
        self.event(Event::Start(start))
    }

    /// `</tag>`.
    pub fn close(&mut self, tag: &str) -> Result<()> {
        self.event(Event::End(BytesEnd::new(tag)))
    }

    /// `<tag attr="…">text</tag>`.
    pub fn leaf_with(&mut self, tag: &str, attributes: &[(&str, &str)], text: &str) -> Result<()> {
        writable(tag, text)?;
        self.open(tag, attributes)?;
        self.event(Event::Text(BytesText::new(text)))?;
        self.close(tag)
    }

    /// `<tag>text</tag>`.
    pub fn leaf(&mut self, tag: &str, text: &str) -> Result<()> {
        self.leaf_with(tag, &[], text)
    }

    /// `<outer><inner>text</inner></outer>`: a wrapper around one text element.
    pub fn wrapped(&mut self, outer: &str, inner: &str, text: &str) -> Result<()> {
        self.open(outer, &[])?;
        self.leaf(inner, text)?;
        self.close(outer)
    }

    /// `<tag>text</tag>` when there is a text.
    pub fn optional(&mut self, tag: &str, text: Option<&str>) -> Result<()> {
        match text {
            Some(text) => self.leaf(tag, text),
            None => Ok(()),
        }
    }

    /// The finished document.
    pub fn finish(self) -> Vec<u8> {
        let mut bytes = self.writer.into_inner();
        bytes.push(b'\n');
        bytes
    }
}

/// Refuse text XML 1.0 cannot hold, naming the element.
fn writable(element: &str, text: &str) -> Result<()> {
    match text.chars().find(|&c| !crate::domain::text::xml_allows(c)) {
        None => Ok(()),
        Some(c) => Err(Error::validation(
            element,
            format!(
                "holds U+{:04X}, which XML 1.0 does not allow; the e-invoice is not written (the document was stored before such characters were refused at input)",
                c as u32
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped() {
        let mut xml = Xml::new().unwrap();
        xml.open("a", &[("x", "1 < 2 & \"q\"")]).unwrap();
        xml.leaf("b", "<script>&amp;</script>").unwrap();
        xml.close("a").unwrap();
        let text = String::from_utf8(xml.finish()).unwrap();
        assert!(
            text.contains(r#"x="1 &lt; 2 &amp; &quot;q&quot;""#),
            "{text}"
        );
        assert!(
            text.contains("<b>&lt;script&gt;&amp;amp;&lt;/script&gt;</b>"),
            "{text}"
        );
    }

    #[test]
    fn characters_xml_forbids_are_refused_naming_the_element() {
        let mut xml = Xml::new().unwrap();
        let err = xml.leaf("ram:Name", "Kunde\u{FFFF}").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("ram:Name"));
        assert!(err.message.contains("U+FFFF"), "{}", err.message);
        let err = xml.open("a", &[("schemeID", "\u{1}")]).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("a@schemeID"));
        assert!(xml.leaf("ok", "tab\tand line\nbreaks").is_ok());
    }
}
