"""API Gateway (REST v1): the control plane through boto3 and the AWS CLI, the execute-api data
plane (MOCK and Lambda proxy integrations, CORS preflight, routing, errors), the console's
TestInvokeMethod, and restart survival."""

import io
import json
import re
import zipfile

import pytest
from botocore.exceptions import ClientError

from conftest import error_of, unique

REGION = "ap-northeast-2"
ACCOUNT = "000000000000"
CORS_HEADERS = "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token'"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:api-service-create"


def lambda_uri(function_arn, region=REGION):
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def apigw(server, region=REGION):
    return server.client("apigateway", region=region)


def enable_cors(ag, api, resource, methods="'GET,OPTIONS'"):
    """What the console's "Enable CORS" creates: OPTIONS + MOCK + the three headers."""
    ag.put_method(restApiId=api, resourceId=resource, httpMethod="OPTIONS", authorizationType="NONE")
    ag.put_integration(
        restApiId=api,
        resourceId=resource,
        httpMethod="OPTIONS",
        type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
    )
    ag.put_method_response(
        restApiId=api,
        resourceId=resource,
        httpMethod="OPTIONS",
        statusCode="200",
        responseParameters={
            "method.response.header.Access-Control-Allow-Headers": True,
            "method.response.header.Access-Control-Allow-Methods": True,
            "method.response.header.Access-Control-Allow-Origin": True,
        },
        responseModels={"application/json": "Empty"},
    )
    ag.put_integration_response(
        restApiId=api,
        resourceId=resource,
        httpMethod="OPTIONS",
        statusCode="200",
        responseParameters={
            "method.response.header.Access-Control-Allow-Headers": CORS_HEADERS,
            "method.response.header.Access-Control-Allow-Methods": methods,
            "method.response.header.Access-Control-Allow-Origin": "'*'",
        },
        responseTemplates={"application/json": ""},
    )


def mock_method(ag, api, resource, method="GET", template='{"ok": true}', status="200"):
    """A MOCK method answering `template` (a VTL response template) with `status`."""
    ag.put_method(restApiId=api, resourceId=resource, httpMethod=method, authorizationType="NONE")
    ag.put_integration(
        restApiId=api,
        resourceId=resource,
        httpMethod=method,
        type="MOCK",
        requestTemplates={"application/json": f'{{"statusCode": {status}}}'},
    )
    ag.put_method_response(
        restApiId=api,
        resourceId=resource,
        httpMethod=method,
        statusCode=status,
        responseParameters={"method.response.header.X-Mock": True},
    )
    ag.put_integration_response(
        restApiId=api,
        resourceId=resource,
        httpMethod=method,
        statusCode=status,
        responseParameters={"method.response.header.X-Mock": "'yes'"},
        responseTemplates={"application/json": template},
    )


def new_api(ag, name=None):
    api = ag.create_rest_api(name=name or unique("api"))
    return api["id"], api["rootResourceId"]


def invoke(server, api, path, method="GET", headers=None, body=None, host_form=False):
    """Calls a deployed API, through the path form or the `{api}.execute-api.localhost` Host."""
    headers = dict(headers or {})
    if host_form:
        headers["Host"] = f"{api}.execute-api.localhost:{server.port}"
        return server.http(method, path, body=body, headers=headers)
    return server.http(method, f"/_aws/execute-api/{api}{path}", body=body, headers=headers)


def lower(headers):
    return {k.lower(): v for k, v in headers.items()}


# --- control plane -----------------------------------------------------------------------


