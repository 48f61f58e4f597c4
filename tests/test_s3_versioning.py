"""S3 versioning and Object Lock end to end: bucket versioning states, version ids, the null
version, delete markers, ListObjectVersions paging, version-aware GET/HEAD/DELETE, tagging,
copy and multi-delete, DeleteBucket, and Object Lock retention and legal holds — with boto3,
the AWS CLI and raw HTTP."""

import datetime
import http.client
import json

import pytest
from botocore.exceptions import ClientError

from conftest import raw as conftest_raw
from conftest import error_of, unique

SIGNED = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/s3/aws4_request, "
                           "SignedHeaders=host, Signature=0000"}
XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"


def bucket_name(prefix="ver"):
    return unique(prefix).lower()


def headers_of(excinfo):
    return excinfo.value.response["ResponseMetadata"]["HTTPHeaders"]


def raw(server, method, path, body=None, headers=None):
    return conftest_raw(server, method, path, body, {**SIGNED, **(headers or {})})


@pytest.fixture
def bucket(s3):
    name = bucket_name()
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def versioned(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return bucket


@pytest.fixture
def locked(s3):
    name = bucket_name("lock")
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    return name


def body(s3, bucket, key, **kw):
    return s3.get_object(Bucket=bucket, Key=key, **kw)["Body"].read()


def versions_of(s3, bucket, **kw):
    r = s3.list_object_versions(Bucket=bucket, **kw)
    return ([(v["Key"], v["VersionId"], v["IsLatest"]) for v in r.get("Versions", [])],
            [(d["Key"], d["VersionId"], d["IsLatest"]) for d in r.get("DeleteMarkers", [])])


def future(days=1):
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)


# --- bucket versioning -----------------------------------------------------------------------

def test_versioning_states(server, s3, bucket):
    r = s3.get_bucket_versioning(Bucket=bucket)
    assert "Status" not in r and "MFADelete" not in r
    status, _, data = raw(server, "GET", f"/{bucket}?versioning")
    assert status == 200
    assert data.decode().endswith(f'<VersioningConfiguration xmlns="{XMLNS}"></VersioningConfiguration>')
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended", "MFADelete": "Disabled"})
    r = s3.get_bucket_versioning(Bucket=bucket)
    assert (r["Status"], r["MFADelete"]) == ("Suspended", "Disabled")


def test_versioning_refusals(server, s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled", "MFADelete": "Enabled"})
    assert error_of(e) == (403, "AccessDenied", "Mfa Authentication must be used for this request")
    malformed = (400, "MalformedXML",
                 "The XML you provided was not well-formed or did not validate against our published schema")
    for doc in [b"<VersioningConfiguration><Status>On</Status></VersioningConfiguration>",
                b"<VersioningConfiguration><Status>Enabled</Status>",
                b"<Versioning><Status>Enabled</Status></Versioning>", b""]:
        status, _, data = raw(server, "PUT", f"/{bucket}?versioning", body=doc)
        assert (status, b"<Code>MalformedXML</Code>" in data) == (400, True), doc
    with pytest.raises(ClientError) as e:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Paused"})
    assert error_of(e) == malformed
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)
    with pytest.raises(ClientError) as e:
        s3.get_bucket_versioning(Bucket=bucket_name("missing"))
    assert error_of(e)[:2] == (404, "NoSuchBucket")


# --- versions ------------------------------------------------------------------------------

def test_unversioned_bucket_shows_no_version_ids(s3, bucket):
    r = s3.put_object(Bucket=bucket, Key="k", Body=b"one")
    assert "VersionId" not in r
    assert "VersionId" not in s3.head_object(Bucket=bucket, Key="k")
    r = s3.delete_object(Bucket=bucket, Key="k")
    assert "VersionId" not in r and "DeleteMarker" not in r
    assert versions_of(s3, bucket) == ([], [])


def test_versions_are_kept_and_readable(s3, versioned):
    b = versioned
    v1 = s3.put_object(Bucket=b, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=b, Key="k", Body=b"two")["VersionId"]
    assert v1 != v2 and len(v1) == 32
    assert body(s3, b, "k") == b"two"
    assert body(s3, b, "k", VersionId=v1) == b"one"
    r = s3.get_object(Bucket=b, Key="k", VersionId=v1)
    assert r["VersionId"] == v1 and r["ContentLength"] == 3
    assert s3.head_object(Bucket=b, Key="k")["VersionId"] == v2
    assert s3.head_object(Bucket=b, Key="k", VersionId=v1)["VersionId"] == v1
    assert versions_of(s3, b) == ([("k", v2, True), ("k", v1, False)], [])
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=b)["Contents"]]
    assert keys == ["k"]


