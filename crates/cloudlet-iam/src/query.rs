//! The AWS query protocol as IAM and STS speak it: request parameters from a form-encoded
//! body and/or the URL query string, and the XML response envelope
//! (`<{Op}Response xmlns=…><{Op}Result>…</{Op}Result><ResponseMetadata>…`).
//!
//! It knows no operation; `protocol` reads the parameters, `ops` fills the result.

use cloudlet_core::xml::escape;
use std::collections::HashMap;

/// The decoded parameters of one request (first value wins for a repeated name).
#[derive(Debug, Default)]
pub struct Params(HashMap<String, String>);

impl Params {
    /// Parameters from a URL query string and a form body (the body wins on conflicts).
    pub fn parse(query: Option<&str>, body: &[u8]) -> Params {
        let mut map = HashMap::new();
        let body = String::from_utf8_lossy(body);
        for source in [query.unwrap_or(""), &body] {
            for pair in source.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                map.insert(decode(k), decode(v));
            }
        }
        Params(map)
    }

    /// The value of `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// `Prefix.member.1`, `Prefix.member.2`, … until the first gap.
    pub fn members(&self, prefix: &str) -> Vec<String> {
        (1..)
            .map_while(|i| {
                self.get(&format!("{prefix}.member.{i}"))
                    .map(str::to_string)
            })
            .collect()
    }

    /// `Prefix.member.N.Key` / `.Value` pairs until the first gap.
    pub fn tags(&self, prefix: &str) -> Vec<(String, Option<String>)> {
        (1..)
            .map_while(|i| {
                let key = self.get(&format!("{prefix}.member.{i}.Key"))?;
                let value = self.get(&format!("{prefix}.member.{i}.Value"));
                Some((key.to_string(), value.map(str::to_string)))
            })
            .collect()
    }
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(&s.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// The inside of a `…Result` element, built element by element.
#[derive(Default)]
pub struct Xml {
    out: String,
    stack: Vec<String>,
}

impl Xml {
    pub fn new() -> Xml {
        Xml::default()
    }
    /// Opens `<tag>`.
    pub fn open(&mut self, tag: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push('>');
        self.stack.push(tag.to_string());
        self
    }
    /// Closes the innermost open element.
    pub fn close(&mut self) -> &mut Self {
        if let Some(tag) = self.stack.pop() {
            self.out.push_str("</");
            self.out.push_str(&tag);
            self.out.push('>');
        }
        self
    }
    /// `<tag>text</tag>`.
    pub fn elem(&mut self, tag: &str, text: &str) -> &mut Self {
        self.out
            .push_str(&format!("<{tag}>{}</{tag}>", escape(text)));
        self
    }
    /// `<tag>text</tag>` when `text` is present.
    pub fn opt(&mut self, tag: &str, text: Option<&str>) -> &mut Self {
        if let Some(t) = text {
            self.elem(tag, t);
        }
        self
    }
    /// An empty element `<tag/>`.
    pub fn empty(&mut self, tag: &str) -> &mut Self {
        self.out.push_str(&format!("<{tag}/>"));
        self
    }
    /// The elements written so far, with every open element closed.
    pub fn finish(mut self) -> String {
        while !self.stack.is_empty() {
            self.close();
        }
        self.out
    }
}

/// The whole response document of operation `op`; `result` is `None` for operations whose
/// response carries only metadata (`DeleteRole`, `TagRole`, …).
pub fn envelope(op: &str, xmlns: &str, result: Option<String>, request_id: &str) -> String {
    let mut s = format!("<{op}Response xmlns=\"{xmlns}\">\n");
    if let Some(r) = result {
        s.push_str(&format!("  <{op}Result>{r}</{op}Result>\n"));
    }
    s.push_str(&format!(
        "  <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n  </ResponseMetadata>\n</{op}Response>\n"
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_query_and_body() {
        let p = Params::parse(
            Some("Action=GetRole&RoleName=a"),
            b"RoleName=b%2Bc+d&Tags.member.1.Key=k&Tags.member.1.Value=v&Tags.member.2.Key=k2&TagKeys.member.1=x&TagKeys.member.3=z",
        );
        assert_eq!(p.get("Action"), Some("GetRole"));
        assert_eq!(p.get("RoleName"), Some("b+c d"));
        assert_eq!(
            p.tags("Tags"),
            vec![
                ("k".to_string(), Some("v".to_string())),
                ("k2".to_string(), None)
            ]
        );
        assert_eq!(p.members("TagKeys"), vec!["x".to_string()]);
    }

    #[test]
    fn envelope_with_and_without_result() {
        let mut x = Xml::new();
        x.open("Role").elem("RoleName", "a&b");
        let s = envelope("GetRole", "urn:x", Some(x.finish()), "rid");
        assert_eq!(
            s,
            "<GetRoleResponse xmlns=\"urn:x\">\n  <GetRoleResult><Role><RoleName>a&amp;b</RoleName></Role></GetRoleResult>\n  <ResponseMetadata>\n    <RequestId>rid</RequestId>\n  </ResponseMetadata>\n</GetRoleResponse>\n"
        );
        assert!(!envelope("DeleteRole", "urn:x", None, "rid").contains("DeleteRoleResult"));
    }
}
