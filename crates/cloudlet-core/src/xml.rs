//! A tiny XML writer for the responses of the XML protocols (S3's REST-XML, IAM's and
//! STS's query protocol). Parsing of request XML lives with the services (quick-xml).

/// Escapes text for use in XML content or attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

/// Appends `s` to `out`, escaped as [`escape`] does; text with nothing to escape (most of
/// it) is copied in one piece.
pub fn escape_into(out: &mut String, s: &str) {
    let special = |b: u8| matches!(b, b'<' | b'>' | b'&' | b'"' | b'\'' | b'\r');
    let mut rest = s;
    while let Some(i) = rest.bytes().position(special) {
        out.push_str(&rest[..i]);
        out.push_str(match rest.as_bytes()[i] {
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'&' => "&amp;",
            b'"' => "&quot;",
            b'\'' => "&apos;",
            _ => "&#13;",
        });
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
}

/// Builds an XML document element by element.
#[derive(Default)]
pub struct XmlWriter {
    out: String,
    stack: Vec<&'static str>,
}

impl XmlWriter {
    /// Starts a document with the XML declaration.
    pub fn new() -> XmlWriter {
        XmlWriter {
            out: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n".into(),
            stack: Vec::new(),
        }
    }
    /// Opens `<tag xmlns="…">`.
    pub fn open_ns(&mut self, tag: &'static str, xmlns: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push_str(" xmlns=\"");
        escape_into(&mut self.out, xmlns);
        self.out.push_str("\">");
        self.stack.push(tag);
        self
    }
    /// Opens `<tag>`.
    pub fn open(&mut self, tag: &'static str) -> &mut Self {
        self.start_tag(tag);
        self.stack.push(tag);
        self
    }
    /// Closes the innermost open element.
    pub fn close(&mut self) -> &mut Self {
        if let Some(tag) = self.stack.pop() {
            self.end_tag(tag);
        }
        self
    }
    /// Writes `<tag>text</tag>`.
    pub fn elem(&mut self, tag: &str, text: &str) -> &mut Self {
        self.start_tag(tag);
        escape_into(&mut self.out, text);
        self.end_tag(tag);
        self
    }
    fn start_tag(&mut self, tag: &str) {
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push('>');
    }
    fn end_tag(&mut self, tag: &str) {
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
    }
    /// Writes `<tag>text</tag>` when `text` is present.
    pub fn opt(&mut self, tag: &str, text: Option<&str>) -> &mut Self {
        if let Some(t) = text {
            self.elem(tag, t);
        }
        self
    }
    /// Writes `xml`, a well-formed fragment with its text already escaped, as it is.
    pub fn raw(&mut self, xml: &str) -> &mut Self {
        self.out.push_str(xml);
        self
    }
    /// Closes every open element and returns the document.
    pub fn finish(mut self) -> String {
        while !self.stack.is_empty() {
            self.close();
        }
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_xml_text_must_not_hold() {
        for (text, want) in [
            ("", ""),
            ("plain/key-1.txt", "plain/key-1.txt"),
            ("<", "&lt;"),
            ("a<b>c", "a&lt;b&gt;c"),
            ("&&", "&amp;&amp;"),
            ("\"q\" 'a'", "&quot;q&quot; &apos;a&apos;"),
            ("line\r\nnext", "line&#13;\nnext"),
            ("é<ü>\u{1F600}&", "é&lt;ü&gt;\u{1F600}&amp;"),
        ] {
            assert_eq!(escape(text), want, "{text:?}");
            let mut out = String::from("x");
            escape_into(&mut out, text);
            assert_eq!(out, format!("x{want}"), "{text:?}");
        }
    }

    #[test]
    fn writes_nested_escaped() {
        let mut w = XmlWriter::new();
        w.open_ns("A", "urn:x")
            .elem("B", "1 < 2 & 'q'")
            .open("C")
            .opt("D", None)
            .opt("E", Some("e"));
        assert_eq!(
            w.finish(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<A xmlns=\"urn:x\"><B>1 &lt; 2 &amp; &apos;q&apos;</B><C><E>e</E></C></A>"
        );
    }
}
