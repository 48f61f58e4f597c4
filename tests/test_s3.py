"""S3 end to end: buckets, objects, listing, Block Public Access, bucket policies and the
website endpoint, with boto3, the AWS CLI and raw HTTP — including the workshop's steps 7-10."""

import hashlib
import json
import os
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import error_of, raw, unique

# The workshop's bucket policy exactly as printed (invalid version, `//` comments).
WORKSHOP_POLICY = """{
  "Version": "2024-09-18",
  "Statement": [
    {
      "Sid": "Stmt1709405011428",
      "Action": [
        "s3:GetObject"
      ],
      "Effect": "Allow",
      "Resource": [
        "arn:aws:s3:::BUCKET",    // 본인버킷 번호
        "arn:aws:s3:::BUCKET/*"    // 본인버킷 번호
      ],
      "Principal": "*"
    }
  ]
}"""

INDEX_HTML = b"<html><body><h1>Hello World From Lambda</h1><button>Who are you?</button></body></html>"


def bucket_name(prefix="bkt"):
    return unique(prefix).lower()


def public_read_policy(bucket):
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "PublicRead",
            "Effect": "Allow",
            "Principal": "*",
            "Action": ["s3:GetObject"],
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        }],
    })


def website(server, bucket, path="/", method="GET"):
    return raw(server, method, path, host=f"{bucket}.s3-website.localhost:{server.port}")


SIGNED = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/s3/aws4_request, "
                           "SignedHeaders=host, Signature=0000"}


@pytest.fixture
def bucket(s3):
    name = bucket_name()
    s3.create_bucket(Bucket=name)
    return name


# --- buckets -------------------------------------------------------------------------------

def test_create_bucket_with_location_constraint(server):
    c = server.client("s3", region="ap-northeast-2")
    name = bucket_name()
    c.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    assert c.get_bucket_location(Bucket=name)["LocationConstraint"] == "ap-northeast-2"
    head = c.head_bucket(Bucket=name)
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "ap-northeast-2"
    listed = {b["Name"]: b for b in c.list_buckets()["Buckets"]}
    assert listed[name]["BucketRegion"] == "ap-northeast-2"
    with pytest.raises(ClientError) as e:
        c.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    assert error_of(e) == (409, "BucketAlreadyOwnedByYou",
                           "Your previous request to create the named bucket succeeded and you already own it.")
    assert e.value.response["Error"]["BucketName"] == name


def test_create_bucket_us_east_1(s3):
    name = bucket_name()
    s3.create_bucket(Bucket=name)
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] is None
    # Legacy us-east-1 behaviour: re-creating your own bucket succeeds.
    s3.create_bucket(Bucket=name)


def test_create_bucket_errors(server, s3):
    for bad in ["ab", "My-Bucket", "bucket_", "-abc", "a..b", "192.168.1.1", "x" * 64]:
        with pytest.raises(ClientError) as e:
            s3.create_bucket(Bucket=bad)
        assert error_of(e) == (400, "InvalidBucketName", "The specified bucket is not valid."), bad
    regional = server.client("s3", region="ap-northeast-2")
    with pytest.raises(ClientError) as e:
        regional.create_bucket(Bucket=bucket_name())
    assert error_of(e) == (400, "IllegalLocationConstraintException",
                           "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.")
    with pytest.raises(ClientError) as e:
        regional.create_bucket(Bucket=bucket_name(), CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert error_of(e)[1] == "IllegalLocationConstraintException"
    with pytest.raises(ClientError) as e:
        s3.create_bucket(Bucket=bucket_name(), CreateBucketConfiguration={"LocationConstraint": "us-east-1"})
    assert error_of(e) == (400, "InvalidLocationConstraint", "The specified location-constraint is not valid")


def test_bucket_names_are_global(server, bucket):
    other = server.client("s3", aws_access_key_id="111111111111", aws_secret_access_key="x")
    with pytest.raises(ClientError) as e:
        other.create_bucket(Bucket=bucket)
    assert error_of(e)[:2] == (409, "BucketAlreadyExists")
    assert bucket not in [b["Name"] for b in other.list_buckets()["Buckets"]]
    with pytest.raises(ClientError) as e:
        other.list_objects_v2(Bucket=bucket)
    assert error_of(e) == (403, "AccessDenied", "Access Denied")


def test_delete_bucket(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=bucket)
    assert error_of(e) == (409, "BucketNotEmpty", "The bucket you tried to delete is not empty")
    s3.delete_object(Bucket=bucket, Key="k")
    s3.delete_bucket(Bucket=bucket)
    with pytest.raises(ClientError) as e:
        s3.head_bucket(Bucket=bucket)
    assert error_of(e)[:2] == (404, "404")
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=bucket)
    assert error_of(e) == (404, "NoSuchBucket", "The specified bucket does not exist")
    assert e.value.response["Error"]["BucketName"] == bucket


# --- objects -------------------------------------------------------------------------------

