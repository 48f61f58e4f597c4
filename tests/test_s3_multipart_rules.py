"""S3 multipart uploads checked against the S3 API Reference and S3's recorded answers:
part numbers, the 5 GiB part limit, replacing a part, the rules of a completion (an empty
or unordered part list, unknown parts and ETags, the 5 MiB minimum, `x-amz-mp-object-size`,
the checksum mode, a retried completion), UploadPartCopy's ranges, source versions and
missing sources, aborts, and what CreateMultipartUpload carries to the object."""

import base64
import hashlib
import http.client
import os
import xml.etree.ElementTree as ET

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import error_of, unique
from test_s3_checksums import checksum

MIB = 1024 * 1024
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def signed(server, method, path, headers=None, body=b""):
    """Sends a SigV4-signed request without any client-side validation; returns the status
    and the error document's fields (empty for a success without one)."""
    headers = {"x-amz-content-sha256": "UNSIGNED-PAYLOAD", **(headers or {})}
    req = AWSRequest(method=method, url=f"{server.endpoint}{path}", headers=headers)
    S3SigV4Auth(Credentials("test", "test"), "s3", "us-east-1").add_auth(req)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.putrequest(method, path, skip_accept_encoding=True)
    for k, v in req.headers.items():
        conn.putheader(k, v)
    if "Content-Length" not in headers:
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders()
    if body:
        conn.send(body)
    r = conn.getresponse()
    status, raw = r.status, r.read()
    conn.close()
    fields = {}
    if raw.strip():
        fields = {el.tag.replace(NS, ""): el.text for el in ET.fromstring(raw)}
    return status, fields


def upload(s3, bucket, key, parts, **create):
    uid = s3.create_multipart_upload(Bucket=bucket, Key=key, **create)["UploadId"]
    algo = {"ChecksumAlgorithm": create["ChecksumAlgorithm"]} if "ChecksumAlgorithm" in create else {}
    etags = [s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=n, Body=p, **algo)["ETag"]
             for n, p in enumerate(parts, 1)]
    return uid, etags


def doc(etags, numbers=None):
    numbers = numbers or range(1, len(etags) + 1)
    return {"Parts": [{"PartNumber": n, "ETag": e} for n, e in zip(numbers, etags)]}


def md5_of_md5s(parts):
    joined = b"".join(hashlib.md5(p).digest() for p in parts)
    return f'"{hashlib.md5(joined).hexdigest()}-{len(parts)}"'


# --- part numbers and sizes --------------------------------------------------------------

@pytest.mark.parametrize("value", ["0", "10001", "-1", "abc", "", "1.5", "4294967297"])
def test_part_numbers_outside_1_to_10000_are_refused(server, s3, bucket, value):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    status, err = signed(server, "PUT", f"/{bucket}/k?partNumber={value}&uploadId={uid}", body=b"x")
    assert (status, err["Code"], err["Message"]) == (
        400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive")
    assert (err["ArgumentName"], err.get("ArgumentValue") or "") == ("partNumber", value)
    assert "Parts" not in s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)


@pytest.mark.parametrize("number", [1, 10000])
def test_part_numbers_at_the_bounds_are_accepted(s3, bucket, number):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=number, Body=b"x")
    parts = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)["Parts"]
    assert [p["PartNumber"] for p in parts] == [number]


def test_a_part_over_5_gib_is_refused_before_its_body(server, s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    size = 5 * 1024 ** 3 + 1
    status, err = signed(server, "PUT", f"/{bucket}/k?partNumber=1&uploadId={uid}",
                         headers={"Content-Length": str(size), "Expect": "100-continue"})
    assert (status, err["Code"], err["Message"]) == (
        400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
    assert (err["ProposedSize"], err["MaxSizeAllowed"]) == (str(size), "5368709120")
    assert "Parts" not in s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)


def test_uploading_a_part_number_again_replaces_the_part(s3, bucket):
    uid, (first,) = upload(s3, bucket, "k", [b"first"])
    second = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"second!")["ETag"]
    parts = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in parts] == [(1, second, 7)]
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload=doc([first]))
    assert error_of(e)[:2] == (400, "InvalidPart")
    s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload=doc([second]))
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"second!"


