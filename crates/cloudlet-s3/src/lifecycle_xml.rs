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

/// A nonnegative count of days, or InvalidArgument with S3's message.
fn nonnegative(e: &Element, name: &str, message: &str) -> S3Result<Option<u64>> {
    match number(e, name)? {
        None => Ok(None),
        Some(n) if n >= 0 => Ok(Some(n as u64)),
        Some(n) => Err(invalid(message, name, &n.to_string())),
    }
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
    let days = nonnegative(e, "Days", "'Days' in Transition action must be nonnegative")?;
    if let Some(n) = days
        && n < 30
        && (class == "STANDARD_IA" || class == "ONEZONE_IA")
    {
        return Err(invalid(
            &format!(
                "'Days' in Transition action must be greater than or equal to 30 for storageClass '{class}'"
            ),
            "Days",
            &n.to_string(),
        ));
    }
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
            let days = nonnegative(
                t,
                "NoncurrentDays",
                "'NoncurrentDays' in NoncurrentVersionTransition action must be nonnegative",
            )?;
            Ok(NoncurrentTransition {
                noncurrent_days: days,
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
}