def test_put_get_head_delete_object(s3, bucket):
    body = b"hello cloudlet"
    r = s3.put_object(Bucket=bucket, Key="dir/a b.txt", Body=body, ContentType="text/plain",
                      Metadata={"owner": "penny"}, CacheControl="max-age=60")
    etag = '"%s"' % hashlib.md5(body).hexdigest()
    assert r["ETag"] == etag
    g = s3.get_object(Bucket=bucket, Key="dir/a b.txt")
    assert g["Body"].read() == body
    assert g["ContentType"] == "text/plain"
    assert g["ContentLength"] == len(body)
    assert g["ETag"] == etag
    assert g["Metadata"] == {"owner": "penny"}
    assert g["CacheControl"] == "max-age=60"
    lm = g["ResponseMetadata"]["HTTPHeaders"]["last-modified"]
    assert lm.endswith(" GMT") and lm[3] == ","
    h = s3.head_object(Bucket=bucket, Key="dir/a b.txt")
    assert h["ContentLength"] == len(body) and h["ETag"] == etag
    s3.put_object(Bucket=bucket, Key="plain", Body=b"x")
    assert s3.get_object(Bucket=bucket, Key="plain")["ContentType"] == "binary/octet-stream"
    s3.delete_object(Bucket=bucket, Key="dir/a b.txt")
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="dir/a b.txt")
    assert error_of(e) == (404, "NoSuchKey", "The specified key does not exist.")
    assert e.value.response["Error"]["Key"] == "dir/a b.txt"
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="dir/a b.txt")
    assert error_of(e)[:2] == (404, "404")
    # Deleting a missing key succeeds.
    s3.delete_object(Bucket=bucket, Key="never-there")


def test_object_in_missing_bucket(s3):
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket_name("missing"), Key="k", Body=b"x")
    assert error_of(e) == (404, "NoSuchBucket", "The specified bucket does not exist")


def test_large_object_round_trip(s3, bucket):
    data = os.urandom(3 * 1024 * 1024 + 17)
    s3.put_object(Bucket=bucket, Key="big.bin", Body=data)
    got = s3.get_object(Bucket=bucket, Key="big.bin")["Body"].read()
    assert hashlib.sha256(got).hexdigest() == hashlib.sha256(data).hexdigest()


def test_aws_chunked_upload_with_trailer(server, s3, bucket):
    payload = b"hello world"
    body = (b"b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n")
    headers = dict(SIGNED)
    headers.update({
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "Content-Encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(len(payload)),
        "x-amz-trailer": "x-amz-checksum-crc32",
        "Content-Type": "text/plain",
    })
    status, h, _ = raw(server, "PUT", f"/{bucket}/chunked.txt", body=body, headers=headers)
    assert status == 200
    assert h["etag"] == '"%s"' % hashlib.md5(payload).hexdigest()
    g = s3.get_object(Bucket=bucket, Key="chunked.txt")
    assert g["Body"].read() == payload
    assert g["ContentType"] == "text/plain"
    assert "ContentEncoding" not in g
    # Signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) decode the same way.
    body = b"b;chunk-signature=aa\r\nhello world\r\n0;chunk-signature=cc\r\n\r\n"
    headers["x-amz-content-sha256"] = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
    del headers["x-amz-trailer"]
    status, _, _ = raw(server, "PUT", f"/{bucket}/signed.txt", body=body, headers=headers)
    assert status == 200
    assert s3.get_object(Bucket=bucket, Key="signed.txt")["Body"].read() == payload
    # A wrong trailing checksum is refused and nothing is stored.
    bad = b"b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"
    headers["x-amz-content-sha256"] = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    headers["x-amz-trailer"] = "x-amz-checksum-crc32"
    status, _, data = raw(server, "PUT", f"/{bucket}/bad.txt", body=bad, headers=headers)
    assert status == 400 and b"<Code>BadDigest</Code>" in data
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="bad.txt")


def test_content_md5_mismatch(server, bucket):
    headers = dict(SIGNED)
    headers["Content-MD5"] = "1B2M2Y8AsgTpgAmY7PhCfg=="  # md5 of the empty string
    status, _, data = raw(server, "PUT", f"/{bucket}/k", body=b"not empty", headers=headers)
    assert status == 400
    assert b"<Code>BadDigest</Code><Message>The Content-MD5 you specified did not match what we received.</Message>" in data


