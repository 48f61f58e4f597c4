//! Whole S3 requests, in process, against a fresh ephemeral store holding an Object Lock
//! bucket `fuzz` with an object `k` and a multipart upload `mp` with one part.
//!
//! The first input byte picks a request shape from [`SHAPES`] (every XML body parser,
//! `aws-chunked` uploads, POST form uploads and their policy); the rest is the body, in
//! which `$UPLOAD` and `$ETAG` stand for the upload id and the part's ETag. Bit 7 of the
//! byte adds a correct `Content-MD5` (which DeleteObjects needs). Selector 0x7f/0xff instead reads a raw request:
//! `METHOD path?query\n`, `name: value` header lines, a blank line, then the body.
//! After the request, the same path and query are read back with GET, so stored
//! documents are rendered too. A panic anywhere is a crash. With `S3_FUZZ_TRACE` set, each
//! request's status and answer are printed (to check that inputs reach the parsers).

#![no_main]

use std::sync::Arc;

use base64::Engine;
use cloudlet_core::traits::{FormAuth, FormAuthenticator, FormSignature};
use cloudlet_core::{
    AccountId, AwsError, Principal, Region, RequestContext, Service, ServiceId, body,
};
use cloudlet_s3::S3;
use cloudlet_store::Store;
use libfuzzer_sys::fuzz_target;
use md5::{Digest, Md5};

