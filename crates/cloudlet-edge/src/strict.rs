//! Strict authentication (`--strict-auth`): verifies each request's signature (SigV4, and
//! SigV2 for S3) with the secret of its access key and refuses what AWS would refuse, with
//! each service's own error codes. Off by default, when any credentials are accepted for the
//! account they name. Also verifies the signatures of S3 POST-form uploads, which travel in
//! the body ([`StrictAuth::verify_form`]).

use std::sync::Arc;

use cloudlet_core::body::{self, Body};
use cloudlet_core::traits::{FormSignature, KeySecret, SecretStore};
use cloudlet_core::{AwsError, ServiceId};

use crate::chunks;
use crate::clock;
use crate::sigv2;
use crate::verify::{self, Mismatch, SigError};

/// Largest body hashed to check a signature that does not carry `x-amz-content-sha256`:
/// above the largest any service takes whole (Lambda's 70,167,211-byte CreateFunction).
const MAX_HASHED_BODY: usize = 72 << 20;

pub(crate) struct StrictAuth {
    pub(crate) secrets: Arc<dyn SecretStore>,
    pub(crate) root_access_key: String,
    pub(crate) root_secret: String,
}

/// The ways authentication fails, before they are given each service's names.
#[derive(Debug)]
pub(crate) enum Failure {
    /// An unsigned request to a service that serves no anonymous callers.
    Missing,
    UnknownKey(String),
    Sig(SigError),
}

impl From<SigError> for Failure {
    fn from(e: SigError) -> Failure {
        Failure::Sig(e)
    }
}

fn header<'a>(req: &'a http::Request<Body>, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

fn query_value(query: &[(String, String)], name: &str) -> Option<String> {
    query
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}

impl StrictAuth {
    pub(crate) fn is_root(&self, access_key: &str) -> bool {
        access_key == self.root_access_key
    }

    /// The secret and (for temporary credentials) session token of `access_key`; a
    /// request presenting the token of a session that has ended is refused here.
    fn secret_of(
        &self,
        access_key: &str,
        presented: Option<&str>,
    ) -> Result<(String, Option<String>), Failure> {
        if self.is_root(access_key) {
            return Ok((self.root_secret.clone(), None));
        }
        let k = self
            .secrets
            .secret(access_key)
            .ok_or_else(|| Failure::UnknownKey(access_key.to_string()))?;
        ended_session(&k, presented)?;
        Ok((k.secret_access_key, k.session_token))
    }

    /// Checks `req`; returns it (with its body restored if it had to be read). `label` is
    /// the bucket named by the Host (SigV2 signs `/bucket/key` in every addressing style).
    pub(crate) async fn authenticate(
        &self,
        service: ServiceId,
        label: Option<&str>,
        req: http::Request<Body>,
    ) -> Result<http::Request<Body>, AwsError> {
        self.check(service, label, req)
            .await
            .map_err(|f| error(service, f))
    }

    async fn check(
        &self,
        service: ServiceId,
        label: Option<&str>,
        req: http::Request<Body>,
    ) -> Result<http::Request<Body>, Failure> {
        // Website endpoints and deployed APIs are public; their owners decide who may call.
        if matches!(service, ServiceId::S3Website | ServiceId::ExecuteApi) {
            return Ok(req);
        }
        if service == ServiceId::S3 {
            crate::presign::one_mechanism(req.headers(), req.uri().query())?;
        }
        let query = verify::query_pairs(req.uri().query().unwrap_or(""));
        if let Some(sig) = verify::parse(req.headers(), &query) {
            return self.check_v4(service, sig?, &query, req).await;
        }
        if service == ServiceId::S3
            && let Some(sig) = sigv2::parse(req.headers(), &query)
        {
            self.check_v2(&sig?, label, &query, &req)?;
            return Ok(req);
        }
        if let Some(value) = req.headers().get("authorization") {
            let value = String::from_utf8_lossy(value.as_bytes());
            return Err(crate::presign::unsupported(&value).into());
        }
        match service {
            // Anonymous callers are served (and authorized by bucket policy), as on AWS.
            ServiceId::S3 => Ok(req),
            _ => Err(Failure::Missing),
        }
    }

