//! GetObjectAttributes: what HeadObject and ListParts would tell of an object (or of the
//! version `versionId` names) in one answer — ETag (unquoted), checksum, parts, storage class
//! and size, as many as `x-amz-object-attributes` asks for. `parse_request` is pure; the
//! parts are those the completed multipart upload recorded with the object.

use cloudlet_core::xml::XmlWriter;
use cloudlet_core::{Request, RequestContext, Response};
use http::HeaderMap;

use super::{XMLNS, http_date, set_header, xml_response};
use crate::S3;
use crate::auth::arn;
use crate::error::{S3Error, S3Result, invalid_argument};
use crate::protocol::Query;
use crate::state::{self, Object};
use crate::versions::{self, Entry};

/// The attributes a request asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Wanted {
    pub etag: bool,
    pub checksum: bool,
    pub parts: bool,
    pub storage_class: bool,
    pub size: bool,
}

/// What a GetObjectAttributes request asks: the attributes and the page of parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttributesRequest {
    pub wanted: Wanted,
    pub max_parts: usize,
    pub part_number_marker: u32,
}

fn invalid_number(header: &str, value: &str) -> S3Error {
    invalid_argument(
        format!("Provided {header} not an integer or within integer range"),
        header,
        value,
    )
}

/// Reads `x-amz-object-attributes` (comma-separated, on one or more lines),
/// `x-amz-max-parts` and `x-amz-part-number-marker`, refusing what S3 refuses.
pub fn parse_request(h: &HeaderMap) -> S3Result<AttributesRequest> {
    let mut wanted = Wanted::default();
    let mut any = false;
    for line in h.get_all("x-amz-object-attributes") {
        let line = line.to_str().map_err(|_| invalid_attribute(""))?;
        for name in line.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let slot = match name {
                "ETag" => &mut wanted.etag,
                "Checksum" => &mut wanted.checksum,
                "ObjectParts" => &mut wanted.parts,
                "StorageClass" => &mut wanted.storage_class,
                "ObjectSize" => &mut wanted.size,
                other => return Err(invalid_attribute(other)),
            };
            *slot = true;
            any = true;
        }
    }
    if !any {
        return Err(S3Error::InvalidRequest(
            "The x-amz-object-attributes header specifying the attributes to be retrieved is \
             either missing or empty"
                .into(),
        ));
    }
    let number = |header: &'static str| -> S3Result<Option<i64>> {
        match h.get(header) {
            None => Ok(None),
            Some(v) => {
                let text = v.to_str().unwrap_or("");
                text.trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (0..=i64::from(i32::MAX)).contains(n))
                    .map(Some)
                    .ok_or_else(|| invalid_number(header, text))
            }
        }
    };
    let max_parts = number("x-amz-max-parts")?.map_or(1000, |n| n.min(1000) as usize);
    let part_number_marker = number("x-amz-part-number-marker")?.unwrap_or(0) as u32;
    Ok(AttributesRequest {
        wanted,
        max_parts,
        part_number_marker,
    })
}

fn invalid_attribute(name: &str) -> S3Error {
    invalid_argument(
        "Invalid attribute name specified.",
        "x-amz-object-attributes",
        name,
    )
}

