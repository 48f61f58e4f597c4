//! S3 request authentication in the default mode, where signatures are not verified: a
//! presigned URL's parameters must still be well formed and its validity (`X-Amz-Expires`
//! from `X-Amz-Date`, or SigV2's `Expires`) not over, as links shared by tests often assume;
//! a request may not carry both a signed query and an `Authorization` header; and an
//! `Authorization` header the edge could read no access key from is refused as S3 refuses
//! it. A header it could read passes unexamined (no allocation, no store read): clock skew
//! and signatures are strict mode's.

use http::HeaderMap;

use crate::sigv2;
use crate::verify::{self, SigError};

const TWO_MECHANISMS: &str = "Only one auth mechanism allowed; only the X-Amz-Algorithm query \
     parameter, Signature query string parameter or the Authorization header should be specified";

/// Refuses a request authenticated both by its `Authorization` header and by its query
/// (`X-Amz-Algorithm`, or SigV2's `Signature`).
pub fn one_mechanism(headers: &HeaderMap, raw_query: Option<&str>) -> Result<(), SigError> {
    let (Some(auth), Some(raw)) = (headers.get("authorization"), raw_query) else {
        return Ok(());
    };
    let signed_query = raw.split('&').any(|p| {
        let k = p.split_once('=').map_or(p, |(k, _)| k);
        k == "X-Amz-Algorithm" || k == "Signature"
    });
    if signed_query {
        return Err(SigError::Argument {
            message: TWO_MECHANISMS,
            name: "Authorization",
            value: String::from_utf8_lossy(auth.as_bytes()).into_owned(),
        });
    }
    Ok(())
}

/// S3's answer to an `Authorization` header of a scheme it does not know.
pub fn unsupported(value: &str) -> SigError {
    SigError::Argument {
        message: "Unsupported Authorization Type",
        name: "Authorization",
        value: value.to_string(),
    }
}

/// Why S3 refuses an `Authorization` header no access key could be read from (`None` when
/// it is well formed after all).
pub fn unreadable_header(headers: &HeaderMap) -> Option<SigError> {
    let auth = headers.get("authorization")?;
    let Ok(text) = auth.to_str() else {
        return Some(unsupported(&String::from_utf8_lossy(auth.as_bytes())));
    };
    if let Some(sig) = verify::parse(headers, &[]) {
        return sig.err();
    }
    if let Some(sig) = sigv2::parse(headers, &[]) {
        return sig.err();
    }
    Some(unsupported(text))
}

/// Checks a presigned request's parameters and expiry; requests signed in a header, or not
/// at all, pass.
pub fn check(headers: &HeaderMap, raw_query: Option<&str>, now: u64) -> Result<(), SigError> {
    let Some(raw) = raw_query else {
        return Ok(());
    };
    if headers.contains_key("authorization") {
        return one_mechanism(headers, raw_query);
    }
    if !(raw.contains("X-Amz-") || raw.contains("AWSAccessKeyId")) {
        return Ok(());
    }
    let query = verify::query_pairs(raw);
    if let Some(sig) = verify::parse(headers, &query) {
        return verify::check_time(&sig?, now);
    }
    if let Some(sig) = sigv2::parse(headers, &query) {
        return sigv2::check_time(&sig?, now);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity() {
        let v4 = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00&X-Amz-Expires=60";
        let issued = 1_369_353_600;
        let h = HeaderMap::new();
        assert_eq!(check(&h, Some(v4), issued + 60), Ok(()));
        assert_eq!(
            check(&h, Some(v4), issued + 61),
            Err(SigError::Expired {
                x_amz_expires: Some(60),
                expires_at: issued + 60,
                now: issued + 61
            })
        );
        assert_eq!(
            check(&h, Some(v4), issued - 901),
            Err(SigError::NotYetValid {
                start: issued,
                expires_at: issued + 60,
                now: issued - 901
            })
        );
        assert_eq!(check(&h, Some(v4), issued - 900), Ok(()));
        let v2 = "AWSAccessKeyId=AK&Expires=100&Signature=x";
        assert_eq!(check(&h, Some(v2), 100), Ok(()));
        assert!(matches!(
            check(&h, Some(v2), 101),
            Err(SigError::Expired {
                x_amz_expires: None,
                ..
            })
        ));
        assert_eq!(check(&h, Some("prefix=a"), 0), Ok(()));
        assert_eq!(check(&h, None, 0), Ok(()));
    }

    fn with_auth(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("authorization", value.parse().unwrap());
        h.insert("x-amz-date", "20260101T000000Z".parse().unwrap());
        h
    }

    #[test]
    fn one_mechanism_per_request() {
        let v4 = "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=ab";
        let h = with_auth(v4);
        let twice = Err(SigError::Argument {
            message: TWO_MECHANISMS,
            name: "Authorization",
            value: v4.into(),
        });
        for (query, want) in [
            (
                "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=x",
                twice.clone(),
            ),
            ("AWSAccessKeyId=AK&Expires=1&Signature=x", twice.clone()),
            ("list-type=2&prefix=Signature", Ok(())),
            ("X-Amz-Credential=x", Ok(())),
            ("uploads", Ok(())),
        ] {
            assert_eq!(check(&h, Some(query), 0), want, "{query}");
        }
        assert_eq!(check(&HeaderMap::new(), Some("a=b"), 0), Ok(()));
    }

    #[test]
    fn unreadable_headers() {
        let arg = |message, value: &str| {
            Some(SigError::Argument {
                message,
                name: "Authorization",
                value: value.into(),
            })
        };
        let cases = [
            ("Bearer abc", arg("Unsupported Authorization Type", "Bearer abc")),
            (
                "AWS4-HMAC-SHA512 Credential=AK/20260101/us-east-1/s3/aws4_request",
                arg(
                    "Unsupported Authorization Type",
                    "AWS4-HMAC-SHA512 Credential=AK/20260101/us-east-1/s3/aws4_request",
                ),
            ),
            (
                "AWS AK:sig:more",
                arg(
                    "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature",
                    "AWS AK:sig:more",
                ),
            ),
            (
                "AWS AK",
                arg(
                    "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature",
                    "AWS AK",
                ),
            ),
            (
                "AWS4-HMAC-SHA256 Credential=AK/20260101, SignedHeaders=host, Signature=ab",
                Some(SigError::Malformed(
                    "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".".into(),
                )),
            ),
            ("AWS AK:c2ln", None),
            (
                "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=ab",
                None,
            ),
        ];
        for (auth, want) in cases {
            assert_eq!(unreadable_header(&with_auth(auth)), want, "{auth}");
        }
        assert_eq!(unreadable_header(&HeaderMap::new()), None);
    }
}