# --- completion --------------------------------------------------------------------------

def complete_raw(server, bucket, key, uid, body, headers=None):
    return signed(server, "POST", f"/{bucket}/{key}?uploadId={uid}", headers=headers, body=body)


@pytest.mark.parametrize("body", [
    b"<CompleteMultipartUpload/>",
    b'<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></CompleteMultipartUpload>',
    b"<CompleteMultipartUpload><Part><ETag>x</ETag></Part></CompleteMultipartUpload>",
    b"<CompleteMultipartUpload><Part><PartNumber>one</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>",
    b"<Other><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></Other>",
    b"not xml",
])
def test_malformed_part_lists(server, s3, bucket, body):
    uid, _ = upload(s3, bucket, "k", [b"data"])
    status, err = complete_raw(server, bucket, "k", uid, body)
    assert (status, err["Code"]) == (400, "MalformedXML")
    assert len(s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)["Parts"]) == 1


@pytest.mark.parametrize("numbers", [[2, 1], [1, 1], [1, 3, 2]])
def test_parts_must_be_listed_in_strictly_ascending_order(s3, bucket, numbers):
    parts = [os.urandom(5 * MIB), os.urandom(5 * MIB), b"end"]
    uid, etags = upload(s3, bucket, "k", parts)
    listed = {"Parts": [{"PartNumber": n, "ETag": etags[n - 1]} for n in numbers]}
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload=listed)
    assert error_of(e) == (400, "InvalidPartOrder",
                           "The list of parts was not in ascending order. Parts must be ordered by part number.")
    assert e.value.response["Error"]["UploadId"] == uid
    assert len(s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)["Parts"]) == 3


@pytest.mark.parametrize("number", ["0", "-1"])
def test_completed_part_numbers_start_at_1(server, s3, bucket, number):
    uid, (e1,) = upload(s3, bucket, "k", [b"data"])
    body = (f"<CompleteMultipartUpload><Part><PartNumber>{number}</PartNumber><ETag>{e1}</ETag></Part>"
            "</CompleteMultipartUpload>").encode()
    status, err = complete_raw(server, bucket, "k", uid, body)
    assert (status, err["Code"], err["Message"]) == (400, "InvalidArgument", "PartNumber must be >= 1")
    assert len(s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)["Parts"]) == 1


INVALID_PART = ("One or more of the specified parts could not be found.  The part may not have "
                "been uploaded, or the specified entity tag may not match the part's entity tag.")


@pytest.mark.parametrize("number,etag", [
    (2, None),                                  # never uploaded
    (10001, None),                              # past the last part number
    (1, '"0123456789abcdef0123456789abcdef"'),  # another ETag
    (1, ""),                                    # none
])
def test_unknown_parts_and_etags_are_invalid_parts(s3, bucket, number, etag):
    uid, (e1,) = upload(s3, bucket, "k", [b"data"])
    listed = {"Parts": [{"PartNumber": number, "ETag": e1 if etag is None else etag}]}
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload=listed)
    assert error_of(e) == (400, "InvalidPart", INVALID_PART)
    err = e.value.response["Error"]
    assert (err["UploadId"], err["PartNumber"]) == (uid, str(number))


def test_etags_are_matched_with_or_without_quotes(s3, bucket):
    parts = [os.urandom(5 * MIB), b"tail"]
    uid, etags = upload(s3, bucket, "k", parts)
    listed = doc([etags[0].strip('"'), etags[1]])
    r = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload=listed)
    assert r["ETag"] == md5_of_md5s(parts)
    assert s3.head_object(Bucket=bucket, Key="k")["ETag"] == md5_of_md5s(parts)


