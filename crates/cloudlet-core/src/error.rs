//! The AWS error every service returns, and its renderings in each wire protocol.
//!
//! Services keep their own domain error enums and convert them into [`AwsError`] in one
//! place each; the edge renders an `AwsError` with the [`Protocol`] the service speaks, so
//! a client always sees its service's own error shape, status and request id.

use std::borrow::Cow;

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};

use crate::body;
use crate::ids::RequestId;
use crate::service::Response;
use crate::xml::escape;

/// An error as AWS reports it: a code, a message and an HTTP status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsError {
    pub code: Cow<'static, str>,
    pub message: String,
    pub status: u16,
    /// Extra elements some protocols add (S3's `<BucketName>`, `<Key>`, …).
    pub extra: Vec<(&'static str, String)>,
    /// Modeled members of a JSON-protocol error beside its message (DynamoDB's `Item`,
    /// `CancellationReasons`).
    pub fields: Vec<(&'static str, serde_json::Value)>,
    /// A second error the HTML rendering lists under its own heading (the S3 website's
    /// custom error document that could not be served).
    pub nested: Option<Box<(&'static str, AwsError)>>,
}

impl AwsError {
    pub fn new(
        status: u16,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        AwsError {
            code: code.into(),
            message: message.into(),
            status,
            extra: Vec::new(),
            fields: Vec::new(),
            nested: None,
        }
    }

    /// Adds a modeled member to the JSON rendering.
    pub fn with_field(mut self, name: &'static str, value: serde_json::Value) -> Self {
        self.fields.push((name, value));
        self
    }
    /// A 400 error: the caller's fault.
    pub fn client(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        AwsError::new(400, code, message)
    }
    /// S3's 400 `InvalidArgument`, naming the argument and the value refused.
    pub fn invalid_argument(
        message: impl Into<String>,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        AwsError::client("InvalidArgument", message)
            .with("ArgumentName", name)
            .with("ArgumentValue", value)
    }
    /// A 500 `InternalFailure`/`InternalError`-style error: cloudlet's fault.
    pub fn internal(message: impl Into<String>) -> Self {
        AwsError::new(500, "InternalFailure", message)
    }
    /// Adds a second error under `heading` (shown by the HTML rendering only).
    pub fn with_nested(mut self, heading: &'static str, nested: AwsError) -> Self {
        self.nested = Some(Box::new((heading, nested)));
        self
    }
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.extra.push((name, value.into()));
        self
    }
    /// `Sender` for 4xx, `Receiver` for 5xx, as the query protocol names them.
    pub fn fault(&self) -> &'static str {
        if self.status >= 500 {
            "Receiver"
        } else {
            "Sender"
        }
    }
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status, self.message)
    }
}

impl std::error::Error for AwsError {}

/// The wire protocols of the AWS services cloudlet serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// `awsJson1_0` / `awsJson1_1` (DynamoDB, Logs): `{"__type": prefix + code, "message"}`.
    Json {
        type_prefix: &'static str,
        content_type: &'static str,
    },
    /// `restJson1` (Lambda, API Gateway): `x-amzn-ErrorType` header and a JSON body.
    /// `with_type` adds Lambda's `"Type": "User"|"Service"` member.
    RestJson { with_type: bool },
    /// `restXml` (S3): `<Error><Code/><Message/>…<RequestId/></Error>`.
    RestXml,
    /// `awsQuery` (IAM, STS): `<ErrorResponse><Error><Type/><Code/><Message/></Error>…`.
    Query { xmlns: &'static str },
    /// S3 website endpoint: an HTML page listing code, message and ids.
    Html,
}

