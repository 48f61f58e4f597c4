//! Timestamps: seconds since the Unix epoch, rendered as ISO 8601 (`2026-01-01T00:00:00Z`)
//! the way IAM and STS responses carry them.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `secs` as `YYYY-MM-DDThh:mm:ssZ` (UTC).
pub fn iso8601(secs: i64) -> String {
    let (year, month, day, h, mi, s) = cloudlet_core::time::civil(secs);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{mi:02}:{s:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_utc() {
        let cases = [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_428_591_823, "2015-04-09T15:03:43Z"),
            (1_798_761_599, "2026-12-31T23:59:59Z"),
        ];
        for (secs, want) in cases {
            assert_eq!(iso8601(secs), want, "{secs}");
        }
    }
}
