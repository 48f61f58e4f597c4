//! Object Lock, pure: retention modes and periods, legal holds, the bucket's default rule,
//! their XML documents and `x-amz-object-lock-*` headers, and the decisions S3 makes with
//! them — may this version be deleted, may its retention be changed. Knows nothing of the
//! store; `ops::lock` applies these to stored versions.

use cloudlet_core::xml::XmlWriter;
use http::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::error::{S3Error, S3Result, invalid_argument};
use crate::ops::{XMLNS, iso8601};
use crate::xml::Element;

/// How strictly a retention period binds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mode {
    Governance,
    Compliance,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "GOVERNANCE" => Some(Mode::Governance),
            "COMPLIANCE" => Some(Mode::Compliance),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Governance => "GOVERNANCE",
            Mode::Compliance => "COMPLIANCE",
        }
    }
}

/// A version's retention: locked in `mode` until `until` (milliseconds since the epoch).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    pub mode: Mode,
    pub until: u64,
}

/// The lock state of one object version.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionLock {
    #[serde(default)]
    pub retention: Option<Retention>,
    /// `None` when no legal hold was ever set (S3 then reports no configuration).
    #[serde(default)]
    pub legal_hold: Option<bool>,
}

impl VersionLock {
    pub fn is_unset(&self) -> bool {
        self.retention.is_none() && self.legal_hold.is_none()
    }
}

/// The bucket's default retention rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultRetention {
    pub mode: Mode,
    pub days: Option<u32>,
    pub years: Option<u32>,
}

impl DefaultRetention {
    /// The retention a version written at `now` gets.
    pub fn applied_at(&self, now: u64) -> Retention {
        const DAY: u64 = 86_400_000;
        let days = u64::from(self.days.unwrap_or(0)) + u64::from(self.years.unwrap_or(0)) * 365;
        Retention {
            mode: self.mode,
            until: now.saturating_add(days * DAY),
        }
    }
}

/// The error S3 gives for lock operations on a bucket created without Object Lock.
pub fn missing_configuration() -> S3Error {
    S3Error::InvalidRequest("Bucket is missing Object Lock Configuration".into())
}

/// The error S3 gives for permanently deleting a version Object Lock protects (DeleteObject
/// with a version id, and each such key of DeleteObjects).
pub fn protected() -> S3Error {
    S3Error::AccessDeniedBecause("Access Denied because object protected by object lock.")
}

/// Refuses lock parameters (`lock`) on a write into a bucket without Object Lock
/// (`bucket_lock` None), before the body is read.
pub fn require_configured(
    bucket_lock: Option<&crate::versions::ObjectLock>,
    lock: &VersionLock,
) -> S3Result<()> {
    match bucket_lock {
        None if !lock.is_unset() => Err(missing_configuration()),
        _ => Ok(()),
    }
}

/// Parses `<ObjectLockConfiguration>`: `ObjectLockEnabled` must be `Enabled`; the optional
/// rule needs a mode and exactly one of `Days`/`Years`, a positive integer.
pub fn parse_configuration(root: &Element) -> S3Result<Option<DefaultRetention>> {
    if root.name != "ObjectLockConfiguration"
        || root.child_text("ObjectLockEnabled") != Some("Enabled")
    {
        return Err(S3Error::MalformedXml);
    }
    let Some(rule) = root.child("Rule") else {
        return Ok(None);
    };
    let d = rule
        .child("DefaultRetention")
        .ok_or(S3Error::MalformedXml)?;
    let mode = d
        .child_text("Mode")
        .and_then(Mode::parse)
        .ok_or(S3Error::MalformedXml)?;
    let period = |name: &str| -> S3Result<Option<u32>> {
        let Some(v) = d.child_text(name) else {
            return Ok(None);
        };
        let n: i64 = v.parse().map_err(|_| S3Error::MalformedXml)?;
        u32::try_from(n)
            .ok()
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| {
                invalid_argument(
                    "Default retention period must be a positive integer value.",
                    name,
                    v,
                )
            })
    };
    let (days, years) = (period("Days")?, period("Years")?);
    if days.is_some() == years.is_some() {
        return Err(S3Error::MalformedXml);
    }
    Ok(Some(DefaultRetention { mode, days, years }))
}