impl Protocol {
    /// Renders `err` as this protocol's HTTP response.
    pub fn render(&self, err: &AwsError, request_id: &RequestId) -> Response {
        let status = StatusCode::from_u16(err.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        // S3's HTML pages word some statuses their own way, on the page and the status line.
        let own_reason = match self {
            Protocol::Html => html_reason(err.status),
            _ => None,
        };
        let (content_type, bytes): (&str, Bytes) = match self {
            Protocol::Json {
                type_prefix,
                content_type,
            } => {
                let mut v = serde_json::json!({
                    "__type": format!("{type_prefix}{}", err.code),
                    "message": err.message,
                });
                for (k, val) in &err.fields {
                    v[*k] = val.clone();
                }
                (content_type, v.to_string().into())
            }
            Protocol::RestJson { with_type } => {
                let mut v = serde_json::json!({ "message": err.message });
                if *with_type {
                    v["Type"] = (if err.status >= 500 { "Service" } else { "User" }).into();
                }
                for (k, val) in &err.extra {
                    v[*k] = val.as_str().into();
                }
                ("application/json", v.to_string().into())
            }
            Protocol::RestXml => {
                let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
                s.push_str(&format!("<Code>{}</Code>", escape(&err.code)));
                s.push_str(&format!("<Message>{}</Message>", escape(&err.message)));
                for (k, v) in &err.extra {
                    s.push_str(&format!("<{k}>{}</{k}>", escape(v)));
                }
                s.push_str(&format!("<RequestId>{request_id}</RequestId>"));
                s.push_str(&format!("<HostId>{request_id}</HostId></Error>"));
                ("application/xml", s.into())
            }
            Protocol::Query { xmlns } => {
                let s = format!(
                    "<ErrorResponse xmlns=\"{xmlns}\">\n  <Error>\n    <Type>{}</Type>\n    \
                     <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  \
                     <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n",
                    err.fault(),
                    escape(&err.code),
                    escape(&err.message)
                );
                ("text/xml", s.into())
            }
            Protocol::Html => {
                let reason = own_reason.or(status.canonical_reason()).unwrap_or("Error");
                let mut s = format!(
                    "<html>\n<head><title>{} {reason}</title></head>\n<body>\n<h1>{} {reason}</h1>\n<ul>\n\
                     <li>Code: {}</li>\n<li>Message: {}</li>\n",
                    err.status,
                    err.status,
                    escape(&err.code),
                    escape(&err.message)
                );
                for (k, v) in &err.extra {
                    s.push_str(&format!("<li>{k}: {}</li>\n", escape(v)));
                }
                s.push_str(&format!(
                    "<li>RequestId: {request_id}</li>\n<li>HostId: {request_id}</li>\n</ul>\n"
                ));
                if let Some(n) = &err.nested {
                    let (heading, nested) = &**n;
                    s.push_str(&format!(
                        "<h3>{}</h3>\n<ul>\n<li>Code: {}</li>\n<li>Message: {}</li>\n",
                        escape(heading),
                        escape(&nested.code),
                        escape(&nested.message)
                    ));
                    for (k, v) in &nested.extra {
                        s.push_str(&format!("<li>{k}: {}</li>\n", escape(v)));
                    }
                    s.push_str("</ul>\n");
                }
                s.push_str("<hr/>\n</body>\n</html>\n");
                ("text/html; charset=utf-8", s.into())
            }
        };
        let mut resp = Response::new(body::full(bytes));
        *resp.status_mut() = status;
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static_str(content_type),
        );
        if matches!(self, Protocol::RestJson { .. } | Protocol::Json { .. })
            && let Ok(v) = HeaderValue::from_str(&err.code)
        {
            h.insert("x-amzn-ErrorType", v);
        }
        if matches!(self, Protocol::Html) {
            html_error_headers(err, h);
            if let Some(reason) = own_reason {
                resp.extensions_mut().insert(ReasonPhrase(reason));
            }
        }
        resp
    }
}

/// A response's own HTTP/1 reason phrase, in place of the status's canonical one (the edge
/// writes it on the status line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReasonPhrase(pub &'static str);

/// S3 names its HTML 302 (the website's `dir` → `dir/`) the HTTP/1.0 way.
fn html_reason(status: u16) -> Option<&'static str> {
    (status == 302).then_some("Moved Temporarily")
}

/// The headers an HTML error page (and a custom error document served in its place) also
/// says it in: `x-amz-error-code`, `x-amz-error-message` and an `x-amz-error-detail-{name}`
/// per extra element. A value no header can carry is left out.
pub fn html_error_headers(err: &AwsError, h: &mut http::HeaderMap) {
    let mut put = |name: &str, value: &str| {
        if let (Ok(n), Ok(v)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            h.insert(n, v);
        }
    };
    put("x-amz-error-code", &err.code);
    put("x-amz-error-message", &err.message);
    for (k, v) in &err.extra {
        put(&format!("x-amz-error-detail-{k}"), v);
    }
}

trait FromStaticStr {
    fn from_static_str(s: &str) -> HeaderValue;
}

