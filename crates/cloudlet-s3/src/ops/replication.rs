//! Bucket replication (`?replication`): Put (the model's shape from `config_schema`, then
//! S3's rules: a rule uses either the old schema — a `Prefix` — or the new one — a `Filter`,
//! which requires `Priority` and `DeleteMarkerReplication`; rule IDs and priorities are
//! unique; destinations are bucket ARNs of existing, versioned buckets; the source bucket
//! must be versioned), Get and Delete. While a configuration exists, versioning cannot be
//! suspended (`ops/versioning` asks [`present`]). Stored only: nothing is replicated.

use cloudlet_core::{Request, RequestContext, Response};
use cloudlet_store::redb::WriteTransaction;
use http::StatusCode;
use serde::{Deserialize, Serialize};

use super::{XMLNS, empty, xml_body, xml_response};
use crate::S3;
use crate::config_error::ConfigError;
use crate::config_schema::{self, Kind};
use crate::config_store;
use crate::error::{S3Error, S3Result, invalid_argument};
use crate::versions::Status;
use crate::xml::Element;

const NAME: &str = "replication";

/// Most rules one configuration may hold.
const MAX_RULES: usize = 1000;

/// The stored configuration: its elements, as S3 gives them back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Replication {
    xml: String,
}

fn schema_error(what: &str) -> S3Error {
    S3Error::InvalidRequest(format!(
        "{what} for this version of Cross Region Replication configuration schema. Please refer to S3 Developer Guide for more information."
    ))
}

/// Checks a PutBucketReplication document; gives the stored form (rules without an `ID`
/// get one, as on S3) and the destination bucket names.
fn parse(root: &Element) -> S3Result<(Replication, Vec<String>)> {
    if root.name != "ReplicationConfiguration"
        || !config_schema::check(
            root,
            &Kind::Struct(config_schema::REPLICATION_CONFIGURATION),
        )
        || root.children_named("Rule").count() > MAX_RULES
    {
        return Err(S3Error::MalformedXml);
    }
    let mut doc = root.clone();
    let mut destinations = Vec::new();
    let (mut ids, mut priorities): (Vec<String>, Vec<i64>) = (Vec::new(), Vec::new());
    for rule in doc.children.iter_mut().filter(|c| c.name == "Rule") {
        let (prefix, filter) = (rule.child("Prefix"), rule.child("Filter"));
        let markers = rule.child("DeleteMarkerReplication").is_some();
        let priority = rule.child_text("Priority");
        match (prefix.is_some(), filter.is_some()) {
            (true, true) | (false, false) => return Err(S3Error::MalformedXml),
            (false, true) if priority.is_none() => {
                return Err(schema_error("Priority must be specified"));
            }
            (false, true) if !markers => {
                return Err(schema_error("DeleteMarkerReplication must be specified"));
            }
            (true, false) if markers => {
                return Err(schema_error("DeleteMarkerReplication cannot be used"));
            }
            _ => {}
        }
        let arn = rule
            .child("Destination")
            .and_then(|d| d.child_text("Bucket"))
            .unwrap_or_default();
        match arn.strip_prefix("arn:aws:s3:::") {
            Some(name) if !name.is_empty() && !name.contains(['/', ':']) => {
                destinations.push(name.to_string());
            }
            _ => {
                return Err(invalid_argument(
                    "Invalid bucket ARN.",
                    "Destination/Bucket",
                    arn,
                ));
            }
        }
        if let Some(id) = rule.child_text("ID") {
            if ids.iter().any(|i| i == id) {
                return Err(invalid_argument("Rule Id must be unique.", "ID", id));
            }
            ids.push(id.to_string());
        }
        if let Some(p) = priority {
            // The schema checked it is an integer; compare numbers, not spellings.
            let n: i64 = p.trim().parse().map_err(|_| S3Error::MalformedXml)?;
            if priorities.contains(&n) {
                return Err(S3Error::InvalidRequest(format!(
                    "Found duplicate priority {n}."
                )));
            }
            priorities.push(n);
        }
        if rule.child("ID").is_none() {
            rule.children.insert(
                0,
                Element {
                    name: "ID".into(),
                    text: cloudlet_core::ids::random_upper_id("", 32),
                    ..Element::default()
                },
            );
        }
    }
    let mut xml = String::new();
    config_schema::write_children(&doc, &mut xml);
    Ok((Replication { xml }, destinations))
}

