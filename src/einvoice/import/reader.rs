//! An XML tree that remembers what was read from it: every element text and attribute the
//! importer takes is marked, and whatever is left afterwards is reported by its XPath, so
//! nothing an e-invoice carries is dropped in silence.

use std::cell::RefCell;
use std::collections::HashSet;

use chrono::NaiveDate;
use roxmltree::{Document, Node};
use rust_decimal::Decimal;

use crate::error::{Error, Result};

/// Most unread elements and attributes named one by one in a report.
pub const MAX_UNREAD: usize = 200;

/// The parsed document and the marks.
pub struct Tree<'input> {
    doc: Document<'input>,
    read: RefCell<HashSet<(usize, Option<String>)>>,
}

/// One element of a [`Tree`].
#[derive(Clone, Copy)]
pub struct El<'t, 'input> {
    tree: &'t Tree<'input>,
    node: Node<'t, 'input>,
}

/// Something the importer did not take: where, and the value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Unread {
    /// Its XPath.
    pub xpath: String,
    /// Its value (100 characters at most).
    pub value: String,
}

impl<'input> Tree<'input> {
    /// Parse `text`; DTDs are refused by the parser (no entity expansion).
    pub fn parse(text: &'input str) -> Result<Tree<'input>> {
        let doc = Document::parse(text)
            .map_err(|e| Error::validation("file", format!("is not well-formed XML: {e}")))?;
        Ok(Tree {
            doc,
            read: RefCell::new(HashSet::new()),
        })
    }

    /// The root element.
    pub fn root(&self) -> El<'_, 'input> {
        El {
            tree: self,
            node: self.doc.root_element(),
        }
    }

    fn mark(&self, node: Node<'_, '_>, attribute: Option<&str>) {
        self.read
            .borrow_mut()
            .insert((node.id().get_usize(), attribute.map(str::to_string)));
    }

    fn is_read(&self, node: Node<'_, '_>, attribute: Option<&str>) -> bool {
        self.read
            .borrow()
            .contains(&(node.id().get_usize(), attribute.map(str::to_string)))
    }

    /// The element texts and attributes not read, in document order: the first
    /// [`MAX_UNREAD`], then one entry that counts the rest (a file of a million unknown
    /// elements costs one pass, not a million XPaths).
    pub fn unread(&self) -> Vec<Unread> {
        let mut out = Vec::new();
        let mut more = 0usize;
        let mut report = |out: &mut Vec<Unread>, entry: &dyn Fn() -> Unread| {
            if out.len() < MAX_UNREAD {
                out.push(entry());
            } else {
                more += 1;
            }
        };
        for node in self
            .doc
            .root_element()
            .descendants()
            .filter(Node::is_element)
        {
            let text = own_text(node);
            if let Some(text) = &text
                && !self.is_read(node, None)
            {
                report(&mut out, &|| Unread {
                    xpath: xpath(node),
                    value: shorten(text),
                });
            }
            for attribute in node.attributes() {
                if attribute.namespace().is_some() || self.is_read(node, Some(attribute.name())) {
                    continue;
                }
                // An attribute of an element that was not read is reported with the element.
                if text.is_some() && !self.is_read(node, None) {
                    continue;
                }
                report(&mut out, &|| Unread {
                    xpath: format!("{}/@{}", xpath(node), attribute.name()),
                    value: shorten(attribute.value()),
                });
            }
        }
        if more > 0 {
            out.push(Unread {
                xpath: "…".into(),
                value: format!("{more} more element(s) and attribute(s) not read"),
            });
        }
        out
    }
}

impl<'t, 'input> El<'t, 'input> {
    /// The element's local name.
    pub fn name(&self) -> &str {
        self.node.tag_name().name()
    }

    /// The XPath of this element.
    pub fn xpath(&self) -> String {
        xpath(self.node)
    }

    /// The child elements named `name` (local name, any namespace prefix: `cbc:ID` and `ID`
    /// are the same).
    pub fn all(&self, name: &str) -> Vec<El<'t, 'input>> {
        let local = local(name);
        self.node
            .children()
            .filter(|n| n.is_element() && n.tag_name().name() == local)
            .map(|node| El {
                tree: self.tree,
                node,
            })
            .collect()
    }

    /// The first element at `path` (`cac:Party/cac:PartyName`).
    pub fn at(&self, path: &str) -> Option<El<'t, 'input>> {
        let mut here = *self;
        for step in path.split('/') {
            here = here.all(step).into_iter().next()?;
        }
        Some(here)
    }

    /// Every element at `path`: the last step's matches under every match of the others.
    pub fn every(&self, path: &str) -> Vec<El<'t, 'input>> {
        let mut here = vec![*self];
        for step in path.split('/') {
            here = here.iter().flat_map(|e| e.all(step)).collect();
        }
        here
    }

    /// The element's own text, marked as read; None when it has none.
    pub fn text(&self) -> Option<String> {
        self.tree.mark(self.node, None);
        own_text(self.node)
    }

