"""S3 additional checksums (CRC32, CRC32C, CRC64NVME, SHA1, SHA256): validated on PutObject and
UploadPart (as headers and as aws-chunked trailers), stored, returned with ChecksumMode=ENABLED,
and combined into composite or full-object checksums by multipart uploads. The expected values
are computed here, independently of the server and of botocore."""

import base64
import hashlib
import http.client
import zlib

import pytest
from botocore.exceptions import ClientError

from conftest import error_of


def _table(poly):
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C = _table(0x82F63B78)
_CRC64 = _table(0x9A6C9329AC4BC9B5)


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _CRC32C[(c ^ b) & 0xFF] ^ (c >> 8)
    return (c ^ 0xFFFFFFFF).to_bytes(4, "big")


def crc64nvme(data):
    c = 0xFFFFFFFFFFFFFFFF
    for b in data:
        c = _CRC64[(c ^ b) & 0xFF] ^ (c >> 8)
    return (c ^ 0xFFFFFFFFFFFFFFFF).to_bytes(8, "big")


RAW = {
    "CRC32": lambda d: zlib.crc32(d).to_bytes(4, "big"),
    "CRC32C": crc32c,
    "CRC64NVME": crc64nvme,
    "SHA1": lambda d: hashlib.sha1(d).digest(),
    "SHA256": lambda d: hashlib.sha256(d).digest(),
}


def checksum(algorithm, data):
    return base64.b64encode(RAW[algorithm](data)).decode()


def test_reference_implementations():
    assert crc32c(b"123456789").hex() == "e3069283"
    assert crc64nvme(b"123456789").hex() == "ae8b14860a799888"


@pytest.mark.parametrize("algorithm", sorted(RAW))
def test_put_and_get_with_each_algorithm(s3, bucket, algorithm):
    data = b"checksummed content " * 100
    want = checksum(algorithm, data)
    out = s3.put_object(Bucket=bucket, Key="k", Body=data, **{f"Checksum{algorithm}": want})
    assert out[f"Checksum{algorithm}"] == want
    got = s3.get_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert got["Body"].read() == data
    assert (got[f"Checksum{algorithm}"], got["ChecksumType"]) == (want, "FULL_OBJECT")
    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head[f"Checksum{algorithm}"] == want
    assert f"Checksum{algorithm}" not in s3.head_object(Bucket=bucket, Key="k")
    # A range is not the whole object: no checksum.
    part = s3.get_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED", Range="bytes=0-3")
    assert f"Checksum{algorithm}" not in part


@pytest.mark.parametrize("algorithm", ["CRC32", "SHA1", "SHA256"])
def test_sdk_computed_checksums(s3, bucket, algorithm):
    data = b"the SDK computes this one"
    s3.put_object(Bucket=bucket, Key="sdk", Body=data, ChecksumAlgorithm=algorithm)
    got = s3.head_object(Bucket=bucket, Key="sdk", ChecksumMode="ENABLED")
    assert got[f"Checksum{algorithm}"] == checksum(algorithm, data)


@pytest.mark.parametrize("algorithm", sorted(RAW))
def test_a_wrong_checksum_is_bad_digest(s3, bucket, algorithm):
    wrong = checksum(algorithm, b"something else")
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="bad", Body=b"content", **{f"Checksum{algorithm}": wrong})
    assert error_of(e) == (400, "BadDigest",
                           f"The {algorithm} you specified did not match the calculated checksum.")
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="bad")
    assert error_of(e)[0] == 404


def raw_put(server, path, body, headers):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    h = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, "
                          "SignedHeaders=host, Signature=0", **headers}
    conn.request("PUT", path, body=body, headers=h)
    r = conn.getresponse()
    out = r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    conn.close()
    return out


def test_malformed_checksum_headers(server, bucket):
    status, _, body = raw_put(server, f"/{bucket}/k", b"x", {"x-amz-checksum-crc32c": "not base64!"})
    assert status == 400
    assert b"<Code>InvalidRequest</Code><Message>Value for x-amz-checksum-crc32c header is invalid.</Message>" in body
    status, _, body = raw_put(server, f"/{bucket}/k", b"x", {
        "x-amz-checksum-crc32": checksum("CRC32", b"x"), "x-amz-checksum-sha1": checksum("SHA1", b"x")})
    assert status == 400 and b"Multiple checksum Types are not allowed." in body
    status, _, body = raw_put(server, f"/{bucket}/k", b"x", {"x-amz-sdk-checksum-algorithm": "CRC32"})
    assert status == 400 and b"x-amz-sdk-checksum-algorithm specified, but no corresponding" in body


def chunked(data, trailer_name, trailer_value):
    return (f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n"
            + f"{trailer_name}:{trailer_value}\r\n\r\n".encode())


