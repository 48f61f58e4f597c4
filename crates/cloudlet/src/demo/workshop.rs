//! The workshop's ten steps, each through the public API of one service.

use std::io::Write;

use anyhow::{Context, bail};
use base64::Engine;

use super::client::{Client, expect};

const REGION: &str = "ap-northeast-2";
const ACCOUNT: &str = "000000000000";
const TABLE: &str = "hello-member";
const FUNCTION: &str = "api-service-create";
const ROLE: &str = "my-lambda-role";
const POLICY: &str = "AWSLambdaMicroserviceExecutionRole-hello-member";
const API: &str = "my-api";
const BUCKET: &str = "hello-member-site";
const JQUERY_CDN: &str = "https://ajax.googleapis.com/ajax/libs/jquery/3.3.1/jquery.min.js";
const JQUERY_LOCAL: &str = "jquery-3.3.1.min.js";
const URL_PLACEHOLDER: &str = "URL을입력하세요";

const INDEX_HTML: &str = include_str!("../../../../examples/hello-member/site/index.html");
const JQUERY: &str = include_str!("../../../../examples/hello-member/site/jquery-3.3.1.min.js");
const FUNCTION_CODE: &str =
    include_str!("../../../../examples/hello-member/function-py/lambda_function.py");
const WORKSHOP_POLICY: &str = include_str!("../../../../examples/hello-member/bucket-policy.json");

/// What the demo leaves running.
pub struct Urls {
    pub website: String,
}

fn step(n: usize, what: &str) {
    print!("{n:>2}. {what} ... ");
    let _ = std::io::stdout().flush();
}

fn done(detail: &str) {
    println!("{detail}");
}

