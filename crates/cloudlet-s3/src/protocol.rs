//! REST-XML request → typed S3 operation: bucket from the Host label (virtual-hosted style)
//! or the first path segment (path style), the key from the rest of the path, and the
//! operation from method + sub-resource query parameters. Pure; bodies are read by `ops`.

use http::Method;
use percent_encoding::percent_decode_str;

use crate::error::S3Error;

/// The operations cloudlet's S3 understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    ListBuckets,
    CreateBucket,
    DeleteBucket,
    HeadBucket,
    GetBucketLocation,
    ListObjects,
    ListObjectsV2,
    GetBucketPolicy,
    PutBucketPolicy,
    DeleteBucketPolicy,
    GetPublicAccessBlock,
    PutPublicAccessBlock,
    DeletePublicAccessBlock,
    GetBucketWebsite,
    PutBucketWebsite,
    DeleteBucketWebsite,
    GetBucketTagging,
    PutBucketTagging,
    DeleteBucketTagging,
    DeleteObjects,
    ListMultipartUploads,
    PutObject,
    CopyObject,
    GetObject,
    HeadObject,
    DeleteObject,
    GetObjectTagging,
    PutObjectTagging,
    DeleteObjectTagging,
    CreateMultipartUpload,
    UploadPart,
    UploadPartCopy,
    CompleteMultipartUpload,
    AbortMultipartUpload,
    ListParts,
    /// Browser-based upload: `POST /{bucket}` with a `multipart/form-data` body.
    PostObject,
    GetBucketVersioning,
    PutBucketVersioning,
    ListObjectVersions,
    GetObjectLockConfiguration,
    PutObjectLockConfiguration,
    GetObjectRetention,
    PutObjectRetention,
    GetObjectLegalHold,
    PutObjectLegalHold,
    /// A bucket configuration sub-resource (`?cors`, `?lifecycle`, `?acl`, …).
    BucketConfig(crate::subresource::ConfigOp),
    GetObjectAcl,
    PutObjectAcl,
    /// `GET /{bucket}/{key}?attributes`.
    GetObjectAttributes,
    RestoreObject,
    /// `PUT /{bucket}/{key}?encryption`.
    UpdateObjectEncryption,
    /// A CORS preflight (`OPTIONS`) request.
    Preflight,
}

/// A parsed request line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    pub op: Op,
    /// Empty for `ListBuckets`.
    pub bucket: String,
    /// Empty for bucket operations.
    pub key: String,
    pub query: Query,
}

/// Decoded query parameters, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    pub fn parse(q: Option<&str>) -> Query {
        let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
        Query(
            q.unwrap_or("")
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (decode(k), decode(v)),
                    None => (decode(p), String::new()),
                })
                .collect(),
        )
    }
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
}

/// The query parameters S3 reads as sub-resources (botocore's model names each in an
/// operation's request URI): they pick the operation. Every other parameter is an argument of
/// the operation or, unknown to S3, ignored, as S3 ignores it — `GET /b/k?v=2` is a GetObject,
/// which is what cache-busting URLs of static sites rely on.
const SUBRESOURCES: &[&str] = &[
    "abac",
    "accelerate",
    "acl",
    "analytics",
    "attributes",
    "cors",
    "delete",
    "encryption",
    "intelligent-tiering",
    "inventory",
    "legal-hold",
    "lifecycle",
    "location",
    "logging",
    "metadataConfiguration",
    "metadataInventoryTable",
    "metadataJournalTable",
    "metadataTable",
    "metrics",
    "notification",
    "object-lock",
    "ownershipControls",
    "policy",
    "policyStatus",
    "publicAccessBlock",
    "renameObject",
    "replication",
    "requestPayment",
    "restore",
    "retention",
    "select",
    "session",
    "tagging",
    "torrent",
    "uploads",
    "versioning",
    "versions",
    "website",
];

fn is_subresource(name: &str) -> bool {
    SUBRESOURCES.contains(&name)
}

