"""Object and bucket tagging as S3 answers it: the limits (10 object tags, 50 bucket tags,
keys of 1-128 and values of 0-256 characters, S3's character set, unique keys), the
`x-amz-tagging` query form of PutObject, CopyObject and CreateMultipartUpload, the
`x-amz-tagging-count` of GET and HEAD, tags per version and never on a delete marker, the
tagging directive of CopyObject, and the bucket's tag set replaced whole. Every refusal
leaves the stored tags as they were."""

import base64
import hashlib
import xml.etree.ElementTree as ET

import pytest
from botocore.exceptions import ClientError

from conftest import error_of, unique

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
BAD_KEY = (400, "InvalidTag", "The TagKey you have provided is invalid")
BAD_VALUE = (400, "InvalidTag", "The TagValue you have provided is invalid")
DUPLICATE = (400, "InvalidTag", "Cannot provide multiple Tags with the same key")
TOO_MANY_OBJECT = (400, "BadRequest", "Object tags cannot be greater than 10")
TOO_MANY_BUCKET = (400, "BadRequest", "Bucket tag count cannot be greater than 50")
UNREADABLE_HEADER = (400, "InvalidArgument",
                     "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL "
                     "query parameters without tag name duplicates.")
MALFORMED = (400, "MalformedXML",
             "The XML you provided was not well-formed or did not validate against our published schema")
NOT_ALLOWED = (405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
KEEP = [{"Key": "keep", "Value": "me"}]
# Raw requests carry a signature in form only: cloudlet checks it only under --strict-auth.
SIGNED = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, "
                           "SignedHeaders=host, Signature=0"}


@pytest.fixture(scope="module")
def s3(server):
    # The SDK's own checks (an empty key, …) would keep requests from reaching the server.
    return server.client("s3", config={"parameter_validation": False})


@pytest.fixture(scope="module")
def bucket(s3):
    name = unique("tagrules")
    s3.create_bucket(Bucket=name)
    return name


def tag_set(pairs):
    return [{"Key": k, "Value": v} for k, v in pairs]


def object_tags(s3, bucket, key, **kw):
    return s3.get_object_tagging(Bucket=bucket, Key=key, **kw)["TagSet"]


# ---- PutObjectTagging / PutBucketTagging: what a tag may be ----

VALID_SETS = [
    pytest.param([("a", "")], id="empty value"),
    pytest.param([("k" * 128, "v" * 256)], id="longest key and value"),
    pytest.param([("é" * 128, "ü" * 256)], id="lengths count characters"),
    pytest.param([("Ab 9_.:/=+-@", "Zz 0_.:/=+-@")], id="every allowed punctuation"),
    pytest.param([("日本語", "Ελληνικά")], id="letters of any script"),
    pytest.param([("x-aws:y", "aws:z"), ("AWS", "1")], id="aws: only reserved as a key prefix"),
    pytest.param([(f"k{i}", "v") for i in range(10)], id="ten tags"),
]

INVALID_SETS = [
    pytest.param([("", "v")], BAD_KEY, BAD_KEY, id="empty key"),
    pytest.param([("k" * 129, "v")], BAD_KEY, BAD_KEY, id="key too long"),
    pytest.param([("é" * 129, "v")], BAD_KEY, BAD_KEY, id="key too long in characters"),
    pytest.param([("k", "v" * 257)], BAD_VALUE, BAD_VALUE, id="value too long"),
    pytest.param([("te\tst", "v")], BAD_KEY, BAD_KEY, id="tab in key"),
    pytest.param([("a&b", "v")], BAD_KEY, BAD_KEY, id="ampersand in key"),
    pytest.param([("k", "a*b")], BAD_VALUE, BAD_VALUE, id="asterisk in value"),
    pytest.param([("k", "line\nbreak")], BAD_VALUE, BAD_VALUE, id="newline in value"),
    pytest.param([("k", "1"), ("k", "2")], DUPLICATE, DUPLICATE, id="repeated key"),
    pytest.param([("k", "1"), ("k", "\t")], DUPLICATE, DUPLICATE, id="repeated key reported first"),
    pytest.param([("aws:x", "1")], (400, "InvalidTag", "Your TagKey cannot be prefixed with aws:"),
                 (400, "InvalidTag", "System tags cannot be added/updated by requester"),
                 id="reserved prefix"),
    pytest.param([(f"k{i}", "v") for i in range(11)], TOO_MANY_OBJECT, None, id="eleven tags"),
]


@pytest.mark.parametrize("pairs", VALID_SETS)
def test_valid_tag_sets_are_stored(s3, bucket, pairs):
    key = unique("valid")
    s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    s3.put_object_tagging(Bucket=bucket, Key=key, Tagging={"TagSet": tag_set(pairs)})
    assert object_tags(s3, bucket, key) == tag_set(sorted(pairs))
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tag_set(pairs)})
    got = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    assert sorted(got, key=lambda t: t["Key"]) == tag_set(sorted(pairs))


