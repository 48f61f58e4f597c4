//! The `LifecycleConfiguration` XML document: parsed and validated with the errors S3
//! gives (MalformedXML for what the schema forbids, InvalidArgument/InvalidRequest with
//! S3's messages for the rest) and rendered back for GetBucketLifecycleConfiguration.

use cloudlet_core::xml::XmlWriter;

use crate::error::{S3Error, S3Result};
use crate::lifecycle::{
    DAY_MS, Expiration, Filter, LifecycleConfiguration, MAX_RULES, NoncurrentExpiration,
    NoncurrentTransition, Rule, STORAGE_CLASSES, Selector, Transition, parse_date,
};
use crate::ops::{XMLNS, iso8601};
use crate::xml::Element;

use crate::error::invalid_argument;

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
        Some(n) => Err(invalid_argument(message, name, n.to_string())),
    }
}

/// A nonnegative count of days, or InvalidArgument with S3's message.
fn nonnegative(e: &Element, name: &str, message: &str) -> S3Result<Option<u64>> {
    match number(e, name)? {
        None => Ok(None),
        Some(n) if n >= 0 => Ok(Some(n as u64)),
        Some(n) => Err(invalid_argument(message, name, n.to_string())),
    }
}

fn date_of(e: &Element) -> S3Result<Option<u64>> {
    match e.child_text("Date") {
        None => Ok(None),
        Some(v) => {
            let ms = parse_date(v).ok_or(S3Error::MalformedXml)?;
            if ms % DAY_MS != 0 {
                return Err(invalid_argument(
                    "'Date' must be at midnight GMT",
                    "Date",
                    v,
                ));
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
        // "a logical AND to two or more predicates": S3 refuses an And of one.
        if predicates(and) < 2 {
            return Err(S3Error::MalformedXml);
        }
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
        return sizes_checked(Filter {
            prefix: and.child("Prefix").map(|p| p.text.clone()),
            tags,
            size_greater_than: size(and, "ObjectSizeGreaterThan")?,
            size_less_than: less_than(and)?,
            and: true,
        });
    }
    sizes_checked(Filter {
        prefix: e.child("Prefix").map(|p| p.text.clone()),
        tags: match e.child("Tag") {
            Some(t) => vec![tag_of(t)?],
            None => Vec::new(),
        },
        size_greater_than: size(e, "ObjectSizeGreaterThan")?,
        size_less_than: less_than(e)?,
        and: false,
    })
}

/// The predicates an element holds (an empty `Prefix` counts).
fn predicates(e: &Element) -> usize {
    e.children
        .iter()
        .filter(|c| {
            matches!(
                c.name.as_str(),
                "Prefix" | "Tag" | "ObjectSizeGreaterThan" | "ObjectSizeLessThan"
            )
        })
        .count()
}

/// Largest `ObjectSizeLessThan` S3 accepts.
const MAX_SIZE_LESS_THAN: i64 = 1_099_511_627_776_000;

/// `ObjectSizeLessThan`, within the range S3 accepts.
fn less_than(e: &Element) -> S3Result<Option<u64>> {
    match number(e, "ObjectSizeLessThan")? {
        None => Ok(None),
        Some(n) if (1..=MAX_SIZE_LESS_THAN).contains(&n) => Ok(Some(n as u64)),
        Some(_) => Err(S3Error::InvalidRequest(format!(
            "'ObjectSizeLessThan' should be between 1 and {MAX_SIZE_LESS_THAN}."
        ))),
    }
}

/// A size range must be one: the lower bound below the upper.
fn sizes_checked(f: Filter) -> S3Result<Filter> {
    if let (Some(gt), Some(lt)) = (f.size_greater_than, f.size_less_than)
        && gt >= lt
    {
        return Err(S3Error::InvalidRequest(
            "'ObjectSizeLessThan' has to be a value greater than 'ObjectSizeGreaterThan'.".into(),
        ));
    }
    Ok(f)
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

/// Days an object (or a noncurrent version) must have before it may move to an
/// infrequent-access class.
const IA_MINIMUM_DAYS: u64 = 30;

fn infrequent_access(class: &str) -> bool {
    class == "STANDARD_IA" || class == "ONEZONE_IA"
}

/// The storage class of a transition `action` and its days (`field`): nonnegative, and at
/// least [`IA_MINIMUM_DAYS`] for an infrequent-access class.
fn class_and_days(e: &Element, field: &str, action: &str) -> S3Result<(String, Option<u64>)> {
    let class = storage_class(e)?;
    let days = nonnegative(
        e,
        field,
        &format!("'{field}' in {action} action must be nonnegative"),
    )?;
    if let Some(n) = days
        && n < IA_MINIMUM_DAYS
        && infrequent_access(&class)
    {
        return Err(invalid_argument(
            format!(
                "'{field}' in {action} action must be greater than or equal to {IA_MINIMUM_DAYS} for storageClass '{class}'"
            ),
            field,
            n.to_string(),
        ));
    }
    Ok((class, days))
}

fn transition_of(e: &Element) -> S3Result<Transition> {
    let (class, days) = class_and_days(e, "Days", "Transition")?;
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
            return Err(invalid_argument(
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
        // S3 requires one of the two.
        (None, None) => return Err(S3Error::MalformedXml),
    };
    let expiration = r.child("Expiration").map(expiration_of).transpose()?;
    let transitions = r
        .children_named("Transition")
        .map(transition_of)
        .collect::<S3Result<Vec<_>>>()?;
    let noncurrent_transitions = r
        .children_named("NoncurrentVersionTransition")
        .map(|t| {
            let (class, days) = class_and_days(t, "NoncurrentDays", "NoncurrentVersionTransition")?;
            Ok(NoncurrentTransition {
                noncurrent_days: days,
                newer_noncurrent_versions: noncurrent_count(t, "NewerNoncurrentVersions")?,
                storage_class: class,
            })
        })
        .collect::<S3Result<Vec<_>>>()?;
    let noncurrent_expiration = r
        .child("NoncurrentVersionExpiration")
        .map(|e| {
            // The model makes NoncurrentDays optional, S3 does not.
            if e.child("NoncurrentDays").is_none() {
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
    if rule.filters_size() && marker {
        return Err(S3Error::InvalidRequest(
            "ExpiredObjectDeleteMarker cannot be specified with Object Size.".into(),
        ));
    }
    if rule.filters_size() && rule.abort_days.is_some() {
        return Err(S3Error::InvalidRequest(
            "AbortIncompleteMultipartUpload cannot be specified with Object Size.".into(),
        ));
    }
    actions_agree(&rule)?;
    Ok(rule)
}

/// How S3's messages name a rule's objects: `filter '(prefix=…)'` for a `Filter`,
/// `prefix '…'` for a rule-level `Prefix`.
fn selection(rule: &Rule) -> String {
    match &rule.selector {
        Selector::LegacyPrefix(p) => format!("prefix '{p}'"),
        Selector::Filter(f) => format!("filter '(prefix={})'", f.prefix.as_deref().unwrap_or("")),
    }
}

/// The checks across one rule's actions: one Transition per storage class, Expiration
/// and Transition both by `Days` or both by `Date`, an expiration after every transition
/// (noncurrent ones too), and NewerNoncurrentVersions only in rules with a `Filter`.
fn actions_agree(rule: &Rule) -> S3Result<()> {
    for (i, t) in rule.transitions.iter().enumerate() {
        if rule.transitions[..i]
            .iter()
            .any(|u| u.storage_class == t.storage_class)
        {
            return Err(S3Error::InvalidRequest(format!(
                "'StorageClass' must be different for 'Transition' actions in same 'Rule' with {}",
                selection(rule)
            )));
        }
    }
    if let Some(e) = &rule.expiration {
        let mixed = rule.transitions.iter().any(|t| {
            (e.days.is_some() && t.date.is_some()) || (e.date.is_some() && t.days.is_some())
        });
        if mixed {
            return Err(S3Error::InvalidRequest(format!(
                "Found mixed 'Date' and 'Days' based Expiration and Transition actions in lifecycle rule for {}",
                selection(rule)
            )));
        }
        if let Some(days) = e.days
            && rule
                .transitions
                .iter()
                .any(|t| t.days.is_some_and(|d| d >= days))
        {
            return Err(invalid_argument(
                format!(
                    "'Days' in the Expiration action for {} must be greater than 'Days' in the Transition action",
                    selection(rule)
                ),
                "Days",
                days.to_string(),
            ));
        }
    }
    if let Some(days) = rule
        .noncurrent_expiration
        .as_ref()
        .and_then(|e| e.noncurrent_days)
        && rule
            .noncurrent_transitions
            .iter()
            .any(|t| t.noncurrent_days.is_some_and(|d| d >= days))
    {
        return Err(invalid_argument(
            "'NoncurrentDays' in the NoncurrentVersionExpiration action must be greater than 'NoncurrentDays' in the NoncurrentVersionTransition action",
            "NoncurrentDays",
            days.to_string(),
        ));
    }
    let newer = rule
        .noncurrent_expiration
        .iter()
        .map(|e| e.newer_noncurrent_versions)
        .chain(
            rule.noncurrent_transitions
                .iter()
                .map(|t| t.newer_noncurrent_versions),
        )
        .any(|n| n.is_some());
    if newer && matches!(rule.selector, Selector::LegacyPrefix(_)) {
        return Err(S3Error::InvalidRequest(
            "NewerNoncurrentVersions element can only be used in Lifecycle V2.".into(),
        ));
    }
    Ok(())
}

/// The kinds of action a rule takes, by element name.
fn action_types(rule: &Rule) -> impl Iterator<Item = &'static str> + '_ {
    [
        ("Expiration", rule.expiration.is_some()),
        ("Transition", !rule.transitions.is_empty()),
        (
            "NoncurrentVersionTransition",
            !rule.noncurrent_transitions.is_empty(),
        ),
        (
            "NoncurrentVersionExpiration",
            rule.noncurrent_expiration.is_some(),
        ),
        ("AbortIncompleteMultipartUpload", rule.abort_days.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, taken)| taken.then_some(name))
}

/// Rule-level prefixes (not filters) of two rules taking the same kind of action may not
/// overlap, one beginning the other.
fn refuse_overlapping_prefixes(earlier: &[Rule], rule: &Rule) -> S3Result<()> {
    let Selector::LegacyPrefix(p) = &rule.selector else {
        return Ok(());
    };
    for other in earlier {
        let Selector::LegacyPrefix(q) = &other.selector else {
            continue;
        };
        if !(p.starts_with(q.as_str()) || q.starts_with(p.as_str())) {
            continue;
        }
        if let Some(action) = action_types(rule).find(|a| action_types(other).any(|b| b == *a)) {
            return Err(S3Error::InvalidRequest(format!(
                "Found overlapping prefixes '{p}' and '{q}' for same action type '{action}'"
            )));
        }
    }
    Ok(())
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
            // A configuration is of rule-level prefixes (V1) or of filters (V2), as its
            // first rule is.
            match (rules.first().map(|f| &f.selector), &rule.selector) {
                (Some(Selector::LegacyPrefix(_)), Selector::Filter(_)) => {
                    return Err(S3Error::InvalidRequest(
                        "Filter element can only be used in Lifecycle V2.".into(),
                    ));
                }
                (Some(Selector::Filter(_)), Selector::LegacyPrefix(_)) => {
                    return Err(S3Error::InvalidRequest(
                        "Base level prefix cannot be used in Lifecycle V2, prefixes are only supported in the Filter.".into(),
                    ));
                }
                _ => {}
            }
            if rules.iter().any(|x| x.id == rule.id) {
                return Err(invalid_argument(
                    "Rule ID must be unique. Found same ID for more than one rule",
                    "ID",
                    &rule.id,
                ));
            }
            refuse_overlapping_prefixes(&rules, &rule)?;
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
        // As S3 writes a rule: ID, Filter (or Prefix), Status, then the actions.
        for r in &self.rules {
            x.open("Rule");
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
            }
            x.elem("Status", if r.enabled { "Enabled" } else { "Disabled" });
            for t in &r.transitions {
                x.open("Transition")
                    .opt("Date", t.date.map(iso8601).as_deref())
                    .opt("Days", t.days.map(|d| d.to_string()).as_deref())
                    .elem("StorageClass", &t.storage_class)
                    .close();
            }
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
pub(crate) mod tests {
    use super::*;

    /// A lifecycle document parsed with generated rule ids `gen1`, `gen2`, …
    pub(crate) fn parse(doc: &str) -> Result<LifecycleConfiguration, String> {
        let root = crate::xml::parse(doc).ok_or("xml")?;
        let mut n = 0;
        LifecycleConfiguration::from_xml(&root, &mut || {
            n += 1;
            format!("gen{n}")
        })
        .map_err(|e| format!("{e:?}"))
    }

    pub(crate) fn doc(rules: &str) -> String {
        format!("<LifecycleConfiguration>{rules}</LifecycleConfiguration>")
    }

    #[test]
    fn documents() {
        let ok = doc(
            "<Rule><ID>logs</ID><Filter><And><Prefix>logs/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan></And></Filter><Status>Enabled</Status><Expiration><Days>31</Days></Expiration><Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition><NoncurrentVersionExpiration><NoncurrentDays>5</NoncurrentDays></NoncurrentVersionExpiration></Rule>\
             <Rule><Filter><Prefix>tmp/</Prefix></Filter><Status>Disabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>\
             <Rule><ID>d</ID><Filter/><Status>Enabled</Status><Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration></Rule>",
        );
        let c = parse(&ok).unwrap();
        assert_eq!(c.rules.len(), 3);
        assert_eq!(c.rules[1].id, "gen1");
        assert_eq!(parse(&c.to_xml()).unwrap(), c);
        let legacy = parse(&doc(
            "<Rule><Prefix>tmp/</Prefix><Status>Disabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>",
        ))
        .unwrap();
        assert_eq!(
            legacy.rules[0].selector,
            Selector::LegacyPrefix("tmp/".into())
        );
        assert_eq!(parse(&legacy.to_xml()).unwrap(), legacy);
        // Accepted: an And of an empty Prefix and one other predicate, an expiration after
        // every transition, transitions to two classes.
        for rule in [
            "<Rule><Filter><And><Prefix></Prefix><ObjectSizeGreaterThan>1</ObjectSizeGreaterThan></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>",
            "<Rule><Filter><And><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value>2</Value></Tag></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>",
            "<Rule><Filter><ObjectSizeLessThan>1</ObjectSizeLessThan></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>",
            "<Rule><Filter/><Status>Enabled</Status><Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition><Transition><Days>90</Days><StorageClass>GLACIER</StorageClass></Transition><Expiration><Days>91</Days></Expiration></Rule>",
            "<Rule><Filter/><Status>Enabled</Status><NoncurrentVersionTransition><NoncurrentDays>30</NoncurrentDays><StorageClass>ONEZONE_IA</StorageClass></NoncurrentVersionTransition><NoncurrentVersionExpiration><NoncurrentDays>31</NoncurrentDays><NewerNoncurrentVersions>500</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>",
        ] {
            parse(&doc(rule)).unwrap_or_else(|e| panic!("{rule}: {e}"));
        }

        let status = "<Status>Enabled</Status>";
        let exp = "<Expiration><Days>1</Days></Expiration>";
        let cases = [
            (doc(""), "MalformedXml".to_string()),
            (format!("<Rule><Filter/>{exp}</Rule>"), "MalformedXml".into()),
            (format!("<Rule><ID>a</ID>{status}{exp}</Rule>"), "MalformedXml".into()),
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
                    "<Rule><Filter/>{status}<NoncurrentVersionTransition><NoncurrentDays>-1</NoncurrentDays><StorageClass>GLACIER</StorageClass></NoncurrentVersionTransition></Rule>"
                ),
                "'NoncurrentDays' in NoncurrentVersionTransition action must be nonnegative".into(),
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
        let more = [
            (
                format!("<Rule><ID>a</ID><Prefix></Prefix>{status}{exp}</Rule><Rule><ID>b</ID><Prefix>logs</Prefix>{status}{exp}</Rule>"),
                "Found overlapping prefixes 'logs' and '' for same action type 'Expiration'".to_string(),
            ),
            (
                format!("<Rule><ID>a</ID><Prefix>dir/</Prefix>{status}{exp}<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule><Rule><ID>b</ID><Prefix>di</Prefix>{status}<AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>"),
                "Found overlapping prefixes 'di' and 'dir/' for same action type 'AbortIncompleteMultipartUpload'".into(),
            ),
            (
                format!("<Rule><Filter><And><Prefix>x</Prefix></And></Filter>{status}{exp}</Rule>"),
                "MalformedXml".to_string(),
            ),
            (
                format!("<Rule><Filter><And></And></Filter>{status}{exp}</Rule>"),
                "MalformedXml".into(),
            ),
            (
                format!("<Rule><Filter><ObjectSizeLessThan>0</ObjectSizeLessThan></Filter>{status}{exp}</Rule>"),
                "'ObjectSizeLessThan' should be between 1 and 1099511627776000.".into(),
            ),
            (
                format!("<Rule><Filter><ObjectSizeLessThan>1099511627776001</ObjectSizeLessThan></Filter>{status}{exp}</Rule>"),
                "'ObjectSizeLessThan' should be between 1 and 1099511627776000.".into(),
            ),
            (
                format!("<Rule><Filter><And><ObjectSizeGreaterThan>5</ObjectSizeGreaterThan><ObjectSizeLessThan>5</ObjectSizeLessThan></And></Filter>{status}{exp}</Rule>"),
                "'ObjectSizeLessThan' has to be a value greater than 'ObjectSizeGreaterThan'.".into(),
            ),
            (
                format!("<Rule><Filter><ObjectSizeGreaterThan>5</ObjectSizeGreaterThan></Filter>{status}<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>"),
                "AbortIncompleteMultipartUpload cannot be specified with Object Size.".into(),
            ),
            (
                format!("<Rule><Filter><ObjectSizeLessThan>5</ObjectSizeLessThan></Filter>{status}<Expiration><ExpiredObjectDeleteMarker>false</ExpiredObjectDeleteMarker></Expiration></Rule>"),
                "ExpiredObjectDeleteMarker cannot be specified with Object Size.".into(),
            ),
            (
                format!("<Rule><Filter/>{status}<NoncurrentVersionExpiration><NewerNoncurrentVersions>3</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>"),
                "MalformedXml".into(),
            ),
            (
                format!("<Rule><Prefix>a</Prefix>{status}<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>3</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>"),
                "NewerNoncurrentVersions element can only be used in Lifecycle V2.".into(),
            ),
            (
                format!("<Rule><Prefix>a</Prefix>{status}{exp}</Rule><Rule><Filter/>{status}{exp}</Rule>"),
                "Filter element can only be used in Lifecycle V2.".into(),
            ),
            (
                format!("<Rule><Filter/>{status}{exp}</Rule><Rule><Prefix>a</Prefix>{status}{exp}</Rule>"),
                "Base level prefix cannot be used in Lifecycle V2, prefixes are only supported in the Filter.".into(),
            ),
            (
                format!("<Rule><Filter/>{status}<NoncurrentVersionTransition><NoncurrentDays>29</NoncurrentDays><StorageClass>STANDARD_IA</StorageClass></NoncurrentVersionTransition></Rule>"),
                "'NoncurrentDays' in NoncurrentVersionTransition action must be greater than or equal to 30 for storageClass 'STANDARD_IA'".into(),
            ),
            (
                format!("<Rule><Filter/>{status}<Transition><Days>0</Days><StorageClass>ONEZONE_IA</StorageClass></Transition></Rule>"),
                "'Days' in Transition action must be greater than or equal to 30 for storageClass 'ONEZONE_IA'".into(),
            ),
            (
                format!("<Rule><Filter/>{status}<Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition><Transition><Days>60</Days><StorageClass>GLACIER</StorageClass></Transition></Rule>"),
                "'StorageClass' must be different for 'Transition' actions in same 'Rule' with filter '(prefix=)'".into(),
            ),
            (
                format!("<Rule><Prefix>logs/</Prefix>{status}<Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition><Transition><Days>60</Days><StorageClass>GLACIER</StorageClass></Transition></Rule>"),
                "'StorageClass' must be different for 'Transition' actions in same 'Rule' with prefix 'logs/'".into(),
            ),
            (
                format!("<Rule><Filter><Prefix>a/</Prefix></Filter>{status}<Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration><Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition></Rule>"),
                "Found mixed 'Date' and 'Days' based Expiration and Transition actions in lifecycle rule for filter '(prefix=a/)'".into(),
            ),
            (
                format!("<Rule><Filter/>{status}<Expiration><Days>30</Days></Expiration><Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition></Rule>"),
                "'Days' in the Expiration action for filter '(prefix=)' must be greater than 'Days' in the Transition action".into(),
            ),
            (
                format!("<Rule><Filter/>{status}<NoncurrentVersionExpiration><NoncurrentDays>10</NoncurrentDays></NoncurrentVersionExpiration><NoncurrentVersionTransition><NoncurrentDays>30</NoncurrentDays><StorageClass>GLACIER</StorageClass></NoncurrentVersionTransition></Rule>"),
                "'NoncurrentDays' in the NoncurrentVersionExpiration action must be greater than 'NoncurrentDays' in the NoncurrentVersionTransition action".into(),
            ),
        ];
        for (rules, expected) in cases.into_iter().chain(more) {
            let d = if rules.starts_with("<Lifecycle") {
                rules.clone()
            } else {
                doc(&rules)
            };
            let err = parse(&d).unwrap_err();
            assert!(err.contains(&expected), "{rules}: {err}");
        }
    }
}
