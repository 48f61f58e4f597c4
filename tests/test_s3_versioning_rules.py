"""S3 versioning rules, as the S3 API Reference and AWS's recorded answers give them:
PutBucketVersioning's documents, the answers about delete markers (GET/HEAD, tagging, ACLs,
Object Lock), the forms a version id takes, DeleteObject in each versioning state, and the
`x-amz-version-id` S3 sends back on writes and copies."""

import base64
import hashlib

import pytest
from botocore.exceptions import ClientError

from conftest import raw as conftest_raw
from conftest import error_of, unique

SIGNED = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/s3/aws4_request, "
                           "SignedHeaders=host, Signature=0000"}
XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"
MALFORMED = (400, "MalformedXML",
             "The XML you provided was not well-formed or did not validate against our published schema")
NOT_ALLOWED = "The specified method is not allowed against this resource."
# Of the form of an id, but not one that was issued (as a changed character makes it).
UNISSUED_ID = "AAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAB"


def gone_version(s3, bucket, key):
    """The id of a version that existed and was deleted: issued, but unknown now."""
    v = s3.put_object(Bucket=bucket, Key=key, Body=b"gone")["VersionId"]
    s3.delete_object(Bucket=bucket, Key=key, VersionId=v)
    return v


def raw(server, method, path, body=None, headers=None):
    status, h, data = conftest_raw(server, method, path, body, {**SIGNED, **(headers or {})})
    return status, h, data.decode()


def md5(data):
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def new_bucket(s3, status=None, **kw):
    name = unique("vrule").lower()
    s3.create_bucket(Bucket=name, **kw)
    if status:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": status})
    return name


def versions_of(s3, bucket):
    r = s3.list_object_versions(Bucket=bucket)
    return ([(v["Key"], v["VersionId"], v["IsLatest"]) for v in r.get("Versions", [])],
            [(d["Key"], d["VersionId"], d["IsLatest"]) for d in r.get("DeleteMarkers", [])])


# --- PutBucketVersioning ---------------------------------------------------------------------

def doc(inner):
    return f'<VersioningConfiguration xmlns="{XMLNS}">{inner}</VersioningConfiguration>'.encode()


ILLEGAL = (400, "IllegalVersioningConfigurationException", "The Versioning element must be specified")


@pytest.mark.parametrize("body,want", [
    (doc(""), ILLEGAL),
    (doc("<MfaDelete>Disabled</MfaDelete>"), ILLEGAL),
    (doc("<Status>Disabled</Status>"), MALFORMED),
    (doc("<Status>enabled</Status>"), MALFORMED),
    (doc("<Status></Status>"), MALFORMED),
    (doc("<Status>Enabled</Status><MfaDelete>Off</MfaDelete>"), MALFORMED),
    (doc("<MfaDelete>Off</MfaDelete>"), MALFORMED),
    (b"<VersioningConfiguration><Status>Enabled</Status>", MALFORMED),
], ids=["empty", "mfa-only", "disabled", "lowercase", "blank-status", "bad-mfa", "bad-mfa-only",
        "unclosed"])
def test_put_bucket_versioning_refusals(server, s3, body, want):
    """A refused document changes nothing; without `Status` there is no going back to
    unversioned, only IllegalVersioningConfigurationException."""
    for start in [None, "Enabled", "Suspended"]:
        b = new_bucket(s3, start)
        status, _, data = raw(server, "PUT", f"/{b}?versioning", body=body,
                              headers={"Content-MD5": md5(body)})
        code, message = want[1], want[2]
        assert (status, f"<Code>{code}</Code>" in data, f"<Message>{message}</Message>" in data) \
            == (want[0], True, True), (start, data)
        got = s3.get_bucket_versioning(Bucket=b)
        assert (got.get("Status"), got.get("MFADelete")) == (start, None)


def test_put_bucket_versioning_empty_configuration_with_boto3(s3):
    b = new_bucket(s3, "Enabled")
    with pytest.raises(ClientError) as e:
        s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={})
    assert error_of(e) == ILLEGAL
    assert s3.get_bucket_versioning(Bucket=b)["Status"] == "Enabled"


