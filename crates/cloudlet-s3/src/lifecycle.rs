//! Lifecycle configuration: the `LifecycleConfiguration` document (rules with ID, Filter —
//! Prefix, Tag, object size, And — Status and actions) parsed and validated as S3 does,
//! rendered back, and evaluated: which rule expires an object and when, and when an
//! incomplete multipart upload is aborted. Pure: time comes in as milliseconds, with the
//! length of a "day" a parameter so tests can shorten it.

use cloudlet_core::xml::XmlWriter;
use serde::{Deserialize, Serialize};

use crate::error::{S3Error, S3Result};
use crate::ops::{XMLNS, iso8601};
use crate::xml::Element;

/// Milliseconds in a real day.
pub const DAY_MS: u64 = 86_400_000;
const MAX_RULES: usize = 1000;
const STORAGE_CLASSES: &[&str] = &[
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

/// The rule's selector as sent: the legacy top-level `<Prefix>`, a `<Filter>`, or neither.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Selector {
    LegacyPrefix(String),
    Filter(Filter),
    None,
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

fn invalid(message: &str, name: &str, value: &str) -> S3Error {
    S3Error::InvalidArgument {
        message: message.to_string(),
        name: name.to_string(),
        value: value.to_string(),
    }
}

fn number(e: &Element, name: &str) -> S3Result<Option<i64>> {
    match e.child_text(name) {
        None => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| S3Error::MalformedXml),
    }
}

/// A positive count of days, or InvalidArgument with S3's message.
fn positive(e: &Element, name: &str, message: &str) -> S3Result<Option<u64>> {
    match number(e, name)? {
        None => Ok(None),
        Some(n) if n > 0 => Ok(Some(n as u64)),
        Some(n) => Err(invalid(message, name, &n.to_string())),
    }
}

/// Days since the epoch of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
    if d.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
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

fn date_of(e: &Element) -> S3Result<Option<u64>> {
    match e.child_text("Date") {
        None => Ok(None),
        Some(v) => {
            let ms = parse_date(v).ok_or(S3Error::MalformedXml)?;
            if ms % DAY_MS != 0 {
                return Err(invalid("'Date' must be at midnight GMT", "Date", v));
            }
            Ok(Some(ms))
        }
    }
}

fn tag_of(e: &Element) -> S3Result<(String, String)> {
    let k = e.child("Key").ok_or(S3Error::MalformedXml)?;
    let v = e.child("Value").map(|v| v.text.clone()).unwrap_or_default();
    Ok((k.text.clone(), v))
}

fn size(e: &Element, name: &str) -> S3Result<Option<u64>> {
    match number(e, name)? {
        None => Ok(None),
        Some(n) if n >= 0 => Ok(Some(n as u64)),
        Some(_) => Err(S3Error::MalformedXml),
    }
}

fn filter_of(e: &Element) -> S3Result<Filter> {
    let conditions = e
        .children
        .iter()
        .filter(|c| {
            matches!(
                c.name.as_str(),
                "Prefix" | "Tag" | "And" | "ObjectSizeGreaterThan" | "ObjectSizeLessThan"
            )
        })
        .count();
    if conditions > 1 {
        return Err(S3Error::MalformedXml);
    }
    if let Some(and) = e.child("And") {
        let tags = and
            .children_named("Tag")
            .map(tag_of)
            .collect::<S3Result<Vec<_>>>()?;
        if tags
            .iter()
            .enumerate()
            .any(|(i, (k, _))| tags[..i].iter().any(|(k2, _)| k2 == k))
        {
            return Err(S3Error::InvalidRequest(
                "Duplicate Tag Keys are not allowed.".into(),
            ));
        }
        return Ok(Filter {
            prefix: and.child("Prefix").map(|p| p.text.clone()),
            tags,
            size_greater_than: size(and, "ObjectSizeGreaterThan")?,
            size_less_than: size(and, "ObjectSizeLessThan")?,
            and: true,
        });
    }
    Ok(Filter {
        prefix: e.child("Prefix").map(|p| p.text.clone()),
        tags: match e.child("Tag") {
            Some(t) => vec![tag_of(t)?],
            None => Vec::new(),
        },
        size_greater_than: size(e, "ObjectSizeGreaterThan")?,
        size_less_than: size(e, "ObjectSizeLessThan")?,
        and: false,
    })
}

