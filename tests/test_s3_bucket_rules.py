"""Bucket-level rules S3 enforces on writes and configurations: the reserved `aws:` tag
space (objects and buckets), SSE-C blocked through the bucket encryption configuration's
`BlockedEncryptionTypes`, and replication's rule IDs and priorities, which also keep
versioning from being suspended. Every refusal leaves what was stored as it was."""

import base64
import hashlib
import http.client
import urllib.parse

import boto3
import pytest
from botocore.client import Config
from botocore.exceptions import ClientError

from conftest import error_of, unique, xml_error

SIGNED = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, "
                           "SignedHeaders=host, Signature=0"}
ROLE = "arn:aws:iam::123456789012:role/replication"
KEY_A = b"0123456789abcdef0123456789abcdef"
OBJECT_SYSTEM_TAG = (400, "InvalidTag", "Your TagKey cannot be prefixed with aws:")
BUCKET_SYSTEM_TAG = (400, "InvalidTag", "System tags cannot be added/updated by requester")
BLOCKED = (403, "AccessDenied", "Access Denied")
MALFORMED = (400, "MalformedXML",
             "The XML you provided was not well-formed or did not validate against our published schema")


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
    assert (status, xml_error(body)["Code"], xml_error(body)["Message"]) == OBJECT_SYSTEM_TAG
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


# ---- BlockedEncryptionTypes ----


def block(s3, bucket, *types, algorithm="AES256"):
    rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": algorithm}}
    if types:
        rule["BlockedEncryptionTypes"] = {"EncryptionType": list(types)}
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [rule]})


