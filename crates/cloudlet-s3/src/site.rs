//! The website endpoint (`{bucket}.s3-website…`): anonymous GET/HEAD only, none for
//! Requester Pays buckets, index documents (also for `dir/`, and `dir` → S3's 302 page to
//! `dir/`), error documents served with the error's status and its `x-amz-error-*`
//! headers (or redirecting, when they carry a website redirect), redirect-all, routing
//! rules and per-object website redirects. Errors become S3's HTML error pages (rendered by
//! the edge); one whose custom error document cannot be served either lists that failure
//! too.

use cloudlet_core::{HostLabel, Principal, Request, RequestContext, Response};
use http::{Method, StatusCode};
use percent_encoding::percent_decode_str;

use crate::S3;
use crate::error::{S3Error, S3Result};
use crate::ops::object::{load_readable, serve as serve_object};
use crate::ops::{empty, set_header};
use crate::protocol::Query;

fn redirect(status: u16, location: &str) -> Response {
    let mut r = empty(StatusCode::from_u16(status).unwrap_or(StatusCode::MOVED_PERMANENTLY));
    set_header(&mut r, "location", location);
    r
}

/// The object's `x-amz-website-redirect-location`.
fn website_redirect(obj: &crate::state::Object) -> Option<&str> {
    obj.headers
        .iter()
        .find(|(k, _)| k == "x-amz-website-redirect-location")
        .map(|(_, v)| v.as_str())
}

pub async fn handle(s3: &S3, ctx: &RequestContext, req: Request) -> S3Result<Response> {
    let bucket = req
        .extensions()
        .get::<HostLabel>()
        .map(|l| l.0.clone())
        .unwrap_or_default();
    let head = match *req.method() {
        Method::GET => false,
        Method::HEAD => true,
        _ => {
            return Err(S3Error::MethodNotAllowed {
                method: req.method().as_str().to_string(),
                resource: "OBJECT",
            });
        }
    };
    // Website endpoints serve anonymous requests only.
    let ctx = RequestContext {
        principal: Principal::Anonymous,
        ..ctx.clone()
    };
    let b = s3.bucket(&bucket)?;
    let website = b
        .website
        .ok_or_else(|| S3Error::NoSuchWebsiteConfiguration(bucket.clone()))?;
    // Requester Pays buckets take no anonymous requests, so they serve no website.
    if crate::ops::settings::requester_pays(s3, &bucket)? {
        return Err(S3Error::AccessDenied);
    }
    let host = req
        .headers()
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let path = req.uri().path().strip_prefix('/').unwrap_or("");
    let path = percent_decode_str(path).decode_utf8_lossy().into_owned();
    if let Some((target, protocol)) = &website.redirect_all {
        let protocol = protocol.as_deref().unwrap_or("http");
        let path = crate::website::location_path(&path);
        return Ok(redirect(301, &format!("{protocol}://{target}/{path}")));
    }
    let index = website.index_suffix.clone().unwrap_or_default();
    let key = if path.is_empty() || path.ends_with('/') {
        format!("{path}{index}")
    } else {
        path.clone()
    };
    if let Some(rule) = website.rule_for(&path, None) {
        let (status, location) = rule.location(&path, &host);
        return Ok(redirect(status, &location));
    }
    let query = Query::default();
    let err = match load_readable(s3, &ctx, &bucket, &key) {
        Ok(obj) => {
            if let Some(to) = website_redirect(&obj) {
                return Ok(redirect(301, to));
            }
            // No customer key reaches an object through the website endpoint.
            if crate::sse_c::stored_key_md5(&obj.headers).is_some() {
                return Err(crate::sse_c::SseCError::KeyRequired.into());
            }
            return serve_object(s3, &obj, req.headers(), &query, head).await;
        }
        Err(e) => e,
    };
    // `dir` without its slash: redirect when `dir/index` exists.
    if matches!(err, S3Error::NoSuchKey(_) | S3Error::AccessDenied)
        && !path.is_empty()
        && !path.ends_with('/')
        && load_readable(s3, &ctx, &bucket, &format!("{path}/{index}")).is_ok()
    {
        return Err(S3Error::WithHeaders {
            error: Box::new(S3Error::WebsiteFound),
            headers: vec![(
                "location",
                format!("/{}/", crate::website::location_path(&path)),
            )],
        });
    }
    let status = match &err {
        S3Error::NoSuchKey(_) => 404,
        S3Error::AccessDenied => 403,
        _ => return Err(err),
    };
    if let Some(rule) = website.rule_for(&path, Some(status)) {
        let (code, location) = rule.location(&path, &host);
        return Ok(redirect(code, &location));
    }
    let Some(error_key) = &website.error_key else {
        return Err(err);
    };
    match load_readable(s3, &ctx, &bucket, error_key) {
        Ok(doc) => {
            // An error document that is itself a website redirect redirects.
            if let Some(to) = website_redirect(&doc) {
                return Ok(redirect(301, to));
            }
            let mut r = serve_object(s3, &doc, &http::HeaderMap::new(), &query, head).await?;
            *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::NOT_FOUND);
            cloudlet_core::error::html_error_headers(&err.into(), r.headers_mut());
            Ok(r)
        }
        // S3's page then names both failures.
        Err(document @ (S3Error::NoSuchKey(_) | S3Error::AccessDenied)) => {
            Err(S3Error::ErrorDocumentFailed {
                error: Box::new(err),
                document: Box::new(document),
            })
        }
        Err(e) => Err(e),
    }
}
