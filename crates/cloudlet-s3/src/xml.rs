//! Request XML (CreateBucketConfiguration, PublicAccessBlockConfiguration,
//! WebsiteConfiguration, …) parsed into a small element tree. Malformed or absurdly deep
//! documents are refused (the caller turns that into `MalformedXML`).

use quick_xml::Reader;
use quick_xml::events::Event;

/// Deepest nesting accepted.
const MAX_DEPTH: usize = 32;

/// One element: local name, attributes (by local name, values as written), concatenated
/// text, children in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }
    /// The value of attribute `name` (local name, e.g. `type` for `xsi:type`).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    /// The trimmed text of child `name`.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }
}

fn attributes(e: &quick_xml::events::BytesStart<'_>) -> Option<Vec<(String, String)>> {
    e.attributes()
        .map(|a| {
            let a = a.ok()?;
            Some((a.key.local_name().as_ref().to_string(), a.value.to_string()))
        })
        .collect()
}

/// Parses a document into its root element; `None` when it is not well-formed.
pub fn parse(doc: &str) -> Option<Element> {
    let mut reader = Reader::from_str(doc);
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) => {
                if stack.len() >= MAX_DEPTH || root.is_some() {
                    return None;
                }
                stack.push(Element {
                    name: e.local_name().as_ref().to_string(),
                    attrs: attributes(&e)?,
                    ..Element::default()
                });
            }
            Event::Empty(e) => {
                let el = Element {
                    name: e.local_name().as_ref().to_string(),
                    attrs: attributes(&e)?,
                    ..Element::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None if root.is_none() => root = Some(el),
                    None => return None,
                }
            }
            Event::End(_) => {
                let el = stack.pop()?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.into_inner());
                } else if !t.into_inner().trim().is_empty() {
                    return None;
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.into_inner());
                }
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().ok()? {
                    Some(c) => c,
                    None => match r.into_inner().as_ref() {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "quot" => '"',
                        "apos" => '\'',
                        _ => return None,
                    },
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return None;
    }
    root
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(doc: &str, expected: Option<(&str, Vec<(&str, &str)>)>) {
        let got = parse(doc).map(|root| {
            let kids: Vec<(String, String)> = root
                .children
                .iter()
                .map(|c| (c.name.clone(), c.text.clone()))
                .collect();
            (root.name, kids)
        });
        let expected = expected.map(|(n, kids)| {
            (
                n.to_string(),
                kids.into_iter()
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .collect::<Vec<_>>(),
            )
        });
        assert_eq!(got, expected, "{doc}");
    }

    #[test]
    fn documents() {
        check(
            r#"<?xml version="1.0"?><CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>ap-northeast-2</LocationConstraint></CreateBucketConfiguration>"#,
            Some((
                "CreateBucketConfiguration",
                vec![("LocationConstraint", "ap-northeast-2")],
            )),
        );
        check(
            "<A><B>x &amp; y&#33;</B><C/></A>",
            Some(("A", vec![("B", "x & y!"), ("C", "")])),
        );
        check("<A><B></A>", None);
        check("<A>", None);
        check("<A/><B/>", None);
        check("text", None);
        check("", None);
        check("<A>&bogus;</A>", None);
        let root = parse(r#"<A xmlns:xsi="x"><G xsi:type="Group"/></A>"#).unwrap();
        assert_eq!(root.children[0].attr("type"), Some("Group"));
        assert_eq!(parse("<A b=1/>"), None);
    }
}
