//! The few date formats signatures use, to and from seconds since the epoch: `X-Amz-Date`
//! (`20260101T000000Z`) and the ISO 8601 form S3 puts in its errors (`2026-01-01T00:00:00Z`).

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
    // Days from civil (Howard Hinnant's algorithm).
    let (y, mo) = if mo <= 2 {
        (y.checked_sub(1)?, mo + 9)
    } else {
        (y, mo - 3)
    };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * mo + 2) / 5 + da - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = (era * 146_097 + doe).checked_sub(719_468)?;
    Some(days * 86_400 + h * 3600 + mi * 60 + s)
}

/// `(year, month, day, hour, minute, second)` of an epoch second.
fn civil(secs: u64) -> (u64, u64, u64, u64, u64, u64) {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d, rem / 3600, rem % 3600 / 60, rem % 60)
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
