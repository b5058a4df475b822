//! `XmlElement`: a tiny structured XML writer. Text and attribute values are escaped when the
//! document is written, so no lab value can change the document's structure. Writing only:
//! vlab never parses its own XML back through this type.

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
            let _ = write!(out, " {name}='{}'", escape(value));
        }
        match self.children.as_slice() {
            [] => out.push_str("/>\n"),
            [XmlNode::Text(text)] => {
                let _ = writeln!(out, ">{}</{}>", escape(text), self.name);
            }
            children => {
                out.push_str(">\n");
                for child in children {
                    match child {
                        XmlNode::Element(e) => e.write(out, depth + 1),
                        XmlNode::Text(t) => {
                            let _ = writeln!(out, "{indent}  {}", escape(t));
                        }
                    }
                }
                let _ = writeln!(out, "{indent}</{}>", self.name);
            }
        }
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&apos;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
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
}
