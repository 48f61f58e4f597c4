//! AWS Signature Version 4 for one request with its headers in the `Authorization` header, as
//! the SDKs sign a DynamoDB call: the canonical request, the string to sign, the derived key
//! and the signature.
//!
//! Pure: the time comes in as seconds since the epoch. Query strings are not signed (the
//! function's requests have none).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// An access key pair, with the session token of temporary credentials.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

/// What is signed: the request as it will be sent.
pub struct Request<'a> {
    pub method: &'a str,
    /// The URI path, already in its canonical (encoded) form.
    pub path: &'a str,
    /// Every header to send and sign, `host` included.
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// Where the request is signed for.
pub struct Scope<'a> {
    pub region: &'a str,
    pub service: &'a str,
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length, so `new_from_slice` cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// `YYYYMMDD'T'HHMMSS'Z'` for `secs` since the epoch (UTC).
pub fn amz_date(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Days to a civil date (H. Hinnant's algorithm), valid for every u64 second count we see.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// The headers to add to `req` so it is signed: `x-amz-date`, `x-amz-security-token` for
/// temporary credentials, and `authorization`.
pub fn sign(
    req: &Request<'_>,
    scope: &Scope<'_>,
    creds: &Credentials,
    secs: u64,
) -> Vec<(&'static str, String)> {
    let date_time = amz_date(secs);
    let date = date_time.get(..8).unwrap_or_default().to_string();
    let mut added = vec![("x-amz-date", date_time.clone())];
    if let Some(t) = &creds.session_token {
        added.push(("x-amz-security-token", t.clone()));
    }
    let mut headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), *v))
        .chain(added.iter().map(|(k, v)| (k.to_string(), v.as_str())))
        .map(|(k, v)| (k, v.split_whitespace().collect::<Vec<_>>().join(" ")))
        .collect();
    headers.sort();
    let signed = headers
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let canonical = format!(
        "{}\n{}\n\n{canonical_headers}\n{signed}\n{}",
        req.method,
        req.path,
        hex(&Sha256::digest(req.body))
    );
    let credential_scope = format!("{date}/{}/{}/aws4_request", scope.region, scope.service);
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{date_time}\n{credential_scope}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let key = [scope.region, scope.service, "aws4_request"].iter().fold(
        hmac(
            format!("AWS4{}", creds.secret_access_key).as_bytes(),
            date.as_bytes(),
        ),
        |k, part| hmac(&k, part.as_bytes()),
    );
    let signature = hex(&hmac(&key, to_sign.as_bytes()));
    added.push((
        "authorization",
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{credential_scope}, SignedHeaders={signed}, Signature={signature}",
            creds.access_key_id
        ),
    ));
    added
}

#[cfg(test)]
mod tests {
    use super::*;

    type Headers = &'static [(&'static str, &'static str)];

    #[test]
    fn dates() {
        let cases = [
            (0, "19700101T000000Z"),
            (951_782_400, "20000229T000000Z"),
            (1_440_938_160, "20150830T123600Z"),
            (1_709_251_199, "20240229T235959Z"),
            (4_102_444_800, "21000101T000000Z"),
        ];
        for (secs, want) in cases {
            assert_eq!(amz_date(secs), want, "{secs}");
        }
    }

    fn example_creds(token: Option<&str>) -> Credentials {
        Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: token.map(str::to_string),
        }
    }

    /// AWS's Signature Version 4 test suite: `get-vanilla`, `post-x-www-form-urlencoded`.
    #[test]
    fn signatures() {
        let scope = Scope {
            region: "us-east-1",
            service: "service",
        };
        let cases: &[(&str, Headers, &[u8], &str, &str)] = &[
            (
                "GET",
                &[("Host", "example.amazonaws.com")],
                b"",
                "host;x-amz-date",
                "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            ),
            (
                "POST",
                &[
                    ("Content-Type", "application/x-www-form-urlencoded"),
                    ("Host", "example.amazonaws.com"),
                ],
                b"Param1=value1",
                "content-type;host;x-amz-date",
                "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
            ),
        ];
        for (method, headers, body, signed, signature) in cases {
            let req = Request {
                method,
                path: "/",
                headers,
                body,
            };
            let added = sign(&req, &scope, &example_creds(None), 1_440_938_160);
            let auth = &added.last().unwrap().1;
            assert_eq!(
                *auth,
                format!(
                    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders={signed}, Signature={signature}"
                ),
                "{method}"
            );
        }
    }

    /// A PutItem with a session token; botocore's `SigV4Auth` gives the same signature.
    #[test]
    fn session_token_is_sent_and_signed() {
        let req = Request {
            method: "POST",
            path: "/",
            headers: &[
                ("Content-Type", "application/x-amz-json-1.0"),
                ("Host", "dynamodb.ap-northeast-2.amazonaws.com"),
                ("X-Amz-Target", "DynamoDB_20120810.PutItem"),
            ],
            body: br#"{"TableName": "hello-member", "Item": {"name": {"S": "Zon"}, "status": {"S": "Free"}}}"#,
        };
        let scope = Scope {
            region: "ap-northeast-2",
            service: "dynamodb",
        };
        let added = sign(&req, &scope, &example_creds(Some("TOKEN")), 1_440_938_160);
        let names: Vec<&str> = added.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            names,
            ["x-amz-date", "x-amz-security-token", "authorization"]
        );
        assert_eq!(added[1].1, "TOKEN");
        assert_eq!(
            added[2].1,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/ap-northeast-2/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=7e4886dd06889a12ef7c3dadfb120e0ca09e65de4dedbab7bde0b32aab22ab99"
        );
    }
}