/// The object (or version) the request names, once the caller may read its attributes:
/// `s3:GetObject` and `s3:GetObjectAttributes`, or with a version id
/// `s3:GetObjectVersion` and `s3:GetObjectVersionAttributes`. As on GetObject, a missing key
/// is `AccessDenied` to a caller without `s3:ListBucket`, and a delete marker answers with
/// `x-amz-delete-marker`.
fn load(s3: &S3, ctx: &RequestContext, bucket: &str, key: &str, q: &Query) -> S3Result<Object> {
    let b = s3.bucket(bucket)?;
    let version = super::versioning::version_param(q)?;
    let resource = arn(bucket, Some(key));
    let actions: [&str; 2] = match version {
        Some(_) => ["s3:GetObjectVersion", "s3:GetObjectVersionAttributes"],
        None => ["s3:GetObject", "s3:GetObjectAttributes"],
    };
    let found = match &version {
        Some(v) => s3
            .store
            .read(|txn| versions::read_version(txn, bucket, key, v))?,
        None => match s3.store.read(|txn| state::get_object(txn, bucket, key))? {
            Some(o) => Some(Entry::Object(o)),
            None => s3
                .store
                .read(|txn| versions::read_latest(txn, bucket, key))?
                .filter(|e| matches!(e, Entry::DeleteMarker { .. })),
        },
    };
    // The first action the policies refuse, if any.
    let refused = actions
        .into_iter()
        .find(|a| !s3.allowed(ctx, &b, a, &resource, &[]));
    let may_read = |obj: Option<&Object>| match obj {
        // An object another account owns answers to its ACL alone.
        Some(o) if refused.is_none() => super::acl::object_allows(s3, ctx, &b, key, o, actions[0]),
        Some(o) => super::acl::object_acl_allows(s3, ctx, &b, key, o, "s3:GetObject"),
        None => refused.is_none(),
    };
    let denied = || {
        let action = refused.unwrap_or(actions[0]);
        s3.denied(ctx, Some(&b), action, &resource, &[], &[])
    };
    match found {
        Some(Entry::Object(o)) if may_read(Some(&o)) => Ok(o),
        Some(Entry::Object(_)) => Err(denied()),
        _ if !may_read(None) => Err(denied()),
        Some(Entry::DeleteMarker {
            version_id,
            last_modified,
            ..
        }) => {
            let error = match &version {
                Some(v) => S3Error::NoSuchVersion {
                    key: key.to_string(),
                    version: v.as_str().to_string(),
                },
                None => S3Error::NoSuchKey(key.to_string()),
            };
            Err(S3Error::WithHeaders {
                error: Box::new(error),
                headers: vec![
                    ("x-amz-delete-marker", "true".into()),
                    ("x-amz-version-id", version_id),
                    ("last-modified", http_date(last_modified)),
                ],
            })
        }
        None => match version {
            Some(v) => Err(S3Error::NoSuchVersion {
                key: key.to_string(),
                version: v.as_str().to_string(),
            }),
            None if s3.allowed(ctx, &b, "s3:ListBucket", &arn(bucket, None), &[]) => {
                Err(S3Error::NoSuchKey(key.to_string()))
            }
            None => Err(S3Error::AccessDenied),
        },
    }
}

/// The number of parts of a multipart object: recorded, or read from its ETag (`…-N`) for
/// objects completed before parts were recorded. `None` for other objects.
fn parts_count(obj: &Object) -> Option<usize> {
    if !obj.parts.is_empty() {
        return Some(obj.parts.len());
    }
    obj.etag
        .rsplit_once('-')
        .and_then(|(_, n)| n.parse::<usize>().ok())
}

/// The `GetObjectAttributesResponse` document of `obj`.
pub fn render(obj: &Object, r: &AttributesRequest) -> String {
    let w = &r.wanted;
    let checksum = crate::checksum::stored(&obj.headers);
    let mut x = XmlWriter::new();
    x.open_ns("GetObjectAttributesResponse", XMLNS);
    if w.etag {
        x.elem("ETag", &obj.etag);
    }
    if w.checksum
        && let Some((a, value, kind)) = checksum
    {
        // A composite checksum is shown without its `-N` part count.
        let value = value.split('-').next().unwrap_or(value);
        x.open("Checksum")
            .elem(a.element(), value)
            .elem("ChecksumType", kind)
            .close();
    }
    if w.parts
        && let Some(count) = parts_count(obj)
    {
        x.open("ObjectParts").elem("PartsCount", &count.to_string());
        // Parts are listed only for objects with a checksum (their parts have one too).
        if checksum.is_some()
            && !obj.parts.is_empty()
            && obj.parts.iter().all(|p| p.checksum.is_some())
        {
            let element = checksum.map(|(a, _, _)| a.element()).unwrap_or_default();
            let after: Vec<_> = obj
                .parts
                .iter()
                .filter(|p| p.number > r.part_number_marker)
                .collect();
            let page = &after[..after.len().min(r.max_parts)];
            x.elem("PartNumberMarker", &r.part_number_marker.to_string());
            if let Some(last) = page.last() {
                x.elem("NextPartNumberMarker", &last.number.to_string());
            }
            x.elem("MaxParts", &r.max_parts.to_string()).elem(
                "IsTruncated",
                if after.len() > page.len() {
                    "true"
                } else {
                    "false"
                },
            );
            for p in page {
                x.open("Part")
                    .elem("PartNumber", &p.number.to_string())
                    .elem("Size", &p.size.to_string())
                    .opt(element, p.checksum.as_deref())
                    .close();
            }
        }
        x.close();
    }
    if w.storage_class {
        x.elem("StorageClass", crate::storage_class::of(&obj.headers));
    }
    if w.size {
        x.elem("ObjectSize", &obj.size.to_string());
    }
    x.finish()
}

