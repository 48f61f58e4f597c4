"""The S3 listings — ListObjects, ListObjectsV2, ListObjectVersions, ListMultipartUploads and
ListParts — as AWS answers them: prefix and delimiter grouping (multi-character delimiters,
keys equal to the prefix, a prefix ending inside a delimiter), CommonPrefixes counted against
the page size and never repeated across pages, UTF-8 byte order, markers and continuation
tokens, `encoding-type=url` on every key-like field, each invalid parameter's status, code,
message and argument, and who may list (bucket ACL READ; ListParts' own action). boto3 where
it can say it; raw SigV4-signed requests where it decodes, validates or hides what went over
the wire. What AWS answers is taken from its responses as publicly recorded."""

import http.client
import json
import urllib.parse
import xml.etree.ElementTree as ET

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import unique

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


# --- helpers ---------------------------------------------------------------------------------

def query(*pairs):
    """A query string; a pair `(name, None)` is a bare name (`?versions`)."""
    return "&".join(n if v is None else f"{n}={urllib.parse.quote(str(v), safe='')}"
                    for n, v in pairs)


def get(server, path):
    """A SigV4-signed GET of `path` exactly as given; returns (status, root element)."""
    req = AWSRequest(method="GET", url=server.endpoint + path)
    S3SigV4Auth(Credentials("test", "test"), "s3", "us-east-1").add_auth(req)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.putrequest("GET", path, skip_accept_encoding=True)
    for k, v in req.headers.items():
        conn.putheader(k, v)
    conn.endheaders()
    r = conn.getresponse()
    status, body = r.status, r.read()
    conn.close()
    return status, ET.fromstring(body)


def text(root, tag):
    """The text of `root`'s child `tag` ("" when empty), or None when absent."""
    e = root.find(NS + tag)
    return None if e is None else (e.text or "")


def texts(root, path):
    return [e.text or "" for e in root.findall("/".join(NS + p for p in path.split("/")))]


def error(root):
    """An error document's children, tag → text ("" when empty)."""
    return {child.tag: child.text or "" for child in root}


def bucket_with(s3, keys, versioned=False):
    name = unique("listing").lower()
    s3.create_bucket(Bucket=name)
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    for k in keys:
        s3.put_object(Bucket=name, Key=k, Body=b"x")
    return name


def byte_order(keys):
    return sorted(keys, key=lambda k: k.encode())


@pytest.fixture(scope="module")
def s3(server):
    return server.client("s3")


# --- prefix and delimiter grouping, the same in every listing ----------------------------------

GROUPING_KEYS = ["abc", "abcd", "ab/c", "ab/cd/e", "ab//f", "ax", "b", "bXXc", "bXXd/e", "c",
                 "dir/", "dir/x"]

GROUPINGS = [
    # (prefix, delimiter) → (keys, common prefixes)
    (("", "/"), (["abc", "abcd", "ax", "b", "bXXc", "c"], ["ab/", "bXXd/", "dir/"])),
    # A multi-character delimiter, and one that is not `/`.
    (("", "XX"), (["ab//f", "ab/c", "ab/cd/e", "abc", "abcd", "ax", "b", "c", "dir/", "dir/x"],
                  ["bXX"])),
    (("", "b/"), (["abc", "abcd", "ax", "b", "bXXc", "bXXd/e", "c", "dir/", "dir/x"], ["ab/"])),
    # A key ending in the delimiter is a common prefix, not a key.
    (("", "c"), (["ab//f", "ax", "b", "bXXd/e", "dir/", "dir/x"], ["ab/c", "abc", "bXXc", "c"])),
    # The delimiter is looked for after the prefix: `//` yields the prefix `ab//`.
    (("ab/", "/"), (["ab/c"], ["ab//", "ab/cd/"])),
    # A prefix ending inside a delimiter: what follows it holds no whole delimiter.
    (("bX", "XX"), (["bXXc", "bXXd/e"], [])),
    # Keys equal to the prefix are keys.
    (("dir/", "/"), (["dir/", "dir/x"], [])),
    (("abc", "/"), (["abc", "abcd"], [])),
    (("b", ""), (["b", "bXXc", "bXXd/e"], [])),
    (("zzz", "/"), ([], [])),
]


@pytest.fixture(scope="module")
def grouping_bucket(s3):
    name = bucket_with(s3, GROUPING_KEYS)
    for k in GROUPING_KEYS:
        s3.create_multipart_upload(Bucket=name, Key=k)
    return name


def grouped(op, s3, bucket, prefix, delimiter):
    kw = {"Bucket": bucket, "Prefix": prefix}
    if delimiter:
        kw["Delimiter"] = delimiter
    if op == "v1":
        r = s3.list_objects(**kw)
        keys = [o["Key"] for o in r.get("Contents", [])]
    elif op == "v2":
        r = s3.list_objects_v2(**kw)
        keys = [o["Key"] for o in r.get("Contents", [])]
        assert r["KeyCount"] == len(keys) + len(r.get("CommonPrefixes", []))
    elif op == "versions":
        r = s3.list_object_versions(**kw)
        keys = [v["Key"] for v in r.get("Versions", [])]
        assert {v["VersionId"] for v in r.get("Versions", [])} <= {"null"}
    else:
        r = s3.list_multipart_uploads(**kw)
        keys = [u["Key"] for u in r.get("Uploads", [])]
    assert r["IsTruncated"] is False
    return keys, [p["Prefix"] for p in r.get("CommonPrefixes", [])]