def test_get_bucket_versioning_of_a_never_versioned_bucket(server, s3):
    b = new_bucket(s3)
    status, _, data = raw(server, "GET", f"/{b}?versioning")
    assert status == 200
    assert data.endswith(f'<VersioningConfiguration xmlns="{XMLNS}"></VersioningConfiguration>')
    assert "<Status>" not in data and "<MfaDelete>" not in data


# --- delete markers --------------------------------------------------------------------------

@pytest.fixture
def marked(s3):
    """A versioned key `k` (tagged a=b) hidden by a delete marker: (bucket, object, marker)."""
    b = new_bucket(s3, "Enabled", ObjectOwnership="ObjectWriter")
    v = s3.put_object(Bucket=b, Key="k", Body=b"one", Tagging="a=b")["VersionId"]
    marker = s3.delete_object(Bucket=b, Key="k")["VersionId"]
    return b, v, marker


TAGS = b"<Tagging><TagSet><Tag><Key>x</Key><Value>y</Value></Tag></TagSet></Tagging>"


MARKER_CASES = [
    # The key's current version is the marker (no versionId).
    ("GET", "tagging", None, {}, False, (405, "GET")),
    ("PUT", "tagging", TAGS, {"Content-MD5": md5(TAGS)}, False, (405, "PUT")),
    ("DELETE", "tagging", None, {}, False, (405, "DELETE")),
    ("PUT", "acl", None, {"x-amz-acl": "public-read"}, False, (405, "PUT")),
    ("GET", "acl", None, {}, False, (404, "NoSuchKey")),
    # The marker named by its version id.
    ("GET", "tagging", None, {}, True, (405, "GET")),
    ("PUT", "tagging", TAGS, {"Content-MD5": md5(TAGS)}, True, (405, "PUT")),
    ("DELETE", "tagging", None, {}, True, (405, "DELETE")),
    ("PUT", "acl", None, {"x-amz-acl": "public-read"}, True, (405, "PUT")),
    ("GET", "acl", None, {}, True, (405, "GET")),
]


@pytest.mark.parametrize("method,sub,body,headers,by_id,want", MARKER_CASES, ids=[
    f"{c[0]}-{c[1]}-{'by-id' if c[4] else 'current'}" for c in MARKER_CASES])
