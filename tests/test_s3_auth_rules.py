"""S3 request authentication rules beyond the happy path, in both modes: one mechanism per
request, unreadable `Authorization` headers, presigned-URL parameter errors with S3's words,
and (with `--strict-auth`) dates, credential scopes and what a signature mismatch reports."""

import base64
import datetime
import hashlib
import hmac
import time
from email.utils import formatdate

import boto3
import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from conftest import Server, unique, xml_error

TWO_MECHANISMS = ("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature "
                  "query string parameter or the Authorization header should be specified")
MALFORMED_CREDENTIAL = ('the Credential is mal-formed; expecting '
                        '"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".')


@pytest.fixture(scope="module")
def strict():
    s = Server(extra_args=["--strict-auth"]).start()
    yield s
    s.stop()


@pytest.fixture(params=["default", "strict"])
def any_mode(request, server, strict):
    return server if request.param == "default" else strict


def s3(server, version="s3v4", region="us-east-1"):
    return boto3.client("s3", endpoint_url=server.endpoint, region_name=region,
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(signature_version=version, retries={"max_attempts": 1}))


def signed_headers(server, path, secret="test", method="GET"):
    """Headers botocore signs a request (a GET) of `path` with."""
    req = AWSRequest(method=method, url=server.endpoint + path)
    req.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD"
    S3SigV4Auth(Credentials("test", secret), "s3", "us-east-1").add_auth(req)
    return dict(req.headers.items())


@pytest.fixture
def obj(any_mode):
    bucket = unique("authrules").lower()
    client = s3(any_mode)
    client.create_bucket(Bucket=bucket)
    client.put_object(Bucket=bucket, Key="k", Body=b"body")
    return any_mode, bucket


@pytest.mark.parametrize("version", ["s3v4", "s3"])
def test_a_signed_query_and_an_authorization_header_are_refused(obj, version):
    server, bucket = obj
    url = s3(server, version).generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=300)
    path = url[len(server.endpoint):]
    headers = signed_headers(server, f"/{bucket}/k")
    status, _, body = server.http("GET", path, headers=headers)
    e = xml_error(body)
    assert (status, e["Code"], e["Message"]) == (400, "InvalidArgument", TWO_MECHANISMS)
    assert (e["ArgumentName"], e["ArgumentValue"]) == ("Authorization", headers["Authorization"])
    # Each alone is fine; so is a header-signed request with an ordinary query.
    assert server.http("GET", path)[0] == 200
    assert server.http("GET", f"/{bucket}/k", headers=headers)[0] == 200
    listing = signed_headers(server, f"/{bucket}?list-type=2&prefix=Signature")
    assert server.http("GET", f"/{bucket}?list-type=2&prefix=Signature", headers=listing)[0] == 200


@pytest.mark.parametrize("value,message", [
    ("Bearer abc", "Unsupported Authorization Type"),
    ("AWS4-HMAC-SHA512 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00",
     "Unsupported Authorization Type"),
    ("AWS test:c2ln:extra", "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature"),
    ("AWS test", "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature"),
])
def test_unreadable_authorization_headers(obj, value, message):
    server, bucket = obj
    status, _, body = server.http("GET", f"/{bucket}/k", headers={"Authorization": value})
    e = xml_error(body)
    assert (status, e["Code"], e["Message"]) == (400, "InvalidArgument", message)
    assert (e["ArgumentName"], e["ArgumentValue"]) == ("Authorization", value)


def test_an_authorization_header_that_is_not_text(obj):
    """A header of bytes that are not text is refused, not served as anonymous."""
    server, bucket = obj
    status, _, body = server.http("GET", f"/{bucket}/k", headers={"Authorization": "AWS4 \xff"})
    e = xml_error(body)
    assert (status, e["Code"], e["Message"]) == (400, "InvalidArgument", "Unsupported Authorization Type")


@pytest.mark.parametrize("scope,problem", [
    ("test/20260101", MALFORMED_CREDENTIAL),
    ("test/20260101/us-east-1/s3/aws4_reques",
     'incorrect terminal "aws4_reques". This endpoint uses "aws4_request".'),
    ("test/2026-01-01/us-east-1/s3/aws4_request",
     'incorrect date format "2026-01-01". This date in the credential must be in the format "yyyyMMdd".'),
])
def test_a_malformed_credential_scope(obj, strict, scope, problem):
    server, bucket = obj
    # The default mode reads a header's access key and region only: a scope it can read them
    # from (as of a bad date) is examined in strict mode alone.
    if server is strict or "date format" not in problem:
        value = f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host, Signature=00"
        status, _, body = server.http("GET", f"/{bucket}/k", headers={
            "Authorization": value, "x-amz-date": "20260101T000000Z"})
        e = xml_error(body)
        assert (status, e["Code"], e["Message"]) == (
            400, "AuthorizationHeaderMalformed", "The authorization header is malformed; " + problem)
    url = s3(server).generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=60)
    path = url[len(server.endpoint):]
    start = path.index("X-Amz-Credential=")
    end = path.index("&", start)
    quoted = scope.replace("/", "%2F")
    status, _, body = server.http("GET", path[:start] + "X-Amz-Credential=" + quoted + path[end:])
    e = xml_error(body)
    assert (status, e["Code"], e["Message"]) == (
        400, "AuthorizationQueryParametersError", "Error parsing the X-Amz-Credential parameter; " + problem)