impl FromStaticStr for HeaderValue {
    fn from_static_str(s: &str) -> HeaderValue {
        HeaderValue::from_str(s).unwrap_or(HeaderValue::from_static("application/octet-stream"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    fn text(p: Protocol, e: &AwsError) -> (u16, String, Option<String>) {
        let r = p.render(e, &RequestId::new());
        let status = r.status().as_u16();
        let et = r
            .headers()
            .get("x-amzn-ErrorType")
            .map(|v| v.to_str().unwrap().to_string());
        let bytes = futures_lite_block(r.into_body().collect())
            .unwrap()
            .to_bytes();
        (status, String::from_utf8(bytes.to_vec()).unwrap(), et)
    }

    /// Polls a future that never waits (bodies built from bytes are always ready).
    fn futures_lite_block<F: std::future::Future>(f: F) -> F::Output {
        use std::task::{Context, Poll, Waker};
        let mut f = std::pin::pin!(f);
        let mut cx = Context::from_waker(Waker::noop());
        match f.as_mut().poll(&mut cx) {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("body not ready"),
        }
    }

    #[test]
    fn renderings() {
        let e = AwsError::client("ResourceNotFoundException", "Requested resource not found");
        let json = Protocol::Json {
            type_prefix: "com.amazonaws.dynamodb.v20120810#",
            content_type: "application/x-amz-json-1.0",
        };
        let (s, b, _) = text(json, &e);
        assert_eq!(s, 400);
        assert_eq!(
            b,
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}"#
        );
        let (_, b, et) = text(Protocol::RestJson { with_type: true }, &e);
        assert_eq!(
            b,
            r#"{"Type":"User","message":"Requested resource not found"}"#
        );
        assert_eq!(et.as_deref(), Some("ResourceNotFoundException"));

        let e = AwsError::new(404, "NoSuchBucket", "The specified bucket does not exist")
            .with("BucketName", "a<b");
        let (s, b, _) = text(Protocol::RestXml, &e);
        assert_eq!(s, 404);
        assert!(b.contains("<Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>a&lt;b</BucketName><RequestId>"), "{b}");

        let e = AwsError::new(404, "NoSuchEntity", "The role with name x cannot be found.");
        let (_, b, _) = text(
            Protocol::Query {
                xmlns: "https://iam.amazonaws.com/doc/2010-05-08/",
            },
            &e,
        );
        assert!(
            b.contains("<Type>Sender</Type>\n    <Code>NoSuchEntity</Code>"),
            "{b}"
        );
    }

    #[test]
    fn html_pages_say_the_error_in_headers_too() {
        let cases = [
            (
                AwsError::new(404, "NoSuchKey", "The specified key does not exist.")
                    .with("Key", "a b.html"),
                "<title>404 Not Found</title>",
                vec![
                    ("x-amz-error-code", "NoSuchKey"),
                    ("x-amz-error-message", "The specified key does not exist."),
                    ("x-amz-error-detail-key", "a b.html"),
                ],
            ),
            (
                AwsError::new(302, "Found", "Resource Found"),
                "<title>302 Moved Temporarily</title>",
                vec![
                    ("x-amz-error-code", "Found"),
                    ("x-amz-error-message", "Resource Found"),
                ],
            ),
            // A key no header can carry is left out of the headers, not the page.
            (
                AwsError::new(404, "NoSuchKey", "m").with("Key", "a\nb"),
                "<li>Key: a\nb</li>",
                vec![
                    ("x-amz-error-code", "NoSuchKey"),
                    ("x-amz-error-message", "m"),
                ],
            ),
        ];
        for (err, in_page, headers) in cases {
            let r = Protocol::Html.render(&err, &RequestId::new());
            let mut got: Vec<_> = r
                .headers()
                .iter()
                .filter(|(k, _)| k.as_str().starts_with("x-amz-error"))
                .map(|(k, v)| (k.as_str(), v.to_str().unwrap()))
                .collect();
            got.sort();
            let mut expected = headers;
            expected.sort();
            assert_eq!(got, expected, "{err}");
            let (_, body, _) = text(Protocol::Html, &err);
            assert!(body.contains(in_page), "{body}");
            let reason = r.extensions().get::<ReasonPhrase>().copied();
            let expected = (err.status == 302).then_some(ReasonPhrase("Moved Temporarily"));
            assert_eq!(reason, expected, "{err}");
        }
    }
}
