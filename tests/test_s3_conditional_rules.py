"""Conditional requests as S3 answers them: the read conditions of GetObject/HeadObject and
the copy-source conditions of CopyObject/UploadPartCopy (their order, and an
If-Modified-Since in the future ignored), the forms of If-Match/If-None-Match a write takes
(anything else is 501 NotImplemented naming the header), a completion's If-Match against a
key written while the upload was under way (409 ConditionalRequestConflict), and the
directory-bucket-only conditions of DeleteObject refused by a general purpose bucket."""

import datetime

import pytest
from botocore.exceptions import ClientError

from conftest import error_of

PRECONDITION = (412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
NOT_IMPLEMENTED = "A header you provided implies functionality that is not implemented"


def failure(call, **kw):
    """The botocore error response of a call expected to fail."""
    with pytest.raises(ClientError) as e:
        call(**kw)
    return e.value.response


def day(offset):
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=offset)


# --- GetObject / HeadObject --------------------------------------------------------------

@pytest.mark.parametrize("method", ["get_object", "head_object"])
def test_an_if_modified_since_in_the_future_is_ignored(s3, bucket, method):
    s3.put_object(Bucket=bucket, Key="k", Body=b"data")
    read = getattr(s3, method)
    modified = s3.head_object(Bucket=bucket, Key="k")["LastModified"]
    # The object's own time is not a modification since: 304.
    r = failure(read, Bucket=bucket, Key="k", IfModifiedSince=modified)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 304
    # A date later than now is no valid condition: the object is served.
    r = read(Bucket=bucket, Key="k", IfModifiedSince=day(1))
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    if method == "get_object":
        assert r["Body"].read() == b"data"


def test_read_conditions_are_named_in_s3s_order(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"data")["ETag"]
    past = day(-1)
    r = failure(s3.get_object, Bucket=bucket, Key="k", IfMatch='"0123"', IfUnmodifiedSince=past,
                IfNoneMatch=etag, IfModifiedSince=day(0))
    assert (r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Condition"]) == (412, "If-Match")
    r = failure(s3.get_object, Bucket=bucket, Key="k", IfUnmodifiedSince=past, IfNoneMatch=etag)
    assert (r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Condition"]) == (412, "If-Unmodified-Since")
    # If-Match holding overrules a failing If-Unmodified-Since.
    assert s3.get_object(Bucket=bucket, Key="k", IfMatch=etag, IfUnmodifiedSince=past)["Body"].read() == b"data"
    # An ETag without quotes is matched too.
    r = failure(s3.get_object, Bucket=bucket, Key="k", IfNoneMatch=etag.strip('"'))
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 304


# --- CopyObject / UploadPartCopy source conditions ----------------------------------------

def copy_with(s3, bucket, kind, **conditions):
    source = {"Bucket": bucket, "Key": "src"}
    if kind == "copy_object":
        return s3.copy_object(Bucket=bucket, Key="dst", CopySource=source, **conditions)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    return s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=upload, PartNumber=1,
                               CopySource=source, **conditions)


@pytest.mark.parametrize("kind", ["copy_object", "upload_part_copy"])
def test_copy_source_if_unmodified_since_is_judged_before_if_none_match(s3, bucket, kind):
    etag = s3.put_object(Bucket=bucket, Key="src", Body=b"source")["ETag"]
    with pytest.raises(ClientError) as e:
        copy_with(s3, bucket, kind, CopySourceIfUnmodifiedSince=day(-1), CopySourceIfNoneMatch=etag)
    assert error_of(e) == PRECONDITION
    assert e.value.response["Error"]["Condition"] == "x-amz-copy-source-If-Unmodified-Since"
    with pytest.raises(ClientError) as e:
        copy_with(s3, bucket, kind, CopySourceIfMatch='"0123"', CopySourceIfUnmodifiedSince=day(-1),
                  CopySourceIfNoneMatch=etag)
    assert e.value.response["Error"]["Condition"] == "x-amz-copy-source-If-Match"
    with pytest.raises(ClientError) as e:
        copy_with(s3, bucket, kind, CopySourceIfNoneMatch=etag.strip('"'))
    assert e.value.response["Error"]["Condition"] == "x-amz-copy-source-If-None-Match"


@pytest.mark.parametrize("kind", ["copy_object", "upload_part_copy"])
def test_copy_source_if_modified_since_in_the_future_is_ignored(s3, bucket, kind):
    s3.put_object(Bucket=bucket, Key="src", Body=b"source")
    modified = s3.head_object(Bucket=bucket, Key="src")["LastModified"]
    with pytest.raises(ClientError) as e:
        copy_with(s3, bucket, kind, CopySourceIfModifiedSince=modified)
    assert e.value.response["Error"]["Condition"] == "x-amz-copy-source-If-Modified-Since"
    r = copy_with(s3, bucket, kind, CopySourceIfModifiedSince=day(1))
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200


# --- the forms of a conditional write ----------------------------------------------------

REFUSED_FORMS = [
    ({"IfNoneMatch": '"0123456789abcdef0123456789abcdef"'}, "If-None-Match",
     "We don't accept the provided value of If-None-Match header for this API"),
    ({"IfMatch": "*"}, "If-Match",
     "We don't accept the provided value of If-Match header for this API"),
    ({"IfMatch": '"0123456789abcdef0123456789abcdef"', "IfNoneMatch": "*"}, "If-Match,If-None-Match",
     "Multiple conditional request headers present in the request"),
]


def assert_not_implemented(response, header, detail):
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 501
    error = response["Error"]
    assert (error["Code"], error["Message"]) == ("NotImplemented", NOT_IMPLEMENTED)
    assert (error.get("Header"), error.get("additionalMessage")) == (header, detail)


@pytest.mark.parametrize("condition,header,detail", REFUSED_FORMS)
def test_put_object_refuses_other_condition_forms(s3, bucket, condition, header, detail):
    s3.put_object(Bucket=bucket, Key="k", Body=b"one")
    assert_not_implemented(failure(s3.put_object, Bucket=bucket, Key="k", Body=b"two", **condition),
                           header, detail)
    # Whether or not the key exists.
    assert_not_implemented(failure(s3.put_object, Bucket=bucket, Key="absent", Body=b"two", **condition),
                           header, detail)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"one"
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix="absent")


