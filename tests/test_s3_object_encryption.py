"""S3 UpdateObjectEncryption: an object's (or a version's) encryption becomes SSE-KMS with
the named key, reported by HEAD and GET, everything else about it unchanged; each refusal
S3 documents, with its message, leaving the object as it was."""

import base64
import hashlib
import json
from xml.etree import ElementTree

import pytest
from botocore.exceptions import ClientError

from conftest import unique

SIGNED = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, "
                           "SignedHeaders=host, Signature=0"}
NS = "http://s3.amazonaws.com/doc/2006-03-01/"

MISSING_ARN = ("Requests that modify an object's encryption type to SSE-KMS require an AWS KMS key "
               "Amazon Resource Name (ARN). Modify the request to specify a KMS key ARN, and then try again.")
INVALID_ARN = ("Requests that modify an object's encryption type to SSE-KMS require a valid AWS KMS key "
               "Amazon Resource Name (ARN). Confirm that you have a correctly formatted KMS key ARN in your "
               "request, and then try again.")
INVALID_TYPE = ("Requests that modify an object encryption configuration require a valid new encryption type. "
                "Valid values are SSEKMS. Modify the request to specify SSE-KMS for the updated encryption "
                "type, and then try again.")
UNSUPPORTED_TYPE = ("The UpdateObjectEncryption operation doesn't support updating the encryption type to "
                    "DSSE-KMS or SSE-C. Modify the request to specify SSE-KMS for the updated encryption type, "
                    "and then try again.")
INVALID_BUCKET_KEY = ("The BucketKeyEnabled value isn't valid. Valid values are true or false. Modify the "
                      "request to specify a valid value, and then try again.")
UNSUPPORTED_SOURCE = ("The UpdateObjectEncryption operation doesn't support source objects with the encryption "
                      "type DSSE-KMS or SSE-C. Only source objects encrypted with SSE-S3 or SSE-KMS are supported.")
FOREIGN_KEY = ("The AWS KMS key in the request must be owned by the same account as the bucket. Modify the "
               "request to specify a KMS key from the same account, and then try again.")
SIGV4 = ("Requests that modify an object encryption configuration require AWS Signature Version 4. Modify "
         "the request to use AWS Signature Version 4, and then try again.")
LOCKED = ("The encryption type for the specified object can\u2019t be updated because that object is protected "
          "by S3 Object Lock. If the object has a governance-mode retention period or a legal hold, you must "
          "first remove the Object Lock status on the object before you issue your UpdateObjectEncryption "
          "request. You can't use the UpdateObjectEncryption operation with objects that have an Object Lock "
          "compliance mode retention period applied to them.")


@pytest.fixture(scope="module")
def s3(server):
    return server.client("s3")


@pytest.fixture(scope="module")
def account(server):
    return server.client("sts").get_caller_identity()["Account"]


def key_arn(account, key_id="1234abcd-12ab-34cd-56ef-1234567890ab"):
    return f"arn:aws:kms:us-east-1:{account}:key/{key_id}"


def kms(arn, bucket_key=None):
    enc = {"KMSKeyArn": arn}
    if bucket_key is not None:
        enc["BucketKeyEnabled"] = bucket_key
    return {"SSEKMS": enc}


def error(excinfo):
    e = excinfo.value.response
    return e["ResponseMetadata"]["HTTPStatusCode"], e["Error"]["Code"], e["Error"].get("Message")


def state(s3, bucket, key, **kw):
    """What an object looks like from outside, encryption and all."""
    h = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED", **kw)
    return {k: h.get(k) for k in ("ETag", "LastModified", "ContentLength", "ServerSideEncryption",
                                  "SSEKMSKeyId", "BucketKeyEnabled", "Metadata", "ChecksumCRC64NVME",
                                  "StorageClass", "CacheControl", "VersionId")}


def raw_put(server, bucket, key, body, headers=None, query=""):
    """PUT ?encryption with a hand-written document (and its Content-MD5)."""
    data = body.encode()
    h = {**SIGNED, "Content-MD5": base64.b64encode(hashlib.md5(data).digest()).decode()}
    h.update(headers or {})
    return server.http("PUT", f"/{bucket}/{key}?encryption{query}", data, h)


