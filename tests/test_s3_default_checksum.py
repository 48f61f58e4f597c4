"""S3's default checksum: an object stored without a checksum gets a full-object CRC64NVME
(PutObject, multipart uploads without a checksum algorithm, CopyObject), reported as AWS
does — on PUT, on GET/HEAD with ChecksumMode=ENABLED and in listings — while an object stored
with another checksum keeps only that one. CopyObject keeps the source's checksum or computes
the one asked for."""

import base64
import hashlib

import pytest
from botocore.exceptions import ClientError

from test_s3_checksums import RAW, checksum

MIB = 1024 * 1024


@pytest.fixture
def s3(server):
    # boto3 would add a CRC32 of its own by default; send only what a test asks for.
    return server.client("s3", config={"request_checksum_calculation": "when_required"})


def stored_checksums(s3, bucket, key):
    head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    return {k: v for k, v in head.items() if k.startswith("Checksum")}


@pytest.mark.parametrize("size", [0, 100, 3 * MIB + 5])
def test_put_without_a_checksum_gets_crc64nvme(s3, bucket, size):
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    want = checksum("CRC64NVME", data)
    out = s3.put_object(Bucket=bucket, Key="k", Body=data)
    assert (out["ChecksumCRC64NVME"], out["ChecksumType"]) == (want, "FULL_OBJECT")
    assert stored_checksums(s3, bucket, "k") == {"ChecksumCRC64NVME": want, "ChecksumType": "FULL_OBJECT"}
    got = s3.get_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert got["Body"].read() == data and got["ChecksumCRC64NVME"] == want
    # Only on request.
    assert "ChecksumCRC64NVME" not in s3.head_object(Bucket=bucket, Key="k")


def test_an_explicit_checksum_is_the_only_one(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"data", ChecksumCRC32=checksum("CRC32", b"data"))
    assert stored_checksums(s3, bucket, "k") == {"ChecksumCRC32": checksum("CRC32", b"data"),
                                                "ChecksumType": "FULL_OBJECT"}


def test_listings_show_the_algorithm_and_type(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a", Body=b"a")
    s3.put_object(Bucket=bucket, Key="b", Body=b"b", ChecksumSHA256=checksum("SHA256", b"b"))
    listed = {o["Key"]: (o["ChecksumAlgorithm"], o["ChecksumType"])
              for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert listed == {"a": (["CRC64NVME"], "FULL_OBJECT"), "b": (["SHA256"], "FULL_OBJECT")}
    v1 = {o["Key"]: o["ChecksumAlgorithm"] for o in s3.list_objects(Bucket=bucket)["Contents"]}
    assert v1 == {"a": ["CRC64NVME"], "b": ["SHA256"]}
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    versions = {v["Key"]: v["ChecksumAlgorithm"] for v in s3.list_object_versions(Bucket=bucket)["Versions"]}
    assert versions == {"a": ["CRC64NVME"], "b": ["SHA256"]}


def complete(s3, bucket, key, up, outs):
    parts = [{"PartNumber": n, "ETag": o["ETag"]} for n, o in enumerate(outs, 1)]
    return s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up["UploadId"],
                                        MultipartUpload={"Parts": parts})


def test_multipart_without_an_algorithm_gets_a_full_object_crc64nvme(s3, bucket):
    parts_data = [b"p" * (5 * MIB), b"q" * (5 * MIB), b"last"]
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp")
    assert "ChecksumAlgorithm" not in up
    outs = []
    for n, data in enumerate(parts_data, 1):
        out = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up["UploadId"], PartNumber=n, Body=data)
        assert out["ChecksumCRC64NVME"] == checksum("CRC64NVME", data)
        outs.append(out)
    # The part checksums S3 computed for itself are not the parts' own.
    listed = s3.list_parts(Bucket=bucket, Key="mp", UploadId=up["UploadId"])["Parts"]
    assert not any(k.startswith("Checksum") for p in listed for k in p)
    whole = checksum("CRC64NVME", b"".join(parts_data))
    done = complete(s3, bucket, "mp", up, outs)
    assert (done["ChecksumCRC64NVME"], done["ChecksumType"]) == (whole, "FULL_OBJECT")
    assert stored_checksums(s3, bucket, "mp") == {"ChecksumCRC64NVME": whole, "ChecksumType": "FULL_OBJECT"}


