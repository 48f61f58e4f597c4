"""S3 multipart objects as data: the parts joined at completion read back byte-exact, whole
and in ranges that cross part boundaries; CopyObject and UploadPartCopy of a multipart object;
a completed object survives a restart of a durable server; the parts are gone afterwards; a
full-object CRC over uploaded and copied parts."""

import base64
import hashlib
import os
import zlib

import pytest
from botocore.exceptions import ClientError

from conftest import error_of, unique

MIB = 1024 * 1024


def multipart(s3, bucket, key, parts):
    uid = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    etags = [s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=n, Body=p)["ETag"]
             for n, p in enumerate(parts, 1)]
    r = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, 1)]})
    return uid, r["ETag"]


def multipart_etag(parts):
    joined = b"".join(hashlib.md5(p).digest() for p in parts)
    return f'"{hashlib.md5(joined).hexdigest()}-{len(parts)}"'


PARTS = [os.urandom(5 * MIB), os.urandom(5 * MIB + 17), os.urandom(3)]
DATA = b"".join(PARTS)
B1, B2 = len(PARTS[0]), len(PARTS[0]) + len(PARTS[1])


@pytest.mark.parametrize("first,last", [
    (B1 - 10, B1 + 9),        # across the first boundary
    (B1, B1),                 # the first byte of part 2
    (B1 - 1, B1 - 1),         # the last byte of part 1
    (B1 - 5, B2 + 1),         # part 2 whole plus neighbours
    (B2 - 1, len(DATA) - 1),  # into the tiny last part, to the end
    (0, len(DATA) - 1),       # everything
])
def test_ranged_get_across_part_boundaries(s3, bucket, first, last):
    _, etag = multipart(s3, bucket, "obj", PARTS)
    assert etag == multipart_etag(PARTS)
    g = s3.get_object(Bucket=bucket, Key="obj", Range=f"bytes={first}-{last}")
    assert g["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert g["ContentRange"] == f"bytes {first}-{last}/{len(DATA)}"
    assert g["ContentLength"] == last - first + 1
    assert g["Body"].read() == DATA[first:last + 1]


def test_suffix_and_open_ranges_of_a_multipart_object(s3, bucket):
    multipart(s3, bucket, "obj", PARTS)
    assert s3.get_object(Bucket=bucket, Key="obj", Range="bytes=-20")["Body"].read() == DATA[-20:]
    assert s3.get_object(Bucket=bucket, Key="obj", Range=f"bytes={B2 - 2}-")["Body"].read() == DATA[B2 - 2:]
    assert s3.get_object(Bucket=bucket, Key="obj")["Body"].read() == DATA


def test_copy_object_of_a_multipart_object(s3, bucket):
    multipart(s3, bucket, "src", PARTS)
    r = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    # The copy is one part: its ETag is the MD5 of the whole content.
    assert r["CopyObjectResult"]["ETag"] == f'"{hashlib.md5(DATA).hexdigest()}"'
    g = s3.get_object(Bucket=bucket, Key="dst")
    assert g["Body"].read() == DATA and g["ETag"] == r["CopyObjectResult"]["ETag"]
    # Deleting the source leaves the copy intact.
    s3.delete_object(Bucket=bucket, Key="src")
    assert s3.get_object(Bucket=bucket, Key="dst", Range=f"bytes={B1 - 3}-{B1 + 3}")["Body"].read() == DATA[B1 - 3:B1 + 4]


def test_copy_object_of_a_single_part_object_keeps_its_etag(s3, bucket):
    data = os.urandom(2 * MIB + 1)
    put = s3.put_object(Bucket=bucket, Key="src", Body=data)
    r = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert r["CopyObjectResult"]["ETag"] == put["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    s3.put_object(Bucket=bucket, Key="src", Body=b"overwritten")
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == data


def test_upload_part_copy_across_a_part_boundary_of_a_multipart_source(s3, bucket):
    multipart(s3, bucket, "src", PARTS)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    first, last = B1 - MIB, B1 + 4 * MIB - 1  # 5 MiB straddling the first boundary
    r = s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=uid, PartNumber=1,
                            CopySource={"Bucket": bucket, "Key": "src"},
                            CopySourceRange=f"bytes={first}-{last}")
    piece = DATA[first:last + 1]
    assert r["CopyPartResult"]["ETag"] == f'"{hashlib.md5(piece).hexdigest()}"'
    tail = s3.upload_part(Bucket=bucket, Key="dst", UploadId=uid, PartNumber=2, Body=b"tail")["ETag"]
    done = s3.complete_multipart_upload(Bucket=bucket, Key="dst", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": r["CopyPartResult"]["ETag"]}, {"PartNumber": 2, "ETag": tail}]})
    assert done["ETag"] == multipart_etag([piece, b"tail"])
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == piece + b"tail"


def test_completed_upload_is_durable_and_its_parts_are_gone(durable_server):
    s3 = durable_server.client("s3")
    name = unique("mpdur").lower()
    s3.create_bucket(Bucket=name)
    uid, etag = multipart(s3, name, "obj", PARTS)
    durable_server.kill9()
    durable_server.start()
    s3 = durable_server.client("s3")
    g = s3.get_object(Bucket=name, Key="obj", Range=f"bytes={B1 - 2}-{B1 + 1}")
    assert g["Body"].read() == DATA[B1 - 2:B1 + 2] and g["ETag"] == etag
    assert s3.get_object(Bucket=name, Key="obj")["Body"].read() == DATA
    with pytest.raises(ClientError) as e:
        s3.list_parts(Bucket=name, Key="obj", UploadId=uid)
    assert error_of(e)[:2] == (404, "NoSuchUpload")
    # Only the object's own blob is left in the data directory: the parts were freed.
    blobs = [p for p in (durable_server.data_dir / "blobs" / "data").iterdir()]
    assert [p.stat().st_size for p in blobs] == [len(DATA)]


def test_racing_completions_make_one_object(durable_server):
    """Storing the object and removing its upload are one write: of completions racing for
    one upload exactly one makes the object, the others are answered as a retried completion
    is (the same ETag), and no extra version or blob is left."""
    from concurrent.futures import ThreadPoolExecutor

    s3 = durable_server.client("s3")
    name = unique("mprace").lower()
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    rounds = 3
    for i in range(rounds):
        key = f"obj{i}"
        uid = s3.create_multipart_upload(Bucket=name, Key=key)["UploadId"]
        etags = [s3.upload_part(Bucket=name, Key=key, UploadId=uid, PartNumber=n, Body=p)["ETag"]
                 for n, p in enumerate(PARTS, 1)]
        doc = {"Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, 1)]}

        def complete(_):
            try:
                c = durable_server.client("s3")
                return c.complete_multipart_upload(Bucket=name, Key=key, UploadId=uid, MultipartUpload=doc)["ETag"]
            except ClientError as e:
                return e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"]

        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(complete, range(4)))
        assert results == [multipart_etag(PARTS)] * 4, results
        versions = s3.list_object_versions(Bucket=name, Prefix=key)["Versions"]
        assert len(versions) == 1, versions
    # One blob per object; every part and every losing copy was freed.
    blobs = [p for p in (durable_server.data_dir / "blobs" / "data").iterdir()]
    assert sorted(p.stat().st_size for p in blobs) == [len(DATA)] * rounds


def _crc32c(data):
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    c = 0xFFFFFFFF
    for b in data:
        c = table[(c ^ b) & 0xFF] ^ (c >> 8)
    return (c ^ 0xFFFFFFFF).to_bytes(4, "big")


CRCS = {
    "CRC32": lambda d: zlib.crc32(d).to_bytes(4, "big"),
    "CRC32C": _crc32c,
}


@pytest.mark.parametrize("algorithm", sorted(CRCS))
def test_full_object_crc_of_uploaded_and_copied_parts(s3, bucket, algorithm):
    def crc(data):
        return base64.b64encode(CRCS[algorithm](data)).decode()

    source = os.urandom(3000)
    s3.put_object(Bucket=bucket, Key="source", Body=source)
    up = s3.create_multipart_upload(Bucket=bucket, Key="full", ChecksumAlgorithm=algorithm,
                                    ChecksumType="FULL_OBJECT")
    uid = up["UploadId"]
    first = os.urandom(5 * MIB + 1)
    e1 = s3.upload_part(Bucket=bucket, Key="full", UploadId=uid, PartNumber=1, Body=first,
                        **{f"Checksum{algorithm}": crc(first)})["ETag"]
    copied = s3.upload_part_copy(Bucket=bucket, Key="full", UploadId=uid, PartNumber=2,
                                 CopySource={"Bucket": bucket, "Key": "source"},
                                 CopySourceRange="bytes=100-2099")["CopyPartResult"]
    assert copied[f"Checksum{algorithm}"] == crc(source[100:2100])
    whole_data = first + source[100:2100]
    whole = crc(whole_data)
    parts = [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": copied["ETag"]}]
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="full", UploadId=uid,
                                     MultipartUpload={"Parts": parts},
                                     **{f"Checksum{algorithm}": crc(b"wrong")})
    assert error_of(e)[:2] == (400, "BadDigest")
    done = s3.complete_multipart_upload(Bucket=bucket, Key="full", UploadId=uid,
                                        MultipartUpload={"Parts": parts},
                                        **{f"Checksum{algorithm}": whole})
    assert (done[f"Checksum{algorithm}"], done["ChecksumType"]) == (whole, "FULL_OBJECT")
    got = s3.get_object(Bucket=bucket, Key="full", ChecksumMode="ENABLED")
    assert got[f"Checksum{algorithm}"] == whole and got["Body"].read() == whole_data
