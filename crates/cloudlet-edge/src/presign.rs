//! Presigned S3 URLs in the default mode, where signatures are not verified: their
//! parameters must still be well formed and their validity (`X-Amz-Expires` from
//! `X-Amz-Date`, or SigV2's `Expires`) not over, as links shared by tests often assume.

use http::HeaderMap;

use crate::sigv2;
use crate::verify::{self, SigError};

/// Checks a presigned request's parameters and expiry; requests signed in a header, or not
/// at all, pass.
pub fn check(headers: &HeaderMap, raw_query: Option<&str>, now: u64) -> Result<(), SigError> {
    let Some(raw) = raw_query else {
        return Ok(());
    };
    if headers.contains_key("authorization")
        || !(raw.contains("X-Amz-") || raw.contains("AWSAccessKeyId"))
    {
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
}
