"""IAM and STS end to end: the AWS CLI and boto3 against the real binary, AWS's exact error
codes, statuses and messages, role sessions, and durability across restarts and kill -9."""

import html
import json

import boto3
import pytest
from botocore.exceptions import ClientError

from conftest import unique

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}
TRUST_JSON = json.dumps(TRUST)
MICROSERVICE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "dynamodb:DeleteItem",
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:Scan",
                "dynamodb:UpdateItem",
            ],
            "Resource": "arn:aws:dynamodb:ap-northeast-2:000000000000:table/*",
        }
    ],
}
S3_READ = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


def error_of(excinfo):
    """(code, HTTP status, message) of a botocore ClientError."""
    err = excinfo.value.response
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Message"]


def raw_query(server, service, body, method="POST"):
    """An IAM/STS query request signed (scope only) for `service`; returns (status, text) with
    XML character references resolved."""
    headers = {
        "Authorization": f"AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{service}/aws4_request, "
        "SignedHeaders=host, Signature=0",
    }
    if method == "POST":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, _, data = server.http("POST", "/", body=body.encode(), headers=headers)
    else:
        status, _, data = server.http("GET", "/?" + body, headers=headers)
    return status, html.unescape(data.decode())


@pytest.fixture
def iam(server):
    return server.client("iam")


def make_role(iam, name=None, **kw):
    name = name or unique("role")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST_JSON, **kw)
    return name


# ---------------------------------------------------------------- roles


def test_role_lifecycle_with_the_cli(server):
    name = unique("cli-role")
    out = server.aws(
        "iam", "create-role", "--role-name", name, "--path", "/service-role/",
        "--assume-role-policy-document", TRUST_JSON, "--description", "for lambda",
        "--tags", "Key=team,Value=web",
    )
    role = out["Role"]
    assert role["RoleName"] == name
    assert role["Path"] == "/service-role/"
    assert role["Arn"] == f"arn:aws:iam::000000000000:role/service-role/{name}"
    assert role["RoleId"].startswith("AROA") and len(role["RoleId"]) == 21
    assert role["AssumeRolePolicyDocument"] == TRUST
    assert role["MaxSessionDuration"] == 3600
    assert role["Tags"] == [{"Key": "team", "Value": "web"}]

    got = server.aws("iam", "get-role", "--role-name", name)["Role"]
    assert got["RoleId"] == role["RoleId"]
    assert got["Description"] == "for lambda"
    assert got["CreateDate"] == role["CreateDate"]

    listed = server.aws("iam", "list-roles", "--path-prefix", "/service-role/")["Roles"]
    assert name in [r["RoleName"] for r in listed]

    server.aws("iam", "update-role", "--role-name", name, "--description", "changed", "--max-session-duration", "7200")
    got = server.aws("iam", "get-role", "--role-name", name)["Role"]
    assert got["Description"] == "changed"
    assert got["MaxSessionDuration"] == 7200

    server.aws("iam", "delete-role", "--role-name", name)
    p = server.aws("iam", "get-role", "--role-name", name, check=False)
    assert p.returncode != 0
    assert "NoSuchEntity" in p.stderr
    assert f"The role with name {name} cannot be found." in p.stderr


def test_role_names_are_unique_ignoring_case(iam):
    name = make_role(iam)
    with pytest.raises(ClientError) as e:
        iam.create_role(RoleName=name.upper(), AssumeRolePolicyDocument=TRUST_JSON)
    assert error_of(e) == ("EntityAlreadyExists", 409, f"Role with name {name.upper()} already exists.")
    assert iam.get_role(RoleName=name.upper())["Role"]["RoleName"] == name


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"RoleName": "bad name"},
            "1 validation error detected: Value 'bad name' at 'roleName' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [\\w+=,.@-]+",
        ),
        (
            {"RoleName": "r" * 65},
            f"1 validation error detected: Value '{'r' * 65}' at 'roleName' failed to satisfy constraint: "
            "Member must have length less than or equal to 64",
        ),
        (
            {"RoleName": "okname", "Path": "no-slashes"},
            "1 validation error detected: Value 'no-slashes' at 'path' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)",
        ),
        (
            {"RoleName": "okname", "MaxSessionDuration": 60},
            "1 validation error detected: Value '60' at 'maxSessionDuration' failed to satisfy constraint: "
            "Member must have value greater than or equal to 3600",
        ),
    ],
)
def test_create_role_validation(server, kwargs, message):
    iam = server.client("iam", config={"parameter_validation": False})
    with pytest.raises(ClientError) as e:
        iam.create_role(AssumeRolePolicyDocument=TRUST_JSON, **kwargs)
    assert error_of(e) == ("ValidationError", 400, message)


