"""The workshop end to end: all ten steps of the walk-through with boto3 and the AWS CLI
against a fresh server (failure steps included), `cloudlet demo`, and a restart."""

import base64
import json

import pytest
from botocore.exceptions import ClientError

from conftest import unique
from workshop_steps import (
    ACCOUNT,
    CORS_HEADERS,
    INDEX_HTML,
    NAMES,
    REGION,
    STATUSES,
    WORKSHOP_POLICY,
    api_get,
    demo_urls,
    fixed_policy,
    function_zip,
    run_demo,
    website_get,
)


def test_the_ten_steps(fresh_server):
    s = fresh_server
    ddb = s.client("dynamodb", REGION)
    iam = s.client("iam", REGION)
    lam = s.client("lambda", REGION)
    apigw = s.client("apigateway", REGION)
    s3 = s.client("s3", REGION)

    # 1. DynamoDB table hello-member, partition key name (String).
    out = s.aws(
        "dynamodb", "create-table", "--table-name", "hello-member",
        "--attribute-definitions", "AttributeName=name,AttributeType=S",
        "--key-schema", "AttributeName=name,KeyType=HASH",
        "--billing-mode", "PAY_PER_REQUEST", region=REGION,
    )
    assert out["TableDescription"]["TableStatus"] == "ACTIVE"
    assert ddb.scan(TableName="hello-member")["Count"] == 0

    # 2. Role from the "Simple microservice permissions - DynamoDB" template, then the function.
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = s.aws("iam", "create-role", "--role-name", "my-lambda-role", "--assume-role-policy-document", json.dumps(trust), region=REGION)["Role"]
    policy = iam.create_policy(
        PolicyName="AWSLambdaMicroserviceExecutionRole-abc",
        Path="/service-role/",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Scan", "dynamodb:UpdateItem"], "Resource": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/*"}]}),
    )["Policy"]
    iam.attach_role_policy(RoleName="my-lambda-role", PolicyArn=policy["Arn"])
    fn = lam.create_function(
        FunctionName="api-service-create", Runtime="python3.9", Role=role["Arn"],
        Handler="lambda_function.lambda_handler", Code={"ZipFile": function_zip()},
    )
    assert fn["FunctionArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:api-service-create"

    # 3. Test event my-api-test from the hello-world template.
    r = lam.invoke(FunctionName="api-service-create", LogType="Tail",
                   Payload=json.dumps({"key1": "value1", "key2": "value2", "key3": "value3"}))
    assert "FunctionError" not in r
    payload = json.loads(r["Payload"].read())
    assert payload["statusCode"] == 200
    assert payload["headers"] == {"Access-Control-Allow-Origin": "*"}
    member = json.loads(payload["body"])
    assert member["name"] in NAMES and member["status"] in STATUSES
    log = base64.b64decode(r["LogResult"]).decode()
    assert f"'name': '{member['name']}'" in log and "REPORT RequestId" in log
    items = ddb.scan(TableName="hello-member")["Items"]
    assert {"name": {"S": member["name"]}, "status": {"S": member["status"]}} in items

    # 4. REST API my-api, GET / with Lambda proxy integration; the Test tab.
    api = apigw.create_rest_api(name="my-api")
    root = next(r for r in apigw.get_resources(restApiId=api["id"])["items"] if r["path"] == "/")
    apigw.put_method(restApiId=api["id"], resourceId=root["id"], httpMethod="GET", authorizationType="NONE")
    uri = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{fn['FunctionArn']}/invocations"
    apigw.put_integration(restApiId=api["id"], resourceId=root["id"], httpMethod="GET", type="AWS_PROXY", integrationHttpMethod="POST", uri=uri)
    apigw.put_method_response(restApiId=api["id"], resourceId=root["id"], httpMethod="GET", statusCode="200", responseModels={"application/json": "Empty"})
    lam.add_permission(FunctionName="api-service-create", StatementId="apigw-get", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com", SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api['id']}/*/GET/")
    t = apigw.test_invoke_method(restApiId=api["id"], resourceId=root["id"], httpMethod="GET", pathWithQueryString="/")
    assert t["status"] == 200
    assert json.loads(t["body"])["name"] in NAMES

    # 5. Enable CORS: OPTIONS with a MOCK integration and the three headers.
    apigw.put_method(restApiId=api["id"], resourceId=root["id"], httpMethod="OPTIONS", authorizationType="NONE")
    apigw.put_integration(restApiId=api["id"], resourceId=root["id"], httpMethod="OPTIONS", type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
    headers = ["Access-Control-Allow-Headers", "Access-Control-Allow-Methods", "Access-Control-Allow-Origin"]
    apigw.put_method_response(restApiId=api["id"], resourceId=root["id"], httpMethod="OPTIONS", statusCode="200",
                              responseParameters={f"method.response.header.{h}": False for h in headers}, responseModels={"application/json": "Empty"})
    apigw.put_integration_response(restApiId=api["id"], resourceId=root["id"], httpMethod="OPTIONS", statusCode="200", responseParameters={
        "method.response.header.Access-Control-Allow-Headers": CORS_HEADERS,
        "method.response.header.Access-Control-Allow-Methods": "'GET,OPTIONS'",
        "method.response.header.Access-Control-Allow-Origin": "'*'",
    })

    # 6. Deploy to stage dev; the invoke URL answers with the function's JSON.
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    assert [st["stageName"] for st in apigw.get_stages(restApiId=api["id"])["item"]] == ["dev"]
    status, hdrs, body = api_get(s, api["id"])
    assert status == 200, body
    assert json.loads(body)["status"] in STATUSES
    assert {k.lower(): v for k, v in hdrs.items()}["access-control-allow-origin"] == "*"
    status, _, body = s.http("GET", f"/_aws/execute-api/{api['id']}/dev/")
    assert status == 200 and json.loads(body)["name"] in NAMES
    status, hdrs, _ = api_get(s, api["id"], method="OPTIONS", headers={"Origin": "http://site.example", "Access-Control-Request-Method": "GET"})
    lower = {k.lower(): v for k, v in hdrs.items()}
    assert status == 200
    assert lower["access-control-allow-methods"] == "GET,OPTIONS"
    assert lower["access-control-allow-origin"] == "*"
    status, _, body = api_get(s, api["id"], path="/dev/nothing-here")
    assert status == 403 and json.loads(body) == {"message": "Missing Authentication Token"}

    # 7. Bucket; Block Public Access is on by default; off; upload index.html.
    bucket = unique("my-bucket")
    s.aws("s3api", "create-bucket", "--bucket", bucket, "--create-bucket-configuration", f"LocationConstraint={REGION}", region=REGION)
    bpa = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert bpa == {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    with pytest.raises(ClientError) as e:
        s3.put_bucket_policy(Bucket=bucket, Policy=fixed_policy(bucket))
    assert e.value.response["Error"]["Code"] == "AccessDenied"
    s3.delete_public_access_block(Bucket=bucket)
    api_url = f"http://{api['id']}.execute-api.localhost:{s.port}/dev/"
    page = INDEX_HTML.replace("URL을입력하세요", api_url)
    s3.put_object(Bucket=bucket, Key="index.html", Body=page.encode(), ContentType="text/html")

    # 8. Website hosting: 403 at first, since nothing grants public read.
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}})
    status, _, body = website_get(s, bucket)
    assert status == 403
    assert b"AccessDenied" in body

    # 9. The policy as written (invalid Version, // comments) is refused; the fixed one is not.
    with pytest.raises(ClientError) as e:
        s3.put_bucket_policy(Bucket=bucket, Policy=WORKSHOP_POLICY.replace("my-bucket-238423", bucket))
    assert e.value.response["Error"]["Code"] == "MalformedPolicy"
    assert e.value.response["Error"]["Message"]
    s3.put_bucket_policy(Bucket=bucket, Policy=fixed_policy(bucket))

    # 10. The website shows the page; each call of the API adds an item.
    status, hdrs, body = website_get(s, bucket)
    assert status == 200
    assert "Hello World From <b>Lambda</b>" in body.decode()
    assert api_url in body.decode()
    before = ddb.scan(TableName="hello-member")["Items"]
    for _ in range(5):
        assert api_get(s, api["id"])[0] == 200
    after = ddb.scan(TableName="hello-member")["Items"]
    assert len(after) >= len(before)
    assert all(i["name"]["S"] in NAMES and i["status"]["S"] in STATUSES for i in after)