@pytest.mark.parametrize("op", ["v1", "v2", "versions", "uploads"])
@pytest.mark.parametrize("params,want", GROUPINGS, ids=[f"{p!r}-{d!r}" for (p, d), _ in GROUPINGS])
def test_prefix_and_delimiter_grouping(s3, grouping_bucket, op, params, want):
    assert grouped(op, s3, grouping_bucket, *params) == want


@pytest.mark.parametrize("q", ["delimiter=", "list-type=2&delimiter=", "versions&delimiter=",
                               "uploads&delimiter="])
def test_an_empty_delimiter_groups_nothing(server, grouping_bucket, q):
    status, root = get(server, f"/{grouping_bucket}?{q}&prefix=ab")
    assert status == 200
    listed = texts(root, "Contents/Key") + texts(root, "Version/Key") + texts(root, "Upload/Key")
    assert listed == ["ab//f", "ab/c", "ab/cd/e", "abc", "abcd"]
    assert texts(root, "CommonPrefixes/Prefix") == []
    # An empty delimiter is not echoed.
    assert (text(root, "Prefix"), text(root, "Delimiter")) == ("ab", None)


# --- order and paging ----------------------------------------------------------------------------

ODD_KEYS = ["Z", "z", "~", "a\tb", "a b", "a%b", "a+b", "é", "\ufb01", "\U0001f600", "a/é"]


def test_keys_are_listed_in_utf8_byte_order_on_every_page(s3):
    bucket = bucket_with(s3, ODD_KEYS)
    want = byte_order(ODD_KEYS)
    # U+FB01 sorts before U+1F600 in UTF-8, after it in UTF-16.
    assert want.index("\ufb01") < want.index("\U0001f600")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == want
    assert [o["Key"] for o in s3.list_objects(Bucket=bucket)["Contents"]] == want
    assert [v["Key"] for v in s3.list_object_versions(Bucket=bucket)["Versions"]] == want
    for name, kw in [("list_objects_v2", {}), ("list_objects", {}), ("list_object_versions", {})]:
        pages = s3.get_paginator(name).paginate(Bucket=bucket, PaginationConfig={"PageSize": 2})
        listed = [o["Key"] for p in pages for o in p.get("Contents", p.get("Versions", []))]
        assert listed == want, name


PAGING_KEYS = ["a/1", "a/2", "b", "c/1", "c/2", "c/3", "d"]


def pages_of(op, s3, bucket, max_keys):
    """Every page of a `/`-delimited listing as [items], walking the markers S3 gives."""
    pages, kw = [], {}
    while True:
        args = {"Bucket": bucket, "Delimiter": "/", **kw}
        if op == "v1":
            r = s3.list_objects(MaxKeys=max_keys, **args)
        elif op == "v2":
            r = s3.list_objects_v2(MaxKeys=max_keys, **args)
        else:
            r = s3.list_object_versions(MaxKeys=max_keys, **args)
        items = sorted([o["Key"] for o in r.get("Contents", r.get("Versions", []))]
                       + [p["Prefix"] for p in r.get("CommonPrefixes", [])])
        pages.append(items)
        if op == "v2":
            assert r["KeyCount"] == len(items)
        if not r["IsTruncated"]:
            assert "NextMarker" not in r and "NextContinuationToken" not in r
            assert "NextKeyMarker" not in r
            return pages
        if op == "v1":
            # With a delimiter, NextMarker is the last key or common prefix of the page.
            assert r["NextMarker"] == items[-1]
            kw = {"Marker": r["NextMarker"]}
        elif op == "v2":
            kw = {"ContinuationToken": r["NextContinuationToken"]}
        else:
            assert r["NextKeyMarker"] == items[-1]
            # A common prefix has no version to resume from.
            assert ("NextVersionIdMarker" in r) == (not items[-1].endswith("/"))
            kw = {"KeyMarker": r["NextKeyMarker"]}
            if "NextVersionIdMarker" in r:
                kw["VersionIdMarker"] = r["NextVersionIdMarker"]


@pytest.mark.parametrize("op", ["v1", "v2", "versions"])
@pytest.mark.parametrize("max_keys,want", [
    (1, [["a/"], ["b"], ["c/"], ["d"]]),
    (2, [["a/", "b"], ["c/", "d"]]),
    (3, [["a/", "b", "c/"], ["d"]]),
    (4, [["a/", "b", "c/", "d"]]),
])
def test_common_prefixes_count_against_max_keys_once_across_pages(s3, op, max_keys, want):
    bucket = bucket_with(s3, PAGING_KEYS, versioned=op == "versions")
    assert pages_of(op, s3, bucket, max_keys) == want


