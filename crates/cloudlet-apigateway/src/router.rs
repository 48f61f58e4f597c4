//! Data-plane routing: picks the resource and method of a deployment that answer a request
//! path and HTTP method (exact parts before `{param}` before greedy `{proxy+}`; a method
//! before `ANY`) and extracts the path parameters. Pure.

use std::collections::BTreeMap;

use crate::model::{Method, Resource};

/// A matched route.
#[derive(Debug, Clone, PartialEq)]
pub struct Route<'a> {
    pub resource: &'a Resource,
    pub method: &'a Method,
    pub path_params: BTreeMap<String, String>,
}

/// How `resource_path` matches `segs`: a specificity score per segment, and the
/// parameters, or `None`.
fn match_path(resource_path: &str, segs: &[&str]) -> Option<(Vec<u8>, BTreeMap<String, String>)> {
    let parts: Vec<&str> = resource_path.split('/').filter(|p| !p.is_empty()).collect();
    let mut score = Vec::new();
    let mut params = BTreeMap::new();
    for (i, part) in parts.iter().enumerate() {
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix("+}")) {
            if i != parts.len() - 1 || segs.len() <= i {
                return None;
            }
            params.insert(name.to_string(), segs[i..].join("/"));
            score.push(0);
            return Some((score, params));
        }
        let seg = segs.get(i)?;
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            if seg.is_empty() {
                return None;
            }
            params.insert(name.to_string(), seg.to_string());
            score.push(1);
        } else if part == seg {
            score.push(2);
        } else {
            return None;
        }
    }
    (parts.len() == segs.len()).then_some((score, params))
}

/// The path parameters `path` gives the resource path `resource_path`, if it matches.
pub fn params(resource_path: &str, path: &str) -> Option<BTreeMap<String, String>> {
    let trimmed = path.trim_start_matches('/');
    let segs: Vec<&str> = if trimmed.is_empty() {
        Vec::new()
    } else {
        trimmed.split('/').collect()
    };
    match_path(resource_path, &segs).map(|(_, p)| p)
}

/// The route for `method` on `path` (the path after the stage, e.g. `/members/42`).
pub fn route<'a>(
    resources: &'a BTreeMap<String, Resource>,
    path: &str,
    method: &str,
) -> Option<Route<'a>> {
    let trimmed = path.trim_start_matches('/');
    let segs: Vec<&str> = if trimmed.is_empty() {
        Vec::new()
    } else {
        trimmed.split('/').collect()
    };
    let mut candidates: Vec<(Vec<u8>, BTreeMap<String, String>, &Resource)> = resources
        .values()
        .filter_map(|r| match_path(&r.path, &segs).map(|(s, p)| (s, p, r)))
        .collect();
    candidates.sort_by(|a, b| b.0.cmp(&a.0));
    candidates.into_iter().find_map(|(_, params, r)| {
        let m = r
            .resource_methods
            .get(method)
            .or_else(|| r.resource_methods.get("ANY"))?;
        Some(Route {
            resource: r,
            method: m,
            path_params: params,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(id: &str, path: &str, methods: &[&str]) -> (String, Resource) {
        let resource_methods = methods
            .iter()
            .map(|m| {
                (
                    m.to_string(),
                    Method {
                        http_method: m.to_string(),
                        ..Method::default()
                    },
                )
            })
            .collect();
        (
            id.to_string(),
            Resource {
                id: id.into(),
                path: path.into(),
                resource_methods,
                ..Resource::default()
            },
        )
    }

    type Want<'a> = Option<(&'a str, &'a str, &'a [(&'a str, &'a str)])>;

    fn check(path: &str, method: &str, want: Want<'_>) {
        let resources: BTreeMap<String, Resource> = [
            res("root", "/", &["GET", "OPTIONS"]),
            res("members", "/members", &["POST"]),
            res("member", "/members/{id}", &["GET"]),
            res("me", "/members/me", &["GET"]),
            res("proxy", "/{proxy+}", &["ANY"]),
        ]
        .into();
        let got = route(&resources, path, method).map(|r| {
            (
                r.resource.id.clone(),
                r.method.http_method.clone(),
                r.path_params.clone(),
            )
        });
        let want = want.map(|(id, m, p)| {
            (
                id.to_string(),
                m.to_string(),
                p.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        });
        assert_eq!(got, want, "{method} {path}");
    }

    #[test]
    fn routes() {
        check("/", "GET", Some(("root", "GET", &[])));
        check("", "OPTIONS", Some(("root", "OPTIONS", &[])));
        check("/", "POST", None);
        check("/members", "POST", Some(("members", "POST", &[])));
        check(
            "/members/42",
            "GET",
            Some(("member", "GET", &[("id", "42")])),
        );
        check("/members/me", "GET", Some(("me", "GET", &[])));
        check(
            "/members",
            "GET",
            Some(("proxy", "ANY", &[("proxy", "members")])),
        );
        check(
            "/a/b/c",
            "DELETE",
            Some(("proxy", "ANY", &[("proxy", "a/b/c")])),
        );
        check(
            "/members/42/x",
            "GET",
            Some(("proxy", "ANY", &[("proxy", "members/42/x")])),
        );
    }
}