def test_demo_command(fresh_server):
    out = run_demo(fresh_server)
    website, api = demo_urls(out)
    assert website == f"http://hello-member-site.s3-website.localhost:{fresh_server.port}/"
    assert "MalformedPolicy" in out
    status, _, body = fresh_server.http("GET", "/", headers={"Host": website.split("//")[1].rstrip("/")})
    assert status == 200
    assert api.encode() in body
    assert b"jquery-3.3.1.min.js" in body and b"googleapis" not in body
    status, _, js = fresh_server.http("GET", "/jquery-3.3.1.min.js", headers={"Host": website.split("//")[1].rstrip("/")})
    assert status == 200 and js.startswith(b"/*! jQuery v3.3.1")
    api_host = api.split("//")[1].split("/")[0]
    status, _, body = fresh_server.http("GET", "/dev/", headers={"Host": api_host})
    assert status == 200 and json.loads(body)["name"] in NAMES
    # Running it again on the same server reuses what is there.
    run_demo(fresh_server)


def test_restart_keeps_the_workshop(durable_server):
    s = durable_server
    website, api = demo_urls(run_demo(s))
    website_host = website.split("//")[1].rstrip("/")
    api_host = api.split("//")[1].split("/")[0]
    assert s.http("GET", "/dev/", headers={"Host": api_host})[0] == 200
    count = s.client("dynamodb", REGION).scan(TableName="hello-member")["Count"]
    assert count >= 1

    s.restart()

    ddb = s.client("dynamodb", REGION)
    assert ddb.describe_table(TableName="hello-member")["Table"]["TableStatus"] == "ACTIVE"
    assert ddb.scan(TableName="hello-member")["Count"] == count
    assert s.http("GET", "/", headers={"Host": website_host})[0] == 200
    status, _, body = s.http("GET", "/dev/", headers={"Host": api_host.replace(str(s.port), str(s.port))})
    assert status == 200 and json.loads(body)["name"] in NAMES
    r = s.client("lambda", REGION).invoke(FunctionName="api-service-create", Payload=b"{}")
    assert json.loads(r["Payload"].read())["statusCode"] == 200
    assert ddb.scan(TableName="hello-member")["Count"] >= count


def test_kill9_keeps_acknowledged_writes(durable_server):
    s = durable_server
    ddb = s.client("dynamodb", REGION)
    ddb.create_table(TableName="kill-nine", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    for i in range(50):
        ddb.put_item(TableName="kill-nine", Item={"k": {"S": f"item-{i}"}})
    s.kill9()
    s.start(s.port)
    assert s.client("dynamodb", REGION).scan(TableName="kill-nine")["Count"] == 50