pub async fn put(s3: &S3, ctx: &RequestContext, bucket: &str, req: Request) -> S3Result<Response> {
    let b = s3.bucket_for(ctx, bucket, "s3:PutReplicationConfiguration")?;
    let (config, destinations) = parse(&xml_body(req).await?)?;
    if b.versioning.status != Some(Status::Enabled) {
        return Err(S3Error::InvalidRequest(
            "Versioning must be 'Enabled' on the bucket to apply a replication configuration"
                .into(),
        ));
    }
    for name in &destinations {
        let Ok(dest) = s3.bucket(name) else {
            return Err(S3Error::InvalidRequest(
                "Destination bucket must exist.".into(),
            ));
        };
        if dest.versioning.status != Some(Status::Enabled) {
            return Err(S3Error::InvalidRequest(
                "Destination bucket must have versioning enabled.".into(),
            ));
        }
    }
    s3.store_config(bucket, NAME, Some(config)).await?;
    Ok(empty(StatusCode::OK))
}

/// Within a change: whether `bucket` has a replication configuration.
pub fn present(txn: &WriteTransaction, bucket: &str) -> S3Result<bool> {
    Ok(config_store::exists(txn, bucket, NAME)?)
}

pub fn get(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:GetReplicationConfiguration")?;
    let config: Replication = s3
        .config(bucket, NAME)?
        .ok_or_else(|| ConfigError::ReplicationConfigurationNotFound(bucket.to_string()))?;
    Ok(xml_response(format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ReplicationConfiguration xmlns="{XMLNS}">{}</ReplicationConfiguration>"#,
        config.xml
    )))
}