def test_parts_under_5_mib_except_the_last_are_too_small(s3, bucket):
    parts = [os.urandom(5 * MIB), os.urandom(5 * MIB - 1), b"tail"]
    uid, etags = upload(s3, bucket, "k", parts)
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload=doc(etags))
    assert error_of(e) == (400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size")
    err = e.value.response["Error"]
    assert (err["ProposedSize"], err["MinSizeAllowed"], err["PartNumber"]) == (str(5 * MIB - 1), "5242880", "2")
    # Leaving the small part out (parts need not be contiguous) completes.
    r = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid,
                                     MultipartUpload=doc([etags[0], etags[2]], [1, 3]))
    assert r["ETag"] == md5_of_md5s([parts[0], parts[2]])
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == parts[0] + parts[2]
    assert s3.head_object(Bucket=bucket, Key="k", PartNumber=2)["ContentLength"] == 4


def test_completing_an_unknown_or_aborted_upload(s3, bucket):
    message = ("The specified upload does not exist. The upload ID may be invalid, or the upload "
               "may have been aborted or completed.")
    uid, etags = upload(s3, bucket, "k", [b"data"])
    s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid)
    for upload_id in [uid, "no-such-upload"]:
        with pytest.raises(ClientError) as e:
            s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id, MultipartUpload=doc(etags))
        assert error_of(e) == (404, "NoSuchUpload", message)
        assert e.value.response["Error"]["UploadId"] == upload_id
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_a_retried_completion_is_answered_again(s3, bucket):
    parts = [os.urandom(5 * MIB), b"tail"]
    uid, etags = upload(s3, bucket, "k", parts)
    first = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload=doc(etags))
    again = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload=doc(etags))
    fields = ["ETag", "Bucket", "Key", "Location", "ChecksumCRC64NVME", "ChecksumType"]
    assert [again.get(f) for f in fields] == [first.get(f) for f in fields]
    assert first["ETag"] == md5_of_md5s(parts) and "VersionId" not in again
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"".join(parts)
    # Not once the key holds another object, nor for another key.
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="other", UploadId=uid, MultipartUpload=doc(etags))
    assert error_of(e)[:2] == (404, "NoSuchUpload")
    s3.put_object(Bucket=bucket, Key="k", Body=b"replaced")
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload=doc(etags))
    assert error_of(e)[:2] == (404, "NoSuchUpload")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"replaced"


def test_a_retried_completion_in_a_versioned_bucket_names_the_same_version(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    uid, etags = upload(s3, bucket, "k", [b"data"], ChecksumAlgorithm="SHA256")
    listed = {"Parts": [{"PartNumber": 1, "ETag": etags[0],
                         "ChecksumSHA256": s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)["Parts"][0]["ChecksumSHA256"]}]}
    first = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload=listed)
    again = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload=listed)
    assert again["VersionId"] == first["VersionId"]
    assert (again["ChecksumSHA256"], again["ChecksumType"]) == (first["ChecksumSHA256"], "COMPOSITE")
    assert len(s3.list_object_versions(Bucket=bucket, Prefix="k")["Versions"]) == 1


@pytest.mark.parametrize("value,message", [
    ("5", "The provided 'x-amz-mp-object-size' header value 5 does not match what was computed: 4"),
    ("-1", "Value for x-amz-mp-object-size header is less than zero: '-1'"),
    ("size", "Value for x-amz-mp-object-size header is invalid: 'size'"),
])
def test_a_wrong_expected_object_size_is_refused(server, s3, bucket, value, message):
    uid, (e1,) = upload(s3, bucket, "k", [b"data"])
    body = (f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{e1}</ETag></Part>"
            "</CompleteMultipartUpload>").encode()
    status, err = complete_raw(server, bucket, "k", uid, body, {"x-amz-mp-object-size": value})
    assert (status, err["Code"], err["Message"]) == (400, "InvalidRequest", message)
    assert len(s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)["Parts"]) == 1
    status, _ = complete_raw(server, bucket, "k", uid, body, {"x-amz-mp-object-size": "4"})
    assert status == 200
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"data"


