//! The id-keyed bucket configurations — analytics, inventory, metrics and S3
//! Intelligent-Tiering (`?analytics&id=…`, …): Put (checked against the model's shape in
//! `config_schema`; at most 1,000 of a kind per bucket), Get, Delete, and List in pages of
//! 100 with `continuation-token`. Each configuration is one record in `s3.bucket_config`,
//! named `{kind}\0{id}`. Stored only: no analysis, inventory report or metric is produced
//! and no object changes tier.

use cloudlet_core::xml::escape;
use cloudlet_core::{Request, RequestContext, Response};
use http::StatusCode;
use serde::{Deserialize, Serialize};

use super::{XMLNS, empty, xml_body, xml_response};
use crate::S3;
use crate::config_error::ConfigError;
use crate::config_schema::{self, Field, Kind};
use crate::config_store;
use crate::error::{S3Error, S3Result, invalid_argument};
use crate::protocol::Query;
use crate::xml::Element;

/// Which of the four configurations a request is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdKind {
    Analytics,
    Inventory,
    Metrics,
    IntelligentTiering,
}

/// What differs between the four.
struct Spec {
    /// The sub-resource, also the record name's first part.
    name: &'static str,
    /// The document's root element (and that of each entry of a listing).
    root: &'static str,
    fields: &'static [Field],
    /// The root element of the List response.
    list_root: &'static str,
    read_action: &'static str,
    write_action: &'static str,
}

fn spec(kind: IdKind) -> Spec {
    match kind {
        IdKind::Analytics => Spec {
            name: "analytics",
            root: "AnalyticsConfiguration",
            fields: config_schema::ANALYTICS_CONFIGURATION,
            list_root: "ListBucketAnalyticsConfigurationResult",
            read_action: "s3:GetAnalyticsConfiguration",
            write_action: "s3:PutAnalyticsConfiguration",
        },
        IdKind::Inventory => Spec {
            name: "inventory",
            root: "InventoryConfiguration",
            fields: config_schema::INVENTORY_CONFIGURATION,
            list_root: "ListInventoryConfigurationsResult",
            read_action: "s3:GetInventoryConfiguration",
            write_action: "s3:PutInventoryConfiguration",
        },
        IdKind::Metrics => Spec {
            name: "metrics",
            root: "MetricsConfiguration",
            fields: config_schema::METRICS_CONFIGURATION,
            list_root: "ListMetricsConfigurationsResult",
            read_action: "s3:GetMetricsConfiguration",
            write_action: "s3:PutMetricsConfiguration",
        },
        IdKind::IntelligentTiering => Spec {
            name: "intelligent-tiering",
            root: "IntelligentTieringConfiguration",
            fields: config_schema::INTELLIGENT_TIERING_CONFIGURATION,
            list_root: "ListBucketIntelligentTieringConfigurationsOutput",
            read_action: "s3:GetIntelligentTieringConfiguration",
            write_action: "s3:PutIntelligentTieringConfiguration",
        },
    }
}

/// Configurations per List page, as on S3.
const PAGE: usize = 100;

/// Most configurations of one kind a bucket may have.
const MAX_CONFIGS: usize = 1000;

/// Longest configuration id S3 accepts.
const MAX_ID: usize = 64;

/// A stored configuration: its elements, as S3 gives them back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Stored {
    xml: String,
}

fn record_name(spec: &Spec, id: &str) -> String {
    format!("{}\0{id}", spec.name)
}

/// The `id` query parameter, checked; `None` when absent.
fn query_id(q: &Query) -> S3Result<Option<String>> {
    let Some(id) = q.get("id") else {
        return Ok(None);
    };
    if id.is_empty() || id.len() > MAX_ID || id.chars().any(char::is_control) {
        return Err(invalid_argument(
            "The specified configuration id is not valid.",
            "id",
            id,
        ));
    }
    Ok(Some(id.to_string()))
}

fn required_id(q: &Query) -> S3Result<String> {
    query_id(q)?.ok_or_else(|| invalid_argument("Missing required parameter id.", "id", ""))
}

