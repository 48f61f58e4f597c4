//! Lifecycle configuration: the rules (ID, Filter — Prefix, Tag, object size, And —
//! Status and actions) and their evaluation: which rule expires an object and when, and
//! when an incomplete multipart upload is aborted, with days counted as S3 counts them.
//! Pure: time comes in as milliseconds, with the length of a "day" a parameter so tests
//! can shorten it. The XML document is read and written by `lifecycle_xml`.

use serde::{Deserialize, Serialize};

/// Milliseconds in a real day.
pub const DAY_MS: u64 = 86_400_000;
pub const MAX_RULES: usize = 1000;
pub const STORAGE_CLASSES: &[&str] = &[
    "GLACIER",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "DEEP_ARCHIVE",
    "GLACIER_IR",
];

/// Which objects a rule applies to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    pub prefix: Option<String>,
    pub tags: Vec<(String, String)>,
    pub size_greater_than: Option<u64>,
    pub size_less_than: Option<u64>,
    /// Written as `<And>` (more than one condition, or as the caller sent it).
    pub and: bool,
}

/// The rule's selector as sent: the legacy top-level `<Prefix>` or a `<Filter>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Selector {
    LegacyPrefix(String),
    Filter(Filter),
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expiration {
    pub days: Option<u64>,
    /// Milliseconds since the epoch (midnight UTC).
    pub date: Option<u64>,
    pub expired_object_delete_marker: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    pub days: Option<u64>,
    pub date: Option<u64>,
    pub storage_class: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoncurrentTransition {
    pub noncurrent_days: Option<u64>,
    pub newer_noncurrent_versions: Option<u64>,
    pub storage_class: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoncurrentExpiration {
    pub noncurrent_days: Option<u64>,
    pub newer_noncurrent_versions: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub id: String,
    pub selector: Selector,
    pub enabled: bool,
    pub expiration: Option<Expiration>,
    pub transitions: Vec<Transition>,
    pub noncurrent_transitions: Vec<NoncurrentTransition>,
    pub noncurrent_expiration: Option<NoncurrentExpiration>,
    pub abort_days: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleConfiguration {
    pub rules: Vec<Rule>,
    /// `x-amz-transition-default-minimum-object-size`, as sent with the document.
    #[serde(default)]
    pub transition_minimum: Option<String>,
}

/// Days since the epoch of a civil date (years are checked by the caller).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    cloudlet_core::time::days_from_civil(y, m, d).unwrap_or(0)
}

/// Parses an ISO 8601 timestamp (`2030-01-01T00:00:00Z`, `…T00:00:00.000Z`, `…+00:00`)
/// into milliseconds since the epoch.
pub fn parse_date(s: &str) -> Option<u64> {
    let s = s.trim();
    let (date, time) = s.split_once('T').unwrap_or((s, "00:00:00Z"));
    let mut d = date.split('-');
    let (y, m, day) = (
        d.next()?.parse::<i64>().ok()?,
        d.next()?.parse::<i64>().ok()?,
        d.next()?.parse::<i64>().ok()?,
    );
    if d.next().is_some()
        || !(1..=9999).contains(&y)
        || !(1..=12).contains(&m)
        || !(1..=31).contains(&day)
    {
        return None;
    }
    let time = time
        .strip_suffix('Z')
        .or_else(|| time.strip_suffix("+00:00"))?;
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let mut t = hms.split(':');
    let (hh, mm, ss) = (
        t.next()?.parse::<u64>().ok()?,
        t.next()?.parse::<u64>().ok()?,
        t.next().unwrap_or("0").parse::<u64>().ok()?,
    );
    if hh > 23 || mm > 59 || ss > 59 || !frac.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let ms: u64 = format!("{frac:0<3}").get(..3)?.parse().ok()?;
    let days = u64::try_from(days_from_civil(y, m, day)).ok()?;
    Some(days * DAY_MS + (hh * 3600 + mm * 60 + ss) * 1000 + ms)
}

impl Rule {
    pub(crate) fn filter(&self) -> Filter {
        match &self.selector {
            Selector::LegacyPrefix(p) => Filter {
                prefix: Some(p.clone()),
                ..Filter::default()
            },
            Selector::Filter(f) => f.clone(),
        }
    }

    pub(crate) fn has_tags(&self) -> bool {
        matches!(&self.selector, Selector::Filter(f) if !f.tags.is_empty())
    }

    /// Whether the rule's filter selects an object.
    pub fn selects(&self, key: &str, size: u64, tags: &[(String, String)]) -> bool {
        let f = self.filter();
        f.prefix.as_deref().is_none_or(|p| key.starts_with(p))
            && f.tags.iter().all(|t| tags.contains(t))
            && f.size_greater_than.is_none_or(|n| size > n)
            && f.size_less_than.is_none_or(|n| size < n)
    }
}

/// `start + days` rounded up to the next midnight UTC, as S3 counts lifecycle days.
pub fn after_days(start_ms: u64, days: u64, day_ms: u64) -> u64 {
    let day_ms = day_ms.max(1);
    start_ms
        .saturating_add(days.saturating_mul(day_ms))
        .div_ceil(day_ms)
        .saturating_mul(day_ms)
}

impl LifecycleConfiguration {
    /// When the current object (`key`, created at `created_ms`) expires, and by which
    /// rule: the earliest of the enabled rules selecting it.
    pub fn expiry(
        &self,
        key: &str,
        created_ms: u64,
        size: u64,
        tags: &[(String, String)],
        day_ms: u64,
    ) -> Option<(u64, &str)> {
        self.rules
            .iter()
            .filter(|r| r.enabled && r.selects(key, size, tags))
            .filter_map(|r| {
                let e = r.expiration.as_ref()?;
                let at = match (e.days, e.date) {
                    (Some(d), _) => after_days(created_ms, d, day_ms),
                    (None, Some(date)) => date,
                    (None, None) => return None,
                };
                Some((at, r.id.as_str()))
            })
            .min_by_key(|(at, _)| *at)
    }

    /// When an incomplete multipart upload of `key` begun at `initiated_ms` is aborted, and
    /// by which rule.
    pub fn abort_at(&self, key: &str, initiated_ms: u64, day_ms: u64) -> Option<(u64, &str)> {
        self.rules
            .iter()
            .filter(|r| {
                r.enabled
                    && r.filter()
                        .prefix
                        .as_deref()
                        .is_none_or(|p| key.starts_with(p))
            })
            .filter_map(|r| {
                r.abort_days
                    .map(|d| (after_days(initiated_ms, d, day_ms), r.id.as_str()))
            })
            .min_by_key(|(at, _)| *at)
    }

    /// Whether any enabled rule acts on current objects or uploads (worth sweeping).
    pub fn acts(&self) -> bool {
        self.rules.iter().any(|r| {
            r.enabled
                && (r
                    .expiration
                    .as_ref()
                    .is_some_and(|e| e.days.is_some() || e.date.is_some())
                    || r.abort_days.is_some())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle_xml::tests::{doc, parse};

    #[test]
    fn dates() {
        let cases = [
            ("2030-01-01T00:00:00Z", Some(1_893_456_000_000)),
            ("2030-01-01T00:00:00.000Z", Some(1_893_456_000_000)),
            ("2030-01-01T00:00:00+00:00", Some(1_893_456_000_000)),
            ("2030-01-01", Some(1_893_456_000_000)),
            ("2024-02-29T12:30:00.5Z", Some(1_709_209_800_500)),
            ("2030-13-01T00:00:00Z", None),
            ("2030-01-01T00:00:00+09:00", None),
            ("soon", None),
            ("99999999999-01-01T00:00:00Z", None),
            ("-5-01-01T00:00:00Z", None),
        ];
        for (s, expected) in cases {
            assert_eq!(parse_date(s), expected, "{s}");
        }
        assert_eq!(after_days(1_000, 1, 100), 1_100);
        assert!(after_days(1_000, u64::MAX, DAY_MS) > 1_000);
        assert_eq!(after_days(1_050, 1, 100), 1_200);
        // 2014-01-15 10:30 + 3 days → 2014-01-19 00:00 (the AWS documentation's example).
        let jan15 = parse_date("2014-01-15T10:30:00Z").unwrap();
        assert_eq!(
            after_days(jan15, 3, DAY_MS),
            parse_date("2014-01-19T00:00:00Z").unwrap()
        );
    }

    #[test]
    fn evaluation() {
        let c = parse(&doc(
            "<Rule><ID>logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>2</Days></Expiration><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>\
             <Rule><ID>big</ID><Filter><And><Tag><Key>t</Key><Value>1</Value></Tag><ObjectSizeGreaterThan>100</ObjectSizeGreaterThan></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>\
             <Rule><ID>off</ID><Filter/><Status>Disabled</Status><Expiration><Days>1</Days></Expiration></Rule>\
             <Rule><ID>date</ID><Filter><Prefix>old/</Prefix></Filter><Status>Enabled</Status><Expiration><Date>2020-01-01T00:00:00Z</Date></Expiration></Rule>",
        ))
        .unwrap();
        let day = 1000;
        let tag = vec![("t".to_string(), "1".to_string())];
        type Case<'a> = (&'a str, u64, Vec<(String, String)>, Option<(u64, &'a str)>);
        let cases: Vec<Case> = vec![
            ("logs/a", 10, vec![], Some((3000, "logs"))),
            ("logs/a", 500, tag.clone(), Some((2000, "big"))),
            ("x", 500, tag.clone(), Some((2000, "big"))),
            ("x", 50, tag.clone(), None),
            ("x", 500, vec![], None),
            ("old/a", 1, vec![], Some((1_577_836_800_000, "date"))),
        ];
        for (key, size, tags, expected) in cases {
            assert_eq!(c.expiry(key, 500, size, &tags, day), expected, "{key}");
        }
        assert_eq!(c.abort_at("logs/x", 500, day), Some((2000, "logs")));
        assert_eq!(c.abort_at("other", 500, day), None);
        assert!(c.acts());
    }
}
