//! Put/GetBucketNotificationConfiguration: the `NotificationConfiguration` document (SNS
//! topic, SQS queue and Lambda destinations with their events and key filters, and
//! EventBridge) validated as S3 does, stored and returned. Lambda destinations must exist
//! and let S3 invoke them (unless the request says `x-amz-skip-destination-validation`);
//! topics and queues are not checked (there is no SNS or SQS). Nothing is delivered.

use cloudlet_core::xml::XmlWriter;
use cloudlet_core::{Request, RequestContext, Response};
use http::StatusCode;
use serde::{Deserialize, Serialize};

use super::xml_body;
use super::{XMLNS, empty, xml_response};
use bytes::Bytes;
use cloudlet_core::traits::{Caller, InvocationType, InvokeRequest};
use cloudlet_core::{AccountId, Region};

use crate::S3;
use crate::config_error::ConfigError;
use crate::error::{S3Error, S3Result};
use crate::xml::Element;

use crate::error::invalid_argument;

const EVENTS: &[&str] = &[
    "s3:ReducedRedundancyLostObject",
    "s3:ObjectCreated:*",
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy",
    "s3:ObjectCreated:CompleteMultipartUpload",
    "s3:ObjectRemoved:*",
    "s3:ObjectRemoved:Delete",
    "s3:ObjectRemoved:DeleteMarkerCreated",
    "s3:ObjectRestore:*",
    "s3:ObjectRestore:Post",
    "s3:ObjectRestore:Completed",
    "s3:ObjectRestore:Delete",
    "s3:Replication:*",
    "s3:Replication:OperationFailedReplication",
    "s3:Replication:OperationNotTracked",
    "s3:Replication:OperationMissedThreshold",
    "s3:Replication:OperationReplicatedAfterThreshold",
    "s3:LifecycleTransition",
    "s3:IntelligentTiering",
    "s3:ObjectAcl:Put",
    "s3:LifecycleExpiration:*",
    "s3:LifecycleExpiration:Delete",
    "s3:LifecycleExpiration:DeleteMarkerCreated",
    "s3:ObjectTagging:*",
    "s3:ObjectTagging:Put",
    "s3:ObjectTagging:Delete",
];

/// One destination: SNS topic, SQS queue or Lambda function.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationTarget {
    pub id: String,
    pub arn: String,
    pub events: Vec<String>,
    /// `(prefix|suffix, value)` key filter rules.
    pub filter_rules: Vec<(String, String)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub topics: Vec<NotificationTarget>,
    pub queues: Vec<NotificationTarget>,
    pub lambdas: Vec<NotificationTarget>,
    pub eventbridge: bool,
}

/// (element, ARN element) of the three destination kinds.
const KINDS: [(&str, &str); 3] = [
    ("TopicConfiguration", "Topic"),
    ("QueueConfiguration", "Queue"),
    ("CloudFunctionConfiguration", "CloudFunction"),
];

fn target_of(e: &Element, arn_name: &str) -> S3Result<NotificationTarget> {
    let arn = e.child_text(arn_name).ok_or(S3Error::MalformedXml)?;
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() < 6 || parts[0] != "arn" || parts[2].is_empty() || parts[5].is_empty() {
        return Err(invalid_argument(
            "The ARN could not be parsed",
            arn_name,
            arn,
        ));
    }
    let events: Vec<String> = e
        .children_named("Event")
        .map(|v| v.text.trim().to_string())
        .collect();
    if events.is_empty() {
        return Err(S3Error::MalformedXml);
    }
    if let Some(bad) = events.iter().find(|v| !EVENTS.contains(&v.as_str())) {
        return Err(invalid_argument(
            "The event is not supported for notifications",
            "Event",
            bad,
        ));
    }
    let mut filter_rules = Vec::new();
    if let Some(key) = e.child("Filter").and_then(|f| f.child("S3Key")) {
        for r in key.children_named("FilterRule") {
            let name = r.child_text("Name").unwrap_or("");
            let value = r.child("Value").map(|v| v.text.clone()).unwrap_or_default();
            let lower = name.to_ascii_lowercase();
            if lower != "prefix" && lower != "suffix" {
                return Err(invalid_argument(
                    "filter rule name must be either prefix or suffix",
                    "FilterRule.Name",
                    name,
                ));
            }
            if filter_rules
                .iter()
                .any(|(n, _): &(String, String)| *n == lower)
            {
                return Err(invalid_argument(
                    format!("Cannot specify more than one {lower} rule in a filter."),
                    "FilterRule",
                    name,
                ));
            }
            filter_rules.push((lower, value));
        }
    }
    let id = match e.child_text("Id") {
        Some(id) if !id.is_empty() => id.to_string(),
        _ => cloudlet_core::ids::hex(&cloudlet_core::ids::random_bytes::<16>()),
    };
    Ok(NotificationTarget {
        id,
        arn: arn.to_string(),
        events,
        filter_rules,
    })
}