pub async fn run(endpoint: &str) -> anyhow::Result<Urls> {
    let c = Client::new(endpoint, REGION)?;
    let port = endpoint
        .rsplit(':')
        .next()
        .unwrap_or("4566")
        .trim_end_matches('/');
    println!("\nThe serverless workshop, region {REGION}:\n");

    step(
        1,
        "DynamoDB: create table hello-member (partition key `name`, String)",
    );
    let r = c
        .target(
            "dynamodb",
            "DynamoDB_20120810.CreateTable",
            serde_json::json!({
                "TableName": TABLE,
                "KeySchema": [{"AttributeName": "name", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "name", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
            }),
        )
        .await?;
    let r = expect(r, "CreateTable", &["ResourceInUseException"])?;
    done(if r.status < 300 {
        "created"
    } else {
        "already there"
    });

    step(
        2,
        "IAM + Lambda: role my-lambda-role, function api-service-create (Python 3.9)",
    );
    let role_arn = create_role(&c).await?;
    create_function(&c, &role_arn).await?;
    done("deployed");

    step(3, "Lambda: test event my-api-test");
    let r = c
        .send(
            "POST",
            &format!("/2015-03-31/functions/{FUNCTION}/invocations"),
            Some("lambda"),
            &[
                ("x-amz-log-type", "Tail"),
                ("content-type", "application/json"),
            ],
            r#"{"key1": "value1", "key2": "value2", "key3": "value3"}"#,
        )
        .await?;
    let r = expect(r, "Invoke", &[])?;
    if r.headers.contains_key("x-amz-function-error") {
        bail!("the function failed: {}", r.text());
    }
    done(&r.text());

    step(
        4,
        "API Gateway: REST API my-api, GET / with Lambda proxy integration",
    );
    let api = create_api(&c).await?;
    done(&format!("api id {}", api.id));

    step(
        5,
        "API Gateway: enable CORS on / (OPTIONS, MOCK integration)",
    );
    enable_cors(&c, &api).await?;
    done("ok");

    step(6, "API Gateway: deploy to stage dev");
    let r = c
        .rest_json(
            "apigateway",
            "POST",
            &format!("/restapis/{}/deployments", api.id),
            Some(serde_json::json!({"stageName": "dev", "description": "workshop"})),
        )
        .await?;
    expect(r, "CreateDeployment", &[])?;
    let api_url = format!("http://{}.execute-api.localhost:{port}/dev/", api.id);
    done(&api_url);

    step(
        7,
        "S3: bucket hello-member-site, Block Public Access off, upload index.html",
    );
    let website_host = create_bucket_and_upload(&c, &api_url).await?;
    done("uploaded");

    step(8, "S3: static website hosting, index document index.html");
    let body = "<WebsiteConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
                <IndexDocument><Suffix>index.html</Suffix></IndexDocument></WebsiteConfiguration>";
    let r = c
        .send("PUT", &format!("/{BUCKET}?website"), Some("s3"), &[], body)
        .await?;
    expect(r, "PutBucketWebsite", &[])?;
    let r = c
        .send("GET", "/", None, &[("host", &website_host)], "")
        .await?;
    let why = if r.status == 403 {
        "nothing grants public read yet"
    } else {
        "the policy of an earlier run still grants public read"
    };
    done(&format!("website answers {} ({why})", r.status));

    step(9, "S3: bucket policy as the workshop writes it");
    let as_written = WORKSHOP_POLICY.replace("my-bucket-238423", BUCKET);
    let r = c
        .send(
            "PUT",
            &format!("/{BUCKET}?policy"),
            Some("s3"),
            &[],
            as_written,
        )
        .await?;
    if r.status < 300 {
        done("accepted (unexpected: AWS refuses it)");
    } else {
        done(&format!(
            "refused as on AWS: {} {}",
            r.error_code().unwrap_or_default(),
            r.error_message()
        ));
        print!("    fixed (Version 2012-10-17, no comments) ... ");
        let r = c
            .send(
                "PUT",
                &format!("/{BUCKET}?policy"),
                Some("s3"),
                &[],
                fixed_policy(),
            )
            .await?;
        expect(r, "PutBucketPolicy", &[])?;
        done("accepted");
    }

    step(10, "Result: the website and the API");
    let r = c
        .send("GET", "/", None, &[("host", &website_host)], "")
        .await?;
    if r.status != 200 {
        bail!("the website answers {}: {}", r.status, r.text());
    }
    let website = format!("http://{BUCKET}.s3-website.localhost:{port}/");
    done(&format!("website answers {}", r.status));

    println!("\nWebsite: {website}");
    println!("API:     {api_url}");
    println!(
        "Items:   aws --endpoint-url {endpoint} --region {REGION} dynamodb scan --table-name {TABLE}"
    );
    Ok(Urls { website })
}

async fn create_role(c: &Client) -> anyhow::Result<String> {
    let trust = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                       "Action": "sts:AssumeRole"}]
    })
    .to_string();
    let r = c
        .query(
            "iam",
            &[
                ("Action", "CreateRole"),
                ("Version", "2010-05-08"),
                ("RoleName", ROLE),
                ("AssumeRolePolicyDocument", &trust),
            ],
        )
        .await?;
    expect(r, "CreateRole", &["EntityAlreadyExists"])?;
    // The console's "Simple microservice permissions - DynamoDB" policy template.
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem",
                       "dynamodb:Scan", "dynamodb:UpdateItem"],
            "Resource": format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/*")
        }]
    })
    .to_string();
    let r = c
        .query(
            "iam",
            &[
                ("Action", "CreatePolicy"),
                ("Version", "2010-05-08"),
                ("PolicyName", POLICY),
                ("Path", "/service-role/"),
                ("PolicyDocument", &policy),
            ],
        )
        .await?;
    expect(r, "CreatePolicy", &["EntityAlreadyExists"])?;
    let policy_arn = format!("arn:aws:iam::{ACCOUNT}:policy/service-role/{POLICY}");
    for arn in [
        &policy_arn[..],
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    ] {
        let r = c
            .query(
                "iam",
                &[
                    ("Action", "AttachRolePolicy"),
                    ("Version", "2010-05-08"),
                    ("RoleName", ROLE),
                    ("PolicyArn", arn),
                ],
            )
            .await?;
        expect(r, "AttachRolePolicy", &[])?;
    }
    Ok(format!("arn:aws:iam::{ACCOUNT}:role/{ROLE}"))
}

/// A zip holding `lambda_function.py`, as the console's Deploy button uploads it.
fn function_zip() -> anyhow::Result<Vec<u8>> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().unix_permissions(0o644);
    w.start_file("lambda_function.py", opts)?;
    w.write_all(FUNCTION_CODE.as_bytes())?;
    Ok(w.finish()?.into_inner())
}

async fn create_function(c: &Client, role_arn: &str) -> anyhow::Result<()> {
    let zip = base64::engine::general_purpose::STANDARD.encode(function_zip()?);
    let r = c
        .rest_json(
            "lambda",
            "POST",
            "/2015-03-31/functions",
            Some(serde_json::json!({
                "FunctionName": FUNCTION,
                "Runtime": "python3.9",
                "Role": role_arn,
                "Handler": "lambda_function.lambda_handler",
                "Code": {"ZipFile": zip},
                "Timeout": 10,
            })),
        )
        .await?;
    let r = expect(r, "CreateFunction", &["ResourceConflictException"])?;
    if r.status >= 300 {
        let r = c
            .rest_json(
                "lambda",
                "PUT",
                &format!("/2015-03-31/functions/{FUNCTION}/code"),
                Some(serde_json::json!({"ZipFile": zip})),
            )
            .await?;
        expect(r, "UpdateFunctionCode", &[])?;
    }
    Ok(())
}

struct Api {
    id: String,
    root: String,
}

async fn create_api(c: &Client) -> anyhow::Result<Api> {
    // Reuse the API of an earlier run so repeated demos stay tidy.
    let r = expect(
        c.rest_json("apigateway", "GET", "/restapis?limit=500", None)
            .await?,
        "GetRestApis",
        &[],
    )?;
    let existing = r.json()["item"]
        .as_array()
        .and_then(|items| items.iter().find(|a| a["name"] == API).cloned());
    let id = match existing {
        Some(a) => a["id"].as_str().unwrap_or_default().to_string(),
        None => {
            let r = c
                .rest_json(
                    "apigateway",
                    "POST",
                    "/restapis",
                    Some(serde_json::json!({"name": API})),
                )
                .await?;
            let r = expect(r, "CreateRestApi", &[])?;
            r.json()["id"]
                .as_str()
                .context("CreateRestApi returned no id")?
                .to_string()
        }
    };
    let r = c
        .rest_json(
            "apigateway",
            "GET",
            &format!("/restapis/{id}/resources"),
            None,
        )
        .await?;
    let r = expect(r, "GetResources", &[])?;
    let root = r.json()["item"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["path"] == "/").cloned())
        .and_then(|i| i["id"].as_str().map(str::to_string))
        .context("the API has no root resource")?;
    let api = Api { id, root };
    let method = format!("/restapis/{}/resources/{}/methods/GET", api.id, api.root);
    let r = c
        .rest_json(
            "apigateway",
            "PUT",
            &method,
            Some(serde_json::json!({"authorizationType": "NONE"})),
        )
        .await?;
    expect(r, "PutMethod", &["ConflictException"])?;
    let function_arn = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}");
    let uri = format!(
        "arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    );
    let r = c
        .rest_json(
            "apigateway",
            "PUT",
            &format!("{method}/integration"),
            Some(serde_json::json!({"type": "AWS_PROXY", "httpMethod": "POST", "uri": uri})),
        )
        .await?;
    expect(r, "PutIntegration", &[])?;
    let r = c
        .rest_json(
            "apigateway",
            "PUT",
            &format!("{method}/responses/200"),
            Some(serde_json::json!({"responseModels": {"application/json": "Empty"}})),
        )
        .await?;
    expect(r, "PutMethodResponse", &["ConflictException"])?;
    // What the console does when it adds the integration: let API Gateway invoke the function.
    let source_arn = format!("arn:aws:execute-api:{REGION}:{ACCOUNT}:{}/*/GET/", api.id);
    let r = c
        .rest_json(
            "lambda",
            "POST",
            &format!("/2015-03-31/functions/{FUNCTION}/policy"),
            Some(serde_json::json!({
                "StatementId": format!("apigateway-{}-get", api.id),
                "Action": "lambda:InvokeFunction",
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": source_arn,
            })),
        )
        .await?;
    expect(r, "AddPermission", &["ResourceConflictException"])?;
    // The method's Test tab.
    let r = c
        .rest_json(
            "apigateway",
            "POST",
            &method,
            Some(serde_json::json!({"pathWithQueryString": "/"})),
        )
        .await?;
    let r = expect(r, "TestInvokeMethod", &[])?;
    let status = r.json()["status"].as_i64().unwrap_or(0);
    if status != 200 {
        bail!("the method's test answered {status}: {}", r.text());
    }
    Ok(api)
}