fn expiration_of(e: &Element) -> S3Result<Expiration> {
    let exp = Expiration {
        days: positive(
            e,
            "Days",
            "'Days' for Expiration action must be a positive integer",
        )?,
        date: date_of(e)?,
        expired_object_delete_marker: match e.child_text("ExpiredObjectDeleteMarker") {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => return Err(S3Error::MalformedXml),
        },
    };
    let given = [
        exp.days.is_some(),
        exp.date.is_some(),
        exp.expired_object_delete_marker.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err(S3Error::MalformedXml);
    }
    Ok(exp)
}

fn storage_class(e: &Element) -> S3Result<String> {
    match e.child_text("StorageClass") {
        Some(c) if STORAGE_CLASSES.contains(&c) => Ok(c.to_string()),
        _ => Err(S3Error::MalformedXml),
    }
}

fn transition_of(e: &Element) -> S3Result<Transition> {
    let class = storage_class(e)?;
    let days = match number(e, "Days")? {
        Some(n) if n < 0 => {
            return Err(invalid(
                "'Days' in Transition action must be nonnegative",
                "Days",
                &n.to_string(),
            ));
        }
        Some(n) if n < 30 && (class == "STANDARD_IA" || class == "ONEZONE_IA") => {
            return Err(invalid(
                &format!(
                    "'Days' in Transition action must be greater than or equal to 30 for storageClass '{class}'"
                ),
                "Days",
                &n.to_string(),
            ));
        }
        other => other.map(|n| n as u64),
    };
    let t = Transition {
        days,
        date: date_of(e)?,
        storage_class: class,
    };
    if t.days.is_some() == t.date.is_some() {
        return Err(S3Error::MalformedXml);
    }
    Ok(t)
}

fn noncurrent_count(e: &Element, name: &str) -> S3Result<Option<u64>> {
    match number(e, name)? {
        None => Ok(None),
        Some(n) if n >= 0 => Ok(Some(n as u64)),
        Some(_) => Err(S3Error::MalformedXml),
    }
}

fn rule_of(r: &Element, new_id: &mut dyn FnMut() -> String) -> S3Result<Rule> {
    let id = match r.child("ID") {
        Some(i) if i.text.chars().count() > 255 => {
            return Err(invalid(
                "ID length should not exceed allowed limit of 255",
                "ID",
                &i.text,
            ));
        }
        Some(i) if !i.text.is_empty() => i.text.clone(),
        _ => new_id(),
    };
    let enabled = match r.child_text("Status") {
        Some("Enabled") => true,
        Some("Disabled") => false,
        _ => return Err(S3Error::MalformedXml),
    };
    let selector = match (r.child("Prefix"), r.child("Filter")) {
        (Some(_), Some(_)) => return Err(S3Error::MalformedXml),
        (Some(p), None) => Selector::LegacyPrefix(p.text.clone()),
        (None, Some(f)) => Selector::Filter(filter_of(f)?),
        (None, None) => Selector::None,
    };
    let expiration = r.child("Expiration").map(expiration_of).transpose()?;
    let transitions = r
        .children_named("Transition")
        .map(transition_of)
        .collect::<S3Result<Vec<_>>>()?;
    let noncurrent_transitions = r
        .children_named("NoncurrentVersionTransition")
        .map(|t| {
            Ok(NoncurrentTransition {
                noncurrent_days: noncurrent_count(t, "NoncurrentDays")?,
                newer_noncurrent_versions: noncurrent_count(t, "NewerNoncurrentVersions")?,
                storage_class: storage_class(t)?,
            })
        })
        .collect::<S3Result<Vec<_>>>()?;
    let noncurrent_expiration = r
        .child("NoncurrentVersionExpiration")
        .map(|e| {
            if e.child("NoncurrentDays").is_none() && e.child("NewerNoncurrentVersions").is_none() {
                return Err(S3Error::MalformedXml);
            }
            Ok::<_, S3Error>(NoncurrentExpiration {
                noncurrent_days: positive(
                    e,
                    "NoncurrentDays",
                    "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer",
                )?,
                newer_noncurrent_versions: noncurrent_count(e, "NewerNoncurrentVersions")?,
            })
        })
        .transpose()?;
    let abort_days = match r.child("AbortIncompleteMultipartUpload") {
        None => None,
        Some(a) => Some(
            positive(
                a,
                "DaysAfterInitiation",
                "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer",
            )?
            .ok_or(S3Error::MalformedXml)?,
        ),
    };
    let rule = Rule {
        id,
        selector,
        enabled,
        expiration,
        transitions,
        noncurrent_transitions,
        noncurrent_expiration,
        abort_days,
    };
    if rule.expiration.is_none()
        && rule.transitions.is_empty()
        && rule.noncurrent_transitions.is_empty()
        && rule.noncurrent_expiration.is_none()
        && rule.abort_days.is_none()
    {
        return Err(S3Error::InvalidRequest(
            "At least one action needs to be specified in a rule".into(),
        ));
    }
    let marker = rule
        .expiration
        .as_ref()
        .is_some_and(|e| e.expired_object_delete_marker.is_some());
    if rule.has_tags() && marker {
        return Err(S3Error::InvalidRequest(
            "ExpiredObjectDeleteMarker cannot be specified with Tags.".into(),
        ));
    }
    if rule.has_tags() && rule.abort_days.is_some() {
        return Err(S3Error::InvalidRequest(
            "AbortIncompleteMultipartUpload cannot be specified with Tags.".into(),
        ));
    }
    Ok(rule)
}

