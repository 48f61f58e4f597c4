"""S3 server-side encryption with customer-provided keys (SSE-C): the three headers checked as
S3 checks them, the key enforced on every read (GET, HEAD, ranges, versions, copies, the
website endpoint), multipart uploads whose parts carry the upload's key, and the answers'
echo of the key's algorithm and MD5."""

import base64
import hashlib
import http.client
import json

import pytest
from botocore.exceptions import ClientError

from conftest import raw as conftest_raw
from conftest import error_of

KEY_A = b"0123456789abcdef0123456789abcdef"
KEY_B = b"fedcba9876543210fedcba9876543210"
ALGORITHM = "x-amz-server-side-encryption-customer-algorithm"
KEY = "x-amz-server-side-encryption-customer-key"
KEY_MD5 = "x-amz-server-side-encryption-customer-key-MD5"
SIGNED = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, "
                           "SignedHeaders=host, Signature=0"}


def b64(b):
    return base64.b64encode(b).decode()


def md5_b64(b):
    return b64(hashlib.md5(b).digest())


def sse(key):
    """boto3 parameters for `key` (boto3 base64-encodes it and adds its MD5)."""
    return {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": key}


def copy_sse(key):
    return {"CopySourceSSECustomerAlgorithm": "AES256", "CopySourceSSECustomerKey": key}


def raw_headers(key):
    return {ALGORITHM: "AES256", KEY: b64(key), KEY_MD5: md5_b64(key)}


def raw(server, method, path, body=None, headers=None, host=None):
    return conftest_raw(server, method, path, body, {**SIGNED, **(headers or {})}, host)


NEEDS_KEY = (400, "InvalidRequest", "The object was stored using a form of Server Side Encryption. "
             "The correct parameters must be provided to retrieve the object.")
WRONG_KEY = (403, "AccessDenied", "Requests specifying Server Side Encryption with Customer provided "
             "keys must provide the correct secret key.")
NOT_APPLICABLE = (400, "InvalidRequest", "The encryption parameters are not applicable to this object.")


def test_put_get_head_with_the_key(s3, bucket):
    body = b"secret contents"
    put = s3.put_object(Bucket=bucket, Key="k", Body=body, **sse(KEY_A))
    assert put["SSECustomerAlgorithm"] == "AES256"
    assert put["SSECustomerKeyMD5"] == md5_b64(KEY_A)
    # The bucket's default encryption does not apply on top of SSE-C.
    assert "ServerSideEncryption" not in put
    assert put["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    got = s3.get_object(Bucket=bucket, Key="k", **sse(KEY_A))
    assert got["Body"].read() == body
    assert (got["SSECustomerAlgorithm"], got["SSECustomerKeyMD5"]) == ("AES256", md5_b64(KEY_A))
    assert "ServerSideEncryption" not in got
    head = s3.head_object(Bucket=bucket, Key="k", **sse(KEY_A))
    assert head["ContentLength"] == len(body)
    assert (head["SSECustomerAlgorithm"], head["SSECustomerKeyMD5"]) == ("AES256", md5_b64(KEY_A))
    assert "ServerSideEncryption" not in head
    # A plain object of the same bucket keeps the default.
    assert s3.put_object(Bucket=bucket, Key="plain", Body=b"p")["ServerSideEncryption"] == "AES256"


def test_reads_without_or_with_the_wrong_key(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"data", **sse(KEY_A))
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="k")
    assert error_of(e) == NEEDS_KEY
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="k", **sse(KEY_B))
    assert error_of(e) == WRONG_KEY
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="k")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="k", **sse(KEY_B))
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    # A key offered for an object stored without one.
    s3.put_object(Bucket=bucket, Key="plain", Body=b"p")
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="plain", **sse(KEY_A))
    assert error_of(e) == NOT_APPLICABLE
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="plain", **sse(KEY_A))
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # Conditions do not get around the key.
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="k", IfNoneMatch="*")
    assert error_of(e) == NEEDS_KEY