@pytest.mark.parametrize("pairs,object_error,bucket_error", INVALID_SETS)
def test_invalid_tag_sets_are_refused(s3, bucket, pairs, object_error, bucket_error):
    key = unique("invalid")
    s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    s3.put_object_tagging(Bucket=bucket, Key=key, Tagging={"TagSet": KEEP})
    with pytest.raises(ClientError) as e:
        s3.put_object_tagging(Bucket=bucket, Key=key, Tagging={"TagSet": tag_set(pairs)})
    assert error_of(e) == object_error
    assert object_tags(s3, bucket, key) == KEEP
    if bucket_error is None:
        return
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": KEEP})
    with pytest.raises(ClientError) as e:
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tag_set(pairs)})
    assert error_of(e) == bucket_error
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == KEEP


def test_bucket_tag_count(s3, bucket):
    fifty = tag_set((f"k{i:02}", "v") for i in range(50))
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": fifty})
    with pytest.raises(ClientError) as e:
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": fifty + KEEP})
    assert error_of(e) == TOO_MANY_BUCKET
    assert len(s3.get_bucket_tagging(Bucket=bucket)["TagSet"]) == 50


def put_tagging_raw(server, path, body):
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    return server.http("PUT", path, body=body, headers={"Content-MD5": md5, **SIGNED})


@pytest.mark.parametrize("body", [
    pytest.param(b"<Tagging><TagSet><Tag><Key>a</Key>", id="not well-formed"),
    pytest.param(b"<Tagging></Tagging>", id="no TagSet"),
    pytest.param(b"<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>", id="Tag without Key"),
    pytest.param(b"<Other><TagSet/></Other>", id="wrong root"),
])
def test_malformed_documents(server, s3, bucket, body):
    key = unique("malformed")
    s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    s3.put_object_tagging(Bucket=bucket, Key=key, Tagging={"TagSet": KEEP})
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": KEEP})
    for path in (f"/{bucket}/{key}?tagging", f"/{bucket}?tagging"):
        status, _, raw = put_tagging_raw(server, path, body)
        root = ET.fromstring(raw)
        assert (status, root.findtext("Code"), root.findtext("Message")) == MALFORMED, path
    assert object_tags(s3, bucket, key) == KEEP
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == KEEP


def test_empty_object_tag_set_removes_the_tags(s3, bucket):
    key = unique("empty")
    s3.put_object(Bucket=bucket, Key=key, Body=b"x", Tagging="a=1")
    s3.put_object_tagging(Bucket=bucket, Key=key, Tagging={"TagSet": []})
    assert object_tags(s3, bucket, key) == []
    assert "TagCount" not in s3.head_object(Bucket=bucket, Key=key)