impl Rule {
    fn filter(&self) -> Filter {
        match &self.selector {
            Selector::LegacyPrefix(p) => Filter {
                prefix: Some(p.clone()),
                ..Filter::default()
            },
            Selector::Filter(f) => f.clone(),
            Selector::None => Filter::default(),
        }
    }

    fn has_tags(&self) -> bool {
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
    (start_ms + days * day_ms).div_ceil(day_ms) * day_ms
}

impl LifecycleConfiguration {
    /// Parses and validates a document; `new_id` names rules sent without an ID.
    pub fn from_xml(
        root: &Element,
        new_id: &mut dyn FnMut() -> String,
    ) -> S3Result<LifecycleConfiguration> {
        if root.name != "LifecycleConfiguration" {
            return Err(S3Error::MalformedXml);
        }
        let mut rules: Vec<Rule> = Vec::new();
        for r in root.children_named("Rule") {
            let rule = rule_of(r, new_id)?;
            if rules.iter().any(|x| x.id == rule.id) {
                return Err(invalid(
                    "Rule ID must be unique. Found same ID for more than one rule",
                    "ID",
                    &rule.id,
                ));
            }
            rules.push(rule);
        }
        if rules.is_empty() || rules.len() > MAX_RULES {
            return Err(S3Error::MalformedXml);
        }
        Ok(LifecycleConfiguration {
            rules,
            transition_minimum: None,
        })
    }

    pub fn to_xml(&self) -> String {
        let mut x = XmlWriter::new();
        x.open_ns("LifecycleConfiguration", XMLNS);
        for r in &self.rules {
            x.open("Rule");
            if let Some(e) = &r.expiration {
                x.open("Expiration")
                    .opt("Date", e.date.map(iso8601).as_deref())
                    .opt("Days", e.days.map(|d| d.to_string()).as_deref())
                    .opt(
                        "ExpiredObjectDeleteMarker",
                        e.expired_object_delete_marker
                            .map(|b| if b { "true" } else { "false" }),
                    )
                    .close();
            }
            x.elem("ID", &r.id);
            match &r.selector {
                Selector::LegacyPrefix(p) => {
                    x.elem("Prefix", p);
                }
                Selector::Filter(f) => {
                    x.open("Filter");
                    write_filter(&mut x, f);
                    x.close();
                }
                Selector::None => {
                    x.open("Filter").close();
                }
            }
            x.elem("Status", if r.enabled { "Enabled" } else { "Disabled" });
            for t in &r.transitions {
                x.open("Transition")
                    .opt("Date", t.date.map(iso8601).as_deref())
                    .opt("Days", t.days.map(|d| d.to_string()).as_deref())
                    .elem("StorageClass", &t.storage_class)
                    .close();
            }
            for t in &r.noncurrent_transitions {
                x.open("NoncurrentVersionTransition")
                    .opt(
                        "NoncurrentDays",
                        t.noncurrent_days.map(|d| d.to_string()).as_deref(),
                    )
                    .elem("StorageClass", &t.storage_class)
                    .opt(
                        "NewerNoncurrentVersions",
                        t.newer_noncurrent_versions
                            .map(|d| d.to_string())
                            .as_deref(),
                    )
                    .close();
            }
            if let Some(e) = &r.noncurrent_expiration {
                x.open("NoncurrentVersionExpiration")
                    .opt(
                        "NoncurrentDays",
                        e.noncurrent_days.map(|d| d.to_string()).as_deref(),
                    )
                    .opt(
                        "NewerNoncurrentVersions",
                        e.newer_noncurrent_versions
                            .map(|d| d.to_string())
                            .as_deref(),
                    )
                    .close();
            }
            if let Some(d) = r.abort_days {
                x.open("AbortIncompleteMultipartUpload")
                    .elem("DaysAfterInitiation", &d.to_string())
                    .close();
            }
            x.close();
        }
        x.finish()
    }

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

