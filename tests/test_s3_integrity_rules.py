"""The integrity-header rules S3 enforces: BadDigest says which digest was expected and
which was calculated, InvalidDigest echoes the Content-MD5 sent. And a bucket or identity
policy takes effect on the next request after it changes. Object writes go out raw, signed
by botocore, so that no integrity header is sent unless the test adds it."""

import base64
import hashlib
import json

import pytest
from botocore.exceptions import ClientError

from conftest import unique
from test_s3_requests import send, xml_error

BODY = b"some bytes"


def md5_b64(data):
    return base64.b64encode(hashlib.md5(data).digest()).decode()


@pytest.fixture
def s3(server):
    return server.client("s3")


# --- BadDigest and InvalidDigest details -----------------------------------------------------

def part_path(bucket, key, upload, n=1):
    return f"/{bucket}/{key}?partNumber={n}&uploadId={upload}"


@pytest.fixture
def bucket(s3):
    name = unique("digest").lower()
    s3.create_bucket(Bucket=name)
    return name


def test_bad_digest_of_an_object_names_both_digests(server, s3, bucket):
    sent = md5_b64(b"hello world")
    status, _, body = send(server, "PUT", f"/{bucket}/obj", b"", {"Content-MD5": sent})
    assert status == 400
    e = xml_error(body)
    assert e["Code"] == "BadDigest"
    assert e["Message"] == "The Content-MD5 you specified did not match what we received."
    # What S3 computed in base64, what it was told to expect in hex.
    assert e["CalculatedDigest"] == md5_b64(b"") == "1B2M2Y8AsgTpgAmY7PhCfg=="
    assert e["ExpectedDigest"] == hashlib.md5(b"hello world").hexdigest()
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="obj")


def test_bad_digest_of_a_part_names_both_digests(server, s3, bucket):
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    status, _, body = send(server, "PUT", part_path(bucket, "mp", upload), BODY,
                           {"Content-MD5": md5_b64(b"other")})
    assert status == 400
    e = xml_error(body)
    assert (e["Code"], e["CalculatedDigest"], e["ExpectedDigest"]) == (
        "BadDigest", md5_b64(BODY), hashlib.md5(b"other").hexdigest())


def test_bad_digest_of_a_request_document_is_in_base64(server, bucket):
    tags = (b'<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>'
            b"<Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>")
    sent = md5_b64(b"another document")
    status, _, body = send(server, "PUT", f"/{bucket}?tagging", tags, {"Content-MD5": sent})
    assert status == 400
    e = xml_error(body)
    assert (e["Code"], e["CalculatedDigest"], e["ExpectedDigest"]) == ("BadDigest", md5_b64(tags), sent)


@pytest.mark.parametrize("sent", ["dummy", base64.b64encode(b"fifteen bytes!!").decode()])
def test_invalid_digest_echoes_the_content_md5(server, s3, bucket, sent):
    status, _, body = send(server, "PUT", f"/{bucket}/obj", BODY, {"Content-MD5": sent})
    assert status == 400
    e = xml_error(body)
    assert (e["Code"], e["Message"], e["Content-MD5"]) == (
        "InvalidDigest", "The Content-MD5 you specified was invalid.", sent)
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="obj")


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