// S3 wants the decoded length of an `aws-chunked` body up front; it is checked only after
// the whole body has been decoded, so any number lets the input reach the decoder.
const CHUNKED: &[(&str, &str)] = &[
    ("content-encoding", "aws-chunked"),
    ("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
    ("x-amz-trailer", "x-amz-checksum-crc32"),
    ("x-amz-decoded-content-length", "1"),
];
const SIGNED_CHUNKS: &[(&str, &str)] = &[
    ("content-encoding", "aws-chunked"),
    ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
    ("x-amz-decoded-content-length", "1"),
];
const FORM: &[(&str, &str)] = &[("content-type", "multipart/form-data; boundary=B")];

/// Request shapes: method, path and query, headers.
const SHAPES: &[(&str, &str, &[(&str, &str)])] = &[
    ("PUT", "/fuzz?website", &[]),
    ("PUT", "/fuzz?tagging", &[]),
    ("PUT", "/fuzz/k?tagging", &[]),
    ("POST", "/fuzz?delete", &[]),
    ("POST", "/fuzz/mp?uploadId=$UPLOAD", &[]),
    ("PUT", "/fuzz?versioning", &[]),
    ("PUT", "/fuzz?object-lock", &[]),
    ("PUT", "/fuzz/k?retention", &[]),
    ("PUT", "/fuzz/k?legal-hold", &[]),
    ("PUT", "/fuzz?cors", &[]),
    ("PUT", "/fuzz?lifecycle", &[]),
    ("PUT", "/fuzz?acl", &[]),
    ("PUT", "/fuzz/k?acl", &[]),
    ("PUT", "/fuzz?notification", &[]),
    ("PUT", "/fuzz?encryption", &[]),
    ("PUT", "/fuzz?ownershipControls", &[]),
    ("PUT", "/fuzz?logging", &[]),
    ("PUT", "/fuzz?requestPayment", &[]),
    ("PUT", "/fuzz?accelerate", &[]),
    ("PUT", "/fuzz?policy", &[]),
    ("PUT", "/fuzz?publicAccessBlock", &[]),
    ("PUT", "/newb", &[]),
    ("PUT", "/fuzz/c", CHUNKED),
    ("PUT", "/fuzz/c", SIGNED_CHUNKS),
    ("PUT", "/fuzz/mp?partNumber=2&uploadId=$UPLOAD", CHUNKED),
    ("POST", "/fuzz", FORM),
    ("PUT", "/fuzz/c?tagging", &[]),
    ("POST", "/fuzz/k?delete", &[]),
];

/// Signed POST forms are signed by the account itself.
struct Root;

impl FormAuthenticator for Root {
    fn authenticate(
        &self,
        _: &FormSignature,
        _: &str,
        _: Option<&str>,
    ) -> Result<Principal, AwsError> {
        Ok(Principal::Root {
            account: AccountId::default(),
        })
    }
}

struct Req {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

async fn call(s3: &S3, r: &Req) -> (u16, Vec<u8>) {
    let ctx = RequestContext::internal(
        ServiceId::S3,
        AccountId::default(),
        Region::default(),
        "http://127.0.0.1:4566",
    );
    let Ok(method) = http::Method::from_bytes(r.method.as_bytes()) else {
        return (0, Vec::new());
    };
    let mut b = http::Request::builder()
        .method(method)
        .uri(r.target.as_str());
    for (k, v) in &r.headers {
        b = b.header(k.as_str(), v.as_str());
    }
    b = b.header("content-length", r.body.len());
    let Ok(mut req) = b.body(body::full(r.body.clone())) else {
        return (0, Vec::new());
    };
    req.extensions_mut().insert(FormAuth(Arc::new(Root)));
    match s3.handle(ctx, req).await {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let bytes = body::collect(resp.into_body(), 1 << 24)
                .await
                .map(|b| b.to_vec())
                .unwrap_or_default();
            (status, bytes)
        }
        Err(e) => (e.status, e.message.into_bytes()),
    }
}

fn req(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Req {
    Req {
        method: method.into(),
        target: target.into(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.to_vec(),
    }
}

/// The text between `<tag>` and `</tag>` in an XML answer.
fn element(xml: &[u8], tag: &str) -> String {
    let text = String::from_utf8_lossy(xml);
    let open = format!("<{tag}>");
    text.split_once(&open)
        .and_then(|(_, rest)| rest.split_once(&format!("</{tag}>")))
        .map(|(v, _)| v.to_string())
        .unwrap_or_default()
}

/// The fixture; the upload id and the part's ETag.
async fn setup(s3: &S3) -> (String, String) {
    let ok = |(status, body): (u16, Vec<u8>)| {
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        body
    };
    let lock = [("x-amz-bucket-object-lock-enabled", "true")];
    ok(call(s3, &req("PUT", "/fuzz", &lock, b"")).await);
    ok(call(s3, &req("PUT", "/fuzz/k", &[], b"hello")).await);
    let xml = ok(call(s3, &req("POST", "/fuzz/mp?uploads", &[], b"")).await);
    let upload = element(&xml, "UploadId");
    let part = req(
        "PUT",
        &format!("/fuzz/mp?partNumber=1&uploadId={upload}"),
        &[],
        b"part one",
    );
    ok(call(s3, &part).await);
    let etag = format!("\"{:x}\"", Md5::digest(b"part one"));
    (upload, etag)
}

/// `METHOD target\n` header lines, a blank line, the body.
fn raw(data: &[u8]) -> Option<Req> {
    let split = data.windows(2).position(|w| w == b"\n\n");
    let (head, body) = match split {
        Some(i) => (&data[..i], &data[i + 2..]),
        None => (data, &[][..]),
    };
    let head = std::str::from_utf8(head).ok()?;
    let mut lines = head.lines();
    let (method, target) = lines.next()?.split_once(' ')?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Some(Req {
        method: method.into(),
        target: target.into(),
        headers,
        body: body.to_vec(),
    })
}

fn shaped(selector: u8, data: &[u8], upload: &str, etag: &str) -> Req {
    let (method, target, headers) = SHAPES[usize::from(selector & 0x7f) % SHAPES.len()];
    let text = String::from_utf8_lossy(data);
    let body = if text.contains('$') {
        text.replace("$UPLOAD", upload)
            .replace("$ETAG", etag)
            .into_bytes()
    } else {
        data.to_vec()
    };
    let mut r = req(method, &target.replace("$UPLOAD", upload), headers, &body);
    if selector & 0x80 != 0 {
        let md5 = base64::engine::general_purpose::STANDARD.encode(Md5::digest(&body));
        r.headers.push(("content-md5".into(), md5));
    }
    r
}

thread_local! {
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    // Built outside the runtime, so no lifecycle sweeper starts.
    let s3 = S3::new(Store::ephemeral().unwrap());
    RUNTIME.with(|rt| {
        rt.block_on(async {
            let (upload, etag) = setup(&s3).await;
            let r = if selector & 0x7f == 0x7f {
                match raw(rest) {
                    Some(r) => r,
                    None => return,
                }
            } else {
                shaped(selector, rest, &upload, &etag)
            };
            let (status, answer) = call(&s3, &r).await;
            if std::env::var_os("S3_FUZZ_TRACE").is_some() {
                let answer = String::from_utf8_lossy(&answer);
                eprintln!("{} {} -> {status} {answer:.300}", r.method, r.target);
            }
            let read = req("GET", &r.target, &[], b"");
            call(&s3, &read).await;
            call(&s3, &req("GET", "/fuzz?versions", &[], b"")).await;
        })
    });
});