pub fn configuration_xml(rule: Option<&DefaultRetention>) -> String {
    let mut x = XmlWriter::new();
    x.open_ns("ObjectLockConfiguration", XMLNS)
        .elem("ObjectLockEnabled", "Enabled");
    if let Some(r) = rule {
        x.open("Rule")
            .open("DefaultRetention")
            .elem("Mode", r.mode.as_str());
        if let Some(d) = r.days {
            x.elem("Days", &d.to_string());
        }
        if let Some(y) = r.years {
            x.elem("Years", &y.to_string());
        }
        x.close().close();
    }
    x.finish()
}

fn future_date(v: &str, now: u64) -> S3Result<u64> {
    let until = parse_timestamp(v).ok_or(S3Error::MalformedXml)?;
    if until <= now {
        return Err(invalid_argument(
            "The retain until date must be in the future!",
            "RetainUntilDate",
            v,
        ));
    }
    Ok(until)
}

/// Parses `<Retention>`; an empty document (no mode, no date) removes the retention.
pub fn parse_retention(root: &Element, now: u64) -> S3Result<Option<Retention>> {
    if root.name != "Retention" {
        return Err(S3Error::MalformedXml);
    }
    match (root.child_text("Mode"), root.child_text("RetainUntilDate")) {
        (None, None) => Ok(None),
        (Some(m), Some(d)) => Ok(Some(Retention {
            mode: Mode::parse(m).ok_or(S3Error::MalformedXml)?,
            until: future_date(d, now)?,
        })),
        _ => Err(S3Error::MalformedXml),
    }
}

pub fn retention_xml(r: &Retention) -> String {
    let mut x = XmlWriter::new();
    x.open_ns("Retention", XMLNS)
        .elem("Mode", r.mode.as_str())
        .elem("RetainUntilDate", &iso8601(r.until));
    x.finish()
}

/// Parses `<LegalHold><Status>ON|OFF</Status></LegalHold>`.
pub fn parse_legal_hold(root: &Element) -> S3Result<bool> {
    if root.name != "LegalHold" {
        return Err(S3Error::MalformedXml);
    }
    match root.child_text("Status") {
        Some("ON") => Ok(true),
        Some("OFF") => Ok(false),
        _ => Err(S3Error::MalformedXml),
    }
}

pub fn legal_hold_xml(on: bool) -> String {
    let mut x = XmlWriter::new();
    x.open_ns("LegalHold", XMLNS)
        .elem("Status", if on { "ON" } else { "OFF" });
    x.finish()
}

/// The lock a PutObject/CopyObject asks for in its `x-amz-object-lock-*` headers.
pub fn from_headers(h: &HeaderMap, now: u64) -> S3Result<VersionLock> {
    let get = |n: &str| h.get(n).and_then(|v| v.to_str().ok());
    let mode = get("x-amz-object-lock-mode");
    let date = get("x-amz-object-lock-retain-until-date");
    let retention = match (mode, date) {
        (None, None) => None,
        (Some(m), Some(d)) => Some(Retention {
            mode: Mode::parse(m).ok_or_else(|| {
                invalid_argument("Unknown wormMode directive.", "x-amz-object-lock-mode", m)
            })?,
            until: parse_timestamp(d).filter(|t| *t > now).ok_or_else(|| {
                invalid_argument(
                    "The retain until date must be in the future!",
                    "x-amz-object-lock-retain-until-date",
                    d,
                )
            })?,
        }),
        (m, _) => {
            return Err(invalid_argument(
                "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied",
                if m.is_some() {
                    "x-amz-object-lock-retain-until-date"
                } else {
                    "x-amz-object-lock-mode"
                },
                "",
            ));
        }
    };
    let legal_hold = match get("x-amz-object-lock-legal-hold") {
        None => None,
        Some("ON") => Some(true),
        Some("OFF") => Some(false),
        Some(other) => {
            return Err(invalid_argument(
                "Legal Hold must be either of 'ON' or 'OFF'",
                "x-amz-object-lock-legal-hold",
                other,
            ));
        }
    };
    Ok(VersionLock {
        retention,
        legal_hold,
    })
}

