//! Small helpers: API Gateway style ids (lowercase alphanumerics) and the clock in the
//! formats API Gateway prints (`requestTime`, execution-log timestamps).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A random id of `len` lowercase letters and digits (`a1b2c3d4e5`).
pub fn random_id(len: usize) -> String {
    const A: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let bytes = cloudlet_core::ids::random_bytes::<32>();
    bytes
        .iter()
        .take(len.min(32))
        .map(|b| A[(*b as usize) % A.len()] as char)
        .collect()
}

/// Milliseconds since the Unix epoch.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Seconds since the Unix epoch.
pub fn now_secs() -> i64 {
    now_millis() / 1000
}

/// The parts of an HTTP date: (weekday, day, month, year, hh:mm:ss).
fn parts(ms: i64) -> (String, String, String, String, String) {
    let t = UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64);
    // "Wed, 25 Nov 2026 07:45:50 GMT"
    let s = httpdate::fmt_http_date(t);
    let mut it = s.split_whitespace();
    let wd = it.next().unwrap_or("").trim_end_matches(',').to_string();
    let day = it.next().unwrap_or("").to_string();
    let mon = it.next().unwrap_or("").to_string();
    let year = it.next().unwrap_or("").to_string();
    let hms = it.next().unwrap_or("").to_string();
    (wd, day, mon, year, hms)
}

/// `requestContext.requestTime`: `25/Nov/2026:07:45:50 +0000`.
pub fn request_time(ms: i64) -> String {
    let (_, day, mon, year, hms) = parts(ms);
    format!("{day}/{mon}/{year}:{hms} +0000")
}

/// Execution-log timestamp: `Wed Nov 25 07:45:50 UTC 2026`.
pub fn log_time(ms: i64) -> String {
    let (wd, day, mon, year, hms) = parts(ms);
    format!("{wd} {mon} {day} {hms} UTC {year}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        // 2020-03-04T19:15:17.135Z
        let ms = 1_583_349_317_135;
        assert_eq!(request_time(ms), "04/Mar/2020:19:15:17 +0000");
        assert_eq!(log_time(ms), "Wed Mar 04 19:15:17 UTC 2020");
        let id = random_id(10);
        assert_eq!(id.len(), 10);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        );
    }
}