@pytest.mark.parametrize(
    "document, message",
    [
        ("not json", "This policy contains invalid Json"),
        ('{"Version":"2012-10-17"}', "Syntax errors in policy."),
        (
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},'
            '"Action":"sts:AssumeRole","Resource":"*"}]}',
            "Has prohibited field Resource.",
        ),
    ],
)
def test_create_role_with_a_malformed_trust_policy(iam, document, message):
    name = unique("bad-trust")
    with pytest.raises(ClientError) as e:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=document)
    assert error_of(e) == ("MalformedPolicyDocument", 400, message)
    with pytest.raises(ClientError) as e:
        iam.get_role(RoleName=name)
    assert error_of(e)[0] == "NoSuchEntity"


def test_missing_required_parameter_is_a_validation_error(server):
    status, text = raw_query(server, "iam", "Action=CreateRole&Version=2010-05-08&RoleName=x")
    assert status == 400
    assert "<Code>ValidationError</Code>" in text
    assert (
        "1 validation error detected: Value null at 'assumeRolePolicyDocument' failed to satisfy "
        "constraint: Member must not be null" in text
    )


def test_unknown_iam_action(server):
    status, text = raw_query(server, "iam", "Action=FlyToTheMoon&Version=2010-05-08")
    assert status == 400
    assert "<Code>InvalidAction</Code>" in text
    assert "<Message>Could not find operation FlyToTheMoon for version 2010-05-08</Message>" in text
    assert 'xmlns="https://iam.amazonaws.com/doc/2010-05-08/"' in text


def test_query_string_requests_work_too(server):
    name = unique("get-role")
    iam = server.client("iam")
    make_role(iam, name)
    status, text = raw_query(server, "iam", f"Action=GetRole&Version=2010-05-08&RoleName={name}", method="GET")
    assert status == 200, text
    assert text.startswith('<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">')
    assert f"<RoleName>{name}</RoleName>" in text
    assert "<ResponseMetadata>" in text and "<RequestId>" in text
    # Documents come back URL-encoded, as IAM returns them.
    assert "<AssumeRolePolicyDocument>%7B%22Version%22%3A%20%222012-10-17%22" in text


def test_user_tags(server):
    iam = server.client("iam")
    name = unique("tagged-user")
    iam.create_user(UserName=name, Tags=[{"Key": "team", "Value": "red"}])
    iam.tag_user(UserName=name, Tags=[{"Key": "TEAM", "Value": "blue"}, {"Key": "level", "Value": "1"}])
    assert iam.list_user_tags(UserName=name)["Tags"] == [{"Key": "TEAM", "Value": "blue"}, {"Key": "level", "Value": "1"}]
    assert iam.get_user(UserName=name)["User"]["Tags"] == [{"Key": "TEAM", "Value": "blue"}, {"Key": "level", "Value": "1"}]
    iam.untag_user(UserName=name, TagKeys=["team"])
    assert iam.list_user_tags(UserName=name)["Tags"] == [{"Key": "level", "Value": "1"}]
    with pytest.raises(ClientError) as e:
        iam.tag_user(UserName="no-such-user-x", Tags=[{"Key": "a", "Value": "1"}])
    assert error_of(e)[:2] == ("NoSuchEntity", 404)
    with pytest.raises(ClientError) as e:
        iam.list_user_tags(UserName="no-such-user-x")
    assert error_of(e)[:2] == ("NoSuchEntity", 404)


