//! ListMultipartUploads: uploads in progress in key order (then initiation), with `prefix`,
//! `delimiter` (keys rolled up into CommonPrefixes, each counting as one entry),
//! `key-marker` / `upload-id-marker` (which must name an upload of the key marker's key, and
//! is ignored without one), `max-uploads` (at most 1000) and `encoding-type=url`. As S3 does,
//! `NextKeyMarker` and `NextUploadIdMarker` are always given: the last upload listed, empty
//! when there is none — except that a truncated page ending on a common prefix resumes
//! after it (the prefix, with an empty upload id). The paging itself is pure ([`page`]).

use cloudlet_core::xml::XmlWriter;
use cloudlet_core::{RequestContext, Response};

use super::list::{Negative, encoding_type, limit, url_encode};
use super::multipart::owner;
use super::{XMLNS, iso8601, xml_response};
use crate::S3;
use crate::error::{S3Result, invalid_argument};
use crate::mpstate::{self, Upload};
use crate::protocol::Query;

/// What one page asks for.
#[derive(Clone, Debug, Default)]
pub struct Request<'a> {
    pub prefix: &'a str,
    pub delimiter: Option<&'a str>,
    pub key_marker: Option<&'a str>,
    pub upload_id_marker: Option<&'a str>,
    pub max: usize,
}

/// One page: uploads and common prefixes in listing order, and where the next page starts.
#[derive(Debug, Default)]
pub struct Page<'u> {
    pub uploads: Vec<&'u Upload>,
    pub prefixes: Vec<String>,
    pub truncated: bool,
    /// `NextKeyMarker` and `NextUploadIdMarker`: the last upload listed, or the common prefix
    /// a truncated page ended on.
    pub next: Option<(String, String)>,
}

/// Pages `uploads`, which must be sorted by key and then initiation.
pub fn page<'u>(uploads: &'u [Upload], r: &Request<'_>) -> Page<'u> {
    let mut out = Page::default();
    // With an upload-id-marker, the marker key's uploads after that id are still due.
    let mut past_id = false;
    let mut count = 0;
    let mut ended_on_prefix = false;
    for u in uploads {
        if !u.key.starts_with(r.prefix) {
            continue;
        }
        if let Some(m) = r.key_marker {
            if u.key.as_str() < m {
                continue;
            }
            if u.key == m {
                match r.upload_id_marker {
                    // A key marker alone lists only later keys.
                    None => continue,
                    Some(id) if !past_id => {
                        past_id = u.id == id;
                        continue;
                    }
                    Some(_) => {}
                }
            }
        }
        let rolled = r.delimiter.filter(|d| !d.is_empty()).and_then(|d| {
            let rest = &u.key[r.prefix.len()..];
            rest.find(d)
                .map(|i| format!("{}{}", r.prefix, &rest[..i + d.len()]))
        });
        if let Some(cp) = &rolled {
            if out.prefixes.last() == Some(cp) {
                continue;
            }
            // A marker inside a rolled-up prefix has already listed it.
            if r.key_marker.is_some_and(|m| m.starts_with(cp.as_str())) {
                continue;
            }
        }
        if count == r.max {
            out.truncated = true;
            break;
        }
        count += 1;
        match rolled {
            Some(cp) => {
                ended_on_prefix = true;
                out.prefixes.push(cp);
            }
            None => {
                ended_on_prefix = false;
                out.next = Some((u.key.clone(), u.id.clone()));
                out.uploads.push(u);
            }
        }
    }
    // A truncated page that ends on a common prefix resumes after it (a marker inside a
    // prefix skips it), not at the upload before it, which would list the prefix again.
    if out.truncated
        && ended_on_prefix
        && let Some(cp) = out.prefixes.last()
    {
        out.next = Some((cp.clone(), String::new()));
    }
    out
}

/// Whether `upload-id-marker` names an upload of the key marker's key, as S3 requires.
fn marker_known(uploads: &[Upload], r: &Request<'_>) -> bool {
    match (r.key_marker, r.upload_id_marker) {
        (Some(key), Some(id)) => uploads.iter().any(|u| u.key == key && u.id == id),
        _ => true,
    }
}