@pytest.mark.parametrize("op", ["v1", "v2", "versions"])
def test_a_full_page_whose_rest_rolls_into_its_last_prefix_is_complete(s3, op):
    bucket = bucket_with(s3, ["a/1", "b", "c/1", "c/2", "c/3"], versioned=op == "versions")
    assert pages_of(op, s3, bucket, 3) == [["a/", "b", "c/"]]
    if op == "v1":
        for k in ["a/1", "b", "c/1", "c/2", "c/3"]:
            s3.create_multipart_upload(Bucket=bucket, Key=k)
        r = s3.list_multipart_uploads(Bucket=bucket, Delimiter="/", MaxUploads=3)
        assert (listed_uploads(r), [p["Prefix"] for p in r["CommonPrefixes"]], r["IsTruncated"]) \
            == ([("b", r["NextUploadIdMarker"])], ["a/", "c/"], False)


# Keys past which a listing seeks once their common prefix is listed, among them keys whose
# next character is the last one Unicode has (the seek lands just before those).
SEEK_KEYS = ["a/1", "a/2/x", "a/\U0010ffff", "a/\U0010ffffz", "a\U0010ffff", "b/1", "b/2", "c"]


@pytest.mark.parametrize("op,versioned", [("v1", False), ("v2", False), ("versions", False),
                                          ("versions", True)])
@pytest.mark.parametrize("max_keys,want", [
    (1, [["a/"], ["a\U0010ffff"], ["b/"], ["c"]]),
    (2, [["a/", "a\U0010ffff"], ["b/", "c"]]),
    (1000, [["a/", "a\U0010ffff", "b/", "c"]]),
])
def test_a_listed_common_prefix_is_passed_over_whole(s3, op, versioned, max_keys, want):
    bucket = bucket_with(s3, SEEK_KEYS, versioned=versioned)
    assert pages_of(op, s3, bucket, max_keys) == want
    # A marker inside a common prefix has listed it already.
    r = s3.list_objects(Bucket=bucket, Delimiter="/", Marker="a/1")
    assert ([o["Key"] for o in r["Contents"]], [p["Prefix"] for p in r["CommonPrefixes"]]) \
        == (["a\U0010ffff", "c"], ["b/"])
    r = s3.list_objects_v2(Bucket=bucket, Delimiter="/", Prefix="a/", StartAfter="a/1")
    assert ([o["Key"] for o in r["Contents"]], [p["Prefix"] for p in r["CommonPrefixes"]]) \
        == (["a/\U0010ffff", "a/\U0010ffffz"], ["a/2/"])


def test_v1_next_marker_only_with_a_delimiter(s3):
    bucket = bucket_with(s3, ["a", "b", "c"])
    r = s3.list_objects(Bucket=bucket, MaxKeys=2)
    assert r["IsTruncated"] is True and "NextMarker" not in r
    r = s3.list_objects(Bucket=bucket, MaxKeys=2, Delimiter="/")
    assert (r["IsTruncated"], r["NextMarker"]) == (True, "b")
    r = s3.list_objects(Bucket=bucket, Marker="b")
    assert ([o["Key"] for o in r["Contents"]], r["Marker"], r["IsTruncated"]) == (["c"], "b", False)
    # A marker past every key, or between keys.
    r = s3.list_objects(Bucket=bucket, Marker="zz")
    assert ("Contents" in r, r["Marker"], r["IsTruncated"]) == (False, "zz", False)
    r = s3.list_objects(Bucket=bucket, Marker="a0")
    assert [o["Key"] for o in r["Contents"]] == ["b", "c"]
    # A marker inside a common prefix: the prefix was listed already.
    bucket = bucket_with(s3, ["d/1", "d/2", "e"])
    r = s3.list_objects(Bucket=bucket, Delimiter="/", Marker="d/1")
    assert ([o["Key"] for o in r["Contents"]], "CommonPrefixes" in r) == (["e"], False)
    r = s3.list_objects_v2(Bucket=bucket, Delimiter="/", StartAfter="d/")
    assert ([o["Key"] for o in r["Contents"]], "CommonPrefixes" in r) == (["e"], False)


def test_max_keys_zero_large_and_empty(server, s3):
    bucket = bucket_with(s3, ["a", "b"])
    for q in ["max-keys=0", "list-type=2&max-keys=0", "versions&max-keys=0"]:
        status, root = get(server, f"/{bucket}?{q}")
        assert (status, text(root, "MaxKeys"), text(root, "IsTruncated")) == (200, "0", "false"), q
        assert texts(root, "Contents/Key") + texts(root, "Version/Key") == []
    for q in ["max-keys=", "list-type=2&max-keys=", "versions&max-keys="]:
        status, root = get(server, f"/{bucket}?{q}")
        assert (status, text(root, "MaxKeys")) == (200, "1000"), q
        assert texts(root, "Contents/Key") + texts(root, "Version/Key") == ["a", "b"], q
    # Past 1000 a page still holds at most 1000 keys (what MaxKeys then echoes is not pinned).
    for q in ["max-keys=5000", "list-type=2&max-keys=2147483647", "versions&max-keys=1001"]:
        status, root = get(server, f"/{bucket}?{q}")
        assert status == 200, q
        assert texts(root, "Contents/Key") + texts(root, "Version/Key") == ["a", "b"], q