def test_workshop_steps_4_to_6_control_plane(server):
    ag = apigw(server)
    api = ag.create_rest_api(name="my-api")
    api_id, root = api["id"], api["rootResourceId"]
    assert re.fullmatch(r"[a-z0-9]{10}", api_id)
    assert re.fullmatch(r"[a-z0-9]{10}", root)
    assert api["name"] == "my-api"
    assert api["apiKeySource"] == "HEADER"
    assert api["endpointConfiguration"]["types"] == ["EDGE"]
    assert api["ResponseMetadata"]["HTTPStatusCode"] == 201

    resources = ag.get_resources(restApiId=api_id)["items"]
    assert resources == [{"id": root, "path": "/"}]

    method = ag.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    assert method["httpMethod"] == "GET"
    assert method["authorizationType"] == "NONE"
    assert method["apiKeyRequired"] is False
    integ = ag.put_integration(
        restApiId=api_id,
        resourceId=root,
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=lambda_uri(FUNCTION_ARN),
    )
    assert integ["type"] == "AWS_PROXY"
    assert integ["httpMethod"] == "POST"
    assert integ["uri"] == lambda_uri(FUNCTION_ARN)
    assert integ["passthroughBehavior"] == "WHEN_NO_MATCH"
    assert integ["timeoutInMillis"] == 29000
    assert integ["cacheNamespace"] == root
    assert integ["cacheKeyParameters"] == []

    enable_cors(ag, api_id, root)

    got = ag.get_resources(restApiId=api_id, embed=["methods"])["items"][0]
    assert sorted(got["resourceMethods"]) == ["GET", "OPTIONS"]
    options = got["resourceMethods"]["OPTIONS"]
    assert options["methodIntegration"]["type"] == "MOCK"
    assert options["methodResponses"]["200"]["responseParameters"] == {
        "method.response.header.Access-Control-Allow-Headers": True,
        "method.response.header.Access-Control-Allow-Methods": True,
        "method.response.header.Access-Control-Allow-Origin": True,
    }
    # Without embed, only the method names.
    plain = ag.get_resources(restApiId=api_id)["items"][0]
    assert plain["resourceMethods"] == {"GET": {}, "OPTIONS": {}}

    ir = ag.get_integration_response(restApiId=api_id, resourceId=root, httpMethod="OPTIONS", statusCode="200")
    assert ir["responseParameters"]["method.response.header.Access-Control-Allow-Origin"] == "'*'"
    assert ir["responseParameters"]["method.response.header.Access-Control-Allow-Headers"] == CORS_HEADERS
    mr = ag.get_method_response(restApiId=api_id, resourceId=root, httpMethod="OPTIONS", statusCode="200")
    assert mr["responseModels"] == {"application/json": "Empty"}
    assert ag.get_integration(restApiId=api_id, resourceId=root, httpMethod="GET")["uri"] == lambda_uri(FUNCTION_ARN)

    dep = ag.create_deployment(restApiId=api_id, stageName="dev")
    assert re.fullmatch(r"[a-z0-9]+", dep["id"])
    assert dep["ResponseMetadata"]["HTTPStatusCode"] == 201
    stages = ag.get_stages(restApiId=api_id)["item"]
    assert [(s["stageName"], s["deploymentId"]) for s in stages] == [("dev", dep["id"])]
    assert ag.get_stage(restApiId=api_id, stageName="dev")["deploymentId"] == dep["id"]
    assert [d["id"] for d in ag.get_deployments(restApiId=api_id)["items"]] == [dep["id"]]
    assert ag.get_deployment(restApiId=api_id, deploymentId=dep["id"])["id"] == dep["id"]
    assert api_id in [a["id"] for a in ag.get_rest_apis()["items"]]


def test_cli_creates_and_deploys(server):
    api = server.aws("apigateway", "create-rest-api", "--name", "my-api", region=REGION)
    api_id = api["id"]
    root = server.aws("apigateway", "get-resources", "--rest-api-id", api_id, region=REGION)["items"][0]["id"]
    server.aws(
        "apigateway", "put-method", "--rest-api-id", api_id, "--resource-id", root,
        "--http-method", "GET", "--authorization-type", "NONE", region=REGION,
    )
    server.aws(
        "apigateway", "put-integration", "--rest-api-id", api_id, "--resource-id", root,
        "--http-method", "GET", "--type", "AWS_PROXY", "--integration-http-method", "POST",
        "--uri", lambda_uri(FUNCTION_ARN), region=REGION,
    )
    server.aws("apigateway", "create-deployment", "--rest-api-id", api_id, "--stage-name", "dev", region=REGION)
    stages = server.aws("apigateway", "get-stages", "--rest-api-id", api_id, region=REGION)
    assert [s["stageName"] for s in stages["item"]] == ["dev"]
    p = server.aws("apigateway", "get-rest-api", "--rest-api-id", "nosuchapi0", region=REGION, check=False)
    assert p.returncode != 0
    assert "NotFoundException" in p.stderr
    assert f"Invalid API identifier specified {ACCOUNT}:nosuchapi0" in p.stderr