def test_object_subresources_on_a_delete_marker(server, s3, marked, method, sub, body, headers, by_id, want):
    b, v, marker = marked
    query = f"{sub}&versionId={marker}" if by_id else sub
    status, _, data = raw(server, method, f"/{b}/k?{query}", body=body, headers=headers)
    if want[0] == 405:
        assert status == 405, data
        assert "<Code>MethodNotAllowed</Code>" in data and f"<Message>{NOT_ALLOWED}</Message>" in data
        assert f"<Method>{want[1]}</Method><ResourceType>DeleteMarker</ResourceType>" in data
    else:
        assert (status, f"<Code>{want[1]}</Code>" in data) == (404, True), data
    # The version behind the marker keeps its tags and ACL.
    assert s3.get_object_tagging(Bucket=b, Key="k", VersionId=v)["TagSet"] == [{"Key": "a", "Value": "b"}]
    grants = s3.get_object_acl(Bucket=b, Key="k", VersionId=v)["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
    assert versions_of(s3, b) == ([("k", v, False)], [("k", marker, True)])


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_get_and_head_of_a_delete_marker(server, s3, marked, method):
    b, _, marker = marked
    status, h, data = raw(server, method, f"/{b}/k")
    assert (status, h.get("x-amz-delete-marker"), h.get("x-amz-version-id")) == (404, "true", marker)
    assert "allow" not in h
    status, h, data = raw(server, method, f"/{b}/k?versionId={marker}")
    assert (status, h.get("x-amz-delete-marker"), h.get("x-amz-version-id")) == (405, "true", marker)
    assert h.get("allow") == "DELETE" and h.get("last-modified", "").endswith(" GMT")
    if method == "GET":
        assert f"<Method>GET</Method><ResourceType>DeleteMarker</ResourceType>" in data
    else:
        assert data == ""


def test_object_lock_operations_on_a_delete_marker(server, s3):
    b = new_bucket(s3, ObjectLockEnabledForBucket=True)
    v = s3.put_object(Bucket=b, Key="k", Body=b"one")["VersionId"]
    marker = s3.delete_object(Bucket=b, Key="k")["VersionId"]
    retention = (b"<Retention><Mode>GOVERNANCE</Mode>"
                 b"<RetainUntilDate>2030-01-01T00:00:00Z</RetainUntilDate></Retention>")
    hold = b"<LegalHold><Status>ON</Status></LegalHold>"
    for method, sub, body in [("PUT", "retention", retention), ("GET", "retention", None),
                              ("PUT", "legal-hold", hold), ("GET", "legal-hold", None)]:
        headers = {"Content-MD5": md5(body)} if body else {}
        status, _, data = raw(server, method, f"/{b}/k?{sub}&versionId={marker}", body=body, headers=headers)
        assert status == 405, (method, sub, data)
        assert f"<Method>{method}</Method><ResourceType>DeleteMarker</ResourceType>" in data
    head = s3.head_object(Bucket=b, Key="k", VersionId=v)
    assert "ObjectLockMode" not in head and "ObjectLockLegalHoldStatus" not in head


# --- version ids -----------------------------------------------------------------------------

INVALID = "Invalid version id specified"


@pytest.mark.parametrize("version,get,delete", [
    ("", (400, "Version id cannot be the empty string"), (400, "Version id cannot be the empty string")),
    ("bogus", (400, INVALID), (400, INVALID)),
    ("Null", (400, INVALID), (400, INVALID)),
    (UNISSUED_ID, (400, INVALID), (400, INVALID)),
    ("tampered", (400, INVALID), (400, INVALID)),
    ("gone", (404, "NoSuchVersion"), (204, None)),
    ("null", (404, "NoSuchVersion"), (204, None)),
])
def test_version_id_forms(server, s3, version, get, delete):
    b = new_bucket(s3, "Enabled")
    if version == "gone":
        version = gone_version(s3, b, "k")
    v = s3.put_object(Bucket=b, Key="k", Body=b"one")["VersionId"]
    if version == "tampered":
        version = v[:-4] + ("ABCD" if not v.endswith("ABCD") else "DCBA")
    status, _, data = raw(server, "GET", f"/{b}/k?versionId={version}")
    assert status == get[0], data
    if get[0] == 400:
        assert "<Code>InvalidArgument</Code>" in data and f"<Message>{get[1]}</Message>" in data
        assert f"<ArgumentName>versionId</ArgumentName><ArgumentValue>{version}</ArgumentValue>" in data
    else:
        assert "<Code>NoSuchVersion</Code>" in data and f"<VersionId>{version}</VersionId>" in data
    status, _, _ = raw(server, "HEAD", f"/{b}/k?versionId={version}")
    assert status == get[0]
    status, h, data = raw(server, "DELETE", f"/{b}/k?versionId={version}")
    assert status == delete[0], data
    if delete[0] == 204:
        assert h.get("x-amz-version-id") == version and "x-amz-delete-marker" not in h
    assert versions_of(s3, b) == ([("k", v, True)], [])


def test_null_version_of_a_never_versioned_bucket(server, s3):
    b = new_bucket(s3)
    s3.put_object(Bucket=b, Key="k", Body=b"one")
    r = s3.get_object(Bucket=b, Key="k", VersionId="null")
    assert r["Body"].read() == b"one" and "VersionId" not in r
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=b, Key="other", VersionId="null")
    assert error_of(e)[0] == 404
    # Any other id is one this bucket could not have issued.
    for method in ["GET", "DELETE"]:
        status, _, data = raw(server, method, f"/{b}/k?versionId={UNISSUED_ID}")
        assert (status, f"<Message>{INVALID}</Message>" in data) == (400, True), data
    assert s3.get_object(Bucket=b, Key="k")["Body"].read() == b"one"
    r = s3.delete_object(Bucket=b, Key="k", VersionId="null")
    assert r["VersionId"] == "null" and "DeleteMarker" not in r
    assert "Contents" not in s3.list_objects_v2(Bucket=b)