pub fn get_object_attributes(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    q: &Query,
    req: &Request,
) -> S3Result<Response> {
    let request = parse_request(req.headers())?;
    let obj = load(s3, ctx, bucket, key, q)?;
    let mut r = xml_response(render(&obj, &request));
    set_header(&mut r, "last-modified", &http_date(obj.last_modified));
    if let Some(v) = &obj.version.id {
        set_header(&mut r, "x-amz-version-id", v);
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::PartSummary;

    use crate::test_headers as headers;

    #[test]
    fn requests() {
        let all = Wanted {
            etag: true,
            checksum: true,
            parts: true,
            storage_class: true,
            size: true,
        };
        type Case<'a> = (
            &'a [(&'a str, &'a str)],
            Result<(Wanted, usize, u32), &'a str>,
        );
        let missing = "InvalidRequest(\"The x-amz-object-attributes header specifying the \
                       attributes to be retrieved is either missing or empty\")";
        let cases: &[Case] = &[
            (&[], Err(missing)),
            (&[("x-amz-object-attributes", "")], Err(missing)),
            (&[("x-amz-object-attributes", " , ")], Err(missing)),
            (
                &[(
                    "x-amz-object-attributes",
                    "ETag,Checksum, ObjectParts,StorageClass,ObjectSize",
                )],
                Ok((all, 1000, 0)),
            ),
            (
                &[
                    ("x-amz-object-attributes", "ETag"),
                    ("x-amz-object-attributes", "ObjectSize"),
                ],
                Ok((
                    Wanted {
                        etag: true,
                        size: true,
                        ..Wanted::default()
                    },
                    1000,
                    0,
                )),
            ),
            (
                &[("x-amz-object-attributes", "ETag,etag")],
                Err(
                    "InvalidArgument { message: \"Invalid attribute name specified.\", name: \
                     \"x-amz-object-attributes\", value: \"etag\" }",
                ),
            ),
            (
                &[
                    ("x-amz-object-attributes", "ObjectParts"),
                    ("x-amz-max-parts", "2"),
                    ("x-amz-part-number-marker", "3"),
                ],
                Ok((
                    Wanted {
                        parts: true,
                        ..Wanted::default()
                    },
                    2,
                    3,
                )),
            ),
            (
                &[
                    ("x-amz-object-attributes", "ObjectParts"),
                    ("x-amz-max-parts", "5000"),
                ],
                Ok((
                    Wanted {
                        parts: true,
                        ..Wanted::default()
                    },
                    1000,
                    0,
                )),
            ),
            (
                &[
                    ("x-amz-object-attributes", "ObjectParts"),
                    ("x-amz-max-parts", "x"),
                ],
                Err(
                    "InvalidArgument { message: \"Provided x-amz-max-parts not an integer or \
                     within integer range\", name: \"x-amz-max-parts\", value: \"x\" }",
                ),
            ),
            (
                &[
                    ("x-amz-object-attributes", "ObjectParts"),
                    ("x-amz-part-number-marker", "-1"),
                ],
                Err(
                    "InvalidArgument { message: \"Provided x-amz-part-number-marker not an \
                     integer or within integer range\", name: \"x-amz-part-number-marker\", \
                     value: \"-1\" }",
                ),
            ),
        ];
        for (hs, want) in cases {
            let got = parse_request(&headers(hs))
                .map(|r| (r.wanted, r.max_parts, r.part_number_marker))
                .map_err(|e| format!("{e:?}"));
            assert_eq!(got, want.map_err(str::to_string), "{hs:?}");
        }
    }

    fn object(etag: &str, headers: &[(&str, &str)], parts: &[(u32, u64, Option<&str>)]) -> Object {
        Object {
            blob: String::new(),
            size: 42,
            etag: etag.into(),
            content_type: None,
            last_modified: 0,
            metadata: Vec::new(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            tags: Vec::new(),
            version: Default::default(),
            parts: parts
                .iter()
                .map(|&(number, size, checksum)| PartSummary {
                    number,
                    size,
                    checksum: checksum.map(str::to_string),
                })
                .collect(),
            acl: None,
        }
    }

    #[test]
    fn documents() {
        let every = |max_parts, marker| AttributesRequest {
            wanted: Wanted {
                etag: true,
                checksum: true,
                parts: true,
                storage_class: true,
                size: true,
            },
            max_parts,
            part_number_marker: marker,
        };
        let head = format!("<GetObjectAttributesResponse xmlns=\"{XMLNS}\">");
        let composite = [
            ("x-amz-checksum-sha256", "c29tZQ==-2"),
            ("x-amz-checksum-type", "COMPOSITE"),
        ];
        let cases: Vec<(Object, AttributesRequest, String)> = vec![
            (
                object("abc", &[], &[]),
                every(1000, 0),
                "<ETag>abc</ETag><StorageClass>STANDARD</StorageClass>\
                 <ObjectSize>42</ObjectSize>"
                    .into(),
            ),
            (
                object(
                    "abc",
                    &[
                        ("x-amz-checksum-crc64nvme", "AAAAAAAAAAA="),
                        ("x-amz-checksum-type", "FULL_OBJECT"),
                    ],
                    &[],
                ),
                AttributesRequest {
                    wanted: Wanted {
                        checksum: true,
                        ..Wanted::default()
                    },
                    ..every(1000, 0)
                },
                "<Checksum><ChecksumCRC64NVME>AAAAAAAAAAA=</ChecksumCRC64NVME>\
                 <ChecksumType>FULL_OBJECT</ChecksumType></Checksum>"
                    .into(),
            ),
            // A multipart object from before parts were recorded: its count only.
            (
                object("d41d-3", &[], &[]),
                AttributesRequest {
                    wanted: Wanted {
                        parts: true,
                        ..Wanted::default()
                    },
                    ..every(1000, 0)
                },
                "<ObjectParts><PartsCount>3</PartsCount></ObjectParts>".into(),
            ),
            (
                object(
                    "d41d-2",
                    &composite,
                    &[(1, 30, Some("cGFydDE=")), (2, 12, Some("cGFydDI="))],
                ),
                every(1, 0),
                "<ETag>d41d-2</ETag><Checksum><ChecksumSHA256>c29tZQ==</ChecksumSHA256>\
                 <ChecksumType>COMPOSITE</ChecksumType></Checksum><ObjectParts>\
                 <PartsCount>2</PartsCount><PartNumberMarker>0</PartNumberMarker>\
                 <NextPartNumberMarker>1</NextPartNumberMarker><MaxParts>1</MaxParts>\
                 <IsTruncated>true</IsTruncated><Part><PartNumber>1</PartNumber>\
                 <Size>30</Size><ChecksumSHA256>cGFydDE=</ChecksumSHA256></Part>\
                 </ObjectParts><StorageClass>STANDARD</StorageClass>\
                 <ObjectSize>42</ObjectSize>"
                    .into(),
            ),
            (
                object(
                    "d41d-2",
                    &composite,
                    &[(1, 30, Some("cGFydDE=")), (2, 12, Some("cGFydDI="))],
                ),
                AttributesRequest {
                    wanted: Wanted {
                        parts: true,
                        ..Wanted::default()
                    },
                    ..every(1, 1)
                },
                "<ObjectParts><PartsCount>2</PartsCount><PartNumberMarker>1</PartNumberMarker>\
                 <NextPartNumberMarker>2</NextPartNumberMarker><MaxParts>1</MaxParts>\
                 <IsTruncated>false</IsTruncated><Part><PartNumber>2</PartNumber>\
                 <Size>12</Size><ChecksumSHA256>cGFydDI=</ChecksumSHA256></Part>\
                 </ObjectParts>"
                    .into(),
            ),
            // Completed before parts were recorded: counted from the ETag, not listed.
            (
                object("d41d-2", &composite, &[]),
                AttributesRequest {
                    wanted: Wanted {
                        parts: true,
                        ..Wanted::default()
                    },
                    ..every(1000, 0)
                },
                "<ObjectParts><PartsCount>2</PartsCount></ObjectParts>".into(),
            ),
            // Without a checksum, the parts are counted, not listed.
            (
                object("d41d-2", &[], &[(1, 30, None), (2, 12, None)]),
                AttributesRequest {
                    wanted: Wanted {
                        parts: true,
                        ..Wanted::default()
                    },
                    ..every(1000, 0)
                },
                "<ObjectParts><PartsCount>2</PartsCount></ObjectParts>".into(),
            ),
        ];
        for (obj, req, body) in cases {
            let got = render(&obj, &req);
            let want = format!("{head}{body}</GetObjectAttributesResponse>");
            assert!(got.ends_with(&want), "{got}\n!=\n{want}");
        }
    }
}