def test_trust_policy_tags_and_paging(server):
    iam = server.client("iam")
    path = f"/{unique('paging')}/"
    names = sorted(make_role(iam, unique("pg"), Path=path) for _ in range(5))

    seen, marker, pages = [], None, 0
    while True:
        kw = {"PathPrefix": path, "MaxItems": 2}
        if marker:
            kw["Marker"] = marker
        page = iam.list_roles(**kw)
        seen += [r["RoleName"] for r in page["Roles"]]
        pages += 1
        if not page["IsTruncated"]:
            assert "Marker" not in page
            break
        marker = page["Marker"]
    assert seen == names
    assert pages == 3

    name = names[0]
    new_trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:root"}, "Action": "sts:AssumeRole"}],
    }
    iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(new_trust))
    assert iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"] == new_trust
    with pytest.raises(ClientError) as e:
        iam.update_assume_role_policy(RoleName=name, PolicyDocument="{")
    assert error_of(e) == ("MalformedPolicyDocument", 400, "This policy contains invalid Json")

    iam.tag_role(RoleName=name, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    iam.tag_role(RoleName=name, Tags=[{"Key": "A", "Value": "3"}])
    assert iam.list_role_tags(RoleName=name)["Tags"] == [{"Key": "A", "Value": "3"}, {"Key": "b", "Value": "2"}]
    iam.untag_role(RoleName=name, TagKeys=["a"])
    assert iam.list_role_tags(RoleName=name)["Tags"] == [{"Key": "b", "Value": "2"}]
    with pytest.raises(ClientError) as e:
        iam.tag_role(RoleName="no-such-role-x", Tags=[{"Key": "a", "Value": "1"}])
    assert error_of(e) == ("NoSuchEntity", 404, "The role with name no-such-role-x cannot be found.")


def test_inline_policies(iam):
    name = make_role(iam)
    iam.put_role_policy(RoleName=name, PolicyName="read", PolicyDocument=json.dumps(S3_READ))
    got = iam.get_role_policy(RoleName=name, PolicyName="read")
    assert got["RoleName"] == name
    assert got["PolicyName"] == "read"
    assert got["PolicyDocument"] == S3_READ
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["read"]

    with pytest.raises(ClientError) as e:
        iam.delete_role(RoleName=name)
    assert error_of(e) == ("DeleteConflict", 409, "Cannot delete entity, must delete policies first.")

    with pytest.raises(ClientError) as e:
        iam.get_role_policy(RoleName=name, PolicyName="nope")
    assert error_of(e) == ("NoSuchEntity", 404, "The role policy with name nope cannot be found.")

    no_resource = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}
    with pytest.raises(ClientError) as e:
        iam.put_role_policy(RoleName=name, PolicyName="bad", PolicyDocument=json.dumps(no_resource))
    assert error_of(e) == ("MalformedPolicyDocument", 400, "Policy statement must contain resources.")
    with pytest.raises(ClientError) as e:
        iam.put_role_policy(RoleName=name, PolicyName="bad", PolicyDocument="not json")
    assert error_of(e) == ("MalformedPolicyDocument", 400, "Syntax errors in policy.")

    iam.delete_role_policy(RoleName=name, PolicyName="read")
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == []
    with pytest.raises(ClientError) as e:
        iam.delete_role_policy(RoleName=name, PolicyName="read")
    assert error_of(e)[:2] == ("NoSuchEntity", 404)
    iam.delete_role(RoleName=name)