def test_a_key_of_another_length_does_not_open_an_object(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"data", **sse(KEY_A))
    status, _, body = raw(server, "GET", f"/{bucket}/k", headers=raw_headers(KEY_A + KEY_A))
    assert status == 403 and b"<Code>AccessDenied</Code>" in body


def test_range_get_needs_the_key(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"0123456789", **sse(KEY_A))
    got = s3.get_object(Bucket=bucket, Key="k", Range="bytes=2-5", **sse(KEY_A))
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["Body"].read() == b"2345"
    assert got["SSECustomerKeyMD5"] == md5_b64(KEY_A)
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="k", Range="bytes=2-5")
    assert error_of(e) == NEEDS_KEY
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="k", PartNumber=1, **sse(KEY_B))
    assert error_of(e) == WRONG_KEY


MUST = "Requests specifying Server Side Encryption with Customer provided keys must provide "
MALFORMED = [
    ({ALGORITHM: "AES256", KEY: "not base64!", KEY_MD5: md5_b64(KEY_A)},
     "InvalidArgument", "The secret key was invalid for the specified algorithm.", None),
    ({ALGORITHM: "AES256", KEY: b64(KEY_A[:16]), KEY_MD5: md5_b64(KEY_A[:16])},
     "InvalidArgument", "The secret key was invalid for the specified algorithm.", None),
    ({ALGORITHM: "AES256", KEY: b64(KEY_A), KEY_MD5: md5_b64(KEY_B)},
     "InvalidArgument", "The calculated MD5 hash of the key did not match the hash that was provided.", None),
    ({ALGORITHM: "AES256", KEY: b64(KEY_A)},
     "InvalidArgument", MUST + "the client calculated MD5 of the secret key.", None),
    ({ALGORITHM: "AES128", KEY: b64(KEY_A), KEY_MD5: md5_b64(KEY_A)},
     "InvalidEncryptionAlgorithmError", "The Encryption request you specified is not valid. Supported value: AES256.",
     "AES128"),
    ({KEY: b64(KEY_A), KEY_MD5: md5_b64(KEY_A)},
     "InvalidArgument", MUST + "a valid encryption algorithm.", None),
    ({ALGORITHM: "AES256", KEY_MD5: md5_b64(KEY_A)},
     "InvalidArgument", MUST + "an appropriate secret key.", None),
    ({**raw_headers(KEY_A), "x-amz-server-side-encryption": "AES256"},
     "InvalidArgument",
     "Server Side Encryption with Customer provided key is incompatible with the encryption method specified",
     "AES256"),
]


@pytest.mark.parametrize("headers,code,message,value", MALFORMED)
def test_malformed_headers_are_refused_and_change_nothing(server, s3, bucket, headers, code, message, value):
    s3.put_object(Bucket=bucket, Key="k", Body=b"original")
    status, _, body = raw(server, "PUT", f"/{bucket}/k", b"replacement", headers)
    assert status == 400
    assert f"<Code>{code}</Code><Message>{message}</Message>".encode() in body
    assert b"<ArgumentName>x-amz-server-side-encryption</ArgumentName>" in body
    if value is None:
        assert b"<ArgumentValue>" not in body
    else:
        assert f"<ArgumentValue>{value}</ArgumentValue>".encode() in body
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == b"original" and "SSECustomerAlgorithm" not in got
    # The same headers are checked on reads, and on CreateMultipartUpload.
    if "incompatible" not in message:
        assert raw(server, "GET", f"/{bucket}/k", headers=headers)[0] == 400
    assert raw(server, "POST", f"/{bucket}/mp?uploads", headers=headers)[0] == 400
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_a_refused_overwrite_leaves_an_sse_c_object_as_it_was(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"sealed", **sse(KEY_A))
    bad = {ALGORITHM: "AES256", KEY: b64(KEY_B), KEY_MD5: md5_b64(KEY_A)}
    assert raw(server, "PUT", f"/{bucket}/k", b"other", bad)[0] == 400
    assert s3.get_object(Bucket=bucket, Key="k", **sse(KEY_A))["Body"].read() == b"sealed"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="k", **sse(KEY_B))
    assert error_of(e) == WRONG_KEY


