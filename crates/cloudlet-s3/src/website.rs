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

fn invalid(message: &str, name: &str, value: &str) -> S3Error {
    S3Error::InvalidArgument {
        message: message.to_string(),
        name: name.to_string(),
        value: value.to_string(),
    }
}

impl Website {
    /// Parses and validates a `WebsiteConfiguration` document.
    pub fn from_xml(root: &Element) -> Result<Website, S3Error> {
        if root.name != "WebsiteConfiguration" {
            return Err(S3Error::MalformedXml);
        }
        let mut w = Website::default();
        if let Some(idx) = root.child("IndexDocument") {
            let suffix = idx.child_text("Suffix").ok_or(S3Error::MalformedXml)?;
            if suffix.is_empty() || suffix.contains('/') {
                return Err(invalid(
                    "The IndexDocument Suffix is not well formed",
                    "IndexDocument",
                    suffix,
                ));
            }
            w.index_suffix = Some(suffix.to_string());
        }
        if let Some(err) = root.child("ErrorDocument") {
            let key = err.child_text("Key").ok_or(S3Error::MalformedXml)?;
            if key.is_empty() {
                return Err(invalid(
                    "The ErrorDocument Key is not well formed",
                    "ErrorDocument",
                    key,
                ));
            }
            w.error_key = Some(key.to_string());
        }
        if let Some(all) = root.child("RedirectAllRequestsTo") {
            let host = all.child_text("HostName").ok_or(S3Error::MalformedXml)?;
            let protocol = all.child_text("Protocol").map(str::to_string);
            if let Some(p) = &protocol
                && p != "http"
                && p != "https"
            {
                return Err(invalid(
                    "Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically.",
                    "RedirectAllRequestsTo",
                    p,
                ));
            }
            if w.index_suffix.is_some()
                || w.error_key.is_some()
                || root.child("RoutingRules").is_some()
            {
                return Err(invalid(
                    "RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.",
                    "RedirectAllRequestsTo",
                    "not null",
                ));
            }
            w.redirect_all = Some((host.to_string(), protocol));
            return Ok(w);
        }
        if w.index_suffix.is_none() {
            return Err(invalid(
                "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty",
                "IndexDocument",
                "null",
            ));
        }
        if let Some(rules) = root.child("RoutingRules") {
            for r in rules.children_named("RoutingRule") {
                let cond = r.child("Condition");
                let red = r.child("Redirect").ok_or(S3Error::MalformedXml)?;
                let text = |e: &Element, n: &str| e.child_text(n).map(str::to_string);
                let redirect = Redirect {
                    host_name: text(red, "HostName"),
                    protocol: text(red, "Protocol"),
                    http_redirect_code: text(red, "HttpRedirectCode"),
                    replace_key_prefix_with: text(red, "ReplaceKeyPrefixWith"),
                    replace_key_with: text(red, "ReplaceKeyWith"),
                };
                if redirect.replace_key_prefix_with.is_some() && redirect.replace_key_with.is_some()
                {
                    return Err(invalid(
                        "You can only define ReplaceKeyPrefix or ReplaceKey but not both.",
                        "Redirect",
                        "null",
                    ));
                }
                w.routing_rules.push(RoutingRule {
                    key_prefix_equals: cond.and_then(|c| text(c, "KeyPrefixEquals")),
                    http_error_code_returned_equals: cond
                        .and_then(|c| text(c, "HttpErrorCodeReturnedEquals")),
                    redirect,
                });
            }
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
                (Some(c), Some(s)) => c.trim() == s.to_string(),
                _ => false,
            };
            prefix_ok && code_ok
        })
    }
}

impl RoutingRule {
    /// The `Location` a request for `key` on `host` is redirected to, and the status.
    pub fn location(&self, key: &str, host: &str) -> (u16, String) {
        let d = &self.redirect;
        let new_key = match (&d.replace_key_with, &d.replace_key_prefix_with) {
            (Some(k), _) => k.clone(),
            (None, Some(p)) => {
                let old = self.key_prefix_equals.as_deref().unwrap_or("");
                format!("{p}{}", key.strip_prefix(old).unwrap_or(key))
            }
            (None, None) => key.to_string(),
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