/// Whether `x-amz-bypass-governance-retention: true` was sent.
pub fn bypass_requested(h: &HeaderMap) -> bool {
    h.get("x-amz-bypass-governance-retention")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// Whether a version with `lock` may be deleted for good at `now`. A legal hold always
/// protects it; an unexpired COMPLIANCE retention too; GOVERNANCE yields to the bypass.
pub fn may_delete(lock: &VersionLock, bypass: bool, now: u64) -> bool {
    if lock.legal_hold == Some(true) {
        return false;
    }
    match lock.retention {
        Some(r) if r.until > now => r.mode == Mode::Governance && bypass,
        _ => true,
    }
}

/// Whether an active retention `old` may become `new`: extending (same mode, later date,
/// or GOVERNANCE → COMPLIANCE) is always allowed; anything weaker needs GOVERNANCE plus the
/// bypass, and is never allowed for COMPLIANCE.
pub fn may_change_retention(
    old: Option<&Retention>,
    new: Option<&Retention>,
    bypass: bool,
    now: u64,
) -> bool {
    let Some(old) = old.filter(|r| r.until > now) else {
        return true;
    };
    let stronger = new.is_some_and(|n| {
        n.until >= old.until && (n.mode == old.mode || n.mode == Mode::Compliance)
    });
    stronger || (old.mode == Mode::Governance && bypass)
}

/// Parses an ISO 8601 timestamp (`2026-01-02T03:04:05Z`, fractions, `±hh:mm` offsets) into
/// milliseconds since the epoch.
pub fn parse_timestamp(s: &str) -> Option<u64> {
    let s = s.trim();
    let num = |a: usize, b: usize| -> Option<i64> {
        let part = s.get(a..b)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let sep = |i: usize, c: u8| s.as_bytes().get(i) == Some(&c);
    if !(sep(4, b'-') && sep(7, b'-') && (sep(10, b'T') || sep(10, b't')) && sep(13, b':')) {
        return None;
    }
    let (y, mo, d, h, mi) = (
        num(0, 4)?,
        num(5, 7)?,
        num(8, 10)?,
        num(11, 13)?,
        num(14, 16)?,
    );
    let (sec, mut rest) = if sep(16, b':') {
        (num(17, 19)?, s.get(19..)?)
    } else {
        (0, s.get(16..)?)
    };
    let mut millis = 0i64;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let first3: String = frac[..digits].chars().chain("00".chars()).take(3).collect();
        millis = first3.parse().ok()?;
        rest = &frac[digits..];
    }
    let offset_min = match rest {
        "Z" | "z" => 0,
        r if r.len() == 6
            && (r.starts_with('+') || r.starts_with('-'))
            && r.as_bytes()[3] == b':' =>
        {
            let hh: i64 = r.get(1..3)?.parse().ok()?;
            let mm: i64 = r.get(4..6)?.parse().ok()?;
            let sign = if r.starts_with('-') { -1 } else { 1 };
            sign * (hh * 60 + mm)
        }
        _ => return None,
    };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let days = cloudlet_core::time::days_from_civil(y, mo, d)?;
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset_min * 60;
    u64::try_from(secs * 1000 + millis).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        let cases: &[(&str, Option<u64>)] = &[
            ("1970-01-01T00:00:00Z", Some(0)),
            ("2024-02-29T00:00:00.123Z", Some(1_709_164_800_123)),
            ("2024-02-29T00:00:00.1Z", Some(1_709_164_800_100)),
            ("2024-02-29T00:00:00.123456Z", Some(1_709_164_800_123)),
            ("2025-11-25T10:00:00.999Z", Some(1_764_064_800_999)),
            ("2025-11-25T19:00:00+09:00", Some(1_764_064_800_000)),
            ("2025-11-25T09:30:00-00:30", Some(1_764_064_800_000)),
            ("2025-11-25T10:00Z", Some(1_764_064_800_000)),
            ("2025-11-25 10:00:00Z", None),
            ("2025-13-25T10:00:00Z", None),
            ("2025-11-25T10:00:00", None),
            ("2025-11-25T10:00:00.Z", None),
            ("1969-12-31T23:59:59Z", None),
            ("tomorrow", None),
            ("", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_timestamp(s), *want, "{s}");
        }
    }

    fn doc(s: &str) -> Element {
        crate::xml::parse(s).unwrap()
    }

    #[test]
    fn configurations() {
        let g = |days, years| {
            Ok(Some(DefaultRetention {
                mode: Mode::Governance,
                days,
                years,
            }))
        };
        let cases: Vec<(&str, S3Result<Option<DefaultRetention>>)> = vec![
            (
                "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>",
                Ok(None),
            ),
            (
                "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>3</Days></DefaultRetention></Rule></ObjectLockConfiguration>",
                g(Some(3), None),
            ),
            (
                "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Years>1</Years></DefaultRetention></Rule></ObjectLockConfiguration>",
                g(None, Some(1)),
            ),
            (
                "<ObjectLockConfiguration><ObjectLockEnabled>Disabled</ObjectLockEnabled></ObjectLockConfiguration>",
                Err(S3Error::MalformedXml),
            ),
            ("<ObjectLockConfiguration/>", Err(S3Error::MalformedXml)),
            (
                "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>3</Days><Years>1</Years></DefaultRetention></Rule></ObjectLockConfiguration>",
                Err(S3Error::MalformedXml),
            ),
            (
                "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode></DefaultRetention></Rule></ObjectLockConfiguration>",
                Err(S3Error::MalformedXml),
            ),
            (
                "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>STRICT</Mode><Days>1</Days></DefaultRetention></Rule></ObjectLockConfiguration>",
                Err(S3Error::MalformedXml),
            ),
            (
                "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>COMPLIANCE</Mode><Days>0</Days></DefaultRetention></Rule></ObjectLockConfiguration>",
                Err(invalid_argument(
                    "Default retention period must be a positive integer value.",
                    "Days",
                    "0",
                )),
            ),
        ];
        for (text, want) in cases {
            let got = parse_configuration(&doc(text));
            assert_eq!(format!("{got:?}"), format!("{want:?}"), "{text}");
        }
    }

    #[test]
    fn retention_documents() {
        let now = 1_000;
        let cases: Vec<(&str, String)> = vec![
            ("<Retention/>", "Ok(None)".into()),
            (
                "<Retention><Mode>COMPLIANCE</Mode><RetainUntilDate>2030-01-01T00:00:00Z</RetainUntilDate></Retention>",
                "Ok(Some(Retention { mode: Compliance, until: 1893456000000 }))".into(),
            ),
            (
                "<Retention><Mode>GOVERNANCE</Mode></Retention>",
                "Err(MalformedXml)".into(),
            ),
            (
                "<Retention><Mode>LOOSE</Mode><RetainUntilDate>2030-01-01T00:00:00Z</RetainUntilDate></Retention>",
                "Err(MalformedXml)".into(),
            ),
            (
                "<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>1970-01-01T00:00:00Z</RetainUntilDate></Retention>",
                "Err(InvalidArgument { message: \"The retain until date must be in the future!\", name: \"RetainUntilDate\", value: \"1970-01-01T00:00:00Z\" })".into(),
            ),
            ("<LegalHold/>", "Err(MalformedXml)".into()),
        ];
        for (text, want) in cases {
            assert_eq!(
                format!("{:?}", parse_retention(&doc(text), now)),
                want,
                "{text}"
            );
        }
        assert!(parse_legal_hold(&doc("<LegalHold><Status>ON</Status></LegalHold>")).unwrap());
        assert!(!parse_legal_hold(&doc("<LegalHold><Status>OFF</Status></LegalHold>")).unwrap());
        assert!(parse_legal_hold(&doc("<LegalHold><Status>on</Status></LegalHold>")).is_err());
    }

    #[test]
    fn deletion_and_retention_changes() {
        let now = 1_000;
        let r = |mode, until| Retention { mode, until };
        let (gov, comp) = (Mode::Governance, Mode::Compliance);
        let lock = |retention, legal_hold| VersionLock {
            retention,
            legal_hold,
        };
        let deletes = [
            (lock(None, None), false, true),
            (lock(None, Some(false)), false, true),
            (lock(None, Some(true)), true, false),
            (lock(Some(r(gov, 2_000)), None), false, false),
            (lock(Some(r(gov, 2_000)), None), true, true),
            (lock(Some(r(comp, 2_000)), None), true, false),
            (lock(Some(r(comp, 500)), None), false, true),
        ];
        for (l, bypass, want) in deletes {
            assert_eq!(may_delete(&l, bypass, now), want, "{l:?} bypass={bypass}");
        }
        let changes = [
            (None, None, false, true),
            (Some(r(gov, 2_000)), Some(r(gov, 3_000)), false, true),
            (Some(r(gov, 2_000)), Some(r(comp, 2_000)), false, true),
            (Some(r(gov, 2_000)), Some(r(gov, 1_500)), false, false),
            (Some(r(gov, 2_000)), Some(r(gov, 1_500)), true, true),
            (Some(r(gov, 2_000)), None, false, false),
            (Some(r(gov, 2_000)), None, true, true),
            (Some(r(comp, 2_000)), Some(r(gov, 3_000)), true, false),
            (Some(r(comp, 2_000)), Some(r(comp, 1_500)), true, false),
            (Some(r(comp, 500)), Some(r(gov, 1_500)), false, true),
        ];
        for (old, new, bypass, want) in changes {
            assert_eq!(
                may_change_retention(old.as_ref(), new.as_ref(), bypass, now),
                want,
                "{old:?} → {new:?} bypass={bypass}"
            );
        }
    }
}
