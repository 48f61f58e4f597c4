//! Lifecycle configuration: the rules (ID, Filter — Prefix, Tag, object size, And —
//! Status and actions) and their evaluation: which rule expires an object and when, which
//! of a key's versions NoncurrentVersionExpiration and expired-delete-marker cleanup remove,
//! which storage class Transition and NoncurrentVersionTransition move an object or version
//! to, and when an incomplete multipart upload is aborted, with days counted as S3 counts
//! them.
//! Pure: time comes in as milliseconds, with the length of a "day" a parameter so tests
//! can shorten it. The XML document is read and written by `lifecycle_xml`.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::storage_class;

/// Milliseconds in a real day.
pub const DAY_MS: u64 = 86_400_000;
pub const MAX_RULES: usize = 1000;
/// Objects smaller than this (128 KB) are not transitioned by default.
pub const TRANSITION_MIN_SIZE: u64 = 128 * 1024;
/// `TransitionDefaultMinimumObjectSize` that lets small objects reach GLACIER and
/// DEEP_ARCHIVE (the default, `all_storage_classes_128K`, keeps them out of every class).
pub const VARIES_BY_STORAGE_CLASS: &str = "varies_by_storage_class";
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
    /// The rule's filter: its `<Filter>` borrowed, or a legacy prefix made into one.
    pub(crate) fn filter(&self) -> Cow<'_, Filter> {
        match &self.selector {
            Selector::LegacyPrefix(p) => Cow::Owned(Filter {
                prefix: Some(p.clone()),
                ..Filter::default()
            }),
            Selector::Filter(f) => Cow::Borrowed(f),
        }
    }

    /// Whether the filter names an object size: it then replaces the bucket's default
    /// minimum size for transitions ("custom filters always take precedence").
    pub(crate) fn filters_size(&self) -> bool {
        matches!(&self.selector, Selector::Filter(f)
            if f.size_greater_than.is_some() || f.size_less_than.is_some())
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

/// One version of a key as the version rules see it.
#[derive(Clone, Copy, Debug)]
pub struct VersionFacts<'a> {
    /// When it was written (a delete marker: when it was placed).
    pub created: u64,
    pub delete_marker: bool,
    pub size: u64,
    pub tags: &'a [(String, String)],
    /// Whether Object Lock lets it be removed now (no legal hold, no unexpired retention).
    pub removable: bool,
    /// Its storage class (a delete marker: STANDARD).
    pub class: &'a str,
}

/// `start + days` rounded up to the next midnight UTC, as S3 counts lifecycle days.
pub fn after_days(start_ms: u64, days: u64, day_ms: u64) -> u64 {
    let day_ms = day_ms.max(1);
    start_ms
        .saturating_add(days.saturating_mul(day_ms))
        .div_ceil(day_ms)
        .saturating_mul(day_ms)
}

