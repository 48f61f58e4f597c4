//! Tests of method execution with a fake `LambdaInvoker`: the proxy event checked against
//! the published `aws_lambda_events` type, and the mapping of the function's answers
//! (headers, multiValueHeaders, base64 bodies, malformed answers, missing permissions).

use std::collections::BTreeMap;
use std::sync::Mutex;

use aws_lambda_events::apigw::ApiGatewayProxyRequest;
use bytes::Bytes;
use cloudlet_core::traits::{Caller, InvokeRequest, InvokeResult, LambdaInvoker};
use cloudlet_core::{AwsError, BoxFuture};

use super::{Call, run};
use crate::model::{Integration, Method, Resource, RestApi};

/// Answers every invocation with `answer`, remembering the requests.
struct FakeLambda {
    answer: Result<InvokeResult, AwsError>,
    seen: Mutex<Vec<InvokeRequest>>,
}

impl FakeLambda {
    fn ok(payload: &str, function_error: Option<&str>) -> FakeLambda {
        FakeLambda {
            answer: Ok(InvokeResult {
                status: 200,
                payload: Bytes::from(payload.to_string()),
                function_error: function_error.map(str::to_string),
                log_result: None,
                executed_version: "$LATEST".into(),
            }),
            seen: Mutex::new(Vec::new()),
        }
    }
}

impl LambdaInvoker for FakeLambda {
    fn invoke(&self, req: InvokeRequest) -> BoxFuture<'_, Result<InvokeResult, AwsError>> {
        self.seen.lock().unwrap().push(req);
        let answer = self.answer.clone();
        Box::pin(async move { answer })
    }
}

const FUNCTION: &str = "arn:aws:lambda:ap-northeast-2:000000000000:function:api-service-create";