/// Checks a Put document for configuration `id` of `kind`, as S3 does: the shape first
/// (MalformedXML), then the id (inventory has an error of its own for it), then the
/// inventory's destination ARN.
fn parse(root: &Element, kind: IdKind, id: &str) -> S3Result<Stored> {
    let spec = spec(kind);
    if root.name != spec.root || !config_schema::check(root, &Kind::Struct(spec.fields)) {
        return Err(S3Error::MalformedXml);
    }
    if root.child_text("Id") != Some(id) {
        return Err(match kind {
            IdKind::Inventory => ConfigError::IdMismatch.into(),
            _ => S3Error::MalformedXml,
        });
    }
    if kind == IdKind::Inventory {
        let bucket = root
            .child("Destination")
            .and_then(|d| d.child("S3BucketDestination"))
            .and_then(|d| d.child_text("Bucket"))
            .unwrap_or_default();
        if cloudlet_core::Arn::parse(bucket).is_none() {
            return Err(ConfigError::InvalidS3DestinationBucket.into());
        }
    }
    let mut xml = String::new();
    config_schema::write_children(root, &mut xml);
    Ok(Stored { xml })
}

pub async fn put(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    kind: IdKind,
    req: Request,
) -> S3Result<Response> {
    let spec = spec(kind);
    s3.bucket_for(ctx, bucket, spec.write_action)?;
    let id = required_id(&Query::parse(req.uri().query()))?;
    let doc = parse(&xml_body(req).await?, kind, &id)?;
    let (b, name, prefix) = (
        bucket.to_string(),
        record_name(&spec, &id),
        format!("{}\0", spec.name),
    );
    s3.store
        .write(move |txn| {
            if crate::state::load_bucket(txn, &b)?.is_none() {
                return Err(S3Error::NoSuchBucket(b.clone()));
            }
            let (exists, count) = config_store::exists_and_count(txn, &b, &name, &prefix)?;
            if !exists && count >= MAX_CONFIGS {
                return Err(ConfigError::TooManyConfigurations.into());
            }
            config_store::put(txn, &b, &name, &doc)?;
            Ok(())
        })
        .await?;
    Ok(empty(StatusCode::OK))
}

/// Get with `id`, List without.
pub fn get(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    kind: IdKind,
    q: &Query,
) -> S3Result<Response> {
    let spec = spec(kind);
    s3.bucket_for(ctx, bucket, spec.read_action)?;
    let Some(id) = query_id(q)? else {
        return list(s3, bucket, &spec, q);
    };
    let doc: Stored = s3
        .config(bucket, &record_name(&spec, &id))?
        .ok_or(ConfigError::NoSuchConfiguration)?;
    Ok(xml_response(format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><{root} xmlns="{XMLNS}">{xml}</{root}>"#,
        root = spec.root,
        xml = doc.xml
    )))
}