def test_range_and_conditional_get(s3, bucket):
    s3.put_object(Bucket=bucket, Key="r", Body=b"0123456789")
    g = s3.get_object(Bucket=bucket, Key="r", Range="bytes=2-5")
    assert g["Body"].read() == b"2345"
    assert g["ContentRange"] == "bytes 2-5/10"
    assert g["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert s3.get_object(Bucket=bucket, Key="r", Range="bytes=-3")["Body"].read() == b"789"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="r", Range="bytes=20-")
    assert error_of(e) == (416, "InvalidRange", "The requested range is not satisfiable")
    etag = s3.head_object(Bucket=bucket, Key="r")["ETag"]
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="r", IfNoneMatch=etag)
    assert error_of(e)[0] == 304
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="r", IfMatch='"nope"')
    assert error_of(e) == (412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
    assert s3.get_object(Bucket=bucket, Key="r", IfMatch=etag)["Body"].read() == b"0123456789"
    g = s3.get_object(Bucket=bucket, Key="r", ResponseContentType="text/csv")
    assert g["ContentType"] == "text/csv"
    h = s3.head_object(Bucket=bucket, Key="r", ResponseContentType="text/csv", ResponseCacheControl="no-cache")
    assert (h["ContentType"], h["CacheControl"]) == ("text/csv", "no-cache")


def test_anonymous_requests_cannot_override_response_headers(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="pub", Body=b"x", ContentType="text/plain")
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket))
    assert server.http("GET", f"/{bucket}/pub")[0] == 200
    status, _, body = server.http("GET", f"/{bucket}/pub?response-content-type=text/html")
    assert status == 400
    assert b"<Code>InvalidRequest</Code>" in body
    assert b"<Message>Request specific response headers cannot be used for anonymous GET requests.</Message>" in body
    status, _, _ = server.http("GET", f"/{bucket}/pub?versionId=null&response-content-disposition=attachment")
    assert status == 400
    # A presigned URL is signed, so it may.
    url = s3.generate_presigned_url("get_object", Params={
        "Bucket": bucket, "Key": "pub", "ResponseContentType": "text/html"})
    with urllib.request.urlopen(url, timeout=30) as r:
        assert r.headers["Content-Type"] == "text/html"


# --- listing -------------------------------------------------------------------------------

def test_list_objects_v2_prefix_delimiter_pagination(s3, bucket):
    keys = ["a.txt", "dir/1.txt", "dir/2.txt", "dir/sub/3.txt", "other/x", "z.txt"]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
    r = s3.list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in r["Contents"]] == keys
    assert r["KeyCount"] == 6 and r["IsTruncated"] is False
    r = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [o["Key"] for o in r["Contents"]] == ["a.txt", "z.txt"]
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["dir/", "other/"]
    r = s3.list_objects_v2(Bucket=bucket, Prefix="dir/", Delimiter="/")
    assert [o["Key"] for o in r["Contents"]] == ["dir/1.txt", "dir/2.txt"]
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["dir/sub/"]
    seen, token = [], None
    while True:
        kw = {"ContinuationToken": token} if token else {}
        r = s3.list_objects_v2(Bucket=bucket, MaxKeys=2, Delimiter="/", **kw)
        seen += [o["Key"] for o in r.get("Contents", [])] + [p["Prefix"] for p in r.get("CommonPrefixes", [])]
        if not r["IsTruncated"]:
            break
        token = r["NextContinuationToken"]
    assert sorted(seen) == ["a.txt", "dir/", "other/", "z.txt"]
    r = s3.list_objects_v2(Bucket=bucket, StartAfter="dir/2.txt")
    assert [o["Key"] for o in r["Contents"]] == ["dir/sub/3.txt", "other/x", "z.txt"]
    paginator = s3.get_paginator("list_objects_v2")
    assert [o["Key"] for page in paginator.paginate(Bucket=bucket, PaginationConfig={"PageSize": 1})
            for o in page["Contents"]] == keys


def test_max_keys_zero_is_an_empty_complete_page(s3, bucket):
    for k in ("a", "b/c"):
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    v2 = s3.list_objects_v2(Bucket=bucket, MaxKeys=0)
    assert (v2["KeyCount"], v2["IsTruncated"], v2.get("Contents")) == (0, False, None)
    assert "NextContinuationToken" not in v2
    v1 = s3.list_objects(Bucket=bucket, MaxKeys=0, Delimiter="/")
    assert (v1["IsTruncated"], v1.get("Contents"), v1.get("CommonPrefixes")) == (False, None, None)
    assert "NextMarker" not in v1
    assert s3.list_objects_v2(Bucket=bucket, MaxKeys=1)["IsTruncated"] is True


def test_list_objects_v1_and_url_encoding(s3, bucket):
    for k in ["a", "b c", "d/e"]:
        s3.put_object(Bucket=bucket, Key=k, Body=b"")
    r = s3.list_objects(Bucket=bucket, MaxKeys=1)
    assert [o["Key"] for o in r["Contents"]] == ["a"] and r["IsTruncated"] is True
    r = s3.list_objects(Bucket=bucket, Marker="a")
    assert [o["Key"] for o in r["Contents"]] == ["b c", "d/e"]
    assert r["Contents"][0]["Owner"]["ID"]
    # boto3 asks for encoding-type=url and decodes the keys again.
    r = s3.list_objects_v2(Bucket=bucket, Prefix="b ")
    assert [o["Key"] for o in r["Contents"]] == ["b c"]
    with pytest.raises(ClientError) as e:
        s3.list_objects_v2(Bucket=bucket_name("missing"))
    assert error_of(e)[:2] == (404, "NoSuchBucket")


# --- Block Public Access and bucket policies -----------------------------------------------

def test_public_access_block_defaults_and_delete(s3, bucket):
    cfg = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert cfg == {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                   "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": False,
        "BlockPublicPolicy": False, "RestrictPublicBuckets": False})
    cfg = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert cfg["BlockPublicAcls"] is True and cfg["BlockPublicPolicy"] is False
    s3.delete_public_access_block(Bucket=bucket)
    with pytest.raises(ClientError) as e:
        s3.get_public_access_block(Bucket=bucket)
    assert error_of(e) == (404, "NoSuchPublicAccessBlockConfiguration",
                           "The public access block configuration was not found")