def test_raw_put_echoes_the_key_md5(server, s3, bucket):
    status, h, _ = raw(server, "PUT", f"/{bucket}/k", b"x", raw_headers(KEY_B))
    assert status == 200
    assert h[ALGORITHM] == "AES256" and h[KEY_MD5.lower()] == md5_b64(KEY_B)
    assert "x-amz-server-side-encryption" not in h and KEY not in h
    status, h, body = raw(server, "GET", f"/{bucket}/k", headers=raw_headers(KEY_B))
    assert (status, body) == (200, b"x") and h[KEY_MD5.lower()] == md5_b64(KEY_B)
    assert KEY not in h


def test_multipart_upload_with_a_key(s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="big", **sse(KEY_A))
    assert (up["SSECustomerAlgorithm"], up["SSECustomerKeyMD5"]) == ("AES256", md5_b64(KEY_A))
    assert "ServerSideEncryption" not in up
    uid = up["UploadId"]
    first, last = b"a" * (5 * 1024 * 1024), b"tail"
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="big", UploadId=uid, PartNumber=1, Body=first)
    assert error_of(e) == (400, "InvalidRequest", "The multipart upload initiate requested encryption. "
                           "Subsequent part requests must include the appropriate encryption parameters.")
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="big", UploadId=uid, PartNumber=1, Body=first, **sse(KEY_B))
    assert error_of(e) == (400, "InvalidRequest",
                           "The provided encryption parameters did not match the ones used originally.")
    assert "Parts" not in s3.list_parts(Bucket=bucket, Key="big", UploadId=uid)
    parts = []
    for n, data in ((1, first), (2, last)):
        p = s3.upload_part(Bucket=bucket, Key="big", UploadId=uid, PartNumber=n, Body=data, **sse(KEY_A))
        assert (p["SSECustomerAlgorithm"], p["SSECustomerKeyMD5"]) == ("AES256", md5_b64(KEY_A))
        parts.append({"PartNumber": n, "ETag": p["ETag"]})
    done = s3.complete_multipart_upload(Bucket=bucket, Key="big", UploadId=uid,
                                        MultipartUpload={"Parts": parts})
    assert "ServerSideEncryption" not in done
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="big")
    assert error_of(e) == NEEDS_KEY
    got = s3.get_object(Bucket=bucket, Key="big", Range="bytes=5242878-", **sse(KEY_A))
    assert got["Body"].read() == b"aatail"
    assert got["SSECustomerKeyMD5"] == md5_b64(KEY_A)
    head = s3.head_object(Bucket=bucket, Key="big", **sse(KEY_A))
    assert head["ContentLength"] == len(first) + len(last)


def test_parts_of_a_plain_upload_take_no_key(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"x", **sse(KEY_A))
    assert error_of(e) == (400, "InvalidRequest", "The multipart upload initiate requested encryption. "
                           "Subsequent part requests must include the appropriate encryption parameters.")
    p = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"x")
    assert "SSECustomerAlgorithm" not in p
    # A key given to CompleteMultipartUpload must be the upload's.
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, **sse(KEY_A),
                                     MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p["ETag"]}]})
    assert e.value.response["Error"]["Code"] == "InvalidRequest"
    s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p["ETag"]}]})
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"