@pytest.mark.parametrize("condition,header,detail", REFUSED_FORMS)
def test_copy_object_refuses_other_condition_forms(s3, bucket, condition, header, detail):
    s3.put_object(Bucket=bucket, Key="src", Body=b"source")
    s3.put_object(Bucket=bucket, Key="dst", Body=b"dest")
    response = failure(s3.copy_object, Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"},
                       **condition)
    assert_not_implemented(response, header, detail)
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == b"dest"


@pytest.mark.parametrize("condition,header,detail", REFUSED_FORMS)
def test_complete_multipart_upload_refuses_other_condition_forms(s3, bucket, condition, header, detail):
    upload = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="k", UploadId=upload, PartNumber=1, Body=b"part")["ETag"]
    parts = {"Parts": [{"PartNumber": 1, "ETag": etag}]}
    response = failure(s3.complete_multipart_upload, Bucket=bucket, Key="k", UploadId=upload,
                       MultipartUpload=parts, **condition)
    assert_not_implemented(response, header, detail)
    # The upload is still there.
    s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload, MultipartUpload=parts)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"part"


# --- a completion's If-Match and writes during the upload --------------------------------

def start_upload(s3, bucket, key):
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=1, Body=b"part")["ETag"]
    return upload, {"Parts": [{"PartNumber": 1, "ETag": etag}]}


CONFLICT = (409, "ConditionalRequestConflict",
            "The conditional request cannot succeed due to a conflicting operation against this resource.")


@pytest.mark.parametrize("body", [b"before", b"during"], ids=["same-etag", "new-etag"])
def test_if_match_completion_conflicts_with_a_write_during_the_upload(s3, bucket, body):
    before = s3.put_object(Bucket=bucket, Key="k", Body=b"before")["ETag"]
    upload, parts = start_upload(s3, bucket, "k")
    during = s3.put_object(Bucket=bucket, Key="k", Body=body)["ETag"]
    if during != before:
        # The ETag no longer matches: an ordinary failed precondition.
        r = failure(s3.complete_multipart_upload, Bucket=bucket, Key="k", UploadId=upload,
                    MultipartUpload=parts, IfMatch=before)
        assert (r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Condition"]) == (412, "If-Match")
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload, MultipartUpload=parts,
                                     IfMatch=during)
    assert error_of(e) == CONFLICT
    assert (e.value.response["Error"]["Condition"], e.value.response["Error"]["Key"]) == ("If-Match", "k")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == body
    # A new upload, begun after that write, completes.
    upload, parts = start_upload(s3, bucket, "k")
    s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload, MultipartUpload=parts, IfMatch=during)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"part"


