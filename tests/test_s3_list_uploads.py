"""ListMultipartUploads pages uploads in progress as S3 does: key order, prefix and delimiter,
key and upload-id markers, max-uploads, url encoding."""

import pytest
from botocore.exceptions import ClientError

from conftest import unique


@pytest.fixture
def uploads(server):
    s3 = server.client("s3")
    bucket = unique("uploads")
    s3.create_bucket(Bucket=bucket)
    ids = {}
    for key in ["a", "a", "b", "dir/x", "dir/y", "e f"]:
        ids.setdefault(key, []).append(s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"])
    return s3, bucket, ids


def listed(r):
    return [(u["Key"], u["UploadId"]) for u in r.get("Uploads", [])]


def test_paging_walks_every_upload_once(uploads):
    s3, bucket, ids = uploads
    seen, kw = [], {}
    while True:
        r = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=2, **kw)
        assert r["MaxUploads"] == 2
        seen += listed(r)
        if not r["IsTruncated"]:
            break
        kw = {"KeyMarker": r["NextKeyMarker"], "UploadIdMarker": r["NextUploadIdMarker"]}
    expected = [(k, i) for k in sorted(ids) for i in ids[k]]
    assert seen == expected


def test_prefix_delimiter_and_markers(uploads):
    s3, bucket, ids = uploads
    r = s3.list_multipart_uploads(Bucket=bucket, Delimiter="/")
    assert [k for k, _ in listed(r)] == ["a", "a", "b", "e f"]
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["dir/"]
    r = s3.list_multipart_uploads(Bucket=bucket, Prefix="dir/")
    assert [k for k, _ in listed(r)] == ["dir/x", "dir/y"]
    r = s3.list_multipart_uploads(Bucket=bucket, KeyMarker="b")
    assert [k for k, _ in listed(r)] == ["dir/x", "dir/y", "e f"]
    r = s3.list_multipart_uploads(Bucket=bucket, KeyMarker="a", UploadIdMarker=ids["a"][0])
    assert listed(r)[0] == ("a", ids["a"][1])
    r = s3.list_multipart_uploads(Bucket=bucket, Prefix="e", EncodingType="url")
    # boto3 decodes url-encoded keys only for object listings.
    assert ([k for k, _ in listed(r)], r["EncodingType"]) == (["e%20f"], "url")


def test_bad_max_uploads(server, uploads):
    s3, bucket, _ = uploads
    with pytest.raises(ClientError) as e:
        s3.list_multipart_uploads(Bucket=bucket, MaxUploads=-1)
    assert e.value.response["Error"]["Code"] == "InvalidArgument"
