//! Tags on objects and buckets: the `Tagging` XML document, the `x-amz-tagging` header
//! (URL-encoded query form) and S3's limits (10 object tags, 50 bucket tags, key ≤ 128 and
//! value ≤ 256 characters of S3's set, unique keys, no key in the reserved `aws:` space).
//! An unreadable header (broken escape, repeated or empty key) is `InvalidArgument`; a tag
//! the header spells correctly but S3 refuses is `InvalidTag`, as for the document.

use cloudlet_core::xml::XmlWriter;
use http::HeaderMap;
use percent_encoding::percent_decode_str;

use crate::error::{S3Error, S3Result, invalid_argument};
use crate::ops::XMLNS;
use crate::xml::Element;

/// Most tags a bucket may have.
pub const BUCKET_MAX: usize = 50;

/// The prefix of the system tags AWS itself sets; requesters may not.
const SYSTEM_PREFIX: &str = "aws:";

/// Whether S3 accepts `c` in a tag key or value: letters, digits, spaces and `_ . : / = + - @`
/// (`[\p{L}\p{Z}\p{N}_.:/=+\-@]`); control characters such as a tab are refused.
fn allowed_char(c: char) -> bool {
    c.is_alphanumeric()
        || (c.is_whitespace() && !c.is_control())
        || matches!(c, '_' | '.' | ':' | '/' | '=' | '+' | '-' | '@')
}

/// Checks S3's tag limits; `max` is 10 for objects, [`BUCKET_MAX`] for buckets. Lengths
/// count characters, not bytes.
pub fn validate(tags: &[(String, String)], max: usize) -> S3Result<()> {
    if tags.len() > max {
        return Err(if max == BUCKET_MAX {
            S3Error::TooManyBucketTags
        } else {
            S3Error::TooManyObjectTags
        });
    }
    // Per tag, in S3's order: a repeated key, the reserved space, then the characters.
    for (i, (k, v)) in tags.iter().enumerate() {
        let refuse = |message: &str, value: bool| S3Error::InvalidTag {
            message: message.into(),
            key: Some(k.clone()),
            value: value.then(|| v.clone()),
        };
        if tags[..i].iter().any(|(k2, _)| k2 == k) {
            return Err(refuse(
                "Cannot provide multiple Tags with the same key",
                false,
            ));
        }
        // S3 words the refusal differently for objects and buckets.
        if k.starts_with(SYSTEM_PREFIX) {
            return Err(refuse(
                if max == BUCKET_MAX {
                    "System tags cannot be added/updated by requester"
                } else {
                    "Your TagKey cannot be prefixed with aws:"
                },
                false,
            ));
        }
        if k.is_empty() || k.chars().count() > 128 || !k.chars().all(allowed_char) {
            return Err(refuse("The TagKey you have provided is invalid", false));
        }
        if v.chars().count() > 256 || !v.chars().all(allowed_char) {
            return Err(refuse("The TagValue you have provided is invalid", true));
        }
    }
    Ok(())
}