def test_apis_are_namespaced_by_region(server):
    seoul, virginia = apigw(server, REGION), apigw(server, "us-east-1")
    api_id, _ = new_api(seoul)
    with pytest.raises(ClientError) as e:
        virginia.get_rest_api(restApiId=api_id)
    assert error_of(e) == (404, "NotFoundException", f"Invalid API identifier specified {ACCOUNT}:{api_id}")


def test_not_found_and_conflict_errors(server):
    ag = apigw(server)
    with pytest.raises(ClientError) as e:
        ag.get_rest_api(restApiId="abc")
    assert error_of(e) == (404, "NotFoundException", f"Invalid API identifier specified {ACCOUNT}:abc")
    api_id, root = new_api(ag)
    with pytest.raises(ClientError) as e:
        ag.get_resource(restApiId=api_id, resourceId="nope")
    assert error_of(e) == (404, "NotFoundException", "Invalid Resource identifier specified")
    with pytest.raises(ClientError) as e:
        ag.get_method(restApiId=api_id, resourceId=root, httpMethod="GET")
    assert error_of(e) == (404, "NotFoundException", "Invalid Method identifier specified")
    with pytest.raises(ClientError) as e:
        ag.get_stage(restApiId=api_id, stageName="dev")
    assert error_of(e) == (404, "NotFoundException", "Invalid Stage identifier specified")
    with pytest.raises(ClientError) as e:
        ag.get_deployment(restApiId=api_id, deploymentId="zzzzzz")
    assert error_of(e) == (404, "NotFoundException", "Invalid Deployment identifier specified")
    with pytest.raises(ClientError) as e:
        ag.create_deployment(restApiId=api_id, stageName="dev")
    assert error_of(e) == (400, "BadRequestException", "The REST API doesn't contain any methods")

    ag.create_resource(restApiId=api_id, parentId=root, pathPart="members")
    with pytest.raises(ClientError) as e:
        ag.create_resource(restApiId=api_id, parentId=root, pathPart="members")
    assert error_of(e) == (409, "ConflictException", "Another resource with the same parent already has this name: members")
    with pytest.raises(ClientError) as e:
        ag.create_resource(restApiId=api_id, parentId=root, pathPart="bad/part")
    assert error_of(e)[:2] == (400, "BadRequestException")

    ag.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    with pytest.raises(ClientError) as e:
        ag.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    assert error_of(e) == (409, "ConflictException", "Method already exists for this resource")
    with pytest.raises(ClientError) as e:
        ag.get_integration(restApiId=api_id, resourceId=root, httpMethod="GET")
    assert error_of(e) == (404, "NotFoundException", "Invalid Integration identifier specified")
    with pytest.raises(ClientError) as e:
        ag.create_deployment(restApiId=api_id, stageName="dev")
    assert error_of(e) == (400, "BadRequestException", "No integration defined for method")
    with pytest.raises(ClientError) as e:
        ag.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="AWS_PROXY", uri=lambda_uri(FUNCTION_ARN))
    assert error_of(e) == (400, "BadRequestException", "Enumeration value for HttpMethod must be non-empty")
    with pytest.raises(ClientError) as e:
        ag.put_integration(
            restApiId=api_id, resourceId=root, httpMethod="GET", type="AWS_PROXY",
            integrationHttpMethod="POST", uri="arn:aws:apigateway:ap-northeast-2:s3:path/bucket/key",
        )
    assert error_of(e) == (
        400,
        "BadRequestException",
        "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.",
    )
    mock_method(ag, api_id, ag.get_resources(restApiId=api_id)["items"][-1]["id"], method="POST")
    ag.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    dep = ag.create_deployment(restApiId=api_id, stageName="dev")
    with pytest.raises(ClientError) as e:
        ag.create_stage(restApiId=api_id, stageName="dev", deploymentId=dep["id"])
    assert error_of(e) == (409, "ConflictException", "Stage already exists")
    with pytest.raises(ClientError) as e:
        ag.delete_deployment(restApiId=api_id, deploymentId=dep["id"])
    assert error_of(e) == (400, "BadRequestException", "Active stages pointing to this deployment must be moved or deleted")