def test_delete_objects_with_unissued_and_gone_version_ids(s3):
    """DeleteObjects reports an id that was never issued as NoSuchVersion (where DeleteObject
    says InvalidArgument) and deletes an issued one that is gone already."""
    b = new_bucket(s3, "Enabled")
    v = s3.put_object(Bucket=b, Key="k", Body=b"one")["VersionId"]
    gone = gone_version(s3, b, "k")
    tampered = v[:-4] + ("ABCD" if not v.endswith("ABCD") else "DCBA")
    r = s3.delete_objects(Bucket=b, Delete={"Objects": [
        {"Key": "k", "VersionId": tampered}, {"Key": "k", "VersionId": gone}]})
    assert r["Deleted"] == [{"Key": "k", "VersionId": gone}]
    assert [(e["Key"], e["VersionId"], e["Code"], e["Message"]) for e in r["Errors"]] == [
        ("k", tampered, "NoSuchVersion", "The specified version does not exist.")]
    assert versions_of(s3, b) == ([("k", v, True)], [])


# --- DeleteObject ----------------------------------------------------------------------------

@pytest.mark.parametrize("state", [None, "Enabled", "Suspended"])
def test_delete_without_version_id(s3, state):
    b = new_bucket(s3)
    s3.put_object(Bucket=b, Key="k", Body=b"before")  # the null version, once versioned
    kept = None
    if state:
        s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
        kept = s3.put_object(Bucket=b, Key="k", Body=b"enabled")["VersionId"]
        s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": state})
    r = s3.delete_object(Bucket=b, Key="k")
    if state is None:
        assert "DeleteMarker" not in r and "VersionId" not in r
        assert versions_of(s3, b) == ([], [])
        return
    assert r["DeleteMarker"] is True
    if state == "Enabled":
        marker = r["VersionId"]
        assert marker not in ("null", kept)
        assert versions_of(s3, b) == ([("k", kept, False), ("k", "null", False)],
                                      [("k", marker, True)])
    else:
        # The null version is replaced by a null delete marker; other versions stay.
        assert r["VersionId"] == "null"
        assert versions_of(s3, b) == ([("k", kept, False)], [("k", "null", True)])
    # A delete of a key that never existed adds a marker too.
    r = s3.delete_object(Bucket=b, Key="never")
    assert r["DeleteMarker"] is True
    assert (r["VersionId"] == "null") == (state == "Suspended")


def test_delete_specific_versions(s3):
    b = new_bucket(s3, "Enabled")
    v1 = s3.put_object(Bucket=b, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=b, Key="k", Body=b"two")["VersionId"]
    marker = s3.delete_object(Bucket=b, Key="k")["VersionId"]
    # Removing the marker by id says it was one, and v2 is current again.
    r = s3.delete_object(Bucket=b, Key="k", VersionId=marker)
    assert (r["DeleteMarker"], r["VersionId"]) == (True, marker)
    assert s3.head_object(Bucket=b, Key="k")["VersionId"] == v2
    # Removing the latest version makes the previous one current.
    r = s3.delete_object(Bucket=b, Key="k", VersionId=v2)
    assert r["VersionId"] == v2 and "DeleteMarker" not in r
    got = s3.get_object(Bucket=b, Key="k")
    assert (got["VersionId"], got["Body"].read()) == (v1, b"one")
    # Removing an older version leaves the current one alone.
    v3 = s3.put_object(Bucket=b, Key="k", Body=b"three")["VersionId"]
    s3.delete_object(Bucket=b, Key="k", VersionId=v1)
    assert versions_of(s3, b) == ([("k", v3, True)], [])


# --- suspended buckets and the version ids writes answer with ---------------------------------

def test_suspended_writes_replace_only_the_null_version(s3):
    b = new_bucket(s3)
    s3.put_object(Bucket=b, Key="k", Body=b"null-1")
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    v = s3.put_object(Bucket=b, Key="k", Body=b"enabled")["VersionId"]
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
    s3.put_object(Bucket=b, Key="k", Body=b"null-2")
    assert versions_of(s3, b) == ([("k", "null", True), ("k", v, False)], [])
    assert s3.get_object(Bucket=b, Key="k", VersionId="null")["Body"].read() == b"null-2"
    assert s3.get_object(Bucket=b, Key="k", VersionId=v)["Body"].read() == b"enabled"
    head = s3.head_object(Bucket=b, Key="k")
    assert head["VersionId"] == "null"