def test_bucket_tag_set_is_replaced_whole_and_deleted(s3):
    name = unique("tagset")
    s3.create_bucket(Bucket=name)
    with pytest.raises(ClientError) as e:
        s3.get_bucket_tagging(Bucket=name)
    assert error_of(e) == (404, "NoSuchTagSet", "The TagSet does not exist")
    assert e.value.response["Error"]["BucketName"] == name
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_set([("a", "1"), ("b", "2")])})
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_set([("c", "3")])})
    assert s3.get_bucket_tagging(Bucket=name)["TagSet"] == tag_set([("c", "3")])
    # An empty set leaves the bucket without one.
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": []})
    with pytest.raises(ClientError) as e:
        s3.get_bucket_tagging(Bucket=name)
    assert error_of(e)[1] == "NoSuchTagSet"
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": KEEP})
    r = s3.delete_bucket_tagging(Bucket=name)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as e:
        s3.get_bucket_tagging(Bucket=name)
    assert error_of(e)[1] == "NoSuchTagSet"
    # Deleting tags that are not there is no error.
    assert s3.delete_bucket_tagging(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 204


# ---- The x-amz-tagging header ----

HEADER_FORMS = [
    pytest.param("a=1&b=2", [("a", "1"), ("b", "2")], id="two tags"),
    pytest.param("a+b=c+d", [("a b", "c d")], id="plus is a space"),
    pytest.param("a%20b=c%20d", [("a b", "c d")], id="percent-encoded space"),
    pytest.param("k=a%3Db", [("k", "a=b")], id="encoded equals in value"),
    pytest.param("k=a=b", [("k", "a=b")], id="bare equals in value"),
    pytest.param("k=%2B%40%2F", [("k", "+@/")], id="encoded punctuation"),
    pytest.param("k=%C3%A9t%C3%A9", [("k", "été")], id="UTF-8"),
    pytest.param("a=", [("a", "")], id="empty value"),
    pytest.param("a", [("a", "")], id="key without equals"),
    pytest.param("z=1&a=2", [("a", "2"), ("z", "1")], id="answered in key order"),
]

HEADER_ERRORS = [
    pytest.param("a=1&a=2", UNREADABLE_HEADER, id="repeated key"),
    pytest.param("a=&a=", UNREADABLE_HEADER, id="repeated key with empty values"),
    pytest.param("a&a", UNREADABLE_HEADER, id="repeated key without equals"),
    pytest.param("=", UNREADABLE_HEADER, id="empty key"),
    pytest.param("=v", UNREADABLE_HEADER, id="empty key with value"),
    pytest.param("k=%ZZ", UNREADABLE_HEADER, id="broken escape"),
    pytest.param("k=%4", UNREADABLE_HEADER, id="truncated escape"),
    pytest.param("k=%FF", UNREADABLE_HEADER, id="escape that is not UTF-8"),
    pytest.param("k=a%09b", BAD_VALUE, id="tab in value"),
    pytest.param("k%2A=v", BAD_KEY, id="asterisk in key"),
    pytest.param("k=" + "v" * 257, BAD_VALUE, id="value too long"),
    pytest.param("aws%3Ak=v", (400, "InvalidTag", "Your TagKey cannot be prefixed with aws:"), id="reserved"),
    pytest.param("&".join(f"k{i}=v" for i in range(11)), TOO_MANY_OBJECT, id="eleven tags"),
]


@pytest.mark.parametrize("header,pairs", HEADER_FORMS)
def test_header_forms(s3, bucket, header, pairs):
    key = unique("hdr")
    s3.put_object(Bucket=bucket, Key=key, Body=b"x", Tagging=header)
    assert object_tags(s3, bucket, key) == tag_set(pairs)


@pytest.mark.parametrize("header,error", HEADER_ERRORS)
def test_header_errors_refuse_every_write(s3, bucket, header, error):
    key = unique("hdrerr")
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x", Tagging=header)
    assert error_of(e) == error
    with pytest.raises(ClientError) as e:
        s3.create_multipart_upload(Bucket=bucket, Key=key, Tagging=header)
    assert error_of(e) == error
    s3.put_object(Bucket=bucket, Key=key, Body=b"x", Tagging="keep=me")
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key=key + "-copy", CopySource={"Bucket": bucket, "Key": key},
                       TaggingDirective="REPLACE", Tagging=header)
    assert error_of(e) == error
    assert object_tags(s3, bucket, key) == KEEP
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key=key + "-copy")


def test_unreadable_header_names_itself(server, bucket):
    status, _, raw = server.http("PUT", f"/{bucket}/{unique('arg')}", body=b"x",
                                 headers={"x-amz-tagging": "a=1&a=2", **SIGNED})
    root = ET.fromstring(raw)
    assert (status, root.findtext("Code")) == (400, "InvalidArgument")
    assert (root.findtext("ArgumentName"), root.findtext("ArgumentValue")) == ("x-amz-tagging", "a=1&a=2")


# ---- x-amz-tagging-count, overwrites, copies and uploads ----

def test_tagging_count_only_when_tagged(s3, bucket):
    key = unique("count")
    s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    assert "TagCount" not in s3.head_object(Bucket=bucket, Key=key)
    assert "TagCount" not in s3.get_object(Bucket=bucket, Key=key)
    s3.put_object_tagging(Bucket=bucket, Key=key, Tagging={"TagSet": tag_set([("a", "1"), ("b", "")])})
    assert s3.head_object(Bucket=bucket, Key=key)["TagCount"] == 2
    assert s3.get_object(Bucket=bucket, Key=key)["TagCount"] == 2
    s3.delete_object_tagging(Bucket=bucket, Key=key)
    assert "TagCount" not in s3.head_object(Bucket=bucket, Key=key)


def test_overwrite_keeps_only_its_own_tags(s3, bucket):
    key = unique("overwrite")
    s3.put_object(Bucket=bucket, Key=key, Body=b"1", Tagging="old=1")
    s3.put_object(Bucket=bucket, Key=key, Body=b"2")
    assert object_tags(s3, bucket, key) == []
    s3.put_object(Bucket=bucket, Key=key, Body=b"3", Tagging="new=3")
    assert object_tags(s3, bucket, key) == tag_set([("new", "3")])