def test_attached_policies(iam):
    name = make_role(iam)
    basic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    iam.attach_role_policy(RoleName=name, PolicyArn=basic)
    iam.attach_role_policy(RoleName=name, PolicyArn=basic)  # idempotent
    assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] == [
        {"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": basic}
    ]
    assert iam.list_attached_role_policies(RoleName=name, PathPrefix="/other/")["AttachedPolicies"] == []

    missing = "arn:aws:iam::000000000000:policy/does-not-exist"
    with pytest.raises(ClientError) as e:
        iam.attach_role_policy(RoleName=name, PolicyArn=missing)
    assert error_of(e) == ("NoSuchEntity", 404, f"Policy {missing} does not exist or is not attachable.")

    with pytest.raises(ClientError) as e:
        iam.delete_role(RoleName=name)
    assert error_of(e) == ("DeleteConflict", 409, "Cannot delete entity, must detach all policies first.")

    iam.detach_role_policy(RoleName=name, PolicyArn=basic)
    assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] == []
    iam.delete_role(RoleName=name)
    with pytest.raises(ClientError) as e:
        iam.delete_role(RoleName=name)
    assert error_of(e) == ("NoSuchEntity", 404, f"The role with name {name} cannot be found.")


# ---------------------------------------------------------------- managed policies


def test_aws_managed_policies(iam):
    arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    p = iam.get_policy(PolicyArn=arn)["Policy"]
    assert p["PolicyName"] == "AWSLambdaBasicExecutionRole"
    assert p["Path"] == "/service-role/"
    assert p["DefaultVersionId"] == "v1"
    assert p["IsAttachable"] is True
    doc = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]["Document"]
    assert doc == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": "*",
            }
        ],
    }
    aws = [p["Arn"] for p in iam.list_policies(Scope="AWS", MaxItems=1000)["Policies"]]
    for name in [
        "AWSLambdaExecute",
        "service-role/AWSLambdaDynamoDBExecutionRole",
        "AmazonDynamoDBFullAccess",
        "AmazonS3FullAccess",
        "AmazonS3ReadOnlyAccess",
        "AdministratorAccess",
    ]:
        assert f"arn:aws:iam::aws:policy/{name}" in aws
    admin = iam.get_policy_version(PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess", VersionId="v1")
    assert admin["PolicyVersion"]["Document"]["Statement"] == [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    with pytest.raises(ClientError) as e:
        iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/NoSuchPolicyAtAll")
    assert error_of(e) == ("NoSuchEntity", 404, "Policy arn:aws:iam::aws:policy/NoSuchPolicyAtAll was not found.")


def test_customer_managed_policy_versions(iam):
    name = unique("pol")
    p = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(S3_READ), Description="reads")["Policy"]
    arn = p["Arn"]
    assert arn == f"arn:aws:iam::000000000000:policy/{name}"
    assert p["PolicyId"].startswith("ANPA")
    assert p["DefaultVersionId"] == "v1"
    assert p["AttachmentCount"] == 0

    with pytest.raises(ClientError) as e:
        iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(S3_READ))
    assert error_of(e) == ("EntityAlreadyExists", 409, f"A policy called {name} already exists. Duplicate names are not allowed.")

    got = iam.get_policy(PolicyArn=arn)["Policy"]
    assert got["Description"] == "reads"
    assert iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]["Document"] == S3_READ

    v2 = dict(S3_READ, Statement=[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}])
    made = iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(v2), SetAsDefault=True)["PolicyVersion"]
    assert made["VersionId"] == "v2" and made["IsDefaultVersion"] is True
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v2"
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in versions] == [("v2", True), ("v1", False)]

    for _ in range(3):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(S3_READ))
    with pytest.raises(ClientError) as e:
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(S3_READ))
    assert error_of(e) == (
        "LimitExceeded",
        409,
        "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.",
    )
    with pytest.raises(ClientError) as e:
        iam.get_policy_version(PolicyArn=arn, VersionId="v9")
    assert error_of(e)[:2] == ("NoSuchEntity", 404)

    with pytest.raises(ClientError) as e:
        iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    assert error_of(e) == ("DeleteConflict", 409, "Cannot delete the default version of a policy.")

    with pytest.raises(ClientError) as e:
        iam.delete_policy(PolicyArn=arn)
    assert error_of(e)[:2] == ("DeleteConflict", 409)
    for v in ["v1", "v3", "v4", "v5"]:
        iam.delete_policy_version(PolicyArn=arn, VersionId=v)

    role = make_role(iam)
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    attached = [p["Arn"] for p in iam.list_policies(Scope="Local", OnlyAttached=True, MaxItems=1000)["Policies"]]
    assert arn in attached
    with pytest.raises(ClientError) as e:
        iam.delete_policy(PolicyArn=arn)
    assert error_of(e) == ("DeleteConflict", 409, "Cannot delete a policy attached to entities.")
    iam.detach_role_policy(RoleName=role, PolicyArn=arn)
    iam.delete_policy(PolicyArn=arn)
    with pytest.raises(ClientError) as e:
        iam.get_policy(PolicyArn=arn)
    assert error_of(e) == ("NoSuchEntity", 404, f"Policy {arn} was not found.")


