//! Bucket lifecycle: CreateBucket (naming rules, LocationConstraint — `EU` is eu-west-1's
//! legacy name —, the global namespace),
//! DeleteBucket (uploads in progress removed with the bucket), HeadBucket, ListBuckets
//! (paged by `max-buckets` and an opaque continuation token, filtered by prefix and
//! region), GetBucketLocation.

use base64::Engine;
use cloudlet_core::xml::XmlWriter;
use cloudlet_core::{Principal, Request, RequestContext, Response};
use http::StatusCode;

use super::{XMLNS, canonical_id, empty, iso8601, now_ms, set_header, small_body, xml_response};
use crate::S3;
use crate::error::{S3Error, S3Result, invalid_argument};
use crate::protocol::Query;
use crate::state::{self, Bucket, PublicAccessBlock};
use crate::versions::BucketVersioning;

/// S3's bucket naming rules (general purpose buckets).
pub fn valid_bucket_name(name: &str) -> bool {
    let b = name.as_bytes();
    let edge_ok = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let is_ip = name.split('.').count() == 4
        && name
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()));
    (3..=63).contains(&b.len())
        && b.iter().all(|&c| edge_ok(c) || c == b'.' || c == b'-')
        && b.first().copied().is_some_and(edge_ok)
        && b.last().copied().is_some_and(edge_ok)
        && !name.contains("..")
        && !name.contains(".-")
        && !name.contains("-.")
        && !is_ip
        && !name.starts_with("xn--")
        && !name.starts_with("sthree-")
        && !name.starts_with("amzn-s3-demo-")
        && !name.ends_with("-s3alias")
        && !name.ends_with("--ol-s3")
        && !name.ends_with(".mrap")
        && !name.ends_with("--x-s3")
        && !name.ends_with("--table-s3")
}

fn looks_like_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && r.ends_with(|c: char| c.is_ascii_digit())
}

/// The region a new bucket gets from its `LocationConstraint` and the endpoint's region, and
/// the constraint to report when it is not the region's name (the legacy `EU`, which is
/// eu-west-1).
fn bucket_region(constraint: Option<String>, endpoint: &str) -> S3Result<(String, Option<String>)> {
    let region = match constraint.as_deref() {
        Some("EU") => "eu-west-1".to_string(),
        Some(c) if c == "us-east-1" || !looks_like_region(c) => {
            return Err(S3Error::InvalidLocationConstraint(c.to_string()));
        }
        Some(c) => c.to_string(),
        None => "us-east-1".to_string(),
    };
    // The global (us-east-1) endpoint accepts any constraint; regional ones only their own.
    if endpoint != "us-east-1" && region != endpoint {
        let named = constraint.unwrap_or_else(|| "unspecified".into());
        return Err(S3Error::IllegalLocationConstraint(named));
    }
    let legacy = constraint.filter(|c| *c != region);
    Ok((region, legacy))
}

/// CreateBucket's `LocationConstraint`, if its body names one.
async fn location_constraint(req: Request) -> S3Result<Option<String>> {
    let body = small_body(req).await?;
    let text = std::str::from_utf8(&body).map_err(|_| S3Error::MalformedXml)?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    let root = crate::xml::parse(text).ok_or(S3Error::MalformedXml)?;
    if root.name != "CreateBucketConfiguration" {
        return Err(S3Error::MalformedXml);
    }
    Ok(root
        .child_text("LocationConstraint")
        .filter(|c| !c.is_empty())
        .map(str::to_string))
}

