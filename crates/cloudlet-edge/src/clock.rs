//! The few date formats signatures use, to and from seconds since the epoch: `X-Amz-Date`
//! (`20260101T000000Z`) and the ISO 8601 form S3 puts in its errors (`2026-01-01T00:00:00Z`).
//! The HTTP `Date` header SigV4 accepts in place of `X-Amz-Date` is read by
//! `cloudlet_core::time::parse_http_date`, which S3's conditional requests use too.

/// Seconds since the epoch now.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Seconds since the epoch of an `X-Amz-Date`.
pub fn amz_date_seconds(d: &str) -> Option<u64> {
    if d.len() != 16 || d.get(8..9) != Some("T") || !d.ends_with('Z') {
        return None;
    }
    let n = |r: std::ops::Range<usize>| d.get(r)?.parse::<u64>().ok();
    let (y, mo, da, h, mi, s) = (
        n(0..4)?,
        n(4..6)?,
        n(6..8)?,
        n(9..11)?,
        n(11..13)?,
        n(13..15)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&da) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let days = u64::try_from(cloudlet_core::time::days_from_civil(
        y as i64, mo as i64, da as i64,
    )?)
    .ok()?;
    Some(days * 86_400 + h * 3600 + mi * 60 + s)
}

/// `(year, month, day, hour, minute, second)` of an epoch second.
fn civil(secs: u64) -> (i64, i64, i64, i64, i64, i64) {
    cloudlet_core::time::civil(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// `20260101T000000Z`.
pub fn amz_date(secs: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(secs);
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
}

/// `2026-01-01T00:00:00Z`.
pub fn iso(secs: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(secs);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let cases = [
            ("19700101T000000Z", 0, "1970-01-01T00:00:00Z"),
            ("20130524T000000Z", 1_369_353_600, "2013-05-24T00:00:00Z"),
            ("20240229T235959Z", 1_709_251_199, "2024-02-29T23:59:59Z"),
            ("20150830T123600Z", 1_440_938_160, "2015-08-30T12:36:00Z"),
        ];
        for (amz, secs, iso_text) in cases {
            assert_eq!(amz_date_seconds(amz), Some(secs), "{amz}");
            assert_eq!(amz_date(secs), amz);
            assert_eq!(iso(secs), iso_text);
        }
        let http = [
            ("Sun, 30 Aug 2015 12:36:00 GMT", Some(1_440_938_160)),
            ("Thu, 29 Feb 2024 23:59:59 GMT", Some(1_709_251_199)),
            ("Thu, 01 Jan 1970 00:00:00 GMT", Some(0)),
            ("Sun, 30 Aug 2015 12:36:00 +0000", None),
            ("Sun, 30 Foo 2015 12:36:00 GMT", None),
            ("Sun, 30 Aug 15 12:36:00 GMT", None),
            ("Sun, 32 Aug 2015 12:36:00 GMT", None),
            ("Sun, 30 Aug 2015 12:6:00 GMT", None),
            ("30 Aug 2015 12:36:00 GMT", None),
            ("", None),
        ];
        for (text, secs) in http {
            assert_eq!(cloudlet_core::time::parse_http_date(text), secs, "{text}");
        }
        for bad in [
            "2013-05-24",
            "20131324T000000Z",
            "20130524T250000Z",
            "00000101T000000Z",
        ] {
            assert_eq!(amz_date_seconds(bad), None, "{bad}");
        }
    }
}