# --- invalid parameters ------------------------------------------------------------------------

NOT_INT = "Provided {} not an integer or within integer range"
RANGE = "Argument {} must be an integer between 0 and 2147483647"

BAD_LIMITS = [
    # (listing's query, parameter, value) → (message, ArgumentName)
    ("", "max-keys", "-1", RANGE.format("maxKeys"), "maxKeys"),
    ("", "max-keys", "abc", NOT_INT.format("max-keys"), "max-keys"),
    ("", "max-keys", "2147483648", NOT_INT.format("max-keys"), "max-keys"),
    ("list-type=2", "max-keys", "-5", RANGE.format("maxKeys"), "maxKeys"),
    ("list-type=2", "max-keys", "1.5", NOT_INT.format("max-keys"), "max-keys"),
    ("versions", "max-keys", "-1", "max-keys cannot be negative", "maxKeys"),
    ("versions", "max-keys", "ten", NOT_INT.format("max-keys"), "max-keys"),
    ("uploads", "max-uploads", "-1", RANGE.format("max-uploads"), "max-uploads"),
    ("uploads", "max-uploads", "2157483647", NOT_INT.format("max-uploads"), "max-uploads"),
    ("uploads", "max-uploads", "x", NOT_INT.format("max-uploads"), "max-uploads"),
    ("PARTS", "max-parts", "-1", RANGE.format("max-parts"), "max-parts"),
    ("PARTS", "max-parts", "many", NOT_INT.format("max-parts"), "max-parts"),
    ("PARTS", "part-number-marker", "-2", RANGE.format("part-number-marker"), "part-number-marker"),
    ("PARTS", "part-number-marker", "foo", NOT_INT.format("part-number-marker"),
     "part-number-marker"),
]


@pytest.fixture(scope="module")
def upload(s3):
    bucket = bucket_with(s3, [])
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    return bucket, upload_id


@pytest.mark.parametrize("listing,param,value,message,name", BAD_LIMITS,
                         ids=[f"{b[0] or 'v1'}-{b[1]}={b[2]}" for b in BAD_LIMITS])
def test_invalid_page_sizes_and_markers(server, upload, listing, param, value, message, name):
    bucket, upload_id = upload
    if listing == "PARTS":
        path = f"/{bucket}/k?{query(('uploadId', upload_id), (param, value))}"
    else:
        path = f"/{bucket}?{listing}{'&' if listing else ''}{query((param, value))}"
    status, root = get(server, path)
    assert (status, error(root)["Code"], error(root)["Message"]) == (400, "InvalidArgument", message)
    assert (error(root)["ArgumentName"], error(root)["ArgumentValue"]) == (name, value)


@pytest.mark.parametrize("listing", ["", "list-type=2&", "versions&", "uploads&"])
@pytest.mark.parametrize("value", ["value", ""])
def test_invalid_encoding_type(server, upload, listing, value):
    status, root = get(server, f"/{upload[0]}?{listing}encoding-type={value}")
    e = error(root)
    assert (status, e["Code"], e["Message"]) == (
        400, "InvalidArgument", "Invalid Encoding Method specified in Request")
    assert (e["ArgumentName"], e["ArgumentValue"]) == ("encoding-type", value)


@pytest.mark.parametrize("token", ["", "!!!", "a b"])
def test_invalid_continuation_token(server, upload, token):
    status, root = get(server, f"/{upload[0]}?{query(('list-type', 2), ('continuation-token', token))}")
    e = error(root)
    assert (status, e["Code"], e["Message"], e["ArgumentName"]) == (
        400, "InvalidArgument", "The continuation token provided is incorrect", "continuation-token")
    if not token:
        # S3 gives no ArgumentValue for an empty token.
        assert "ArgumentValue" not in e


LISTINGS = {
    "ListObjects": lambda s3, b: s3.list_objects(Bucket=b),
    "ListObjectsV2": lambda s3, b: s3.list_objects_v2(Bucket=b),
    "ListObjectVersions": lambda s3, b: s3.list_object_versions(Bucket=b),
    "ListMultipartUploads": lambda s3, b: s3.list_multipart_uploads(Bucket=b),
    "ListParts": lambda s3, b: s3.list_parts(Bucket=b, Key="k", UploadId="x"),
}


@pytest.mark.parametrize("op", LISTINGS)
def test_every_listing_of_a_missing_bucket_is_no_such_bucket(s3, op):
    missing = unique("missing").lower()
    with pytest.raises(ClientError) as e:
        LISTINGS[op](s3, missing)
    r = e.value.response
    assert (r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Code"], r["Error"]["Message"],
            r["Error"]["BucketName"]) == (404, "NoSuchBucket", "The specified bucket does not exist",
                                          missing)


# --- encoding-type=url ---------------------------------------------------------------------------

ENCODED_KEYS = ["a b\n4", "a b%3", "a b(6)é", "a b+1 x", "a b+2 x", "a b=5"]


@pytest.fixture(scope="module")
def encoded_bucket(s3):
    bucket = bucket_with(s3, ENCODED_KEYS)
    for k in ENCODED_KEYS:
        s3.create_multipart_upload(Bucket=bucket, Key=k)
    return bucket