def test_bucket_policy_validation_and_lifecycle(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_bucket_policy(Bucket=bucket)
    assert error_of(e) == (404, "NoSuchBucketPolicy", "The bucket policy does not exist")
    cases = [
        (WORKSHOP_POLICY.replace("BUCKET", bucket), "This policy contains invalid Json"),
        (WORKSHOP_POLICY.replace("BUCKET", bucket).replace("    // 본인버킷 번호", ""),
         "The policy must contain a valid version string"),
        ("not json", "Policies must be valid JSON and the first byte must be '{'"),
        (public_read_policy("someone-elses-bucket"), "Policy has invalid resource"),
        (public_read_policy(bucket).replace('"Allow"', '"Permit"'), "Invalid effect: Permit"),
        (public_read_policy(bucket).replace('"Principal": "*", ', ""), "Missing required field Principal"),
    ]
    for doc, message in cases:
        with pytest.raises(ClientError) as e:
            s3.put_bucket_policy(Bucket=bucket, Policy=doc)
        assert error_of(e) == (400, "MalformedPolicy", message), doc
    private = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
        "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]})
    s3.put_bucket_policy(Bucket=bucket, Policy=private)
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(private)
    s3.delete_bucket_policy(Bucket=bucket)
    with pytest.raises(ClientError):
        s3.get_bucket_policy(Bucket=bucket)


def test_public_policy_refused_while_block_public_policy_is_on(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket))
    status, code, message = error_of(e)
    assert (status, code) == (403, "AccessDenied")
    assert message == (f'User: arn:aws:iam::000000000000:root is not authorized to perform: s3:PutBucketPolicy '
                       f'on resource: "arn:aws:s3:::{bucket}" because public policies are blocked by the '
                       f'BlockPublicPolicy block public access setting.')


def test_anonymous_rest_get_follows_policy_and_bpa(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="pub.txt", Body=b"public")
    status, _, data = raw(server, "GET", f"/{bucket}/pub.txt")
    assert status == 403 and b"<Code>AccessDenied</Code>" in data
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True,
        "BlockPublicPolicy": False, "RestrictPublicBuckets": True})
    s3.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket))
    # RestrictPublicBuckets still voids the public policy for anonymous callers.
    assert raw(server, "GET", f"/{bucket}/pub.txt")[0] == 403
    s3.delete_public_access_block(Bucket=bucket)
    status, _, data = raw(server, "GET", f"/{bucket}/pub.txt")
    assert (status, data) == (200, b"public")
    # Without s3:ListBucket a missing key is AccessDenied, not NoSuchKey.
    status, _, data = raw(server, "GET", f"/{bucket}/missing.txt")
    assert status == 403
    # Anonymous writes stay forbidden.
    assert raw(server, "PUT", f"/{bucket}/x", body=b"x")[0] == 403
    # The owner still sees NoSuchKey.
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="missing.txt")
    assert error_of(e)[:2] == (404, "NoSuchKey")


# --- website -------------------------------------------------------------------------------

def test_website_configuration_api(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_bucket_website(Bucket=bucket)
    assert error_of(e) == (404, "NoSuchWebsiteConfiguration",
                           "The specified bucket does not have a website configuration")
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={
        "IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "error.html"}})
    w = s3.get_bucket_website(Bucket=bucket)
    assert w["IndexDocument"] == {"Suffix": "index.html"} and w["ErrorDocument"] == {"Key": "error.html"}
    with pytest.raises(ClientError) as e:
        s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={"ErrorDocument": {"Key": "e.html"}})
    assert error_of(e) == (400, "InvalidArgument",
                           "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty")
    s3.delete_bucket_website(Bucket=bucket)
    with pytest.raises(ClientError):
        s3.get_bucket_website(Bucket=bucket)


def test_website_endpoint_errors(server, s3, bucket):
    status, h, body = website(server, bucket_name("nobucket"))
    assert status == 404 and h["content-type"].startswith("text/html")
    assert b"<li>Code: NoSuchBucket</li>" in body
    status, _, body = website(server, bucket)
    assert status == 404
    assert b"<li>Code: NoSuchWebsiteConfiguration</li>" in body
    assert f"<li>BucketName: {bucket}</li>".encode() in body
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}})
    assert website(server, bucket, method="DELETE")[0] == 405