def xml_error(body):
    root = ElementTree.fromstring(body)
    return root.findtext("Code"), root.findtext("Message")


def doc(inner):
    return f'<ObjectEncryption xmlns="{NS}">{inner}</ObjectEncryption>'


def test_sse_s3_object_becomes_sse_kms(s3, bucket, account):
    s3.put_object(Bucket=bucket, Key="k", Body=b"hello", Metadata={"a": "1"}, CacheControl="no-cache",
                  StorageClass="STANDARD_IA")
    before = state(s3, bucket, "k")
    assert before["ServerSideEncryption"] == "AES256"
    arn = key_arn(account)
    r = s3.update_object_encryption(Bucket=bucket, Key="k", ObjectEncryption=kms(arn))
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    after = state(s3, bucket, "k")
    assert after["ServerSideEncryption"] == "aws:kms"
    assert after["SSEKMSKeyId"] == arn
    assert after["BucketKeyEnabled"] is None
    unchanged = ("ETag", "LastModified", "ContentLength", "Metadata", "ChecksumCRC64NVME", "StorageClass",
                 "CacheControl")
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == b"hello"
    assert got["ServerSideEncryption"] == "aws:kms" and got["SSEKMSKeyId"] == arn
    assert got["ETag"] == before["ETag"] and got["LastModified"] == before["LastModified"]


def test_bucket_key_and_another_key(s3, bucket, account):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ServerSideEncryption="aws:kms",
                  SSEKMSKeyId=key_arn(account, "first"))
    second = key_arn(account, "second")
    s3.update_object_encryption(Bucket=bucket, Key="k", ObjectEncryption=kms(second, True))
    h = s3.head_object(Bucket=bucket, Key="k")
    assert (h["ServerSideEncryption"], h["SSEKMSKeyId"], h.get("BucketKeyEnabled")) == ("aws:kms", second, True)
    s3.update_object_encryption(Bucket=bucket, Key="k", ObjectEncryption=kms(second, False))
    assert s3.head_object(Bucket=bucket, Key="k").get("BucketKeyEnabled") is None


def test_version_id_changes_only_that_version(s3, bucket, account):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="k", Body=b"two")["VersionId"]
    arn = key_arn(account)
    before = state(s3, bucket, "k", VersionId=v1)
    s3.update_object_encryption(Bucket=bucket, Key="k", VersionId=v1, ObjectEncryption=kms(arn))
    old = state(s3, bucket, "k", VersionId=v1)
    assert (old["ServerSideEncryption"], old["SSEKMSKeyId"]) == ("aws:kms", arn)
    assert (old["ETag"], old["LastModified"]) == (before["ETag"], before["LastModified"])
    assert state(s3, bucket, "k")["ServerSideEncryption"] == "AES256"
    assert state(s3, bucket, "k", VersionId=v2)["ServerSideEncryption"] == "AES256"
    listed = {v["VersionId"]: v for v in s3.list_object_versions(Bucket=bucket)["Versions"]}
    assert set(listed) == {v1, v2}

    # Without a version id, the current one changes.
    s3.update_object_encryption(Bucket=bucket, Key="k", ObjectEncryption=kms(arn))
    assert state(s3, bucket, "k", VersionId=v2)["ServerSideEncryption"] == "aws:kms"
    assert s3.get_object(Bucket=bucket, Key="k")["SSEKMSKeyId"] == arn

    marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
    with pytest.raises(ClientError) as e:
        s3.update_object_encryption(Bucket=bucket, Key="k", ObjectEncryption=kms(arn))
    assert error(e)[:2] == (404, "NoSuchKey")
    with pytest.raises(ClientError) as e:
        s3.update_object_encryption(Bucket=bucket, Key="k", VersionId=marker, ObjectEncryption=kms(arn))
    assert error(e)[:2] == (405, "MethodNotAllowed")