fn call() -> Call {
    let integration = Integration {
        kind: "AWS_PROXY".into(),
        http_method: Some("POST".into()),
        uri: Some(format!(
            "arn:aws:apigateway:ap-northeast-2:lambda:path/2015-03-31/functions/{FUNCTION}/invocations"
        )),
        ..Integration::default()
    };
    Call {
        api: RestApi {
            id: "a1b2c3d4e5".into(),
            binary_media_types: vec!["image/png".into()],
            ..RestApi::default()
        },
        account: "000000000000".into(),
        region: "ap-northeast-2".into(),
        resource: Resource {
            id: "r1r2r3r4r5".into(),
            path: "/members/{id}".into(),
            ..Resource::default()
        },
        method: Method {
            http_method: "GET".into(),
            authorization_type: "NONE".into(),
            method_integration: Some(integration),
            ..Method::default()
        },
        http_method: "GET".into(),
        path: "/members/42".into(),
        context_path: "/dev/members/42".into(),
        query: vec![
            ("a".into(), "1".into()),
            ("a".into(), "2".into()),
            ("b".into(), "x".into()),
        ],
        headers: vec![
            ("accept".into(), "application/json".into()),
            ("user-agent".into(), "Mozilla/5.0".into()),
            ("x-multi".into(), "one".into()),
            ("x-multi".into(), "two".into()),
        ],
        body: Bytes::from_static(b"{\"hello\": 1}"),
        path_params: BTreeMap::from([("id".to_string(), "42".to_string())]),
        stage: "dev".into(),
        deployment_id: Some("dep123".into()),
        stage_variables: BTreeMap::from([("env".to_string(), "dev".to_string())]),
        source_ip: "127.0.0.1".into(),
        domain_name: "a1b2c3d4e5.execute-api.localhost".into(),
        request_id: "req-1".into(),
        endpoint: "http://127.0.0.1:4566".into(),
        identity_extra: Default::default(),
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn proxy_event_matches_the_published_type() {
    let fake = FakeLambda::ok(r#"{"statusCode": 200, "body": "ok"}"#, None);
    let out = block_on(run(&call(), &fake));
    assert_eq!(out.status, 200);
    let seen = fake.seen.lock().unwrap();
    let req = &seen[0];
    assert_eq!(req.function, FUNCTION);
    assert_eq!(req.account.as_str(), "000000000000");
    assert_eq!(req.region.as_str(), "ap-northeast-2");
    match &req.caller {
        Caller::Service {
            service,
            source_arn,
        } => {
            assert_eq!(service, "apigateway.amazonaws.com");
            assert_eq!(
                source_arn,
                "arn:aws:execute-api:ap-northeast-2:000000000000:a1b2c3d4e5/dev/GET/members/{id}"
            );
        }
        other => panic!("caller {other:?}"),
    }

    let ev: ApiGatewayProxyRequest = serde_json::from_slice(&req.payload).unwrap();
    assert_eq!(ev.resource.as_deref(), Some("/members/{id}"));
    assert_eq!(ev.path.as_deref(), Some("/members/42"));
    assert_eq!(ev.http_method, http::Method::GET);
    assert_eq!(ev.headers.get("user-agent").unwrap(), "Mozilla/5.0");
    let multi: Vec<_> = ev.multi_value_headers.get_all("x-multi").iter().collect();
    assert_eq!(multi, ["one", "two"]);
    assert_eq!(ev.query_string_parameters.first("a"), Some("2"));
    assert_eq!(
        ev.multi_value_query_string_parameters.all("a"),
        Some(vec!["1", "2"])
    );
    assert_eq!(ev.path_parameters.get("id").map(String::as_str), Some("42"));
    assert_eq!(
        ev.stage_variables.get("env").map(String::as_str),
        Some("dev")
    );
    assert_eq!(ev.body.as_deref(), Some("{\"hello\": 1}"));
    assert!(!ev.is_base64_encoded);
    assert!(ev.other.is_empty(), "unexpected members {:?}", ev.other);

    let rc = &ev.request_context;
    assert_eq!(rc.account_id.as_deref(), Some("000000000000"));
    assert_eq!(rc.resource_id.as_deref(), Some("r1r2r3r4r5"));
    assert_eq!(rc.resource_path.as_deref(), Some("/members/{id}"));
    assert_eq!(rc.stage.as_deref(), Some("dev"));
    assert_eq!(rc.path.as_deref(), Some("/dev/members/42"));
    assert_eq!(rc.protocol.as_deref(), Some("HTTP/1.1"));
    assert_eq!(rc.request_id.as_deref(), Some("req-1"));
    assert_eq!(rc.apiid.as_deref(), Some("a1b2c3d4e5"));
    assert_eq!(
        rc.domain_name.as_deref(),
        Some("a1b2c3d4e5.execute-api.localhost")
    );
    assert_eq!(rc.domain_prefix.as_deref(), Some("a1b2c3d4e5"));
    assert_eq!(rc.http_method, http::Method::GET);
    assert!(rc.request_time_epoch > 1_500_000_000_000);
    let time = rc.request_time.as_deref().unwrap();
    assert_eq!(time.len(), "25/Nov/2026:07:45:50 +0000".len(), "{time}");
    let mut extra: Vec<&str> = rc.other.keys().map(String::as_str).collect();
    extra.sort();
    assert_eq!(extra, ["deploymentId", "extendedRequestId"]);
    assert_eq!(rc.identity.source_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(rc.identity.user_agent.as_deref(), Some("Mozilla/5.0"));
    assert_eq!(rc.identity.caller, None);
    let ids: Vec<&str> = rc.identity.other.keys().map(String::as_str).collect();
    assert_eq!(ids, ["principalOrgId"]);

    // The raw JSON keeps AWS's nulls where a request has nothing.
    let mut bare = call();
    bare.query.clear();
    bare.path_params.clear();
    bare.stage_variables.clear();
    bare.body = Bytes::new();
    let fake = FakeLambda::ok(r#"{"statusCode": 200}"#, None);
    block_on(run(&bare, &fake));
    let v: serde_json::Value =
        serde_json::from_slice(&fake.seen.lock().unwrap()[0].payload).unwrap();
    for key in [
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "body",
    ] {
        assert!(v[key].is_null(), "{key}: {}", v[key]);
    }
    assert_eq!(v["isBase64Encoded"], false);
    assert!(v["requestContext"]["identity"]["cognitoIdentityPoolId"].is_null());
    assert!(v["requestContext"]["identity"]["accessKey"].is_null());
}

#[test]
fn binary_request_bodies_are_base64() {
    let mut c = call();
    c.headers.push(("content-type".into(), "image/png".into()));
    c.body = Bytes::from_static(b"\x89PNG");
    let fake = FakeLambda::ok(r#"{"statusCode": 200}"#, None);
    block_on(run(&c, &fake));
    let ev: ApiGatewayProxyRequest =
        serde_json::from_slice(&fake.seen.lock().unwrap()[0].payload).unwrap();
    assert!(ev.is_base64_encoded);
    assert_eq!(ev.body.as_deref(), Some("iVBORw=="));
}

fn header<'a>(out: &'a super::Outcome, name: &str) -> Vec<&'a str> {
    out.headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .collect()
}

#[test]
fn function_answers_map_to_http() {
    // (payload, function error, accept header, status, body, [(header, values)])
    type Case<'a> = (
        &'a str,
        Option<&'a str>,
        &'a str,
        u16,
        &'a [u8],
        &'a [(&'a str, &'a [&'a str])],
    );
    let cases: &[Case] = &[
        (
            r#"{"statusCode": 200, "headers": {"Access-Control-Allow-Origin": "*"}, "body": "{\"name\": \"Penny\"}"}"#,
            None,
            "application/json",
            200,
            b"{\"name\": \"Penny\"}",
            &[
                ("Access-Control-Allow-Origin", &["*"]),
                ("Content-Type", &["application/json"]),
            ],
        ),
        (
            r#"{"statusCode": 201, "headers": {"X-A": "h", "Content-Type": "text/plain"}, "multiValueHeaders": {"X-A": ["m1", "m2"], "X-B": ["b"]}, "body": "hi"}"#,
            None,
            "*/*",
            201,
            b"hi",
            &[
                ("X-A", &["m1", "m2"]),
                ("X-B", &["b"]),
                ("Content-Type", &["text/plain"]),
            ],
        ),
        (
            r#"{"statusCode": 200, "isBase64Encoded": true, "headers": {"Content-Type": "image/png"}, "body": "iVBORw=="}"#,
            None,
            "image/png",
            200,
            b"\x89PNG",
            &[("Content-Type", &["image/png"])],
        ),
        (
            r#"{"statusCode": 200, "isBase64Encoded": true, "body": "iVBORw=="}"#,
            None,
            "application/json",
            200,
            b"iVBORw==",
            &[],
        ),
        (
            r#"{"body": "no status"}"#,
            None,
            "*/*",
            502,
            b"{\"message\":\"Internal server error\"}",
            &[("x-amzn-ErrorType", &["InternalServerErrorException"])],
        ),
        (
            "not json at all",
            None,
            "*/*",
            502,
            b"{\"message\":\"Internal server error\"}",
            &[],
        ),
        (
            r#"{"errorMessage": "boom", "errorType": "RuntimeError"}"#,
            Some("Unhandled"),
            "*/*",
            502,
            b"{\"message\":\"Internal server error\"}",
            &[],
        ),
    ];
    for (payload, ferr, accept, status, body, headers) in cases {
        let mut c = call();
        c.headers.push(("accept".into(), accept.to_string()));
        let fake = FakeLambda::ok(payload, *ferr);
        let out = block_on(run(&c, &fake));
        assert_eq!(out.status, *status, "{payload}");
        assert_eq!(&out.body[..], *body, "{payload}");
        for (name, values) in *headers {
            assert_eq!(header(&out, name), *values, "{payload}: {name}");
        }
        if *status == 502 {
            assert!(
                out.log
                    .iter()
                    .any(|l| l.contains("Malformed Lambda proxy response")),
                "{payload}: {:?}",
                out.log
            );
        }
    }
}

#[test]
fn invoker_errors_are_500() {
    let cases = [
        (
            AwsError::new(403, "AccessDeniedException", "not allowed"),
            "Execution failed due to configuration error: Invalid permissions on Lambda function",
        ),
        (
            AwsError::new(404, "ResourceNotFoundException", "Function not found"),
            "Execution failed due to configuration error: Function not found",
        ),
    ];
    for (err, log) in cases {
        let fake = FakeLambda {
            answer: Err(err),
            seen: Mutex::new(Vec::new()),
        };
        let out = block_on(run(&call(), &fake));
        assert_eq!(out.status, 500);
        assert_eq!(&out.body[..], b"{\"message\":\"Internal server error\"}");
        assert!(out.log.iter().any(|l| l.contains(log)), "{:?}", out.log);
        assert!(
            out.log
                .last()
                .unwrap()
                .ends_with("Method completed with status: 500")
        );
    }
}