def test_website_serving_index_dirs_and_error_document(server, s3, bucket):
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject", "s3:ListBucket"],
                       "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}]}))
    s3.put_object(Bucket=bucket, Key="index.html", Body=b"root", ContentType="text/html")
    s3.put_object(Bucket=bucket, Key="docs/index.html", Body=b"docs", ContentType="text/html")
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}})
    assert website(server, bucket, "/")[::2] == (200, b"root")
    assert website(server, bucket, "/docs/")[::2] == (200, b"docs")
    status, h, _ = website(server, bucket, "/docs")
    assert status == 302 and h["location"] == "/docs/"
    status, h, body = website(server, bucket, "/nothing.html")
    assert status == 404 and b"<li>Code: NoSuchKey</li>" in body and b"<li>Key: nothing.html</li>" in body
    status, h, body = website(server, bucket, "/", method="HEAD")
    assert status == 200 and h["content-length"] == "4" and body == b""
    s3.put_object(Bucket=bucket, Key="404.html", Body=b"custom not found", ContentType="text/html")
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={
        "IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "404.html"}})
    status, h, body = website(server, bucket, "/nothing.html")
    assert (status, body) == (404, b"custom not found")


def test_website_page_names_a_custom_error_document_it_cannot_serve(server, s3, bucket):
    """S3's error page adds the error document's own failure under a heading of its own."""
    heading = b"<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>"
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket))
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={
        "IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "error.html"}})
    # Without s3:ListBucket a missing key is AccessDenied, and so is the missing error document.
    status, _, body = website(server, bucket, "/missing.html")
    assert status == 403
    first, nested = body.split(heading)
    assert b"<li>Code: AccessDenied</li>" in first
    assert nested.startswith(b"\n<ul>\n<li>Code: AccessDenied</li>\n<li>Message: Access Denied</li>\n</ul>")
    # HEAD answers the same status without a body.
    status, _, body = website(server, bucket, "/missing.html", method="HEAD")
    assert (status, body) == (403, b"")

    # With s3:ListBucket both are NoSuchKey, each naming its key.
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject", "s3:ListBucket"],
                       "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}]}))
    status, _, body = website(server, bucket, "/missing.html")
    assert status == 404
    first, nested = body.split(heading)
    assert b"<li>Code: NoSuchKey</li>" in first and b"<li>Key: missing.html</li>" in first
    assert b"<li>Code: NoSuchKey</li>" in nested and b"<li>Key: error.html</li>" in nested

    # Once the document exists it is served with the error's status, and the heading is gone.
    s3.put_object(Bucket=bucket, Key="error.html", Body=b"sorry", ContentType="text/html")
    assert website(server, bucket, "/missing.html")[::2] == (404, b"sorry")


def test_workshop_steps_7_to_10(server):
    """Create bucket, BPA on by default, upload index.html, enable hosting (403), the policy as
    written is malformed, a public policy is refused while BPA is on, then BPA off + fixed
    policy → the site answers 200 with index.html."""
    c = server.client("s3", region="ap-northeast-2")
    name = bucket_name("my-bucket")
    c.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    assert all(c.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"].values())
    c.put_object(Bucket=name, Key="index.html", Body=INDEX_HTML, ContentType="text/html")
    c.put_bucket_website(Bucket=name, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}})

    host = f"{name}.s3-website.ap-northeast-2.amazonaws.com"
    status, _, body = raw(server, "GET", "/", host=host)
    assert status == 403 and b"<li>Code: AccessDenied</li>" in body

    with pytest.raises(ClientError) as e:
        c.put_bucket_policy(Bucket=name, Policy=WORKSHOP_POLICY.replace("BUCKET", name))
    assert error_of(e) == (400, "MalformedPolicy", "This policy contains invalid Json")

    fixed = WORKSHOP_POLICY.replace("BUCKET", name).replace("    // 본인버킷 번호", "").replace("2024-09-18", "2012-10-17")
    with pytest.raises(ClientError) as e:
        c.put_bucket_policy(Bucket=name, Policy=fixed)
    assert error_of(e)[:2] == (403, "AccessDenied")
    assert raw(server, "GET", "/", host=host)[0] == 403

    c.delete_public_access_block(Bucket=name)
    c.put_bucket_policy(Bucket=name, Policy=fixed)
    status, h, body = raw(server, "GET", "/", host=host)
    assert (status, body) == (200, INDEX_HTML)
    assert h["content-type"] == "text/html"
    # The dash form of the website host works too.
    assert raw(server, "GET", "/index.html", host=f"{name}.s3-website-ap-northeast-2.amazonaws.com")[0] == 200


# --- the AWS CLI ---------------------------------------------------------------------------

def test_aws_cli_workshop_flow(server, tmp_path):
    name = bucket_name("cli")
    region = "ap-northeast-2"
    server.aws("s3", "mb", f"s3://{name}", region=region)
    index = tmp_path / "index.html"
    index.write_bytes(INDEX_HTML)
    server.aws("s3", "cp", str(index), f"s3://{name}/index.html", region=region)
    out = server.aws("s3", "ls", f"s3://{name}", region=region)
    assert "index.html" in out
    server.aws("s3", "website", f"s3://{name}", "--index-document", "index.html", region=region)
    assert server.aws("s3api", "get-bucket-website", "--bucket", name, region=region)["IndexDocument"] == {"Suffix": "index.html"}
    policy_file = tmp_path / "bucket-policy.json"
    policy_file.write_text(WORKSHOP_POLICY.replace("BUCKET", name), encoding="utf-8")
    p = server.aws("s3api", "put-bucket-policy", "--bucket", name, "--policy", f"file://{policy_file}",
                   region=region, check=False)
    assert p.returncode != 0
    assert "(MalformedPolicy) when calling the PutBucketPolicy operation: This policy contains invalid Json" in p.stderr
    server.aws("s3api", "delete-public-access-block", "--bucket", name, region=region)
    policy_file.write_text(public_read_policy(name))
    server.aws("s3api", "put-bucket-policy", "--bucket", name, "--policy", f"file://{policy_file}", region=region)
    status, _, body = website(server, name)
    assert (status, body) == (200, INDEX_HTML)
    got = tmp_path / "got.html"
    server.aws("s3", "cp", f"s3://{name}/index.html", str(got), region=region)
    assert got.read_bytes() == INDEX_HTML
    assert server.aws("s3api", "head-object", "--bucket", name, "--key", "index.html", region=region)["ContentType"] == "text/html"


