//! CORS configuration: the `CORSConfiguration` document (parsed, validated as S3 does and
//! rendered back) and the pure evaluation of a request against its rules — preflight
//! (`OPTIONS` with `Access-Control-Request-Method`/`-Headers`) and actual requests carrying
//! an `Origin`. Knows nothing of HTTP bodies or the store.

use cloudlet_core::xml::XmlWriter;
use serde::{Deserialize, Serialize};

use crate::error::{S3Error, S3Result, invalid_argument};
use crate::ops::XMLNS;
use crate::xml::Element;

/// Methods a CORS rule may allow.
const METHODS: &[&str] = &["GET", "PUT", "HEAD", "POST", "DELETE"];
/// Most rules in one configuration.
const MAX_RULES: usize = 100;
/// Longest rule ID, in characters.
const MAX_ID: usize = 255;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorsRule {
    pub id: Option<String>,
    pub allowed_headers: Vec<String>,
    pub allowed_methods: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub expose_headers: Vec<String>,
    pub max_age_seconds: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorsConfiguration {
    pub rules: Vec<CorsRule>,
}

fn texts(e: &Element, name: &str) -> Vec<String> {
    e.children_named(name).map(|c| c.text.clone()).collect()
}

fn one_wildcard(kind: &str, values: &[String]) -> S3Result<()> {
    match values.iter().find(|v| v.matches('*').count() > 1) {
        Some(v) => Err(S3Error::InvalidRequest(format!(
            "{kind} \"{v}\" can not have more than one wildcard."
        ))),
        None => Ok(()),
    }
}

impl CorsConfiguration {
    pub fn from_xml(root: &Element) -> S3Result<CorsConfiguration> {
        if root.name != "CORSConfiguration" {
            return Err(S3Error::MalformedXml);
        }
        let mut rules = Vec::new();
        for r in root.children_named("CORSRule") {
            let rule = CorsRule {
                id: r.child("ID").map(|c| c.text.clone()),
                allowed_headers: texts(r, "AllowedHeader"),
                allowed_methods: texts(r, "AllowedMethod"),
                allowed_origins: texts(r, "AllowedOrigin"),
                expose_headers: texts(r, "ExposeHeader"),
                max_age_seconds: match r.child_text("MaxAgeSeconds") {
                    None => None,
                    Some(v) => Some(v.parse::<i64>().map_err(|_| S3Error::MalformedXml)?),
                },
            };
            if rule.allowed_methods.is_empty() || rule.allowed_origins.is_empty() {
                return Err(S3Error::MalformedXml);
            }
            if let Some(m) = rule
                .allowed_methods
                .iter()
                .find(|m| !METHODS.contains(&m.as_str()))
            {
                return Err(S3Error::InvalidRequest(format!(
                    "Found unsupported HTTP method in CORS config. Unsupported method is {m}"
                )));
            }
            one_wildcard("AllowedOrigin", &rule.allowed_origins)?;
            one_wildcard("AllowedHeader", &rule.allowed_headers)?;
            if let Some(h) = rule.expose_headers.iter().find(|h| h.contains('*')) {
                return Err(S3Error::InvalidRequest(format!(
                    "ExposeHeader \"{h}\" contains wildcard. We currently do not support wildcard for ExposeHeader."
                )));
            }
            if let Some(id) = rule.id.as_ref().filter(|id| id.chars().count() > MAX_ID) {
                return Err(invalid_argument(
                    "ID length should not exceed allowed limit of 255",
                    "ID",
                    id.clone(),
                ));
            }
            rules.push(rule);
        }
        if rules.is_empty() {
            return Err(S3Error::MalformedXml);
        }
        if rules.len() > MAX_RULES {
            return Err(S3Error::MalformedXml);
        }
        Ok(CorsConfiguration { rules })
    }

    pub fn to_xml(&self) -> String {
        let mut x = XmlWriter::new();
        x.open_ns("CORSConfiguration", XMLNS);
        for r in &self.rules {
            x.open("CORSRule").opt("ID", r.id.as_deref());
            for (tag, list) in [
                ("AllowedHeader", &r.allowed_headers),
                ("AllowedMethod", &r.allowed_methods),
                ("AllowedOrigin", &r.allowed_origins),
                ("ExposeHeader", &r.expose_headers),
            ] {
                for v in list {
                    x.elem(tag, v);
                }
            }
            x.opt(
                "MaxAgeSeconds",
                r.max_age_seconds.map(|s| s.to_string()).as_deref(),
            );
            x.close();
        }
        x.finish()
    }

    /// The first rule allowing `origin` to use `method` with request `headers`.
    pub fn find(&self, origin: &str, method: &str, headers: &[String]) -> Option<&CorsRule> {
        self.rules.iter().find(|r| {
            r.allowed_origins.iter().any(|o| wildcard(o, origin, false))
                && r.allowed_methods.iter().any(|m| m == method)
                && headers
                    .iter()
                    .all(|h| r.allowed_headers.iter().any(|a| wildcard(a, h, true)))
        })
    }
}

/// Matches `value` against `pattern` with at most one `*`, which stands for any run of
/// characters, none included (`http://*.example.com` matches `http://.example.com`, as on
/// S3); headers compare case-insensitively.
pub fn wildcard(pattern: &str, value: &str, ignore_case: bool) -> bool {
    let (p, v) = if ignore_case {
        (pattern.to_ascii_lowercase(), value.to_ascii_lowercase())
    } else {
        (pattern.to_string(), value.to_string())
    };
    match p.split_once('*') {
        None => p == v,
        Some((pre, post)) => {
            v.len() >= pre.len() + post.len() && v.starts_with(pre) && v.ends_with(post)
        }
    }
}

/// The headers S3 adds for a rule that matched `origin`: `Access-Control-Allow-Origin` is
/// `*` for a rule allowing any origin (then without credentials), else the origin itself.
pub fn response_headers(
    rule: &CorsRule,
    origin: &str,
    request_headers: &[String],
) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if rule.allowed_origins.iter().any(|o| o == "*") {
        out.push(("access-control-allow-origin", "*".to_string()));
    } else {
        out.push(("access-control-allow-origin", origin.to_string()));
        out.push(("access-control-allow-credentials", "true".to_string()));
    }
    out.push((
        "access-control-allow-methods",
        rule.allowed_methods.join(", "),
    ));
    if !request_headers.is_empty() {
        out.push(("access-control-allow-headers", request_headers.join(", ")));
    }
    if !rule.expose_headers.is_empty() {
        out.push((
            "access-control-expose-headers",
            rule.expose_headers.join(", "),
        ));
    }
    if let Some(age) = rule.max_age_seconds {
        out.push(("access-control-max-age", age.to_string()));
    }
    out.push((
        "vary",
        "Origin, Access-Control-Request-Headers, Access-Control-Request-Method".to_string(),
    ));
    out
}