/// Whether a noncurrent version action is due at `now` for a version that became
/// noncurrent at `became_noncurrent` and has `newer` newer noncurrent versions: `NoncurrentDays`
/// (none: 0) later, to the next midnight, once `NewerNoncurrentVersions` (none: 0) exist.
fn noncurrent_due(
    became_noncurrent: u64,
    newer: u64,
    noncurrent_days: Option<u64>,
    newer_noncurrent_versions: Option<u64>,
    day_ms: u64,
    now: u64,
) -> bool {
    newer >= newer_noncurrent_versions.unwrap_or(0)
        && after_days(became_noncurrent, noncurrent_days.unwrap_or(0), day_ms) <= now
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

    /// Which of `key`'s versions (newest first: the first is the current one) the rules
    /// remove for good at `now`, as indices into `versions`, ascending.
    ///
    /// NoncurrentVersionExpiration: a noncurrent version (delete markers included) became
    /// noncurrent when its successor was written, and expires `NoncurrentDays` (none: 0)
    /// later, to the next midnight, once `NewerNoncurrentVersions` newer noncurrent
    /// versions exist. A current delete marker with no other version left (or none left
    /// after those removals) is an expired object delete marker: `ExpiredObjectDeleteMarker`
    /// removes it at once, an Expiration with `Days` once it is that old (S3 documents this
    /// for `Days`, not for `Date`, which leaves markers alone here). Versions Object Lock
    /// protects are never removed. Filters see each version's own size and tags (a delete
    /// marker has neither).
    pub fn versions_due(
        &self,
        key: &str,
        versions: &[VersionFacts],
        day_ms: u64,
        now: u64,
    ) -> Vec<usize> {
        let enabled = || self.rules.iter().filter(|r| r.enabled);
        let mut due = Vec::new();
        for (i, v) in versions.iter().enumerate().skip(1) {
            let became_noncurrent = versions[i - 1].created;
            let newer = (i - 1) as u64;
            let expires = enabled().any(|r| {
                r.selects(key, v.size, v.tags)
                    && r.noncurrent_expiration.as_ref().is_some_and(|n| {
                        noncurrent_due(
                            became_noncurrent,
                            newer,
                            n.noncurrent_days,
                            n.newer_noncurrent_versions,
                            day_ms,
                            now,
                        )
                    })
            });
            if v.removable && expires {
                due.push(i);
            }
        }
        if let Some(current) = versions.first()
            && current.delete_marker
            && current.removable
            && due.len() + 1 == versions.len()
        {
            let expired = enabled().any(|r| {
                r.selects(key, 0, &[])
                    && r.expiration.as_ref().is_some_and(|e| {
                        e.expired_object_delete_marker == Some(true)
                            || e.days
                                .is_some_and(|d| after_days(current.created, d, day_ms) <= now)
                    })
            });
            if expired {
                due.insert(0, 0);
            }
        }
        due
    }

    /// Whether the bucket's default minimum object size lets `rule` move an object of `size`
    /// bytes to `class`: 128 KB and up always; smaller ones only when the rule's filter names
    /// a size itself, or, with `varies_by_storage_class`, to GLACIER or DEEP_ARCHIVE.
    fn size_allows(&self, rule: &Rule, size: u64, class: &str) -> bool {
        size >= TRANSITION_MIN_SIZE
            || rule.filters_size()
            || (self.transition_minimum.as_deref() == Some(VARIES_BY_STORAGE_CLASS)
                && storage_class::archived(class))
    }

    /// Of the classes due, the one S3 picks (see `storage_class::transition_preference`),
    /// if the object may go there from `current`. The pick does not depend on `current`,
    /// so once made it stays made: an object is never moved on to a class S3 would not
    /// have picked, nor back to a warmer one.
    fn pick<'c>(due: impl Iterator<Item = &'c str>, current: &str) -> Option<&'c str> {
        let target = due.max_by_key(|c| storage_class::transition_preference(c))?;
        storage_class::may_transition(current, target).then_some(target)
    }

    /// The class the Transition rules move the current object `key` to at `now`, if any:
    /// each transition is due `Days` after creation (to the next midnight) or at its `Date`,
    /// for objects the rule's filter selects and the minimum object size admits. When an
    /// expiration that deletes the object for good (`expiry_deletes`: an unversioned bucket,
    /// or the null version of a suspended one) is due too, it wins and nothing transitions;
    /// an expiration that only adds a delete marker does not stop a transition.
    pub fn transition(
        &self,
        key: &str,
        object: &VersionFacts,
        expiry_deletes: bool,
        day_ms: u64,
        now: u64,
    ) -> Option<&str> {
        if expiry_deletes
            && self
                .expiry(key, object.created, object.size, object.tags, day_ms)
                .is_some_and(|(at, _)| at <= now)
        {
            return None;
        }
        let due = self
            .rules
            .iter()
            .filter(|r| r.enabled && r.selects(key, object.size, object.tags))
            .flat_map(|r| {
                r.transitions.iter().filter(move |t| {
                    let at = match (t.days, t.date) {
                        (Some(d), _) => after_days(object.created, d, day_ms),
                        (None, Some(date)) => date,
                        (None, None) => return false,
                    };
                    at <= now && self.size_allows(r, object.size, &t.storage_class)
                })
            })
            .map(|t| t.storage_class.as_str());
        Self::pick(due, object.class)
    }

    /// Which of `key`'s noncurrent versions (`versions` newest first, as for
    /// [`Self::versions_due`]) NoncurrentVersionTransition moves at `now`, and where, as
    /// (index, class), ascending. A version became noncurrent when its successor was
    /// written; a transition is due `NoncurrentDays` later, to the next midnight, once
    /// `NewerNoncurrentVersions` newer noncurrent versions exist. Versions the rules remove
    /// now are left to that removal (permanent deletion wins), delete markers have no class.
    pub fn version_transitions(
        &self,
        key: &str,
        versions: &[VersionFacts],
        day_ms: u64,
        now: u64,
    ) -> Vec<(usize, &str)> {
        let removed = self.versions_due(key, versions, day_ms, now);
        let mut out = Vec::new();
        for (i, v) in versions.iter().enumerate().skip(1) {
            if v.delete_marker || removed.contains(&i) {
                continue;
            }
            let became_noncurrent = versions[i - 1].created;
            let newer = (i - 1) as u64;
            let due = self
                .rules
                .iter()
                .filter(|r| r.enabled && r.selects(key, v.size, v.tags))
                .flat_map(|r| {
                    r.noncurrent_transitions.iter().filter(move |t| {
                        noncurrent_due(
                            became_noncurrent,
                            newer,
                            t.noncurrent_days,
                            t.newer_noncurrent_versions,
                            day_ms,
                            now,
                        ) && self.size_allows(r, v.size, &t.storage_class)
                    })
                })
                .map(|t| t.storage_class.as_str());
            if let Some(class) = Self::pick(due, v.class) {
                out.push((i, class));
            }
        }
        out
    }

    /// Whether any enabled rule acts on objects, versions or uploads (worth sweeping).
    pub fn acts(&self) -> bool {
        self.rules.iter().any(|r| {
            r.enabled
                && (r.expiration.as_ref().is_some_and(|e| {
                    e.days.is_some()
                        || e.date.is_some()
                        || e.expired_object_delete_marker == Some(true)
                }) || r.noncurrent_expiration.is_some()
                    || !r.transitions.is_empty()
                    || !r.noncurrent_transitions.is_empty()
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

    /// A version for `versions_due`: (created, delete marker, size, tagged `t=1`, locked).
    type V = (u64, bool, u64, bool, bool);

    fn due(rules: &str, key: &str, versions: &[V], now: u64) -> Vec<usize> {
        let c = parse(&doc(rules)).unwrap();
        let tag = vec![("t".to_string(), "1".to_string())];
        let facts: Vec<VersionFacts> = versions
            .iter()
            .map(
                |&(created, delete_marker, size, tagged, locked)| VersionFacts {
                    created,
                    delete_marker,
                    size,
                    tags: if tagged { &tag } else { &[] },
                    removable: !locked,
                    class: "STANDARD",
                },
            )
            .collect();
        c.versions_due(key, &facts, 1000, now)
    }

    fn rule(filter: &str, actions: &str) -> String {
        format!("<Rule><Filter>{filter}</Filter><Status>Enabled</Status>{actions}</Rule>")
    }

    #[test]
    fn versions_due_to_the_version_rules() {
        let nc = |days: u64, newer: Option<u64>| {
            let newer = newer.map_or(String::new(), |n| {
                format!("<NewerNoncurrentVersions>{n}</NewerNoncurrentVersions>")
            });
            rule(
                "",
                &format!(
                    "<NoncurrentVersionExpiration><NoncurrentDays>{days}</NoncurrentDays>{newer}</NoncurrentVersionExpiration>"
                ),
            )
        };
        let marker_rule = rule(
            "",
            "<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>",
        );
        let days2 = rule("", "<Expiration><Days>2</Days></Expiration>");
        let dated = rule(
            "",
            "<Expiration><Date>2020-01-01T00:00:00Z</Date></Expiration>",
        );
        // Versions, newest first: an object, a delete marker, a locked object, a tagged
        // one, a big one.
        let o = |at| (at, false, 10, false, false);
        let m = |at| (at, true, 0, false, false);
        let l = |at| (at, false, 10, false, true);
        let t = |at| (at, false, 10, true, false);
        let big = |at| (at, false, 500, false, false);
        let nc1 = nc(1, None);
        let keep1 = nc(1, Some(1));
        let keep2 = nc(5, Some(2));
        let both = format!("{marker_rule}{}", nc(1, None));
        let nc_filtered = |filter: &str| {
            rule(
                filter,
                "<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration>",
            )
        };
        let tags_only = nc_filtered("<Tag><Key>t</Key><Value>1</Value></Tag>");
        let big_only = nc_filtered("<ObjectSizeGreaterThan>100</ObjectSizeGreaterThan>");
        let tmp_only = nc_filtered("<Prefix>tmp/</Prefix>");
        let disabled = "<Rule><Filter/><Status>Disabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration></Rule>";
        let never = 1_900_000_000_000;
        /// Rules, key, versions, now, the indices due.
        type Case<'a> = (&'a str, &'a str, Vec<V>, u64, &'a [usize]);
        #[rustfmt::skip]
        let cases: Vec<Case> = vec![
            // Noncurrent days count from the successor's creation, to the next midnight:
            // version 1 became noncurrent at 3000 (due 4000), version 2 at 2000 (due 3000).
            (&nc1, "k", vec![o(3000), o(2000), o(1000)], 2999, &[]),
            (&nc1, "k", vec![o(3000), o(2000), o(1000)], 3000, &[2]),
            (&nc1, "k", vec![o(3000), o(2000), o(1000)], 4000, &[1, 2]),
            (&nc1, "k", vec![o(2500), o(100)], 3999, &[]),
            (&nc1, "k", vec![o(2500), o(100)], 4000, &[1]),
            (&nc1, "k", vec![o(0)], never, &[]),
            // NewerNoncurrentVersions keeps that many newest noncurrent versions.
            (&keep1, "k", vec![o(5000), o(4000), o(3000), o(2000)], never, &[2, 3]),
            (&keep2, "k", vec![o(9000), o(8000), o(1000), o(500)], 5999, &[]),
            (&keep2, "k", vec![o(9000), o(8000), o(1000), o(500)], 6000, &[3]),
            // A noncurrent delete marker counts, and expires, like any noncurrent version.
            (&keep1, "k", vec![o(5000), m(4000), o(1000)], never, &[2]),
            (&nc1, "k", vec![o(5000), m(4000), o(1000)], never, &[1, 2]),
            // Object Lock protects a version; the others still go.
            (&nc1, "k", vec![o(3000), l(2000), o(1000)], never, &[2]),
            // Filters see each version's own key, tags and size; disabled rules nothing.
            (&tags_only, "k", vec![o(3000), t(2000), o(1000)], never, &[1]),
            (&big_only, "k", vec![o(3000), o(2000), big(1000)], never, &[2]),
            (&tmp_only, "logs/a", vec![o(3000), o(2000)], never, &[]),
            (&tmp_only, "tmp/a", vec![o(3000), o(2000)], never, &[1]),
            (disabled, "k", vec![m(3000), o(2000)], never, &[]),
            // Expired object delete markers: current, and the only version left.
            (&marker_rule, "k", vec![m(5000)], 5000, &[0]),
            (&marker_rule, "k", vec![m(5000), o(1000)], never, &[]),
            (&marker_rule, "k", vec![o(5000)], never, &[]),
            (&both, "k", vec![m(5000), o(1000)], 6000, &[0, 1]),
            (&both, "k", vec![m(5000), o(1000)], 5999, &[]),
            (&both, "k", vec![m(5000), l(1000)], never, &[]),
            // Expiration Days removes an expired marker once it is that old; Date does not.
            (&days2, "k", vec![m(5500)], 7999, &[]),
            (&days2, "k", vec![m(5500)], 8000, &[0]),
            (&days2, "k", vec![m(5500), o(100)], never, &[]),
            (&dated, "k", vec![m(0)], never, &[]),
        ];
        for (i, (rules, key, versions, now, want)) in cases.into_iter().enumerate() {
            assert_eq!(due(rules, key, &versions, now), want, "case {i}: {rules}");
        }
        assert!(parse(&doc(&nc1)).unwrap().acts());
        assert!(parse(&doc(&marker_rule)).unwrap().acts());
        assert!(!parse(&doc(disabled)).unwrap().acts());
    }

    fn with_minimum(rules: &str, minimum: Option<&str>) -> LifecycleConfiguration {
        let mut c = parse(&doc(rules)).unwrap();
        c.transition_minimum = minimum.map(str::to_string);
        c
    }

    fn transition_rule(filter: &str, transitions: &[(&str, &str)]) -> String {
        let actions: String = transitions
            .iter()
            .map(|(when, class)| {
                let when = match when.parse::<u64>() {
                    Ok(days) => format!("<Days>{days}</Days>"),
                    Err(_) => format!("<Date>{when}</Date>"),
                };
                format!("<Transition>{when}<StorageClass>{class}</StorageClass></Transition>")
            })
            .collect();
        rule(filter, &actions)
    }

    #[test]
    fn current_objects_transition_to_the_class_due() {
        const BIG: u64 = TRANSITION_MIN_SIZE;
        let tiers = transition_rule("", &[("30", "STANDARD_IA"), ("90", "GLACIER")]);
        let instant = transition_rule("", &[("0", "GLACIER_IR")]);
        let archive = transition_rule("", &[("0", "GLACIER")]);
        let sized = |filter: &str| transition_rule(filter, &[("0", "INTELLIGENT_TIERING")]);
        let over1 = sized("<ObjectSizeGreaterThan>1</ObjectSizeGreaterThan>");
        let under100 = sized("<ObjectSizeLessThan>100</ObjectSizeLessThan>");
        let tagged = transition_rule(
            "<Tag><Key>t</Key><Value>1</Value></Tag>",
            &[("0", "GLACIER")],
        );
        let logs = transition_rule("<Prefix>logs/</Prefix>", &[("0", "GLACIER")]);
        let dated = transition_rule("", &[("2020-01-01T00:00:00Z", "DEEP_ARCHIVE")]);
        // Across rules S3 picks the lower-cost class, Intelligent-Tiering over all but the
        // Glacier classes; once there, the other rule does not move it on.
        let overlap = format!(
            "{}{}",
            transition_rule("", &[("0", "INTELLIGENT_TIERING")]),
            transition_rule("", &[("30", "ONEZONE_IA")])
        );
        let expiring = rule(
            "",
            "<Expiration><Days>1</Days></Expiration><Transition><Days>0</Days><StorageClass>GLACIER</StorageClass></Transition>",
        );
        let disabled = "<Rule><Filter/><Status>Disabled</Status><Transition><Days>0</Days><StorageClass>GLACIER</StorageClass></Transition></Rule>";
        let varies = Some(VARIES_BY_STORAGE_CLASS);
        let all = Some("all_storage_classes_128K");
        let never = 1_900_000_000_000;
        /// Rules, minimum size setting, key, (created, size, tagged, class), expiry
        /// deletes for good, now, the class moved to.
        type Case<'a> = (
            &'a str,
            Option<&'a str>,
            &'a str,
            (u64, u64, bool, &'a str),
            bool,
            u64,
            Option<&'a str>,
        );
        #[rustfmt::skip]
        let cases: Vec<Case> = vec![
            // Days count from creation to the next midnight; the latest due applies.
            (&tiers, None, "k", (500, BIG, false, "STANDARD"), false, 30_999, None),
            (&tiers, None, "k", (500, BIG, false, "STANDARD"), false, 31_000, Some("STANDARD_IA")),
            (&tiers, None, "k", (500, BIG, false, "STANDARD"), false, 100_000, Some("GLACIER")),
            (&tiers, None, "k", (500, BIG, false, "STANDARD_IA"), false, 100_000, Some("GLACIER")),
            (&tiers, None, "k", (500, BIG, false, "REDUCED_REDUNDANCY"), false, 31_000, Some("STANDARD_IA")),
            // Never to the class it is in, nor back to a warmer one.
            (&tiers, None, "k", (500, BIG, false, "GLACIER"), false, never, None),
            (&tiers, None, "k", (500, BIG, false, "DEEP_ARCHIVE"), false, never, None),
            (&tiers, None, "k", (500, BIG, false, "GLACIER_IR"), false, 31_000, None),
            (&instant, None, "k", (500, BIG, false, "ONEZONE_IA"), false, never, None),
            (&archive, None, "k", (500, BIG, false, "GLACIER_IR"), false, never, Some("GLACIER")),
            // Under 128 KB nothing transitions by default; `varies_by_storage_class` lets
            // small objects reach GLACIER and DEEP_ARCHIVE only; a rule's own size filter
            // replaces the default.
            (&archive, None, "k", (500, BIG - 1, false, "STANDARD"), false, never, None),
            (&archive, all, "k", (500, BIG - 1, false, "STANDARD"), false, never, None),
            (&archive, varies, "k", (500, 1, false, "STANDARD"), false, never, Some("GLACIER")),
            (&instant, varies, "k", (500, 1, false, "STANDARD"), false, never, None),
            (&instant, varies, "k", (500, BIG, false, "STANDARD"), false, never, Some("GLACIER_IR")),
            (&over1, None, "k", (500, 2, false, "STANDARD"), false, never, Some("INTELLIGENT_TIERING")),
            (&over1, None, "k", (500, 1, false, "STANDARD"), false, never, None),
            (&under100, None, "k", (500, 10, false, "STANDARD"), false, never, Some("INTELLIGENT_TIERING")),
            (&under100, None, "k", (500, BIG, false, "STANDARD"), false, never, None),
            // Filters: tags, prefix; disabled rules do nothing.
            (&tagged, None, "k", (500, BIG, true, "STANDARD"), false, never, Some("GLACIER")),
            (&tagged, None, "k", (500, BIG, false, "STANDARD"), false, never, None),
            (&logs, None, "logs/a", (500, BIG, false, "STANDARD"), false, never, Some("GLACIER")),
            (&logs, None, "data/a", (500, BIG, false, "STANDARD"), false, never, None),
            (disabled, None, "k", (500, BIG, false, "STANDARD"), false, never, None),
            // A Date is due from that midnight on.
            (&dated, None, "k", (0, BIG, false, "STANDARD"), false, 1_577_836_799_999, None),
            (&dated, None, "k", (0, BIG, false, "STANDARD"), false, 1_577_836_800_000, Some("DEEP_ARCHIVE")),
            (&overlap, None, "k", (500, BIG, false, "STANDARD"), false, 31_000, Some("INTELLIGENT_TIERING")),
            (&overlap, None, "k", (500, BIG, false, "INTELLIGENT_TIERING"), false, never, None),
            // A due expiration that deletes for good wins; one that adds a delete marker
            // does not.
            (&expiring, None, "k", (500, BIG, false, "STANDARD"), true, 1_999, Some("GLACIER")),
            (&expiring, None, "k", (500, BIG, false, "STANDARD"), true, 2_000, None),
            (&expiring, None, "k", (500, BIG, false, "STANDARD"), false, 2_000, Some("GLACIER")),
        ];
        let tag = vec![("t".to_string(), "1".to_string())];
        for (i, (rules, minimum, key, (created, size, tagged, class), deletes, now, want)) in
            cases.into_iter().enumerate()
        {
            let c = with_minimum(rules, minimum);
            let facts = VersionFacts {
                created,
                delete_marker: false,
                size,
                tags: if tagged { &tag } else { &[] },
                removable: true,
                class,
            };
            assert_eq!(
                c.transition(key, &facts, deletes, 1000, now),
                want,
                "case {i}: {rules}"
            );
        }
        assert!(with_minimum(&tiers, None).acts());
        assert!(!with_minimum(disabled, None).acts());
    }

    #[test]
    fn noncurrent_versions_transition_to_the_class_due() {
        const BIG: u64 = TRANSITION_MIN_SIZE;
        let nct = |days: u64, newer: Option<u64>, class: &str| {
            let newer = newer.map_or(String::new(), |n| {
                format!("<NewerNoncurrentVersions>{n}</NewerNoncurrentVersions>")
            });
            rule(
                "",
                &format!(
                    "<NoncurrentVersionTransition><NoncurrentDays>{days}</NoncurrentDays>{newer}<StorageClass>{class}</StorageClass></NoncurrentVersionTransition>"
                ),
            )
        };
        let glacier1 = nct(1, None, "GLACIER");
        let keep1 = nct(0, Some(1), "GLACIER");
        let tiers = format!(
            "{}{}",
            nct(1, None, "GLACIER_IR"),
            nct(3, None, "DEEP_ARCHIVE")
        );
        let expiring = format!(
            "{}{}",
            nct(0, None, "GLACIER"),
            rule(
                "",
                "<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration>"
            )
        );
        let small_ok = rule(
            "<ObjectSizeGreaterThan>0</ObjectSizeGreaterThan>",
            "<NoncurrentVersionTransition><NoncurrentDays>0</NoncurrentDays><StorageClass>GLACIER_IR</StorageClass></NoncurrentVersionTransition>",
        );
        // (created, delete marker, size, class, locked), newest first.
        type V<'a> = (u64, bool, u64, &'a str, bool);
        let o = |at| (at, false, BIG, "STANDARD", false);
        let m = |at| (at, true, 0, "STANDARD", false);
        let l = |at| (at, false, BIG, "STANDARD", true);
        let small = |at| (at, false, 10, "STANDARD", false);
        let never = 1_900_000_000_000;
        /// Rules, minimum size setting, versions, now, the (index, class) moved.
        type Case<'a> = (
            &'a str,
            Option<&'a str>,
            Vec<V<'a>>,
            u64,
            Vec<(usize, &'a str)>,
        );
        #[rustfmt::skip]
        let cases: Vec<Case> = vec![
            // NoncurrentDays count from the successor's creation, to the next midnight; the
            // current version is never moved by these rules.
            (&glacier1, None, vec![o(3000), o(2000), o(1000)], 2999, vec![]),
            (&glacier1, None, vec![o(3000), o(2000), o(1000)], 3000, vec![(2, "GLACIER")]),
            (&glacier1, None, vec![o(3000), o(2000), o(1000)], 4000, vec![(1, "GLACIER"), (2, "GLACIER")]),
            (&glacier1, None, vec![o(0)], never, vec![]),
            // NewerNoncurrentVersions keeps that many newest noncurrent versions where they are.
            (&keep1, None, vec![o(5000), o(4000), o(3000), o(2000)], never, vec![(2, "GLACIER"), (3, "GLACIER")]),
            // Delete markers have no class; they count as newer noncurrent versions.
            (&keep1, None, vec![o(5000), m(4000), o(1000)], never, vec![(2, "GLACIER")]),
            // The latest due applies, never back to a warmer class.
            (&tiers, None, vec![o(3000), o(1000)], 4000, vec![(1, "GLACIER_IR")]),
            (&tiers, None, vec![o(3000), o(1000)], 6000, vec![(1, "DEEP_ARCHIVE")]),
            (&tiers, None, vec![o(3000), (1000, false, BIG, "GLACIER_IR", false)], 6000, vec![(1, "DEEP_ARCHIVE")]),
            (&tiers, None, vec![o(3000), (1000, false, BIG, "DEEP_ARCHIVE", false)], never, vec![]),
            (&tiers, None, vec![o(3000), (1000, false, BIG, "GLACIER", false)], 4000, vec![]),
            // Permanent deletion wins; a version Object Lock keeps is moved instead.
            (&expiring, None, vec![o(3000), o(2000), o(1000)], 3000, vec![(1, "GLACIER")]),
            (&expiring, None, vec![o(3000), l(2000), o(1000)], never, vec![(1, "GLACIER")]),
            // The default minimum object size, and what replaces it.
            (&glacier1, None, vec![o(3000), small(1000)], never, vec![]),
            (&glacier1, Some(VARIES_BY_STORAGE_CLASS), vec![o(3000), small(1000)], never, vec![(1, "GLACIER")]),
            (&small_ok, None, vec![o(3000), small(1000)], never, vec![(1, "GLACIER_IR")]),
        ];
        for (i, (rules, minimum, versions, now, want)) in cases.into_iter().enumerate() {
            let c = with_minimum(rules, minimum);
            let facts: Vec<VersionFacts> = versions
                .iter()
                .map(
                    |&(created, delete_marker, size, class, locked)| VersionFacts {
                        created,
                        delete_marker,
                        size,
                        tags: &[],
                        removable: !locked,
                        class,
                    },
                )
                .collect();
            assert_eq!(
                c.version_transitions("k", &facts, 1000, now),
                want,
                "case {i}: {rules}"
            );
        }
        assert!(with_minimum(&glacier1, None).acts());
    }
}