def test_bad_and_unknown_version_ids(server, s3, versioned):
    b = versioned
    v1 = s3.put_object(Bucket=b, Key="k", Body=b"one")["VersionId"]
    for call in [lambda: s3.get_object(Bucket=b, Key="k", VersionId="not-a-version"),
                 lambda: s3.delete_object(Bucket=b, Key="k", VersionId="not-a-version"),
                 lambda: s3.get_object_tagging(Bucket=b, Key="k", VersionId="not-a-version")]:
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e) == (400, "InvalidArgument", "Invalid version id specified")
    status, _, data = raw(server, "GET", f"/{b}/k?versionId=")
    assert status == 400 and b"<Message>Version id cannot be the empty string</Message>" in data
    # An id S3 issued whose version is gone is unknown; one S3 could not have issued (a
    # character changed) is invalid.
    unknown = s3.put_object(Bucket=b, Key="k", Body=b"gone")["VersionId"]
    s3.delete_object(Bucket=b, Key="k", VersionId=unknown)
    tampered = v1[:-4] + ("AAAA" if not v1.endswith("AAAA") else "BBBB")
    for call in [lambda: s3.get_object(Bucket=b, Key="k", VersionId=tampered),
                 lambda: s3.delete_object(Bucket=b, Key="k", VersionId=tampered)]:
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e) == (400, "InvalidArgument", "Invalid version id specified")
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=b, Key="k", VersionId=unknown)
    assert error_of(e) == (404, "NoSuchVersion", "The specified version does not exist.")
    assert e.value.response["Error"]["VersionId"] == unknown
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=b, Key="other", VersionId=v1)
    assert error_of(e)[:2] == (404, "NoSuchVersion")
    # Deleting a version that does not exist succeeds.
    r = s3.delete_object(Bucket=b, Key="k", VersionId=unknown)
    assert r["VersionId"] == unknown
    assert body(s3, b, "k", VersionId=v1) == b"one"


def test_existing_objects_become_the_null_version(s3, bucket):
    s3.put_object(Bucket=bucket, Key="old", Body=b"before")
    assert versions_of(s3, bucket) == ([("old", "null", True)], [])
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert s3.head_object(Bucket=bucket, Key="old")["VersionId"] == "null"
    v = s3.put_object(Bucket=bucket, Key="old", Body=b"after")["VersionId"]
    assert versions_of(s3, bucket) == ([("old", v, True), ("old", "null", False)], [])
    assert body(s3, bucket, "old", VersionId="null") == b"before"
    assert body(s3, bucket, "old") == b"after"


def test_suspended_versioning_overwrites_the_null_version(s3, versioned):
    b = versioned
    v1 = s3.put_object(Bucket=b, Key="k", Body=b"one")["VersionId"]
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
    # The response of a write into a suspended bucket names no version.
    assert "VersionId" not in s3.put_object(Bucket=b, Key="k", Body=b"two")
    assert "VersionId" not in s3.put_object(Bucket=b, Key="k", Body=b"three")
    assert s3.head_object(Bucket=b, Key="k")["VersionId"] == "null"
    assert versions_of(s3, b) == ([("k", "null", True), ("k", v1, False)], [])
    assert body(s3, b, "k", VersionId="null") == b"three"
    r = s3.delete_object(Bucket=b, Key="k")
    assert (r["DeleteMarker"], r["VersionId"]) == (True, "null")
    assert versions_of(s3, b) == ([("k", v1, False)], [("k", "null", True)])
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    v3 = s3.put_object(Bucket=b, Key="k", Body=b"four")["VersionId"]
    assert versions_of(s3, b) == ([("k", v3, True), ("k", v1, False)], [("k", "null", False)])


# --- delete markers ------------------------------------------------------------------------

