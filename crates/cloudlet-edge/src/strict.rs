//! Strict authentication (`--strict-auth`): verifies each request's SigV4 signature with the
//! secret of its access key and refuses what AWS would refuse, with each service's own error
//! codes. Off by default, when any credentials are accepted for the account they name.

use std::sync::Arc;

use cloudlet_core::body::{self, Body};
use cloudlet_core::traits::SecretStore;
use cloudlet_core::{AwsError, ServiceId};

use crate::verify::{self, SigError};

/// Largest body hashed to check a signature that does not carry `x-amz-content-sha256`.
const MAX_HASHED_BODY: usize = 64 << 20;

pub(crate) struct StrictAuth {
    pub(crate) secrets: Arc<dyn SecretStore>,
    pub(crate) root_access_key: String,
    pub(crate) root_secret: String,
}

/// The ways authentication fails, before they are given each service's names.
enum Failure {
    Missing,
    UnknownKey,
    Sig(SigError),
}

impl StrictAuth {
    pub(crate) fn is_root(&self, access_key: &str) -> bool {
        access_key == self.root_access_key
    }

    /// Checks `req`; returns it (with its body restored if it had to be read).
    pub(crate) async fn authenticate(
        &self,
        service: ServiceId,
        req: http::Request<Body>,
    ) -> Result<http::Request<Body>, AwsError> {
        match self.check(service, req).await {
            Ok(req) => Ok(req),
            Err(f) => Err(error(service, f)),
        }
    }

    async fn check(
        &self,
        service: ServiceId,
        req: http::Request<Body>,
    ) -> Result<http::Request<Body>, Failure> {
        let query = verify::query_pairs(req.uri().query().unwrap_or(""));
        let signed = req.headers().contains_key("authorization")
            || query
                .iter()
                .any(|(k, _)| k == "X-Amz-Credential" || k == "AWSAccessKeyId");
        if !signed {
            return match service {
                // Anonymous callers are served (and authorized by policy) here, as on AWS.
                ServiceId::S3 | ServiceId::S3Website | ServiceId::ExecuteApi => Ok(req),
                _ => Err(Failure::Missing),
            };
        }
        if matches!(service, ServiceId::S3Website | ServiceId::ExecuteApi) {
            return Ok(req);
        }
        let sig = verify::parse(req.headers(), &query).map_err(Failure::Sig)?;
        let (secret, token) = if self.is_root(&sig.access_key) {
            (self.root_secret.clone(), None)
        } else {
            let k = self
                .secrets
                .secret(&sig.access_key)
                .ok_or(Failure::UnknownKey)?;
            (k.secret_access_key, k.session_token)
        };
        let presented_token = req
            .headers()
            .get("x-amz-security-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| {
                query
                    .iter()
                    .find(|(k, _)| k == "X-Amz-Security-Token")
                    .map(|(_, v)| v.clone())
            });
        let header_hash = req
            .headers()
            .get("x-amz-content-sha256")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let (req, payload_hash) = match header_hash {
            Some(h) => (req, h),
            None if sig.presigned => (req, "UNSIGNED-PAYLOAD".to_string()),
            None => {
                let (parts, b) = req.into_parts();
                let bytes = body::collect(b, MAX_HASHED_BODY)
                    .await
                    .map_err(|e| Failure::Sig(SigError::Malformed(e.to_string())))?;
                let hash = verify::sha256_hex(&bytes);
                (http::Request::from_parts(parts, body::full(bytes)), hash)
            }
        };
        let path = req.uri().path().to_string();
        let canonical = verify::canonical_request(
            req.method().as_str(),
            &path,
            &query,
            req.headers(),
            &sig,
            &payload_hash,
        );
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        verify::check(
            &sig,
            &canonical,
            &secret,
            token.as_deref(),
            presented_token.as_deref(),
            now,
        )
        .map_err(Failure::Sig)?;
        Ok(req)
    }
}

const BAD_SIGNATURE: &str = "The request signature we calculated does not match the signature \
     you provided. Check your AWS Secret Access Key and signing method. Consult the service \
     documentation for details.";
const BAD_TOKEN: &str = "The security token included in the request is invalid.";

/// Each service's names for the same failures.
fn error(service: ServiceId, f: Failure) -> AwsError {
    match service {
        ServiceId::S3 | ServiceId::S3Website => match f {
            Failure::Missing => AwsError::new(403, "AccessDenied", "Access Denied"),
            Failure::UnknownKey => AwsError::new(
                403,
                "InvalidAccessKeyId",
                "The AWS Access Key Id you provided does not exist in our records.",
            ),
            Failure::Sig(SigError::Expired) => {
                AwsError::new(403, "AccessDenied", "Request has expired")
            }
            Failure::Sig(SigError::BadToken) => AwsError::new(
                400,
                "InvalidToken",
                "The provided token is malformed or otherwise invalid.",
            ),
            Failure::Sig(SigError::Malformed(m)) => {
                AwsError::new(400, "AuthorizationQueryParametersError", m)
            }
            Failure::Sig(SigError::Mismatch) => AwsError::new(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. \
                 Check your key and signing method.",
            ),
        },
        ServiceId::Iam | ServiceId::Sts => match f {
            Failure::Missing => AwsError::new(
                403,
                "MissingAuthenticationToken",
                "Request is missing Authentication Token",
            ),
            Failure::UnknownKey | Failure::Sig(SigError::BadToken) => {
                AwsError::new(403, "InvalidClientTokenId", BAD_TOKEN)
            }
            Failure::Sig(SigError::Malformed(m)) => AwsError::new(400, "IncompleteSignature", m),
            Failure::Sig(_) => AwsError::new(403, "SignatureDoesNotMatch", BAD_SIGNATURE),
        },
        // The JSON and REST-JSON services share their names; DynamoDB and Logs answer 400.
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
                Failure::Missing => AwsError::new(
                    status,
                    "MissingAuthenticationTokenException",
                    "Request is missing Authentication Token",
                ),
                Failure::UnknownKey | Failure::Sig(SigError::BadToken) => {
                    AwsError::new(status, "UnrecognizedClientException", BAD_TOKEN)
                }
                Failure::Sig(SigError::Malformed(m)) => {
                    AwsError::new(status, "IncompleteSignatureException", m)
                }
                Failure::Sig(_) => {
                    AwsError::new(status, "InvalidSignatureException", BAD_SIGNATURE)
                }
            }
        }
    }
}
