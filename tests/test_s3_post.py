"""S3 browser-based uploads (POST Object): forms made by boto3's `generate_presigned_post`,
posted as multipart/form-data with plain urllib/http.client; policy conditions, success
actions and S3's errors; in strict mode the form's signature is verified."""

import base64
import datetime
import hashlib
import http.client
import zlib
import json
import urllib.parse
import xml.etree.ElementTree as ET
from unittest import mock

import boto3
import botocore
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


def post(server, url, fields, host=None, **file):
    body, content_type = encode_form(fields, **file)
    path = urllib.parse.urlsplit(url).path
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    headers = {"Content-Type": content_type}
    if host:
        headers["Host"] = host
    conn.request("POST", path, body=body, headers=headers)
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
    assert got["Location"] == headers["location"] == f"http://{bucket}.s3.localhost:{server.port}/uploads%2Fhello.txt"
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
    assert headers["location"] == f"http://{bucket}.s3.localhost:{server.port}/uploads%2Fhello.txt"


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


DATA = b"hello from a browser"


def crc32(data):
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def sha256(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def keys(server, bucket):
    return [o["Key"] for o in server.client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_location_follows_the_host_posted_to(server, bucket):
    # Virtual-hosted: the Host names the bucket; the key is encoded, `/` included.
    form = presigned(server, bucket, fields={"success_action_status": "201"})
    status, headers, body = post(server, "/", form["fields"], host=f"{bucket}.s3.localhost:{server.port}",
                                 file_name="a b+c.txt")
    assert status == 201, body
    want = f"http://{bucket}.s3.localhost:{server.port}/uploads%2Fa%20b%2Bc.txt"
    assert ET.fromstring(body).find("Location").text == headers["location"] == want
    # Path-style to an S3 endpoint name: the bucket goes before it.
    status, headers, _ = post(server, form["url"], form["fields"], host="s3.us-west-2.amazonaws.com")
    assert headers["location"] == f"http://{bucket}.s3.us-west-2.amazonaws.com/uploads%2Fhello.txt"


def test_tagging_field(server, bucket):
    doc = ("<Tagging><TagSet><Tag><Key>team</Key><Value>web</Value></Tag>"
           "<Tag><Key>stage</Key><Value>dev</Value></Tag></TagSet></Tagging>")
    form = presigned(server, bucket, fields={"tagging": doc})
    status, _, body = post(server, form["url"], form["fields"])
    assert status == 204, body
    s3 = server.client("s3")
    tags = s3.get_object_tagging(Bucket=bucket, Key="uploads/hello.txt")["TagSet"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("stage", "dev"), ("team", "web")]
    assert s3.head_object(Bucket=bucket, Key="uploads/hello.txt")["ResponseMetadata"]["HTTPHeaders"][
        "x-amz-tagging-count"] == "2"
    dup = "<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>a</Key><Value>2</Value></Tag></TagSet></Tagging>"
    for bad, code in [("not xml", "MalformedXML"), ("<Tags/>", "MalformedXML"), (dup, "InvalidTag")]:
        form = presigned(server, bucket, fields={"tagging": bad}, key="bad/${filename}")
        status, _, body = post(server, form["url"], form["fields"])
        assert (status, error(body)["Code"]) == (400, code), bad
    assert keys(server, bucket) == ["uploads/hello.txt"]


def test_checksum_fields(server, bucket):
    s3 = server.client("s3")
    form = presigned(server, bucket, fields={"x-amz-checksum-crc32": crc32(DATA)})
    status, headers, body = post(server, form["url"], form["fields"], data=DATA)
    assert status == 204, body
    assert headers["x-amz-checksum-crc32"] == crc32(DATA)
    head = s3.head_object(Bucket=bucket, Key="uploads/hello.txt", ChecksumMode="ENABLED")
    assert (head["ChecksumCRC32"], head["ChecksumType"]) == (crc32(DATA), "FULL_OBJECT")
    # The algorithm alone: S3 computes the checksum and keeps it.
    form = presigned(server, bucket, fields={"x-amz-checksum-algorithm": "SHA256"})
    status, headers, _ = post(server, form["url"], form["fields"], file_name="b.txt", data=DATA)
    assert (status, headers["x-amz-checksum-sha256"]) == (204, sha256(DATA))
    assert s3.head_object(Bucket=bucket, Key="uploads/b.txt", ChecksumMode="ENABLED")["ChecksumSHA256"] == sha256(DATA)
    cases = [
        ({"x-amz-checksum-crc32": crc32(b"other")}, "BadDigest",
         "The CRC32 you specified did not match the calculated checksum."),
        ({"x-amz-checksum-algorithm": "SHA256", "x-amz-checksum-crc32": crc32(DATA)}, "BadDigest", None),
        ({"x-amz-checksum-crc32": "not-base64!"}, "InvalidRequest", "Value for x-amz-checksum-crc32 header is invalid."),
        ({"x-amz-checksum-crc32": crc32(DATA), "x-amz-checksum-sha256": sha256(DATA)}, "InvalidRequest",
         "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."),
        ({"x-amz-checksum-algorithm": "MD5"}, "InvalidRequest", None),
    ]
    for fields, code, message in cases:
        form = presigned(server, bucket, fields=fields, key="bad/${filename}")
        status, _, body = post(server, form["url"], form["fields"], data=DATA)
        e = error(body)
        assert (status, e["Code"]) == (400, code), fields
        assert message is None or e["Message"] == message
    assert keys(server, bucket) == ["uploads/b.txt", "uploads/hello.txt"]


def test_object_lock_fields(server):
    s3 = server.client("s3")
    name = unique("postlock").lower()
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    until = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    form = presigned(server, name, fields={
        "x-amz-object-lock-mode": "GOVERNANCE", "x-amz-object-lock-retain-until-date": until,
        "x-amz-object-lock-legal-hold": "ON"})
    status, headers, body = post(server, form["url"], form["fields"])
    assert status == 204, body
    retention = s3.get_object_retention(Bucket=name, Key="uploads/hello.txt")["Retention"]
    assert retention["Mode"] == "GOVERNANCE"
    assert retention["RetainUntilDate"].strftime("%Y-%m-%dT%H:%M:%SZ") == until
    assert s3.get_object_legal_hold(Bucket=name, Key="uploads/hello.txt")["LegalHold"]["Status"] == "ON"
    assert "x-amz-version-id" in headers
    s3.put_object_legal_hold(Bucket=name, Key="uploads/hello.txt", LegalHold={"Status": "OFF"})
    cases = [
        ({"x-amz-object-lock-mode": "FOREVER", "x-amz-object-lock-retain-until-date": until},
         "InvalidArgument", "Unknown wormMode directive."),
        ({"x-amz-object-lock-mode": "GOVERNANCE"}, "InvalidArgument",
         "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied"),
        ({"x-amz-object-lock-mode": "GOVERNANCE", "x-amz-object-lock-retain-until-date": "2001-01-01T00:00:00Z"},
         "InvalidArgument", "The retain until date must be in the future!"),
        ({"x-amz-object-lock-legal-hold": "MAYBE"}, "InvalidArgument", "Legal Hold must be either of 'ON' or 'OFF'"),
    ]
    for fields, code, message in cases:
        form = presigned(server, name, fields=fields, key="bad/${filename}")
        status, _, body = post(server, form["url"], form["fields"])
        assert (status, error(body)["Code"], error(body)["Message"]) == (400, code, message), fields
    # A bucket without Object Lock refuses locked uploads.
    plain = unique("postnolock").lower()
    s3.create_bucket(Bucket=plain)
    form = presigned(server, plain, fields={"x-amz-object-lock-legal-hold": "ON"})
    status, _, body = post(server, form["url"], form["fields"])
    assert (status, error(body)["Code"], error(body)["Message"]) == (
        400, "InvalidRequest", "Bucket is missing Object Lock Configuration")
    assert keys(server, plain) == []
    assert keys(server, name) == ["uploads/hello.txt"]


def test_encryption_fields_and_the_bucket_default(server, bucket):
    s3 = server.client("s3")
    form = presigned(server, bucket)
    status, headers, _ = post(server, form["url"], form["fields"], file_name="default.txt")
    assert (status, headers["x-amz-server-side-encryption"]) == (204, "AES256")
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/site"},
        "BucketKeyEnabled": True}]})
    status, headers, _ = post(server, form["url"], form["fields"], file_name="kms.txt")
    assert status == 204
    assert headers["x-amz-server-side-encryption"] == "aws:kms"
    assert headers["x-amz-server-side-encryption-aws-kms-key-id"].endswith(":alias/site")
    assert headers["x-amz-server-side-encryption-bucket-key-enabled"] == "true"
    head = s3.head_object(Bucket=bucket, Key="uploads/kms.txt")
    assert (head["ServerSideEncryption"], head["BucketKeyEnabled"]) == ("aws:kms", True)
    # The form's own choice wins over the default.
    form = presigned(server, bucket, fields={"x-amz-server-side-encryption": "AES256"})
    status, headers, _ = post(server, form["url"], form["fields"], file_name="own.txt")
    assert (status, headers["x-amz-server-side-encryption"]) == (204, "AES256")
    assert "x-amz-server-side-encryption-aws-kms-key-id" not in headers
    assert s3.head_object(Bucket=bucket, Key="uploads/own.txt")["ServerSideEncryption"] == "AES256"
    form = presigned(server, bucket, fields={"x-amz-server-side-encryption": "DES"}, key="bad/${filename}")
    status, _, body = post(server, form["url"], form["fields"])
    assert (status, error(body)["Code"]) == (400, "InvalidEncryptionAlgorithmError")
    assert not any(k.startswith("bad/") for k in keys(server, bucket))


