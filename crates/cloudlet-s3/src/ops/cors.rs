//! CORS: Put/Get/DeleteBucketCors, the preflight `OPTIONS` request answered from the
//! bucket's rules, and the CORS headers added to actual requests that carry an `Origin`
//! matching a rule — to their answers and their errors alike (REST API and website
//! endpoint).

use cloudlet_core::{Request, RequestContext, Response};
use http::{HeaderMap, StatusCode};

use super::{empty, set_header, xml_response};
use crate::S3;
use crate::config_error::ConfigError;
use crate::cors::{CorsConfiguration, response_headers, split_headers};
use crate::error::{S3Error, S3Result};
use crate::subresource::Subresource;
use crate::upload::hv;

const NAME: &str = "cors";

pub async fn put(s3: &S3, ctx: &RequestContext, bucket: &str, req: Request) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:PutBucketCORS")?;
    let root = super::required_xml_body(req).await?;
    let config = CorsConfiguration::from_xml(&root)?;
    s3.store_config(bucket, Subresource::Cors.name(), Some(config))
        .await?;
    Ok(empty(StatusCode::OK))
}

pub fn get(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:GetBucketCORS")?;
    let config: CorsConfiguration = s3
        .config(bucket, NAME)?
        .ok_or_else(|| ConfigError::NoSuchCorsConfiguration(bucket.to_string()))?;
    Ok(xml_response(config.to_xml()))
}

pub async fn delete(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:PutBucketCORS")?;
    s3.store_config::<CorsConfiguration>(bucket, NAME, None)
        .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// Answers a preflight request for `bucket` (`resource` is `OBJECT` or `BUCKET`).
pub fn preflight(
    s3: &S3,
    bucket: &str,
    resource: &'static str,
    h: &HeaderMap,
) -> S3Result<Response> {
    let Some(origin) = hv(h, "origin") else {
        return Err(ConfigError::BadRequest(
            "Insufficient information. Origin request header needed.".into(),
        )
        .into());
    };
    let method = hv(h, "access-control-request-method");
    let forbidden = |message, resource| ConfigError::CorsForbidden {
        message,
        method: method.unwrap_or("OPTIONS").to_string(),
        resource,
    };
    if s3.bucket(bucket).is_err() {
        return Err(forbidden("CORSResponse: Bucket not found", "BUCKET").into());
    }
    let config: Option<CorsConfiguration> = s3.config(bucket, NAME)?;
    let Some(config) = config else {
        return Err(forbidden(
            "CORSResponse: CORS is not enabled for this bucket.",
            "BUCKET",
        )
        .into());
    };
    let Some(method) = method else {
        return Err(
            ConfigError::BadRequest("Invalid Access-Control-Request-Method: null".into()).into(),
        );
    };
    let headers = split_headers(hv(h, "access-control-request-headers").unwrap_or(""));
    let Some(rule) = config.find(origin, method, &headers) else {
        return Err(forbidden(
            "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
            resource,
        )
        .into());
    };
    let mut r = empty(StatusCode::OK);
    for (name, value) in response_headers(rule, origin, &headers) {
        set_header(&mut r, name, &value);
    }
    Ok(r)
}

/// What an actual request (one carrying an `Origin`) is matched by, captured before its body
/// is consumed: S3 takes the method from `Access-Control-Request-Method` when the request
/// carries one, and checks the names in `Access-Control-Request-Headers` as a preflight's,
/// never the headers the request really has.
pub struct ActualRequest {
    origin: String,
    method: String,
    headers: Vec<String>,
}

impl ActualRequest {
    pub fn of(req: &Request) -> Option<ActualRequest> {
        let h = req.headers();
        Some(ActualRequest {
            origin: hv(h, "origin")?.to_string(),
            method: hv(h, "access-control-request-method")
                .unwrap_or(req.method().as_str())
                .to_string(),
            headers: split_headers(hv(h, "access-control-request-headers").unwrap_or("")),
        })
    }
}

/// The CORS headers of the first rule of `bucket` matching an actual request; none without
/// an `Origin` (then the configuration is not read at all).
fn headers_for(
    s3: &S3,
    bucket: &str,
    actual: Option<&ActualRequest>,
) -> Vec<(&'static str, String)> {
    let Some(a) = actual.filter(|_| !bucket.is_empty()) else {
        return Vec::new();
    };
    let Ok(Some(config)) = s3.config::<CorsConfiguration>(bucket, NAME) else {
        return Vec::new();
    };
    config
        .find(&a.origin, &a.method, &a.headers)
        .map(|rule| response_headers(rule, &a.origin, &a.headers))
        .unwrap_or_default()
}

/// Adds the CORS headers of the first rule matching an actual request to its response.
pub fn decorate(s3: &S3, bucket: &str, actual: Option<&ActualRequest>, r: &mut Response) {
    for (name, value) in headers_for(s3, bucket, actual) {
        set_header(r, name, &value);
    }
}

/// An error answering an actual request carries the same CORS headers a success would.
pub fn decorate_error(
    s3: &S3,
    bucket: &str,
    actual: Option<&ActualRequest>,
    e: S3Error,
) -> S3Error {
    let extra = headers_for(s3, bucket, actual);
    if extra.is_empty() {
        return e;
    }
    match e {
        S3Error::WithHeaders { error, mut headers } => {
            headers.extend(extra);
            S3Error::WithHeaders { error, headers }
        }
        error => S3Error::WithHeaders {
            error: Box::new(error),
            headers: extra,
        },
    }
}
