//! Storage classes: the ones an object may be written with (`x-amz-storage-class` on
//! PutObject, CopyObject, CreateMultipartUpload and POST), how an object remembers its own
//! (an `x-amz-storage-class` entry among its stored headers, absent for STANDARD, so GET and
//! HEAD echo it as S3 does), and which classes are archived: their bytes are read only once
//! RestoreObject has made a temporary copy (`x-amz-restore`), and which lifecycle
//! transitions S3 makes between them (its "waterfall": never to a warmer class). Pure.

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

/// Records `class` among an object's stored headers (STANDARD: no entry).
pub fn set(headers: &mut Vec<(String, String)>, class: &str) {
    headers.retain(|(k, _)| k != HEADER);
    if class != STANDARD {
        headers.push((HEADER.to_string(), class.to_string()));
    }
}

/// Where `class` sits in S3's transition waterfall (warmest 0); `None` for a class S3
/// does not know.
fn rank(class: &str) -> Option<u8> {
    match class {
        STANDARD | "REDUCED_REDUNDANCY" => Some(0),
        "STANDARD_IA" => Some(1),
        "INTELLIGENT_TIERING" => Some(2),
        "ONEZONE_IA" | "GLACIER_IR" => Some(3),
        "GLACIER" => Some(4),
        "DEEP_ARCHIVE" => Some(5),
        _ => None,
    }
}

/// Whether a lifecycle rule may move an object from class `from` to class `to`, as S3's
/// supported transitions list them: STANDARD (and REDUCED_REDUNDANCY) to any other class;
/// STANDARD_IA to INTELLIGENT_TIERING, ONEZONE_IA, GLACIER_IR, GLACIER, DEEP_ARCHIVE;
/// INTELLIGENT_TIERING to ONEZONE_IA, GLACIER_IR, GLACIER, DEEP_ARCHIVE; ONEZONE_IA and
/// GLACIER_IR to GLACIER, DEEP_ARCHIVE; GLACIER to DEEP_ARCHIVE: only down the waterfall
/// (`rank`). Nothing goes back to a warmer class, or to the class it is in.
pub fn may_transition(from: &str, to: &str) -> bool {
    matches!((rank(from), rank(to)), (Some(f), Some(t)) if t > f)
}

/// How strongly S3 Lifecycle prefers `class` when several transitions are due at once:
/// the lower-cost class, except that INTELLIGENT_TIERING is favoured over every class but
/// GLACIER and DEEP_ARCHIVE (and GLACIER over STANDARD_IA or ONEZONE_IA).
pub fn transition_preference(class: &str) -> u8 {
    match class {
        "STANDARD_IA" => 1,
        "ONEZONE_IA" => 2,
        "GLACIER_IR" => 3,
        "INTELLIGENT_TIERING" => 4,
        "GLACIER" => 5,
        "DEEP_ARCHIVE" => 6,
        _ => 0,
    }
}

/// The expiry (ms since the epoch) of a restored copy, if the headers record a finished
/// restore.
pub fn restored_until(headers: &[(String, String)]) -> Option<u64> {
    let v = headers.iter().find(|(k, _)| k == RESTORE)?.1.as_str();
    let date = v.split("expiry-date=\"").nth(1)?.split('"').next()?;
    cloudlet_core::time::parse_http_date(date).map(|secs| secs * 1000)
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
    fn transitions_follow_the_waterfall() {
        let classes = [
            "STANDARD",
            "REDUCED_REDUNDANCY",
            "STANDARD_IA",
            "INTELLIGENT_TIERING",
            "ONEZONE_IA",
            "GLACIER_IR",
            "GLACIER",
            "DEEP_ARCHIVE",
        ];
        // Per source class (rows as above), the targets S3 supports, in the same order.
        #[rustfmt::skip]
        let allowed: [[u8; 8]; 8] = [
            // STD RRS IA  IT  1Z  GIR GLA DA
            [0, 0, 1, 1, 1, 1, 1, 1], // STANDARD
            [0, 0, 1, 1, 1, 1, 1, 1], // REDUCED_REDUNDANCY
            [0, 0, 0, 1, 1, 1, 1, 1], // STANDARD_IA
            [0, 0, 0, 0, 1, 1, 1, 1], // INTELLIGENT_TIERING
            [0, 0, 0, 0, 0, 0, 1, 1], // ONEZONE_IA
            [0, 0, 0, 0, 0, 0, 1, 1], // GLACIER_IR
            [0, 0, 0, 0, 0, 0, 0, 1], // GLACIER
            [0, 0, 0, 0, 0, 0, 0, 0], // DEEP_ARCHIVE
        ];
        for (from, row) in classes.iter().zip(allowed) {
            for (to, ok) in classes.iter().zip(row) {
                assert_eq!(may_transition(from, to), ok == 1, "{from} -> {to}");
            }
        }
        assert!(!may_transition("FOO", "GLACIER"));
        assert!(!may_transition(STANDARD, "FOO"));
        let mut by_preference = [
            "GLACIER",
            "STANDARD_IA",
            "DEEP_ARCHIVE",
            "INTELLIGENT_TIERING",
            "ONEZONE_IA",
            "GLACIER_IR",
        ];
        by_preference.sort_by_key(|c| transition_preference(c));
        assert_eq!(
            by_preference,
            [
                "STANDARD_IA",
                "ONEZONE_IA",
                "GLACIER_IR",
                "INTELLIGENT_TIERING",
                "GLACIER",
                "DEEP_ARCHIVE"
            ]
        );
        let mut h = headers(&[("cache-control", "no-cache"), (HEADER, "STANDARD_IA")]);
        set(&mut h, "GLACIER");
        assert_eq!(
            h,
            headers(&[("cache-control", "no-cache"), (HEADER, "GLACIER")])
        );
        set(&mut h, STANDARD);
        assert_eq!(h, headers(&[("cache-control", "no-cache")]));
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
