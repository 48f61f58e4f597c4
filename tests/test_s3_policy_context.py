"""What S3 tells policies about the caller — `aws:username` (IAM users only), `aws:userid`,
`aws:PrincipalArn` (a role session's role), `aws:PrincipalType`, `aws:PrincipalAccount` —
and the bucket policies PutBucketPolicy refuses, with S3's messages."""

import json

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import unique

ACCOUNT = "000000000000"


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def s3_as(server, key_id, secret, token=None):
    return boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                        aws_access_key_id=key_id, aws_secret_access_key=secret, aws_session_token=token,
                        config=Config(retries={"max_attempts": 1}))


def code_of(call, **kw):
    try:
        call(**kw)
    except ClientError as e:
        return e.response["Error"]["Code"]
    return "OK"


@pytest.fixture
def bucket(server):
    name = unique("ctx-bucket")
    server.client("s3").create_bucket(Bucket=name)
    return name


def new_user(server):
    iam = server.client("iam")
    name = unique("ctx-user")
    user = iam.create_user(UserName=name)["User"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return name, user["UserId"], s3_as(server, key["AccessKeyId"], key["SecretAccessKey"])


def test_username_variable_confines_each_user_to_its_prefix(server, bucket):
    iam, s3 = server.client("iam"), server.client("s3")
    home = policy({"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
                   "Resource": f"arn:aws:s3:::{bucket}/${{aws:username}}/*"})
    alice, _, as_alice = new_user(server)
    bob, _, as_bob = new_user(server)
    for name in (alice, bob):
        iam.put_user_policy(UserName=name, PolicyName="home", PolicyDocument=home)
    as_alice.put_object(Bucket=bucket, Key=f"{alice}/notes.txt", Body=b"mine")
    assert as_alice.get_object(Bucket=bucket, Key=f"{alice}/notes.txt")["Body"].read() == b"mine"
    assert code_of(as_alice.put_object, Bucket=bucket, Key=f"{bob}/notes.txt", Body=b"x") == "AccessDenied"
    assert code_of(as_alice.put_object, Bucket=bucket, Key="shared.txt", Body=b"x") == "AccessDenied"
    assert code_of(as_bob.get_object, Bucket=bucket, Key=f"{alice}/notes.txt") == "AccessDenied"
    as_bob.put_object(Bucket=bucket, Key=f"{bob}/notes.txt", Body=b"his")
    assert s3.get_object(Bucket=bucket, Key=f"{bob}/notes.txt")["Body"].read() == b"his"


def test_userid_type_and_account_of_an_iam_user(server, bucket):
    iam, s3 = server.client("iam"), server.client("s3")
    s3.put_object(Bucket=bucket, Key="doc.txt", Body=b"hello")
    name, user_id, as_user = new_user(server)
    _, other_id, _ = new_user(server)
    assert user_id.startswith("AIDA")

    def allow_if(condition):
        iam.put_user_policy(UserName=name, PolicyName="read", PolicyDocument=policy({
            "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*",
            "Condition": condition}))
        return code_of(as_user.get_object, Bucket=bucket, Key="doc.txt")

    assert allow_if({"StringEquals": {"aws:userid": user_id}}) == "OK"
    assert allow_if({"StringEquals": {"aws:userid": other_id}}) == "AccessDenied"
    assert allow_if({"StringEquals": {"aws:PrincipalType": "User", "aws:PrincipalAccount": ACCOUNT,
                                      "aws:username": name}}) == "OK"
    assert allow_if({"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:user/{name}"}}) == "OK"
    assert allow_if({"StringEquals": {"aws:PrincipalType": "AssumedRole"}}) == "AccessDenied"


def test_role_session_keys(server, bucket):
    iam, s3 = server.client("iam"), server.client("s3")
    s3.put_object(Bucket=bucket, Key="doc.txt", Body=b"hello")
    role = unique("ctx-role")
    role_id = iam.create_role(RoleName=role, AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}))[
        "Role"]["RoleId"]
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/{role}"
    iam.put_role_policy(RoleName=role, PolicyName="read", PolicyDocument=policy({
        "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*",
        "Condition": {"StringEquals": {"aws:userid": f"{role_id}:reader", "aws:PrincipalType": "AssumedRole"},
                      # The role, not the session, and no aws:username for a role session.
                      "ArnEquals": {"aws:PrincipalArn": role_arn},
                      "Null": {"aws:username": "true"}}}))

    def session(name):
        c = server.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=name)["Credentials"]
        return s3_as(server, c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])

    assert session("reader").get_object(Bucket=bucket, Key="doc.txt")["Body"].read() == b"hello"
    assert code_of(session("someone").get_object, Bucket=bucket, Key="doc.txt") == "AccessDenied"