def test_simple_microservice_permissions_template(server):
    """What the console does for 'Simple microservice permissions - DynamoDB'."""
    iam = server.client("iam", region="ap-northeast-2")
    role = unique("my-lambda-role")
    iam.create_role(RoleName=role, Path="/service-role/", AssumeRolePolicyDocument=TRUST_JSON)
    policy_name = unique("AWSLambdaMicroserviceExecutionRole")
    arn = iam.create_policy(PolicyName=policy_name, Path="/service-role/", PolicyDocument=json.dumps(MICROSERVICE))[
        "Policy"
    ]["Arn"]
    assert arn == f"arn:aws:iam::000000000000:policy/service-role/{policy_name}"
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    iam.attach_role_policy(RoleName=role, PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    assert [a["PolicyArn"] for a in attached] == [
        arn,
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    ]
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    doc = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
    assert doc == MICROSERVICE


# ---------------------------------------------------------------- users and keys


def test_users_and_access_keys(server):
    iam = server.client("iam")
    name = unique("user")
    user = iam.create_user(UserName=name)["User"]
    assert user["Arn"] == f"arn:aws:iam::000000000000:user/{name}"
    assert user["UserId"].startswith("AIDA")
    with pytest.raises(ClientError) as e:
        iam.create_user(UserName=name)
    assert error_of(e) == ("EntityAlreadyExists", 409, f"User with name {name} already exists.")
    assert name in [u["UserName"] for u in iam.list_users()["Users"]]

    key = iam.create_access_key(UserName=name)["AccessKey"]
    assert key["AccessKeyId"].startswith("AKIA") and len(key["AccessKeyId"]) == 20
    assert len(key["SecretAccessKey"]) == 40
    assert key["Status"] == "Active"

    as_user = boto3.Session(
        aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"], region_name="us-east-1"
    )
    ident = as_user.client("sts", endpoint_url=server.endpoint).get_caller_identity()
    assert ident["Arn"] == f"arn:aws:iam::000000000000:user/{name}"
    assert ident["UserId"] == user["UserId"]
    me = as_user.client("iam", endpoint_url=server.endpoint).get_user()["User"]
    assert me["UserName"] == name

    iam.create_access_key(UserName=name)
    with pytest.raises(ClientError) as e:
        iam.create_access_key(UserName=name)
    assert error_of(e) == ("LimitExceeded", 409, "Cannot exceed quota for AccessKeysPerUser: 2")

    keys = iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
    assert len(keys) == 2 and all(k["UserName"] == name for k in keys)
    iam.update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"], Status="Inactive")
    statuses = {k["AccessKeyId"]: k["Status"] for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]}
    assert statuses[key["AccessKeyId"]] == "Inactive"

    with pytest.raises(ClientError) as e:
        iam.delete_user(UserName=name)
    assert error_of(e) == ("DeleteConflict", 409, "Cannot delete entity, must delete access keys first.")
    for k in keys:
        iam.delete_access_key(UserName=name, AccessKeyId=k["AccessKeyId"])
    with pytest.raises(ClientError) as e:
        iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    assert error_of(e) == ("NoSuchEntity", 404, f"The Access Key with id {key['AccessKeyId']} cannot be found.")
    iam.delete_user(UserName=name)
    with pytest.raises(ClientError) as e:
        iam.get_user(UserName=name)
    assert error_of(e) == ("NoSuchEntity", 404, f"The user with name {name} cannot be found.")