def test_multipart_parts_with_sdk_checksums_still_give_the_default(server, bucket):
    # boto3's defaults: a CRC32 with every part of an upload created without an algorithm.
    s3 = server.client("s3")
    parts_data = [b"r" * (5 * MIB), b"s" * 1000]
    up = s3.create_multipart_upload(Bucket=bucket, Key="sdk")
    outs = [s3.upload_part(Bucket=bucket, Key="sdk", UploadId=up["UploadId"], PartNumber=n, Body=d)
            for n, d in enumerate(parts_data, 1)]
    done = complete(s3, bucket, "sdk", up, outs)
    assert done["ChecksumCRC64NVME"] == checksum("CRC64NVME", b"".join(parts_data))


def test_upload_part_copy_parts_count_toward_the_default(s3, bucket):
    source = b"t" * (5 * MIB)
    s3.put_object(Bucket=bucket, Key="src", Body=source)
    up = s3.create_multipart_upload(Bucket=bucket, Key="joined")
    copied = s3.upload_part_copy(Bucket=bucket, Key="joined", UploadId=up["UploadId"], PartNumber=1,
                                 CopySource={"Bucket": bucket, "Key": "src"})["CopyPartResult"]
    assert copied["ChecksumCRC64NVME"] == checksum("CRC64NVME", source)
    second = s3.upload_part(Bucket=bucket, Key="joined", UploadId=up["UploadId"], PartNumber=2, Body=b"more")
    done = complete(s3, bucket, "joined", up, [copied, second])
    assert done["ChecksumCRC64NVME"] == checksum("CRC64NVME", source + b"more")


def test_copies_keep_or_compute_checksums(s3, bucket):
    data = b"copied bytes " * 1000
    s3.put_object(Bucket=bucket, Key="plain", Body=data)
    s3.put_object(Bucket=bucket, Key="sha1", Body=data, ChecksumSHA1=checksum("SHA1", data))
    cases = [
        # source, ChecksumAlgorithm asked for, what the copy has
        ("plain", None, ("CRC64NVME", checksum("CRC64NVME", data))),
        ("sha1", None, ("SHA1", checksum("SHA1", data))),
        ("plain", "SHA256", ("SHA256", checksum("SHA256", data))),
        ("sha1", "CRC32C", ("CRC32C", checksum("CRC32C", data))),
    ]
    for i, (src, asked, (algorithm, value)) in enumerate(cases):
        extra = {"ChecksumAlgorithm": asked} if asked else {}
        out = s3.copy_object(Bucket=bucket, Key=f"copy{i}", CopySource={"Bucket": bucket, "Key": src}, **extra)
        result = out["CopyObjectResult"]
        assert (result[f"Checksum{algorithm}"], result["ChecksumType"]) == (value, "FULL_OBJECT"), (src, asked)
        assert stored_checksums(s3, bucket, f"copy{i}") == {f"Checksum{algorithm}": value,
                                                            "ChecksumType": "FULL_OBJECT"}
        assert s3.get_object(Bucket=bucket, Key=f"copy{i}")["Body"].read() == data


def test_copy_in_place_changes_the_checksum_algorithm(s3, bucket):
    data = b"re-checksummed"
    s3.put_object(Bucket=bucket, Key="k", Body=data)
    s3.copy_object(Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "k"}, ChecksumAlgorithm="SHA1")
    assert stored_checksums(s3, bucket, "k") == {"ChecksumSHA1": checksum("SHA1", data),
                                                "ChecksumType": "FULL_OBJECT"}
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == data


def test_copy_of_a_composite_multipart_object_is_checksummed_whole(s3, bucket):
    parts_data = [b"u" * (5 * MIB), b"v" * 10]
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm="SHA256")
    parts = []
    for n, d in enumerate(parts_data, 1):
        out = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up["UploadId"], PartNumber=n, Body=d,
                             ChecksumSHA256=checksum("SHA256", d))
        parts.append({"PartNumber": n, "ETag": out["ETag"], "ChecksumSHA256": out["ChecksumSHA256"]})
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=up["UploadId"], MultipartUpload={"Parts": parts})
    out = s3.copy_object(Bucket=bucket, Key="one", CopySource={"Bucket": bucket, "Key": "mp"})["CopyObjectResult"]
    whole = b"".join(parts_data)
    assert (out["ChecksumSHA256"], out["ChecksumType"]) == (checksum("SHA256", whole), "FULL_OBJECT")
    assert out["ETag"] == f'"{hashlib.md5(whole).hexdigest()}"'


def test_copy_with_an_unknown_algorithm_is_refused(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"},
                       ChecksumAlgorithm="MD4")
    r = e.value.response
    assert (r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Code"]) == (400, "InvalidRequest")
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="dst")


def test_reference_crc64nvme_of_known_data():
    # The expected values above come from an independent implementation.
    assert base64.b64decode(checksum("CRC64NVME", b"123456789")).hex() == "ae8b14860a799888"
    assert RAW["CRC64NVME"](b"") == bytes(8)