def test_delete_marker_hides_the_object(server, s3, versioned):
    b = versioned
    v1 = s3.put_object(Bucket=b, Key="k", Body=b"one")["VersionId"]
    r = s3.delete_object(Bucket=b, Key="k")
    marker = r["VersionId"]
    assert r["DeleteMarker"] is True and marker != v1
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=b, Key="k")
    assert error_of(e) == (404, "NoSuchKey", "The specified key does not exist.")
    assert headers_of(e)["x-amz-delete-marker"] == "true"
    assert headers_of(e)["x-amz-version-id"] == marker
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=b, Key="k")
    assert error_of(e)[0] == 404
    assert headers_of(e)["x-amz-delete-marker"] == "true"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=b, Key="k", VersionId=marker)
    assert error_of(e) == (405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
    assert headers_of(e)["x-amz-delete-marker"] == "true"
    status, h, data = raw(server, "GET", f"/{b}/k?versionId={marker}")
    assert status == 405 and b"<ResourceType>DeleteMarker</ResourceType>" in data
    assert h["x-amz-version-id"] == marker
    assert s3.list_objects_v2(Bucket=b)["KeyCount"] == 0
    assert "Contents" not in s3.list_objects(Bucket=b)
    assert versions_of(s3, b) == ([("k", v1, False)], [("k", marker, True)])
    assert body(s3, b, "k", VersionId=v1) == b"one"
    # Removing the delete marker brings the object back.
    r = s3.delete_object(Bucket=b, Key="k", VersionId=marker)
    assert (r["DeleteMarker"], r["VersionId"]) == (True, marker)
    assert body(s3, b, "k") == b"one"
    assert s3.head_object(Bucket=b, Key="k")["VersionId"] == v1


def test_deleting_a_version_is_permanent(s3, versioned):
    b = versioned
    v1 = s3.put_object(Bucket=b, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=b, Key="k", Body=b"two")["VersionId"]
    r = s3.delete_object(Bucket=b, Key="k", VersionId=v2)
    assert r["VersionId"] == v2 and "DeleteMarker" not in r
    assert body(s3, b, "k") == b"one"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=b, Key="k", VersionId=v2)
    assert error_of(e)[:2] == (404, "NoSuchVersion")
    s3.delete_object(Bucket=b, Key="k", VersionId=v1)
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=b, Key="k")
    assert error_of(e)[:2] == (404, "NoSuchKey")
    assert "x-amz-delete-marker" not in headers_of(e)
    assert versions_of(s3, b) == ([], [])


def test_delete_bucket_refuses_versions_and_markers(s3, versioned):
    b = versioned
    v1 = s3.put_object(Bucket=b, Key="k", Body=b"one")["VersionId"]
    marker = s3.delete_object(Bucket=b, Key="k")["VersionId"]
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=b)
    assert error_of(e) == (409, "BucketNotEmpty", "The bucket you tried to delete is not empty")
    s3.delete_object(Bucket=b, Key="k", VersionId=v1)
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=b)
    assert error_of(e)[1] == "BucketNotEmpty"
    s3.delete_object(Bucket=b, Key="k", VersionId=marker)
    s3.delete_bucket(Bucket=b)
    with pytest.raises(ClientError) as e:
        s3.head_bucket(Bucket=b)
    assert error_of(e)[0] == 404