# --- durability ----------------------------------------------------------------------------

def test_everything_survives_restart(durable_server):
    c = durable_server.client("s3", region="ap-northeast-2")
    name = bucket_name("durable")
    c.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    c.delete_public_access_block(Bucket=name)
    c.put_object(Bucket=name, Key="index.html", Body=INDEX_HTML, ContentType="text/html")
    c.put_bucket_website(Bucket=name, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}})
    c.put_bucket_policy(Bucket=name, Policy=public_read_policy(name))
    durable_server.kill9()
    durable_server.start(durable_server.port)
    c = durable_server.client("s3", region="ap-northeast-2")
    assert c.get_object(Bucket=name, Key="index.html")["Body"].read() == INDEX_HTML
    assert c.get_bucket_website(Bucket=name)["IndexDocument"] == {"Suffix": "index.html"}
    assert json.loads(c.get_bucket_policy(Bucket=name)["Policy"]) == json.loads(public_read_policy(name))
    with pytest.raises(ClientError):
        c.get_public_access_block(Bucket=name)
    assert website(durable_server, name)[::2] == (200, INDEX_HTML)


# --- copy, batch delete, tagging -----------------------------------------------------------

def test_copy_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"copy me", ContentType="text/plain", Metadata={"a": "1"})
    r = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert r["CopyObjectResult"]["ETag"] == '"%s"' % hashlib.md5(b"copy me").hexdigest()
    g = s3.get_object(Bucket=bucket, Key="dst")
    assert g["Body"].read() == b"copy me" and g["ContentType"] == "text/plain" and g["Metadata"] == {"a": "1"}
    s3.copy_object(Bucket=bucket, Key="dst2", CopySource=f"{bucket}/src", MetadataDirective="REPLACE",
                   ContentType="text/csv", Metadata={"b": "2"})
    g = s3.get_object(Bucket=bucket, Key="dst2")
    assert g["ContentType"] == "text/csv" and g["Metadata"] == {"b": "2"}
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="src", CopySource=f"{bucket}/src")
    assert error_of(e)[:2] == (400, "InvalidRequest")
    assert "trying to copy an object to itself" in error_of(e)[2]
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="x", CopySource=f"{bucket}/src", CopySourceIfMatch='"nope"')
    assert error_of(e)[:2] == (412, "PreconditionFailed")
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="x", CopySource=f"{bucket}/missing")
    assert error_of(e)[:2] == (404, "NoSuchKey")


def test_delete_objects(s3, bucket):
    for k in ["a", "b", "c"]:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "b"}, {"Key": "nope"}]})
    assert sorted(d["Key"] for d in r["Deleted"]) == ["a", "b", "nope"]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["c"]
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "c"}], "Quiet": True})
    assert "Deleted" not in r
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_object_and_bucket_tagging(s3, bucket):
    s3.put_object(Bucket=bucket, Key="t", Body=b"x", Tagging="env=dev&team=a%20b")
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == [
        {"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "a b"}]
    assert s3.get_object(Bucket=bucket, Key="t")["TagCount"] == 2
    # A key without `=` holds the empty value; tags come back in key order.
    s3.put_object(Bucket=bucket, Key="order", Body=b"x", Tagging="foo=bar&bar")
    assert s3.get_object_tagging(Bucket=bucket, Key="order")["TagSet"] == [
        {"Key": "bar", "Value": ""}, {"Key": "foo", "Value": "bar"}]
    s3.put_object_tagging(Bucket=bucket, Key="t", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == [{"Key": "k", "Value": "v"}]
    with pytest.raises(ClientError) as e:
        s3.put_object_tagging(Bucket=bucket, Key="t", Tagging={"TagSet": [{"Key": f"k{i}", "Value": "v"} for i in range(11)]})
    # S3 answers this one BadRequest, not InvalidTag.
    assert error_of(e) == (400, "BadRequest", "Object tags cannot be greater than 10")
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="t", Body=b"y", Tagging="&".join(f"k{i}=v" for i in range(11)))
    assert error_of(e) == (400, "BadRequest", "Object tags cannot be greater than 10")
    assert s3.get_object(Bucket=bucket, Key="t")["Body"].read() == b"x"
    s3.delete_object_tagging(Bucket=bucket, Key="t")
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == []
    with pytest.raises(ClientError) as e:
        s3.get_bucket_tagging(Bucket=bucket)
    assert error_of(e) == (404, "NoSuchTagSet", "The TagSet does not exist")
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "project", "Value": "workshop"}]})
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "project", "Value": "workshop"}]
    with pytest.raises(ClientError) as e:
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": f"k{i}", "Value": "v"} for i in range(51)]})
    assert error_of(e) == (400, "BadRequest", "Bucket tag count cannot be greater than 50")
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "project", "Value": "workshop"}]
    s3.delete_bucket_tagging(Bucket=bucket)
    with pytest.raises(ClientError):
        s3.get_bucket_tagging(Bucket=bucket)


