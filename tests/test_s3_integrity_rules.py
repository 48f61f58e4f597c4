"""A bucket or identity policy takes effect on the next request after it changes (the
parsed policies S3 keeps are found by their text, never served stale)."""

import json

import pytest
from botocore.exceptions import ClientError

from conftest import unique


@pytest.fixture
def s3(server):
    return server.client("s3")


@pytest.fixture
def bucket(s3):
    name = unique("digest").lower()
    s3.create_bucket(Bucket=name)
    return name


# --- policy changes take effect at once ------------------------------------------------------

def read_policy(bucket, effect, sid="Read"):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": sid, "Effect": effect, "Principal": "*", "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/*"}]})


def test_a_changed_bucket_policy_applies_to_the_next_request(server, s3, bucket):
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="doc", Body=b"public")
    path = f"/{bucket}/doc"
    assert server.http("GET", path)[0] == 403
    s3.put_bucket_policy(Bucket=bucket, Policy=read_policy(bucket, "Allow"))
    assert server.http("GET", path)[:3:2] == (200, b"public")
    # The same document with one word changed: a different text, so a different decision.
    s3.put_bucket_policy(Bucket=bucket, Policy=read_policy(bucket, "Deny"))
    assert server.http("GET", path)[0] == 403
    s3.put_bucket_policy(Bucket=bucket, Policy=read_policy(bucket, "Allow"))
    assert server.http("GET", path)[0] == 200
    s3.delete_bucket_policy(Bucket=bucket)
    assert server.http("GET", path)[0] == 403
    # Block Public Access voids a public policy for anonymous callers as soon as it is set.
    s3.put_bucket_policy(Bucket=bucket, Policy=read_policy(bucket, "Allow"))
    assert server.http("GET", path)[0] == 200
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": False,
        "BlockPublicPolicy": False, "RestrictPublicBuckets": True})
    assert server.http("GET", path)[0] == 403


def test_a_changed_identity_policy_applies_to_the_next_request(server, s3, bucket):
    iam = server.client("iam")
    user = unique("polcache-user")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    as_user = server.client("s3", aws_access_key_id=key["AccessKeyId"],
                            aws_secret_access_key=key["SecretAccessKey"])
    s3.put_object(Bucket=bucket, Key="doc", Body=b"hello")

    def user_policy(effect):
        iam.put_user_policy(UserName=user, PolicyName="read", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": effect, "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}))

    def reads():
        try:
            return as_user.get_object(Bucket=bucket, Key="doc")["Body"].read() == b"hello"
        except ClientError as e:
            assert e.response["Error"]["Code"] == "AccessDenied"
            return False

    assert not reads()
    user_policy("Allow")
    assert reads()
    user_policy("Deny")
    assert not reads()
    user_policy("Allow")
    assert reads()
    iam.delete_user_policy(UserName=user, PolicyName="read")
    assert not reads()