    async fn check_v4(
        &self,
        service: ServiceId,
        sig: verify::Signature,
        query: &[(String, String)],
        req: http::Request<Body>,
    ) -> Result<http::Request<Body>, Failure> {
        let presented = header(&req, "x-amz-security-token")
            .map(str::to_string)
            .or_else(|| query_value(query, "X-Amz-Security-Token"));
        let (secret, token) = self.secret_of(&sig.access_key, presented.as_deref())?;
        let declared = header(&req, "x-amz-content-sha256").map(str::to_string);
        let (req, payload_hash) = match declared {
            Some(h) if service == ServiceId::S3 && !verify::valid_payload_hash(&h) => {
                return Err(SigError::InvalidContentSha256.into());
            }
            Some(h) => (req, h),
            // S3's presigned URLs sign no payload; other services' sign the body's hash.
            None if sig.presigned && service == ServiceId::S3 => {
                (req, "UNSIGNED-PAYLOAD".to_string())
            }
            None if service == ServiceId::S3 => return Err(SigError::MissingContentSha256.into()),
            None => {
                let (parts, b) = req.into_parts();
                let bytes = body::collect(b, MAX_HASHED_BODY)
                    .await
                    .map_err(|e| SigError::Malformed(e.to_string()))?;
                let hash = verify::sha256_hex(&bytes);
                (http::Request::from_parts(parts, body::full(bytes)), hash)
            }
        };
        let canonicals: Vec<String> = verify::canonical_uris(req.uri().path(), &sig.service)
            .iter()
            .map(|uri| {
                verify::canonical_request(
                    req.method().as_str(),
                    uri,
                    query,
                    req.headers(),
                    &sig,
                    &payload_hash,
                )
            })
            .collect();
        verify::check(
            &sig,
            &canonicals,
            &secret,
            token.as_deref(),
            presented.as_deref(),
            clock::now(),
        )?;
        if service == ServiceId::S3 {
            let unsigned = verify::unsigned_amz_headers(req.headers(), &sig);
            if !unsigned.is_empty() {
                return Err(SigError::HeadersNotSigned(unsigned).into());
            }
        }
        if payload_hash.starts_with("STREAMING-AWS4-HMAC-SHA256-PAYLOAD") {
            let chain = chunks::ChunkChain::new(
                verify::signing_key(&secret, &sig.date, &sig.region, &sig.service),
                &sig.amz_date,
                &format!("{}/{}/{}/aws4_request", sig.date, sig.region, sig.service),
                &sig.signature,
                payload_hash.ends_with("-TRAILER"),
            );
            return Ok(req.map(|b| chunks::verifying(b, chain)));
        }
        Ok(req)
    }

    fn check_v2(
        &self,
        sig: &sigv2::SigV2,
        label: Option<&str>,
        query: &[(String, String)],
        req: &http::Request<Body>,
    ) -> Result<(), Failure> {
        let presented = header(req, "x-amz-security-token")
            .map(str::to_string)
            .or_else(|| query_value(query, "x-amz-security-token"));
        let (secret, token) = self.secret_of(&sig.access_key, presented.as_deref())?;
        let path = req.uri().path();
        let resource = match label {
            Some(bucket) => format!("/{bucket}{path}"),
            None => path.to_string(),
        };
        let sts =
            sigv2::string_to_sign(req.method().as_str(), req.headers(), query, &resource, sig);
        if !verify::same(&sigv2::sign(&secret, &sts), &sig.signature) {
            return Err(SigError::Mismatch(Box::new(Mismatch {
                access_key: sig.access_key.clone(),
                string_to_sign: sts,
                canonical_request: String::new(),
                provided: sig.signature.clone(),
            }))
            .into());
        }
        match sig.expires {
            Some(_) => sigv2::check_time(sig, clock::now())?,
            None => sigv2::check_header_date(req.headers(), clock::now())?,
        }
        if token != presented {
            return Err(SigError::BadToken {
                presented: presented.is_some(),
            }
            .into());
        }
        Ok(())
    }