def test_customer_key_fields(server, bucket):
    key = b"k" * 32
    fields = {
        "x-amz-server-side-encryption-customer-algorithm": "AES256",
        "x-amz-server-side-encryption-customer-key": base64.b64encode(key).decode(),
        "x-amz-server-side-encryption-customer-key-MD5": base64.b64encode(hashlib.md5(key).digest()).decode(),
    }
    form = presigned(server, bucket, fields=fields)
    status, headers, _ = post(server, form["url"], form["fields"], file_name="sealed.txt")
    assert status == 204
    assert headers["x-amz-server-side-encryption-customer-algorithm"] == "AES256"
    assert "x-amz-server-side-encryption" not in headers
    s3 = server.client("s3")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object(Bucket=bucket, Key="uploads/sealed.txt")
    assert e.value.response["Error"]["Code"] == "InvalidRequest"
    got = s3.get_object(Bucket=bucket, Key="uploads/sealed.txt", SSECustomerAlgorithm="AES256", SSECustomerKey=key)
    assert got["Body"].read() == b"hello from a browser"
    # A key whose MD5 does not match is refused and nothing is stored.
    bad = dict(fields, **{"x-amz-server-side-encryption-customer-key-MD5": base64.b64encode(b"0" * 16).decode()})
    form = presigned(server, bucket, fields=bad, key="bad/${filename}")
    status, _, body = post(server, form["url"], form["fields"])
    assert (status, error(body)["Code"]) == (400, "InvalidArgument")
    assert not any(k.startswith("bad/") for k in keys(server, bucket))