pub async fn delete(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:PutReplicationConfiguration")?;
    s3.store_config::<Replication>(bucket, NAME, None).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLE: &str = "<Role>arn:aws:iam::123456789012:role/r</Role>";

    fn rule(body: &str) -> String {
        format!("<ReplicationConfiguration>{ROLE}<Rule>{body}</Rule></ReplicationConfiguration>")
    }

    #[test]
    fn documents() {
        let dest = "<Destination><Bucket>arn:aws:s3:::dest</Bucket></Destination>";
        let v2 = format!(
            "<ID>r1</ID><Priority>1</Priority><Filter><Prefix>a/</Prefix></Filter><Status>Enabled</Status>{dest}<DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication>"
        );
        let cases: Vec<(String, Result<Vec<&str>, &str>)> = vec![
            (rule(&v2), Ok(vec!["dest"])),
            (
                rule(&format!("<Prefix></Prefix><Status>Enabled</Status>{dest}")),
                Ok(vec!["dest"]),
            ),
            (
                rule(&format!(
                    "<Priority>1</Priority><Filter/><Status>Enabled</Status>{dest}"
                )),
                Err("DeleteMarkerReplication must be specified"),
            ),
            (
                rule(&format!(
                    "<Prefix>a</Prefix><Status>Enabled</Status>{dest}<DeleteMarkerReplication><Status>Enabled</Status></DeleteMarkerReplication>"
                )),
                Err("DeleteMarkerReplication cannot be used"),
            ),
            (
                rule(&format!("<Status>Enabled</Status>{dest}")),
                Err("MalformedXml"),
            ),
            (
                rule(&format!(
                    "<Prefix>a</Prefix><Filter/><Status>Enabled</Status>{dest}"
                )),
                Err("MalformedXml"),
            ),
            (
                rule(&format!("<Prefix>a</Prefix><Status>On</Status>{dest}")),
                Err("MalformedXml"),
            ),
            (
                rule(
                    "<Prefix>a</Prefix><Status>Enabled</Status><Destination><Bucket>dest</Bucket></Destination>",
                ),
                Err("Invalid bucket ARN."),
            ),
            (
                format!("<ReplicationConfiguration>{ROLE}</ReplicationConfiguration>"),
                Err("MalformedXml"),
            ),
            (
                "<ReplicationConfiguration><Rule/></ReplicationConfiguration>".into(),
                Err("MalformedXml"),
            ),
        ];
        for (doc, expected) in cases {
            let got = parse(&crate::xml::parse(&doc).unwrap());
            match (got, expected) {
                (Ok((_, d)), Ok(e)) => assert_eq!(d, e, "{doc}"),
                (Err(e), Err(want)) => assert!(format!("{e:?}").contains(want), "{doc}: {e:?}"),
                (got, want) => panic!("{doc}: {got:?} vs {want:?}"),
            }
        }
    }

    #[test]
    fn ids_and_priorities() {
        let dest = "<Destination><Bucket>arn:aws:s3:::dest</Bucket></Destination>";
        let v2 = |id: &str, priority: &str| {
            format!(
                "<Rule>{id}{priority}<Filter/><Status>Enabled</Status>{dest}<DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication></Rule>"
            )
        };
        let v1 =
            |id: &str| format!("<Rule>{id}<Prefix>p</Prefix><Status>Enabled</Status>{dest}</Rule>");
        let doc = |rules: &[String]| {
            format!(
                "<ReplicationConfiguration>{ROLE}{}</ReplicationConfiguration>",
                rules.concat()
            )
        };
        let (a, b) = ("<ID>a</ID>", "<ID>b</ID>");
        let (p1, p2) = ("<Priority>1</Priority>", "<Priority>2</Priority>");
        let cases: Vec<(String, Result<(), &str>)> = vec![
            (doc(&[v2(a, p1), v2(b, p2)]), Ok(())),
            (doc(&[v2("", p1), v2("", p2)]), Ok(())),
            (doc(&[v1(a), v1(b)]), Ok(())),
            (
                doc(&[v2(a, "")]),
                Err("Priority must be specified for this version"),
            ),
            (
                doc(&[v2(a, p1), v2(b, "")]),
                Err("Priority must be specified for this version"),
            ),
            (
                doc(&[v2(a, p1), v2(b, p1)]),
                Err("Found duplicate priority 1."),
            ),
            (
                doc(&[v2(a, p1), v2(b, "<Priority>01</Priority>")]),
                Err("Found duplicate priority 1."),
            ),
            (doc(&[v2(a, p1), v2(a, p2)]), Err("Rule Id must be unique.")),
            (doc(&[v1(a), v1(a)]), Err("Rule Id must be unique.")),
        ];
        for (d, want) in cases {
            let got = parse(&crate::xml::parse(&d).unwrap());
            match (got, want) {
                (Ok(_), Ok(())) => {}
                (Err(e), Err(w)) => assert!(format!("{e:?}").contains(w), "{d}: {e:?}"),
                (got, want) => panic!("{d}: {got:?} vs {want:?}"),
            }
        }
    }

    #[test]
    fn rules_without_an_id_get_one() {
        let doc = rule(
            "<Prefix>a</Prefix><Status>Enabled</Status><Destination><Bucket>arn:aws:s3:::d</Bucket></Destination>",
        );
        let (stored, _) = parse(&crate::xml::parse(&doc).unwrap()).unwrap();
        assert!(stored.xml.contains("<Rule><ID>"), "{}", stored.xml);
        let back = crate::xml::parse(&format!("<R>{}</R>", stored.xml)).unwrap();
        let id = back.child("Rule").and_then(|r| r.child_text("ID")).unwrap();
        assert_eq!(id.len(), 32);
    }
}