def test_missing_object_and_version(s3, bucket, account):
    with pytest.raises(ClientError) as e:
        s3.update_object_encryption(Bucket=bucket, Key="nope", ObjectEncryption=kms(key_arn(account)))
    assert error(e) == (404, "NoSuchKey", "The specified key does not exist.")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    gone = s3.put_object(Bucket=bucket, Key="k", Body=b"y")["VersionId"]
    s3.delete_object(Bucket=bucket, Key="k", VersionId=gone)
    with pytest.raises(ClientError) as e:
        s3.update_object_encryption(Bucket=bucket, Key="k", VersionId=gone, ObjectEncryption=kms(key_arn(account)))
    assert error(e)[:2] == (404, "NoSuchVersion")


@pytest.mark.parametrize("arn, status, code, message", [
    ("alias/a-key-of-this-account", 400, "InvalidRequest", INVALID_ARN),
    ("1234abcd-12ab-34cd-56ef-1234567890ab", 400, "InvalidRequest", INVALID_ARN),
    ("arn:aws:kms:us-east-1:123:key/k", 400, "InvalidRequest", INVALID_ARN),
    ("arn:aws:kms:us-east-1:{account}:alias/my-key", 400, "InvalidRequest", INVALID_ARN),
    ("arn:aws:kms:us-east-1:999999999999:key/abcd", 403, "AccessDenied", FOREIGN_KEY),
])
def test_key_arn_refusals_leave_object_unchanged(s3, bucket, account, arn, status, code, message):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    before = state(s3, bucket, "k")
    with pytest.raises(ClientError) as e:
        s3.update_object_encryption(Bucket=bucket, Key="k", ObjectEncryption=kms(arn.format(account=account)))
    assert error(e) == (status, code, message)
    assert state(s3, bucket, "k") == before


@pytest.mark.parametrize("inner, message", [
    ("<SSE-KMS></SSE-KMS>", MISSING_ARN),
    ("<SSE-KMS><KMSKeyArn></KMSKeyArn></SSE-KMS>", MISSING_ARN),
    ("<SSE-KMS><KMSKeyArn>{arn}</KMSKeyArn><BucketKeyEnabled>yes</BucketKeyEnabled></SSE-KMS>",
     INVALID_BUCKET_KEY),
    ("", INVALID_TYPE),
    ("<SSE-S3/>", INVALID_TYPE),
    ("<SSE-C/>", UNSUPPORTED_TYPE),
    ("<DSSE-KMS><KMSKeyArn>{arn}</KMSKeyArn></DSSE-KMS>", UNSUPPORTED_TYPE),
])
def test_document_refusals(server, s3, bucket, account, inner, message):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    before = state(s3, bucket, "k")
    status, _, body = raw_put(server, bucket, "k", doc(inner.format(arn=key_arn(account))))
    assert status == 400, body
    assert xml_error(body) == ("InvalidRequest", message)
    assert state(s3, bucket, "k") == before


def test_raw_document_is_applied_and_needs_integrity_header(server, s3, bucket, account):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    arn = key_arn(account)
    body = doc(f"<SSE-KMS><KMSKeyArn>{arn}</KMSKeyArn><BucketKeyEnabled>true</BucketKeyEnabled></SSE-KMS>")
    status, _, out = server.http("PUT", f"/{bucket}/k?encryption", body.encode(), SIGNED)
    assert status == 400 and b"Missing required header for this request: Content-MD5 OR x-amz-checksum-*" in out
    assert state(s3, bucket, "k")["ServerSideEncryption"] == "AES256"
    status, _, out = raw_put(server, bucket, "k", body)
    assert (status, out) == (200, b"")
    h = s3.head_object(Bucket=bucket, Key="k")
    assert (h["ServerSideEncryption"], h["SSEKMSKeyId"], h["BucketKeyEnabled"]) == ("aws:kms", arn, True)
    status, _, out = raw_put(server, bucket, "k", "<Other/>")
    assert status == 400 and b"<Code>MalformedXML</Code>" in out


def test_sigv2_request_refused(server, s3, bucket, account):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    body = doc(f"<SSE-KMS><KMSKeyArn>{key_arn(account)}</KMSKeyArn></SSE-KMS>")
    status, _, out = raw_put(server, bucket, "k", body, {"Authorization": "AWS test:c2lnbmF0dXJl"})
    assert (status, xml_error(out)) == (400, ("InvalidRequest", SIGV4))
    assert state(s3, bucket, "k")["ServerSideEncryption"] == "AES256"