def test_update_rest_api_and_stage(server):
    ag = apigw(server)
    api_id, root = new_api(ag)
    out = ag.update_rest_api(
        restApiId=api_id,
        patchOperations=[
            {"op": "replace", "path": "/name", "value": "renamed"},
            {"op": "replace", "path": "/description", "value": "hello"},
            {"op": "add", "path": "/binaryMediaTypes/image~1png"},
        ],
    )
    assert (out["name"], out["description"], out["binaryMediaTypes"]) == ("renamed", "hello", ["image/png"])
    assert ag.get_rest_api(restApiId=api_id)["name"] == "renamed"
    with pytest.raises(ClientError) as e:
        ag.update_rest_api(restApiId=api_id, patchOperations=[{"op": "replace", "path": "/id", "value": "x"}])
    assert error_of(e)[:2] == (400, "BadRequestException")

    mock_method(ag, api_id, root, template='{"env": "$stageVariables.env"}')
    dep = ag.create_deployment(restApiId=api_id, stageName="dev", variables={"env": "one"})
    assert ag.get_stage(restApiId=api_id, stageName="dev")["variables"] == {"env": "one"}
    status, _, body = invoke(server, api_id, "/dev/")
    assert (status, json.loads(body)) == (200, {"env": "one"})

    st = ag.update_stage(
        restApiId=api_id,
        stageName="dev",
        patchOperations=[{"op": "replace", "path": "/variables/env", "value": "two"}],
    )
    assert st["variables"] == {"env": "two"}
    assert st["deploymentId"] == dep["id"]
    status, _, body = invoke(server, api_id, "/dev/")
    assert json.loads(body) == {"env": "two"}

    ag.create_stage(restApiId=api_id, stageName="prod", deploymentId=dep["id"], variables={"env": "p"})
    assert sorted(s["stageName"] for s in ag.get_stages(restApiId=api_id)["item"]) == ["dev", "prod"]
    ag.delete_stage(restApiId=api_id, stageName="prod")
    assert [s["stageName"] for s in ag.get_stages(restApiId=api_id)["item"]] == ["dev"]
    status, _, _ = invoke(server, api_id, "/prod/")
    assert status == 403


def test_delete_resource_method_and_api(server):
    ag = apigw(server)
    api_id, root = new_api(ag)
    parent = ag.create_resource(restApiId=api_id, parentId=root, pathPart="a")
    assert parent["path"] == "/a"
    child = ag.create_resource(restApiId=api_id, parentId=parent["id"], pathPart="{id}")
    assert child["path"] == "/a/{id}"
    assert child["parentId"] == parent["id"]
    ag.put_method(restApiId=api_id, resourceId=child["id"], httpMethod="GET", authorizationType="NONE")
    ag.delete_method(restApiId=api_id, resourceId=child["id"], httpMethod="GET")
    with pytest.raises(ClientError):
        ag.get_method(restApiId=api_id, resourceId=child["id"], httpMethod="GET")
    ag.delete_resource(restApiId=api_id, resourceId=parent["id"])
    assert [r["path"] for r in ag.get_resources(restApiId=api_id)["items"]] == ["/"]
    ag.delete_rest_api(restApiId=api_id)
    with pytest.raises(ClientError) as e:
        ag.get_rest_api(restApiId=api_id)
    assert error_of(e)[1] == "NotFoundException"
    status, headers, body = invoke(server, api_id, "/dev/")
    assert (status, json.loads(body)) == (403, {"message": "Forbidden"})


# --- data plane (MOCK) ---------------------------------------------------------------------


@pytest.mark.parametrize("host_form", [False, True])
def test_mock_integration_both_url_forms(server, host_form):
    ag = apigw(server)
    api_id, root = new_api(ag)
    mock_method(ag, api_id, root, template='{"hello": "world", "stage": "$context.stage"}')
    ag.create_deployment(restApiId=api_id, stageName="dev")
    status, headers, body = invoke(server, api_id, "/dev/", host_form=host_form)
    assert status == 200
    assert json.loads(body) == {"hello": "world", "stage": "dev"}
    h = lower(headers)
    assert h["x-mock"] == "yes"
    assert h["content-type"] == "application/json"