async fn enable_cors(c: &Client, api: &Api) -> anyhow::Result<()> {
    let method = format!(
        "/restapis/{}/resources/{}/methods/OPTIONS",
        api.id, api.root
    );
    let r = c
        .rest_json(
            "apigateway",
            "PUT",
            &method,
            Some(serde_json::json!({"authorizationType": "NONE"})),
        )
        .await?;
    expect(r, "PutMethod OPTIONS", &["ConflictException"])?;
    let r = c
        .rest_json(
            "apigateway",
            "PUT",
            &format!("{method}/integration"),
            Some(serde_json::json!({
                "type": "MOCK",
                "requestTemplates": {"application/json": "{\"statusCode\": 200}"}
            })),
        )
        .await?;
    expect(r, "PutIntegration MOCK", &[])?;
    let r = c
        .rest_json(
            "apigateway",
            "PUT",
            &format!("{method}/responses/200"),
            Some(serde_json::json!({
                "responseParameters": {
                    "method.response.header.Access-Control-Allow-Headers": false,
                    "method.response.header.Access-Control-Allow-Methods": false,
                    "method.response.header.Access-Control-Allow-Origin": false
                },
                "responseModels": {"application/json": "Empty"}
            })),
        )
        .await?;
    expect(r, "PutMethodResponse OPTIONS", &["ConflictException"])?;
    let r = c
        .rest_json(
            "apigateway",
            "PUT",
            &format!("{method}/integration/responses/200"),
            Some(serde_json::json!({
                "responseParameters": {
                    "method.response.header.Access-Control-Allow-Headers":
                        "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token'",
                    "method.response.header.Access-Control-Allow-Methods": "'GET,OPTIONS'",
                    "method.response.header.Access-Control-Allow-Origin": "'*'"
                }
            })),
        )
        .await?;
    expect(r, "PutIntegrationResponse OPTIONS", &[])?;
    Ok(())
}

