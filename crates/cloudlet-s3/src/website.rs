//! The bucket website configuration: its stored form, parsing `PutBucketWebsite` XML with
//! S3's validation, rendering `GetBucketWebsite`, and routing-rule matching. Serving the
//! website endpoint is in `site.rs`.

use cloudlet_core::xml::XmlWriter;
use serde::{Deserialize, Serialize};

use crate::error::S3Error;
use crate::xml::Element;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redirect {
    pub host_name: Option<String>,
    pub protocol: Option<String>,
    pub http_redirect_code: Option<String>,
    pub replace_key_prefix_with: Option<String>,
    pub replace_key_with: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingRule {
    pub key_prefix_equals: Option<String>,
    pub http_error_code_returned_equals: Option<String>,
    pub redirect: Redirect,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Website {
    pub index_suffix: Option<String>,
    pub error_key: Option<String>,
    /// `RedirectAllRequestsTo`: host name and optional protocol.
    pub redirect_all: Option<(String, Option<String>)>,
    pub routing_rules: Vec<RoutingRule>,
}

use crate::error::invalid_argument;

/// Most routing rules one configuration may hold.
pub const MAX_ROUTING_RULES: usize = 50;

const PROTOCOL: &str = "Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically.";

fn protocol(value: Option<&str>) -> Result<Option<String>, S3Error> {
    match value {
        None => Ok(None),
        Some(p @ ("http" | "https")) => Ok(Some(p.to_string())),
        Some(_) => Err(S3Error::InvalidRequest(PROTOCOL.into())),
    }
}

/// An `HttpRedirectCode` (`redirect`) or `HttpErrorCodeReturnedEquals` value: a number (else
/// the document does not validate) that is an assigned 3XX other than 300, or a 4XX or 5XX.
fn status_code(value: &str, redirect: bool) -> Result<(), S3Error> {
    let code: u16 = value.parse().map_err(|_| S3Error::MalformedXml)?;
    let valid = if redirect {
        matches!(code, 301..=305 | 307 | 308)
    } else {
        (400..600).contains(&code)
    };
    if valid {
        return Ok(());
    }
    Err(S3Error::InvalidRequest(if redirect {
        format!(
            "The provided HTTP redirect code ({code}) is not valid. Valid codes are 3XX except 300."
        )
    } else {
        format!("The provided HTTP error code ({code}) is not valid. Valid codes are 4XX or 5XX.")
    }))
}

fn routing_rule(r: &Element) -> Result<RoutingRule, S3Error> {
    let text = |e: &Element, n: &str| e.child_text(n).map(str::to_string);
    let (mut key_prefix_equals, mut http_error_code_returned_equals) = (None, None);
    if let Some(c) = r.child("Condition") {
        key_prefix_equals = text(c, "KeyPrefixEquals");
        http_error_code_returned_equals = text(c, "HttpErrorCodeReturnedEquals");
        if key_prefix_equals.is_none() && http_error_code_returned_equals.is_none() {
            return Err(S3Error::InvalidRequest(
                "Condition cannot be empty. To redirect all requests without a condition, the condition element shouldn't be present.".into(),
            ));
        }
    }
    let red = r.child("Redirect").ok_or(S3Error::MalformedXml)?;
    let redirect = Redirect {
        host_name: text(red, "HostName"),
        protocol: protocol(red.child_text("Protocol"))?,
        http_redirect_code: text(red, "HttpRedirectCode"),
        replace_key_prefix_with: text(red, "ReplaceKeyPrefixWith"),
        replace_key_with: text(red, "ReplaceKeyWith"),
    };
    if let Some(code) = &redirect.http_redirect_code {
        status_code(code, true)?;
    }
    if redirect.replace_key_prefix_with.is_some() && redirect.replace_key_with.is_some() {
        return Err(S3Error::InvalidRequest(
            "You can only define ReplaceKeyPrefix or ReplaceKey but not both.".into(),
        ));
    }
    if let Some(code) = &http_error_code_returned_equals {
        status_code(code, false)?;
    }
    Ok(RoutingRule {
        key_prefix_equals,
        http_error_code_returned_equals,
        redirect,
    })
}

impl Website {
    /// Parses and validates a `WebsiteConfiguration` document, in S3's order:
    /// `RedirectAllRequestsTo` stands alone, then the index document, the error document and
    /// each routing rule.
    pub fn from_xml(root: &Element) -> Result<Website, S3Error> {
        if root.name != "WebsiteConfiguration" {
            return Err(S3Error::MalformedXml);
        }
        let mut w = Website::default();
        if let Some(all) = root.child("RedirectAllRequestsTo") {
            if ["IndexDocument", "ErrorDocument", "RoutingRules"]
                .iter()
                .any(|n| root.child(n).is_some())
            {
                return Err(invalid_argument(
                    "RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.",
                    "RedirectAllRequestsTo",
                    "not null",
                ));
            }
            let host = all.child_text("HostName").ok_or(S3Error::MalformedXml)?;
            let protocol = protocol(all.child_text("Protocol"))?;
            w.redirect_all = Some((host.to_string(), protocol));
            return Ok(w);
        }
        let Some(idx) = root.child("IndexDocument") else {
            return Err(invalid_argument(
                "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty",
                "IndexDocument",
                "null",
            ));
        };
        let suffix = idx.child_text("Suffix").ok_or(S3Error::MalformedXml)?;
        if suffix.is_empty() || suffix.contains('/') {
            return Err(invalid_argument(
                "The IndexDocument Suffix is not well formed",
                "IndexDocument",
                suffix,
            ));
        }
        w.index_suffix = Some(suffix.to_string());
        if let Some(err) = root.child("ErrorDocument") {
            let key = err.child_text("Key").ok_or(S3Error::MalformedXml)?;
            if key.is_empty() {
                return Err(invalid_argument(
                    "The ErrorDocument Key is not well formed",
                    "ErrorDocument",
                    key,
                ));
            }
            w.error_key = Some(key.to_string());
        }
        if let Some(rules) = root.child("RoutingRules") {
            let rules: Vec<&Element> = rules.children_named("RoutingRule").collect();
            if rules.is_empty() {
                return Err(S3Error::MalformedXml);
            }
            if rules.len() > MAX_ROUTING_RULES {
                return Err(S3Error::InvalidRequest(format!(
                    "{} routing rules provided, the number of routing rules in a website configuration is limited to {MAX_ROUTING_RULES}.",
                    rules.len()
                )));
            }
            w.routing_rules = rules
                .into_iter()
                .map(routing_rule)
                .collect::<Result<_, _>>()?;
        }
        Ok(w)
    }

    /// The `GetBucketWebsite` document.
    pub fn to_xml(&self) -> String {
        let mut x = XmlWriter::new();
        x.open_ns("WebsiteConfiguration", crate::ops::XMLNS);
        if let Some((host, protocol)) = &self.redirect_all {
            x.open("RedirectAllRequestsTo")
                .elem("HostName", host)
                .opt("Protocol", protocol.as_deref())
                .close();
        }
        if let Some(s) = &self.index_suffix {
            x.open("IndexDocument").elem("Suffix", s).close();
        }
        if let Some(k) = &self.error_key {
            x.open("ErrorDocument").elem("Key", k).close();
        }
        if !self.routing_rules.is_empty() {
            x.open("RoutingRules");
            for r in &self.routing_rules {
                x.open("RoutingRule");
                if r.key_prefix_equals.is_some() || r.http_error_code_returned_equals.is_some() {
                    x.open("Condition")
                        .opt(
                            "HttpErrorCodeReturnedEquals",
                            r.http_error_code_returned_equals.as_deref(),
                        )
                        .opt("KeyPrefixEquals", r.key_prefix_equals.as_deref())
                        .close();
                }
                let d = &r.redirect;
                x.open("Redirect")
                    .opt("HostName", d.host_name.as_deref())
                    .opt("HttpRedirectCode", d.http_redirect_code.as_deref())
                    .opt("Protocol", d.protocol.as_deref())
                    .opt("ReplaceKeyPrefixWith", d.replace_key_prefix_with.as_deref())
                    .opt("ReplaceKeyWith", d.replace_key_with.as_deref())
                    .close();
                x.close();
            }
            x.close();
        }
        x.finish()
    }

    /// The first routing rule matching `key` before the lookup (no error code in its
    /// condition), or after a lookup that failed with `status`.
    pub fn rule_for(&self, key: &str, status: Option<u16>) -> Option<&RoutingRule> {
        self.routing_rules.iter().find(|r| {
            let prefix_ok = r
                .key_prefix_equals
                .as_deref()
                .is_none_or(|p| key.starts_with(p));
            let code_ok = match (&r.http_error_code_returned_equals, status) {
                (None, None) => true,
                (Some(c), Some(s)) => c.trim().parse() == Ok(s),
                _ => false,
            };
            prefix_ok && code_ok
        })
    }
}

/// What a (decoded) key escapes in a `Location`: `%`, so the URL names the same key, and
/// control characters, which no header may carry (non-ASCII is escaped as UTF-8).
const LOCATION_ESCAPES: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS.add(b'%');

/// `key` as it goes into a redirect's `Location`.
pub fn location_path(key: &str) -> String {
    percent_encoding::utf8_percent_encode(key, LOCATION_ESCAPES).to_string()
}

impl RoutingRule {
    /// The `Location` a request for `key` on `host` is redirected to, and the status. The
    /// part of `key` kept in it is escaped by [`location_path`].
    pub fn location(&self, key: &str, host: &str) -> (u16, String) {
        let d = &self.redirect;
        let new_key = match (&d.replace_key_with, &d.replace_key_prefix_with) {
            (Some(k), _) => k.clone(),
            (None, Some(p)) => {
                let old = self.key_prefix_equals.as_deref().unwrap_or("");
                format!("{p}{}", location_path(key.strip_prefix(old).unwrap_or(key)))
            }
            (None, None) => location_path(key),
        };
        let status = d
            .http_redirect_code
            .as_deref()
            .and_then(|c| c.trim().parse().ok())
            .unwrap_or(301);
        let protocol = d.protocol.as_deref().unwrap_or("http");
        let host = d.host_name.as_deref().unwrap_or(host);
        (status, format!("{protocol}://{host}/{new_key}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudlet_core::AwsError;

    /// What S3 answers a configuration with: accepted, or (code, message).
    type Answer = Result<(), (String, String)>;

    fn check(body: &str) -> Answer {
        let doc = format!("<WebsiteConfiguration>{body}</WebsiteConfiguration>");
        let root = crate::xml::parse(&doc).expect("well-formed");
        Website::from_xml(&root).map(drop).map_err(|e| {
            let e = AwsError::from(e);
            (e.code.to_string(), e.message)
        })
    }

    #[test]
    fn configuration_checks() {
        const INDEX: &str = "<IndexDocument><Suffix>index.html</Suffix></IndexDocument>";
        let rule = |inner: &str| {
            format!("{INDEX}<RoutingRules><RoutingRule>{inner}</RoutingRule></RoutingRules>")
        };
        let redirect = |inner: &str| rule(&format!("<Redirect>{inner}</Redirect>"));
        let on_error = |code: &str| {
            rule(&format!(
                "<Condition><HttpErrorCodeReturnedEquals>{code}</HttpErrorCodeReturnedEquals></Condition>\
                 <Redirect><HostName>h</HostName></Redirect>"
            ))
        };
        let many = |n: usize| {
            let one = "<RoutingRule><Redirect><HostName>h</HostName></Redirect></RoutingRule>";
            format!("{INDEX}<RoutingRules>{}</RoutingRules>", one.repeat(n))
        };
        let bad = |code: &str, message: &str| Err((code.to_string(), message.to_string()));
        let protocol = bad("InvalidRequest", PROTOCOL);
        let malformed = bad(
            "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our published schema",
        );
        let cases: Vec<(String, Answer)> = vec![
            (INDEX.into(), Ok(())),
            ("<RedirectAllRequestsTo><HostName>h</HostName></RedirectAllRequestsTo>".into(), Ok(())),
            (
                "<RedirectAllRequestsTo><HostName>h</HostName><Protocol>https</Protocol></RedirectAllRequestsTo>".into(),
                Ok(()),
            ),
            (
                "<RedirectAllRequestsTo><HostName>h</HostName><Protocol>ftp</Protocol></RedirectAllRequestsTo>".into(),
                protocol.clone(),
            ),
            ("<RedirectAllRequestsTo><Protocol>http</Protocol></RedirectAllRequestsTo>".into(), malformed.clone()),
            (
                "<RedirectAllRequestsTo><HostName>h</HostName></RedirectAllRequestsTo>\
                 <IndexDocument><Suffix>a/b</Suffix></IndexDocument>"
                    .into(),
                bad("InvalidArgument", "RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules."),
            ),
            (
                "<ErrorDocument><Key>e.html</Key></ErrorDocument>".into(),
                bad("InvalidArgument", "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty"),
            ),
            ("<IndexDocument><Suffix></Suffix></IndexDocument>".into(), bad("InvalidArgument", "The IndexDocument Suffix is not well formed")),
            ("<IndexDocument><Suffix>a/b</Suffix></IndexDocument>".into(), bad("InvalidArgument", "The IndexDocument Suffix is not well formed")),
            ("<IndexDocument></IndexDocument>".into(), malformed.clone()),
            (format!("{INDEX}<ErrorDocument><Key></Key></ErrorDocument>"), bad("InvalidArgument", "The ErrorDocument Key is not well formed")),
            (format!("{INDEX}<RoutingRules></RoutingRules>"), malformed.clone()),
            (many(50), Ok(())),
            (
                many(51),
                bad("InvalidRequest", "51 routing rules provided, the number of routing rules in a website configuration is limited to 50."),
            ),
            (rule("<Condition><KeyPrefixEquals>a/</KeyPrefixEquals></Condition>"), malformed.clone()),
            (
                rule("<Condition></Condition><Redirect><HostName>h</HostName></Redirect>"),
                bad("InvalidRequest", "Condition cannot be empty. To redirect all requests without a condition, the condition element shouldn't be present."),
            ),
            (rule("<Condition><KeyPrefixEquals></KeyPrefixEquals></Condition><Redirect><HostName>h</HostName></Redirect>"), Ok(())),
            (redirect("<Protocol>https</Protocol>"), Ok(())),
            (redirect("<Protocol>HTTP</Protocol>"), protocol),
            (redirect("<ReplaceKeyPrefixWith></ReplaceKeyPrefixWith>"), Ok(())),
            (
                redirect("<ReplaceKeyPrefixWith>a</ReplaceKeyPrefixWith><ReplaceKeyWith>b</ReplaceKeyWith>"),
                bad("InvalidRequest", "You can only define ReplaceKeyPrefix or ReplaceKey but not both."),
            ),
            (redirect("<HttpRedirectCode>301</HttpRedirectCode>"), Ok(())),
            (redirect("<HttpRedirectCode>308</HttpRedirectCode>"), Ok(())),
            (
                redirect("<HttpRedirectCode>300</HttpRedirectCode>"),
                bad("InvalidRequest", "The provided HTTP redirect code (300) is not valid. Valid codes are 3XX except 300."),
            ),
            (
                redirect("<HttpRedirectCode>306</HttpRedirectCode>"),
                bad("InvalidRequest", "The provided HTTP redirect code (306) is not valid. Valid codes are 3XX except 300."),
            ),
            (
                redirect("<HttpRedirectCode>200</HttpRedirectCode>"),
                bad("InvalidRequest", "The provided HTTP redirect code (200) is not valid. Valid codes are 3XX except 300."),
            ),
            (redirect("<HttpRedirectCode>3o1</HttpRedirectCode>"), malformed.clone()),
            (on_error("404"), Ok(())),
            (on_error("599"), Ok(())),
            (
                on_error("399"),
                bad("InvalidRequest", "The provided HTTP error code (399) is not valid. Valid codes are 4XX or 5XX."),
            ),
            (on_error("-404"), malformed.clone()),
            (on_error(""), malformed),
        ];
        for (body, expected) in cases {
            assert_eq!(check(&body), expected, "{body}");
        }
    }

    #[test]
    fn rule_matching() {
        let rule = |prefix: Option<&str>, code: Option<&str>| RoutingRule {
            key_prefix_equals: prefix.map(str::to_string),
            http_error_code_returned_equals: code.map(str::to_string),
            redirect: Redirect::default(),
        };
        let w = Website {
            routing_rules: vec![
                rule(Some("both/"), Some("0404")),
                rule(Some("docs/"), None),
                rule(None, Some("403")),
            ],
            ..Default::default()
        };
        // (key, status after the lookup, the rule that applies)
        let cases = [
            ("docs/a", None, Some(1)),
            ("docs/a", Some(404), None),
            ("both/a", None, None),
            ("both/a", Some(404), Some(0)),
            ("both/a", Some(403), Some(2)),
            ("other", Some(403), Some(2)),
            ("other", None, None),
            ("", None, None),
        ];
        for (key, status, expected) in cases {
            let got = w
                .rule_for(key, status)
                .map(|r| w.routing_rules.iter().position(|x| x == r).unwrap());
            assert_eq!(got, expected, "{key} {status:?}");
        }
    }

    #[test]
    fn locations() {
        let rule = |prefix: Option<String>, d: Redirect| RoutingRule {
            key_prefix_equals: prefix,
            http_error_code_returned_equals: None,
            redirect: d,
        };
        let s = |v: &str| Some(v.to_string());
        let cases = [
            (
                rule(s("docs/"), Redirect::default()),
                "docs/a",
                (301, "http://here/docs/a"),
            ),
            (
                rule(s("docs/"), Redirect::default()),
                "docs/50% a\nb/é",
                (301, "http://here/docs/50%25 a%0Ab/%C3%A9"),
            ),
            (
                rule(
                    s("docs/"),
                    Redirect {
                        replace_key_prefix_with: s("new%/"),
                        ..Default::default()
                    },
                ),
                "docs/a%b",
                (301, "http://here/new%/a%25b"),
            ),
            (
                rule(
                    s("docs/"),
                    Redirect {
                        replace_key_prefix_with: s(""),
                        ..Default::default()
                    },
                ),
                "docs/a/b",
                (301, "http://here/a/b"),
            ),
            (
                rule(
                    None,
                    Redirect {
                        replace_key_prefix_with: s("new/"),
                        ..Default::default()
                    },
                ),
                "a",
                (301, "http://here/new/a"),
            ),
            (
                rule(
                    s("old"),
                    Redirect {
                        host_name: s("example.com"),
                        protocol: s("https"),
                        http_redirect_code: s("307"),
                        replace_key_with: s("x.html"),
                        ..Default::default()
                    },
                ),
                "old/y",
                (307, "https://example.com/x.html"),
            ),
        ];
        for (r, key, (status, location)) in cases {
            assert_eq!(
                r.location(key, "here"),
                (status, location.to_string()),
                "{key}"
            );
        }
    }
}