pub async fn delete(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    kind: IdKind,
    q: &Query,
) -> S3Result<Response> {
    let spec = spec(kind);
    s3.bucket_for(ctx, bucket, spec.write_action)?;
    let name = record_name(&spec, &required_id(q)?);
    if s3.config::<Stored>(bucket, &name)?.is_none() {
        return Err(ConfigError::NoSuchConfiguration.into());
    }
    s3.store_config::<Stored>(bucket, &name, None).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// A continuation token: the hex of the first id of the next page.
fn token_of(id: &str) -> String {
    cloudlet_core::ids::hex(id.as_bytes())
}

fn id_of(token: &str) -> Option<String> {
    if !token.len().is_multiple_of(2) {
        return None;
    }
    let bytes = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(token.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(bytes).ok()
}

fn list(s3: &S3, bucket: &str, spec: &Spec, q: &Query) -> S3Result<Response> {
    let token = q.get("continuation-token");
    let start = match token {
        None => None,
        Some(t) => Some(id_of(t).ok_or_else(|| {
            invalid_argument(
                "The continuation token provided is incorrect",
                "continuation-token",
                t,
            )
        })?),
    };
    let prefix = format!("{}\0", spec.name);
    let all: Vec<(String, Stored)> = s3
        .store
        .read(|txn| crate::config_store::list(txn, bucket, &prefix))?;
    let mut rest = all
        .into_iter()
        .filter(|(id, _)| start.as_deref().is_none_or(|s| id.as_str() >= s));
    let page: Vec<(String, Stored)> = rest.by_ref().take(PAGE).collect();
    let next = rest.next().map(|(id, _)| token_of(&id));
    Ok(xml_response(list_xml(spec, token, next.as_deref(), &page)))
}

fn list_xml(
    spec: &Spec,
    token: Option<&str>,
    next: Option<&str>,
    page: &[(String, Stored)],
) -> String {
    let mut x = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><{} xmlns="{XMLNS}">"#,
        spec.list_root
    );
    if let Some(t) = token {
        x.push_str(&format!(
            "<ContinuationToken>{}</ContinuationToken>",
            escape(t)
        ));
    }
    x.push_str(&format!("<IsTruncated>{}</IsTruncated>", next.is_some()));
    if let Some(n) = next {
        x.push_str(&format!(
            "<NextContinuationToken>{n}</NextContinuationToken>"
        ));
    }
    for (_, doc) in page {
        x.push_str(&format!("<{r}>{}</{r}>", doc.xml, r = spec.root));
    }
    x.push_str(&format!("</{}>", spec.list_root));
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(doc: &str) -> Element {
        crate::xml::parse(doc).unwrap()
    }

    #[test]
    fn put_documents() {
        let inventory = |id: &str, bucket: &str| {
            format!(
                "<InventoryConfiguration><Destination><S3BucketDestination><Bucket>{bucket}</Bucket><Format>CSV</Format></S3BucketDestination></Destination><IsEnabled>true</IsEnabled><Id>{id}</Id><IncludedObjectVersions>All</IncludedObjectVersions><Schedule><Frequency>Daily</Frequency></Schedule></InventoryConfiguration>"
            )
        };
        let cases: Vec<(IdKind, String, Result<(), &str>)> = vec![
            (
                IdKind::Metrics,
                "<MetricsConfiguration><Id>m</Id></MetricsConfiguration>".into(),
                Ok(()),
            ),
            (
                IdKind::Metrics,
                "<MetricsConfiguration><Id>other</Id></MetricsConfiguration>".into(),
                Err("MalformedXml"),
            ),
            (
                IdKind::Metrics,
                "<MetricsConfiguration/>".into(),
                Err("MalformedXml"),
            ),
            (
                IdKind::Analytics,
                "<MetricsConfiguration><Id>m</Id></MetricsConfiguration>".into(),
                Err("MalformedXml"),
            ),
            (
                IdKind::Analytics,
                "<AnalyticsConfiguration><Id>m</Id><StorageClassAnalysis/></AnalyticsConfiguration>"
                    .into(),
                Ok(()),
            ),
            (
                IdKind::Analytics,
                "<AnalyticsConfiguration><Id>m</Id></AnalyticsConfiguration>".into(),
                Err("MalformedXml"),
            ),
            (IdKind::Inventory, inventory("m", "arn:aws:s3:::dest"), Ok(())),
            (
                IdKind::Inventory,
                inventory("x", "arn:aws:s3:::dest"),
                Err("Config(IdMismatch)"),
            ),
            (
                IdKind::Inventory,
                inventory("m", "dest"),
                Err("Config(InvalidS3DestinationBucket)"),
            ),
        ];
        for (kind, doc, expected) in cases {
            let got = parse(&root(&doc), kind, "m")
                .map(|_| ())
                .map_err(|e| format!("{e:?}"));
            assert_eq!(got, expected.map_err(str::to_string), "{doc}");
        }
    }

    #[test]
    fn continuation_tokens_round_trip() {
        for id in ["a", "report-2024_01.x", ""] {
            assert_eq!(id_of(&token_of(id)).as_deref(), Some(id));
        }
        for bad in ["abc", "zz", "ff"] {
            assert_eq!(id_of(bad), None, "{bad}");
        }
    }
}
