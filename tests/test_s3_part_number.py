"""GET and HEAD with `partNumber`: a multipart object serves one part as a range, with its
parts count; an object uploaded in one piece is its own part 1; anything else is S3's error."""

import pytest
from botocore.exceptions import ClientError

from conftest import unique

MIB = 1024 * 1024
# Any signature is accepted for the account it names (the server does not verify them by default).
SIGNED = {
    "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, "
                     "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64,
    "x-amz-date": "20260101T000000Z",
    "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
}


@pytest.fixture
def bucket(server):
    name = unique("partnum")
    server.client("s3").create_bucket(Bucket=name)
    return name


def error_of(e):
    r = e.value.response
    return r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Code"]


def upload(s3, bucket, key, sizes):
    u = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    parts, data = [], b""
    # Part numbers with gaps: a part is read by its place in the object.
    for i, size in enumerate(sizes):
        body = bytes([65 + i]) * size
        n = 2 * i + 1
        parts.append({"PartNumber": n, "ETag": s3.upload_part(Bucket=bucket, Key=key, UploadId=u, PartNumber=n,
                                                              Body=body)["ETag"]})
        data += body
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=u, MultipartUpload={"Parts": parts})
    return data


def test_each_part_of_a_multipart_object(server, bucket):
    s3 = server.client("s3")
    sizes = [5 * MIB, 5 * MIB, 123]
    data = upload(s3, bucket, "mp", sizes)
    start = 0
    for n, size in enumerate(sizes, start=1):
        got = s3.get_object(Bucket=bucket, Key="mp", PartNumber=n)
        assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
        assert got["PartsCount"] == 3
        assert got["ContentLength"] == size
        assert got["ContentRange"] == f"bytes {start}-{start + size - 1}/{len(data)}"
        assert got["Body"].read() == data[start:start + size]
        head = s3.head_object(Bucket=bucket, Key="mp", PartNumber=n)
        assert (head["ContentLength"], head["PartsCount"]) == (size, 3)
        start += size
    # A whole GET says nothing of parts.
    assert "PartsCount" not in s3.head_object(Bucket=bucket, Key="mp")
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="mp", PartNumber=4)
    assert error_of(e) == (416, "InvalidPartNumber")


def test_an_object_in_one_piece_is_its_own_part_one(server, bucket):
    s3 = server.client("s3")
    s3.put_object(Bucket=bucket, Key="one", Body=b"0123456789")
    got = s3.get_object(Bucket=bucket, Key="one", PartNumber=1)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["ContentRange"] == "bytes 0-9/10"
    assert got["Body"].read() == b"0123456789"
    assert "PartsCount" not in got
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="one", PartNumber=2)
    assert error_of(e) == (416, "InvalidPartNumber")


@pytest.mark.parametrize("value", ["0", "10001", "x", "-1"])
def test_part_numbers_out_of_range(server, bucket, value):
    server.client("s3").put_object(Bucket=bucket, Key="k", Body=b"x")
    status, _, body = server.http("GET", f"/{bucket}/k?partNumber={value}", headers=SIGNED)
    assert status == 400
    assert b"<Code>InvalidArgument</Code>" in body
    assert b"Part number must be an integer between 1 and 10000, inclusive" in body


def test_part_number_and_range_together(server, bucket):
    s3 = server.client("s3")
    s3.put_object(Bucket=bucket, Key="k", Body=b"abc")
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="k", PartNumber=1, Range="bytes=0-1")
    assert error_of(e) == (400, "InvalidRequest")


@pytest.mark.parametrize("kind", ["COMPOSITE", "FULL_OBJECT"])
def test_checksum_of_a_part(server, bucket, kind):
    s3 = server.client("s3")
    key = f"sum-{kind}"
    u = s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm="CRC32", ChecksumType=kind)["UploadId"]
    parts = []
    for n, body in enumerate([b"a" * (5 * MIB), b"tail"], start=1):
        r = s3.upload_part(Bucket=bucket, Key=key, UploadId=u, PartNumber=n, Body=body, ChecksumAlgorithm="CRC32")
        parts.append({"PartNumber": n, "ETag": r["ETag"], "ChecksumCRC32": r["ChecksumCRC32"]})
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=u, MultipartUpload={"Parts": parts})
    got = s3.head_object(Bucket=bucket, Key=key, PartNumber=2, ChecksumMode="ENABLED")
    if kind == "COMPOSITE":
        # The part's own checksum, which the SDK can check against the part's bytes.
        assert (got["ChecksumCRC32"], got["ChecksumType"]) == (parts[1]["ChecksumCRC32"], "COMPOSITE")
        body = s3.get_object(Bucket=bucket, Key=key, PartNumber=2, ChecksumMode="ENABLED")["Body"].read()
        assert body == b"tail"
    else:
        # A full-object checksum says nothing of one part of several.
        assert "ChecksumCRC32" not in got
    whole = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert whole["ChecksumType"] == kind
