"""S3 presigned URLs (SigV4 query auth and legacy SigV2 `AWSAccessKeyId`/`Expires`/`Signature`)
in the default mode: made by boto3, fetched with urllib; expiry is enforced and the URL acts
as the principal of the key that signed it."""

import datetime
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from unittest import mock

import boto3
import pytest
from botocore.config import Config

from conftest import unique


def s3_client(server, key="test", version="s3v4"):
    return boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key="secret",
                        config=Config(signature_version=version, retries={"max_attempts": 1}))


def fetch(url, method="GET", body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def error(body):
    root = ET.fromstring(body)
    return {child.tag: child.text for child in root}


@pytest.fixture
def bucket(server):
    name = unique("presign").lower()
    server.client("s3").create_bucket(Bucket=name)
    return name


@pytest.mark.parametrize("version", ["s3v4", "s3"])
def test_presigned_get_and_put(server, bucket, version):
    s3 = s3_client(server, version=version)
    put = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "up/load.txt"}, ExpiresIn=300)
    # urllib would add its own form Content-Type, which SigV2 signs: send none.
    status, _ = fetch(put, "PUT", b"uploaded through a link", headers={"Content-Type": ""})
    assert status == 200
    get = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "up/load.txt"}, ExpiresIn=300)
    assert fetch(get) == (200, b"uploaded through a link")
    # response-* overrides travel in the signed query too.
    get = s3.generate_presigned_url("get_object", ExpiresIn=300, Params={
        "Bucket": bucket, "Key": "up/load.txt", "ResponseContentType": "text/plain"})
    with urllib.request.urlopen(get) as r:
        assert r.headers["Content-Type"] == "text/plain"


def test_expired_sigv4_url(server, bucket):
    server.client("s3").put_object(Bucket=bucket, Key="k", Body=b"x")
    two_hours_ago = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - datetime.timedelta(hours=2)
    with mock.patch("botocore.auth.get_current_datetime", return_value=two_hours_ago):
        url = s3_client(server).generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=3600)
    status, body = fetch(url)
    assert status == 403
    e = error(body)
    assert (e["Code"], e["Message"], e["X-Amz-Expires"]) == ("AccessDenied", "Request has expired", "3600")
    expires = two_hours_ago + datetime.timedelta(hours=1)
    assert e["Expires"] == expires.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert e["ServerTime"] > e["Expires"]


def test_url_dated_in_the_future(server, bucket):
    server.client("s3").put_object(Bucket=bucket, Key="k", Body=b"x")
    later = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + datetime.timedelta(hours=2)
    with mock.patch("botocore.auth.get_current_datetime", return_value=later):
        url = s3_client(server).generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=60)
    status, body = fetch(url)
    e = error(body)
    assert (status, e["Code"], e["Message"]) == (403, "AccessDenied", "Request is not yet valid")
    assert e["X-Amz-Date"] == str(int(later.replace(tzinfo=datetime.timezone.utc).timestamp()) * 1000)
    assert e["ServerTime"] < e["Expires"]


def test_expired_sigv2_url(server, bucket):
    server.client("s3").put_object(Bucket=bucket, Key="k", Body=b"x")
    with mock.patch("botocore.auth.time.time", return_value=time.time() - 7200):
        url = s3_client(server, version="s3").generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=60)
    status, body = fetch(url)
    assert status == 403
    e = error(body)
    assert (e["Code"], e["Message"]) == ("AccessDenied", "Request has expired")
    assert "X-Amz-Expires" not in e and e["Expires"] < e["ServerTime"]


def test_expiry_longer_than_a_week_is_refused(server, bucket):
    url = s3_client(server).generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=604801)
    status, body = fetch(url)
    assert status == 400
    e = error(body)
    assert (e["Code"], e["Message"]) == (
        "AuthorizationQueryParametersError",
        "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds")
    url = s3_client(server).generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=604800)
    assert fetch(url)[0] == 404


def test_incomplete_presigned_query(server, bucket):
    status, body = fetch(f"{server.endpoint}/{bucket}/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20260101%2Fus-east-1%2Fs3%2Faws4_request")
    assert status == 400 and error(body)["Code"] == "AuthorizationQueryParametersError"
    status, body = fetch(f"{server.endpoint}/{bucket}/k?AWSAccessKeyId=test&Signature=x")
    assert (status, error(body)["Message"]) == (
        403, "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters")


@pytest.mark.parametrize("version", ["s3v4", "s3"])
def test_a_url_acts_as_its_signer(server, bucket, version):
    server.client("s3").put_object(Bucket=bucket, Key="k", Body=b"owner's")
    other = s3_client(server, key="111122223333", version=version)
    url = other.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=60)
    status, body = fetch(url)
    assert (status, error(body)["Code"]) == (403, "AccessDenied")
    theirs = unique("theirs").lower()
    other.create_bucket(Bucket=theirs)
    url = other.generate_presigned_url("put_object", Params={"Bucket": theirs, "Key": "k"}, ExpiresIn=60)
    assert fetch(url, "PUT", b"mine", headers={"Content-Type": ""})[0] == 200
    assert other.get_object(Bucket=theirs, Key="k")["Body"].read() == b"mine"