pub async fn create(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    req: Request,
) -> S3Result<Response> {
    if ctx.principal == Principal::Anonymous {
        return Err(S3Error::AccessDenied);
    }
    let versioning = BucketVersioning::from_create_headers(req.headers());
    // The constraint is the `s3:LocationConstraint` condition key; a malformed body is
    // reported only to a caller who may create buckets.
    let constraint = location_constraint(req).await;
    let extra: Vec<(&str, String)> = match &constraint {
        Ok(Some(c)) => vec![("s3:LocationConstraint", c.clone())],
        _ => Vec::new(),
    };
    let resource = crate::auth::arn(bucket, None);
    if !s3.identity_allows_with(ctx, "s3:CreateBucket", &resource, &extra) {
        return Err(s3.denied(ctx, None, "s3:CreateBucket", &resource, &[], &extra));
    }
    if !valid_bucket_name(bucket) {
        return Err(S3Error::InvalidBucketName(bucket.to_string()));
    }
    let (region, legacy_location) = bucket_region(constraint?, ctx.region.as_str())?;
    let record = Bucket {
        name: bucket.to_string(),
        owner: ctx.account.to_string(),
        region: region.clone(),
        legacy_location,
        created: now_ms(),
        policy: None,
        public_access_block: Some(PublicAccessBlock::all_on()),
        website: None,
        tags: None,
        versioning,
    };
    s3.store
        .write(move |txn| {
            if let Some(existing) = state::load_bucket(txn, &record.name)? {
                if existing.owner != record.owner {
                    return Err(S3Error::BucketAlreadyExists(record.name.clone()));
                }
                // Legacy behaviour of us-east-1: re-creating your own bucket succeeds and
                // resets its ACL (to the one the request gives, stored after, if any).
                if existing.region == "us-east-1" && record.region == "us-east-1" {
                    crate::config_store::remove(txn, &record.name, super::acl::ACL)?;
                    return Ok(());
                }
                return Err(S3Error::BucketAlreadyOwnedByYou(record.name.clone()));
            }
            state::put_bucket(txn, &record)?;
            Ok(())
        })
        .await?;
    let mut r = empty(StatusCode::OK);
    set_header(&mut r, "location", &created_location(bucket, &region));
    Ok(r)
}

/// CreateBucket's `Location`: the path for us-east-1, else the bucket's global
/// virtual-hosted URL (what S3 answers, whatever the region).
fn created_location(bucket: &str, region: &str) -> String {
    match region {
        "us-east-1" => format!("/{bucket}"),
        _ => format!("http://{bucket}.s3.amazonaws.com/"),
    }
}

pub async fn delete(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:DeleteBucket")?;
    let name = bucket.to_string();
    // Uploads in progress do not keep a bucket from being deleted: they go with it.
    let parts = s3
        .store
        .write(move |txn| {
            if state::load_bucket(txn, &name)?.is_none() {
                return Err(S3Error::NoSuchBucket(name.clone()));
            }
            if state::bucket_has_objects(txn, &name)?
                || crate::versions::bucket_has_versions(txn, &name)?
            {
                return Err(S3Error::BucketNotEmpty(name.clone()));
            }
            state::delete_bucket_row(txn, &name)?;
            crate::config_store::remove_all(txn, &name)?;
            Ok(crate::mpstate::remove_bucket_uploads(txn, &name)?)
        })
        .await?;
    s3.store
        .blobs()
        .delete_named(parts.into_iter().map(|p| p.blob))
        .await;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// HeadBucket. The bucket's region is told even to a caller refused access, as S3 does
/// (SDKs find a bucket's region that way).
pub fn head(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    let b = s3
        .bucket_for(ctx, bucket, "s3:ListBucket")
        .map_err(|e| match e {
            denied @ (S3Error::AccessDenied | S3Error::Denied(_)) => match s3.bucket(bucket) {
                Ok(b) => S3Error::WithHeaders {
                    error: Box::new(denied),
                    headers: vec![("x-amz-bucket-region", b.region)],
                },
                Err(_) => denied,
            },
            other => other,
        })?;
    let mut r = empty(StatusCode::OK);
    set_header(&mut r, "x-amz-bucket-region", &b.region);
    set_header(&mut r, "x-amz-access-point-alias", "false");
    Ok(r)
}

pub fn location(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    let b = s3.bucket_for(ctx, bucket, "s3:GetBucketLocation")?;
    let mut x = XmlWriter::new();
    x.open_ns("LocationConstraint", XMLNS);
    let mut out = x.finish();
    // An empty element means us-east-1.
    let open = out.rfind("</LocationConstraint>").unwrap_or(out.len());
    let constraint = b.legacy_location.as_deref().unwrap_or(&b.region);
    if constraint != "us-east-1" {
        out.insert_str(open, &cloudlet_core::xml::escape(constraint));
    }
    Ok(xml_response(out))
}

/// One ListBuckets page: the query's `max-buckets`, `continuation-token`, `prefix` and
/// `bucket-region`, read and checked.
#[derive(Debug, PartialEq, Eq)]
pub struct BucketPage {
    /// `None`: every bucket at once (no paging parameter given).
    pub max: Option<usize>,
    /// Buckets are listed after this name.
    pub after: String,
    pub prefix: Option<String>,
    pub region: Option<String>,
}

/// The page size S3 uses when a paging parameter but no `max-buckets` is given.
const DEFAULT_MAX_BUCKETS: usize = 10_000;

pub fn bucket_page(q: &Query) -> S3Result<BucketPage> {
    let max = match q.get("max-buckets") {
        None => None,
        Some(v) => Some(
            v.trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=DEFAULT_MAX_BUCKETS).contains(n))
                .ok_or_else(|| {
                    invalid_argument(
                        "Argument max-buckets must be an integer between 1 and 10000.",
                        "max-buckets",
                        v,
                    )
                })?,
        ),
    };
    let token = q.get("continuation-token");
    let after = match token {
        None => String::new(),
        Some(t) => base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(t)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .filter(|name| !name.is_empty())
            .ok_or_else(|| {
                invalid_argument(
                    "The continuation token provided is incorrect",
                    "continuation-token",
                    t,
                )
            })?,
    };
    let prefix = q.get("prefix").map(str::to_string);
    let region = q.get("bucket-region").map(str::to_string);
    let paged = max.is_some() || token.is_some() || prefix.is_some() || region.is_some();
    Ok(BucketPage {
        max: max.or(paged.then_some(DEFAULT_MAX_BUCKETS)),
        after,
        prefix,
        region,
    })
}

