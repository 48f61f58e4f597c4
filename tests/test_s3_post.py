"""S3 browser-based uploads (POST Object): forms made by boto3's `generate_presigned_post`,
posted as multipart/form-data with plain urllib/http.client; policy conditions, success
actions and S3's errors; in strict mode the form's signature is verified."""

import datetime
import http.client
import json
import urllib.parse
import xml.etree.ElementTree as ET
from unittest import mock

import boto3
import pytest
from botocore.config import Config

from conftest import Server, unique


def encode_form(fields, file_name="hello.txt", data=b"hello from a browser", file_type="text/plain"):
    boundary = "----cloudletFormBoundary7MA4YWxkTrZu0gW"
    out = []
    for k, v in fields.items():
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    if data is not None:
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
                   f"Content-Type: {file_type}\r\n\r\n".encode() + data + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def post(server, url, fields, **file):
    body, content_type = encode_form(fields, **file)
    path = urllib.parse.urlsplit(url).path
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.request("POST", path, body=body, headers={"Content-Type": content_type})
    r = conn.getresponse()
    out = r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    conn.close()
    return out


def error(body):
    return {child.tag: child.text for child in ET.fromstring(body)}


def s3_client(server, secret="test", version="s3v4"):
    return boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key=secret,
                        config=Config(signature_version=version, retries={"max_attempts": 1}))


@pytest.fixture
def bucket(server):
    name = unique("post").lower()
    server.client("s3").create_bucket(Bucket=name)
    return name


def presigned(server, bucket, fields=None, conditions=None, key="uploads/${filename}", **kw):
    fields = dict(fields or {})
    conditions = list(conditions or []) + [{k: v} for k, v in fields.items()]
    if key.endswith("${filename}"):
        conditions.append(["starts-with", "$key", key[: -len("${filename}")]])
    return s3_client(server, **kw).generate_presigned_post(
        bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=300)


def test_upload_with_201_response(server, bucket):
    form = presigned(server, bucket, fields={
        "Content-Type": "text/plain", "x-amz-meta-owner": "me", "success_action_status": "201"},
        conditions=[["content-length-range", 1, 1000]])
    status, headers, body = post(server, form["url"], form["fields"])
    assert status == 201, body
    root = ET.fromstring(body)
    assert root.tag == "PostResponse"
    got = {c.tag: c.text for c in root}
    assert (got["Bucket"], got["Key"]) == (bucket, "uploads/hello.txt")
    assert got["Location"].endswith(f"/{bucket}/uploads/hello.txt")
    obj = server.client("s3").get_object(Bucket=bucket, Key="uploads/hello.txt")
    assert obj["Body"].read() == b"hello from a browser"
    assert (obj["ContentType"], obj["Metadata"]) == ("text/plain", {"owner": "me"})
    assert got["ETag"] == obj["ETag"] == headers["etag"]


@pytest.mark.parametrize("status_field, expected", [(None, 204), ("200", 200), ("204", 204), ("418", 204)])
def test_success_action_status(server, bucket, status_field, expected):
    fields = {"success_action_status": status_field} if status_field else {}
    form = presigned(server, bucket, fields=fields)
    status, headers, body = post(server, form["url"], form["fields"])
    assert (status, body) == (expected, b"")
    assert headers["location"].endswith(f"/{bucket}/uploads/hello.txt")


def test_success_action_redirect(server, bucket):
    form = presigned(server, bucket, fields={"success_action_redirect": "http://app.example/done?x=1"})
    status, headers, _ = post(server, form["url"], form["fields"], file_name="a b.txt")
    assert status == 303
    location = urllib.parse.urlsplit(headers["location"])
    assert (location.netloc, location.path) == ("app.example", "/done")
    q = urllib.parse.parse_qs(location.query)
    assert (q["x"], q["bucket"], q["key"]) == (["1"], [bucket], ["uploads/a b.txt"])
    assert q["etag"][0].startswith('"') and q["etag"][0].endswith('"')


def test_large_file_streams_through(server, bucket):
    data = bytes(range(256)) * (8 * 4096)  # 8 MiB
    form = presigned(server, bucket)
    status, _, _ = post(server, form["url"], form["fields"], file_name="big.bin", data=data)
    assert status == 204
    assert server.client("s3").get_object(Bucket=bucket, Key="uploads/big.bin")["Body"].read() == data


def test_policy_conditions(server, bucket):
    form = presigned(server, bucket, fields={"Content-Type": "text/plain"})
    fields = dict(form["fields"], key="elsewhere/x.txt")
    status, _, body = post(server, form["url"], fields)
    assert (status, error(body)["Code"], error(body)["Message"]) == (
        403, "AccessDenied",
        'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "uploads/"]')
    fields = dict(form["fields"], **{"Content-Type": "image/png"})
    status, _, body = post(server, form["url"], fields)
    assert error(body)["Message"] == (
        'Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "text/plain"]')
    fields = dict(form["fields"], **{"x-amz-meta-extra": "1", "x-ignore-this": "fine"})
    status, _, body = post(server, form["url"], fields)
    assert (status, error(body)["Message"]) == (403, "Invalid according to Policy: Extra input fields: x-amz-meta-extra")
    assert server.client("s3").list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_expired_policy(server, bucket):
    past = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - datetime.timedelta(hours=1)
    with mock.patch("botocore.signers.get_current_datetime", return_value=past):
        form = presigned(server, bucket)
    status, _, body = post(server, form["url"], form["fields"])
    assert (status, error(body)["Code"], error(body)["Message"]) == (
        403, "AccessDenied", "Invalid according to Policy: Policy expired.")