    /// The text at `path`, marked as read.
    pub fn get(&self, path: &str) -> Option<String> {
        self.at(path).and_then(|e| e.text())
    }

    /// Take back the mark of this element's text: a value read but not carried after all (a
    /// term whose partner is missing) is reported like any other.
    pub fn put_back(&self) {
        self.tree
            .read
            .borrow_mut()
            .remove(&(self.node.id().get_usize(), None));
    }

    /// An attribute, marked as read.
    pub fn attr(&self, name: &str) -> Option<String> {
        self.tree.mark(self.node, Some(name));
        self.node.attribute(name).map(str::to_string)
    }

    /// Mark this element's text and attributes and everything below as read: parts the
    /// export writes from other terms (the format's guideline id, computed totals that are
    /// checked instead).
    pub fn skip(&self) {
        for node in self.node.descendants().filter(Node::is_element) {
            self.tree.mark(node, None);
            for attribute in node.attributes() {
                self.tree.mark(node, Some(attribute.name()));
            }
        }
    }

    /// A decimal at `path`.
    pub fn decimal(&self, path: &str) -> Result<Option<Decimal>> {
        let Some(el) = self.at(path) else {
            return Ok(None);
        };
        el.attr("currencyID");
        el.decimal_text()
    }

    /// This element's text as a decimal.
    pub fn decimal_text(&self) -> Result<Option<Decimal>> {
        let Some(text) = self.text() else {
            return Ok(None);
        };
        text.trim()
            .parse::<Decimal>()
            .map(Some)
            .map_err(|_| self.invalid(&text, "a decimal number"))
    }

    /// A date at `path`: `YYYY-MM-DD` (UBL) or, inside a `DateTimeString` / `DateString`
    /// with format 102, `YYYYMMDD` (CII).
    pub fn date(&self, path: &str) -> Result<Option<NaiveDate>> {
        let Some(el) = self.at(path) else {
            return Ok(None);
        };
        let inner = el
            .all("DateTimeString")
            .into_iter()
            .chain(el.all("DateString"))
            .next();
        let (el, pattern) = match inner {
            Some(inner) => {
                let format = inner.attr("format");
                if format.as_deref().is_some_and(|f| f != "102") {
                    return Err(
                        inner.invalid(&format.unwrap_or_default(), "date format 102 (YYYYMMDD)")
                    );
                }
                (inner, "%Y%m%d")
            }
            None => (el, "%Y-%m-%d"),
        };
        let Some(text) = el.text() else {
            return Ok(None);
        };
        NaiveDate::parse_from_str(text.trim(), pattern)
            .map(Some)
            .map_err(|_| el.invalid(&text, "a date"))
    }

    /// The error for a value that is not what its element must hold.
    pub fn invalid(&self, value: &str, wanted: &str) -> Error {
        Error::validation(
            "file",
            format!(
                "{} holds '{}', which is not {wanted}",
                self.xpath(),
                shorten(value)
            ),
        )
    }
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// The text directly inside an element (not its children's), or None when blank.
fn own_text(node: Node<'_, '_>) -> Option<String> {
    let text: String = node
        .children()
        .filter(Node::is_text)
        .filter_map(|n| n.text())
        .collect();
    (!text.trim().is_empty()).then_some(text)
}

fn shorten(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= 100 {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(100).collect::<String>())
    }
}

/// `/Invoice/cac:InvoiceLine[2]/cbc:Note`: the conventional prefix of each namespace, and a
/// position where an element has siblings of its name.
fn xpath(node: Node<'_, '_>) -> String {
    let mut steps = Vec::new();
    let mut here = Some(node);
    while let Some(n) = here.filter(Node::is_element) {
        let name = n.tag_name().name();
        let prefix = n.tag_name().namespace().and_then(prefix_of);
        let mut step = match prefix {
            Some(prefix) => format!("{prefix}:{name}"),
            None => name.to_string(),
        };
        let same = |s: &Node<'_, '_>| s.is_element() && s.tag_name() == n.tag_name();
        let parent = n.parent();
        let count = parent.map_or(1, |p| p.children().filter(same).count());
        if count > 1 {
            let position = n.prev_siblings().filter(same).count();
            step.push_str(&format!("[{position}]"));
        }
        steps.push(step);
        here = parent;
    }
    steps.reverse();
    format!("/{}", steps.join("/"))
}

/// The prefix the EN 16931 documents use for a namespace; none for UBL's document namespaces.
fn prefix_of(namespace: &str) -> Option<&'static str> {
    Some(match namespace {
        n if n.ends_with(":CommonBasicComponents-2") => "cbc",
        n if n.ends_with(":CommonAggregateComponents-2") => "cac",
        n if n.ends_with(":CommonExtensionComponents-2") => "ext",
        n if n.ends_with(":CrossIndustryInvoice:100") => "rsm",
        n if n.ends_with(":ReusableAggregateBusinessInformationEntity:100") => "ram",
        n if n.ends_with(":QualifiedDataType:100") => "qdt",
        n if n.ends_with(":UnqualifiedDataType:100") => "udt",
        _ => return None,
    })
}