/// The buckets of a page from all of the caller's (in name order), and the continuation
/// token when more follow.
pub fn select<'a>(all: &'a [Bucket], p: &BucketPage) -> (Vec<&'a Bucket>, Option<String>) {
    let mut matching = all.iter().filter(|b| {
        b.name > p.after
            && p.prefix
                .as_deref()
                .is_none_or(|pre| b.name.starts_with(pre))
            && p.region.as_deref().is_none_or(|r| b.region == r)
    });
    let page: Vec<&Bucket> = matching
        .by_ref()
        .take(p.max.unwrap_or(usize::MAX))
        .collect();
    let token = match (matching.next(), page.last()) {
        (Some(_), Some(last)) => {
            Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&last.name))
        }
        _ => None,
    };
    (page, token)
}

pub fn list(s3: &S3, ctx: &RequestContext, q: &Query) -> S3Result<Response> {
    let Some(account) = ctx.principal.account() else {
        return Err(S3Error::AccessDenied);
    };
    if !s3.identity_allows(ctx, "s3:ListAllMyBuckets", "*") {
        return Err(s3.denied(ctx, None, "s3:ListAllMyBuckets", "*", &[], &[]));
    }
    let page = bucket_page(q)?;
    let mut buckets = s3.store.read(state::all_buckets)?;
    buckets.retain(|b| b.owner == account.as_str());
    buckets.sort_by(|a, b| a.name.cmp(&b.name));
    let (shown, token) = select(&buckets, &page);
    let mut x = XmlWriter::new();
    x.open_ns("ListAllMyBucketsResult", XMLNS)
        .open("Owner")
        .elem("ID", &canonical_id(account.as_str()))
        .close()
        .open("Buckets");
    for b in shown {
        x.open("Bucket")
            .elem("Name", &b.name)
            .elem("CreationDate", &iso8601(b.created))
            .elem("BucketRegion", &b.region)
            .close();
    }
    x.close();
    x.opt("ContinuationToken", token.as_deref())
        .opt("Prefix", page.prefix.as_deref());
    Ok(xml_response(x.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str, region: &str) -> Bucket {
        Bucket {
            name: name.into(),
            owner: "1".into(),
            region: region.into(),
            created: 0,
            policy: None,
            public_access_block: None,
            website: None,
            tags: None,
            versioning: BucketVersioning::default(),
            legacy_location: None,
        }
    }

    #[test]
    fn bucket_regions() {
        type Case<'a> = (
            Option<&'a str>,
            &'a str,
            Result<(&'a str, Option<&'a str>), &'a str>,
        );
        let cases: &[Case] = &[
            (None, "us-east-1", Ok(("us-east-1", None))),
            (Some("eu-west-1"), "us-east-1", Ok(("eu-west-1", None))),
            (Some("eu-west-1"), "eu-west-1", Ok(("eu-west-1", None))),
            (Some("EU"), "us-east-1", Ok(("eu-west-1", Some("EU")))),
            (Some("EU"), "eu-west-1", Ok(("eu-west-1", Some("EU")))),
            (Some("EU"), "us-west-2", Err("Illegal EU")),
            (Some("eu-west-1"), "us-west-2", Err("Illegal eu-west-1")),
            (None, "us-west-2", Err("Illegal unspecified")),
            (Some("us-east-1"), "us-east-1", Err("Invalid us-east-1")),
            (Some("us-east-1"), "us-west-2", Err("Invalid us-east-1")),
            (Some("eu"), "us-east-1", Err("Invalid eu")),
            (Some("mars-1"), "us-east-1", Err("Invalid mars-1")),
        ];
        for (constraint, endpoint, want) in cases {
            let got =
                bucket_region(constraint.map(str::to_string), endpoint).map_err(|e| match e {
                    S3Error::IllegalLocationConstraint(c) => format!("Illegal {c}"),
                    S3Error::InvalidLocationConstraint(c) => format!("Invalid {c}"),
                    other => format!("{other:?}"),
                });
            let want = want
                .map(|(r, l)| (r.to_string(), l.map(str::to_string)))
                .map_err(str::to_string);
            assert_eq!(got, want, "{constraint:?} at {endpoint}");
        }
    }

    #[test]
    fn bucket_pages() {
        let all = [
            named("alpha", "us-east-1"),
            named("beta", "eu-west-1"),
            named("beta2", "us-east-1"),
            named("gamma", "us-east-1"),
        ];
        let token = |n: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(n);
        let second = format!("max-buckets=2&continuation-token={}", token("beta"));
        type Case<'a> = (&'a str, Result<(Vec<&'a str>, Option<String>), &'a str>);
        let cases: Vec<Case> = vec![
            ("", Ok((vec!["alpha", "beta", "beta2", "gamma"], None))),
            (
                "max-buckets=2",
                Ok((vec!["alpha", "beta"], Some(token("beta")))),
            ),
            (
                "max-buckets=4",
                Ok((vec!["alpha", "beta", "beta2", "gamma"], None)),
            ),
            (&second, Ok((vec!["beta2", "gamma"], None))),
            ("prefix=beta", Ok((vec!["beta", "beta2"], None))),
            (
                "prefix=beta&max-buckets=1",
                Ok((vec!["beta"], Some(token("beta")))),
            ),
            ("bucket-region=eu-west-1", Ok((vec!["beta"], None))),
            ("prefix=zzz", Ok((vec![], None))),
            ("max-buckets=0", Err("max-buckets")),
            ("max-buckets=10001", Err("max-buckets")),
            ("max-buckets=ten", Err("max-buckets")),
            ("continuation-token=%21%21", Err("continuation-token")),
        ];
        for (query, want) in cases {
            let q = Query::parse(Some(query));
            let got = bucket_page(&q)
                .map(|p| {
                    let (page, token) = select(&all, &p);
                    (page.iter().map(|b| b.name.as_str()).collect(), token)
                })
                .map_err(|e| match e {
                    S3Error::InvalidArgument { name, .. } => name,
                    other => format!("{other:?}"),
                });
            assert_eq!(got, want.map_err(str::to_string), "{query}");
        }
        // A paging parameter without max-buckets pages by 10000.
        let p = bucket_page(&Query::parse(Some("prefix=a"))).unwrap();
        assert_eq!(p.max, Some(DEFAULT_MAX_BUCKETS));
        assert_eq!(bucket_page(&Query::parse(None)).unwrap().max, None);
    }

    #[test]
    fn bucket_names() {
        let cases = [
            ("my-bucket-238423", true),
            ("abc", true),
            ("a.b-c1", true),
            ("ab", false),
            (&"a".repeat(64), false),
            (&"a".repeat(63), true),
            ("My-Bucket", false),
            ("-abc", false),
            ("abc-", false),
            ("a..b", false),
            ("a.-b", false),
            ("192.168.5.4", false),
            ("xn--abc", false),
            ("sthree-abc", false),
            ("abc-s3alias", false),
            ("abc--ol-s3", false),
            ("amzn-s3-demo-bucket", false),
            ("amzn-s3-demo", true),
            ("abc--table-s3", false),
            ("abc-table-s3", true),
            ("ab_c", false),
            ("ab c", false),
        ];
        for (name, ok) in cases {
            assert_eq!(valid_bucket_name(name), ok, "{name}");
        }
    }
}
