"""The workshop's function in Rust (examples/hello-member/function-rs, on `lambda_runtime`):
built with cargo, deployed as a zip holding `bootstrap` on the provided.al2023 runtime, invoked
directly and through an API Gateway Lambda proxy GET, writing its member to `hello-member` as the
Python function does. Also: the workshop's hard-coded endpoint reached through cloudlet's forward
proxy, the function's own SigV4 signatures checked by --strict-auth, and failures reported as
boto3 reports them to the Python function."""

import base64
import io
import json
import os
import re
import shutil
import subprocess
import zipfile

import pytest

from conftest import ROOT, Server
from workshop_steps import ACCOUNT, EXAMPLE, NAMES, REGION, STATUSES, api_get, function_zip

MANIFEST = EXAMPLE / "function-rs" / "Cargo.toml"
TARGET = ROOT / "target"
HELLO_WORLD_EVENT = {"key1": "value1", "key2": "value2", "key3": "value3"}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def zip_bootstrap(binary, mode=0o755):
    """A package holding `binary` as `bootstrap` with Unix `mode`, as Lambda wants it."""
    info = zipfile.ZipInfo("bootstrap", date_time=(2024, 1, 1, 0, 0, 0))
    info.create_system = 3  # Unix, so the mode below is read.
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(info, binary)
    return buf.getvalue()


@pytest.fixture(scope="module")
def bootstrap():
    """The example's binary, built in release mode with the repository's target directory."""
    cargo = shutil.which("cargo")
    if cargo is None:
        pytest.skip("cargo is not installed, so the Rust example cannot be built")
    p = subprocess.run(
        [cargo, "build", "--release", "--locked", "--manifest-path", str(MANIFEST)],
        capture_output=True,
        text=True,
        env=dict(os.environ, CARGO_TARGET_DIR=str(TARGET)),
    )
    assert p.returncode == 0, p.stderr
    return (TARGET / "release" / "bootstrap").read_bytes()


@pytest.fixture(scope="module")
def bootstrap_zip(bootstrap):
    return zip_bootstrap(bootstrap)


