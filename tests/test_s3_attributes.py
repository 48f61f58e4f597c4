"""GetObjectAttributes: ETag, Checksum, ObjectParts (paged), StorageClass and ObjectSize of an
object or of one of its versions, as the x-amz-object-attributes header asks; AWS's errors for
a missing or unknown attribute, a missing key or version and a delete marker; and the
s3:GetObjectAttributes permission."""

import base64
import hashlib
import http.client
import json

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import error_of, unique
from test_s3_checksums import RAW, checksum

MIB = 1024 * 1024
ALL = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]


@pytest.fixture
def s3(server):
    # No checksum unless a test asks: objects then get S3's default CRC64NVME.
    return server.client("s3", config={"request_checksum_calculation": "when_required"})


def test_every_attribute_of_a_single_part_object(s3, bucket):
    data = b"attributes of a small object"
    s3.put_object(Bucket=bucket, Key="k", Body=data)
    got = s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=ALL)
    assert got["ETag"] == hashlib.md5(data).hexdigest()  # unquoted, as AWS shows it
    assert got["Checksum"] == {"ChecksumCRC64NVME": checksum("CRC64NVME", data), "ChecksumType": "FULL_OBJECT"}
    assert (got["StorageClass"], got["ObjectSize"]) == ("STANDARD", len(data))
    assert "ObjectParts" not in got  # not a multipart object
    assert got["LastModified"] == s3.head_object(Bucket=bucket, Key="k")["LastModified"]
    assert "VersionId" not in got


def test_only_the_attributes_asked_for(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"12345", ChecksumSHA1=checksum("SHA1", b"12345"))
    got = s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["ObjectSize", "Checksum"])
    assert got["ObjectSize"] == 5
    assert got["Checksum"] == {"ChecksumSHA1": checksum("SHA1", b"12345"), "ChecksumType": "FULL_OBJECT"}
    assert not {"ETag", "StorageClass", "ObjectParts"} & set(got)


def upload(s3, bucket, key, parts_data, algorithm=None):
    extra = {"ChecksumAlgorithm": algorithm} if algorithm else {}
    up = s3.create_multipart_upload(Bucket=bucket, Key=key, **extra)
    parts = []
    for n, data in enumerate(parts_data, 1):
        out = s3.upload_part(Bucket=bucket, Key=key, UploadId=up["UploadId"], PartNumber=n, Body=data, **extra)
        part = {"PartNumber": n, "ETag": out["ETag"]}
        if algorithm:
            part[f"Checksum{algorithm}"] = out[f"Checksum{algorithm}"]
        parts.append(part)
    return s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up["UploadId"],
                                        MultipartUpload={"Parts": parts})


def test_parts_of_a_composite_multipart_object_page(s3, bucket):
    parts_data = [b"a" * (5 * MIB), b"b" * (5 * MIB), b"tail"]
    done = upload(s3, bucket, "mp", parts_data, "SHA256")
    composite = base64.b64encode(hashlib.sha256(b"".join(RAW["SHA256"](d) for d in parts_data)).digest()).decode()
    got = s3.get_object_attributes(Bucket=bucket, Key="mp", ObjectAttributes=ALL, MaxParts=2)
    assert got["ETag"] == done["ETag"].strip('"') and got["ETag"].endswith("-3")
    # The composite checksum without its part count.
    assert got["Checksum"] == {"ChecksumSHA256": composite, "ChecksumType": "COMPOSITE"}
    assert got["ObjectSize"] == sum(map(len, parts_data))
    first = got["ObjectParts"]
    assert (first["TotalPartsCount"], first["MaxParts"], first["IsTruncated"]) == (3, 2, True)
    assert first["NextPartNumberMarker"] == 2
    assert [(p["PartNumber"], p["Size"], p["ChecksumSHA256"]) for p in first["Parts"]] == [
        (n, len(d), checksum("SHA256", d)) for n, d in [(1, parts_data[0]), (2, parts_data[1])]]
    rest = s3.get_object_attributes(Bucket=bucket, Key="mp", ObjectAttributes=["ObjectParts"],
                                    MaxParts=2, PartNumberMarker=2)["ObjectParts"]
    assert (rest["PartNumberMarker"], rest["IsTruncated"]) == (2, False)
    assert [(p["PartNumber"], p["Size"]) for p in rest["Parts"]] == [(3, 4)]


def test_parts_of_a_multipart_object_without_a_checksum_algorithm(s3, bucket):
    parts_data = [b"c" * (5 * MIB), b"end"]
    upload(s3, bucket, "plain", parts_data)
    got = s3.get_object_attributes(Bucket=bucket, Key="plain", ObjectAttributes=["Checksum", "ObjectParts"])
    whole = checksum("CRC64NVME", b"".join(parts_data))
    assert got["Checksum"] == {"ChecksumCRC64NVME": whole, "ChecksumType": "FULL_OBJECT"}
    parts = got["ObjectParts"]
    assert (parts["TotalPartsCount"], parts["IsTruncated"]) == (2, False)
    assert [(p["PartNumber"], p["Size"], p["ChecksumCRC64NVME"]) for p in parts["Parts"]] == [
        (n, len(d), checksum("CRC64NVME", d)) for n, d in enumerate(parts_data, 1)]