def test_content_length_range(server, bucket):
    form = presigned(server, bucket, conditions=[["content-length-range", 5, 10]])
    status, _, body = post(server, form["url"], form["fields"], data=b"x" * 11)
    e = error(body)
    assert (status, e["Code"], e["Message"], e["ProposedSize"], e["MaxSizeAllowed"]) == (
        400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", "11", "10")
    status, _, body = post(server, form["url"], form["fields"], data=b"x" * 4)
    e = error(body)
    assert (status, e["Code"], e["ProposedSize"], e["MinSizeAllowed"]) == (400, "EntityTooSmall", "4", "5")
    assert server.client("s3").list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    assert post(server, form["url"], form["fields"], data=b"x" * 10)[0] == 204


def test_content_md5_field(server, bucket):
    import base64
    import hashlib

    data = b"hello from a browser"
    good = base64.b64encode(hashlib.md5(data).digest()).decode()
    bad = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    form = presigned(server, bucket, conditions=[["starts-with", "$Content-MD5", ""]])
    assert post(server, form["url"], dict(form["fields"], **{"Content-MD5": good}), data=data)[0] == 204
    status, _, body = post(server, form["url"], dict(form["fields"], **{"Content-MD5": bad}), file_name="x.txt")
    assert (status, error(body)["Code"]) == (400, "BadDigest")
    status, _, body = post(server, form["url"], dict(form["fields"], **{"Content-MD5": "nope"}), file_name="x.txt")
    assert (status, error(body)["Code"]) == (400, "InvalidDigest")
    keys = [o["Key"] for o in server.client("s3").list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["uploads/hello.txt"]


def test_malformed_forms(server, bucket):
    form = presigned(server, bucket)
    status, _, body = post(server, form["url"], form["fields"], data=None)
    e = error(body)
    assert (status, e["Code"], e["Message"], e["ArgumentName"]) == (
        400, "InvalidArgument", "POST requires exactly one file upload per request.", "file")
    fields = {k: v for k, v in form["fields"].items() if k != "key"}
    status, _, body = post(server, form["url"], fields)
    e = error(body)
    assert (status, e["Code"], e["ArgumentName"]) == (400, "InvalidArgument", "key")
    assert e["Message"] == ("Bucket POST must contain a field named 'key'.  If it is specified, "
                            "please check the order of the fields.")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("POST", f"/{bucket}", body=b"--b\r\nnot a form",
                 headers={"Content-Type": "multipart/form-data; boundary=b"})
    r = conn.getresponse()
    assert (r.status, error(r.read())["Code"]) == (400, "MalformedPOSTRequest")
    conn.request("POST", f"/{bucket}", body=b"{}", headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    e = error(r.read())
    assert (r.status, e["Code"], e["Condition"]) == (
        412, "PreconditionFailed", "Bucket POST must be of the enclosure-type multipart/form-data")
    conn.close()


def test_unsigned_form_follows_the_bucket_policy(server, bucket):
    status, _, body = post(server, f"{server.endpoint}/{bucket}", {"key": "anon.txt"})
    assert (status, error(body)["Code"]) == (403, "AccessDenied")
    s3 = server.client("s3")
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/drop/*"}]}))
    assert post(server, f"{server.endpoint}/{bucket}", {"key": "drop/anon.txt"})[0] == 204
    assert s3.get_object(Bucket=bucket, Key="drop/anon.txt")["Body"].read() == b"hello from a browser"


@pytest.fixture(scope="module")
def strict():
    s = Server(extra_args=["--strict-auth"]).start()
    yield s
    s.stop()


@pytest.mark.parametrize("version", ["s3v4", "s3"])
def test_strict_mode_verifies_the_form_signature(strict, version):
    name = unique("strictpost").lower()
    s3_client(strict).create_bucket(Bucket=name)
    form = presigned(strict, name, version=version)
    assert post(strict, form["url"], form["fields"])[0] == 204
    forged = presigned(strict, name, secret="not-the-secret", version=version)
    status, _, body = post(strict, forged["url"], forged["fields"])
    assert (status, error(body)["Code"]) == (403, "SignatureDoesNotMatch")
    # The policy is what is signed: another policy breaks the signature.
    other = presigned(strict, name, key="other/${filename}", version=version)
    fields = dict(form["fields"], policy=other["fields"]["policy"])
    assert post(strict, form["url"], fields)[0] == 403
