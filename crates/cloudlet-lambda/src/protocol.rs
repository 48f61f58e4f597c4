//! The restJson1 wire side of Lambda: method + path (`/2015-03-31/functions…`) + query +
//! headers + JSON body decoded into a typed [`Op`]. Knows shapes, not state.

use std::collections::BTreeMap;

use bytes::Bytes;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::LambdaError;
use crate::policy::PermissionInput;

/// Largest Invoke payload (synchronous), as AWS limits it.
pub const MAX_INVOKE: usize = 6_291_456;
/// Largest request of the other operations (a 50 MB zip, base64-encoded, in JSON).
pub const MAX_REQUEST: usize = 70_167_211;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CodeIn {
    pub zip_file: Option<String>,
    pub s3_bucket: Option<String>,
    pub s3_key: Option<String>,
    pub image_uri: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnvIn {
    pub variables: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateInput {
    pub function_name: Option<String>,
    pub runtime: Option<String>,
    pub role: Option<String>,
    pub handler: Option<String>,
    pub code: Option<CodeIn>,
    pub description: Option<String>,
    pub timeout: Option<i64>,
    pub memory_size: Option<i64>,
    pub environment: Option<EnvIn>,
    pub architectures: Option<Vec<String>>,
    pub package_type: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateCodeInput {
    pub zip_file: Option<String>,
    pub s3_bucket: Option<String>,
    pub s3_key: Option<String>,
    pub image_uri: Option<String>,
    pub dry_run: Option<bool>,
    pub revision_id: Option<String>,
    pub architectures: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateConfigInput {
    pub role: Option<String>,
    pub handler: Option<String>,
    pub description: Option<String>,
    pub timeout: Option<i64>,
    pub memory_size: Option<i64>,
    pub environment: Option<EnvIn>,
    pub runtime: Option<String>,
    pub revision_id: Option<String>,
}

/// A decoded Lambda operation; `name` is the raw function reference from the path.
#[derive(Debug)]
pub enum Op {
    CreateFunction(CreateInput),
    ListFunctions {
        marker: Option<String>,
        max_items: Option<String>,
    },
    GetFunction {
        name: String,
        qualifier: Option<String>,
    },
    GetFunctionConfiguration {
        name: String,
        qualifier: Option<String>,
    },
    DeleteFunction {
        name: String,
        qualifier: Option<String>,
    },
    UpdateFunctionCode {
        name: String,
        input: UpdateCodeInput,
    },
    UpdateFunctionConfiguration {
        name: String,
        input: UpdateConfigInput,
    },
    Invoke {
        name: String,
        qualifier: Option<String>,
        invocation_type: Option<String>,
        log_type: Option<String>,
        payload: Bytes,
    },
    AddPermission {
        name: String,
        qualifier: Option<String>,
        input: PermissionInput,
    },
    GetPolicy {
        name: String,
        qualifier: Option<String>,
    },
    RemovePermission {
        name: String,
        qualifier: Option<String>,
        sid: String,
        revision_id: Option<String>,
    },
}

/// The request facts the parser looks at.
pub struct Raw<'a> {
    pub method: &'a http::Method,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a http::HeaderMap,
    pub body: Bytes,
}

fn json<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, LambdaError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| {
        LambdaError::InvalidRequestContent(format!("Could not parse request body into json: {e}"))
    })
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// The value of `key` in a query string.
pub fn query_value(query: Option<&str>, key: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(k) == key).then(|| decode(&v.replace('+', " ")))
    })
}

fn header(h: &http::HeaderMap, name: &str) -> Option<String> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Whether the path is an Invoke (which has its own, smaller body limit).
pub fn is_invoke(path: &str) -> bool {
    path.starts_with("/2015-03-31/functions/")
        && path.trim_end_matches('/').ends_with("/invocations")
}