def test_sse_c_and_dsse_sources_refused(s3, bucket, account):
    customer = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": b"0123456789abcdef0123456789abcdef"}
    s3.put_object(Bucket=bucket, Key="c", Body=b"x", **customer)
    s3.put_object(Bucket=bucket, Key="d", Body=b"x", ServerSideEncryption="aws:kms:dsse")
    before = {k: state(s3, bucket, k, **(customer if k == "c" else {})) for k in ("c", "d")}
    for k in ("c", "d"):
        with pytest.raises(ClientError) as e:
            s3.update_object_encryption(Bucket=bucket, Key=k, ObjectEncryption=kms(key_arn(account)))
        assert error(e) == (400, "InvalidRequest", UNSUPPORTED_SOURCE)
    after = {k: state(s3, bucket, k, **(customer if k == "c" else {})) for k in ("c", "d")}
    assert after == before
    assert after["c"]["ServerSideEncryption"] is None


def test_object_lock_refuses(s3, account):
    name = unique("uoe-lock")
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    v = s3.put_object(Bucket=name, Key="k", Body=b"x", ObjectLockLegalHoldStatus="ON",
                      ChecksumAlgorithm="CRC32")["VersionId"]
    with pytest.raises(ClientError) as e:
        s3.update_object_encryption(Bucket=name, Key="k", ObjectEncryption=kms(key_arn(account)))
    assert error(e) == (403, "AccessDenied", LOCKED)
    assert state(s3, name, "k")["ServerSideEncryption"] == "AES256"
    s3.put_object_legal_hold(Bucket=name, Key="k", VersionId=v, LegalHold={"Status": "OFF"})
    s3.update_object_encryption(Bucket=name, Key="k", ObjectEncryption=kms(key_arn(account)))
    assert state(s3, name, "k")["ServerSideEncryption"] == "aws:kms"


@pytest.mark.parametrize("action", ["s3:UpdateObjectEncryption", "s3:PutObject"])
def test_both_permissions_needed(s3, bucket, account, action):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Principal": "*", "Action": action,
                       "Resource": f"arn:aws:s3:::{bucket}/*"}],
    }))
    with pytest.raises(ClientError) as e:
        s3.update_object_encryption(Bucket=bucket, Key="k", ObjectEncryption=kms(key_arn(account)))
    # The owner's account hears which action the bucket policy refused.
    assert error(e) == (403, "AccessDenied", (
        f"User: arn:aws:iam::{account}:root is not authorized to perform: {action} on resource: "
        f'"arn:aws:s3:::{bucket}/k" with an explicit deny in a resource-based policy'))
    assert state(s3, bucket, "k")["ServerSideEncryption"] == "AES256"
    s3.delete_bucket_policy(Bucket=bucket)
    s3.update_object_encryption(Bucket=bucket, Key="k", ObjectEncryption=kms(key_arn(account)))
    assert state(s3, bucket, "k")["ServerSideEncryption"] == "aws:kms"


def test_policy_action_applies_to_objects_only(s3, bucket):
    def policy(resource):
        return json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Deny", "Principal": "*", "Action": "s3:UpdateObjectEncryption", "Resource": resource}]})
    with pytest.raises(ClientError) as e:
        s3.put_bucket_policy(Bucket=bucket, Policy=policy(f"arn:aws:s3:::{bucket}"))
    assert error(e) == (400, "MalformedPolicy", "Action does not apply to any resource(s) in statement")
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(f"arn:aws:s3:::{bucket}/*"))


@pytest.mark.parametrize("algorithm", [None, "AES256"])
def test_a_kms_key_needs_the_kms_algorithm(s3, bucket, account, algorithm):
    extra = {"ServerSideEncryption": algorithm} if algorithm else {}
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", SSEKMSKeyId=key_arn(account), **extra)
    assert error(e) == (400, "InvalidArgument", "Server Side Encryption with AWS KMS managed key requires "
                                                "HTTP header x-amz-server-side-encryption : aws:kms")
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="k")
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", SSEKMSKeyId=key_arn(account), ServerSideEncryption="aws:kms")
    assert state(s3, bucket, "k")["SSEKMSKeyId"] == key_arn(account)