@pytest.mark.parametrize("directive,header,want", [
    pytest.param(None, None, [("src", "1")], id="default copies"),
    pytest.param("COPY", "ignored=1", [("src", "1")], id="COPY ignores the header"),
    pytest.param("REPLACE", "dst=2", [("dst", "2")], id="REPLACE takes the header"),
    pytest.param("REPLACE", None, [], id="REPLACE without a header drops the tags"),
])
def test_copy_tagging_directive(s3, bucket, directive, header, want):
    src = unique("copysrc")
    s3.put_object(Bucket=bucket, Key=src, Body=b"x", Tagging="src=1")
    kw = {}
    if directive:
        kw["TaggingDirective"] = directive
    if header:
        kw["Tagging"] = header
    dst = src + "-dst"
    s3.copy_object(Bucket=bucket, Key=dst, CopySource={"Bucket": bucket, "Key": src}, **kw)
    assert object_tags(s3, bucket, dst) == tag_set(want)
    assert object_tags(s3, bucket, src) == tag_set([("src", "1")])


def test_multipart_upload_carries_its_tags(s3, bucket):
    key = unique("mpu")
    u = s3.create_multipart_upload(Bucket=bucket, Key=key, Tagging="b=2&a=1")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=u, PartNumber=1, Body=b"p")["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=u,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert object_tags(s3, bucket, key) == tag_set([("a", "1"), ("b", "2")])
    assert s3.head_object(Bucket=bucket, Key=key)["TagCount"] == 2


# ---- Versions and delete markers ----

@pytest.fixture(scope="module")
def versioned(s3):
    name = unique("tagvers")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


def test_tags_belong_to_a_version(s3, versioned):
    key = unique("v")
    v1 = s3.put_object(Bucket=versioned, Key=key, Body=b"1", Tagging="gen=1")["VersionId"]
    v2 = s3.put_object(Bucket=versioned, Key=key, Body=b"2")["VersionId"]
    r = s3.get_object_tagging(Bucket=versioned, Key=key)
    assert (r["TagSet"], r["VersionId"]) == ([], v2)
    r = s3.get_object_tagging(Bucket=versioned, Key=key, VersionId=v1)
    assert (r["TagSet"], r["VersionId"]) == (tag_set([("gen", "1")]), v1)
    r = s3.put_object_tagging(Bucket=versioned, Key=key, VersionId=v1, Tagging={"TagSet": KEEP})
    assert r["VersionId"] == v1
    assert object_tags(s3, versioned, key, VersionId=v1) == KEEP
    assert object_tags(s3, versioned, key) == []
    r = s3.delete_object_tagging(Bucket=versioned, Key=key, VersionId=v1)
    assert (r["ResponseMetadata"]["HTTPStatusCode"], r["VersionId"]) == (204, v1)
    assert object_tags(s3, versioned, key, VersionId=v1) == []


def test_delete_marker_has_no_tags(s3, versioned):
    key = unique("marker")
    s3.put_object(Bucket=versioned, Key=key, Body=b"1", Tagging="a=1")
    marker = s3.delete_object(Bucket=versioned, Key=key)["VersionId"]
    for version in ({}, {"VersionId": marker}):
        with pytest.raises(ClientError) as e:
            s3.get_object_tagging(Bucket=versioned, Key=key, **version)
        assert error_of(e) == NOT_ALLOWED, version
        with pytest.raises(ClientError) as e:
            s3.put_object_tagging(Bucket=versioned, Key=key, Tagging={"TagSet": KEEP}, **version)
        assert error_of(e) == NOT_ALLOWED, version
        with pytest.raises(ClientError) as e:
            s3.delete_object_tagging(Bucket=versioned, Key=key, **version)
        assert error_of(e) == NOT_ALLOWED, version


def test_missing_object_and_version(s3, versioned):
    with pytest.raises(ClientError) as e:
        s3.get_object_tagging(Bucket=versioned, Key=unique("none"))
    assert error_of(e)[:2] == (404, "NoSuchKey")
    key = unique("nov")
    s3.put_object(Bucket=versioned, Key=key, Body=b"1")
    # A version id S3 issued, but of another key.
    other = s3.put_object(Bucket=versioned, Key=key + "-other", Body=b"2")["VersionId"]
    with pytest.raises(ClientError) as e:
        s3.put_object_tagging(Bucket=versioned, Key=key, VersionId=other, Tagging={"TagSet": KEEP})
    assert error_of(e)[:2] == (404, "NoSuchVersion")


@pytest.mark.parametrize("pairs,named", [
    pytest.param([("a&b", "v")], {"TagKey": "a&b"}, id="bad key"),
    pytest.param([("k", "a*b")], {"TagKey": "k", "TagValue": "a*b"}, id="bad value"),
    pytest.param([("k", "1"), ("k", "2")], {"TagKey": "k"}, id="repeated key"),
])
def test_invalid_tag_errors_name_the_tag(s3, bucket, pairs, named):
    key = unique("named")
    s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.put_object_tagging(Bucket=bucket, Key=key, Tagging={"TagSet": tag_set(pairs)})
    err = e.value.response["Error"]
    assert {k: err.get(k) for k in ("TagKey", "TagValue")} == {"TagValue": None, **named}