def complete(s3, b, key):
    up = s3.create_multipart_upload(Bucket=b, Key=key)["UploadId"]
    etag = s3.upload_part(Bucket=b, Key=key, UploadId=up, PartNumber=1, Body=b"part")["ETag"]
    return s3.complete_multipart_upload(Bucket=b, Key=key, UploadId=up,
                                        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})


@pytest.mark.parametrize("state", [None, "Enabled", "Suspended"])
def test_version_id_of_writes(s3, state):
    """PUT, COPY and CompleteMultipartUpload name the new version when versioning is
    enabled. In a suspended bucket PutObject answers without `x-amz-version-id` (S3's
    examples) while CopyObject names the null version it wrote (S3's recorded answers)."""
    b = new_bucket(s3, state)
    answers = {
        "p": s3.put_object(Bucket=b, Key="p", Body=b"x"),
        "c": s3.copy_object(Bucket=b, Key="c", CopySource={"Bucket": b, "Key": "p"}),
        "m": complete(s3, b, "m"),
    }
    for key, r in answers.items():
        head = s3.head_object(Bucket=b, Key=key)
        if state == "Enabled":
            assert len(r.get("VersionId", "")) == 32, key
            assert r["VersionId"] == head["VersionId"]
        elif state == "Suspended" and key == "c":
            assert r["VersionId"] == "null" == head["VersionId"]
        else:
            assert "VersionId" not in r, key
            assert head.get("VersionId") == ("null" if state else None), key
    # A copy names its source's version, unless that is the null version (or none).
    source = answers["p"].get("VersionId") if state == "Enabled" else None
    assert answers["c"].get("CopySourceVersionId") == source


def test_copy_source_version(server, s3):
    b = new_bucket(s3, "Enabled")
    v1 = s3.put_object(Bucket=b, Key="src", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=b, Key="src", Body=b"two")["VersionId"]
    r = s3.copy_object(Bucket=b, Key="dst", CopySource={"Bucket": b, "Key": "src", "VersionId": v1})
    assert r["CopySourceVersionId"] == v1 and r["VersionId"] not in (v1, v2)
    assert s3.get_object(Bucket=b, Key="dst")["Body"].read() == b"one"
    r = s3.copy_object(Bucket=b, Key="dst2", CopySource={"Bucket": b, "Key": "src"})
    assert r["CopySourceVersionId"] == v2
    marker = s3.delete_object(Bucket=b, Key="src")["VersionId"]
    cases = [
        (f"/{b}/src", 404, "NoSuchKey", "The specified key does not exist."),
        (f"/{b}/src?versionId={marker}", 400, "InvalidRequest",
         "The source of a copy request may not specifically refer to a delete marker by version id."),
        (f"/{b}/src?versionId=bogus", 400, "InvalidArgument", "Invalid version id specified"),
        (f"/{b}/src?versionId={gone_version(s3, b, 'other')}", 404, "NoSuchVersion",
         "The specified version does not exist."),
    ]
    for source, status, code, message in cases:
        got, _, data = raw(server, "PUT", f"/{b}/dst3", headers={"x-amz-copy-source": source})
        assert (got, f"<Code>{code}</Code>" in data, f"<Message>{message}</Message>" in data) \
            == (status, True, True), (source, data)
    assert [k for k, _, _ in versions_of(s3, b)[0]].count("dst3") == 0
    # A null source version goes unnamed, like an unversioned source.
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
    s3.put_object(Bucket=b, Key="nullsrc", Body=b"n")
    r = s3.copy_object(Bucket=b, Key="dst5", CopySource={"Bucket": b, "Key": "nullsrc"})
    assert "CopySourceVersionId" not in r and r["VersionId"] == "null"
    r = s3.copy_object(Bucket=b, Key="dst5", CopySource={"Bucket": b, "Key": "src", "VersionId": v2})
    assert (r["CopySourceVersionId"], r["VersionId"]) == (v2, "null")
    plain = new_bucket(s3)
    s3.put_object(Bucket=plain, Key="src", Body=b"x")
    r = s3.copy_object(Bucket=b, Key="dst4", CopySource={"Bucket": plain, "Key": "src"})
    assert "CopySourceVersionId" not in r and r["VersionId"] == "null"