def test_url_encoding_of_a_v1_listing(server, encoded_bucket):
    base = ("prefix", "a b"), ("delimiter", " "), ("max-keys", 2), ("encoding-type", "url")
    first = query(*base, ("marker", "a b\n4"))
    status, root = get(server, f"/{encoded_bucket}?{first}")
    assert status == 200
    assert [text(root, t) for t in ["Prefix", "Marker", "Delimiter", "EncodingType", "NextMarker"]] \
        == ["a%20b", "a%20b%0A4", "%20", "url", "a%20b%286%29%C3%A9"]
    assert texts(root, "Contents/Key") == ["a%20b%253", "a%20b%286%29%C3%A9"]
    second = query(*base, ("marker", "a b(6)é"))
    status, root = get(server, f"/{encoded_bucket}?{second}")
    assert texts(root, "CommonPrefixes/Prefix") == ["a%20b%2B1%20", "a%20b%2B2%20"]
    assert text(root, "NextMarker") == "a%20b%2B2%20"
    # Without encoding-type, the same fields as they are.
    status, root = get(server, f"/{encoded_bucket}?{query(('prefix', 'a b%'))}")
    assert (texts(root, "Contents/Key"), text(root, "Prefix"), text(root, "EncodingType")) == (
        ["a b%3"], "a b%", None)


def test_url_encoding_of_a_v2_listing(server, encoded_bucket):
    q = query(("list-type", 2), ("prefix", "a b"), ("delimiter", "="), ("start-after", "a b\n4"),
              ("max-keys", 1), ("encoding-type", "url"))
    status, root = get(server, f"/{encoded_bucket}?{q}")
    assert [text(root, t) for t in ["Prefix", "StartAfter", "Delimiter", "KeyCount"]] \
        == ["a%20b", "a%20b%0A4", "%3D", "1"]
    assert texts(root, "Contents/Key") == ["a%20b%253"]
    token = text(root, "NextContinuationToken")
    q = query(("list-type", 2), ("prefix", "a b"), ("delimiter", "="), ("continuation-token", token),
              ("encoding-type", "url"))
    status, root = get(server, f"/{encoded_bucket}?{q}")
    assert text(root, "ContinuationToken") == token
    assert texts(root, "Contents/Key") == ["a%20b%286%29%C3%A9", "a%20b%2B1%20x", "a%20b%2B2%20x"]
    assert texts(root, "CommonPrefixes/Prefix") == ["a%20b%3D"]


def test_url_encoding_of_versions_and_uploads(server, encoded_bucket):
    for listing, marker_tag in [("versions", "NextVersionIdMarker"), ("uploads", "NextUploadIdMarker")]:
        q = query((listing, None), ("prefix", "a b"), ("key-marker", "a b\n4"), ("max-keys", 1),
                  ("max-uploads", 1), ("delimiter", "+"), ("encoding-type", "url"))
        status, root = get(server, f"/{encoded_bucket}?{q}")
        assert status == 200, listing
        assert [text(root, t) for t in ["Prefix", "KeyMarker", "Delimiter", "EncodingType",
                                        "NextKeyMarker", "IsTruncated"]] \
            == ["a%20b", "a%20b%0A4", "%2B", "url", "a%20b%253", "true"], listing
        assert texts(root, "Version/Key") + texts(root, "Upload/Key") == ["a%20b%253"], listing
        assert text(root, marker_tag), listing
        q = query((listing, None), ("prefix", "a b"), ("key-marker", "a b(6)é"), ("delimiter", "+"),
                  ("encoding-type", "url"))
        status, root = get(server, f"/{encoded_bucket}?{q}")
        assert texts(root, "CommonPrefixes/Prefix") == ["a%20b%2B"], listing
        assert texts(root, "Version/Key") + texts(root, "Upload/Key") == ["a%20b%3D5"], listing


# --- ListObjectsV2 ---------------------------------------------------------------------------------

def test_v2_continuation_token_wins_over_start_after(s3):
    bucket = bucket_with(s3, ["a", "b", "c", "d"])
    r = s3.list_objects_v2(Bucket=bucket, StartAfter="a", MaxKeys=1)
    assert ([o["Key"] for o in r["Contents"]], r["StartAfter"], r["KeyCount"]) == (["b"], "a", 1)
    token = r["NextContinuationToken"]
    r = s3.list_objects_v2(Bucket=bucket, StartAfter="c", ContinuationToken=token)
    assert [o["Key"] for o in r["Contents"]] == ["c", "d"]
    assert r["ContinuationToken"] == token and "StartAfter" not in r
    assert r["IsTruncated"] is False and "NextContinuationToken" not in r


def test_v2_fetch_owner(s3):
    bucket = bucket_with(s3, ["a"])
    owner = s3.list_objects(Bucket=bucket)["Contents"][0]["Owner"]["ID"]
    assert "Owner" not in s3.list_objects_v2(Bucket=bucket)["Contents"][0]
    assert "Owner" not in s3.list_objects_v2(Bucket=bucket, FetchOwner=False)["Contents"][0]
    assert s3.list_objects_v2(Bucket=bucket, FetchOwner=True)["Contents"][0]["Owner"]["ID"] == owner


