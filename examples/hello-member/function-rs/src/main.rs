//! The workshop's `api-service-create` function in Rust, for the `provided.al2023` runtime:
//! it picks a random member (a name and a status), writes it to the DynamoDB table
//! `hello-member`, prints it and answers in the Lambda proxy shape with the CORS header, as
//! `function-py/lambda_function.py` does.
//!
//! The event is ignored (a console test event and an API Gateway request are both fine), so it
//! is taken as any JSON value; the answer is a struct of its own rather than
//! `aws_lambda_events`' proxy response, whose `HeaderMap` would lower-case the header name the
//! Python function returns as `Access-Control-Allow-Origin`.

mod dynamodb;
mod endpoint;
mod http_post;
mod sigv4;

use std::collections::BTreeMap;

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde::Serialize;

const TABLE: &str = "hello-member";
const NAMES: [&str; 5] = ["Ama", "Jone", "Zon", "Penny", "Jessie"];
const STATUSES: [&str; 5] = ["Happy", "Sad", "Serious", "Satisfied", "Free"];

/// What the function returns: the Lambda proxy integration's answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ProxyResponse {
    status_code: u16,
    headers: BTreeMap<&'static str, &'static str>,
    body: String,
}

/// The member's JSON as Python's `json.dumps` writes it (`", "` and `": "` separators).
fn member_json(name: &str, status: &str) -> String {
    let quote = |s: &str| serde_json::Value::from(s).to_string();
    format!(
        "{{\"name\": {}, \"status\": {}}}",
        quote(name),
        quote(status)
    )
}

/// The member as Python prints the dict, which is what the log shows.
fn member_repr(name: &str, status: &str) -> String {
    format!("{{'name': '{name}', 'status': '{status}'}}")
}

/// Two indexes in `0..5` from the operating system's random source.
fn pick() -> std::io::Result<(usize, usize)> {
    use std::io::Read;
    let mut bytes = [0u8; 8];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    let [a0, a1, a2, a3, b0, b1, b2, b3] = bytes;
    let a = u32::from_le_bytes([a0, a1, a2, a3]) as usize % NAMES.len();
    let b = u32::from_le_bytes([b0, b1, b2, b3]) as usize % STATUSES.len();
    Ok((a, b))
}

async fn handler(_event: LambdaEvent<serde_json::Value>) -> Result<ProxyResponse, Diagnostic> {
    let (n, s) = pick().map_err(|e| Diagnostic {
        error_type: "OSError".into(),
        error_message: e.to_string(),
    })?;
    let (name, status) = (NAMES[n], STATUSES[s]);
    let env = |k: &str| std::env::var(k).ok();
    let client = dynamodb::Client::from_env(&env)?;
    client
        .put_item(TABLE, &[("name", name), ("status", status)])
        .await?;
    println!("{}", member_repr(name, status));
    Ok(ProxyResponse {
        status_code: 200,
        headers: BTreeMap::from([("Access-Control-Allow-Origin", "*")]),
        body: member_json(name, status),
    })
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::run(service_fn(handler)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_is_what_the_python_function_returns() {
        let r = ProxyResponse {
            status_code: 200,
            headers: BTreeMap::from([("Access-Control-Allow-Origin", "*")]),
            body: member_json("Penny", "Happy"),
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"statusCode":200,"headers":{"Access-Control-Allow-Origin":"*"},"body":"{\"name\": \"Penny\", \"status\": \"Happy\"}"}"#
        );
        assert_eq!(
            member_repr("Penny", "Happy"),
            "{'name': 'Penny', 'status': 'Happy'}"
        );
    }

    #[test]
    fn picks_stay_in_range() {
        for _ in 0..100 {
            let (a, b) = pick().unwrap();
            assert!(a < NAMES.len() && b < STATUSES.len());
        }
    }
}