def test_get_user_without_name_as_root(iam):
    assert iam.get_user()["User"]["Arn"] == "arn:aws:iam::000000000000:root"


# ---------------------------------------------------------------- STS


def test_assume_role_and_call_as_the_session(server):
    iam = server.client("iam")
    role = make_role(iam)
    role_id = iam.get_role(RoleName=role)["Role"]["RoleId"]
    sts = server.client("sts")
    out = sts.assume_role(RoleArn=f"arn:aws:iam::000000000000:role/{role}", RoleSessionName="my-session")
    creds = out["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["AccessKeyId"]) == 20
    assert len(creds["SecretAccessKey"]) == 40 and creds["SessionToken"]
    assert out["AssumedRoleUser"] == {
        "AssumedRoleId": f"{role_id}:my-session",
        "Arn": f"arn:aws:sts::000000000000:assumed-role/{role}/my-session",
    }

    session = boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name="us-east-1",
    )
    ident = session.client("sts", endpoint_url=server.endpoint).get_caller_identity()
    assert ident["Arn"] == f"arn:aws:sts::000000000000:assumed-role/{role}/my-session"
    assert ident["UserId"] == f"{role_id}:my-session"
    assert ident["Account"] == "000000000000"

    with pytest.raises(ClientError) as e:
        session.client("sts", endpoint_url=server.endpoint).get_session_token()
    assert error_of(e) == ("AccessDenied", 403, "Cannot call GetSessionToken with session credentials")


def test_assume_role_errors(server):
    sts = server.client("sts")
    missing = "arn:aws:iam::000000000000:role/no-such-role-here"
    with pytest.raises(ClientError) as e:
        sts.assume_role(RoleArn=missing, RoleSessionName="s1")
    assert error_of(e) == (
        "AccessDenied",
        403,
        f"User: arn:aws:iam::000000000000:root is not authorized to perform: sts:AssumeRole on resource: {missing}",
    )
    role = make_role(server.client("iam"))
    arn = f"arn:aws:iam::000000000000:role/{role}"
    loose = server.client("sts", config={"parameter_validation": False})
    with pytest.raises(ClientError) as e:
        loose.assume_role(RoleArn=arn, RoleSessionName="bad name")
    assert error_of(e) == (
        "ValidationError",
        400,
        "1 validation error detected: Value 'bad name' at 'roleSessionName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    )
    with pytest.raises(ClientError) as e:
        sts.assume_role(RoleArn=arn, RoleSessionName="s1", DurationSeconds=7200)
    assert error_of(e) == (
        "ValidationError",
        400,
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    )


def test_get_session_token(server):
    creds = server.client("sts").get_session_token(DurationSeconds=900)["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    session = boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name="us-east-1",
    )
    assert session.client("sts", endpoint_url=server.endpoint).get_caller_identity()["Arn"] == (
        "arn:aws:iam::000000000000:root"
    )


def test_get_caller_identity_by_get_query(server):
    status, text = raw_query(server, "sts", "Action=GetCallerIdentity&Version=2011-06-15", method="GET")
    assert status == 200
    assert '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">' in text
    assert "<Arn>arn:aws:iam::000000000000:root</Arn>" in text
    assert "<UserId>000000000000</UserId>" in text


def test_unknown_sts_action_message(server):
    status, text = raw_query(server, "sts", "Action=FlyToTheMoon&Version=2011-06-15")
    assert status == 400
    assert "<Message>Could not find operation FlyToTheMoon for version 2011-06-15</Message>" in text
    assert "<Type>Sender</Type>" in text


# ---------------------------------------------------------------- durability


def test_roles_survive_restart_and_kill9(durable_server):
    s = durable_server
    names = [unique("durable"), unique("durable")]
    for n in names:
        s.aws("iam", "create-role", "--role-name", n, "--assume-role-policy-document", TRUST_JSON)
    s.aws("iam", "put-role-policy", "--role-name", names[0], "--policy-name", "inline",
          "--policy-document", json.dumps(S3_READ))
    s.aws("iam", "attach-role-policy", "--role-name", names[0], "--policy-arn",
          "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    before = {r["RoleName"]: r["RoleId"] for r in s.aws("iam", "list-roles")["Roles"]}
    creds = s.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::000000000000:role/{names[1]}", RoleSessionName="kept"
    )["Credentials"]

    s.restart()
    after = {r["RoleName"]: r["RoleId"] for r in s.aws("iam", "list-roles")["Roles"]}
    assert after == before
    assert s.aws("iam", "list-role-policies", "--role-name", names[0])["PolicyNames"] == ["inline"]

    s.kill9()
    s.start(s.port)
    after = {r["RoleName"]: r["RoleId"] for r in s.aws("iam", "list-roles")["Roles"]}
    assert after == before
    attached = s.aws("iam", "list-attached-role-policies", "--role-name", names[0])["AttachedPolicies"]
    assert [a["PolicyName"] for a in attached] == ["AmazonS3ReadOnlyAccess"]
    # The session's key still maps to the assumed role.
    session = boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name="us-east-1",
    )
    ident = session.client("sts", endpoint_url=s.endpoint).get_caller_identity()
    assert ident["Arn"] == f"arn:aws:sts::000000000000:assumed-role/{names[1]}/kept"