# --- multipart -----------------------------------------------------------------------------

MIB = 1024 * 1024


def test_multipart_upload(s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp.bin", ContentType="application/x-test")
    uid = up["UploadId"]
    p1, p2 = os.urandom(5 * MIB), os.urandom(1234)
    e1 = s3.upload_part(Bucket=bucket, Key="mp.bin", UploadId=uid, PartNumber=1, Body=p1)["ETag"]
    e2 = s3.upload_part(Bucket=bucket, Key="mp.bin", UploadId=uid, PartNumber=2, Body=p2)["ETag"]
    parts = s3.list_parts(Bucket=bucket, Key="mp.bin", UploadId=uid)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in parts] == [(1, 5 * MIB), (2, 1234)]
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]] == [uid]
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="mp.bin", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": 2, "ETag": e2}, {"PartNumber": 1, "ETag": e1}]})
    assert error_of(e)[:2] == (400, "InvalidPartOrder")
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="mp.bin", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": '"0000"'}]})
    assert error_of(e)[:2] == (400, "InvalidPart")
    r = s3.complete_multipart_upload(Bucket=bucket, Key="mp.bin", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
    md5s = hashlib.md5(hashlib.md5(p1).digest() + hashlib.md5(p2).digest()).hexdigest()
    assert r["ETag"] == f'"{md5s}-2"'
    g = s3.get_object(Bucket=bucket, Key="mp.bin")
    assert g["Body"].read() == p1 + p2 and g["ContentType"] == "application/x-test"
    assert g["ETag"] == f'"{md5s}-2"'
    with pytest.raises(ClientError) as e:
        s3.list_parts(Bucket=bucket, Key="mp.bin", UploadId=uid)
    assert error_of(e) == (404, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")


def test_multipart_part_rules_and_abort(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="small")["UploadId"]
    e1 = s3.upload_part(Bucket=bucket, Key="small", UploadId=uid, PartNumber=1, Body=b"a" * 100)["ETag"]
    e2 = s3.upload_part(Bucket=bucket, Key="small", UploadId=uid, PartNumber=2, Body=b"b")["ETag"]
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="small", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
    assert error_of(e) == (400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size")
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="small", UploadId=uid, PartNumber=10001, Body=b"x")
    assert error_of(e) == (400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive")
    s3.abort_multipart_upload(Bucket=bucket, Key="small", UploadId=uid)
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="small", UploadId=uid, PartNumber=1, Body=b"x")
    assert error_of(e)[:2] == (404, "NoSuchUpload")
    # A single small part is a valid upload.
    uid = s3.create_multipart_upload(Bucket=bucket, Key="one")["UploadId"]
    e1 = s3.upload_part(Bucket=bucket, Key="one", UploadId=uid, PartNumber=1, Body=b"only")["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key="one", UploadId=uid, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}]})
    assert s3.get_object(Bucket=bucket, Key="one")["Body"].read() == b"only"


def test_upload_part_copy(s3, bucket):
    src = os.urandom(6 * MIB)
    s3.put_object(Bucket=bucket, Key="src", Body=src)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    e1 = s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=uid, PartNumber=1,
                             CopySource={"Bucket": bucket, "Key": "src"}, CopySourceRange=f"bytes=0-{5 * MIB - 1}")["CopyPartResult"]["ETag"]
    e2 = s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=uid, PartNumber=2,
                             CopySource={"Bucket": bucket, "Key": "src"}, CopySourceRange=f"bytes={5 * MIB}-{6 * MIB - 1}")["CopyPartResult"]["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key="dst", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == src


def test_cli_multipart_copy(server, tmp_path):
    name = bucket_name("clibig")
    server.aws("s3", "mb", f"s3://{name}")
    f = tmp_path / "big.bin"
    data = os.urandom(20 * MIB + 5)
    f.write_bytes(data)
    server.aws("s3", "cp", str(f), f"s3://{name}/big.bin")
    head = server.aws("s3api", "head-object", "--bucket", name, "--key", "big.bin")
    assert head["ContentLength"] == len(data) and head["ETag"].endswith('-3"')
    back = tmp_path / "back.bin"
    server.aws("s3", "cp", f"s3://{name}/big.bin", str(back))
    assert back.read_bytes() == data


def vm_rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def test_multipart_memory_stays_flat(fresh_server):
    """A 320 MiB multipart upload and download: the server's resident memory does not grow
    with the object (bodies stream through blobs)."""
    c = fresh_server.client("s3")
    name = bucket_name("rss")
    c.create_bucket(Bucket=name)
    part = os.urandom(32 * MIB)
    warm = c.create_multipart_upload(Bucket=name, Key="warm")["UploadId"]
    c.upload_part(Bucket=name, Key="warm", UploadId=warm, PartNumber=1, Body=part)
    before = vm_rss_kib(fresh_server.proc.pid)
    uid = c.create_multipart_upload(Bucket=name, Key="huge")["UploadId"]
    etags = []
    for n in range(1, 11):
        etags.append(c.upload_part(Bucket=name, Key="huge", UploadId=uid, PartNumber=n, Body=part)["ETag"])
    c.complete_multipart_upload(Bucket=name, Key="huge", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, 1)]})
    body = c.get_object(Bucket=name, Key="huge")["Body"]
    total = 0
    for chunk in iter(lambda: body.read(4 * MIB), b""):
        total += len(chunk)
    assert total == 320 * MIB
    after = vm_rss_kib(fresh_server.proc.pid)
    # The object is 320 MiB; the server must not hold more than a fraction of it.
    assert after - before < 64 * 1024, (before, after)


