//! What the edge reads from a request's signature: the access key and the credential scope
//! (`AKID/20260101/ap-northeast-2/dynamodb/aws4_request`), from the `Authorization` header
//! or from presigned-URL query parameters (SigV4 `X-Amz-Credential`, SigV2
//! `AWSAccessKeyId`). Signature verification (strict mode) is not done here.

use cloudlet_core::SignedIn;

/// The parts of a SigV4 credential scope the edge routes on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    pub access_key: String,
    /// `None` for SigV2, which has no scope.
    pub region: Option<String>,
    pub service: Option<String>,
    /// Whether it came from the `Authorization` header or the query.
    pub signed_in: SignedIn,
}

/// Parses `AKID/date/region/service/aws4_request`.
fn parse_scope(s: &str, signed_in: SignedIn) -> Option<Credential> {
    let mut parts = s.split('/');
    let access_key = parts.next()?.to_string();
    let _date = parts.next()?;
    let region = parts.next()?.to_string();
    let service = parts.next()?.to_string();
    if access_key.is_empty() || parts.next() != Some("aws4_request") {
        return None;
    }
    Some(Credential {
        access_key,
        region: Some(region),
        service: Some(service),
        signed_in,
    })
}

/// The credential of a signed request, from its `Authorization` header or its query.
pub fn credential(authorization: Option<&str>, query: Option<&str>) -> Option<Credential> {
    if let Some(auth) = authorization {
        if let Some(rest) = auth.strip_prefix("AWS4-HMAC-SHA256") {
            let cred = rest
                .split(',')
                .find_map(|p| p.trim().strip_prefix("Credential="))?;
            return parse_scope(cred.trim(), SignedIn::Header);
        }
        if let Some(rest) = auth.strip_prefix("AWS ") {
            let (key, _) = crate::sigv2::split_authorization(rest)?;
            return Some(Credential {
                access_key: key.to_string(),
                region: None,
                service: Some("s3".into()),
                signed_in: SignedIn::Header,
            });
        }
        return None;
    }
    let query = query?;
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = percent_encoding::percent_decode_str(v).decode_utf8_lossy();
        match k {
            "X-Amz-Credential" => return parse_scope(&v, SignedIn::Query),
            "AWSAccessKeyId" if !v.is_empty() => {
                return Some(Credential {
                    access_key: v.into_owned(),
                    region: None,
                    service: Some("s3".into()),
                    signed_in: SignedIn::Query,
                });
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(auth: Option<&str>, query: Option<&str>, want: Option<(&str, Option<&str>, &str)>) {
        let got = credential(auth, query);
        // A header credential is the header's, whatever the query holds.
        let place = if auth.is_some() {
            SignedIn::Header
        } else {
            SignedIn::Query
        };
        assert!(
            got.as_ref().is_none_or(|c| c.signed_in == place),
            "{auth:?}"
        );
        let got = got.as_ref().map(|c| {
            (
                c.access_key.as_str(),
                c.region.as_deref(),
                c.service.as_deref().unwrap_or(""),
            )
        });
        assert_eq!(got, want, "auth={auth:?} query={query:?}");
    }

    #[test]
    fn credentials() {
        check(
            Some(
                "AWS4-HMAC-SHA256 Credential=test/20260101/ap-northeast-2/dynamodb/aws4_request, SignedHeaders=host, Signature=abc",
            ),
            None,
            Some(("test", Some("ap-northeast-2"), "dynamodb")),
        );
        check(
            Some(
                "AWS4-HMAC-SHA256 Credential=123456789012/20260101/us-east-1/sts/aws4_request,SignedHeaders=host,Signature=abc",
            ),
            None,
            Some(("123456789012", Some("us-east-1"), "sts")),
        );
        check(Some("AWS AKID:c2ln"), None, Some(("AKID", None, "s3")));
        check(Some("AWS AKID"), None, None);
        check(Some("AWS AKID:c2ln:x"), None, None);
        check(Some("AWS AKID:"), None, None);
        check(
            None,
            Some(
                "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20260101%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Signature=x",
            ),
            Some(("test", Some("eu-west-1"), "s3")),
        );
        check(
            None,
            Some("AWSAccessKeyId=AK&Signature=x&Expires=1"),
            Some(("AK", None, "s3")),
        );
        check(Some("Bearer x"), None, None);
        check(Some("AWS4-HMAC-SHA256 Credential=broken"), None, None);
        check(None, Some("a=b"), None);
        check(None, None, None);
    }
}