/// Whether two event names cover a common event (`s3:ObjectCreated:*` covers
/// `s3:ObjectCreated:Put`).
fn events_meet(a: &str, b: &str) -> bool {
    let covers = |wide: &str, narrow: &str| {
        wide.strip_suffix('*')
            .is_some_and(|stem| narrow.starts_with(stem))
    };
    a == b || covers(a, b) || covers(b, a)
}

impl NotificationTarget {
    /// The value of the `prefix` or `suffix` filter rule ("" when there is none).
    fn rule(&self, name: &str) -> &str {
        self.filter_rules
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The event both configurations may be sent for a key of, if any: they share an event
    /// type and one's prefix begins the other's and one's suffix ends the other's, whatever
    /// their destinations.
    fn overlap<'a>(&'a self, other: &NotificationTarget) -> Option<&'a str> {
        let (p, q) = (self.rule("prefix"), other.rule("prefix"));
        let (s, t) = (self.rule("suffix"), other.rule("suffix"));
        if !(p.starts_with(q) || q.starts_with(p)) || !(s.ends_with(t) || t.ends_with(s)) {
            return None;
        }
        self.events
            .iter()
            .find(|e| other.events.iter().any(|o| events_meet(e, o)))
            .map(String::as_str)
    }
}

/// S3 refuses a configuration in which one event could go to two configurations.
fn refuse_overlaps<'a>(targets: impl Iterator<Item = &'a NotificationTarget>) -> S3Result<()> {
    let targets: Vec<&NotificationTarget> = targets.collect();
    for (i, a) in targets.iter().enumerate() {
        for b in &targets[..i] {
            if let Some(event) = b.overlap(a) {
                return Err(invalid_argument(
                    "Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type.",
                    "Event",
                    event,
                ));
            }
        }
    }
    Ok(())
}

impl Notification {
    pub fn from_xml(root: &Element) -> S3Result<Notification> {
        if root.name != "NotificationConfiguration" {
            return Err(S3Error::MalformedXml);
        }
        let mut lists: [Vec<NotificationTarget>; 3] = Default::default();
        for ((elem, arn), list) in KINDS.iter().zip(lists.iter_mut()) {
            for e in root.children_named(elem) {
                list.push(target_of(e, arn)?);
            }
        }
        refuse_overlaps(lists.iter().flatten())?;
        let [topics, queues, lambdas] = lists;
        Ok(Notification {
            topics,
            queues,
            lambdas,
            eventbridge: root.child("EventBridgeConfiguration").is_some(),
        })
    }

    pub fn to_xml(&self) -> String {
        let mut x = XmlWriter::new();
        x.open_ns("NotificationConfiguration", XMLNS);
        let lists = [&self.topics, &self.queues, &self.lambdas];
        for ((elem, arn), list) in KINDS.iter().zip(lists) {
            for t in list {
                x.open(elem).elem("Id", &t.id).elem(arn, &t.arn);
                for ev in &t.events {
                    x.elem("Event", ev);
                }
                if !t.filter_rules.is_empty() {
                    x.open("Filter").open("S3Key");
                    for (n, v) in &t.filter_rules {
                        // Sent in either case, S3 gives the names back capitalised.
                        let name = if n == "prefix" { "Prefix" } else { "Suffix" };
                        x.open("FilterRule")
                            .elem("Name", name)
                            .elem("Value", v)
                            .close();
                    }
                    x.close().close();
                }
                x.close();
            }
        }
        if self.eventbridge {
            x.open("EventBridgeConfiguration").close();
        }
        x.finish()
    }
}

const NOTIFICATION: &str = "notification";

/// Refuses Lambda destinations S3 could not invoke: a function that does not exist, or
/// whose resource policy does not let `s3.amazonaws.com` invoke it for this bucket (asked
/// with a dry run). Topics and queues are not checked: there is no SNS or SQS to ask.
async fn check_functions(s3: &S3, bucket: &str, lambdas: &[NotificationTarget]) -> S3Result<()> {
    let Some(functions) = s3.functions.get() else {
        return Ok(());
    };
    let mut refused = Vec::new();
    for t in lambdas {
        let parts: Vec<&str> = t.arn.splitn(6, ':').collect();
        let scope = match parts.as_slice() {
            [_, _, _, region, account, _] => Region::parse(region).zip(AccountId::parse(account)),
            _ => None,
        };
        let invocable = match scope {
            None => false,
            Some((region, account)) => functions
                .invoke(InvokeRequest {
                    account,
                    region,
                    function: t.arn.clone(),
                    qualifier: None,
                    payload: Bytes::new(),
                    invocation_type: InvocationType::DryRun,
                    log_tail: false,
                    caller: Caller::Service {
                        service: "s3.amazonaws.com".into(),
                        source_arn: format!("arn:aws:s3:::{bucket}"),
                    },
                    endpoint: String::new(),
                })
                .await
                .is_ok(),
        };
        if !invocable {
            // As S3 names them: the ARN and ", null", then why.
            refused.push((
                format!("{}, null", t.arn),
                format!("Not authorized to invoke function [{}]", t.arn),
            ));
        }
    }
    if refused.is_empty() {
        return Ok(());
    }
    Err(ConfigError::UnvalidatedDestinations(refused).into())
}