def create_table(s):
    s.client("dynamodb", REGION).create_table(
        TableName="hello-member",
        AttributeDefinitions=[{"AttributeName": "name", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "name", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )


def create_role(s):
    iam = s.client("iam", REGION)
    return iam.create_role(RoleName="my-lambda-role", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]


def create_rust_function(s, zip_bytes, role, name="api-service-create", env=None):
    kw = {"Environment": {"Variables": env}} if env else {}
    return s.client("lambda", REGION).create_function(
        FunctionName=name, Runtime="provided.al2023", Role=role, Handler="bootstrap", Code={"ZipFile": zip_bytes}, **kw
    )


def invoke(s, name):
    r = s.client("lambda", REGION).invoke(FunctionName=name, LogType="Tail", Payload=json.dumps(HELLO_WORLD_EVENT))
    return r, json.loads(r["Payload"].read()), base64.b64decode(r["LogResult"]).decode()


def stored(s, name):
    item = s.client("dynamodb", REGION).get_item(TableName="hello-member", Key={"name": {"S": name}}, ConsistentRead=True)
    return item.get("Item")


def assert_member_answer(payload):
    """The Python function's answer: 200, the CORS header, the member as json.dumps writes it."""
    assert set(payload) == {"statusCode", "headers", "body"}
    assert payload["statusCode"] == 200
    assert payload["headers"] == {"Access-Control-Allow-Origin": "*"}
    member = json.loads(payload["body"])
    assert member["name"] in NAMES and member["status"] in STATUSES
    assert payload["body"] == json.dumps({"name": member["name"], "status": member["status"]})
    return member


def test_invoke_directly_and_through_api_gateway(fresh_server, bootstrap_zip):
    s = fresh_server
    create_table(s)
    role = create_role(s)
    fn = create_rust_function(s, bootstrap_zip, role)
    assert (fn["Runtime"], fn["Handler"]) == ("provided.al2023", "bootstrap")
    assert fn["FunctionArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:api-service-create"

    # The console's Test button with the hello-world event.
    r, payload, log = invoke(s, "api-service-create")
    assert "FunctionError" not in r, payload
    member = assert_member_answer(payload)
    assert f"{{'name': '{member['name']}', 'status': '{member['status']}'}}" in log
    assert "REPORT RequestId" in log and "Init Duration" in log
    assert stored(s, member["name"]) == {"name": {"S": member["name"]}, "status": {"S": member["status"]}}

    # The Python function answers in the same shape.
    s.client("lambda", REGION).create_function(
        FunctionName="api-service-create-py", Runtime="python3.9", Role=role,
        Handler="lambda_function.lambda_handler", Code={"ZipFile": function_zip()},
    )
    _, py_payload, _ = invoke(s, "api-service-create-py")
    assert_member_answer(py_payload)

    # GET / with the Lambda proxy integration, deployed to stage dev.
    ag = s.client("apigateway", REGION)
    api = ag.create_rest_api(name="my-api")["id"]
    root = next(r["id"] for r in ag.get_resources(restApiId=api)["items"] if r["path"] == "/")
    ag.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    uri = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{fn['FunctionArn']}/invocations"
    ag.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="AWS_PROXY", integrationHttpMethod="POST", uri=uri)
    s.client("lambda", REGION).add_permission(
        FunctionName="api-service-create", StatementId="apigw-get", Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com", SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api}/*/GET/",
    )
    ag.create_deployment(restApiId=api, stageName="dev")
    status, headers, body = api_get(s, api)
    assert status == 200, body
    assert {k.lower(): v for k, v in headers.items()}["access-control-allow-origin"] == "*"
    member = json.loads(body)
    assert body.decode() == json.dumps({"name": member["name"], "status": member["status"]})
    assert stored(s, member["name"]) == {"name": {"S": member["name"]}, "status": {"S": member["status"]}}

    # The console's Test tab of the method.
    t = ag.test_invoke_method(restApiId=api, resourceId=root, httpMethod="GET", pathWithQueryString="/")
    assert t["status"] == 200 and json.loads(t["body"])["name"] in NAMES


def test_hard_coded_endpoint_through_the_forward_proxy(fresh_server, bootstrap_zip):
    """Without AWS_ENDPOINT_URL the function calls http://dynamodb.ap-northeast-2.amazonaws.com,
    as the Python one does; only HTTP_PROXY (cloudlet's own address) gets it there."""
    s = fresh_server
    create_table(s)
    create_rust_function(s, bootstrap_zip, create_role(s), env={"AWS_ENDPOINT_URL": ""})
    r, payload, _ = invoke(s, "api-service-create")
    assert "FunctionError" not in r, payload
    member = assert_member_answer(payload)
    assert stored(s, member["name"]) == {"name": {"S": member["name"]}, "status": {"S": member["status"]}}


def test_signatures_pass_strict_auth(bootstrap_zip):
    """With --strict-auth the PutItem is served only if the function signed it right with the
    role's session credentials."""
    s = Server(extra_args=["--strict-auth"]).start()
    try:
        create_table(s)
        create_rust_function(s, bootstrap_zip, create_role(s))
        r, payload, _ = invoke(s, "api-service-create")
        assert "FunctionError" not in r, payload
        member = assert_member_answer(payload)
        assert stored(s, member["name"]) == {"name": {"S": member["name"]}, "status": {"S": member["status"]}}
    finally:
        s.stop()


def test_failures_read_as_boto3_reports_them(fresh_server, bootstrap_zip):
    s = fresh_server
    role = create_role(s)
    # No table yet: the Python function's error, word for word.
    create_rust_function(s, bootstrap_zip, role)
    s.client("lambda", REGION).create_function(
        FunctionName="api-service-create-py", Runtime="python3.9", Role=role,
        Handler="lambda_function.lambda_handler", Code={"ZipFile": function_zip()},
    )
    r, payload, _ = invoke(s, "api-service-create")
    assert r["FunctionError"] == "Unhandled"
    _, py_payload, _ = invoke(s, "api-service-create-py")
    assert py_payload["errorType"] == "ResourceNotFoundException"
    assert payload == {"errorType": "ResourceNotFoundException", "errorMessage": py_payload["errorMessage"]}
    assert "(ResourceNotFoundException) when calling the PutItem operation" in payload["errorMessage"]

    # An endpoint the function cannot reach without TLS is named in the error.
    create_rust_function(
        s, bootstrap_zip, role, name="https-endpoint",
        env={"AWS_ENDPOINT_URL_DYNAMODB": "https://dynamodb.ap-northeast-2.amazonaws.com"},
    )
    r, payload, _ = invoke(s, "https-endpoint")
    assert r["FunctionError"] == "Unhandled"
    assert payload == {
        "errorType": "ValueError",
        "errorMessage": "AWS_ENDPOINT_URL_DYNAMODB is not a URL this function can use: "
        "https is not supported (the function has no TLS); use http://",
    }


def test_bootstrap_without_execute_bits(fresh_server, bootstrap):
    """A package zipped without the execute bits fails as on AWS."""
    s = fresh_server
    create_table(s)
    create_rust_function(s, zip_bootstrap(bootstrap, mode=0o644), create_role(s))
    r, payload, log = invoke(s, "api-service-create")
    assert r["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.InvalidEntrypoint"
    assert re.fullmatch(r"RequestId: [0-9a-f-]{36} Error: fork/exec /var/task/bootstrap: permission denied", payload["errorMessage"])
    assert "Error Type: Runtime.InvalidEntrypoint" in log
    assert s.client("dynamodb", REGION).scan(TableName="hello-member")["Count"] == 0
