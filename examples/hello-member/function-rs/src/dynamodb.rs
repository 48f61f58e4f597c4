//! The one DynamoDB call the function makes, `PutItem` of string attributes, in the
//! `awsJson1_0` protocol and SigV4-signed, with the credentials, region and route the Lambda
//! environment gives.
//!
//! Failures read as boto3 reports them to the Python function (the modeled exception or
//! `ClientError`, `EndpointConnectionError`, `NoCredentialsError`, `NoRegionError`), so both
//! versions fail alike.

use lambda_runtime::Diagnostic;

use crate::endpoint::{self, Route};
use crate::http_post;
use crate::sigv4::{self, Credentials, Scope};

/// A DynamoDB client for one region.
pub struct Client {
    route: Route,
    region: String,
    creds: Credentials,
}

fn failure(error_type: &str, error_message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        error_type: error_type.into(),
        error_message: error_message.into(),
    }
}

impl Client {
    /// A client configured from the environment, looked up through `env`.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Client, Diagnostic> {
        let set = |k: &str| env(k).filter(|v| !v.is_empty());
        let route = endpoint::resolve(env).map_err(|e| failure("ValueError", e.to_string()))?;
        let region = set("AWS_REGION")
            .or_else(|| set("AWS_DEFAULT_REGION"))
            .ok_or_else(|| failure("NoRegionError", "You must specify a region."))?;
        let (Some(access_key_id), Some(secret_access_key)) =
            (set("AWS_ACCESS_KEY_ID"), set("AWS_SECRET_ACCESS_KEY"))
        else {
            return Err(failure(
                "NoCredentialsError",
                "Unable to locate credentials",
            ));
        };
        Ok(Client {
            route,
            region,
            creds: Credentials {
                access_key_id,
                secret_access_key,
                session_token: set("AWS_SESSION_TOKEN"),
            },
        })
    }

    /// Writes an item of string attributes `item` to `table`.
    pub async fn put_item(&self, table: &str, item: &[(&str, &str)]) -> Result<(), Diagnostic> {
        let body = put_item_body(table, item);
        let host = self.route.endpoint.authority();
        let mut headers = vec![
            ("content-type", "application/x-amz-json-1.0"),
            ("host", host.as_str()),
            ("x-amz-target", "DynamoDB_20120810.PutItem"),
        ];
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let request = sigv4::Request {
            method: "POST",
            path: &self.route.endpoint.path,
            headers: &headers,
            body: &body,
        };
        let scope = Scope {
            region: &self.region,
            service: "dynamodb",
        };
        let signed = sigv4::sign(&request, &scope, &self.creds, now);
        headers.extend(signed.iter().map(|(k, v)| (*k, v.as_str())));
        let reply = http_post::post(&self.route, &headers, body)
            .await
            .map_err(|e| {
                failure(
                    "EndpointConnectionError",
                    format!(
                        "Could not connect to the endpoint URL: \"http://{host}{}\" ({e})",
                        self.route.endpoint.path
                    ),
                )
            })?;
        if reply.status == 200 {
            return Ok(());
        }
        let (code, message) = error_of(reply.status, &reply.body);
        Err(failure(
            exception_name(&code),
            format!("An error occurred ({code}) when calling the PutItem operation: {message}"),
        ))
    }
}

/// The errors DynamoDB's model lists for `PutItem`: boto3 raises each as an exception class
/// of its own name (which the Python runtime reports as the `errorType`); any other code is a
/// plain `ClientError`.
const PUT_ITEM_ERRORS: [&str; 9] = [
    "ConditionalCheckFailedException",
    "ProvisionedThroughputExceededException",
    "ResourceNotFoundException",
    "ItemCollectionSizeLimitExceededException",
    "TransactionConflictException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ReplicatedWriteConflictException",
    "ThrottlingException",
];

fn exception_name(code: &str) -> &str {
    if PUT_ITEM_ERRORS.contains(&code) {
        code
    } else {
        "ClientError"
    }
}

/// The `PutItem` request body.
fn put_item_body(table: &str, item: &[(&str, &str)]) -> Vec<u8> {
    let item: serde_json::Map<String, serde_json::Value> = item
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::json!({ "S": v })))
        .collect();
    serde_json::json!({ "TableName": table, "Item": item })
        .to_string()
        .into_bytes()
}

/// The error code (`__type` after its `#`) and message of a DynamoDB error answer.
fn error_of(status: u16, body: &[u8]) -> (String, String) {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let code = v["__type"]
        .as_str()
        .map(|t| t.rsplit('#').next().unwrap_or(t).to_string())
        .unwrap_or_else(|| status.to_string());
    let message = v["message"]
        .as_str()
        .or_else(|| v["Message"].as_str())
        .unwrap_or("Unknown")
        .to_string();
    (code, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Vars = &'static [(&'static str, &'static str)];

    #[test]
    fn body() {
        assert_eq!(
            String::from_utf8(put_item_body(
                "hello-member",
                &[("name", "Zon"), ("status", "Free")]
            ))
            .unwrap(),
            r#"{"Item":{"name":{"S":"Zon"},"status":{"S":"Free"}},"TableName":"hello-member"}"#
        );
    }

    #[test]
    fn errors() {
        let cases: &[(u16, &str, &str, &str)] = &[
            (
                400,
                r#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}"#,
                "ResourceNotFoundException",
                "Requested resource not found",
            ),
            (
                400,
                r#"{"__type":"com.amazon.coral.service#UnrecognizedClientException","Message":"The security token included in the request is invalid."}"#,
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            ),
            (502, "<html>Bad Gateway</html>", "502", "Unknown"),
        ];
        for (status, body, code, message) in cases {
            assert_eq!(
                error_of(*status, body.as_bytes()),
                (code.to_string(), message.to_string()),
                "{body}"
            );
        }
        assert_eq!(
            exception_name("ResourceNotFoundException"),
            "ResourceNotFoundException"
        );
        assert_eq!(exception_name("UnrecognizedClientException"), "ClientError");
    }

    #[test]
    fn configuration_from_the_environment() {
        let vars = |pairs: Vars| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let missing: &[(Vars, &str, &str)] = &[
            (
                &[("AWS_ACCESS_KEY_ID", "a"), ("AWS_SECRET_ACCESS_KEY", "s")],
                "NoRegionError",
                "You must specify a region.",
            ),
            (
                &[("AWS_REGION", "ap-northeast-2"), ("AWS_ACCESS_KEY_ID", "a")],
                "NoCredentialsError",
                "Unable to locate credentials",
            ),
        ];
        for (pairs, kind, message) in missing {
            let Err(e) = Client::from_env(&vars(pairs)) else {
                panic!("{pairs:?} configured a client");
            };
            assert_eq!(
                (e.error_type.as_str(), e.error_message.as_str()),
                (*kind, *message)
            );
        }
        let c = Client::from_env(&vars(&[
            ("AWS_DEFAULT_REGION", "ap-northeast-2"),
            ("AWS_ACCESS_KEY_ID", "a"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
            ("AWS_SESSION_TOKEN", ""),
        ]))
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(c.region, "ap-northeast-2");
        assert_eq!(c.creds.session_token, None);
    }
}