def test_versions_and_delete_markers(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=bucket, Key="v", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="v", Body=b"second")["VersionId"]
    current = s3.get_object_attributes(Bucket=bucket, Key="v", ObjectAttributes=["ObjectSize"])
    assert (current["VersionId"], current["ObjectSize"]) == (v2, 6)
    old = s3.get_object_attributes(Bucket=bucket, Key="v", VersionId=v1, ObjectAttributes=["ETag", "ObjectSize"])
    assert (old["VersionId"], old["ETag"], old["ObjectSize"]) == (v1, hashlib.md5(b"one").hexdigest(), 3)
    marker = s3.delete_object(Bucket=bucket, Key="v")["VersionId"]
    with pytest.raises(ClientError) as e:
        s3.get_object_attributes(Bucket=bucket, Key="v", ObjectAttributes=["ETag"])
    assert error_of(e)[:2] == (404, "NoSuchKey")
    headers = e.value.response["ResponseMetadata"]["HTTPHeaders"]
    assert (headers["x-amz-delete-marker"], headers["x-amz-version-id"]) == ("true", marker)
    with pytest.raises(ClientError) as e:
        s3.get_object_attributes(Bucket=bucket, Key="v", VersionId=marker, ObjectAttributes=["ETag"])
    assert error_of(e)[0] == 404
    assert e.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amz-delete-marker"] == "true"
    # The versions behind the marker are still there.
    assert s3.get_object_attributes(Bucket=bucket, Key="v", VersionId=v2, ObjectAttributes=["ObjectSize"])[
        "ObjectSize"] == 6
    s3.delete_object(Bucket=bucket, Key="v", VersionId=v1)
    with pytest.raises(ClientError) as e:
        s3.get_object_attributes(Bucket=bucket, Key="v", VersionId=v1, ObjectAttributes=["ETag"])
    assert error_of(e) == (404, "NoSuchVersion", "The specified version does not exist.")


def raw_get(server, path, headers):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    h = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, "
                          "SignedHeaders=host, Signature=0", **headers}
    conn.request("GET", path, headers=h)
    r = conn.getresponse()
    out = r.status, r.read()
    conn.close()
    return out


def test_errors(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    status, body = raw_get(server, f"/{bucket}/k?attributes", {})
    assert status == 400
    assert (b"<Code>InvalidRequest</Code><Message>The x-amz-object-attributes header specifying the "
            b"attributes to be retrieved is either missing or empty</Message>") in body
    status, body = raw_get(server, f"/{bucket}/k?attributes", {"x-amz-object-attributes": ""})
    assert status == 400 and b"<Code>InvalidRequest</Code>" in body
    # An unknown attribute is refused before the key is looked up.
    for key in ["k", "missing"]:
        with pytest.raises(ClientError) as e:
            s3.get_object_attributes(Bucket=bucket, Key=key, ObjectAttributes=["ETag", "Bogus"])
        assert error_of(e) == (400, "InvalidArgument", "Invalid attribute name specified.")
        assert e.value.response["Error"]["ArgumentValue"] == "Bogus"
    with pytest.raises(ClientError) as e:
        s3.get_object_attributes(Bucket=bucket, Key="missing", ObjectAttributes=["ETag"])
    assert error_of(e) == (404, "NoSuchKey", "The specified key does not exist.")
    with pytest.raises(ClientError) as e:
        s3.get_object_attributes(Bucket=unique("nobucket").lower(), Key="k", ObjectAttributes=["ETag"])
    assert error_of(e)[:2] == (404, "NoSuchBucket")
    with pytest.raises(ClientError) as e:
        s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["ObjectParts"], MaxParts=-1)
    assert error_of(e)[:2] == (400, "InvalidArgument")


def test_needs_get_object_attributes_permission(server, bucket):
    iam, s3 = server.client("iam"), server.client("s3")
    s3.put_object(Bucket=bucket, Key="doc", Body=b"hello")
    user = unique("attrs-user")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    as_user = boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                           config=Config(retries={"max_attempts": 1}),
                           aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])

    def allow(*actions):
        iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": f"arn:aws:s3:::{bucket}/*"}]}))

    allow("s3:GetObject")
    assert as_user.get_object(Bucket=bucket, Key="doc")["Body"].read() == b"hello"
    with pytest.raises(ClientError) as e:
        as_user.get_object_attributes(Bucket=bucket, Key="doc", ObjectAttributes=["ETag"])
    assert error_of(e)[:2] == (403, "AccessDenied")
    allow("s3:GetObject", "s3:GetObjectAttributes")
    assert as_user.get_object_attributes(Bucket=bucket, Key="doc", ObjectAttributes=["ObjectSize"])["ObjectSize"] == 5
    # Without s3:ListBucket a missing key is not revealed.
    with pytest.raises(ClientError) as e:
        as_user.get_object_attributes(Bucket=bucket, Key="nothing", ObjectAttributes=["ETag"])
    assert error_of(e)[:2] == (403, "AccessDenied")