@pytest.mark.parametrize("created,completed", [("COMPOSITE", "FULL_OBJECT"), ("FULL_OBJECT", "COMPOSITE")])
def test_the_completion_must_use_the_uploads_checksum_mode(s3, bucket, created, completed):
    uid, (e1,) = upload(s3, bucket, "k", [b"data"], ChecksumAlgorithm="CRC32", ChecksumType=created)
    crc = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)["Parts"][0]["ChecksumCRC32"]
    listed = {"Parts": [{"PartNumber": 1, "ETag": e1, "ChecksumCRC32": crc}]}
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload=listed,
                                     ChecksumType=completed)
    assert error_of(e) == (400, "InvalidRequest",
                           f"The upload was created using the {created} checksum mode. "
                           "The complete request must use the same checksum mode.")
    r = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload=listed,
                                     ChecksumType=created)
    assert r["ChecksumType"] == created


# --- UploadPartCopy ----------------------------------------------------------------------

SYNTAX = ("The x-amz-copy-source-range value must be of the form bytes=first-last where first "
          "and last are the zero-based offsets of the first and last bytes to copy")


@pytest.mark.parametrize("range_,message", [
    ("0-5", SYNTAX),
    ("bytes=0", SYNTAX),
    ("bytes=-5", SYNTAX),
    ("bytes=5-", SYNTAX),
    ("bytes=0-2,4-5", SYNTAX),
    ("bytes=a-b", SYNTAX),
    ("bytes=0-10", "Range specified is not valid for source object of size: 10"),
    ("bytes=10-12", "Range specified is not valid for source object of size: 10"),
    ("bytes=6-2", "Range specified is not valid for source object of size: 10"),
])
def test_copy_source_ranges(s3, bucket, range_, message):
    s3.put_object(Bucket=bucket, Key="src", Body=b"0123456789")
    uid = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    with pytest.raises(ClientError) as e:
        s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=uid, PartNumber=1,
                            CopySource={"Bucket": bucket, "Key": "src"}, CopySourceRange=range_)
    assert error_of(e) == (400, "InvalidArgument", message)
    err = e.value.response["Error"]
    assert (err["ArgumentName"], err["ArgumentValue"]) == ("x-amz-copy-source-range", range_)
    assert "Parts" not in s3.list_parts(Bucket=bucket, Key="dst", UploadId=uid)


@pytest.mark.parametrize("range_,copied", [("bytes=0-9", b"0123456789"), ("bytes=9-9", b"9"),
                                            ("bytes=2-5", b"2345"), (None, b"0123456789")])
def test_copy_part_result(s3, bucket, range_, copied):
    s3.put_object(Bucket=bucket, Key="src", Body=b"0123456789")
    uid = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    extra = {"CopySourceRange": range_} if range_ else {}
    r = s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=uid, PartNumber=1,
                            CopySource={"Bucket": bucket, "Key": "src"}, **extra)
    result = r["CopyPartResult"]
    assert result["ETag"] == f'"{hashlib.md5(copied).hexdigest()}"'
    assert "LastModified" in result and "CopySourceVersionId" not in r
    part = s3.list_parts(Bucket=bucket, Key="dst", UploadId=uid)["Parts"][0]
    assert (part["ETag"], part["Size"]) == (result["ETag"], len(copied))


def test_copy_part_of_a_source_version(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    old = s3.put_object(Bucket=bucket, Key="src", Body=b"old bytes")["VersionId"]
    new = s3.put_object(Bucket=bucket, Key="src", Body=b"new")["VersionId"]
    uid = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    r = s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=uid, PartNumber=1,
                            CopySource={"Bucket": bucket, "Key": "src", "VersionId": old})
    assert r["CopySourceVersionId"] == old
    assert r["CopyPartResult"]["ETag"] == f'"{hashlib.md5(b"old bytes").hexdigest()}"'
    r = s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=uid, PartNumber=2,
                            CopySource={"Bucket": bucket, "Key": "src"})
    assert r["CopySourceVersionId"] == new