/// `Access-Control-Request-Headers` split into lowercase names.
pub fn split_headers(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(doc: &str) -> Result<CorsConfiguration, String> {
        let root = crate::xml::parse(doc).ok_or("xml")?;
        CorsConfiguration::from_xml(&root).map_err(|e| format!("{e:?}"))
    }

    #[test]
    fn documents() {
        let ok = "<CORSConfiguration><CORSRule><ID>r1</ID><AllowedHeader>x-amz-*</AllowedHeader>\
                  <AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>\
                  <AllowedOrigin>https://*.example.com</AllowedOrigin><ExposeHeader>ETag</ExposeHeader>\
                  <MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>";
        let c = parse(ok).unwrap();
        assert_eq!(c.rules[0].allowed_methods, ["GET", "PUT"]);
        assert_eq!(parse(&c.to_xml()).unwrap(), c);
        let cases = [
            ("<CORSConfiguration/>", "MalformedXml"),
            (
                "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>",
                "MalformedXml",
            ),
            (
                "<CORSConfiguration><CORSRule><AllowedMethod>PATCH</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>",
                "InvalidRequest(\"Found unsupported HTTP method in CORS config. Unsupported method is PATCH\")",
            ),
            (
                "<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>http://*.*.com</AllowedOrigin></CORSRule></CORSConfiguration>",
                "InvalidRequest(\"AllowedOrigin \\\"http://*.*.com\\\" can not have more than one wildcard.\")",
            ),
            (
                "<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin><MaxAgeSeconds>x</MaxAgeSeconds></CORSRule></CORSConfiguration>",
                "MalformedXml",
            ),
            (
                "<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin><ExposeHeader>x-amz-*</ExposeHeader></CORSRule></CORSConfiguration>",
                "InvalidRequest(\"ExposeHeader \\\"x-amz-*\\\" contains wildcard. We currently do not support wildcard for ExposeHeader.\")",
            ),
            ("<Other/>", "MalformedXml"),
        ];
        for (doc, err) in cases {
            assert_eq!(parse(doc).unwrap_err(), err, "{doc}");
        }
        let rule = |id: &str| {
            format!(
                "<CORSConfiguration><CORSRule><ID>{id}</ID><AllowedMethod>GET</AllowedMethod>\
                 <AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>"
            )
        };
        assert!(parse(&rule(&"é".repeat(255))).is_ok());
        assert!(parse(&rule(&"a".repeat(256))).unwrap_err().starts_with(
            "InvalidArgument { message: \"ID length should not exceed allowed limit of 255\""
        ));
    }

    #[test]
    fn matching() {
        let rule = |origins: &[&str], methods: &[&str], headers: &[&str]| CorsRule {
            allowed_origins: origins.iter().map(|s| s.to_string()).collect(),
            allowed_methods: methods.iter().map(|s| s.to_string()).collect(),
            allowed_headers: headers.iter().map(|s| s.to_string()).collect(),
            ..CorsRule::default()
        };
        let c = CorsConfiguration {
            rules: vec![
                rule(&["https://*.example.com"], &["GET"], &["x-amz-*"]),
                rule(&["*"], &["PUT"], &[]),
            ],
        };
        let h = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let cases: &[(&str, &str, Vec<String>, Option<usize>)] = &[
            ("https://app.example.com", "GET", h(&[]), Some(0)),
            (
                "https://app.example.com",
                "GET",
                h(&["x-amz-date"]),
                Some(0),
            ),
            (
                "https://app.example.com",
                "GET",
                h(&["X-Amz-Date"]),
                Some(0),
            ),
            ("https://app.example.com", "GET", h(&["content-type"]), None),
            ("https://example.com", "GET", h(&[]), None),
            ("https://.example.com", "GET", h(&[]), Some(0)),
            ("https://app.EXAMPLE.com", "GET", h(&[]), None),
            ("http://other", "PUT", h(&[]), Some(1)),
            ("http://other", "PUT", h(&["content-type"]), None),
            ("http://other", "DELETE", h(&[]), None),
        ];
        for (origin, method, headers, expected) in cases {
            let got = c
                .find(origin, method, headers)
                .map(|r| c.rules.iter().position(|x| x == r).unwrap());
            assert_eq!(got, *expected, "{origin} {method} {headers:?}");
        }
        assert!(wildcard("*", "x", false));
        assert!(wildcard("http://*.a.com", "http://.a.com", false));
        assert!(wildcard("start*end", "startend", false));
        assert!(wildcard("prefix*", "prefix", false));
        assert!(!wildcard("start*end", "0start12end", false));
        assert!(!wildcard("*suffix", "foo.suffix.get", false));
        assert!(!wildcard("a*a", "a", false));
    }
}