# --- ListObjectVersions --------------------------------------------------------------------------

@pytest.fixture
def versions(s3):
    """`k`: v1, v2, a delete marker, v3; `l`: v1 and a delete marker; `m`: v1."""
    bucket = bucket_with(s3, [], versioned=True)
    made = []

    def put(key):
        made.append((key, s3.put_object(Bucket=bucket, Key=key, Body=b"x")["VersionId"], "v"))

    def delete(key):
        made.append((key, s3.delete_object(Bucket=bucket, Key=key)["VersionId"], "dm"))

    put("k"), put("l"), put("k"), delete("k"), delete("l"), put("m"), put("k")
    # Listing order: keys ascending, each key's versions newest first.
    order = [e for key in ["k", "l", "m"] for e in reversed(made) if e[0] == key]
    return bucket, order


def listed_versions(root):
    """(key, version id, kind, latest) of each Version and DeleteMarker, in document order."""
    out = []
    for e in root:
        if e.tag in (NS + "Version", NS + "DeleteMarker"):
            out.append((text(e, "Key"), text(e, "VersionId"),
                        "v" if e.tag == NS + "Version" else "dm", text(e, "IsLatest")))
    return out


def test_versions_interleave_delete_markers_newest_first(server, versions):
    bucket, order = versions
    status, root = get(server, f"/{bucket}?versions")
    latest = {key: vid for key, vid, _ in reversed(order)}
    assert listed_versions(root) == [
        (k, v, kind, "true" if latest[k] == v else "false") for k, v, kind in order]
    assert [x[3] for x in listed_versions(root)] == ["true", "false", "false", "false",
                                                     "true", "false", "true"]
    assert text(root, "NextKeyMarker") is None and text(root, "NextVersionIdMarker") is None


@pytest.mark.parametrize("max_keys", [1, 2, 3, 6, 7])
def test_versions_paging_with_key_and_version_markers(s3, versions, max_keys):
    bucket, order = versions
    seen, kw = [], {}
    while True:
        r = s3.list_object_versions(Bucket=bucket, MaxKeys=max_keys, **kw)
        page = sorted([(v["Key"], v["VersionId"], "v") for v in r.get("Versions", [])]
                      + [(m["Key"], m["VersionId"], "dm") for m in r.get("DeleteMarkers", [])],
                      key=order.index)
        assert len(page) <= max_keys
        seen += page
        if not r["IsTruncated"]:
            break
        assert (r["NextKeyMarker"], r["NextVersionIdMarker"]) == page[-1][:2]
        kw = {"KeyMarker": r["NextKeyMarker"], "VersionIdMarker": r["NextVersionIdMarker"]}
    assert seen == order


def test_version_markers(server, s3, versions):
    bucket, order = versions
    # A key marker alone starts at the next key.
    r = s3.list_object_versions(Bucket=bucket, KeyMarker="k")
    assert [v["Key"] for v in r["Versions"]] == ["l", "m"]
    assert (r["KeyMarker"], r["VersionIdMarker"]) == ("k", "")
    # A version marker names where to resume within the key marker's key.
    r = s3.list_object_versions(Bucket=bucket, KeyMarker="k", VersionIdMarker=order[1][1])
    assert [(v["Key"], v["VersionId"]) for v in r["Versions"]][:2] == [x[:2] for x in order[2:4]]
    assert r["VersionIdMarker"] == order[1][1]
    # A version deleted since still marks its place.
    s3.delete_object(Bucket=bucket, Key="k", VersionId=order[1][1])
    r = s3.list_object_versions(Bucket=bucket, KeyMarker="k", VersionIdMarker=order[1][1])
    assert [(v["Key"], v["VersionId"]) for v in r["Versions"]][:2] == [x[:2] for x in order[2:4]]
    # A version marker needs a key marker.
    q = query(("versions", None), ("version-id-marker", order[0][1]))
    status, root = get(server, f"/{bucket}?{q}")
    assert (status, error(root)["Code"], error(root)["Message"], error(root)["ArgumentName"],
            error(root)["ArgumentValue"]) == (
        400, "InvalidArgument", "A version-id marker cannot be specified without a key marker.",
        "version-id-marker", order[0][1])


def test_versions_of_an_unversioned_bucket_are_null(s3):
    bucket = bucket_with(s3, ["a", "b", "c"])
    r = s3.list_object_versions(Bucket=bucket, MaxKeys=1)
    assert [(v["Key"], v["VersionId"], v["IsLatest"]) for v in r["Versions"]] == [("a", "null", True)]
    assert (r["IsTruncated"], r["NextKeyMarker"], r["NextVersionIdMarker"]) == (True, "a", "null")
    r = s3.list_object_versions(Bucket=bucket, KeyMarker="a", VersionIdMarker="null")
    assert [v["Key"] for v in r["Versions"]] == ["b", "c"]
    assert "DeleteMarkers" not in r


# --- ListMultipartUploads --------------------------------------------------------------------