def test_copy_part_of_a_missing_source(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    with pytest.raises(ClientError) as e:
        s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=uid, PartNumber=1,
                            CopySource={"Bucket": bucket, "Key": "nothing"})
    assert error_of(e)[:2] == (404, "NoSuchKey")
    assert "Parts" not in s3.list_parts(Bucket=bucket, Key="dst", UploadId=uid)


@pytest.mark.parametrize("condition,holds", [
    ("CopySourceIfMatch", False), ("CopySourceIfNoneMatch", True),
])
def test_copy_part_conditions(s3, bucket, condition, holds):
    etag = s3.put_object(Bucket=bucket, Key="src", Body=b"abc")["ETag"]
    uid = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    copy = dict(Bucket=bucket, Key="dst", UploadId=uid, PartNumber=1, CopySource={"Bucket": bucket, "Key": "src"})
    with pytest.raises(ClientError) as e:
        s3.upload_part_copy(**copy, **{condition: '"0123456789abcdef0123456789abcdef"' if not holds else etag})
    assert error_of(e)[:2] == (412, "PreconditionFailed")
    s3.upload_part_copy(**copy, **{condition: etag if not holds else '"0123456789abcdef0123456789abcdef"'})
    assert len(s3.list_parts(Bucket=bucket, Key="dst", UploadId=uid)["Parts"]) == 1


# --- abort -------------------------------------------------------------------------------

def test_abort_removes_the_upload_and_its_parts(s3, bucket):
    uid, _ = upload(s3, bucket, "k", [b"one", b"two"])
    assert s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid)["ResponseMetadata"]["HTTPStatusCode"] == 204
    for call in [lambda: s3.list_parts(Bucket=bucket, Key="k", UploadId=uid),
                 lambda: s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid),
                 lambda: s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=3, Body=b"x"),
                 lambda: s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId="unknown")]:
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e)[:2] == (404, "NoSuchUpload")
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)


def test_another_keys_upload_is_no_such_upload(s3, bucket):
    uid, (e1,) = upload(s3, bucket, "k", [b"one"])
    for call in [lambda: s3.abort_multipart_upload(Bucket=bucket, Key="other", UploadId=uid),
                 lambda: s3.upload_part(Bucket=bucket, Key="other", UploadId=uid, PartNumber=2, Body=b"x"),
                 lambda: s3.complete_multipart_upload(Bucket=bucket, Key="other", UploadId=uid,
                                                      MultipartUpload=doc([e1]))]:
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e)[:2] == (404, "NoSuchUpload")
    assert len(s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)["Parts"]) == 1


def test_abort_racing_part_uploads_leaves_no_parts(durable_server):
    """A part whose upload is aborted while it is received is refused and its bytes freed."""
    from concurrent.futures import ThreadPoolExecutor

    s3 = durable_server.client("s3")
    bucket = unique("mprace").lower()
    s3.create_bucket(Bucket=bucket)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]

    def put(n):
        try:
            s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=n, Body=os.urandom(MIB))
            return "ok"
        except ClientError as e:
            return e.response["Error"]["Code"]

    with ThreadPoolExecutor(4) as pool:
        puts = [pool.submit(put, n) for n in range(1, 9)]
        s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid)
        results = [f.result() for f in puts]
    assert set(results) <= {"ok", "NoSuchUpload"}, results
    with pytest.raises(ClientError) as e:
        s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)
    assert error_of(e)[:2] == (404, "NoSuchUpload")
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)
    assert list((durable_server.data_dir / "blobs" / "data").iterdir()) == []


# --- what creation carries to the object -------------------------------------------------