def rule_of(s3, bucket):
    (rule,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    return rule


def test_blocked_encryption_types_round_trip(server, s3, bucket):
    # New buckets leave SSE-C open (AWS blocks it on buckets made since April 2026).
    assert "BlockedEncryptionTypes" not in rule_of(s3, bucket)
    block(s3, bucket, "SSE-C", algorithm="aws:kms")
    rule = rule_of(s3, bucket)
    assert rule["BlockedEncryptionTypes"] == {"EncryptionType": ["SSE-C"]}
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    block(s3, bucket, "NONE")
    assert rule_of(s3, bucket)["BlockedEncryptionTypes"] == {"EncryptionType": ["NONE"]}

    # The AWS CLI spells the same document.
    server.aws("s3api", "put-bucket-encryption", "--bucket", bucket, "--server-side-encryption-configuration",
               '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"},'
               '"BlockedEncryptionTypes":{"EncryptionType":["SSE-C"]}}]}')
    got = server.aws("s3api", "get-bucket-encryption", "--bucket", bucket)
    assert got["ServerSideEncryptionConfiguration"]["Rules"][0]["BlockedEncryptionTypes"] == {
        "EncryptionType": ["SSE-C"]}

    def doc(blocked, by_default="<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm>"
                                "</ApplyServerSideEncryptionByDefault>"):
        return (f"<ServerSideEncryptionConfiguration><Rule>{by_default}{blocked}</Rule>"
                "</ServerSideEncryptionConfiguration>").encode()

    bad = [
        "<BlockedEncryptionTypes><EncryptionType>SSE-KMS</EncryptionType></BlockedEncryptionTypes>",
        "<BlockedEncryptionTypes><EncryptionType>sse-c</EncryptionType></BlockedEncryptionTypes>",
        "<BlockedEncryptionTypes></BlockedEncryptionTypes>",
        "<BlockedEncryptionTypes><EncryptionType>NONE</EncryptionType>"
        "<EncryptionType>SSE-C</EncryptionType></BlockedEncryptionTypes>",
    ]
    for blocked in bad:
        status, _, body = server.http("PUT", f"/{bucket}?encryption", doc(blocked), SIGNED)
        assert (status, xml_error(body)["Code"], xml_error(body)["Message"]) == MALFORMED, blocked
    # Nothing changed.
    assert rule_of(s3, bucket)["BlockedEncryptionTypes"] == {"EncryptionType": ["SSE-C"]}

    # A rule may block without naming a default: the default stays SSE-S3.
    status, _, body = server.http("PUT", f"/{bucket}?encryption", doc(
        "<BlockedEncryptionTypes><EncryptionType>NONE</EncryptionType></BlockedEncryptionTypes>", ""), SIGNED)
    assert status == 200, body
    rule = rule_of(s3, bucket)
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert rule["BlockedEncryptionTypes"] == {"EncryptionType": ["NONE"]}


def test_blocked_sse_c_refuses_every_write_that_asks_for_it(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="sealed", Body=b"sealed before", **sse())
    s3.put_object(Bucket=bucket, Key="plain", Body=b"plain")
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mpu", **sse())["UploadId"]
    block(s3, bucket, "SSE-C")

    def refused(call, **kw):
        with pytest.raises(ClientError) as e:
            call(Bucket=bucket, **kw)
        assert error_of(e) == BLOCKED, kw

    refused(s3.put_object, Key="new", Body=b"x", **sse())
    refused(s3.put_object, Key="sealed", Body=b"overwrite", **sse())
    refused(s3.copy_object, Key="copy", CopySource={"Bucket": bucket, "Key": "plain"}, **sse())
    refused(s3.create_multipart_upload, Key="mpu2", **sse())
    # Parts of an upload begun before the block specify SSE-C too.
    refused(s3.upload_part, Key="mpu", UploadId=upload, PartNumber=1, Body=b"part", **sse())
    # The block answers before the key is looked at: a bad key's MD5 is not reported.
    status, _, body = server.http("PUT", f"/{bucket}/bad-md5", b"x", {
        **SIGNED, **customer_fields(), "x-amz-server-side-encryption-customer-key-MD5": b64(b"0" * 16)})
    assert (status, xml_error(body)["Code"], xml_error(body)["Message"]) == BLOCKED
    status, body = post_form(server, bucket, "posted", customer_fields())
    assert (status, xml_error(body)["Code"], xml_error(body)["Message"]) == BLOCKED

    assert sorted(keys(s3, bucket)) == ["plain", "sealed"]
    assert s3.list_parts(Bucket=bucket, Key="mpu", UploadId=upload).get("Parts", []) == []
    [u] = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert u["Key"] == "mpu"

    # Reads of SSE-C objects, copies from them, and writes without SSE-C go on.
    assert s3.get_object(Bucket=bucket, Key="sealed", **sse())["Body"].read() == b"sealed before"
    assert s3.head_object(Bucket=bucket, Key="sealed", **sse())["SSECustomerAlgorithm"] == "AES256"
    s3.copy_object(Bucket=bucket, Key="unsealed", CopySource={"Bucket": bucket, "Key": "sealed"},
                   CopySourceSSECustomerAlgorithm="AES256", CopySourceSSECustomerKey=KEY_A)
    assert s3.get_object(Bucket=bucket, Key="unsealed")["Body"].read() == b"sealed before"
    s3.put_object(Bucket=bucket, Key="kms", Body=b"x", ServerSideEncryption="aws:kms")
    s3.abort_multipart_upload(Bucket=bucket, Key="mpu", UploadId=upload)

    # Unblocking (NONE, or no configuration at all) opens SSE-C again.
    block(s3, bucket, "NONE")
    s3.put_object(Bucket=bucket, Key="after-none", Body=b"x", **sse())
    block(s3, bucket, "SSE-C")
    refused(s3.put_object, Key="blocked-again", Body=b"x", **sse())
    s3.delete_bucket_encryption(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="after-delete", Body=b"x", **sse())


# ---- Replication rules ----


def versioned(s3):
    name = unique("rules-repl")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


def v2(dest, rule_id, priority=None):
    rule = {"ID": rule_id, "Filter": {"Prefix": f"{rule_id}/"}, "Status": "Enabled",
            "DeleteMarkerReplication": {"Status": "Disabled"}, "Destination": {"Bucket": f"arn:aws:s3:::{dest}"}}
    if priority is not None:
        rule["Priority"] = priority
    return rule


def v1(dest, rule_id):
    return {"ID": rule_id, "Prefix": f"{rule_id}/", "Status": "Enabled", "Destination": {"Bucket": f"arn:aws:s3:::{dest}"}}


PRIORITY_REQUIRED = (400, "InvalidRequest",
                     "Priority must be specified for this version of Cross Region Replication configuration "
                     "schema. Please refer to S3 Developer Guide for more information.")


@pytest.mark.parametrize("case", ["two-without-priority", "one-without-priority", "same-priority",
                                  "same-id", "same-id-old-schema"])
def test_replication_rule_ids_and_priorities(s3, case):
    src, dest = versioned(s3), versioned(s3)
    kept = {"Role": ROLE, "Rules": [v2(dest, "kept", 7)]}
    s3.put_bucket_replication(Bucket=src, ReplicationConfiguration=kept)
    rules, expected = {
        "two-without-priority": ([v2(dest, "a", 1), v2(dest, "b")], PRIORITY_REQUIRED),
        "one-without-priority": ([v2(dest, "a")], PRIORITY_REQUIRED),
        "same-priority": ([v2(dest, "a", 1), v2(dest, "b", 2), v2(dest, "c", 1)],
                          (400, "InvalidRequest", "Found duplicate priority 1.")),
        "same-id": ([v2(dest, "a", 1), v2(dest, "a", 2)], (400, "InvalidArgument", "Rule Id must be unique.")),
        "same-id-old-schema": ([v1(dest, "a"), v1(dest, "a")],
                               (400, "InvalidArgument", "Rule Id must be unique.")),
    }[case]
    with pytest.raises(ClientError) as e:
        s3.put_bucket_replication(Bucket=src, ReplicationConfiguration={"Role": ROLE, "Rules": rules})
    assert error_of(e) == expected
    if expected[1] == "InvalidArgument":
        assert (e.value.response["Error"]["ArgumentName"], e.value.response["Error"]["ArgumentValue"]) == ("ID", "a")
    assert s3.get_bucket_replication(Bucket=src)["ReplicationConfiguration"] == kept


def test_replication_distinct_ids_and_priorities_are_stored(s3):
    src, dest = versioned(s3), versioned(s3)
    config = {"Role": ROLE, "Rules": [v2(dest, "a", 2), v2(dest, "b", 1), v2(dest, "c", 0)]}
    s3.put_bucket_replication(Bucket=src, ReplicationConfiguration=config)
    assert s3.get_bucket_replication(Bucket=src)["ReplicationConfiguration"] == config


def test_versioning_stays_enabled_under_replication(server, s3):
    src, dest = versioned(s3), versioned(s3)
    s3.put_bucket_replication(Bucket=src, ReplicationConfiguration={"Role": ROLE, "Rules": [v2(dest, "a", 1)]})
    with pytest.raises(ClientError) as e:
        s3.put_bucket_versioning(Bucket=src, VersioningConfiguration={"Status": "Suspended"})
    assert error_of(e) == (409, "InvalidBucketState",
                           "A replication configuration is present on this bucket, so you cannot change the "
                           "versioning state. To change the versioning state, first delete the replication "
                           "configuration.")
    assert s3.get_bucket_versioning(Bucket=src)["Status"] == "Enabled"
    # Enabling again changes nothing and is allowed; so is suspending the destination.
    s3.put_bucket_versioning(Bucket=src, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_versioning(Bucket=dest, VersioningConfiguration={"Status": "Suspended"})
    s3.delete_bucket_replication(Bucket=src)
    s3.put_bucket_versioning(Bucket=src, VersioningConfiguration={"Status": "Suspended"})
    assert s3.get_bucket_versioning(Bucket=src)["Status"] == "Suspended"