def test_copy_between_keys(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"payload", **sse(KEY_A))
    src = f"{bucket}/src"
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource=src, **sse(KEY_B))
    assert error_of(e) == NEEDS_KEY
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource=src, **copy_sse(KEY_B), **sse(KEY_B))
    assert error_of(e) == WRONG_KEY
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource=src, **copy_sse(KEY_A), **sse(KEY_B),
                       ServerSideEncryption="AES256")
    assert error_of(e)[:2] == (400, "InvalidArgument")
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="dst", **sse(KEY_B))
    copied = s3.copy_object(Bucket=bucket, Key="dst", CopySource=src, **copy_sse(KEY_A), **sse(KEY_B))
    assert (copied["SSECustomerAlgorithm"], copied["SSECustomerKeyMD5"]) == ("AES256", md5_b64(KEY_B))
    assert s3.get_object(Bucket=bucket, Key="dst", **sse(KEY_B))["Body"].read() == b"payload"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="dst", **sse(KEY_A))
    assert error_of(e) == WRONG_KEY
    # Copied without a destination key, the copy is the bucket default's, readable without one.
    plain = s3.copy_object(Bucket=bucket, Key="plain", CopySource=src, **copy_sse(KEY_A))
    assert plain["ServerSideEncryption"] == "AES256" and "SSECustomerAlgorithm" not in plain
    got = s3.get_object(Bucket=bucket, Key="plain")
    assert got["Body"].read() == b"payload" and "SSECustomerAlgorithm" not in got
    # Re-keying an object in place is a change, so copying it onto itself is allowed.
    s3.copy_object(Bucket=bucket, Key="src", CopySource=src, **copy_sse(KEY_A), **sse(KEY_B))
    assert s3.get_object(Bucket=bucket, Key="src", **sse(KEY_B))["Body"].read() == b"payload"


def test_upload_part_copy_with_keys(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"0123456789", **sse(KEY_A))
    uid = s3.create_multipart_upload(Bucket=bucket, Key="dst", **sse(KEY_B))["UploadId"]
    src = f"{bucket}/src"
    with pytest.raises(ClientError) as e:
        s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=uid, PartNumber=1, CopySource=src, **sse(KEY_B))
    assert error_of(e) == NEEDS_KEY
    with pytest.raises(ClientError) as e:
        s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=uid, PartNumber=1, CopySource=src,
                            **copy_sse(KEY_A))
    assert error_of(e)[:2] == (400, "InvalidRequest")
    p = s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=uid, PartNumber=1, CopySource=src,
                            CopySourceRange="bytes=2-5", **copy_sse(KEY_A), **sse(KEY_B))
    assert p["SSECustomerKeyMD5"] == md5_b64(KEY_B)
    s3.complete_multipart_upload(Bucket=bucket, Key="dst", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": p["CopyPartResult"]["ETag"]}]})
    assert s3.get_object(Bucket=bucket, Key="dst", **sse(KEY_B))["Body"].read() == b"2345"


def test_each_version_keeps_its_key(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"one", **sse(KEY_A))["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="k", Body=b"two", **sse(KEY_B))["VersionId"]
    assert s3.get_object(Bucket=bucket, Key="k", **sse(KEY_B))["Body"].read() == b"two"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="k", VersionId=v1, **sse(KEY_B))
    assert error_of(e) == WRONG_KEY
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="k", VersionId=v1)
    assert error_of(e) == NEEDS_KEY
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="k", VersionId=v2, **sse(KEY_A))
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    got = s3.get_object(Bucket=bucket, Key="k", VersionId=v1, **sse(KEY_A))
    assert got["Body"].read() == b"one" and got["SSECustomerKeyMD5"] == md5_b64(KEY_A)
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="c", CopySource={"Bucket": bucket, "Key": "k", "VersionId": v1},
                       **copy_sse(KEY_B))
    assert error_of(e) == WRONG_KEY


def test_website_endpoint_refuses_sse_c_objects(server, s3, bucket):
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}})
    s3.put_object(Bucket=bucket, Key="index.html", Body=b"hello", **sse(KEY_A))
    host = f"{bucket}.s3-website.localhost:{server.port}"
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("GET", "/", headers={"Host": host, **raw_headers(KEY_A)})
    r = conn.getresponse()
    status, body = r.status, r.read()
    conn.close()
    assert status == 400 and b"<li>Code: InvalidRequest</li>" in body and b"hello" not in body
