"""Bucket-level rules S3 enforces on writes and configurations: the reserved `aws:` tag
space (objects and buckets), SSE-C blocked through the bucket encryption configuration's
`BlockedEncryptionTypes`, and replication's rule IDs and priorities, which also keep
versioning from being suspended. Every refusal leaves what was stored as it was."""

import base64
import hashlib
import http.client
import urllib.parse
import xml.etree.ElementTree as ET

import boto3
import botocore.handlers
import pytest
from botocore.client import Config
from botocore.exceptions import ClientError

from conftest import unique

SIGNED = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, "
                           "SignedHeaders=host, Signature=0"}
ROLE = "arn:aws:iam::123456789012:role/replication"
KEY_A = b"0123456789abcdef0123456789abcdef"
OBJECT_SYSTEM_TAG = (400, "InvalidTag", "Your TagKey cannot be prefixed with aws:")
BUCKET_SYSTEM_TAG = (400, "InvalidTag", "System tags cannot be added/updated by requester")
BLOCKED = (403, "AccessDenied", "Access Denied")
MALFORMED = (400, "MalformedXML",
             "The XML you provided was not well-formed or did not validate against our published schema")


def error_of(excinfo):
    e = excinfo.value.response
    return e["ResponseMetadata"]["HTTPStatusCode"], e["Error"]["Code"], e["Error"].get("Message")


def raw_error(body):
    return {child.tag: child.text for child in ET.fromstring(body)}


def sse(key=KEY_A):
    return {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": key}


def b64(b):
    return base64.b64encode(b).decode()


def customer_fields(key=KEY_A):
    return {
        "x-amz-server-side-encryption-customer-algorithm": "AES256",
        "x-amz-server-side-encryption-customer-key": b64(key),
        "x-amz-server-side-encryption-customer-key-MD5": b64(hashlib.md5(key).digest()),
    }


def keys(s3, bucket):
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def post_form(server, bucket, key, fields):
    """A POST Object upload of `fields` (presigned by boto3) with a small file; (status, body)."""
    signer = boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                          config=Config(signature_version="s3v4"))
    form = signer.generate_presigned_post(bucket, key, Fields=fields,
                                          Conditions=[{k: v} for k, v in fields.items()])
    boundary = "----bucketRulesBoundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in form["fields"].items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.txt"\r\n'
                 "Content-Type: text/plain\r\n\r\nform body\r\n".encode())
    parts.append(f"--{boundary}--\r\n".encode())
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("POST", urllib.parse.urlsplit(form["url"]).path, body=b"".join(parts),
                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    r = conn.getresponse()
    out = r.status, r.read()
    conn.close()
    return out


@pytest.fixture
def s3(server):
    client = server.client("s3")
    # These tests send many writes refused before their body is read. botocore sends them
    # with `Expect: 100-continue`; the server then closes the connection after its answer
    # without a `Connection: close`, and botocore's next request on it can fail. Without
    # the header every request's answer stays its own.
    client.meta.events.unregister("before-call.s3", botocore.handlers.add_expect_header)
    return client


@pytest.fixture
def bucket(s3):
    name = unique("rules")
    s3.create_bucket(Bucket=name)
    return name


# ---- The reserved aws: tag space ----


def test_object_writes_refuse_system_tags(server, s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="new", Body=b"x", Tagging="team=web&aws%3Acreated-by=me")
    assert error_of(e) == OBJECT_SYSTEM_TAG

    s3.put_object(Bucket=bucket, Key="src", Body=b"source", Tagging="team=web")
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "src"},
                       TaggingDirective="REPLACE", Tagging="aws:x=1")
    assert error_of(e) == OBJECT_SYSTEM_TAG

    with pytest.raises(ClientError) as e:
        s3.create_multipart_upload(Bucket=bucket, Key="mpu", Tagging="aws:x=1")
    assert error_of(e) == OBJECT_SYSTEM_TAG
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []

    with pytest.raises(ClientError) as e:
        s3.put_object_tagging(Bucket=bucket, Key="src",
                              Tagging={"TagSet": [{"Key": "ok", "Value": "1"}, {"Key": "aws:x", "Value": "2"}]})
    assert error_of(e) == OBJECT_SYSTEM_TAG
    assert s3.get_object_tagging(Bucket=bucket, Key="src")["TagSet"] == [{"Key": "team", "Value": "web"}]

    doc = "<Tagging><TagSet><Tag><Key>aws:x</Key><Value>1</Value></Tag></TagSet></Tagging>"
    status, body = post_form(server, bucket, "posted", {"tagging": doc})
    assert (status, raw_error(body)["Code"], raw_error(body)["Message"]) == OBJECT_SYSTEM_TAG
    assert keys(s3, bucket) == ["src"]

    # Only the prefix is reserved, and only in lower case.
    s3.put_object(Bucket=bucket, Key="fine", Body=b"x", Tagging="team%3Aaws%3Ax=1&AWS=2")
    assert {t["Key"] for t in s3.get_object_tagging(Bucket=bucket, Key="fine")["TagSet"]} == {"team:aws:x", "AWS"}


def test_bucket_tagging_refuses_system_tags(s3, bucket):
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "team", "Value": "web"}]})
    with pytest.raises(ClientError) as e:
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [
            {"Key": "team", "Value": "ops"}, {"Key": "aws:cloudformation:stack-name", "Value": "s"}]})
    assert error_of(e) == BUCKET_SYSTEM_TAG
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "team", "Value": "web"}]
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "something:aws:stuff", "Value": "fine"}]})