def test_accounts_are_separate(server):
    name = make_role(server.client("iam"))
    other = server.client("iam", aws_access_key_id="111122223333", aws_secret_access_key="x")
    with pytest.raises(ClientError) as e:
        other.get_role(RoleName=name)
    assert error_of(e)[:2] == ("NoSuchEntity", 404)
    made = other.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST_JSON)["Role"]
    assert made["Arn"] == f"arn:aws:iam::111122223333:role/{name}"


def test_user_policies_and_policy_entities(server):
    iam = server.client("iam")
    user = unique("puser")
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="read", PolicyDocument=json.dumps(S3_READ))
    assert iam.get_user_policy(UserName=user, PolicyName="read")["PolicyDocument"] == S3_READ
    assert iam.list_user_policies(UserName=user)["PolicyNames"] == ["read"]
    with pytest.raises(ClientError) as e:
        iam.get_user_policy(UserName=user, PolicyName="nope")
    assert error_of(e) == ("NoSuchEntity", 404, "The user policy with name nope cannot be found.")

    arn = iam.create_policy(PolicyName=unique("upol"), PolicyDocument=json.dumps(S3_READ))["Policy"]["Arn"]
    role = make_role(iam)
    iam.attach_user_policy(UserName=user, PolicyArn=arn)
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    assert [a["PolicyArn"] for a in iam.list_attached_user_policies(UserName=user)["AttachedPolicies"]] == [arn]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 2
    entities = iam.list_entities_for_policy(PolicyArn=arn)
    assert [u["UserName"] for u in entities["PolicyUsers"]] == [user]
    assert [r["RoleName"] for r in entities["PolicyRoles"]] == [role]
    assert entities["PolicyGroups"] == []
    only_roles = iam.list_entities_for_policy(PolicyArn=arn, EntityFilter="Role")
    assert only_roles["PolicyUsers"] == [] and len(only_roles["PolicyRoles"]) == 1

    with pytest.raises(ClientError) as e:
        iam.delete_user(UserName=user)
    assert error_of(e) == ("DeleteConflict", 409, "Cannot delete entity, must detach all policies first.")
    iam.detach_user_policy(UserName=user, PolicyArn=arn)
    with pytest.raises(ClientError) as e:
        iam.detach_user_policy(UserName=user, PolicyArn=arn)
    assert error_of(e) == ("NoSuchEntity", 404, f"Policy {arn} was not found.")
    with pytest.raises(ClientError) as e:
        iam.delete_user(UserName=user)
    assert error_of(e) == ("DeleteConflict", 409, "Cannot delete entity, must delete policies first.")
    iam.delete_user_policy(UserName=user, PolicyName="read")
    iam.delete_user(UserName=user)
    assert iam.list_instance_profiles_for_role(RoleName=role)["InstanceProfiles"] == []