def test_creation_headers_reach_the_completed_object(s3, bucket):
    parts = [os.urandom(5 * MIB), b"tail"]
    uid, etags = upload(s3, bucket, "k", parts, ContentType="text/x-test", Metadata={"colour": "blue"},
                        ContentDisposition="attachment", ContentEncoding="identity",
                        CacheControl="max-age=5", ContentLanguage="en", Tagging="a=1&b=2",
                        StorageClass="STANDARD_IA", ServerSideEncryption="AES256")
    s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload=doc(etags))
    h = s3.head_object(Bucket=bucket, Key="k")
    got = [h.get(f) for f in ["ContentType", "Metadata", "ContentDisposition", "ContentEncoding",
                              "CacheControl", "ContentLanguage", "StorageClass", "ServerSideEncryption",
                              "ContentLength", "ETag"]]
    assert got == ["text/x-test", {"colour": "blue"}, "attachment", "identity", "max-age=5", "en",
                   "STANDARD_IA", "AES256", len(parts[0]) + 4, md5_of_md5s(parts)]
    tags = s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("a", "1"), ("b", "2")]
    for n, p in enumerate(parts, 1):
        g = s3.get_object(Bucket=bucket, Key="k", PartNumber=n)
        assert (g["Body"].read(), g["PartsCount"]) == (p, 2)
    assert s3.head_object(Bucket=bucket, Key="k", PartNumber=1)["PartsCount"] == 2


@pytest.mark.parametrize("algorithm,kind", [
    ("CRC32", "COMPOSITE"), ("CRC32C", "COMPOSITE"), ("SHA1", "COMPOSITE"), ("SHA256", "COMPOSITE"),
    ("CRC32", "FULL_OBJECT"), ("CRC32C", "FULL_OBJECT"), ("CRC64NVME", "FULL_OBJECT"),
])
def test_the_checksum_algorithm_reaches_the_completed_object(s3, bucket, algorithm, kind):
    data = b"some data"
    field = f"Checksum{algorithm}"
    part_sum = checksum(algorithm, data)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm=algorithm,
                                     ChecksumType=kind)["UploadId"]
    p = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=data, **{field: part_sum})
    assert p[field] == part_sum
    r = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": p["ETag"], field: part_sum}]})
    if kind == "COMPOSITE":
        want = checksum(algorithm, base64.b64decode(part_sum)) + "-1"
    else:
        want = part_sum
    assert (r[field], r["ChecksumType"]) == (want, kind)
    h = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert (h[field], h["ChecksumType"]) == (want, kind)


@pytest.mark.parametrize("algorithm", ["CRC32", "SHA1"])
def test_a_composite_completion_names_each_parts_checksum(s3, bucket, algorithm):
    field = f"Checksum{algorithm}"
    uid, (e1,) = upload(s3, bucket, "k", [b"data"], ChecksumAlgorithm=algorithm)
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload=doc([e1]))
    assert error_of(e) == (400, "InvalidRequest",
                           f"The upload was created using a {algorithm.lower()} checksum. The complete "
                           "request must include the checksum for each part. It was missing for part 1 "
                           "in the request.")
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": e1, field: checksum(algorithm, b"other")}]})
    assert error_of(e) == (400, "InvalidPart", INVALID_PART)
    r = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": e1, field: checksum(algorithm, b"data")}]})
    assert r[field] == checksum(algorithm, base64.b64decode(checksum(algorithm, b"data"))) + "-1"


def test_a_part_whose_checksum_does_not_match_is_refused(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm="SHA256")["UploadId"]
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"data",
                       ChecksumSHA256=checksum("SHA256", b"other"))
    assert error_of(e) == (400, "BadDigest", "The SHA256 you specified did not match the calculated checksum.")
    assert "Parts" not in s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)


def test_a_full_object_completion_needs_no_part_checksums(s3, bucket):
    parts = [os.urandom(5 * MIB), b"tail"]
    uid, etags = upload(s3, bucket, "k", parts, ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT")
    whole = checksum("CRC32", b"".join(parts))
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload=doc(etags),
                                     ChecksumCRC32=checksum("CRC32", b"other"))
    assert error_of(e) == (400, "BadDigest", "The CRC32 you specified did not match the calculated checksum.")
    r = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload=doc(etags),
                                     ChecksumCRC32=whole)
    assert (r["ChecksumCRC32"], r["ChecksumType"]) == (whole, "FULL_OBJECT")
