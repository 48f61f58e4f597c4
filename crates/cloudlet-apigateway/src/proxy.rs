//! The Lambda proxy integration's two pure halves: building the version 1.0 proxy event
//! (AWS's exact shape, `null` where AWS sends `null`) and mapping the function's answer
//! (`statusCode`, `headers`, `multiValueHeaders`, `body`, `isBase64Encoded`) back to HTTP.

use std::collections::BTreeMap;

use base64::Engine;
use bytes::Bytes;
use serde_json::{Map, Value, json};

/// Everything the event is made of.
#[derive(Clone, Debug, Default)]
pub struct EventInput {
    pub resource_id: String,
    pub resource_path: String,
    pub http_method: String,
    /// The request path after the stage (`/members/42`).
    pub path: String,
    /// `requestContext.path`: the path as the client sent it (`/dev/members/42`).
    pub context_path: String,
    pub headers: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub path_params: BTreeMap<String, String>,
    pub stage_variables: BTreeMap<String, String>,
    pub body: Option<Bytes>,
    pub body_is_binary: bool,
    pub account: String,
    pub api_id: String,
    pub stage: String,
    pub deployment_id: Option<String>,
    pub domain_name: String,
    pub request_id: String,
    pub extended_request_id: String,
    pub request_time: String,
    pub request_time_epoch: i64,
    pub source_ip: String,
    pub user_agent: Option<String>,
    /// `identity` members of a signed caller (`accessKey`, `accountId`, `caller`, `user`,
    /// `userArn`), or of the console's Test tab.
    pub identity_extra: Map<String, Value>,
}

fn single_and_multi(pairs: &[(String, String)]) -> (Value, Value) {
    if pairs.is_empty() {
        return (Value::Null, Value::Null);
    }
    let mut single = Map::new();
    let mut multi: Map<String, Value> = Map::new();
    for (k, v) in pairs {
        single.insert(k.clone(), Value::String(v.clone()));
        match multi.get_mut(k).and_then(Value::as_array_mut) {
            Some(list) => list.push(Value::String(v.clone())),
            None => {
                multi.insert(k.clone(), json!([v]));
            }
        }
    }
    (Value::Object(single), Value::Object(multi))
}

fn map_or_null(m: &BTreeMap<String, String>) -> Value {
    if m.is_empty() {
        Value::Null
    } else {
        serde_json::to_value(m).unwrap_or(Value::Null)
    }
}

/// The proxy event, version 1.0.
pub fn event(i: &EventInput) -> Value {
    let (headers, multi_headers) = single_and_multi(&i.headers);
    let (query, multi_query) = single_and_multi(&i.query);
    let mut identity = json!({
        "cognitoIdentityPoolId": null,
        "accountId": null,
        "cognitoIdentityId": null,
        "caller": null,
        "sourceIp": i.source_ip,
        "principalOrgId": null,
        "accessKey": null,
        "cognitoAuthenticationType": null,
        "cognitoAuthenticationProvider": null,
        "userArn": null,
        "userAgent": i.user_agent,
        "user": null,
    });
    if let Some(obj) = identity.as_object_mut() {
        for (k, v) in &i.identity_extra {
            obj.insert(k.clone(), v.clone());
        }
    }
    let domain_prefix = i.domain_name.split('.').next().unwrap_or("").to_string();
    let mut ctx = json!({
        "resourceId": i.resource_id,
        "resourcePath": i.resource_path,
        "httpMethod": i.http_method,
        "extendedRequestId": i.extended_request_id,
        "requestTime": i.request_time,
        "path": i.context_path,
        "accountId": i.account,
        "protocol": "HTTP/1.1",
        "stage": i.stage,
        "domainPrefix": domain_prefix,
        "requestTimeEpoch": i.request_time_epoch,
        "requestId": i.request_id,
        "identity": identity,
        "domainName": i.domain_name,
        "apiId": i.api_id,
    });
    if let (Some(d), Some(obj)) = (&i.deployment_id, ctx.as_object_mut()) {
        obj.insert("deploymentId".into(), Value::String(d.clone()));
    }
    let (body, b64) = match &i.body {
        None => (Value::Null, false),
        Some(b) if b.is_empty() => (Value::Null, false),
        Some(b) if i.body_is_binary => (
            Value::String(base64::engine::general_purpose::STANDARD.encode(b)),
            true,
        ),
        Some(b) => (
            Value::String(String::from_utf8_lossy(b).into_owned()),
            false,
        ),
    };
    json!({
        "resource": i.resource_path,
        "path": i.path,
        "httpMethod": i.http_method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": map_or_null(&i.path_params),
        "stageVariables": map_or_null(&i.stage_variables),
        "requestContext": ctx,
        "body": body,
        "isBase64Encoded": b64,
    })
}

/// The HTTP response a function's proxy answer stands for.
#[derive(Clone, Debug, PartialEq)]
pub struct ProxyResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The function's answer is not a valid proxy response ("Malformed Lambda proxy response").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Malformed;