/// One component of the query form, `+` standing for a space; `None` for a `%` not
/// followed by two hex digits or bytes that are not UTF-8.
fn decode_component(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let escapes_ok = b.iter().enumerate().all(|(i, &c)| {
        c != b'%'
            || (b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    });
    if !escapes_ok {
        return None;
    }
    percent_decode_str(&s.replace('+', " "))
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// Parses the query form `k1=v1&k2=v2` (a key without `=` has the empty value). An empty
/// key, a repeated key, a broken escape or non-UTF-8 bytes make the header unreadable.
pub fn parse_query_form(v: &str) -> Option<Vec<(String, String)>> {
    let mut tags: Vec<(String, String)> = Vec::new();
    // A set, not a scan of `tags`: the header may hold many thousands of pairs.
    let mut seen = std::collections::HashSet::new();
    for p in v.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        let (k, v) = (decode_component(k)?, decode_component(v)?);
        if k.is_empty() || !seen.insert(k.clone()) {
            return None;
        }
        tags.push((k, v));
    }
    Some(tags)
}

/// Tags from the `x-amz-tagging` header (`k1=v1&k2=v2`).
pub fn tags_header(h: &HeaderMap) -> S3Result<Vec<(String, String)>> {
    let Some(raw) = h.get("x-amz-tagging") else {
        return Ok(Vec::new());
    };
    let unreadable = || {
        invalid_argument(
            "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.",
            "x-amz-tagging",
            String::from_utf8_lossy(raw.as_bytes()).into_owned(),
        )
    };
    let text = raw.to_str().map_err(|_| unreadable())?;
    let tags = parse_query_form(text).ok_or_else(unreadable)?;
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
        let fifty_one: Vec<(String, String)> =
            (0..51).map(|i| (format!("k{i}"), String::new())).collect();
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
                fifty_one,
                BUCKET_MAX,
                Some("Bucket tag count cannot be greater than 50"),
            ),
            // Lengths are characters: 128 three-byte characters are a valid key.
            (tags(&[(&"é".repeat(128), &"é".repeat(256))]), 10, None),
            (
                tags(&[(&"é".repeat(129), "1")]),
                10,
                Some("The TagKey you have provided is invalid"),
            ),
            (
                tags(&[("Ab 9_.:/=+-@", "Zz 0_.:/=+-@"), ("日本", "ü ß")]),
                10,
                None,
            ),
            (
                tags(&[("te\tst", "1")]),
                10,
                Some("The TagKey you have provided is invalid"),
            ),
            (
                tags(&[("a&b", "1")]),
                BUCKET_MAX,
                Some("The TagKey you have provided is invalid"),
            ),
            (
                tags(&[("k", "v\tx")]),
                BUCKET_MAX,
                Some("The TagValue you have provided is invalid"),
            ),
            (
                tags(&[("k", "a*b")]),
                10,
                Some("The TagValue you have provided is invalid"),
            ),
            // A repeated key is reported before a bad character.
            (
                tags(&[("k", "1"), ("k", "\t")]),
                10,
                Some("Cannot provide multiple Tags with the same key"),
            ),
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
                    // S3 answers too many tags with BadRequest, the rest InvalidTag.
                    let code = if set.len() > max {
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
    fn query_form() {
        let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
        type Tags = Vec<(String, String)>;
        let cases: Vec<(&str, Option<Tags>)> = vec![
            ("a=1&b=2", Some(vec![pair("a", "1"), pair("b", "2")])),
            ("a+b=c%20d", Some(vec![pair("a b", "c d")])),
            ("k=a%3Db", Some(vec![pair("k", "a=b")])),
            ("k=a=b", Some(vec![pair("k", "a=b")])),
            ("k=%2B", Some(vec![pair("k", "+")])),
            ("a=&b", Some(vec![pair("a", ""), pair("b", "")])),
            ("k=%C3%A9", Some(vec![pair("k", "é")])),
            ("a=1&&b=2&", Some(vec![pair("a", "1"), pair("b", "2")])),
            ("", Some(vec![])),
            ("a=&a=", None),
            ("a=1&a=2", None),
            ("a=1&a", None),
            ("=", None),
            ("=v", None),
            ("k=%ZZ", None),
            ("k=%4", None),
            ("k%=v", None),
            ("k=%FF", None),
        ];
        for (input, want) in cases {
            assert_eq!(parse_query_form(input), want, "{input:?}");
        }
    }

    #[test]
    fn header_errors() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert("x-amz-tagging", v.parse().unwrap());
            tags_header(&h).map_err(cloudlet_core::AwsError::from)
        };
        let unreadable = "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.";
        for (v, code, message) in [
            ("a=1&a=2", "InvalidArgument", unreadable),
            ("k=%ZZ", "InvalidArgument", unreadable),
            (
                "k=a%09b",
                "InvalidTag",
                "The TagValue you have provided is invalid",
            ),
            (
                "k%2A=1",
                "InvalidTag",
                "The TagKey you have provided is invalid",
            ),
            (
                "a&b&c&d&e&f&g&h&i&j&k",
                "BadRequest",
                "Object tags cannot be greater than 10",
            ),
        ] {
            let e = with(v).expect_err(v);
            assert_eq!(
                (e.code.as_ref(), e.message.as_str()),
                (code, message),
                "{v}"
            );
        }
        assert_eq!(
            with("a=1").unwrap(),
            vec![("a".to_string(), "1".to_string())]
        );
        assert!(tags_header(&HeaderMap::new()).unwrap().is_empty());
    }

    #[test]
    fn header_refuses_system_tags() {
        let mut h = HeaderMap::new();
        h.insert("x-amz-tagging", "a=1&aws%3Afoo=bar".parse().unwrap());
        assert!(
            matches!(tags_header(&h), Err(S3Error::InvalidTag { message, .. }) if message.contains("aws:"))
        );
    }
}