/// The workshop's `index.html` with the API URL filled in and jQuery served from the bucket.
pub fn page(api_url: &str) -> String {
    INDEX_HTML
        .replace(URL_PLACEHOLDER, api_url)
        .replace(JQUERY_CDN, JQUERY_LOCAL)
}

async fn create_bucket_and_upload(c: &Client, api_url: &str) -> anyhow::Result<String> {
    let body = format!(
        "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
         <LocationConstraint>{REGION}</LocationConstraint></CreateBucketConfiguration>"
    );
    let r = c
        .send("PUT", &format!("/{BUCKET}"), Some("s3"), &[], body)
        .await?;
    expect(r, "CreateBucket", &["BucketAlreadyOwnedByYou"])?;
    let r = c
        .send(
            "DELETE",
            &format!("/{BUCKET}?publicAccessBlock"),
            Some("s3"),
            &[],
            "",
        )
        .await?;
    expect(r, "DeletePublicAccessBlock", &[])?;
    for (key, ct, body) in [
        ("index.html", "text/html", page(api_url)),
        (JQUERY_LOCAL, "application/javascript", JQUERY.to_string()),
    ] {
        let r = c
            .send(
                "PUT",
                &format!("/{BUCKET}/{key}"),
                Some("s3"),
                &[("content-type", ct)],
                body,
            )
            .await?;
        expect(r, "PutObject", &[])?;
    }
    Ok(format!("{BUCKET}.s3-website.{REGION}.amazonaws.com"))
}

/// The workshop's policy as the user fixes it: a valid version, no comments, their bucket.
fn fixed_policy() -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "Stmt1709405011428",
            "Action": ["s3:GetObject"],
            "Effect": "Allow",
            "Resource": [format!("arn:aws:s3:::{BUCKET}"), format!("arn:aws:s3:::{BUCKET}/*")],
            "Principal": "*"
        }]
    })
    .to_string()
}