def test_acl_field(server, bucket):
    s3 = server.client("s3")
    # New buckets are BucketOwnerEnforced: ACLs beyond the owner's are refused.
    form = presigned(server, bucket, fields={"acl": "public-read"})
    status, _, body = post(server, form["url"], form["fields"])
    assert (status, error(body)["Code"], error(body)["Message"]) == (
        400, "AccessControlListNotSupported", "The bucket does not allow ACLs")
    form = presigned(server, bucket, fields={"acl": "private"}, key="private/${filename}")
    assert post(server, form["url"], form["fields"])[0] == 204
    # With ACLs enabled, Block Public Access still refuses a public one.
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    form = presigned(server, bucket, fields={"acl": "public-read"})
    status, _, body = post(server, form["url"], form["fields"])
    assert (status, error(body)["Code"]) == (403, "AccessDenied")
    assert keys(server, bucket) == ["private/hello.txt"]
    s3.delete_public_access_block(Bucket=bucket)
    assert post(server, form["url"], form["fields"])[0] == 204
    grants = s3.get_object_acl(Bucket=bucket, Key="uploads/hello.txt")["Grants"]
    assert {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
            "Permission": "READ"} in grants
    form = presigned(server, bucket, fields={"acl": "world-writable"}, key="bad/${filename}")
    status, _, body = post(server, form["url"], form["fields"])
    assert (status, error(body)["Code"]) == (400, "InvalidArgument")


