//! Storage classes: the ones an object may be written with (`x-amz-storage-class` on
//! PutObject, CopyObject, CreateMultipartUpload and POST), how an object remembers its own
//! (an `x-amz-storage-class` entry among its stored headers, absent for STANDARD, so GET and
//! HEAD echo it as S3 does), and which classes are archived: their bytes are read only once
//! RestoreObject has made a temporary copy (`x-amz-restore`). Pure.

use http::HeaderMap;

use crate::error::{S3Error, S3Result};

pub const HEADER: &str = "x-amz-storage-class";
/// The stored header of a restored archived object: `ongoing-request="false",
/// expiry-date="…"`.
pub const RESTORE: &str = "x-amz-restore";
pub const STANDARD: &str = "STANDARD";

/// Storage classes a general purpose bucket accepts on a write.
pub const WRITABLE: &[&str] = &[
    "STANDARD",
    "REDUCED_REDUNDANCY",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER",
    "DEEP_ARCHIVE",
    "GLACIER_IR",
];

/// The class a write request asks for, as the stored header entry: `None` for STANDARD or
/// when none is named; `InvalidStorageClass` for a name S3 does not know.
pub fn requested(h: &HeaderMap) -> S3Result<Option<(String, String)>> {
    match h.get(HEADER).map(|v| v.to_str().unwrap_or("")) {
        None | Some(STANDARD) => Ok(None),
        Some(c) if WRITABLE.contains(&c) => Ok(Some((HEADER.to_string(), c.to_string()))),
        Some(_) => Err(S3Error::InvalidStorageClass),
    }
}

/// The class recorded among an object's (or upload's) stored headers.
pub fn of(headers: &[(String, String)]) -> &str {
    headers
        .iter()
        .find(|(k, _)| k == HEADER)
        .map_or(STANDARD, |(_, v)| v.as_str())
}

/// Whether objects of `class` must be restored before their bytes can be read.
pub fn archived(class: &str) -> bool {
    matches!(class, "GLACIER" | "DEEP_ARCHIVE")
}

/// The expiry (ms since the epoch) of a restored copy, if the headers record a finished
/// restore.
pub fn restored_until(headers: &[(String, String)]) -> Option<u64> {
    let v = headers.iter().find(|(k, _)| k == RESTORE)?.1.as_str();
    let date = v.split("expiry-date=\"").nth(1)?.split('"').next()?;
    crate::ops::parse_http_date(date).map(|secs| secs * 1000)
}

/// Whether the bytes of an object with these headers may be read now: not archived, or
/// with an unexpired restored copy.
pub fn readable(headers: &[(String, String)], now_ms: u64) -> bool {
    !archived(of(headers)) || restored_until(headers).is_some_and(|t| t > now_ms)
}

/// Refuses to read the bytes of an archived object that has no unexpired restored copy
/// (`InvalidObjectState`, 403).
pub fn check_readable(headers: &[(String, String)], now_ms: u64) -> S3Result<()> {
    if readable(headers, now_ms) {
        return Ok(());
    }
    Err(S3Error::InvalidObjectState {
        message: "The operation is not valid for the object's storage class",
        class: of(headers).to_string(),
    })
}

/// [`check_readable`] for the source of a copy.
pub fn check_copy_source(headers: &[(String, String)], now_ms: u64) -> S3Result<()> {
    if readable(headers, now_ms) {
        return Ok(());
    }
    Err(S3Error::InvalidObjectState {
        message: "Operation is not valid for the source object's storage class",
        class: of(headers).to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn requested_classes() {
        // (header given, class stored, or `Err` for InvalidStorageClass)
        type Case<'a> = (Option<&'a str>, Result<Option<&'a str>, ()>);
        let cases: &[Case] = &[
            (None, Ok(None)),
            (Some("STANDARD"), Ok(None)),
            (Some("GLACIER"), Ok(Some("GLACIER"))),
            (Some("STANDARD_IA"), Ok(Some("STANDARD_IA"))),
            (Some("standard"), Err(())),
            (Some("FOO"), Err(())),
            (Some(""), Err(())),
        ];
        for (given, want) in cases {
            let mut h = HeaderMap::new();
            if let Some(v) = given {
                h.insert(HEADER, v.parse().unwrap());
            }
            let got = requested(&h).map(|o| o.map(|(_, v)| v)).map_err(|_| ());
            assert_eq!(got, want.map(|o| o.map(str::to_string)), "{given:?}");
        }
    }

    #[test]
    fn readability() {
        let day = 86_400_000;
        let now = 1_800_000_000_000;
        let until = crate::ops::http_date(now + day);
        let past = crate::ops::http_date(now - day);
        let restored = format!("ongoing-request=\"false\", expiry-date=\"{until}\"");
        let expired = format!("ongoing-request=\"false\", expiry-date=\"{past}\"");
        let cases: Vec<(Vec<(String, String)>, bool)> = vec![
            (headers(&[]), true),
            (headers(&[(HEADER, "STANDARD_IA")]), true),
            (headers(&[(HEADER, "GLACIER_IR")]), true),
            (headers(&[(HEADER, "GLACIER")]), false),
            (headers(&[(HEADER, "DEEP_ARCHIVE")]), false),
            (headers(&[(HEADER, "GLACIER"), (RESTORE, &restored)]), true),
            (headers(&[(HEADER, "GLACIER"), (RESTORE, &expired)]), false),
            (
                headers(&[(HEADER, "GLACIER"), (RESTORE, "ongoing-request=\"true\"")]),
                false,
            ),
        ];
        for (h, ok) in cases {
            assert_eq!(check_readable(&h, now).is_ok(), ok, "{h:?}");
        }
    }
}