def test_if_match_completion_after_a_delete_and_a_new_write(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["ETag"]
    upload, parts = start_upload(s3, bucket, "k")
    s3.delete_object(Bucket=bucket, Key="k")
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload, MultipartUpload=parts, IfMatch=etag)
    assert error_of(e)[:2] == (404, "NoSuchKey")
    again = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["ETag"]
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload, MultipartUpload=parts, IfMatch=again)
    assert error_of(e) == CONFLICT


def test_if_match_completion_of_an_object_older_than_the_upload(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["ETag"]
    upload, parts = start_upload(s3, bucket, "k")
    r = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload, MultipartUpload=parts, IfMatch=etag)
    assert r["ETag"].endswith('-1"')


@pytest.mark.parametrize("versioned", [False, True], ids=["plain", "versioned"])
def test_if_none_match_completion_conflicts_with_a_delete_during_the_upload(s3, bucket, versioned):
    if versioned:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="k", Body=b"one", IfNoneMatch="*")
    upload, parts = start_upload(s3, bucket, "k")
    r = failure(s3.complete_multipart_upload, Bucket=bucket, Key="k", UploadId=upload, MultipartUpload=parts,
                IfNoneMatch="*")
    assert (r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Condition"]) == (412, "If-None-Match")
    s3.delete_object(Bucket=bucket, Key="k")
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload, MultipartUpload=parts,
                                     IfNoneMatch="*")
    assert error_of(e) == CONFLICT
    assert (e.value.response["Error"]["Condition"], e.value.response["Error"]["Key"]) == ("If-None-Match", "k")
    # Nothing was stored; the upload can still be aborted.
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)
    s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=upload)
    # An upload begun after the delete completes.
    upload, parts = start_upload(s3, bucket, "k")
    s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload, MultipartUpload=parts, IfNoneMatch="*")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"part"


# --- DeleteObject ------------------------------------------------------------------------

@pytest.mark.parametrize("condition,header", [
    ({"IfMatchSize": 3}, "x-amz-if-match-size"),
    ({"IfMatchLastModifiedTime": day(0)}, "x-amz-if-match-last-modified-time"),
    ({"IfMatchSize": 3, "IfMatchLastModifiedTime": day(0), "IfMatch": "*"}, "x-amz-if-match-last-modified-time"),
])
def test_delete_object_refuses_directory_bucket_conditions(s3, bucket, condition, header):
    s3.put_object(Bucket=bucket, Key="k", Body=b"one")
    response = failure(s3.delete_object, Bucket=bucket, Key="k", **condition)
    assert_not_implemented(response, header, None)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"one"


# --- partNumber --------------------------------------------------------------------------

def test_a_missing_part_names_the_part_and_the_count(s3, bucket):
    s3.put_object(Bucket=bucket, Key="single", Body=b"test-123")
    upload = s3.create_multipart_upload(Bucket=bucket, Key="multi")["UploadId"]
    parts = [{"PartNumber": n, "ETag": s3.upload_part(Bucket=bucket, Key="multi", UploadId=upload, PartNumber=n,
                                                      Body=body)["ETag"]}
             for n, body in ((1, b"a" * 5 * 1024 * 1024), (2, b"b"))]
    s3.complete_multipart_upload(Bucket=bucket, Key="multi", UploadId=upload, MultipartUpload={"Parts": parts})
    for key, number, count in (("single", 2, "1"), ("multi", 10, "2")):
        for read in (s3.get_object, s3.head_object):
            r = failure(read, Bucket=bucket, Key=key, PartNumber=number)
            assert r["ResponseMetadata"]["HTTPStatusCode"] == 416
            if read == s3.get_object:
                assert r["Error"] == {"Code": "InvalidPartNumber",
                                      "Message": "The requested partnumber is not satisfiable",
                                      "PartNumberRequested": str(number), "ActualPartCount": count}
    r = s3.get_object(Bucket=bucket, Key="multi", PartNumber=2)
    assert (r["PartsCount"], r["ContentRange"], r["Body"].read()) == (2, "bytes 5242880-5242880/5242881", b"b")
