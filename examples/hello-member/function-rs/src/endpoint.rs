//! Where the function's DynamoDB request goes, from the environment: the endpoint as the AWS
//! SDKs pick it (`AWS_ENDPOINT_URL_DYNAMODB`, then `AWS_ENDPOINT_URL`, unless
//! `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is `true`; else the workshop's hard-coded endpoint),
//! and whether it is reached through a forward proxy (`http_proxy`/`HTTP_PROXY`, minus the
//! hosts in `no_proxy`/`NO_PROXY`).
//!
//! Pure: the environment comes in as a lookup function. Only plain `http://` URLs are
//! understood; the function carries no TLS.

use std::fmt;

/// The endpoint the workshop's Python function names in its code.
pub const WORKSHOP_ENDPOINT: &str = "http://dynamodb.ap-northeast-2.amazonaws.com";

/// A variable of the environment the function cannot use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadUrl {
    pub var: &'static str,
    pub reason: String,
}

impl fmt::Display for BadUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is not a URL this function can use: {}",
            self.var, self.reason
        )
    }
}

/// An `http://host[:port][/path]` URL, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl {
    /// As written in the URL (IPv6 addresses keep their brackets), lower-cased.
    pub host: String,
    pub port: u16,
    /// Starts with `/`.
    pub path: String,
}

impl HttpUrl {
    /// Parses `url`; `bare_ok` accepts `host:port` without a scheme, as proxies are often
    /// written.
    pub fn parse(url: &str, bare_ok: bool) -> Result<HttpUrl, String> {
        let rest = match url.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) if scheme.eq_ignore_ascii_case("https") => {
                return Err("https is not supported (the function has no TLS); use http://".into());
            }
            Some((scheme, _)) => return Err(format!("the scheme {scheme:?} is not http")),
            None if bare_ok => url,
            None => return Err("it has no http:// scheme".into()),
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        if authority.contains('@') {
            return Err("user names and passwords in the URL are not supported".into());
        }
        let (host, port) = split_port(authority)?;
        if host.is_empty() {
            return Err("it has no host".into());
        }
        let path = tail.split(['?', '#']).next().unwrap_or_default();
        Ok(HttpUrl {
            host: host.to_ascii_lowercase(),
            port,
            path: if path.is_empty() {
                "/".into()
            } else {
                path.into()
            },
        })
    }

    /// The `Host` header: the host, and the port unless it is 80.
    pub fn authority(&self) -> String {
        if self.port == 80 {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The host to connect to, without IPv6 brackets.
    pub fn connect_host(&self) -> &str {
        self.host.trim_start_matches('[').trim_end_matches(']')
    }
}

fn split_port(authority: &str) -> Result<(&str, u16), String> {
    let colon = if authority.starts_with('[') {
        let close = authority
            .find(']')
            .ok_or("an IPv6 address has no closing ]")?;
        match authority.get(close + 1..) {
            Some("") | None => None,
            Some(after) if after.starts_with(':') => Some(close + 1),
            Some(_) => return Err("text follows the IPv6 address".into()),
        }
    } else {
        authority.rfind(':')
    };
    match colon {
        None => Ok((authority, 80)),
        Some(i) => {
            let port = authority.get(i + 1..).unwrap_or_default();
            let port = port
                .parse::<u16>()
                .map_err(|_| format!("the port {port:?} is not a number from 0 to 65535"))?;
            Ok((authority.get(..i).unwrap_or_default(), port))
        }
    }
}

/// Where a request goes: the endpoint, and the proxy it is sent through, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub endpoint: HttpUrl,
    pub proxy: Option<HttpUrl>,
}

impl Route {
    /// The address the connection is opened to.
    pub fn connect_to(&self) -> (&str, u16) {
        let to = self.proxy.as_ref().unwrap_or(&self.endpoint);
        (to.connect_host(), to.port)
    }