    /// Checks the signature of a POST-form upload over its base64 `policy`.
    pub(crate) fn verify_form(
        &self,
        sig: &FormSignature,
        policy: &str,
        presented: Option<&str>,
    ) -> Result<(), Failure> {
        let (access_key, want, provided) = match sig {
            FormSignature::V4 {
                credential,
                signature,
                ..
            } => {
                let parts: Vec<&str> = credential.split('/').collect();
                let [key, date, region, service, "aws4_request"] = parts.as_slice() else {
                    return Err(SigError::InvalidArgument(format!(
                        "Invalid argument: x-amz-credential {credential}"
                    ))
                    .into());
                };
                let (secret, token) = self.secret_of(key, presented)?;
                check_token(token.as_deref(), presented)?;
                let want = verify::sign(&secret, date, region, service, policy);
                (key.to_string(), want, signature)
            }
            FormSignature::V2 {
                access_key,
                signature,
            } => {
                let (secret, token) = self.secret_of(access_key, presented)?;
                check_token(token.as_deref(), presented)?;
                (access_key.clone(), sigv2::sign(&secret, policy), signature)
            }
        };
        if !verify::same(&want, provided) {
            return Err(SigError::Mismatch(Box::new(Mismatch {
                access_key,
                string_to_sign: policy.to_string(),
                canonical_request: String::new(),
                provided: provided.clone(),
            }))
            .into());
        }
        Ok(())
    }
}

/// Refuses a request that presents the token of a session that has ended (another token is
/// refused as invalid once the signature is checked).
fn ended_session(k: &KeySecret, presented: Option<&str>) -> Result<(), SigError> {
    match presented {
        Some(p) if k.expired && k.session_token.as_deref() == Some(p) => {
            Err(SigError::ExpiredToken(p.to_string()))
        }
        _ => Ok(()),
    }
}

fn check_token(expected: Option<&str>, presented: Option<&str>) -> Result<(), Failure> {
    if expected != presented {
        return Err(SigError::BadToken {
            presented: presented.is_some(),
        }
        .into());
    }
    Ok(())
}

const BAD_SIGNATURE: &str = "The request signature we calculated does not match the signature \
     you provided. Check your AWS Secret Access Key and signing method. Consult the service \
     documentation for details.";
const BAD_TOKEN: &str = "The security token included in the request is invalid.";
const MISSING_TOKEN: &str = "Request is missing Authentication Token";
const EXPIRED_TOKEN: &str = "The security token included in the request is expired";

