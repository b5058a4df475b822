//! `XmlElement`: a tiny structured XML writer. Text and attribute values are escaped when the
//! document is written, so no lab value can change the document's structure, and the
//! document is always well-formed XML 1.0: a character XML 1.0 cannot carry at all (a C0
//! control other than tab, newline and carriage return; U+FFFE, U+FFFF) is written as
//! U+FFFD, and the ones a parser would normalise away (CR anywhere, tab and newline in
//! attribute values) as character references. The resolver refuses control characters in
//! lab values before anything is written (`control-character`): this is the backstop.
//! Writing only: vlab never parses its own XML back through this type.

use std::fmt::Write;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlElement {
    name: String,
    attributes: Vec<(String, String)>,
    children: Vec<XmlNode>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum XmlNode {
    Element(XmlElement),
    Text(String),
}

impl XmlElement {
    pub fn new(name: &str) -> XmlElement {
        XmlElement {
            name: name.to_string(),
            attributes: Vec::new(),
            children: Vec::new(),
        }
    }

    pub fn attr(mut self, name: &str, value: impl ToString) -> XmlElement {
        self.attributes.push((name.to_string(), value.to_string()));
        self
    }

    pub fn child(mut self, child: XmlElement) -> XmlElement {
        self.children.push(XmlNode::Element(child));
        self
    }

    /// Adds `child` when there is one.
    pub fn maybe(self, child: Option<XmlElement>) -> XmlElement {
        match child {
            Some(child) => self.child(child),
            None => self,
        }
    }

    pub fn children(mut self, children: impl IntoIterator<Item = XmlElement>) -> XmlElement {
        self.children
            .extend(children.into_iter().map(XmlNode::Element));
        self
    }

    pub fn text(mut self, text: impl ToString) -> XmlElement {
        self.children.push(XmlNode::Text(text.to_string()));
        self
    }

    /// `<name>text</name>`.
    pub fn leaf(name: &str, text: impl ToString) -> XmlElement {
        XmlElement::new(name).text(text)
    }

    /// The document, indented by two spaces, ending with a newline.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, 0);
        out
    }

    fn write(&self, out: &mut String, depth: usize) {
        let indent = "  ".repeat(depth);
        let _ = write!(out, "{indent}<{}", self.name);
        for (name, value) in &self.attributes {
            let _ = write!(out, " {name}='{}'", escape(value, Context::Attribute));
        }
        match self.children.as_slice() {
            [] => out.push_str("/>\n"),
            [XmlNode::Text(text)] => {
                let _ = writeln!(out, ">{}</{}>", escape(text, Context::Text), self.name);
            }
            children => {
                out.push_str(">\n");
                for child in children {
                    match child {
                        XmlNode::Element(e) => e.write(out, depth + 1),
                        XmlNode::Text(t) => {
                            let _ = writeln!(out, "{indent}  {}", escape(t, Context::Text));
                        }
                    }
                }
                let _ = writeln!(out, "{indent}</{}>", self.name);
            }
        }
    }
}

/// Where a value is written: attribute values also keep their tabs and newlines as
/// character references, since a parser turns them into spaces.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Text,
    Attribute,
}

fn escape(text: &str, context: Context) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&apos;"),
            '"' => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            '\t' if context == Context::Attribute => out.push_str("&#9;"),
            '\n' if context == Context::Attribute => out.push_str("&#10;"),
            c if !allowed_in_xml(c) => out.push(char::REPLACEMENT_CHARACTER),
            c => out.push(c),
        }
    }
    out
}

/// XML 1.0's `Char` production (surrogates cannot occur in a Rust `str`).
fn allowed_in_xml(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_nested_elements_with_escaping() {
        let xml = XmlElement::new("domain")
            .attr("type", "kvm")
            .child(XmlElement::leaf("name", "a<b>&'c'"))
            .child(XmlElement::new("devices").child(XmlElement::new("disk").attr("x", "\"q\"")))
            .render();
        assert_eq!(
            xml,
            "<domain type='kvm'>\n  <name>a&lt;b&gt;&amp;&apos;c&apos;</name>\n  <devices>\n    <disk x='&quot;q&quot;'/>\n  </devices>\n</domain>\n"
        );
    }

    /// Every character a lab value could smuggle in, as text and as an attribute value: the
    /// document must parse, and what a parser reads back must be the value, with only the
    /// characters XML cannot carry replaced.
    #[test]
    fn every_control_character_yields_well_formed_xml() {
        let mut specials: Vec<char> = (0u32..0x20)
            .chain([0x7f])
            .chain(0x80..=0x9f)
            .filter_map(char::from_u32)
            .collect();
        specials.extend(['\u{FFFE}', '\u{FFFF}', '\u{FFFD}', '\u{10FFFF}']);
        for c in specials {
            let value = format!("a{c}b");
            let xml = XmlElement::new("domain")
                .attr("v", &value)
                .child(XmlElement::leaf("cmdline", &value))
                .child(
                    XmlElement::new("x")
                        .text(&value)
                        .child(XmlElement::new("y")),
                )
                .render();
            let document = roxmltree::Document::parse(&xml)
                .unwrap_or_else(|e| panic!("U+{:04X}: {e}\n{xml:?}", u32::from(c)));
            let expected = if allowed_in_xml(c) {
                value.clone()
            } else {
                "a\u{FFFD}b".to_string()
            };
            let root = document.root_element();
            assert_eq!(
                root.attribute("v"),
                Some(expected.as_str()),
                "U+{:04X}",
                u32::from(c)
            );
            let cmdline = root.first_element_child().expect("cmdline");
            assert_eq!(
                cmdline.text(),
                Some(expected.as_str()),
                "U+{:04X}",
                u32::from(c)
            );
        }
    }
}
