"""The integrity-header rules S3 enforces: under Object Lock, PutObject and UploadPart with
lock parameters (a retention or legal hold asked for, or the bucket's default retention)
need Content-MD5 or a checksum; BadDigest says which digest was expected and which was
calculated, InvalidDigest echoes the Content-MD5 sent. And a bucket or identity policy
takes effect on the next request after it changes. Object writes go out raw, signed by
botocore, so that no integrity header is sent unless the test adds it."""

import base64
import hashlib
import json
import zlib
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from conftest import unique
from test_s3_requests import send, xml_error

LOCK_PUT = ("Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests "
            "with Object Lock parameters")
LOCK_PART = ("Content-MD5 OR x-amz-checksum- HTTP header is required for Put Part requests "
             "with Object Lock parameters")
BODY = b"locked bytes"


def md5_b64(data):
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def crc32_b64(data):
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def retain_until(days=1):
    return (datetime.now(timezone.utc) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def locked(s3):
    """A bucket with Object Lock and no default retention."""
    name = unique("lockint").lower()
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    return name


@pytest.fixture
def defaulted(s3, locked):
    """`locked`, with a default GOVERNANCE retention of one day."""
    s3.put_object_lock_configuration(Bucket=locked, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}})
    return locked


def refused(status, body, message):
    assert status == 400, body
    e = xml_error(body)
    return (e["Code"], e["Message"]) == ("InvalidRequest", message)


def versions(s3, bucket, key):
    listed = s3.list_object_versions(Bucket=bucket, Prefix=key)
    return [v for v in listed.get("Versions", []) if v["Key"] == key]


# --- PutObject under Object Lock -------------------------------------------------------------

def test_put_without_lock_parameters_needs_no_integrity_header(server, s3, locked):
    status, _, body = send(server, "PUT", f"/{locked}/plain", BODY)
    assert status == 200, body
    assert s3.get_object(Bucket=locked, Key="plain")["Body"].read() == BODY


@pytest.mark.parametrize("lock_headers", [
    pytest.param(lambda: {"x-amz-object-lock-mode": "GOVERNANCE",
                          "x-amz-object-lock-retain-until-date": retain_until()}, id="retention"),
    pytest.param(lambda: {"x-amz-object-lock-legal-hold": "ON"}, id="legal-hold"),
])
def test_put_with_lock_parameters_needs_an_integrity_header(server, s3, locked, lock_headers):
    headers = lock_headers()
    status, _, body = send(server, "PUT", f"/{locked}/k", BODY, headers)
    assert refused(status, body, LOCK_PUT)
    # x-amz-content-sha256 (signed payload) is no integrity header here.
    assert versions(s3, locked, "k") == []
    for integrity in ({"Content-MD5": md5_b64(BODY)}, {"x-amz-checksum-crc32": crc32_b64(BODY)}):
        status, _, body = send(server, "PUT", f"/{locked}/k", BODY, {**headers, **integrity})
        assert status == 200, body
    assert len(versions(s3, locked, "k")) == 2


def test_default_retention_makes_every_put_need_an_integrity_header(server, s3, defaulted):
    status, _, body = send(server, "PUT", f"/{defaulted}/k", BODY)
    assert refused(status, body, LOCK_PUT)
    assert versions(s3, defaulted, "k") == []
    status, _, body = send(server, "PUT", f"/{defaulted}/k", BODY, {"Content-MD5": md5_b64(BODY)})
    assert status == 200, body
    assert s3.get_object_retention(Bucket=defaulted, Key="k")["Retention"]["Mode"] == "GOVERNANCE"


def test_a_bad_content_md5_is_still_invalid_under_object_lock(server, defaulted):
    status, _, body = send(server, "PUT", f"/{defaulted}/k", BODY, {"Content-MD5": "dummy"})
    assert status == 400 and xml_error(body)["Code"] == "InvalidDigest"


# --- UploadPart under Object Lock ------------------------------------------------------------

def part_path(bucket, key, upload, n=1):
    return f"/{bucket}/{key}?partNumber={n}&uploadId={upload}"


def test_parts_of_an_upload_with_retention_need_an_integrity_header(server, s3, locked):
    upload = s3.create_multipart_upload(
        Bucket=locked, Key="mp", ObjectLockMode="GOVERNANCE",
        ObjectLockRetainUntilDate=datetime.now(timezone.utc) + timedelta(days=1))["UploadId"]
    status, _, body = send(server, "PUT", part_path(locked, "mp", upload), BODY)
    assert refused(status, body, LOCK_PART)
    assert s3.list_parts(Bucket=locked, Key="mp", UploadId=upload).get("Parts", []) == []
    status, _, body = send(server, "PUT", part_path(locked, "mp", upload), BODY, {"Content-MD5": md5_b64(BODY)})
    assert status == 200, body
    assert [p["PartNumber"] for p in s3.list_parts(Bucket=locked, Key="mp", UploadId=upload)["Parts"]] == [1]


def test_parts_of_a_plain_upload_need_none_without_default_retention(server, s3, locked):
    upload = s3.create_multipart_upload(Bucket=locked, Key="mp")["UploadId"]
    status, _, body = send(server, "PUT", part_path(locked, "mp", upload), BODY)
    assert status == 200, body


def test_parts_need_an_integrity_header_under_default_retention(server, s3, defaulted):
    upload = s3.create_multipart_upload(Bucket=defaulted, Key="mp")["UploadId"]
    status, _, body = send(server, "PUT", part_path(defaulted, "mp", upload), BODY)
    assert refused(status, body, LOCK_PART)
    headers = {"x-amz-checksum-crc32": crc32_b64(BODY)}
    status, _, body = send(server, "PUT", part_path(defaulted, "mp", upload), BODY, headers)
    assert status == 200, body


# --- BadDigest and InvalidDigest details -----------------------------------------------------


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