@pytest.mark.parametrize("algorithm", ["CRC32C", "CRC64NVME", "SHA256"])
def test_aws_chunked_trailers(server, s3, bucket, algorithm):
    data = b"streamed with a trailing checksum"
    name = f"x-amz-checksum-{algorithm.lower()}"
    headers = {
        "Content-Encoding": "aws-chunked",
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "x-amz-decoded-content-length": str(len(data)),
        "x-amz-trailer": name,
        "x-amz-sdk-checksum-algorithm": algorithm,
    }
    status, h, _ = raw_put(server, f"/{bucket}/t", chunked(data, name, checksum(algorithm, data)), headers)
    assert status == 200 and h[name] == checksum(algorithm, data)
    got = s3.get_object(Bucket=bucket, Key="t", ChecksumMode="ENABLED")
    assert got["Body"].read() == data and got[f"Checksum{algorithm}"] == checksum(algorithm, data)
    status, _, body = raw_put(server, f"/{bucket}/t2", chunked(data, name, checksum(algorithm, b"no")), headers)
    assert status == 400 and b"<Code>BadDigest</Code>" in body
    status, _, body = raw_put(server, f"/{bucket}/t2", chunked(data, name, "x"), headers)
    assert status == 400 and f"Value for {name} trailing header is invalid.".encode() in body


def test_signed_payload_hash_is_checked(server, bucket):
    status, _, body = raw_put(server, f"/{bucket}/h", b"body", {
        "x-amz-content-sha256": hashlib.sha256(b"another body").hexdigest()})
    assert status == 400 and b"<Code>XAmzContentSHA256Mismatch</Code>" in body
    status, _, _ = raw_put(server, f"/{bucket}/h", b"body", {
        "x-amz-content-sha256": hashlib.sha256(b"body").hexdigest()})
    assert status == 200


MIB = 1024 * 1024


def test_multipart_composite_checksum(s3, bucket):
    parts_data = [b"a" * (5 * MIB), b"tail"]
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm="SHA256")
    assert up["ChecksumAlgorithm"] == "SHA256"
    parts = []
    for n, data in enumerate(parts_data, 1):
        out = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up["UploadId"], PartNumber=n, Body=data,
                             ChecksumAlgorithm="SHA256")
        assert out["ChecksumSHA256"] == checksum("SHA256", data)
        parts.append({"PartNumber": n, "ETag": out["ETag"], "ChecksumSHA256": out["ChecksumSHA256"]})
    listed = s3.list_parts(Bucket=bucket, Key="mp", UploadId=up["UploadId"])
    assert [p["ChecksumSHA256"] for p in listed["Parts"]] == [p["ChecksumSHA256"] for p in parts]
    # A part checksum that is not the stored one.
    bad = [dict(parts[0], ChecksumSHA256=checksum("SHA256", b"x")), parts[1]]
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=up["UploadId"],
                                     MultipartUpload={"Parts": bad})
    assert error_of(e)[:2] == (400, "InvalidPart")
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=up["UploadId"],
                                        MultipartUpload={"Parts": parts})
    composite = base64.b64encode(hashlib.sha256(b"".join(RAW["SHA256"](d) for d in parts_data)).digest()).decode()
    assert (done["ChecksumSHA256"], done["ChecksumType"]) == (f"{composite}-2", "COMPOSITE")
    head = s3.head_object(Bucket=bucket, Key="mp", ChecksumMode="ENABLED")
    assert (head["ChecksumSHA256"], head["ChecksumType"]) == (f"{composite}-2", "COMPOSITE")


def test_multipart_full_object_crc64nvme(s3, bucket):
    parts_data = [b"b" * (5 * MIB), b"end"]
    up = s3.create_multipart_upload(Bucket=bucket, Key="full", ChecksumAlgorithm="CRC64NVME")
    assert up["ChecksumType"] == "FULL_OBJECT"
    parts = []
    for n, data in enumerate(parts_data, 1):
        out = s3.upload_part(Bucket=bucket, Key="full", UploadId=up["UploadId"], PartNumber=n, Body=data,
                             ChecksumCRC64NVME=checksum("CRC64NVME", data))
        parts.append({"PartNumber": n, "ETag": out["ETag"]})
    whole = checksum("CRC64NVME", b"".join(parts_data))
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="full", UploadId=up["UploadId"],
                                     MultipartUpload={"Parts": parts},
                                     ChecksumCRC64NVME=checksum("CRC64NVME", b"wrong"))
    assert error_of(e)[:2] == (400, "BadDigest")
    done = s3.complete_multipart_upload(Bucket=bucket, Key="full", UploadId=up["UploadId"],
                                        MultipartUpload={"Parts": parts}, ChecksumCRC64NVME=whole)
    assert (done["ChecksumCRC64NVME"], done["ChecksumType"]) == (whole, "FULL_OBJECT")
    got = s3.get_object(Bucket=bucket, Key="full", ChecksumMode="ENABLED")
    assert got["ChecksumCRC64NVME"] == whole and got["Body"].read() == b"".join(parts_data)


def test_part_checksum_must_match_the_uploads_algorithm(s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="m", ChecksumAlgorithm="CRC32C")
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="m", UploadId=up["UploadId"], PartNumber=1, Body=b"x",
                       ChecksumSHA1=checksum("SHA1", b"x"))
    assert error_of(e) == (400, "InvalidRequest", "Checksum Type mismatch occurred, expected checksum Type: "
                                                  "crc32c, actual checksum Type: sha1")
    with pytest.raises(ClientError) as e:
        s3.create_multipart_upload(Bucket=bucket, Key="m", ChecksumAlgorithm="SHA1", ChecksumType="FULL_OBJECT")
    assert error_of(e) == (400, "InvalidRequest",
                           "The FULL_OBJECT checksum type cannot be used with the sha1 checksum algorithm.")