    /// The request target: absolute-form for a proxy, origin-form otherwise.
    pub fn request_target(&self) -> String {
        match self.proxy {
            Some(_) => format!("http://{}{}", self.endpoint.authority(), self.endpoint.path),
            None => self.endpoint.path.clone(),
        }
    }
}

/// A variable's value, with empty taken as unset.
fn var(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name).filter(|v| !v.trim().is_empty())
}

/// The route of the function's DynamoDB requests.
pub fn resolve(env: &dyn Fn(&str) -> Option<String>) -> Result<Route, BadUrl> {
    let ignore = var(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    let configured = ["AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL"]
        .into_iter()
        .filter(|_| !ignore)
        .find_map(|k| var(env, k).map(|v| (k, v)));
    let (name, url) = configured.unwrap_or(("the workshop endpoint", WORKSHOP_ENDPOINT.into()));
    let endpoint =
        HttpUrl::parse(url.trim(), false).map_err(|reason| BadUrl { var: name, reason })?;
    let proxy = match ["http_proxy", "HTTP_PROXY"]
        .into_iter()
        .find_map(|k| var(env, k).map(|v| (k, v)))
    {
        Some((k, v)) if !bypassed(&endpoint.host, env) => {
            Some(HttpUrl::parse(v.trim(), true).map_err(|reason| BadUrl { var: k, reason })?)
        }
        _ => None,
    };
    Ok(Route { endpoint, proxy })
}

/// Whether `no_proxy`/`NO_PROXY` exempts `host`: `*`, the host itself, or a domain it is in
/// (`example.com` and `.example.com` both cover `a.example.com`); ports are ignored.
fn bypassed(host: &str, env: &dyn Fn(&str) -> Option<String>) -> bool {
    let Some(list) = var(env, "no_proxy").or_else(|| var(env, "NO_PROXY")) else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    list.split(',').map(str::trim).any(|entry| {
        if entry == "*" {
            return true;
        }
        let entry = match entry.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None if entry.matches(':').count() == 1 => entry.split(':').next().unwrap_or_default(),
            None => entry,
        };
        let domain = entry
            .trim_start_matches("*.")
            .trim_start_matches('.')
            .to_ascii_lowercase();
        !domain.is_empty()
            && (host == domain
                || host
                    .strip_suffix(domain.as_str())
                    .is_some_and(|sub| sub.ends_with('.')))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    type Vars = &'static [(&'static str, &'static str)];

    fn route(vars: Vars) -> Result<Route, BadUrl> {
        let env = |k: &str| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_string())
        };
        resolve(&env)
    }

    /// (environment, connect host, connect port, request target, Host header)
    #[test]
    fn routes() {
        let cases: &[(Vars, &str, u16, &str, &str)] = &[
            (
                &[],
                "dynamodb.ap-northeast-2.amazonaws.com",
                80,
                "/",
                "dynamodb.ap-northeast-2.amazonaws.com",
            ),
            (
                &[("HTTP_PROXY", "http://127.0.0.1:4566")],
                "127.0.0.1",
                4566,
                "http://dynamodb.ap-northeast-2.amazonaws.com/",
                "dynamodb.ap-northeast-2.amazonaws.com",
            ),
            (
                &[
                    ("http_proxy", "127.0.0.1:3128"),
                    ("HTTP_PROXY", "http://127.0.0.1:4566"),
                ],
                "127.0.0.1",
                3128,
                "http://dynamodb.ap-northeast-2.amazonaws.com/",
                "dynamodb.ap-northeast-2.amazonaws.com",
            ),
            (
                &[
                    ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
                    ("HTTP_PROXY", "http://127.0.0.1:4566"),
                    ("NO_PROXY", "127.0.0.1,localhost"),
                ],
                "127.0.0.1",
                4566,
                "/",
                "127.0.0.1:4566",
            ),
            (
                &[
                    ("AWS_ENDPOINT_URL", "http://localhost:8000/"),
                    ("AWS_ENDPOINT_URL_DYNAMODB", "http://[::1]:9000/ddb?x"),
                ],
                "::1",
                9000,
                "/ddb",
                "[::1]:9000",
            ),
            (
                &[
                    ("AWS_ENDPOINT_URL", ""),
                    ("HTTP_PROXY", "http://proxy:8080"),
                    ("NO_PROXY", "localhost"),
                ],
                "proxy",
                8080,
                "http://dynamodb.ap-northeast-2.amazonaws.com/",
                "dynamodb.ap-northeast-2.amazonaws.com",
            ),
            (
                &[
                    ("HTTP_PROXY", "http://proxy:8080"),
                    ("no_proxy", ".amazonaws.com"),
                ],
                "dynamodb.ap-northeast-2.amazonaws.com",
                80,
                "/",
                "dynamodb.ap-northeast-2.amazonaws.com",
            ),
            (
                &[
                    ("HTTP_PROXY", "http://proxy:8080"),
                    ("NO_PROXY", "zonaws.com, *"),
                ],
                "dynamodb.ap-northeast-2.amazonaws.com",
                80,
                "/",
                "dynamodb.ap-northeast-2.amazonaws.com",
            ),
            (
                &[
                    ("HTTP_PROXY", "http://proxy:8080"),
                    ("NO_PROXY", "zonaws.com"),
                ],
                "proxy",
                8080,
                "http://dynamodb.ap-northeast-2.amazonaws.com/",
                "dynamodb.ap-northeast-2.amazonaws.com",
            ),
            (
                &[
                    ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
                    ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
                ],
                "dynamodb.ap-northeast-2.amazonaws.com",
                80,
                "/",
                "dynamodb.ap-northeast-2.amazonaws.com",
            ),
        ];
        for (vars, host, port, target, authority) in cases {
            let r = route(vars).unwrap_or_else(|e| panic!("{vars:?}: {e}"));
            assert_eq!(r.connect_to(), (*host, *port), "{vars:?}");
            assert_eq!(r.request_target(), *target, "{vars:?}");
            assert_eq!(r.endpoint.authority(), *authority, "{vars:?}");
        }
    }

    #[test]
    fn refusals() {
        let cases: &[(Vars, &str)] = &[
            (
                &[(
                    "AWS_ENDPOINT_URL",
                    "https://dynamodb.ap-northeast-2.amazonaws.com",
                )],
                "AWS_ENDPOINT_URL is not a URL this function can use: https is not supported (the function has no TLS); use http://",
            ),
            (
                &[("AWS_ENDPOINT_URL_DYNAMODB", "localhost:8000")],
                "AWS_ENDPOINT_URL_DYNAMODB is not a URL this function can use: it has no http:// scheme",
            ),
            (
                &[("AWS_ENDPOINT_URL", "http://host:99999")],
                "AWS_ENDPOINT_URL is not a URL this function can use: the port \"99999\" is not a number from 0 to 65535",
            ),
            (
                &[("AWS_ENDPOINT_URL", "http:///x")],
                "AWS_ENDPOINT_URL is not a URL this function can use: it has no host",
            ),
            (
                &[("HTTP_PROXY", "http://user:pw@proxy:8080")],
                "HTTP_PROXY is not a URL this function can use: user names and passwords in the URL are not supported",
            ),
            (
                &[("HTTP_PROXY", "socks5://proxy:1080")],
                "HTTP_PROXY is not a URL this function can use: the scheme \"socks5\" is not http",
            ),
            (
                &[("AWS_ENDPOINT_URL", "http://[::1")],
                "AWS_ENDPOINT_URL is not a URL this function can use: an IPv6 address has no closing ]",
            ),
        ];
        for (vars, message) in cases {
            assert_eq!(route(vars).unwrap_err().to_string(), *message, "{vars:?}");
        }
    }
}