/// S3's `…Bytes` rendering of a signed text: each byte as two hex digits, space-separated.
fn hex_bytes(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for (i, b) in s.bytes().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The message the JSON and query services give a request dated outside the 15 minutes.
fn skew_message(request_time: &str, now: u64) -> String {
    let past = clock::amz_date_seconds(request_time).is_none_or(|t| t < now);
    if past {
        format!(
            "Signature expired: {request_time} is now earlier than {} ({} - 15 min.)",
            clock::amz_date(now.saturating_sub(verify::MAX_SKEW_SECS)),
            clock::amz_date(now)
        )
    } else {
        format!(
            "Signature not yet current: {request_time} is still later than {} ({} + 15 min.)",
            clock::amz_date(now + verify::MAX_SKEW_SECS),
            clock::amz_date(now)
        )
    }
}

/// Each service's names for the same failures: S3 first, then IAM/STS (query XML), then
/// the JSON services (DynamoDB and Logs answer 400, Lambda and API Gateway 403).
pub(crate) fn error(service: ServiceId, f: Failure) -> AwsError {
    match service {
        ServiceId::S3 | ServiceId::S3Website => s3_error(f),
        ServiceId::Iam | ServiceId::Sts => match f {
            Failure::Missing => AwsError::new(403, "MissingAuthenticationToken", MISSING_TOKEN),
            Failure::UnknownKey(_) | Failure::Sig(SigError::BadToken { .. }) => {
                AwsError::new(403, "InvalidClientTokenId", BAD_TOKEN)
            }
            Failure::Sig(
                SigError::Skewed { request_time, now }
                | SigError::InvalidDate { request_time, now },
            ) => AwsError::new(
                403,
                "SignatureDoesNotMatch",
                skew_message(&request_time, now),
            ),
            Failure::Sig(SigError::ExpiredToken(_)) => {
                AwsError::new(403, "ExpiredToken", EXPIRED_TOKEN)
            }
            Failure::Sig(SigError::Argument { message, .. }) => {
                AwsError::new(400, "IncompleteSignature", message)
            }
            Failure::Sig(
                SigError::Malformed(m) | SigError::BadQuery(m) | SigError::InvalidArgument(m),
            ) => AwsError::new(400, "IncompleteSignature", m),
            Failure::Sig(_) => AwsError::new(403, "SignatureDoesNotMatch", BAD_SIGNATURE),
        },
        _ => {
            let status = if matches!(
                service,
                ServiceId::DynamoDb | ServiceId::DynamoDbStreams | ServiceId::Logs
            ) {
                400
            } else {
                403
            };
            match f {
                Failure::Missing => {
                    AwsError::new(status, "MissingAuthenticationTokenException", MISSING_TOKEN)
                }
                Failure::UnknownKey(_) | Failure::Sig(SigError::BadToken { .. }) => {
                    AwsError::new(status, "UnrecognizedClientException", BAD_TOKEN)
                }
                Failure::Sig(
                    SigError::Skewed { request_time, now }
                    | SigError::InvalidDate { request_time, now },
                ) => AwsError::new(
                    status,
                    "InvalidSignatureException",
                    skew_message(&request_time, now),
                ),
                Failure::Sig(SigError::ExpiredToken(_)) => {
                    AwsError::new(status, "ExpiredTokenException", EXPIRED_TOKEN)
                }
                Failure::Sig(SigError::Argument { message, .. }) => {
                    AwsError::new(status, "IncompleteSignatureException", message)
                }
                Failure::Sig(
                    SigError::Malformed(m) | SigError::BadQuery(m) | SigError::InvalidArgument(m),
                ) => AwsError::new(status, "IncompleteSignatureException", m),
                Failure::Sig(_) => {
                    AwsError::new(status, "InvalidSignatureException", BAD_SIGNATURE)
                }
            }
        }
    }
}

fn s3_error(f: Failure) -> AwsError {
    let unknown_key = |key: String| {
        AwsError::new(
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        )
        .with("AWSAccessKeyId", key)
    };
    let e = match f {
        Failure::Missing => return AwsError::new(403, "AccessDenied", "Access Denied"),
        Failure::UnknownKey(key) => return unknown_key(key),
        Failure::Sig(e) => e,
    };
    match e {
        SigError::Malformed(m) => AwsError::client(
            "AuthorizationHeaderMalformed",
            format!("The authorization header is malformed; {m}"),
        ),
        SigError::BadQuery(m) if m.starts_with("Query-string authentication requires") => {
            AwsError::new(403, "AccessDenied", m)
        }
        SigError::BadQuery(m) => AwsError::client("AuthorizationQueryParametersError", m),
        SigError::InvalidArgument(m) => AwsError::client("InvalidArgument", m),
        SigError::Argument {
            message,
            name,
            value,
        } => AwsError::invalid_argument(message, name, value),
        SigError::InvalidDate { .. } => AwsError::new(
            403,
            "AccessDenied",
            "AWS authentication requires a valid Date or x-amz-date header",
        ),
        SigError::ExpiredToken(token) => {
            AwsError::client("ExpiredToken", "The provided token has expired.")
                .with("Token-0", token)
        }
        SigError::Expired {
            x_amz_expires,
            expires_at,
            now,
        } => {
            let mut e = AwsError::new(403, "AccessDenied", "Request has expired");
            if let Some(n) = x_amz_expires {
                e = e.with("X-Amz-Expires", n.to_string());
            }
            e.with("Expires", clock::iso(expires_at))
                .with("ServerTime", clock::iso(now))
        }
        // S3 reports the URL's date in milliseconds here.
        SigError::NotYetValid {
            start,
            expires_at,
            now,
        } => AwsError::new(403, "AccessDenied", "Request is not yet valid")
            .with("X-Amz-Date", (start * 1000).to_string())
            .with("Expires", clock::iso(expires_at))
            .with("ServerTime", clock::iso(now)),
        SigError::Skewed { request_time, now } => AwsError::new(
            403,
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
        )
        .with("RequestTime", request_time)
        .with("ServerTime", clock::iso(now))
        .with("MaxAllowedSkewMilliseconds", "900000"),
        SigError::Mismatch(m) => {
            let mut e = AwsError::new(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. \
                 Check your key and signing method.",
            )
            .with("AWSAccessKeyId", m.access_key)
            .with("StringToSign", m.string_to_sign.as_str())
            .with("SignatureProvided", m.provided)
            .with("StringToSignBytes", hex_bytes(&m.string_to_sign));
            if !m.canonical_request.is_empty() {
                e = e
                    .with("CanonicalRequest", m.canonical_request.as_str())
                    .with("CanonicalRequestBytes", hex_bytes(&m.canonical_request));
            }
            e
        }
        SigError::BadToken { presented: true } => AwsError::client(
            "InvalidToken",
            "The provided token is malformed or otherwise invalid.",
        ),
        // Temporary keys do not exist without their token.
        SigError::BadToken { presented: false } => AwsError::new(
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        ),
        SigError::HeadersNotSigned(names) => AwsError::new(
            403,
            "AccessDenied",
            "There were headers present in the request which were not signed",
        )
        .with("HeadersNotSigned", names.join(", ")),
        SigError::MissingContentSha256 => AwsError::client(
            "InvalidRequest",
            "Missing required header for this request: x-amz-content-sha256",
        ),
        SigError::InvalidContentSha256 => AwsError::client(
            "InvalidArgument",
            "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, \
             STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, \
             STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, \
             STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(token: Option<&str>, expired: bool) -> KeySecret {
        KeySecret {
            secret_access_key: "s".into(),
            session_token: token.map(str::to_string),
            expired,
        }
    }

    #[test]
    fn ended_sessions() {
        let cases = [
            (
                key(Some("t"), true),
                Some("t"),
                Err(SigError::ExpiredToken("t".into())),
            ),
            // Another token is refused as invalid, once the signature has been checked.
            (key(Some("t"), true), Some("u"), Ok(())),
            (key(Some("t"), true), None, Ok(())),
            (key(Some("t"), false), Some("t"), Ok(())),
            (key(None, false), None, Ok(())),
        ];
        for (k, presented, want) in cases {
            assert_eq!(ended_session(&k, presented), want, "{k:?} {presented:?}");
        }
        let e = s3_error(Failure::Sig(SigError::ExpiredToken("t".into())));
        assert_eq!((e.status, e.code.as_ref()), (400, "ExpiredToken"));
        assert_eq!(e.extra, vec![("Token-0", "t".to_string())]);
    }

    #[test]
    fn mismatch_shows_the_bytes() {
        let e = s3_error(Failure::Sig(SigError::Mismatch(Box::new(Mismatch {
            access_key: "AK".into(),
            string_to_sign: "AW\n".into(),
            canonical_request: "GET".into(),
            provided: "00".into(),
        }))));
        let names: Vec<(&str, &str)> = e.extra.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            names,
            [
                ("AWSAccessKeyId", "AK"),
                ("StringToSign", "AW\n"),
                ("SignatureProvided", "00"),
                ("StringToSignBytes", "41 57 0a"),
                ("CanonicalRequest", "GET"),
                ("CanonicalRequestBytes", "47 45 54"),
            ]
        );
    }
}
