//! ListObjectVersions: every version and delete marker, keys ascending and newest first,
//! with prefix, delimiter/CommonPrefixes, key-marker/version-id-marker, max-keys and
//! `encoding-type=url`. A version-id-marker marks a place by the sequence its id embeds, so
//! paging goes on past a marker version deleted since (not for `null`, which has no
//! sequence: a null marker version deleted since skips the rest of its key). The pager (`Listing::collect`) is
//! pure over a stream of entries.

use cloudlet_core::xml::XmlWriter;
use cloudlet_core::{RequestContext, Response};

use super::list::{Negative, encoding_type, limit, url_encode};
use super::{XMLNS, iso8601};
use crate::S3;
use crate::auth::arn;
use crate::error::{S3Result, invalid_argument};
use crate::protocol::Query;
use crate::state::{self, Object, Step};
use crate::versions::{self, Entry, VersionRef};

/// One entry of a ListObjectVersions page.
enum Item {
    Version {
        key: String,
        latest: bool,
        obj: Box<Object>,
    },
    Marker {
        key: String,
        latest: bool,
        id: String,
        modified: u64,
        owner: Option<String>,
    },
    Prefix(String),
}

/// A page of ListObjectVersions.
#[derive(Default)]
struct Page {
    items: Vec<Item>,
    truncated: bool,
    /// The key (or common prefix) and version id of the last entry returned.
    next: Option<(String, Option<String>)>,
}

struct Listing<'a> {
    prefix: &'a str,
    delimiter: &'a str,
    key_marker: &'a str,
    version_marker: Option<&'a VersionRef>,
    max: usize,
}

impl Listing<'_> {
    /// Pages through a stream of `(key, sequence, entry)`, keys ascending and newest first,
    /// telling the stream to skip a common prefix once it is listed (or holds the marker).
    fn collect(
        &self,
        scan: impl FnOnce(&mut dyn FnMut(&str, u64, Entry) -> Step) -> S3Result<()>,
    ) -> S3Result<Page> {
        let mut p = Page::default();
        let mut prev_key: Option<String> = None;
        let mut passed_marker = false;
        scan(&mut |key: &str, seq: u64, entry: Entry| {
            if !key.starts_with(self.prefix) {
                return if key < self.prefix {
                    Step::Next
                } else {
                    Step::Stop
                };
            }
            let latest = prev_key.as_deref() != Some(key);
            if latest {
                prev_key = Some(key.to_string());
            }
            let group = if self.delimiter.is_empty() {
                None
            } else {
                key[self.prefix.len()..]
                    .find(self.delimiter)
                    .map(|i| key[..self.prefix.len() + i + self.delimiter.len()].to_string())
            };
            let name = group.as_deref().unwrap_or(key);
            let skip = || match &group {
                Some(g) => Step::SkipPrefix(g.clone()),
                None => Step::Next,
            };
            if name < self.key_marker {
                return skip();
            }
            if name == self.key_marker {
                match (self.version_marker, &group) {
                    // The marker's version may be gone since: its id still says where it
                    // stood, so the key's older versions follow.
                    (Some(VersionRef::Id { seq: m, .. }), None) if seq >= *m => return Step::Next,
                    (Some(VersionRef::Null), None) if !passed_marker => {
                        passed_marker = entry.version_id() == "null";
                        return Step::Next;
                    }
                    (Some(_), None) => {}
                    _ => return skip(),
                }
            }
            if group.is_some() && p.next.as_ref().is_some_and(|(n, _)| n == name) {
                return skip();
            }
            if p.items.len() == self.max {
                p.truncated = true;
                return Step::Stop;
            }
            let next = skip();
            let item = match (group, entry) {
                (Some(cp), _) => {
                    p.next = Some((cp.clone(), None));
                    Item::Prefix(cp)
                }
                (None, Entry::Object(obj)) => {
                    p.next = Some((key.to_string(), obj.version.id.clone()));
                    Item::Version {
                        key: key.to_string(),
                        latest,
                        obj: Box::new(obj),
                    }
                }
                (
                    None,
                    Entry::DeleteMarker {
                        version_id,
                        last_modified,
                        owner,
                    },
                ) => {
                    p.next = Some((key.to_string(), Some(version_id.clone())));
                    Item::Marker {
                        key: key.to_string(),
                        latest,
                        id: version_id,
                        modified: last_modified,
                        owner,
                    }
                }
            };
            p.items.push(item);
            next
        })?;
        // `max-keys=0` returns nothing, and nothing to resume from.
        if p.items.is_empty() {
            p.truncated = false;
        }
        if !p.truncated {
            p.next = None;
        }
        Ok(p)
    }
}