@pytest.fixture
def uploads(s3):
    bucket = bucket_with(s3, [])
    made = [(k, s3.create_multipart_upload(Bucket=bucket, Key=k)["UploadId"])
            for k in ["c", "b", "a", "a", "a"]]
    # Keys ascending, then initiation.
    return bucket, sorted(made, key=lambda u: (u[0], made.index(u)))


def listed_uploads(r):
    return [(u["Key"], u["UploadId"]) for u in r.get("Uploads", [])]


def test_upload_next_markers_are_always_given(s3, uploads):
    bucket, order = uploads
    r = s3.list_multipart_uploads(Bucket=bucket)
    assert listed_uploads(r) == order
    # Even on a complete page: the last upload listed.
    assert (r["IsTruncated"], r["NextKeyMarker"], r["NextUploadIdMarker"]) == (False, *order[-1])
    r = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=1)
    assert (r["IsTruncated"], r["NextKeyMarker"], r["NextUploadIdMarker"]) == (True, *order[0])
    r = s3.list_multipart_uploads(Bucket=bucket, KeyMarker="c")
    assert (listed_uploads(r), r["NextKeyMarker"], r["NextUploadIdMarker"]) == ([], "", "")
    empty = bucket_with(s3, [])
    r = s3.list_multipart_uploads(Bucket=empty)
    assert (r["KeyMarker"], r["UploadIdMarker"], r["NextKeyMarker"], r["NextUploadIdMarker"],
            r["IsTruncated"]) == ("", "", "", "", False)
    # Nor is Prefix given unless asked for (the object listings always give it).
    assert "Prefix" not in r and "Delimiter" not in r
    assert s3.list_multipart_uploads(Bucket=empty, Prefix="p")["Prefix"] == "p"
    assert s3.list_objects_v2(Bucket=empty)["Prefix"] == ""
    assert s3.list_object_versions(Bucket=empty)["Prefix"] == ""
    # A page that ends on a common prefix resumes after it.
    s3.create_multipart_upload(Bucket=empty, Key="d/x")
    s3.create_multipart_upload(Bucket=empty, Key="e/x")
    r = s3.list_multipart_uploads(Bucket=empty, Delimiter="/", MaxUploads=1)
    assert ([p["Prefix"] for p in r["CommonPrefixes"]], r["IsTruncated"]) == (["d/"], True)
    assert (r["NextKeyMarker"], r["NextUploadIdMarker"]) == ("d/", "")
    pages = s3.get_paginator("list_multipart_uploads").paginate(
        Bucket=empty, Delimiter="/", PaginationConfig={"PageSize": 1})
    assert [p["Prefix"] for page in pages for p in page.get("CommonPrefixes", [])] == ["d/", "e/"]
    # A key marker naming a common prefix starts after it.
    r = s3.list_multipart_uploads(Bucket=empty, Delimiter="/", KeyMarker="d/")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["e/"]


def test_uploads_of_one_key_are_listed_in_initiation_order(s3):
    bucket = bucket_with(s3, [])
    made = [s3.create_multipart_upload(Bucket=bucket, Key="same")["UploadId"] for _ in range(50)]
    assert [i for _, i in listed_uploads(s3.list_multipart_uploads(Bucket=bucket))] == made
    pages = s3.get_paginator("list_multipart_uploads").paginate(
        Bucket=bucket, PaginationConfig={"PageSize": 7})
    assert [u["UploadId"] for p in pages for u in p.get("Uploads", [])] == made


def test_upload_markers(server, s3, uploads):
    bucket, order = uploads
    a1, a2, a3 = (i for k, i in order if k == "a")
    r = s3.list_multipart_uploads(Bucket=bucket, KeyMarker="a", UploadIdMarker=a1, MaxUploads=1)
    assert (listed_uploads(r), r["NextKeyMarker"], r["NextUploadIdMarker"]) == ([("a", a2)], "a", a2)
    assert (r["KeyMarker"], r["UploadIdMarker"]) == ("a", a1)
    r = s3.list_multipart_uploads(Bucket=bucket, KeyMarker="a", UploadIdMarker=a3)
    assert [k for k, _ in listed_uploads(r)] == ["b", "c"]
    # Without a key marker, an upload-id marker is ignored and not echoed.
    r = s3.list_multipart_uploads(Bucket=bucket, UploadIdMarker=a2, MaxUploads=1)
    assert (listed_uploads(r), r["UploadIdMarker"]) == ([order[0]], "")
    # An upload-id marker must name an upload of the key marker's key.
    for key, upload_id in [("c", a2), ("a", "nonexistent"), ("zz", a1)]:
        q = query(("uploads", None), ("key-marker", key), ("upload-id-marker", upload_id))
        status, root = get(server, f"/{bucket}?{q}")
        assert (status, error(root)["Code"], error(root)["Message"], error(root)["ArgumentName"],
                error(root)["ArgumentValue"]) == (
            400, "InvalidArgument", "Invalid uploadId marker", "upload-id-marker", upload_id)


# --- ListParts ------------------------------------------------------------------------------------