def test_strict_header_dates(strict):
    bucket = unique("authdates").lower()
    s3(strict).create_bucket(Bucket=bucket)
    path = f"/{bucket}"
    # Not a date at all: S3 cannot tell how far off it is.
    headers = signed_headers(strict, path)
    headers["X-Amz-Date"] = headers["X-Amz-Date"].rstrip("Z")
    status, _, body = strict.http("GET", path, headers=headers)
    e = xml_error(body)
    assert (status, e["Code"], e["Message"]) == (
        403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")
    # The scope's day must be the request's.
    now = datetime.datetime.now(datetime.timezone.utc)
    headers = signed_headers(strict, path)
    other_day = (now - datetime.timedelta(days=2)).strftime("%Y%m%d")
    headers["Authorization"] = headers["Authorization"].replace(now.strftime("%Y%m%d"), other_day, 1)
    status, _, body = strict.http("GET", path, headers=headers)
    e = xml_error(body)
    assert (status, e["Code"], e["Message"]) == (
        400, "AuthorizationHeaderMalformed",
        "The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.")


def test_strict_mismatch_reports_the_bytes_signed(strict):
    headers = signed_headers(strict, "/", secret="wrong")
    status, _, body = strict.http("GET", "/", headers=headers)
    e = xml_error(body)
    assert (status, e["Code"]) == (403, "SignatureDoesNotMatch")
    assert e["StringToSignBytes"] == " ".join(f"{b:02x}" for b in e["StringToSign"].encode())
    assert e["CanonicalRequestBytes"] == " ".join(f"{b:02x}" for b in e["CanonicalRequest"].encode())
    assert e["SignatureProvided"] == headers["Authorization"].rsplit("Signature=", 1)[1]
    # In S3's order.
    from xml.etree import ElementTree as ET
    tags = [c.tag for c in ET.fromstring(body)]
    assert tags[:8] == ["Code", "Message", "AWSAccessKeyId", "StringToSign", "SignatureProvided",
                        "StringToSignBytes", "CanonicalRequest", "CanonicalRequestBytes"]


def test_strict_sigv2_header_dates(strict):
    def send(date):
        # SigV2 over the date as sent: "GET\n\n\n{date}\n/".
        mac = hmac.new(b"test", f"GET\n\n\n{date}\n/".encode(), hashlib.sha1).digest()
        auth = "AWS test:" + base64.b64encode(mac).decode()
        return strict.http("GET", "/", headers={"Date": date, "Authorization": auth})

    assert send(formatdate(time.time(), usegmt=True))[0] == 200
    stale = formatdate(time.time() - 3600, usegmt=True)
    status, _, body = send(stale)
    e = xml_error(body)
    assert (status, e["Code"], e["RequestTime"], e["MaxAllowedSkewMilliseconds"]) == (
        403, "RequestTimeTooSkewed", stale, "900000")
    status, _, body = send("not a date")
    e = xml_error(body)
    assert (status, e["Code"], e["Message"]) == (
        403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")


def wrong_region(region):
    return (f"the region 'us-east-1' is wrong; expecting '{region}'")


def test_a_request_signed_for_another_region_than_the_buckets(any_mode):
    """S3 refuses a SigV4 request signed for a region the bucket is not in, naming the right
    one (which is how botocore finds it and retries there); nothing is written."""
    server = any_mode
    bucket = unique("elsewhere").lower()
    west = s3(server, region="eu-west-1")
    west.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    west.put_object(Bucket=bucket, Key="k", Body=b"body")
    headers = signed_headers(server, f"/{bucket}/k")
    status, h, body = server.http("GET", f"/{bucket}/k", headers=headers)
    e = xml_error(body)
    assert (status, e["Code"], e["Message"], e["Region"]) == (
        400, "AuthorizationHeaderMalformed", "The authorization header is malformed; " + wrong_region("eu-west-1"),
        "eu-west-1")
    assert h["x-amz-bucket-region"] == "eu-west-1"
    status, h, body = server.http("HEAD", f"/{bucket}/k", headers=signed_headers(server, f"/{bucket}/k", method="HEAD"))
    assert (status, h["x-amz-bucket-region"], body) == (400, "eu-west-1", b"")
    url = s3(server).generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=60)
    status, h, body = server.http("PUT", url[len(server.endpoint):], body=b"other")
    e = xml_error(body)
    assert (status, e["Code"], e["Message"], e["Region"]) == (
        400, "AuthorizationQueryParametersError",
        "Error parsing the X-Amz-Credential parameter; " + wrong_region("eu-west-1"), "eu-west-1")
    assert west.get_object(Bucket=bucket, Key="k")["Body"].read() == b"body"
    # botocore follows the named region; listing buckets, asking where one is and SigV2
    # signatures (which name no region) are answered from any region.
    east = s3(server)
    east.put_object(Bucket=bucket, Key="k2", Body=b"two")
    assert east.get_object(Bucket=bucket, Key="k2")["Body"].read() == b"two"
    assert east.get_bucket_location(Bucket=bucket)["LocationConstraint"] == "eu-west-1"
    assert bucket in [b["Name"] for b in east.list_buckets()["Buckets"]]
    assert s3(server, version="s3").get_object(Bucket=bucket, Key="k")["Body"].read() == b"body"
    # A missing bucket is still NoSuchBucket.
    status, _, body = server.http("GET", f"/{bucket}-none/k", headers=signed_headers(server, f"/{bucket}-none/k"))
    assert (status, xml_error(body)["Code"]) == (404, "NoSuchBucket")