def test_cors_preflight_like_a_browser(server):
    ag = apigw(server)
    api_id, root = new_api(ag)
    ag.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    ag.put_integration(
        restApiId=api_id, resourceId=root, httpMethod="GET", type="AWS_PROXY",
        integrationHttpMethod="POST", uri=lambda_uri(FUNCTION_ARN),
    )
    enable_cors(ag, api_id, root)
    ag.create_deployment(restApiId=api_id, stageName="dev")
    for host_form in (False, True):
        status, headers, body = invoke(
            server, api_id, "/dev/", method="OPTIONS", host_form=host_form,
            headers={
                "Origin": "http://my-bucket.s3-website.ap-northeast-2.amazonaws.com",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert status == 200
        assert body == b""
        h = lower(headers)
        assert h["access-control-allow-origin"] == "*"
        assert h["access-control-allow-methods"] == "GET,OPTIONS"
        assert h["access-control-allow-headers"] == CORS_HEADERS.strip("'")


def test_missing_authentication_token(server):
    ag = apigw(server)
    api_id, root = new_api(ag)
    mock_method(ag, api_id, root)
    ag.create_deployment(restApiId=api_id, stageName="dev")
    for method, path in [("GET", "/nostage/"), ("GET", "/dev/nothing/here"), ("DELETE", "/dev/"), ("GET", "/")]:
        status, headers, body = invoke(server, api_id, path, method=method)
        assert status == 403, (method, path)
        assert json.loads(body) == {"message": "Missing Authentication Token"}
        assert lower(headers)["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    status, headers, body = invoke(server, "nosuchapi1", "/dev/")
    assert (status, json.loads(body)) == (403, {"message": "Forbidden"})


def test_routing_params_proxy_and_any(server):
    ag = apigw(server)
    api_id, root = new_api(ag)
    members = ag.create_resource(restApiId=api_id, parentId=root, pathPart="members")["id"]
    member = ag.create_resource(restApiId=api_id, parentId=members, pathPart="{id}")["id"]
    proxy = ag.create_resource(restApiId=api_id, parentId=root, pathPart="{proxy+}")
    assert proxy["path"] == "/{proxy+}"
    mock_method(ag, api_id, members, method="POST", template='{"created": true}', status="201")
    mock_method(ag, api_id, member, template='{"id": "$input.params(\'id\')", "q": "$input.params(\'q\')"}')
    mock_method(ag, api_id, proxy["id"], method="ANY", template='{"proxy": "$input.params(\'proxy\')"}')
    ag.create_deployment(restApiId=api_id, stageName="v1")

    status, _, body = invoke(server, api_id, "/v1/members", method="POST", body=b"{}")
    assert (status, json.loads(body)) == (201, {"created": True})
    status, _, body = invoke(server, api_id, "/v1/members/42?q=x")
    assert (status, json.loads(body)) == (200, {"id": "42", "q": "x"})
    status, _, body = invoke(server, api_id, "/v1/a/b/c", method="PUT", body=b"x")
    assert (status, json.loads(body)) == (200, {"proxy": "a/b/c"})
    status, _, body = invoke(server, api_id, "/v1/members", method="GET")
    assert (status, json.loads(body)) == (200, {"proxy": "members"})


def test_deployment_is_a_snapshot(server):
    ag = apigw(server)
    api_id, root = new_api(ag)
    mock_method(ag, api_id, root, template='{"v": 1}')
    ag.create_deployment(restApiId=api_id, stageName="dev")
    ag.put_integration_response(
        restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200",
        responseTemplates={"application/json": '{"v": 2}'},
    )
    assert json.loads(invoke(server, api_id, "/dev/")[2]) == {"v": 1}
    ag.create_deployment(restApiId=api_id, stageName="dev")
    assert json.loads(invoke(server, api_id, "/dev/")[2]) == {"v": 2}


def test_mock_selection_pattern_and_missing_method_response(server):
    ag = apigw(server)
    api_id, root = new_api(ag)
    mock_method(ag, api_id, root, status="404", template='{"error": "not here"}')
    ag.create_deployment(restApiId=api_id, stageName="dev")
    status, _, body = invoke(server, api_id, "/dev/")
    assert (status, json.loads(body)) == (404, {"error": "not here"})

    # An integration response pointing at an undeclared method response is a 500.
    api2, root2 = new_api(ag)
    ag.put_method(restApiId=api2, resourceId=root2, httpMethod="GET", authorizationType="NONE")
    ag.put_integration(
        restApiId=api2, resourceId=root2, httpMethod="GET", type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 500}'},
    )
    ag.create_deployment(restApiId=api2, stageName="dev")
    status, headers, body = invoke(server, api2, "/dev/")
    assert (status, json.loads(body)) == (500, {"message": "Internal server error"})
    out = ag.test_invoke_method(restApiId=api2, resourceId=root2, httpMethod="GET")
    assert out["status"] == 500
    assert "No match for output mapping and no default output mapping configured" in out["log"]


def test_test_invoke_method_mock(server):
    ag = apigw(server)
    api_id, root = new_api(ag)
    enable_cors(ag, api_id, root)
    out = ag.test_invoke_method(restApiId=api_id, resourceId=root, httpMethod="OPTIONS", pathWithQueryString="/")
    assert out["status"] == 200
    assert out["body"] == ""
    assert out["headers"]["Access-Control-Allow-Origin"] == "*"
    assert out["multiValueHeaders"]["Access-Control-Allow-Methods"] == ["GET,OPTIONS"]
    assert out["log"].startswith("Execution log for request ")
    assert "Method completed with status: 200" in out["log"]
    assert isinstance(out["latency"], int)


def test_survives_restart(durable_server):
    ag = apigw(durable_server)
    api_id, root = new_api(ag, "durable-api")
    enable_cors(ag, api_id, root)
    mock_method(ag, api_id, root, template='{"kept": true}')
    ag.create_deployment(restApiId=api_id, stageName="dev", variables={"a": "b"})
    durable_server.restart()
    ag = apigw(durable_server)
    assert ag.get_rest_api(restApiId=api_id)["name"] == "durable-api"
    assert ag.get_stage(restApiId=api_id, stageName="dev")["variables"] == {"a": "b"}
    status, _, body = invoke(durable_server, api_id, "/dev/", host_form=True)
    assert (status, json.loads(body)) == (200, {"kept": True})
    status, headers, _ = invoke(durable_server, api_id, "/dev/", method="OPTIONS")
    assert status == 200 and lower(headers)["access-control-allow-origin"] == "*"


# --- data plane (Lambda proxy): needs the Lambda service ------------------------------------


def lambda_is_stub(server):
    try:
        server.client("lambda", region=REGION).list_functions()
    except ClientError as e:
        return e.response["Error"]["Code"] in ("UnknownOperationException", "NotImplemented")
    except Exception:
        return True
    return False


ECHO_FUNCTION = '''
import base64, json

def handler(event, context):
    q = event.get("queryStringParameters") or {}
    if q.get("mode") == "malformed":
        return {"body": "no status code"}
    if q.get("mode") == "binary":
        return {"statusCode": 200, "isBase64Encoded": True,
                "headers": {"Content-Type": "image/png"},
                "body": base64.b64encode(b"\\x89PNG").decode()}
    if q.get("mode") == "crash":
        raise RuntimeError("boom")
    return {
        "statusCode": 201,
        "headers": {"Access-Control-Allow-Origin": "*", "X-Single": "one"},
        "multiValueHeaders": {"X-Multi": ["a", "b"]},
        "body": json.dumps(event),
    }
'''


def make_function(server, name):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("lambda_function.py", ECHO_FUNCTION)
    iam = server.client("iam", region=REGION)
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/my-lambda-role"
    try:
        role_arn = iam.create_role(
            RoleName=unique("role"),
            AssumeRolePolicyDocument=json.dumps({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
            }),
        )["Role"]["Arn"]
    except ClientError:
        pass
    fn = server.client("lambda", region=REGION).create_function(
        FunctionName=name,
        Runtime="python3.9",
        Role=role_arn,
        Handler="lambda_function.handler",
        Code={"ZipFile": buf.getvalue()},
    )
    return fn["FunctionArn"]


def proxy_api(server, function_arn, permit=True):
    ag = apigw(server)
    api_id, root = new_api(ag)
    items = ag.create_resource(restApiId=api_id, parentId=root, pathPart="items")["id"]
    item = ag.create_resource(restApiId=api_id, parentId=items, pathPart="{id}")["id"]
    for rid in (root, item):
        ag.put_method(restApiId=api_id, resourceId=rid, httpMethod="GET", authorizationType="NONE")
        ag.put_integration(
            restApiId=api_id, resourceId=rid, httpMethod="GET", type="AWS_PROXY",
            integrationHttpMethod="POST", uri=lambda_uri(function_arn),
        )
    ag.update_rest_api(restApiId=api_id, patchOperations=[{"op": "add", "path": "/binaryMediaTypes/image~1png"}])
    ag.create_deployment(restApiId=api_id, stageName="dev", variables={"color": "blue"})
    if permit:
        server.client("lambda", region=REGION).add_permission(
            FunctionName=function_arn,
            StatementId=unique("apigw"),
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/*/GET/*",
        )
        server.client("lambda", region=REGION).add_permission(
            FunctionName=function_arn,
            StatementId=unique("apigw-root"),
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/*/GET/",
        )
    return api_id, root, item


@pytest.fixture
def lambda_ready(server):
    if lambda_is_stub(server):
        pytest.skip("the Lambda service is not available in this build")


def test_lambda_proxy_event_shape(server, lambda_ready):
    arn = make_function(server, unique("echo"))
    api_id, root, item = proxy_api(server, arn)
    status, headers, body = invoke(
        server, api_id, "/dev/items/42?a=1&a=2&b=x", host_form=True,
        headers={"User-Agent": "pytest-agent", "X-Custom": "v"},
    )
    assert status == 201, body
    h = lower(headers)
    assert h["access-control-allow-origin"] == "*"
    assert h["x-single"] == "one"
    event = json.loads(body)
    assert event["resource"] == "/items/{id}"
    assert event["path"] == "/items/42"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"id": "42"}
    assert event["queryStringParameters"] == {"a": "2", "b": "x"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x"]}
    assert event["stageVariables"] == {"color": "blue"}
    assert event["body"] is None and event["isBase64Encoded"] is False
    hdrs = lower(event["headers"])
    assert hdrs["x-custom"] == "v"
    assert lower(event["multiValueHeaders"])["x-custom"] == ["v"]
    ctx = event["requestContext"]
    assert ctx["resourceId"] == item
    assert ctx["resourcePath"] == "/items/{id}"
    assert ctx["stage"] == "dev"
    assert ctx["path"] == "/dev/items/42"
    assert ctx["accountId"] == ACCOUNT
    assert ctx["apiId"] == api_id
    assert ctx["protocol"] == "HTTP/1.1"
    assert ctx["identity"]["userAgent"] == "pytest-agent"
    assert ctx["identity"]["cognitoIdentityId"] is None
    assert ctx["domainPrefix"] == api_id
    assert isinstance(ctx["requestTimeEpoch"], int)


def test_lambda_proxy_errors_and_binary(server, lambda_ready):
    arn = make_function(server, unique("echo"))
    api_id, root, _ = proxy_api(server, arn)
    status, _, body = invoke(server, api_id, "/dev/?mode=malformed")
    assert (status, json.loads(body)) == (502, {"message": "Internal server error"})
    status, _, body = invoke(server, api_id, "/dev/?mode=crash")
    assert (status, json.loads(body)) == (502, {"message": "Internal server error"})
    status, headers, body = invoke(server, api_id, "/dev/?mode=binary", headers={"Accept": "image/png"})
    assert (status, body) == (200, b"\x89PNG")

    # No invoke permission for API Gateway: 500, and the Test tab says why.
    arn2 = make_function(server, unique("denied"))
    api2, root2, _ = proxy_api(server, arn2, permit=False)
    status, _, body = invoke(server, api2, "/dev/")
    assert (status, json.loads(body)) == (500, {"message": "Internal server error"})
    out = apigw(server).test_invoke_method(restApiId=api2, resourceId=root2, httpMethod="GET")
    assert out["status"] == 500
    assert "Execution failed due to configuration error: Invalid permissions on Lambda function" in out["log"]


def test_test_invoke_method_lambda(server, lambda_ready):
    arn = make_function(server, unique("echo"))
    api_id, root, _ = proxy_api(server, arn)
    out = apigw(server).test_invoke_method(
        restApiId=api_id, resourceId=root, httpMethod="GET", pathWithQueryString="/?x=1",
    )
    assert out["status"] == 201
    event = json.loads(out["body"])
    assert event["requestContext"]["stage"] == "test-invoke-stage"
    assert event["queryStringParameters"] == {"x": "1"}
    assert out["headers"]["Access-Control-Allow-Origin"] == "*"
    assert out["multiValueHeaders"]["X-Multi"] == ["a", "b"]
    assert "Method completed with status: 201" in out["log"]