def test_reading_a_version_needs_get_object_version(server, s3, versioned):
    b = versioned
    v1 = s3.put_object(Bucket=b, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=b, Key="k", Body=b"two")["VersionId"]
    s3.delete_public_access_block(Bucket=b)

    def policy(actions):
        return json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": actions, "Resource": f"arn:aws:s3:::{b}/*"}]})

    s3.put_bucket_policy(Bucket=b, Policy=policy(["s3:GetObject"]))
    anonymous = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    anonymous.request("GET", f"/{b}/k")
    r = anonymous.getresponse()
    assert (r.status, r.read(), r.getheader("x-amz-version-id")) == (200, b"two", v2)
    anonymous.request("GET", f"/{b}/k?versionId={v1}")
    r = anonymous.getresponse()
    assert (r.status, b"<Code>AccessDenied</Code>" in r.read()) == (403, True)
    s3.put_bucket_policy(Bucket=b, Policy=policy(["s3:GetObject", "s3:GetObjectVersion"]))
    anonymous.request("GET", f"/{b}/k?versionId={v1}")
    r = anonymous.getresponse()
    assert (r.status, r.read(), r.getheader("x-amz-version-id")) == (200, b"one", v1)
    anonymous.close()


# --- tagging, copy, multipart, multi-delete ------------------------------------------------

def test_tagging_per_version(s3, versioned):
    b = versioned
    v1 = s3.put_object(Bucket=b, Key="k", Body=b"one", Tagging="a=1")["VersionId"]
    v2 = s3.put_object(Bucket=b, Key="k", Body=b"two")["VersionId"]
    r = s3.put_object_tagging(Bucket=b, Key="k", VersionId=v1, Tagging={"TagSet": [{"Key": "old", "Value": "yes"}]})
    assert r["VersionId"] == v1
    r = s3.get_object_tagging(Bucket=b, Key="k", VersionId=v1)
    assert (r["VersionId"], r["TagSet"]) == (v1, [{"Key": "old", "Value": "yes"}])
    r = s3.get_object_tagging(Bucket=b, Key="k")
    assert (r["VersionId"], r["TagSet"]) == (v2, [])
    s3.put_object_tagging(Bucket=b, Key="k", Tagging={"TagSet": [{"Key": "new", "Value": "1"}]})
    assert s3.get_object_tagging(Bucket=b, Key="k", VersionId=v2)["TagSet"] == [{"Key": "new", "Value": "1"}]
    assert s3.get_object(Bucket=b, Key="k")["TagCount"] == 1
    r = s3.delete_object_tagging(Bucket=b, Key="k", VersionId=v1)
    assert r["VersionId"] == v1
    assert s3.get_object_tagging(Bucket=b, Key="k", VersionId=v1)["TagSet"] == []
    assert s3.get_object_tagging(Bucket=b, Key="k")["TagSet"] == [{"Key": "new", "Value": "1"}]


def test_copy_from_a_version(s3, versioned):
    b = versioned
    v1 = s3.put_object(Bucket=b, Key="src", Body=b"first")["VersionId"]
    s3.put_object(Bucket=b, Key="src", Body=b"second")
    r = s3.copy_object(Bucket=b, Key="dst", CopySource={"Bucket": b, "Key": "src", "VersionId": v1})
    assert r["CopySourceVersionId"] == v1 and len(r["VersionId"]) == 32
    assert body(s3, b, "dst") == b"first"
    # Restoring an old version onto its own key is allowed.
    r = s3.copy_object(Bucket=b, Key="src", CopySource={"Bucket": b, "Key": "src", "VersionId": v1})
    assert body(s3, b, "src") == b"first"
    assert len(versions_of(s3, b, Prefix="src")[0]) == 3
    marker = s3.delete_object(Bucket=b, Key="src")["VersionId"]
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=b, Key="x", CopySource={"Bucket": b, "Key": "src", "VersionId": marker})
    assert error_of(e) == (400, "InvalidRequest",
                           "The source of a copy request may not specifically refer to a delete marker by version id.")
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=b, Key="x", CopySource={"Bucket": b, "Key": "src"})
    assert error_of(e)[:2] == (404, "NoSuchKey")
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=b, Key="x", CopySource=f"{b}/src?versionId=bogus")
    assert error_of(e) == (400, "InvalidArgument", "Invalid version id specified")


def test_multipart_upload_creates_a_version(s3, versioned):
    b = versioned
    v1 = s3.put_object(Bucket=b, Key="mp", Body=b"small")["VersionId"]
    up = s3.create_multipart_upload(Bucket=b, Key="mp")["UploadId"]
    etag = s3.upload_part(Bucket=b, Key="mp", UploadId=up, PartNumber=1, Body=b"part")["ETag"]
    r = s3.complete_multipart_upload(Bucket=b, Key="mp", UploadId=up,
                                     MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert r["VersionId"] not in (None, v1)
    assert body(s3, b, "mp") == b"part" and body(s3, b, "mp", VersionId=v1) == b"small"
    with pytest.raises(ClientError) as e:
        s3.create_multipart_upload(Bucket=b, Key="mp", ObjectLockLegalHoldStatus="ON")
    assert error_of(e) == (400, "InvalidRequest", "Bucket is missing Object Lock Configuration")


def test_delete_objects_with_versions(s3, versioned):
    b = versioned
    v1 = s3.put_object(Bucket=b, Key="a", Body=b"1")["VersionId"]
    v2 = s3.put_object(Bucket=b, Key="a", Body=b"2")["VersionId"]
    vb = s3.put_object(Bucket=b, Key="b", Body=b"1")["VersionId"]
    r = s3.delete_objects(Bucket=b, Delete={"Objects": [
        {"Key": "a", "VersionId": v1}, {"Key": "b"}, {"Key": "a", "VersionId": "garbage"}]})
    deleted = {(d["Key"], d.get("VersionId")): d for d in r["Deleted"]}
    assert set(deleted) == {("a", v1), ("b", None)}
    assert "DeleteMarker" not in deleted[("a", v1)]
    marker = deleted[("b", None)]["DeleteMarkerVersionId"]
    assert deleted[("b", None)]["DeleteMarker"] is True
    # Unlike DeleteObject (InvalidArgument), DeleteObjects reports it as no such version.
    assert r["Errors"] == [{"Key": "a", "VersionId": "garbage", "Code": "NoSuchVersion",
                            "Message": "The specified version does not exist."}]
    assert versions_of(s3, b) == ([("a", v2, True), ("b", vb, False)], [("b", marker, True)])
    r = s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "b", "VersionId": marker}]})
    assert r["Deleted"] == [{"Key": "b", "VersionId": marker, "DeleteMarker": True, "DeleteMarkerVersionId": marker}]
    assert body(s3, b, "b") == b"1"


# --- ListObjectVersions --------------------------------------------------------------------

def test_list_object_versions_paging(s3, versioned):
    b = versioned
    made = []
    for key in ["a", "b", "c"]:
        for n in range(3):
            made.append((key, s3.put_object(Bucket=b, Key=key, Body=str(n).encode())["VersionId"]))
    marker = s3.delete_object(Bucket=b, Key="b")["VersionId"]
    expected = [("a", v) for _, v in reversed(made[0:3])] + [("b", marker)] + \
               [("b", v) for _, v in reversed(made[3:6])] + [("c", v) for _, v in reversed(made[6:9])]
    r = s3.list_object_versions(Bucket=b, MaxKeys=4)
    assert (r["IsTruncated"], r["MaxKeys"], r["NextKeyMarker"], r["NextVersionIdMarker"]) == (True, 4, "b", marker)
    assert [v["VersionId"] for v in r["Versions"]] == [v for _, v in expected[:3]]
    assert [(d["VersionId"], d["IsLatest"]) for d in r["DeleteMarkers"]] == [(marker, True)]
    r2 = s3.list_object_versions(Bucket=b, MaxKeys=2, KeyMarker="b", VersionIdMarker=marker)
    assert [(v["Key"], v["VersionId"], v["IsLatest"]) for v in r2["Versions"]] == \
        [("b", expected[4][1], False), ("b", expected[5][1], False)]
    assert r2["KeyMarker"] == "b" and r2["VersionIdMarker"] == marker
    r3 = s3.list_object_versions(Bucket=b, KeyMarker="b")
    assert [(v["Key"], v["IsLatest"]) for v in r3["Versions"]] == [("c", True), ("c", False), ("c", False)]
    assert r3["IsTruncated"] is False and "NextKeyMarker" not in r3
    got = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=b, PaginationConfig={"PageSize": 2}):
        entries = [(v["Key"], v["VersionId"], v["LastModified"]) for v in page.get("Versions", [])]
        entries += [(d["Key"], d["VersionId"], d["LastModified"]) for d in page.get("DeleteMarkers", [])]
        got += [(k, v) for k, v, _ in sorted(entries, key=lambda e: (e[0], -e[2].timestamp()))]
    assert sorted(got) == sorted(expected) and len(got) == 10
    with pytest.raises(ClientError) as e:
        s3.list_object_versions(Bucket=b, VersionIdMarker=marker)
    assert error_of(e) == (400, "InvalidArgument", "A version-id marker cannot be specified without a key marker.")
    with pytest.raises(ClientError) as e:
        s3.list_object_versions(Bucket=b, KeyMarker="a", VersionIdMarker="nonsense")
    assert error_of(e) == (400, "InvalidArgument", "Invalid version id specified")


def test_list_object_versions_prefix_delimiter_and_encoding(server, s3, versioned):
    b = versioned
    for key in ["dir/one", "dir/two", "dir/sub/x", "top", "sp ace"]:
        s3.put_object(Bucket=b, Key=key, Body=b"x")
    s3.put_object(Bucket=b, Key="dir/one", Body=b"y")
    r = s3.list_object_versions(Bucket=b, Delimiter="/")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["dir/"]
    assert sorted(v["Key"] for v in r["Versions"]) == ["sp ace", "top"]
    r = s3.list_object_versions(Bucket=b, Prefix="dir/", Delimiter="/")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["dir/sub/"]
    assert [(v["Key"], v["IsLatest"]) for v in r["Versions"]] == [("dir/one", True), ("dir/one", False), ("dir/two", True)]
    r = s3.list_object_versions(Bucket=b, Delimiter="/", MaxKeys=1)
    assert (r["IsTruncated"], r["NextKeyMarker"], r["CommonPrefixes"]) == (True, "dir/", [{"Prefix": "dir/"}])
    assert "NextVersionIdMarker" not in r
    r = s3.list_object_versions(Bucket=b, Delimiter="/", KeyMarker="dir/")
    assert sorted(v["Key"] for v in r["Versions"]) == ["sp ace", "top"] and "CommonPrefixes" not in r
    status, _, data = raw(server, "GET", f"/{b}?versions&prefix=sp&encoding-type=url")
    assert status == 200
    assert b"<Key>sp%20ace</Key>" in data and b"<EncodingType>url</EncodingType>" in data
    assert b"<IsLatest>true</IsLatest>" in data and b"<StorageClass>STANDARD</StorageClass>" in data
    status, _, data = raw(server, "GET", f"/{b}?versions&encoding-type=base64")
    assert status == 400 and b"Invalid Encoding Method specified in Request" in data


# --- Object Lock ---------------------------------------------------------------------------

def test_object_lock_configuration(s3, locked, bucket):
    assert s3.get_bucket_versioning(Bucket=locked)["Status"] == "Enabled"
    r = s3.get_object_lock_configuration(Bucket=locked)["ObjectLockConfiguration"]
    assert r == {"ObjectLockEnabled": "Enabled"}
    with pytest.raises(ClientError) as e:
        s3.put_bucket_versioning(Bucket=locked, VersioningConfiguration={"Status": "Suspended"})
    assert error_of(e) == (409, "InvalidBucketState",
                           "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.")
    s3.put_bucket_versioning(Bucket=locked, VersioningConfiguration={"Status": "Enabled"})
    rule = {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}
    s3.put_object_lock_configuration(Bucket=locked, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": rule})
    assert s3.get_object_lock_configuration(Bucket=locked)["ObjectLockConfiguration"]["Rule"] == rule
    with pytest.raises(ClientError) as e:
        s3.put_object_lock_configuration(Bucket=locked, ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1, "Years": 1}}})
    assert error_of(e)[:2] == (400, "MalformedXML")
    # A bucket made without Object Lock.
    with pytest.raises(ClientError) as e:
        s3.get_object_lock_configuration(Bucket=bucket)
    assert error_of(e) == (404, "ObjectLockConfigurationNotFoundError",
                           "Object Lock configuration does not exist for this bucket")
    with pytest.raises(ClientError) as e:
        s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"})
    assert error_of(e) == (409, "InvalidBucketState",
                           "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration")
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.put_object_retention(Bucket=bucket, Key="k", Retention={"Mode": "GOVERNANCE", "RetainUntilDate": future()})
    assert error_of(e) == (400, "InvalidRequest", "Bucket is missing Object Lock Configuration")
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=future())
    assert error_of(e) == (400, "InvalidRequest", "Bucket is missing Object Lock Configuration")
    # Object Lock can be turned on for a versioned bucket.
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"})
    assert s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"] == {"ObjectLockEnabled": "Enabled"}


def test_default_retention_applies_to_new_versions(s3, locked):
    s3.put_object_lock_configuration(Bucket=locked, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 2}}})
    before = datetime.datetime.now(datetime.timezone.utc)
    v = s3.put_object(Bucket=locked, Key="k", Body=b"x")["VersionId"]
    h = s3.head_object(Bucket=locked, Key="k")
    assert h["ObjectLockMode"] == "COMPLIANCE" and h["ObjectLockRetainUntilDate"] > before
    r = s3.get_object_retention(Bucket=locked, Key="k", VersionId=v)["Retention"]
    assert r["Mode"] == "COMPLIANCE" and r["RetainUntilDate"] == h["ObjectLockRetainUntilDate"]
    with pytest.raises(ClientError) as e:
        s3.delete_object(Bucket=locked, Key="k", VersionId=v, BypassGovernanceRetention=True)
    assert error_of(e) == (403, "AccessDenied", "Access Denied because object protected by object lock.")
    with pytest.raises(ClientError) as e:
        s3.put_object_retention(Bucket=locked, Key="k", VersionId=v, BypassGovernanceRetention=True,
                                Retention={"Mode": "GOVERNANCE", "RetainUntilDate": future(3)})
    assert error_of(e)[:2] == (403, "AccessDenied")
    # A delete without a version id only adds a delete marker, which is allowed.
    assert s3.delete_object(Bucket=locked, Key="k")["DeleteMarker"] is True


def test_governance_retention_and_bypass(s3, locked):
    v1 = s3.put_object(Bucket=locked, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=locked, Key="k", Body=b"two", ObjectLockMode="GOVERNANCE",
                       ObjectLockRetainUntilDate=future())["VersionId"]
    with pytest.raises(ClientError) as e:
        s3.get_object_retention(Bucket=locked, Key="k", VersionId=v1)
    assert error_of(e) == (404, "NoSuchObjectLockConfiguration",
                           "The specified object does not have a ObjectLock configuration")
    assert s3.get_object_retention(Bucket=locked, Key="k")["Retention"]["Mode"] == "GOVERNANCE"
    s3.put_object_retention(Bucket=locked, Key="k", VersionId=v1,
                            Retention={"Mode": "GOVERNANCE", "RetainUntilDate": future()})
    with pytest.raises(ClientError) as e:
        s3.delete_object(Bucket=locked, Key="k", VersionId=v1)
    assert error_of(e) == (403, "AccessDenied", "Access Denied because object protected by object lock.")
    # Shortening GOVERNANCE needs the bypass; extending does not.
    with pytest.raises(ClientError) as e:
        s3.put_object_retention(Bucket=locked, Key="k", VersionId=v1, Retention={})
    assert error_of(e)[:2] == (403, "AccessDenied")
    s3.put_object_retention(Bucket=locked, Key="k", VersionId=v1,
                            Retention={"Mode": "GOVERNANCE", "RetainUntilDate": future(5)})
    with pytest.raises(ClientError) as e:
        s3.put_object_retention(Bucket=locked, Key="k", VersionId=v1,
                                Retention={"Mode": "GOVERNANCE", "RetainUntilDate": datetime.datetime(2001, 1, 1)})
    assert error_of(e) == (400, "InvalidArgument", "The retain until date must be in the future!")
    r = s3.delete_objects(Bucket=locked, Delete={"Objects": [{"Key": "k", "VersionId": v1}]})
    assert r["Errors"] == [{"Key": "k", "VersionId": v1, "Code": "AccessDenied", "Message": "Access Denied because object protected by object lock."}]
    s3.delete_object(Bucket=locked, Key="k", VersionId=v1, BypassGovernanceRetention=True)
    r = s3.delete_objects(Bucket=locked, BypassGovernanceRetention=True,
                          Delete={"Objects": [{"Key": "k", "VersionId": v2}]})
    assert r["Deleted"] == [{"Key": "k", "VersionId": v2}] and "Errors" not in r
    assert versions_of(s3, locked) == ([], [])


def test_legal_hold_per_version(s3, locked):
    v1 = s3.put_object(Bucket=locked, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=locked, Key="k", Body=b"two", ObjectLockLegalHoldStatus="ON")["VersionId"]
    with pytest.raises(ClientError) as e:
        s3.get_object_legal_hold(Bucket=locked, Key="k", VersionId=v1)
    assert error_of(e)[:2] == (404, "NoSuchObjectLockConfiguration")
    assert s3.get_object_legal_hold(Bucket=locked, Key="k")["LegalHold"] == {"Status": "ON"}
    assert s3.head_object(Bucket=locked, Key="k")["ObjectLockLegalHoldStatus"] == "ON"
    s3.put_object_legal_hold(Bucket=locked, Key="k", VersionId=v1, LegalHold={"Status": "ON"})
    for v in (v1, v2):
        with pytest.raises(ClientError) as e:
            s3.delete_object(Bucket=locked, Key="k", VersionId=v, BypassGovernanceRetention=True)
        assert error_of(e)[:2] == (403, "AccessDenied")
    s3.put_object_legal_hold(Bucket=locked, Key="k", VersionId=v1, LegalHold={"Status": "OFF"})
    assert s3.get_object_legal_hold(Bucket=locked, Key="k", VersionId=v1)["LegalHold"] == {"Status": "OFF"}
    s3.delete_object(Bucket=locked, Key="k", VersionId=v1)
    with pytest.raises(ClientError) as e:
        s3.delete_object(Bucket=locked, Key="k", VersionId=v2)
    assert error_of(e)[:2] == (403, "AccessDenied")
    assert body(s3, locked, "k", VersionId=v2) == b"two"
    with pytest.raises(ClientError) as e:
        s3.put_object_legal_hold(Bucket=locked, Key="k", VersionId=v2, LegalHold={"Status": "MAYBE"})
    assert error_of(e)[:2] == (400, "MalformedXML")
    up = s3.create_multipart_upload(Bucket=locked, Key="mp", ObjectLockLegalHoldStatus="ON")["UploadId"]
    etag = s3.upload_part(Bucket=locked, Key="mp", UploadId=up, PartNumber=1, Body=b"part")["ETag"]
    v3 = s3.complete_multipart_upload(Bucket=locked, Key="mp", UploadId=up,
                                      MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})["VersionId"]
    assert s3.get_object_legal_hold(Bucket=locked, Key="mp", VersionId=v3)["LegalHold"] == {"Status": "ON"}


# --- durability and the CLI ----------------------------------------------------------------

def test_versions_survive_restart(durable_server):
    c = durable_server.client("s3")
    b = bucket_name("durable")
    c.create_bucket(Bucket=b, ObjectLockEnabledForBucket=True)
    v1 = c.put_object(Bucket=b, Key="k", Body=b"one", ObjectLockLegalHoldStatus="ON")["VersionId"]
    v2 = c.put_object(Bucket=b, Key="k", Body=b"two")["VersionId"]
    marker = c.delete_object(Bucket=b, Key="k")["VersionId"]
    durable_server.kill9()
    durable_server.start(durable_server.port)
    c = durable_server.client("s3")
    assert versions_of(c, b) == ([("k", v2, False), ("k", v1, False)], [("k", marker, True)])
    assert body(c, b, "k", VersionId=v1) == b"one"
    assert c.get_object_legal_hold(Bucket=b, Key="k", VersionId=v1)["LegalHold"] == {"Status": "ON"}
    c.delete_object(Bucket=b, Key="k", VersionId=marker)
    assert body(c, b, "k") == b"two"


def test_aws_cli_versioning_flow(server, tmp_path):
    b = bucket_name("cli")
    server.aws("s3api", "create-bucket", "--bucket", b)
    server.aws("s3api", "put-bucket-versioning", "--bucket", b, "--versioning-configuration", "Status=Enabled")
    assert server.aws("s3api", "get-bucket-versioning", "--bucket", b) == {"Status": "Enabled"}
    src = tmp_path / "f.txt"
    src.write_text("first")
    v1 = server.aws("s3api", "put-object", "--bucket", b, "--key", "f.txt", "--body", str(src))["VersionId"]
    src.write_text("second")
    v2 = server.aws("s3api", "put-object", "--bucket", b, "--key", "f.txt", "--body", str(src))["VersionId"]
    listing = server.aws("s3api", "list-object-versions", "--bucket", b)
    assert [(v["VersionId"], v["IsLatest"]) for v in listing["Versions"]] == [(v2, True), (v1, False)]
    out = tmp_path / "out.txt"
    r = server.aws("s3api", "get-object", "--bucket", b, "--key", "f.txt", "--version-id", v1, str(out))
    assert r["VersionId"] == v1 and out.read_text() == "first"
    r = server.aws("s3api", "delete-object", "--bucket", b, "--key", "f.txt")
    assert r["DeleteMarker"] is True
    p = server.aws("s3api", "head-object", "--bucket", b, "--key", "f.txt", check=False)
    assert p.returncode != 0 and "404" in p.stderr
    r = server.aws("s3api", "delete-object", "--bucket", b, "--key", "f.txt", "--version-id", r["VersionId"])
    assert r["DeleteMarker"] is True
    assert server.aws("s3", "cp", f"s3://{b}/f.txt", "-") == "second"
    p = server.aws("s3", "rb", f"s3://{b}", check=False)
    assert p.returncode != 0 and "BucketNotEmpty" in p.stderr