    /// When an incomplete multipart upload of `key` begun at `initiated_ms` is aborted.
    pub fn abort_at(&self, key: &str, initiated_ms: u64, day_ms: u64) -> Option<u64> {
        self.rules
            .iter()
            .filter(|r| {
                r.enabled
                    && r.filter()
                        .prefix
                        .as_deref()
                        .is_none_or(|p| key.starts_with(p))
            })
            .filter_map(|r| r.abort_days.map(|d| after_days(initiated_ms, d, day_ms)))
            .min()
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

fn write_filter(x: &mut XmlWriter, f: &Filter) {
    let size = |v: Option<u64>| v.map(|n| n.to_string());
    if f.and {
        x.open("And").opt("Prefix", f.prefix.as_deref());
        for (k, v) in &f.tags {
            x.open("Tag").elem("Key", k).elem("Value", v).close();
        }
        x.opt(
            "ObjectSizeGreaterThan",
            size(f.size_greater_than).as_deref(),
        )
        .opt("ObjectSizeLessThan", size(f.size_less_than).as_deref())
        .close();
        return;
    }
    x.opt("Prefix", f.prefix.as_deref());
    for (k, v) in &f.tags {
        x.open("Tag").elem("Key", k).elem("Value", v).close();
    }
    x.opt(
        "ObjectSizeGreaterThan",
        size(f.size_greater_than).as_deref(),
    )
    .opt("ObjectSizeLessThan", size(f.size_less_than).as_deref());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(doc: &str) -> Result<LifecycleConfiguration, String> {
        let root = crate::xml::parse(doc).ok_or("xml")?;
        let mut n = 0;
        LifecycleConfiguration::from_xml(&root, &mut || {
            n += 1;
            format!("gen{n}")
        })
        .map_err(|e| format!("{e:?}"))
    }

    fn doc(rules: &str) -> String {
        format!("<LifecycleConfiguration>{rules}</LifecycleConfiguration>")
    }

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
        ];
        for (s, expected) in cases {
            assert_eq!(parse_date(s), expected, "{s}");
        }
        assert_eq!(after_days(1_000, 1, 100), 1_100);
        assert_eq!(after_days(1_050, 1, 100), 1_200);
        // 2014-01-15 10:30 + 3 days → 2014-01-19 00:00 (the AWS documentation's example).
        let jan15 = parse_date("2014-01-15T10:30:00Z").unwrap();
        assert_eq!(
            after_days(jan15, 3, DAY_MS),
            parse_date("2014-01-19T00:00:00Z").unwrap()
        );
    }