def test_conditional_put(s3, bucket):
    """PutObject with If-None-Match: * writes only a new key; If-Match only over that ETag."""
    first = s3.put_object(Bucket=bucket, Key="c", Body=b"one", IfNoneMatch="*")["ETag"]
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="c", Body=b"two", IfNoneMatch="*")
    r = e.value.response
    assert (r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Code"]) == (412, "PreconditionFailed")
    assert r["Error"]["Message"] == "At least one of the pre-conditions you specified did not hold"
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="c", Body=b"two", IfMatch='"0123456789abcdef0123456789abcdef"')
    assert e.value.response["Error"]["Code"] == "PreconditionFailed"
    assert s3.get_object(Bucket=bucket, Key="c")["Body"].read() == b"one"
    second = s3.put_object(Bucket=bucket, Key="c", Body=b"two", IfMatch=first)["ETag"]
    assert second != first and s3.get_object(Bucket=bucket, Key="c")["Body"].read() == b"two"
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="missing", Body=b"x", IfMatch=first)
    assert e.value.response["Error"]["Code"] == "NoSuchKey"


def test_conditional_copy_object(s3, bucket):
    """CopyObject's If-None-Match: * and If-Match are about the destination (the
    x-amz-copy-source-if-* headers are about the source); a failed one copies nothing."""
    s3.put_object(Bucket=bucket, Key="src", Body=b"source")
    source = {"Bucket": bucket, "Key": "src"}
    first = s3.copy_object(Bucket=bucket, Key="dst", CopySource=source, IfNoneMatch="*")["CopyObjectResult"]["ETag"]
    s3.put_object(Bucket=bucket, Key="src", Body=b"changed")
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource=source, IfNoneMatch="*")
    assert error_of(e) == (412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource=source, IfMatch='"0123456789abcdef0123456789abcdef"')
    assert error_of(e)[:2] == (412, "PreconditionFailed")
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == b"source"
    s3.copy_object(Bucket=bucket, Key="dst", CopySource=source, IfMatch=first)
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == b"changed"
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="absent", CopySource=source, IfMatch=first)
    assert error_of(e)[:2] == (404, "NoSuchKey")


def test_conditional_complete_multipart_upload(s3, bucket):
    """CompleteMultipartUpload takes If-None-Match: * and If-Match like PutObject; a failed
    precondition leaves the object and the upload as they were."""
    def upload(key, body):
        u = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=u, PartNumber=1, Body=body)["ETag"]
        return u, {"Parts": [{"PartNumber": 1, "ETag": etag}]}

    u, parts = upload("new", b"first")
    first = s3.complete_multipart_upload(Bucket=bucket, Key="new", UploadId=u, MultipartUpload=parts,
                                         IfNoneMatch="*")["ETag"]
    u, parts = upload("new", b"second")
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="new", UploadId=u, MultipartUpload=parts, IfNoneMatch="*")
    assert error_of(e) == (412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="new", UploadId=u, MultipartUpload=parts,
                                     IfMatch='"0123456789abcdef0123456789abcdef-1"')
    assert error_of(e)[:2] == (412, "PreconditionFailed")
    assert s3.get_object(Bucket=bucket, Key="new")["Body"].read() == b"first"
    # The upload is still there and completes once the condition holds.
    assert [p["PartNumber"] for p in s3.list_parts(Bucket=bucket, Key="new", UploadId=u)["Parts"]] == [1]
    s3.complete_multipart_upload(Bucket=bucket, Key="new", UploadId=u, MultipartUpload=parts, IfMatch=first)
    assert s3.get_object(Bucket=bucket, Key="new")["Body"].read() == b"second"
    u, parts = upload("absent", b"x")
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="absent", UploadId=u, MultipartUpload=parts, IfMatch=first)
    assert error_of(e)[:2] == (404, "NoSuchKey")
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="absent", UploadId=u, MultipartUpload=parts,
                                     IfNoneMatch='"abc"')
    assert error_of(e)[:2] == (501, "NotImplemented")