/// Identifies the operation of a request.
pub fn parse(
    method: &Method,
    path: &str,
    query: Option<&str>,
    host_bucket: Option<&str>,
    copy_source: bool,
) -> Result<Parsed, S3Error> {
    let query = Query::parse(query);
    let path = path.strip_prefix('/').unwrap_or(path);
    let (bucket, raw_key) = match host_bucket {
        Some(b) => (b.to_string(), path),
        None => {
            let (b, k) = path.split_once('/').unwrap_or((path, ""));
            let b = percent_decode_str(b)
                .decode_utf8()
                .map_err(|_| S3Error::InvalidRequest("Invalid URI".into()))?;
            (b.into_owned(), k)
        }
    };
    let key = percent_decode_str(raw_key)
        .decode_utf8()
        .map_err(|_| S3Error::InvalidRequest("Invalid URI".into()))?
        .into_owned();
    let sub: Vec<&str> = query
        .0
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| is_subresource(k))
        .collect();
    let sub1 = match sub.as_slice() {
        [] => None,
        [one] => Some(*one),
        _ => return Err(S3Error::NotImplemented),
    };
    let not_allowed = |resource| S3Error::MethodNotAllowed {
        method: method.as_str().to_string(),
        resource,
    };
    use Op::*;
    let op = if bucket.is_empty() {
        match *method {
            Method::GET if sub1.is_none() => ListBuckets,
            Method::GET => return Err(S3Error::NotImplemented),
            _ => return Err(not_allowed("SERVICE")),
        }
    } else if let Some(c) = sub1
        .filter(|_| key.is_empty())
        .and_then(|s| crate::subresource::config_op(method, s))
    {
        BucketConfig(c)
    } else if key.is_empty() {
        match (method.clone(), sub1) {
            (Method::PUT, None) => CreateBucket,
            (Method::DELETE, None) => DeleteBucket,
            (Method::HEAD, None) => HeadBucket,
            (Method::GET, None) if query.get("list-type") == Some("2") => ListObjectsV2,
            (Method::GET, None) => ListObjects,
            (Method::GET, Some("location")) => GetBucketLocation,
            (Method::GET, Some("policy")) => GetBucketPolicy,
            (Method::PUT, Some("policy")) => PutBucketPolicy,
            (Method::DELETE, Some("policy")) => DeleteBucketPolicy,
            (Method::GET, Some("publicAccessBlock")) => GetPublicAccessBlock,
            (Method::PUT, Some("publicAccessBlock")) => PutPublicAccessBlock,
            (Method::DELETE, Some("publicAccessBlock")) => DeletePublicAccessBlock,
            (Method::GET, Some("website")) => GetBucketWebsite,
            (Method::PUT, Some("website")) => PutBucketWebsite,
            (Method::DELETE, Some("website")) => DeleteBucketWebsite,
            (Method::GET, Some("tagging")) => GetBucketTagging,
            (Method::PUT, Some("tagging")) => PutBucketTagging,
            (Method::DELETE, Some("tagging")) => DeleteBucketTagging,
            (Method::POST, Some("delete")) => DeleteObjects,
            (Method::POST, None) => PostObject,
            (Method::GET, Some("uploads")) => ListMultipartUploads,
            (Method::GET, Some("versioning")) => GetBucketVersioning,
            (Method::PUT, Some("versioning")) => PutBucketVersioning,
            (Method::GET, Some("versions")) => ListObjectVersions,
            (Method::GET, Some("object-lock")) => GetObjectLockConfiguration,
            (Method::PUT, Some("object-lock")) => PutObjectLockConfiguration,
            (Method::OPTIONS, _) => Preflight,
            (Method::GET | Method::PUT | Method::DELETE | Method::POST | Method::HEAD, _) => {
                return Err(S3Error::NotImplemented);
            }
            _ => return Err(not_allowed("BUCKET")),
        }
    } else {
        let upload = query.has("uploadId");
        match (method.clone(), sub1) {
            (Method::PUT, None) if upload && copy_source => UploadPartCopy,
            (Method::PUT, None) if upload => UploadPart,
            (Method::POST, None) if upload => CompleteMultipartUpload,
            (Method::DELETE, None) if upload => AbortMultipartUpload,
            (Method::GET, None) if upload => ListParts,
            (Method::POST, Some("uploads")) => CreateMultipartUpload,
            (Method::PUT, None) if copy_source => CopyObject,
            (Method::PUT, None) => PutObject,
            (Method::GET, None) => GetObject,
            (Method::HEAD, None) => HeadObject,
            (Method::DELETE, None) => DeleteObject,
            (Method::GET, Some("tagging")) => GetObjectTagging,
            (Method::PUT, Some("tagging")) => PutObjectTagging,
            (Method::DELETE, Some("tagging")) => DeleteObjectTagging,
            (Method::GET, Some("retention")) => GetObjectRetention,
            (Method::PUT, Some("retention")) => PutObjectRetention,
            (Method::GET, Some("legal-hold")) => GetObjectLegalHold,
            (Method::PUT, Some("legal-hold")) => PutObjectLegalHold,
            (Method::GET, Some("acl")) => GetObjectAcl,
            (Method::PUT, Some("acl")) => PutObjectAcl,
            (Method::GET, Some("attributes")) => GetObjectAttributes,
            (Method::POST, Some("restore")) => RestoreObject,
            (Method::PUT, Some("encryption")) => UpdateObjectEncryption,
            (Method::OPTIONS, _) => Preflight,
            (Method::GET | Method::PUT | Method::DELETE | Method::POST | Method::HEAD, _) => {
                return Err(S3Error::NotImplemented);
            }
            _ => return Err(not_allowed("OBJECT")),
        }
    };
    Ok(Parsed {
        op,
        bucket,
        key,
        query,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        method: Method,
        uri: &str,
        host: Option<&str>,
        expected: Result<(Op, &str, &str), &str>,
    ) {
        let (path, q) = uri
            .split_once('?')
            .map_or((uri, None), |(p, q)| (p, Some(q)));
        let copy = uri.contains("copy");
        let got = parse(&method, path, q, host, copy)
            .map(|p| (p.op, p.bucket, p.key))
            .map_err(|e| format!("{e:?}"));
        let expected = expected
            .map(|(o, b, k)| (o, b.to_string(), k.to_string()))
            .map_err(str::to_string);
        assert_eq!(got, expected, "{method} {uri} {host:?}");
    }

    #[test]
    fn operations() {
        use Op::*;
        type Case<'a> = (
            Method,
            &'a str,
            Option<&'a str>,
            Result<(Op, &'a str, &'a str), &'a str>,
        );
        let cases: Vec<Case> = vec![
            (Method::GET, "/", None, Ok((ListBuckets, "", ""))),
            (
                Method::GET,
                "/?max-buckets=2&continuation-token=x&prefix=a&bucket-region=us-east-1",
                None,
                Ok((ListBuckets, "", "")),
            ),
            (Method::PUT, "/b", None, Ok((CreateBucket, "b", ""))),
            (Method::PUT, "/b/", None, Ok((CreateBucket, "b", ""))),
            (Method::PUT, "/", Some("b"), Ok((CreateBucket, "b", ""))),
            (Method::HEAD, "/b", None, Ok((HeadBucket, "b", ""))),
            (
                Method::GET,
                "/b?list-type=2&prefix=a%2Fb&encoding-type=url",
                None,
                Ok((ListObjectsV2, "b", "")),
            ),
            (Method::GET, "/b?prefix=x", None, Ok((ListObjects, "b", ""))),
            (
                Method::GET,
                "/b?location",
                None,
                Ok((GetBucketLocation, "b", "")),
            ),
            (
                Method::PUT,
                "/b?policy",
                None,
                Ok((PutBucketPolicy, "b", "")),
            ),
            (
                Method::DELETE,
                "/b?publicAccessBlock",
                None,
                Ok((DeletePublicAccessBlock, "b", "")),
            ),
            (
                Method::GET,
                "/?website",
                Some("b"),
                Ok((GetBucketWebsite, "b", "")),
            ),
            (
                Method::PUT,
                "/b/dir/a%20b.txt",
                None,
                Ok((PutObject, "b", "dir/a b.txt")),
            ),
            (
                Method::PUT,
                "/dir/a+b",
                Some("b"),
                Ok((PutObject, "b", "dir/a+b")),
            ),
            (
                Method::GET,
                "/b/k?x-id=GetObject",
                None,
                Ok((GetObject, "b", "k")),
            ),
            (
                Method::GET,
                "/b/k?response-content-type=text%2Fplain",
                None,
                Ok((GetObject, "b", "k")),
            ),
            (Method::DELETE, "/b/k", None, Ok((DeleteObject, "b", "k"))),
            (Method::GET, "/b?torrent", None, Err("NotImplemented")),
            (
                Method::GET,
                "/b?cors",
                None,
                Ok((
                    BucketConfig(crate::subresource::ConfigOp {
                        resource: crate::subresource::Subresource::Cors,
                        verb: crate::subresource::Verb::Get,
                    }),
                    "b",
                    "",
                )),
            ),
            // Parameters S3 doesn't know are ignored, wherever they stand.
            (Method::GET, "/b/k?v=2", None, Ok((GetObject, "b", "k"))),
            (
                Method::HEAD,
                "/b/k?cache=1&x",
                None,
                Ok((HeadObject, "b", "k")),
            ),
            (Method::PUT, "/b/k?foo", None, Ok((PutObject, "b", "k"))),
            (
                Method::GET,
                "/b?foo&bar=1",
                None,
                Ok((ListObjects, "b", "")),
            ),
            (
                Method::GET,
                "/b?list-type=2&foo=bar",
                None,
                Ok((ListObjectsV2, "b", "")),
            ),
            (
                Method::GET,
                "/b/k?tagging&t=1",
                None,
                Ok((GetObjectTagging, "b", "k")),
            ),
            (Method::GET, "/?foo", None, Ok((ListBuckets, "", ""))),
            // Two sub-resources, or one S3 knows but cloudlet doesn't serve.
            (Method::GET, "/b?acl&policy", None, Err("NotImplemented")),
            (
                Method::POST,
                "/b/k?select&select-type=2",
                None,
                Err("NotImplemented"),
            ),
            (Method::GET, "/?acl", None, Err("NotImplemented")),
            (Method::OPTIONS, "/b/k", None, Ok((Preflight, "b", "k"))),
            (Method::OPTIONS, "/b", None, Ok((Preflight, "b", ""))),
            (
                Method::GET,
                "/b/k?tagging",
                None,
                Ok((GetObjectTagging, "b", "k")),
            ),
            (
                Method::PUT,
                "/b?versioning",
                None,
                Ok((PutBucketVersioning, "b", "")),
            ),
            (
                Method::GET,
                "/?versioning",
                Some("b"),
                Ok((GetBucketVersioning, "b", "")),
            ),
            (
                Method::GET,
                "/b?versions&prefix=a&key-marker=k&version-id-marker=v&encoding-type=url",
                None,
                Ok((ListObjectVersions, "b", "")),
            ),
            (
                Method::PUT,
                "/b?object-lock",
                None,
                Ok((PutObjectLockConfiguration, "b", "")),
            ),
            (
                Method::GET,
                "/b/k?versionId=null",
                None,
                Ok((GetObject, "b", "k")),
            ),
            (
                Method::DELETE,
                "/b/k?versionId=abc",
                None,
                Ok((DeleteObject, "b", "k")),
            ),
            (
                Method::PUT,
                "/b/k?tagging&versionId=abc",
                None,
                Ok((PutObjectTagging, "b", "k")),
            ),
            (
                Method::PUT,
                "/b/k?retention&versionId=abc",
                None,
                Ok((PutObjectRetention, "b", "k")),
            ),
            (
                Method::GET,
                "/b/k?legal-hold",
                None,
                Ok((GetObjectLegalHold, "b", "k")),
            ),
            (Method::GET, "/b/k?versioning", None, Err("NotImplemented")),
            (Method::GET, "/b/k?acl", None, Ok((GetObjectAcl, "b", "k"))),
            (
                Method::GET,
                "/b/k?attributes&versionId=abc",
                None,
                Ok((GetObjectAttributes, "b", "k")),
            ),
            (Method::PUT, "/b/k?attributes", None, Err("NotImplemented")),
            (
                Method::PUT,
                "/b/k?encryption",
                None,
                Ok((UpdateObjectEncryption, "b", "k")),
            ),
            (
                Method::PUT,
                "/k?encryption&versionId=abc",
                Some("b"),
                Ok((UpdateObjectEncryption, "b", "k")),
            ),
            (Method::GET, "/b/k?encryption", None, Err("NotImplemented")),
            (
                Method::PUT,
                "/b?encryption",
                None,
                Ok((
                    BucketConfig(crate::subresource::ConfigOp {
                        resource: crate::subresource::Subresource::Encryption,
                        verb: crate::subresource::Verb::Put,
                    }),
                    "b",
                    "",
                )),
            ),
            (Method::GET, "/b?attributes", None, Err("NotImplemented")),
            (Method::GET, "/b/k?cors", None, Err("NotImplemented")),
            (Method::PUT, "/b/copy", None, Ok((CopyObject, "b", "copy"))),
            (
                Method::POST,
                "/b/k?uploads",
                None,
                Ok((CreateMultipartUpload, "b", "k")),
            ),
            (
                Method::PUT,
                "/b/k?partNumber=1&uploadId=x",
                None,
                Ok((UploadPart, "b", "k")),
            ),
            (
                Method::PUT,
                "/b/copy?partNumber=1&uploadId=x",
                None,
                Ok((UploadPartCopy, "b", "copy")),
            ),
            (
                Method::POST,
                "/b/k?uploadId=x",
                None,
                Ok((CompleteMultipartUpload, "b", "k")),
            ),
            (
                Method::DELETE,
                "/b/k?uploadId=x",
                None,
                Ok((AbortMultipartUpload, "b", "k")),
            ),
            (
                Method::GET,
                "/b/k?uploadId=x",
                None,
                Ok((ListParts, "b", "k")),
            ),
            (
                Method::GET,
                "/b?uploads",
                None,
                Ok((ListMultipartUploads, "b", "")),
            ),
            (
                Method::POST,
                "/b?delete",
                None,
                Ok((DeleteObjects, "b", "")),
            ),
            (Method::POST, "/b", None, Ok((PostObject, "b", ""))),
            (
                Method::PATCH,
                "/b",
                None,
                Err("MethodNotAllowed { method: \"PATCH\", resource: \"BUCKET\" }"),
            ),
            (
                Method::POST,
                "/",
                None,
                Err("MethodNotAllowed { method: \"POST\", resource: \"SERVICE\" }"),
            ),
            (
                Method::GET,
                "/b/%FF",
                None,
                Err("InvalidRequest(\"Invalid URI\")"),
            ),
        ];
        for (m, uri, host, expected) in cases {
            check(m, uri, host, expected);
        }
    }
}