def test_representation_fields(server, bucket):
    fields = {
        "Cache-Control": "max-age=60", "Content-Disposition": 'attachment; filename="r.txt"',
        "Content-Encoding": "identity", "Expires": "Wed, 21 Oct 2037 07:28:00 GMT",
        "x-amz-website-redirect-location": "/elsewhere.html", "x-amz-storage-class": "STANDARD_IA",
        "x-amz-meta-Color": "blue",
    }
    form = presigned(server, bucket, fields=fields)
    status, _, body = post(server, form["url"], form["fields"])
    assert status == 204, body
    head = server.client("s3").head_object(Bucket=bucket, Key="uploads/hello.txt")
    assert (head["CacheControl"], head["ContentDisposition"], head["ContentEncoding"]) == (
        "max-age=60", 'attachment; filename="r.txt"', "identity")
    assert head["ResponseMetadata"]["HTTPHeaders"]["expires"] == "Wed, 21 Oct 2037 07:28:00 GMT"
    assert (head["WebsiteRedirectLocation"], head["StorageClass"], head["Metadata"]) == (
        "/elsewhere.html", "STANDARD_IA", {"color": "blue"})
    # STANDARD is the default and not reported.
    form = presigned(server, bucket, fields={"x-amz-storage-class": "STANDARD"}, key="std/${filename}")
    assert post(server, form["url"], form["fields"])[0] == 204
    assert "StorageClass" not in server.client("s3").head_object(Bucket=bucket, Key="std/hello.txt")
    form = presigned(server, bucket, fields={"x-amz-storage-class": "FROZEN"}, key="bad/${filename}")
    status, _, body = post(server, form["url"], form["fields"])
    assert (status, error(body)["Code"], error(body)["Message"]) == (
        400, "InvalidStorageClass", "The storage class you specified is not valid")


@pytest.mark.parametrize("name, value", [
    ("tagging", "<Tagging><TagSet/></Tagging>"), ("acl", "private"), ("x-amz-checksum-algorithm", "CRC32"),
    ("x-amz-checksum-crc32", crc32(DATA)),
    ("x-amz-server-side-encryption", "AES256"), ("x-amz-storage-class", "STANDARD"),
    ("x-amz-website-redirect-location", "/x"), ("Cache-Control", "no-cache"), ("Content-Disposition", "inline"),
    ("Content-Encoding", "gzip"), ("Expires", "Wed, 21 Oct 2037 07:28:00 GMT"), ("x-amz-meta-new", "1"),
])
def test_every_field_needs_a_condition(server, bucket, name, value):
    form = presigned(server, bucket)
    status, _, body = post(server, form["url"], dict(form["fields"], **{name: value}))
    assert (status, error(body)["Code"], error(body)["Message"]) == (
        403, "AccessDenied", f"Invalid according to Policy: Extra input fields: {name.lower()}")
    # Covered by a condition, the same field is accepted.
    form = presigned(server, bucket, conditions=[["starts-with", f"${name}", ""]])
    status, _, body = post(server, form["url"], dict(form["fields"], **{name: value}))
    assert status == 204, body