/// A new upload id: a strictly increasing clock (nanoseconds, 8 bytes) then 16 random bytes,
/// in hex. Listings order one key's uploads by initiation, and `initiated` has only
/// milliseconds: the id breaks ties in the order the uploads were created.
pub fn new_upload_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static LAST: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    let mut t = now;
    // The closure always returns `Some`, so the update always succeeds.
    let _ = LAST.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |last| {
        t = now.max(last.saturating_add(1));
        Some(t)
    });
    format!(
        "{t:016x}{}",
        cloudlet_core::ids::hex(&cloudlet_core::ids::random_bytes::<16>())
    )
}

/// Listing order: key, then initiation (ties by id, which [`new_upload_id`] makes
/// creation order).
fn listing_order(a: &Upload, b: &Upload) -> std::cmp::Ordering {
    (&a.key, a.initiated, &a.id).cmp(&(&b.key, b.initiated, &b.id))
}

fn max_uploads(q: &Query) -> S3Result<usize> {
    limit(q, "max-uploads", 1000, 1000, Negative::Range("max-uploads")).map(|n| n as usize)
}

pub fn list_uploads(s3: &S3, ctx: &RequestContext, bucket: &str, q: &Query) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:ListBucketMultipartUploads")?;
    let encoding = encoding_type(q)?;
    let enc = |s: &str| match encoding {
        Some(_) => url_encode(s),
        None => s.to_string(),
    };
    let key_marker = q.get("key-marker").filter(|m| !m.is_empty());
    let request = Request {
        prefix: q.get("prefix").unwrap_or(""),
        delimiter: q.get("delimiter").filter(|d| !d.is_empty()),
        key_marker,
        // Without a key marker, S3 ignores (and does not echo) an upload-id marker.
        upload_id_marker: q
            .get("upload-id-marker")
            .filter(|m| !m.is_empty() && key_marker.is_some()),
        max: max_uploads(q)?,
    };
    let mut uploads = s3.store.read(|txn| mpstate::list_uploads(txn, bucket))?;
    uploads.sort_by(listing_order);
    if !marker_known(&uploads, &request) {
        return Err(invalid_argument(
            "Invalid uploadId marker",
            "upload-id-marker",
            request.upload_id_marker.unwrap_or("").to_string(),
        ));
    }
    let p = page(&uploads, &request);
    let mut x = XmlWriter::new();
    x.open_ns("ListMultipartUploadsResult", XMLNS)
        .elem("Bucket", bucket)
        .elem("KeyMarker", &enc(request.key_marker.unwrap_or("")))
        .elem("UploadIdMarker", request.upload_id_marker.unwrap_or(""));
    let (next_key, next_id) = p
        .next
        .as_ref()
        .map_or(("", ""), |(k, i)| (k.as_str(), i.as_str()));
    x.elem("NextKeyMarker", &enc(next_key))
        .elem("NextUploadIdMarker", next_id);
    // Unlike the object listings, S3 gives `Prefix` here only when one was asked for.
    if q.has("prefix") {
        x.elem("Prefix", &enc(request.prefix));
    }
    if let Some(d) = request.delimiter {
        x.elem("Delimiter", &enc(d));
    }
    x.elem("MaxUploads", &request.max.to_string())
        .elem("IsTruncated", if p.truncated { "true" } else { "false" });
    for u in &p.uploads {
        x.open("Upload")
            .elem("Key", &enc(&u.key))
            .elem("UploadId", &u.id);
        owner(&mut x, "Initiator", &u.owner);
        owner(&mut x, "Owner", &u.owner);
        x.elem("StorageClass", crate::storage_class::of(&u.headers))
            .elem("Initiated", &iso8601(u.initiated));
        if let (Some(a), Some(t)) = (u.checksum, &u.checksum_type) {
            x.elem("ChecksumAlgorithm", a.name())
                .elem("ChecksumType", t);
        }
        x.close();
    }
    for cp in &p.prefixes {
        x.open("CommonPrefixes").elem("Prefix", &enc(cp)).close();
    }
    if let Some(e) = encoding {
        x.elem("EncodingType", e);
    }
    Ok(xml_response(x.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(key: &str, id: &str) -> Upload {
        Upload {
            bucket: "b".into(),
            key: key.into(),
            id: id.into(),
            initiated: 0,
            owner: "000000000000".into(),
            content_type: None,
            metadata: Vec::new(),
            headers: Vec::new(),
            tags: Vec::new(),
            checksum: None,
            checksum_type: None,
            lock: Default::default(),
            acl: None,
            replaces_object: false,
        }
    }

    #[test]
    fn upload_ids_sort_in_creation_order() {
        let ids: Vec<String> = (0..1000).map(|_| new_upload_id()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert!(ids.iter().all(|i| i.len() == 48));
        let mut ups: Vec<Upload> = ids.iter().rev().map(|i| upload("k", i)).collect();
        ups.sort_by(listing_order);
        assert!(ups.iter().map(|u| &u.id).eq(ids.iter()));
    }

    #[test]
    fn upload_id_markers() {
        let all = [upload("a", "1"), upload("a", "2"), upload("b", "3")];
        let r = |key_marker, upload_id_marker| Request {
            key_marker,
            upload_id_marker,
            ..Request::default()
        };
        let cases = [
            (r(None, None), true),
            (r(Some("a"), None), true),
            (r(Some("a"), Some("2")), true),
            (r(Some("b"), Some("3")), true),
            (r(Some("b"), Some("1")), false),
            (r(Some("a"), Some("9")), false),
            (r(Some("c"), Some("3")), false),
        ];
        for (req, known) in cases {
            assert_eq!(marker_known(&all, &req), known, "{req:?}");
        }
    }

    #[test]
    fn pages() {
        let all = [
            upload("a", "1"),
            upload("a", "2"),
            upload("b", "3"),
            upload("dir/x", "4"),
            upload("dir/y", "5"),
            upload("e", "6"),
        ];
        type Shown = (Vec<String>, Vec<String>, bool, Option<(String, String)>);
        let show = |p: &Page| -> Shown {
            (
                p.uploads
                    .iter()
                    .map(|u| format!("{}:{}", u.key, u.id))
                    .collect(),
                p.prefixes.clone(),
                p.truncated,
                p.next.clone(),
            )
        };
        let next = |k: &str, i: &str| Some((k.to_string(), i.to_string()));
        type Case<'a> = (
            Request<'a>,
            &'a [&'a str],
            &'a [&'a str],
            bool,
            Option<(String, String)>,
        );
        let r = |max| Request {
            max,
            ..Request::default()
        };
        let cases: Vec<Case> = vec![
            (
                r(1000),
                &["a:1", "a:2", "b:3", "dir/x:4", "dir/y:5", "e:6"],
                &[],
                false,
                next("e", "6"),
            ),
            (r(2), &["a:1", "a:2"], &[], true, next("a", "2")),
            (r(0), &[], &[], true, None),
            (
                Request {
                    key_marker: Some("a"),
                    ..r(1000)
                },
                &["b:3", "dir/x:4", "dir/y:5", "e:6"],
                &[],
                false,
                next("e", "6"),
            ),
            (
                Request {
                    key_marker: Some("a"),
                    upload_id_marker: Some("1"),
                    ..r(2)
                },
                &["a:2", "b:3"],
                &[],
                true,
                next("b", "3"),
            ),
            (
                Request {
                    delimiter: Some("/"),
                    ..r(1000)
                },
                &["a:1", "a:2", "b:3", "e:6"],
                &["dir/"],
                false,
                next("e", "6"),
            ),
            (
                Request {
                    delimiter: Some("/"),
                    ..r(4)
                },
                &["a:1", "a:2", "b:3"],
                &["dir/"],
                true,
                // The page ended on the prefix: the next one starts after it.
                next("dir/", ""),
            ),
            (
                Request {
                    delimiter: Some("/"),
                    key_marker: Some("dir/"),
                    ..r(1000)
                },
                &["e:6"],
                &[],
                false,
                next("e", "6"),
            ),
            (
                Request {
                    prefix: "dir/",
                    ..r(1000)
                },
                &["dir/x:4", "dir/y:5"],
                &[],
                false,
                next("dir/y", "5"),
            ),
            (
                Request {
                    delimiter: Some("/"),
                    prefix: "dir/",
                    ..r(1)
                },
                &["dir/x:4"],
                &[],
                true,
                next("dir/x", "4"),
            ),
            (
                Request {
                    delimiter: Some("/"),
                    key_marker: Some("b"),
                    ..r(1)
                },
                &[],
                &["dir/"],
                true,
                next("dir/", ""),
            ),
        ];
        for (req, uploads, prefixes, truncated, next) in cases {
            let got = show(&page(&all, &req));
            let want = (
                uploads.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                prefixes.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                truncated,
                next,
            );
            assert_eq!(got, want, "{req:?}");
        }
    }
}