pub async fn put_notification(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    req: Request,
) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:PutBucketNotification")?;
    let skip = crate::upload::hv(req.headers(), "x-amz-skip-destination-validation")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let config = Notification::from_xml(&xml_body(req).await?)?;
    if !skip {
        check_functions(s3, bucket, &config.lambdas).await?;
    }
    s3.store_config(bucket, NOTIFICATION, Some(config)).await?;
    Ok(empty(StatusCode::OK))
}

pub fn get_notification(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:GetBucketNotification")?;
    let config: Notification = s3.config(bucket, NOTIFICATION)?.unwrap_or_default();
    Ok(xml_response(config.to_xml()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(doc: &str) -> Element {
        crate::xml::parse(doc).unwrap()
    }

    #[test]
    fn notification_documents() {
        let n = Notification::from_xml(&root(
            "<NotificationConfiguration><QueueConfiguration><Id>q</Id><Queue>arn:aws:sqs:us-east-1:000000000000:q</Queue><Event>s3:ObjectCreated:*</Event><Filter><S3Key><FilterRule><Name>Prefix</Name><Value>in/</Value></FilterRule></S3Key></Filter></QueueConfiguration><CloudFunctionConfiguration><CloudFunction>arn:aws:lambda:us-east-1:000000000000:function:f</CloudFunction><Event>s3:ObjectRemoved:Delete</Event></CloudFunctionConfiguration><EventBridgeConfiguration/></NotificationConfiguration>",
        ))
        .unwrap();
        assert_eq!(n.queues[0].filter_rules, [("prefix".into(), "in/".into())]);
        assert_eq!(n.lambdas[0].id.len(), 32);
        assert!(n.eventbridge);
        assert_eq!(Notification::from_xml(&root(&n.to_xml())).unwrap(), n);
        let bad = [
            "<NotificationConfiguration><TopicConfiguration><Topic>arn:aws:sns:us-east-1:000000000000:t</Topic><Event>s3:Nope</Event></TopicConfiguration></NotificationConfiguration>",
            "<NotificationConfiguration><TopicConfiguration><Topic>invalid-topic</Topic><Event>s3:ObjectCreated:*</Event></TopicConfiguration></NotificationConfiguration>",
            "<NotificationConfiguration><TopicConfiguration><Topic>arn</Topic></TopicConfiguration></NotificationConfiguration>",
            "<NotificationConfiguration><TopicConfiguration><Event>s3:ObjectCreated:*</Event></TopicConfiguration></NotificationConfiguration>",
            "<NotificationConfiguration><TopicConfiguration><Topic>arn</Topic><Event>s3:ObjectCreated:*</Event><Filter><S3Key><FilterRule><Name>middle</Name><Value>x</Value></FilterRule></S3Key></Filter></TopicConfiguration></NotificationConfiguration>",
        ];
        for doc in bad {
            assert!(Notification::from_xml(&root(doc)).is_err(), "{doc}");
        }
    }

    #[test]
    fn overlapping_configurations() {
        let queue = |events: &[&str], prefix: &str, suffix: &str| {
            let events: String = events
                .iter()
                .map(|e| format!("<Event>{e}</Event>"))
                .collect();
            let mut rules = String::new();
            for (name, value) in [("prefix", prefix), ("suffix", suffix)] {
                if !value.is_empty() {
                    rules += &format!(
                        "<FilterRule><Name>{name}</Name><Value>{value}</Value></FilterRule>"
                    );
                }
            }
            format!(
                "<QueueConfiguration><Queue>arn:aws:sqs:us-east-1:000000000000:q</Queue>{events}<Filter><S3Key>{rules}</S3Key></Filter></QueueConfiguration>"
            )
        };
        let lambda = "<CloudFunctionConfiguration><CloudFunction>arn:aws:lambda:us-east-1:000000000000:function:f</CloudFunction><Event>s3:ObjectCreated:Put</Event></CloudFunctionConfiguration>";
        let created = ["s3:ObjectCreated:*"];
        // (second configuration, overlaps the first: s3:ObjectCreated:* on in/ … .jpg)
        let cases = [
            (queue(&created, "in/", ".jpg"), true),
            (queue(&["s3:ObjectCreated:Put"], "", ""), true),
            (queue(&created, "in/sub/", ""), true),
            (queue(&created, "in/", "b.jpg"), true),
            (lambda.to_string(), true),
            (queue(&["s3:ObjectRemoved:*"], "in/", ".jpg"), false),
            (queue(&created, "out/", ".jpg"), false),
            (queue(&created, "in/", ".png"), false),
            (queue(&created, "", ".png"), false),
        ];
        for (second, overlaps) in cases {
            let doc = format!(
                "<NotificationConfiguration>{}{second}</NotificationConfiguration>",
                queue(&created, "in/", ".jpg")
            );
            match Notification::from_xml(&root(&doc)) {
                Ok(_) => assert!(!overlaps, "{second}"),
                Err(S3Error::InvalidArgument { message, .. }) => {
                    assert!(overlaps, "{second}");
                    assert!(message.starts_with("Configuration is ambiguously defined."));
                }
                Err(e) => panic!("{second}: {e:?}"),
            }
        }
    }
}