def test_root_and_anonymous_keys_in_bucket_policies(server, bucket):
    s3 = server.client("s3")
    s3.put_object(Bucket=bucket, Key="doc.txt", Body=b"hello")
    s3.put_object(Bucket=bucket, Key="open/page.html", Body=b"<p>hi</p>")
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(
        # The account root: aws:userid is the account, aws:PrincipalType "Account".
        {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/doc.txt",
         "Condition": {"StringEquals": {"aws:userid": ACCOUNT, "aws:PrincipalType": "Account"}}},
        # Unsigned callers: aws:userid "anonymous", aws:PrincipalType "Anonymous".
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/open/*",
         "Condition": {"StringEquals": {"aws:userid": "anonymous", "aws:PrincipalType": "Anonymous"}}}))
    assert code_of(s3.get_object, Bucket=bucket, Key="doc.txt") == "AccessDenied"
    status, _, body = server.http("GET", f"/{bucket}/open/page.html")
    assert (status, body) == (200, b"<p>hi</p>")
    assert server.http("GET", f"/{bucket}/doc.txt")[0] == 403
    s3.delete_bucket_policy(Bucket=bucket)
    assert s3.get_object(Bucket=bucket, Key="doc.txt")["Body"].read() == b"hello"


def statement(bucket, **kw):
    s = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/*"}
    s.update(kw)
    return {k: v for k, v in s.items() if v is not None}


@pytest.mark.parametrize("change, message", [
    ({"Resource": None}, "Missing required field Resource"),
    ({"Principal": None}, "Missing required field Principal"),
    ({"Action": None}, "Missing required field Action"),
    ({"Action": "iam:GetUser"}, "Policy has invalid action"),
    ({"Action": "GetObject"}, "Policy has invalid action"),
    ({"Resource": "arn:aws:s3:::another-bucket/*"}, "Policy has invalid resource"),
    ({"Condition": {"StringEquals": {"s3:no-such-key": "x"}}}, "Policy has an invalid condition key"),
    ({"Condition": {"StringEqualz": {"aws:SourceIp": "x"}}}, "Invalid Condition type : StringEqualz"),
    ({"Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.300"}}}, "Invalid IP address in Conditions"),
    ({"Resource": "BUCKET"}, "Action does not apply to any resource(s) in statement"),
    ({"Action": "s3:ListBucket"}, "Action does not apply to any resource(s) in statement"),
    ({"Effect": "Maybe"}, "Invalid effect: Maybe"),
])
def test_put_bucket_policy_refuses(server, bucket, change, message):
    s3 = server.client("s3")
    change = {k: (f"arn:aws:s3:::{bucket}" if v == "BUCKET" else v) for k, v in change.items()}
    with pytest.raises(ClientError) as e:
        s3.put_bucket_policy(Bucket=bucket, Policy=policy(statement(bucket, **change)))
    err = e.value.response
    assert (err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Message"]) == (
        "MalformedPolicy", 400, message)
    with pytest.raises(ClientError) as e:
        s3.get_bucket_policy(Bucket=bucket)
    assert e.value.response["Error"]["Code"] == "NoSuchBucketPolicy"


def test_put_bucket_policy_version_and_accepted_forms(server, bucket):
    s3 = server.client("s3")
    doc = json.dumps({"Version": "2012-10-18", "Statement": [statement(bucket)]})
    with pytest.raises(ClientError) as e:
        s3.put_bucket_policy(Bucket=bucket, Policy=doc)
    assert e.value.response["Error"]["Message"] == "The policy must contain a valid version string"
    accepted = policy(
        statement(bucket, Action=["s3:ListBucket", "s3:GetObject"], Resource=f"arn:aws:s3:::{bucket}"),
        statement(bucket, Condition={"StringLike": {"s3:ExistingObjectTag/team": "web*", "aws:UserAgent": "*"},
                                     "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}}),
        statement(bucket, Resource=None, NotResource=f"arn:aws:s3:::{bucket}/private/*"),
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=accepted)
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(accepted)
