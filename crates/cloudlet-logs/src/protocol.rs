//! The awsJson1_1 wire side of CloudWatch Logs: `X-Amz-Target: Logs_20140328.{Operation}`
//! plus a JSON body, decoded into a typed [`Op`]. Knows shapes and validation, not state.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::LogsError;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupInput {
    pub log_group_name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeGroupsInput {
    pub log_group_name_prefix: Option<String>,
    pub limit: Option<i64>,
    pub next_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamInput {
    pub log_group_name: Option<String>,
    pub log_stream_name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeStreamsInput {
    pub log_group_name: Option<String>,
    pub log_group_identifier: Option<String>,
    pub log_stream_name_prefix: Option<String>,
    pub order_by: Option<String>,
    pub descending: Option<bool>,
    pub limit: Option<i64>,
    pub next_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InputEvent {
    pub timestamp: Option<i64>,
    pub message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutEventsInput {
    pub log_group_name: Option<String>,
    pub log_stream_name: Option<String>,
    pub log_events: Option<Vec<InputEvent>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetEventsInput {
    pub log_group_name: Option<String>,
    pub log_group_identifier: Option<String>,
    pub log_stream_name: Option<String>,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    pub next_token: Option<String>,
    pub limit: Option<i64>,
    pub start_from_head: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterEventsInput {
    pub log_group_name: Option<String>,
    pub log_group_identifier: Option<String>,
    pub log_stream_names: Option<Vec<String>>,
    pub log_stream_name_prefix: Option<String>,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    pub filter_pattern: Option<String>,
    pub next_token: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionInput {
    pub log_group_name: Option<String>,
    pub retention_in_days: Option<i64>,
}

/// A decoded Logs operation.
#[derive(Debug)]
pub enum Op {
    CreateLogGroup(GroupInput),
    DeleteLogGroup(GroupInput),
    DescribeLogGroups(DescribeGroupsInput),
    CreateLogStream(StreamInput),
    DeleteLogStream(StreamInput),
    DescribeLogStreams(DescribeStreamsInput),
    PutLogEvents(PutEventsInput),
    GetLogEvents(GetEventsInput),
    FilterLogEvents(FilterEventsInput),
    PutRetentionPolicy(RetentionInput),
    DeleteRetentionPolicy(GroupInput),
}

fn input<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, LogsError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| LogsError::Serialization(e.to_string()))
}

/// Decodes the operation named by `target` with its JSON `body`.
pub fn parse(target: Option<&str>, body: &[u8]) -> Result<Op, LogsError> {
    let name = target
        .and_then(|t| t.strip_prefix("Logs_20140328."))
        .unwrap_or("");
    Ok(match name {
        "CreateLogGroup" => Op::CreateLogGroup(input(body)?),
        "DeleteLogGroup" => Op::DeleteLogGroup(input(body)?),
        "DescribeLogGroups" => Op::DescribeLogGroups(input(body)?),
        "CreateLogStream" => Op::CreateLogStream(input(body)?),
        "DeleteLogStream" => Op::DeleteLogStream(input(body)?),
        "DescribeLogStreams" => Op::DescribeLogStreams(input(body)?),
        "PutLogEvents" => Op::PutLogEvents(input(body)?),
        "GetLogEvents" => Op::GetLogEvents(input(body)?),
        "FilterLogEvents" => Op::FilterLogEvents(input(body)?),
        "PutRetentionPolicy" => Op::PutRetentionPolicy(input(body)?),
        "DeleteRetentionPolicy" => Op::DeleteRetentionPolicy(input(body)?),
        other => {
            return Err(LogsError::UnknownOperation(format!(
                "The operation {other} is not supported by cloudlet's CloudWatch Logs"
            )));
        }
    })
}

/// A required member.
pub fn required<'a>(v: &'a Option<String>, member: &str) -> Result<&'a str, LogsError> {
    v.as_deref().ok_or_else(|| LogsError::missing(member))
}

/// A log group name as AWS constrains it: 1–512 of `[\.\-_/#A-Za-z0-9]`.
pub fn group_name(name: &str) -> Result<&str, LogsError> {
    let ok = !name.is_empty()
        && name.len() <= 512
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'/' | b'#'));
    if ok {
        Ok(name)
    } else {
        Err(LogsError::validation(
            name,
            "logGroupName",
            "Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+",
        ))
    }
}

/// The group named by `logGroupName` or by `logGroupIdentifier` (a name or an ARN).
pub fn group_of<'a>(
    name: &'a Option<String>,
    ident: &'a Option<String>,
) -> Result<&'a str, LogsError> {
    if let Some(n) = name.as_deref() {
        return group_name(n);
    }
    let Some(id) = ident.as_deref() else {
        return Err(LogsError::InvalidParameter(
            "Either logGroupName or logGroupIdentifier should be provided".into(),
        ));
    };
    let name = match id.split_once(":log-group:") {
        Some((_, rest)) => rest.strip_suffix(":*").unwrap_or(rest),
        None => id,
    };
    group_name(name)
}

/// A log stream name as AWS constrains it: 1–512 characters, no `:` or `*` (nor NUL).
pub fn stream_name(name: &str) -> Result<&str, LogsError> {
    let ok = !name.is_empty() && name.len() <= 512 && !name.contains([':', '*', '\0']);
    if ok {
        Ok(name)
    } else {
        Err(LogsError::validation(
            name,
            "logStreamName",
            "Member must satisfy regular expression pattern: [^:*]*",
        ))
    }
}

/// A page size within `1..=max`, `default` when absent.
pub fn limit(v: Option<i64>, max: i64, default: i64) -> Result<usize, LogsError> {
    match v {
        None => Ok(default as usize),
        Some(n) if (1..=max).contains(&n) => Ok(n as usize),
        Some(n) => Err(LogsError::validation(
            &n.to_string(),
            "limit",
            &format!("Member must have value less than or equal to {max}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_names() {
        let cases = [
            ("/aws/lambda/hello", true),
            ("a#b.c_d-e", true),
            ("", false),
            ("has space", false),
            ("semi;colon", false),
        ];
        for (name, ok) in cases {
            assert_eq!(group_name(name).is_ok(), ok, "{name}");
        }
        let arn = Some("arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f:*".to_string());
        assert_eq!(group_of(&None, &arn).ok(), Some("/aws/lambda/f"));
    }

    #[test]
    fn unknown_operation() {
        assert!(matches!(
            parse(Some("Logs_20140328.StartQuery"), b"{}"),
            Err(LogsError::UnknownOperation(_))
        ));
        assert!(matches!(
            parse(Some("Logs_20140328.CreateLogGroup"), b"{"),
            Err(LogsError::Serialization(_))
        ));
    }
}