pub fn list(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    q: &Query,
    h: &http::HeaderMap,
) -> S3Result<Response> {
    let restore_status = super::restore::status_requested(h);
    let b = s3.bucket(bucket)?;
    let prefix = q.get("prefix").unwrap_or("");
    let delimiter = q.get("delimiter").unwrap_or("");
    let extra = [
        ("s3:prefix", prefix.to_string()),
        ("s3:delimiter", delimiter.to_string()),
        (
            "s3:max-keys",
            q.get("max-keys").unwrap_or("1000").to_string(),
        ),
    ];
    let action = "s3:ListBucketVersions";
    s3.require(ctx, &b, action, &arn(bucket, None), &extra, Some(action))?;
    let encoding = encoding_type(q)?;
    let enc = |s: &str| match encoding {
        Some(_) => url_encode(s),
        None => s.to_string(),
    };
    let max = limit(q, "max-keys", 1000, 1000, Negative::VersionsMaxKeys)? as usize;
    let key_marker = q.get("key-marker").unwrap_or("");
    let raw_version_marker = q.get("version-id-marker").filter(|v| !v.is_empty());
    let version_marker = match raw_version_marker {
        Some(v) if key_marker.is_empty() => {
            return Err(invalid_argument(
                "A version-id marker cannot be specified without a key marker.",
                "version-id-marker",
                v,
            ));
        }
        Some(v) => Some(VersionRef::parse(v).ok_or_else(|| {
            invalid_argument("Invalid version id specified", "version-id-marker", v)
        })?),
        None => None,
    };
    let listing = Listing {
        prefix,
        delimiter,
        key_marker,
        version_marker: version_marker.as_ref(),
        max,
    };
    let from = if key_marker > prefix {
        key_marker
    } else {
        prefix
    };
    let p = listing.collect(|visit| {
        s3.store.read(|txn| {
            if b.versioning.status.is_some() {
                versions::scan_keys(txn, bucket, from, |k, seq, e| visit(k, seq, e))
            } else {
                // Never versioned: every object is its key's only (null) version.
                state::scan_object_keys(txn, bucket, prefix, from, |k, stored| {
                    let mut o = stored.decode()?;
                    o.version.id = Some("null".into());
                    Ok(visit(k, 0, Entry::Object(o)))
                })
            }
        })?;
        Ok(())
    })?;

    let owners = super::acl::Owners::new(s3, &b);
    let mut x = XmlWriter::new();
    x.open_ns("ListVersionsResult", XMLNS)
        .elem("Name", bucket)
        .elem("Prefix", &enc(prefix))
        .elem("KeyMarker", &enc(key_marker))
        .elem("VersionIdMarker", raw_version_marker.unwrap_or(""));
    if let Some((k, v)) = &p.next {
        x.elem("NextKeyMarker", &enc(k));
        if let Some(v) = v {
            x.elem("NextVersionIdMarker", v);
        }
    }
    x.elem("MaxKeys", &max.to_string());
    if !delimiter.is_empty() {
        x.elem("Delimiter", &enc(delimiter));
    }
    if let Some(e) = encoding {
        x.elem("EncodingType", e);
    }
    x.elem("IsTruncated", if p.truncated { "true" } else { "false" });
    let owner_xml = |x: &mut XmlWriter, id: &str| {
        x.open("Owner").elem("ID", id).close();
    };
    let flag = |b: bool| if b { "true" } else { "false" };
    for item in &p.items {
        match item {
            Item::Version { key, latest, obj } => {
                x.open("Version")
                    .elem("Key", &enc(key))
                    .elem("VersionId", obj.version.id.as_deref().unwrap_or("null"))
                    .elem("IsLatest", flag(*latest))
                    .elem("LastModified", &iso8601(obj.last_modified))
                    .elem("ETag", &format!("\"{}\"", obj.etag));
                super::list::checksum_elements(&mut x, obj);
                x.elem("Size", &obj.size.to_string())
                    .elem("StorageClass", crate::storage_class::of(&obj.headers));
                owner_xml(&mut x, &owners.of_object(key, obj));
                if restore_status {
                    super::restore::status_element(&mut x, &obj.headers);
                }
                x.close();
            }
            Item::Marker {
                key,
                latest,
                id,
                modified,
                owner,
            } => {
                x.open("DeleteMarker")
                    .elem("Key", &enc(key))
                    .elem("VersionId", id)
                    .elem("IsLatest", flag(*latest))
                    .elem("LastModified", &iso8601(*modified));
                owner_xml(&mut x, owners.show(owner.as_deref()));
                x.close();
            }
            Item::Prefix(_) => {}
        }
    }
    for item in &p.items {
        if let Item::Prefix(cp) = item {
            x.open("CommonPrefixes").elem("Prefix", &enc(cp)).close();
        }
    }
    Ok(super::xml_response(x.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(id: &str) -> Entry {
        Entry::Object(Object {
            blob: String::new(),
            size: 0,
            etag: String::new(),
            content_type: None,
            last_modified: 0,
            metadata: Vec::new(),
            headers: Vec::new(),
            tags: Vec::new(),
            version: crate::versions::VersionMeta {
                id: Some(id.to_string()),
                lock: Default::default(),
            },
            parts: Vec::new(),
            acl: None,
        })
    }

    /// Pages a fixed stream; renders entries as `key:id` (`*` = latest) or `cp:prefix`.
    fn page(
        prefix: &str,
        delimiter: &str,
        key_marker: &str,
        version_marker: Option<&str>,
        max: usize,
    ) -> String {
        // Sequences are global, newest highest; `a9` was a version of `a` since deleted.
        let rows: Vec<(&str, u64, Entry)> = vec![
            ("a", 10, object("a3")),
            ("a", 8, object("a2")),
            ("a", 7, object("a1")),
            (
                "b",
                6,
                Entry::DeleteMarker {
                    version_id: "bm".into(),
                    last_modified: 0,
                    owner: None,
                },
            ),
            ("b", 5, object("null")),
            ("c/x", 4, object("x1")),
            ("c/y", 3, object("y1")),
            ("d", 2, object("d1")),
        ];
        let seqs = [
            ("a3", 10),
            ("a9", 9),
            ("a2", 8),
            ("a1", 7),
            ("bm", 6),
            ("x1", 4),
        ];
        let marker = version_marker.map(|v| match v {
            "null" => VersionRef::Null,
            id => VersionRef::Id {
                seq: seqs.iter().find(|(i, _)| *i == id).map_or(0, |(_, s)| *s),
                id: id.to_string(),
            },
        });
        let listing = Listing {
            prefix,
            delimiter,
            key_marker,
            version_marker: marker.as_ref(),
            max,
        };
        let from = if key_marker > prefix {
            key_marker
        } else {
            prefix
        };
        let p = listing
            .collect(|visit| {
                // The stream the store gives: a skipped prefix's keys are not seen.
                let mut skipping: Option<String> = None;
                for (k, seq, e) in rows.into_iter().filter(|(k, _, _)| *k >= from) {
                    if skipping.as_deref().is_some_and(|p| k.starts_with(p)) {
                        continue;
                    }
                    match visit(k, seq, e) {
                        Step::Next => {}
                        Step::Stop => break,
                        Step::SkipPrefix(p) => skipping = Some(p),
                    }
                }
                Ok(())
            })
            .unwrap();
        let mut out: Vec<String> = p
            .items
            .iter()
            .map(|i| match i {
                Item::Version { key, latest, obj } => format!(
                    "{key}:{}{}",
                    obj.version.id.as_deref().unwrap_or(""),
                    if *latest { "*" } else { "" }
                ),
                Item::Marker {
                    key, latest, id, ..
                } => {
                    format!("{key}:{id}{}", if *latest { "*" } else { "" })
                }
                Item::Prefix(cp) => format!("cp:{cp}"),
            })
            .collect();
        if let Some((k, v)) = p.next {
            out.push(format!("next={k},{}", v.unwrap_or_default()));
        }
        out.join(" ")
    }

    #[test]
    fn listing_pages() {
        let cases = [
            (
                ("", "", "", None, 1000),
                "a:a3* a:a2 a:a1 b:bm* b:null c/x:x1* c/y:y1* d:d1*",
            ),
            (("", "", "", None, 2), "a:a3* a:a2 next=a,a2"),
            (("", "", "a", Some("a2"), 2), "a:a1 b:bm* next=b,bm"),
            (("", "", "a", Some("a9"), 2), "a:a2 a:a1 next=a,a1"),
            (
                ("", "", "a", Some("a1"), 1000),
                "b:bm* b:null c/x:x1* c/y:y1* d:d1*",
            ),
            (
                ("", "", "b", Some("bm"), 1000),
                "b:null c/x:x1* c/y:y1* d:d1*",
            ),
            (("", "", "a", Some("null"), 2), "b:bm* b:null next=b,null"),
            (
                ("", "", "a", None, 1000),
                "b:bm* b:null c/x:x1* c/y:y1* d:d1*",
            ),
            (
                ("", "/", "", None, 1000),
                "a:a3* a:a2 a:a1 b:bm* b:null cp:c/ d:d1*",
            ),
            (("", "/", "b", Some("null"), 1), "cp:c/ next=c/,"),
            (("", "/", "c/", None, 1000), "d:d1*"),
            (("", "/", "c/x", Some("x1"), 1000), "d:d1*"),
            (("c/", "/", "", None, 1000), "c/x:x1* c/y:y1*"),
            (("c/", "", "c/x", None, 1000), "c/y:y1*"),
            (("b", "", "", None, 1), "b:bm* next=b,bm"),
            (("z", "", "", None, 1000), ""),
            (("", "", "", None, 0), ""),
        ];
        for ((prefix, delimiter, km, vm, max), want) in cases {
            assert_eq!(
                page(prefix, delimiter, km, vm, max),
                want,
                "prefix={prefix:?} delimiter={delimiter:?} key-marker={km:?} version-id-marker={vm:?} max={max}"
            );
        }
    }
}