/// Maps the function's payload; `Err` means AWS's "Malformed Lambda proxy response".
/// `decode_binary`: whether a base64 body is decoded (the API's binary media types match).
pub fn response(payload: &[u8], decode_binary: bool) -> Result<ProxyResponse, Malformed> {
    let v: Value = serde_json::from_slice(payload).map_err(|_| Malformed)?;
    let obj = v.as_object().ok_or(Malformed)?;
    let status = match obj.get("statusCode").ok_or(Malformed)? {
        Value::Number(n) => n.as_u64().ok_or(Malformed)?,
        Value::String(s) => s.trim().parse::<u64>().map_err(|_| Malformed)?,
        _ => return Err(Malformed),
    };
    let status = u16::try_from(status)
        .ok()
        .filter(|s| (100..=599).contains(s))
        .ok_or(Malformed)?;
    let mut headers: Vec<(String, String)> = Vec::new();
    let multi = match obj.get("multiValueHeaders") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(Malformed),
    };
    match obj.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, val) in m {
                if multi.keys().any(|mk| mk.eq_ignore_ascii_case(k)) {
                    continue;
                }
                headers.push((k.clone(), scalar(val).ok_or(Malformed)?));
            }
        }
        Some(_) => return Err(Malformed),
    }
    for (k, vals) in &multi {
        let Value::Array(list) = vals else {
            return Err(Malformed);
        };
        for val in list {
            headers.push((k.clone(), scalar(val).ok_or(Malformed)?));
        }
    }
    let b64 = match obj.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        Some(_) => return Err(Malformed),
    };
    let body = match obj.get("body") {
        None | Some(Value::Null) => Bytes::new(),
        Some(Value::String(s)) if b64 && decode_binary => Bytes::from(
            base64::engine::general_purpose::STANDARD
                .decode(s.as_bytes())
                .map_err(|_| Malformed)?,
        ),
        Some(Value::String(s)) => Bytes::from(s.clone()),
        Some(_) => return Err(Malformed),
    };
    Ok(ProxyResponse {
        status,
        headers,
        body,
    })
}

/// Whether `content_type` is one of the API's binary media types (`*/*`, `image/*`, exact).
pub fn is_binary(binary_media_types: &[String], content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return false };
    let ct = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    binary_media_types.iter().any(|t| {
        let t = t.to_ascii_lowercase();
        t == "*/*"
            || t == ct
            || t.strip_suffix("/*")
                .is_some_and(|major| ct.split('/').next() == Some(major))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    type Want<'a> = Result<(u16, &'a [(&'a str, &'a str)], &'a [u8]), Malformed>;

    fn check(payload: &str, decode: bool, want: Want<'_>) {
        let got = response(payload.as_bytes(), decode);
        let want = want.map(|(s, h, b)| ProxyResponse {
            status: s,
            headers: h
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: Bytes::copy_from_slice(b),
        });
        assert_eq!(got, want, "{payload}");
    }

    #[test]
    fn responses() {
        check(
            r#"{"statusCode": 200, "headers": {"Access-Control-Allow-Origin": "*"}, "body": "{\"a\": 1}"}"#,
            false,
            Ok((200, &[("Access-Control-Allow-Origin", "*")], b"{\"a\": 1}")),
        );
        check(r#"{"statusCode": "201"}"#, false, Ok((201, &[], b"")));
        check(
            r#"{"statusCode": 200, "headers": {"X": "1", "Y": 2}, "multiValueHeaders": {"x": ["a", "b"]}}"#,
            false,
            Ok((200, &[("Y", "2"), ("x", "a"), ("x", "b")], b"")),
        );
        check(
            r#"{"statusCode": 200, "isBase64Encoded": true, "body": "aGk="}"#,
            true,
            Ok((200, &[], b"hi")),
        );
        check(
            r#"{"statusCode": 200, "isBase64Encoded": true, "body": "aGk="}"#,
            false,
            Ok((200, &[], b"aGk=")),
        );
        check(r#"{"body": "x"}"#, false, Err(Malformed));
        check(
            r#"{"statusCode": 200, "body": {"a": 1}}"#,
            false,
            Err(Malformed),
        );
        check(r#"{"statusCode": "abc"}"#, false, Err(Malformed));
        check(r#"{"statusCode": 99}"#, false, Err(Malformed));
        check("not json", false, Err(Malformed));
        check(r#""just a string""#, false, Err(Malformed));
        check(
            r#"{"statusCode": 200, "headers": {"X": ["a"]}}"#,
            false,
            Err(Malformed),
        );
    }

    #[test]
    fn binary_types() {
        let types = vec![
            "image/*".to_string(),
            "application/octet-stream".to_string(),
        ];
        assert!(is_binary(&types, Some("image/png")));
        assert!(is_binary(&types, Some("application/octet-stream; x=y")));
        assert!(!is_binary(&types, Some("application/json")));
        assert!(!is_binary(&types, None));
        assert!(is_binary(&["*/*".to_string()], Some("text/plain")));
    }
}