/// Decodes one request.
pub fn parse(raw: Raw<'_>) -> Result<Op, LambdaError> {
    let unknown = || {
        LambdaError::UnknownOperation(format!(
            "The operation {} {} is not supported by cloudlet's Lambda",
            raw.method, raw.path
        ))
    };
    let rest = raw
        .path
        .strip_prefix("/2015-03-31/functions")
        .ok_or_else(unknown)?;
    let segs: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(decode)
        .collect();
    let q = |k: &str| query_value(raw.query, k);
    use http::Method as M;
    let m = raw.method.clone();
    Ok(match (m, segs.as_slice()) {
        (M::POST, []) => Op::CreateFunction(json(&raw.body)?),
        (M::GET, []) => Op::ListFunctions {
            marker: q("Marker"),
            max_items: q("MaxItems"),
        },
        (M::GET, [n]) => Op::GetFunction {
            name: n.clone(),
            qualifier: q("Qualifier"),
        },
        (M::DELETE, [n]) => Op::DeleteFunction {
            name: n.clone(),
            qualifier: q("Qualifier"),
        },
        (M::GET, [n, c]) if c == "configuration" => Op::GetFunctionConfiguration {
            name: n.clone(),
            qualifier: q("Qualifier"),
        },
        (M::PUT, [n, c]) if c == "configuration" => Op::UpdateFunctionConfiguration {
            name: n.clone(),
            input: json(&raw.body)?,
        },
        (M::PUT, [n, c]) if c == "code" => Op::UpdateFunctionCode {
            name: n.clone(),
            input: json(&raw.body)?,
        },
        (M::POST, [n, c]) if c == "invocations" => Op::Invoke {
            name: n.clone(),
            qualifier: q("Qualifier"),
            invocation_type: header(raw.headers, "x-amz-invocation-type"),
            log_type: header(raw.headers, "x-amz-log-type"),
            payload: raw.body,
        },
        (M::POST, [n, c]) if c == "policy" => Op::AddPermission {
            name: n.clone(),
            qualifier: q("Qualifier"),
            input: json(&raw.body)?,
        },
        (M::GET, [n, c]) if c == "policy" => Op::GetPolicy {
            name: n.clone(),
            qualifier: q("Qualifier"),
        },
        (M::DELETE, [n, c, sid]) if c == "policy" => Op::RemovePermission {
            name: n.clone(),
            qualifier: q("Qualifier"),
            sid: sid.clone(),
            revision_id: q("RevisionId"),
        },
        _ => return Err(unknown()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(method: http::Method, path: &str, query: Option<&str>) -> String {
        let headers = http::HeaderMap::new();
        match parse(Raw {
            method: &method,
            path,
            query,
            headers: &headers,
            body: Bytes::new(),
        }) {
            Ok(op) => format!("{op:?}")
                .split([' ', '{', '('])
                .next()
                .unwrap_or("")
                .to_string(),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn routes() {
        use http::Method as M;
        let cases = [
            (M::POST, "/2015-03-31/functions", None, "CreateFunction"),
            (
                M::GET,
                "/2015-03-31/functions/",
                Some("MaxItems=2"),
                "ListFunctions",
            ),
            (M::GET, "/2015-03-31/functions/f", None, "GetFunction"),
            (
                M::GET,
                "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af/configuration",
                None,
                "GetFunctionConfiguration",
            ),
            (
                M::PUT,
                "/2015-03-31/functions/f/code",
                None,
                "UpdateFunctionCode",
            ),
            (
                M::PUT,
                "/2015-03-31/functions/f/configuration",
                None,
                "UpdateFunctionConfiguration",
            ),
            (M::DELETE, "/2015-03-31/functions/f", None, "DeleteFunction"),
            (
                M::POST,
                "/2015-03-31/functions/f/invocations",
                None,
                "Invoke",
            ),
            (
                M::POST,
                "/2015-03-31/functions/f/policy",
                None,
                "AddPermission",
            ),
            (M::GET, "/2015-03-31/functions/f/policy", None, "GetPolicy"),
            (
                M::DELETE,
                "/2015-03-31/functions/f/policy/s1",
                None,
                "RemovePermission",
            ),
        ];
        for (m, p, q, want) in cases {
            assert_eq!(op(m, p, q), want, "{p}");
        }
        assert!(
            op(M::GET, "/2015-03-31/event-source-mappings/", None)
                .starts_with("error: The operation GET")
        );
        assert_eq!(
            query_value(Some("a=1&Qualifier=%24LATEST"), "Qualifier").as_deref(),
            Some("$LATEST")
        );
    }
}