def test_list_parts_paging(s3):
    bucket = bucket_with(s3, [])
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    r = s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id)
    assert (r["PartNumberMarker"], r["NextPartNumberMarker"], r["MaxParts"], r["IsTruncated"],
            "Parts" in r) == (0, 0, 1000, False, False)
    for n in (1, 2, 3):
        s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=n, Body=b"p")
    cases = [
        # (marker, max) → (parts, next marker, truncated)
        ((None, 1), ([1], 1, True)),
        ((1, 1), ([2], 2, True)),
        ((2, 1), ([3], 3, False)),
        ((1, None), ([2, 3], 3, False)),
        ((3, None), ([], 0, False)),
        ((10, 1), ([], 0, False)),
    ]
    for (marker, max_parts), want in cases:
        kw = {k: v for k, v in [("PartNumberMarker", marker), ("MaxParts", max_parts)] if v is not None}
        r = s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id, **kw)
        got = ([p["PartNumber"] for p in r.get("Parts", [])], r["NextPartNumberMarker"],
               r["IsTruncated"])
        assert got == want, (marker, max_parts)
        assert (r["PartNumberMarker"], r["MaxParts"]) == (marker or 0, max_parts or 1000)


def test_list_parts_empty_parameters_are_defaults(server, s3):
    bucket = bucket_with(s3, [])
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1, Body=b"p")
    q = query(("uploadId", upload_id), ("part-number-marker", ""), ("max-parts", ""))
    status, root = get(server, f"/{bucket}/k?{q}")
    assert status == 200
    assert [text(root, t) for t in ["PartNumberMarker", "NextPartNumberMarker", "MaxParts",
                                    "IsTruncated"]] == ["0", "1", "1000", "false"]


def test_list_parts_describes_the_upload(s3):
    bucket = bucket_with(s3, [])
    owner = s3.list_objects(Bucket=bucket_with(s3, ["o"]))["Contents"][0]["Owner"]["ID"]
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm="SHA256",
                                           StorageClass="STANDARD_IA")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1, Body=b"p",
                          ChecksumAlgorithm="SHA256")
    r = s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id)
    assert (r["Bucket"], r["Key"], r["UploadId"]) == (bucket, "k", upload_id)
    assert (r["Initiator"]["ID"], r["Owner"]["ID"]) == (owner, owner)
    assert (r["StorageClass"], r["ChecksumAlgorithm"], r["ChecksumType"]) == (
        "STANDARD_IA", "SHA256", "COMPOSITE")
    assert [(p["PartNumber"], p["ETag"], p["Size"], p["ChecksumSHA256"]) for p in r["Parts"]] == [
        (1, part["ETag"], 1, part["ChecksumSHA256"])]


def test_list_parts_of_an_unknown_upload(s3):
    bucket = bucket_with(s3, [])
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    for key, uid in [("k", "nonexistent"), ("other", upload_id)]:
        with pytest.raises(ClientError) as e:
            s3.list_parts(Bucket=bucket, Key=key, UploadId=uid)
        r = e.value.response
        assert (r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Code"], r["Error"]["UploadId"]) \
            == (404, "NoSuchUpload", uid)
        assert r["Error"]["Message"] == ("The specified upload does not exist. The upload ID may be "
                                         "invalid, or the upload may have been aborted or completed.")


# --- who may list ----------------------------------------------------------------------------------

def test_a_bucket_acl_read_grant_lets_another_account_list_everything(server, s3):
    other = server.client("s3", aws_access_key_id="111111111111", aws_secret_access_key="x")
    other_id = other.list_buckets()["Owner"]["ID"]
    bucket = unique("listing-acl").lower()
    s3.create_bucket(Bucket=bucket, ObjectOwnership="ObjectWriter")
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3.create_multipart_upload(Bucket=bucket, Key="u")
    calls = [lambda: other.list_objects(Bucket=bucket)["Contents"],
             lambda: other.list_objects_v2(Bucket=bucket)["Contents"],
             lambda: other.list_object_versions(Bucket=bucket)["Versions"],
             lambda: other.list_multipart_uploads(Bucket=bucket)["Uploads"]]
    for call in calls:
        with pytest.raises(ClientError) as e:
            call()
        assert e.value.response["Error"]["Code"] == "AccessDenied"
    owner_id = s3.list_buckets()["Owner"]["ID"]
    s3.put_bucket_acl(Bucket=bucket, GrantRead=f'id="{other_id}"', GrantFullControl=f'id="{owner_id}"')
    for call in calls:
        assert len(call()) == 1


def test_list_parts_is_its_own_action(server, s3):
    iam = server.client("iam")
    bucket = bucket_with(s3, [])
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    user = unique("lister")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    as_user = server.client("s3", aws_access_key_id=key["AccessKeyId"],
                            aws_secret_access_key=key["SecretAccessKey"])

    def allow(action):
        iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": action, "Resource": f"arn:aws:s3:::{bucket}/*"}]}))

    allow("s3:PutObject")
    with pytest.raises(ClientError) as e:
        as_user.list_parts(Bucket=bucket, Key="k", UploadId=upload_id)
    assert e.value.response["Error"]["Code"] == "AccessDenied"
    allow("s3:ListMultipartUploadParts")
    assert as_user.list_parts(Bucket=bucket, Key="k", UploadId=upload_id)["UploadId"] == upload_id
