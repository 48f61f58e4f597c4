//! Tags on objects and buckets: the `Tagging` XML document, the `x-amz-tagging` header
//! (URL-encoded query form) and S3's limits (10 object tags, 50 bucket tags, key ≤ 128 and
//! value ≤ 256 characters, unique keys, no key in the reserved `aws:` space).

use cloudlet_core::xml::XmlWriter;
use http::HeaderMap;
use percent_encoding::percent_decode_str;

use crate::error::{S3Error, S3Result};
use crate::ops::XMLNS;
use crate::xml::Element;

/// Most tags a bucket may have.
pub const BUCKET_MAX: usize = 50;

/// The prefix of the system tags AWS itself sets; requesters may not.
const SYSTEM_PREFIX: &str = "aws:";

/// Checks S3's tag limits; `max` is 10 for objects, [`BUCKET_MAX`] for buckets.
pub fn validate(tags: &[(String, String)], max: usize) -> S3Result<()> {
    if tags.len() > max {
        return Err(if max == BUCKET_MAX {
            S3Error::InvalidTag(format!("Bucket tag count cannot be greater than {max}"))
        } else {
            S3Error::TooManyObjectTags
        });
    }
    for (i, (k, v)) in tags.iter().enumerate() {
        if k.is_empty() || k.chars().count() > 128 {
            return Err(S3Error::InvalidTag(
                "The TagKey you have provided is invalid".into(),
            ));
        }
        if v.chars().count() > 256 {
            return Err(S3Error::InvalidTag(
                "The TagValue you have provided is invalid".into(),
            ));
        }
        // S3 words the refusal differently for objects and buckets.
        if k.starts_with(SYSTEM_PREFIX) {
            return Err(S3Error::InvalidTag(if max == BUCKET_MAX {
                "System tags cannot be added/updated by requester".into()
            } else {
                "Your TagKey cannot be prefixed with aws:".into()
            }));
        }
        if tags[..i].iter().any(|(k2, _)| k2 == k) {
            return Err(S3Error::InvalidTag(
                "Cannot provide multiple Tags with the same key".into(),
            ));
        }
    }
    Ok(())
}

/// Tags from the `x-amz-tagging` header (`k1=v1&k2=v2`).
pub fn tags_header(h: &HeaderMap) -> S3Result<Vec<(String, String)>> {
    let Some(v) = h.get("x-amz-tagging").and_then(|v| v.to_str().ok()) else {
        return Ok(Vec::new());
    };
    let decode = |s: &str| {
        percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    let tags: Vec<(String, String)> = v
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect();
    validate(&tags, 10)?;
    Ok(tags)
}

/// Tags from a `<Tagging><TagSet><Tag><Key/><Value/></Tag>…` document.
pub fn from_xml(root: &Element, max: usize) -> S3Result<Vec<(String, String)>> {
    if root.name != "Tagging" {
        return Err(S3Error::MalformedXml);
    }
    let set = root.child("TagSet").ok_or(S3Error::MalformedXml)?;
    let mut tags = Vec::new();
    for t in set.children_named("Tag") {
        let k = t.child("Key").ok_or(S3Error::MalformedXml)?;
        let v = t.child("Value").map(|v| v.text.clone()).unwrap_or_default();
        tags.push((k.text.clone(), v));
    }
    validate(&tags, max)?;
    Ok(tags)
}

pub fn to_xml(tags: &[(String, String)]) -> String {
    let mut x = XmlWriter::new();
    x.open_ns("Tagging", XMLNS).open("TagSet");
    for (k, v) in tags {
        x.open("Tag").elem("Key", k).elem("Value", v).close();
    }
    x.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn limits() {
        let long_key = "k".repeat(129);
        let long_value = "v".repeat(257);
        let eleven: Vec<(String, String)> =
            (0..11).map(|i| (format!("k{i}"), String::new())).collect();
        type Case<'a> = (Vec<(String, String)>, usize, Option<&'a str>);
        let cases: Vec<Case> = vec![
            (tags(&[("a", "1"), ("b", "")]), 10, None),
            (tags(&[("something:aws:x", "1"), ("AWSx", "")]), 10, None),
            (
                tags(&[("aws:x", "1")]),
                10,
                Some("Your TagKey cannot be prefixed with aws:"),
            ),
            (
                tags(&[("ok", "1"), ("aws:cloudformation:stack-name", "s")]),
                BUCKET_MAX,
                Some("System tags cannot be added/updated by requester"),
            ),
            (
                tags(&[("aws:", "")]),
                10,
                Some("Your TagKey cannot be prefixed with aws:"),
            ),
            (eleven, 10, Some("Object tags cannot be greater than 10")),
            (
                tags(&[("", "1")]),
                10,
                Some("The TagKey you have provided is invalid"),
            ),
            (
                tags(&[(&long_key, "1")]),
                10,
                Some("The TagKey you have provided is invalid"),
            ),
            (
                tags(&[("k", &long_value)]),
                10,
                Some("The TagValue you have provided is invalid"),
            ),
            (
                tags(&[("k", "1"), ("k", "2")]),
                BUCKET_MAX,
                Some("Cannot provide multiple Tags with the same key"),
            ),
        ];
        for (set, max, want) in cases {
            match (validate(&set, max), want) {
                (Ok(()), None) => {}
                (Err(e), Some(w)) => {
                    let e = cloudlet_core::AwsError::from(e);
                    // S3 answers too many object tags with BadRequest, the rest InvalidTag.
                    let code = if set.len() > 10 && max == 10 {
                        "BadRequest"
                    } else {
                        "InvalidTag"
                    };
                    assert_eq!((e.code.as_ref(), e.message.as_str()), (code, w), "{set:?}");
                }
                (got, want) => panic!("{set:?}: {got:?}, wanted {want:?}"),
            }
        }
    }

    #[test]
    fn header_refuses_system_tags() {
        let mut h = HeaderMap::new();
        h.insert("x-amz-tagging", "a=1&aws%3Afoo=bar".parse().unwrap());
        assert!(matches!(tags_header(&h), Err(S3Error::InvalidTag(m)) if m.contains("aws:")));
    }
}