    #[test]
    fn documents() {
        let ok = doc(
            "<Rule><ID>logs</ID><Filter><And><Prefix>logs/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan></And></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration><Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition><NoncurrentVersionExpiration><NoncurrentDays>5</NoncurrentDays></NoncurrentVersionExpiration></Rule>\
             <Rule><Prefix>tmp/</Prefix><Status>Disabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>\
             <Rule><ID>d</ID><Filter/><Status>Enabled</Status><Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration></Rule>",
        );
        let c = parse(&ok).unwrap();
        assert_eq!(c.rules.len(), 3);
        assert_eq!(c.rules[1].id, "gen1");
        assert_eq!(c.rules[1].selector, Selector::LegacyPrefix("tmp/".into()));
        assert_eq!(parse(&c.to_xml()).unwrap(), c);

        let status = "<Status>Enabled</Status>";
        let exp = "<Expiration><Days>1</Days></Expiration>";
        let cases = [
            (doc(""), "MalformedXml".to_string()),
            (format!("<Rule><Filter/>{exp}</Rule>"), "MalformedXml".into()),
            (
                format!("<Rule><Filter/><Status>On</Status>{exp}</Rule>"),
                "MalformedXml".into(),
            ),
            (
                format!("<Rule><Prefix>a</Prefix><Filter/>{status}{exp}</Rule>"),
                "MalformedXml".into(),
            ),
            (
                format!(
                    "<Rule><Filter><Prefix>a</Prefix><Tag><Key>k</Key></Tag></Filter>{status}{exp}</Rule>"
                ),
                "MalformedXml".into(),
            ),
            (
                format!("<Rule><Filter/>{status}</Rule>"),
                "InvalidRequest(\"At least one action needs to be specified in a rule\")".into(),
            ),
            (
                format!("<Rule><Filter/>{status}<Expiration><Days>0</Days></Expiration></Rule>"),
                "'Days' for Expiration action must be a positive integer".into(),
            ),
            (
                format!(
                    "<Rule><Filter/>{status}<Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z</Date></Expiration></Rule>"
                ),
                "MalformedXml".into(),
            ),
            (
                format!(
                    "<Rule><Filter/>{status}<Expiration><Date>2030-01-01T10:00:00Z</Date></Expiration></Rule>"
                ),
                "'Date' must be at midnight GMT".into(),
            ),
            (
                format!(
                    "<Rule><ID>a</ID><Filter/>{status}{exp}</Rule><Rule><ID>a</ID><Filter/>{status}{exp}</Rule>"
                ),
                "Rule ID must be unique. Found same ID for more than one rule".into(),
            ),
            (
                format!("<Rule><ID>{}</ID><Filter/>{status}{exp}</Rule>", "x".repeat(256)),
                "ID length should not exceed allowed limit of 255".into(),
            ),
            (
                format!(
                    "<Rule><Filter/>{status}<Transition><Days>10</Days><StorageClass>STANDARD_IA</StorageClass></Transition></Rule>"
                ),
                "'Days' in Transition action must be greater than or equal to 30 for storageClass 'STANDARD_IA'".into(),
            ),
            (
                format!(
                    "<Rule><Filter/>{status}<Transition><Days>10</Days><StorageClass>COLD</StorageClass></Transition></Rule>"
                ),
                "MalformedXml".into(),
            ),
            (
                format!(
                    "<Rule><Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter>{status}<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>"
                ),
                "InvalidRequest(\"AbortIncompleteMultipartUpload cannot be specified with Tags.\")"
                    .into(),
            ),
            (
                format!(
                    "<Rule><Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter>{status}<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>"
                ),
                "InvalidRequest(\"ExpiredObjectDeleteMarker cannot be specified with Tags.\")".into(),
            ),
            (
                format!(
                    "<Rule><Filter><And><Tag><Key>k</Key><Value>1</Value></Tag><Tag><Key>k</Key><Value>2</Value></Tag></And></Filter>{status}{exp}</Rule>"
                ),
                "InvalidRequest(\"Duplicate Tag Keys are not allowed.\")".into(),
            ),
            (
                format!(
                    "<Rule><Filter/>{status}<NoncurrentVersionExpiration></NoncurrentVersionExpiration></Rule>"
                ),
                "MalformedXml".into(),
            ),
            (
                format!(
                    "<Rule><Filter/>{status}<AbortIncompleteMultipartUpload><DaysAfterInitiation>0</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>"
                ),
                "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer".into(),
            ),
            (
                format!(
                    "<Rule><Filter/>{status}<NoncurrentVersionExpiration><NoncurrentDays>0</NoncurrentDays></NoncurrentVersionExpiration></Rule>"
                ),
                "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer".into(),
            ),
        ];
        for (rules, expected) in cases {
            let d = if rules.starts_with("<Lifecycle") {
                rules.clone()
            } else {
                doc(&rules)
            };
            let err = parse(&d).unwrap_err();
            assert!(err.contains(&expected), "{rules}: {err}");
        }
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
        assert_eq!(c.abort_at("logs/x", 500, day), Some(2000));
        assert_eq!(c.abort_at("other", 500, day), None);
        assert!(c.acts());
    }
}
