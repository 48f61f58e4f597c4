"""Everyday object and bucket operations as the S3 API Reference and AWS's recorded answers
have them: GET/HEAD ranges (satisfiable, unsatisfiable, ignored), HEAD errors without a body,
NoSuchKey versus AccessDenied, object keys (the 1024-byte limit, unusual characters),
content headers and user metadata kept as sent (non-ASCII metadata RFC 2047-encoded),
DeleteObject(s), CopyObject's directives and sources, and bucket names, location
constraints, HeadBucket, GetBucketLocation, DeleteBucket and ListBuckets. boto3 where it
sends the request; raw requests signed by botocore where the wire form matters."""

import base64
import hashlib
import http.client
import json
import socket
import urllib.parse
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import error_of, unique, xml_error
from test_s3_requests import send

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
BODY = b"0123456789"
EMPTY_MD5 = hashlib.md5(b"").hexdigest()
OTHER_ACCOUNT = "111111111111"
SELF_COPY = ("This copy request is illegal because it is trying to copy an object to itself without "
             "changing the object's metadata, storage class, website redirect location or encryption "
             "attributes.")
MALFORMED = "The XML you provided was not well-formed or did not validate against our published schema"


@pytest.fixture
def other(server):
    return server.client("s3", aws_access_key_id=OTHER_ACCOUNT, aws_secret_access_key="x")


def quote(key):
    return urllib.parse.quote(key, safe="/~")


def raw_head(server, path, headers=None):
    """A signed HEAD over a bare socket, read to the end: (status, headers, every byte after
    the blank line), so a body sent after a HEAD answer would show."""
    req = AWSRequest(method="HEAD", url=server.endpoint + path, headers=dict(headers or {}))
    S3SigV4Auth(Credentials("test", "test"), "s3", "us-east-1").add_auth(req)
    lines = [f"HEAD {path} HTTP/1.1", f"Host: 127.0.0.1:{server.port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in req.headers.items() if k.lower() != "host"]
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status, *header_lines = head.decode("latin-1").split("\r\n")
    return int(status.split()[1]), {k.lower(): v.strip() for k, v in (h.split(":", 1) for h in header_lines)}, rest


# --- ranges ------------------------------------------------------------------------------

# Range header -> (status, body, Content-Range) on a 10-byte object.
RANGES = [
    ("bytes=0-4", 206, b"01234", "bytes 0-4/10"),
    ("bytes=5-", 206, b"56789", "bytes 5-9/10"),
    ("bytes=-3", 206, b"789", "bytes 7-9/10"),
    ("bytes=-30", 206, BODY, "bytes 0-9/10"),  # a suffix longer than the object: all of it
    ("bytes=8-100", 206, b"89", "bytes 8-9/10"),
    ("bytes=9-9", 206, b"9", "bytes 9-9/10"),
    ("bytes=0-99999999999999999999999", 206, BODY, "bytes 0-9/10"),
    # Not one syntactically valid range: S3 ignores the header.
    ("bytes=5-2", 200, BODY, None),
    ("bytes=0-1,3-4", 200, BODY, None),
    ("bytes=x-1", 200, BODY, None),
    ("bytes=+1-2", 200, BODY, None),
    ("bytes=-", 200, BODY, None),
    ("items=0-1", 200, BODY, None),
]


@pytest.mark.parametrize("range_,status,body,content_range", RANGES)
def test_ranges(server, s3, bucket, range_, status, body, content_range):
    s3.put_object(Bucket=bucket, Key="ten", Body=BODY)
    got_status, h, got = send(server, "GET", f"/{bucket}/ten", headers={"Range": range_})
    assert (got_status, got, h.get("content-range")) == (status, body, content_range)
    assert h["content-length"] == str(len(body))
    assert h["accept-ranges"] == "bytes"


# (object, Range) answered 416 InvalidRange, naming the range and the object's size.
UNSATISFIABLE = [
    (BODY, "bytes=10-"),
    (BODY, "bytes=10-12"),
    (BODY, "bytes=99999999999999999999999-"),
    (BODY, "bytes=-0"),
    (b"", "bytes=0-"),
    (b"", "bytes=0-0"),
    (b"", "bytes=3-9"),
]


@pytest.mark.parametrize("data,range_", UNSATISFIABLE)
def test_unsatisfiable_ranges(server, s3, bucket, data, range_):
    s3.put_object(Bucket=bucket, Key="obj", Body=data)
    status, _, body = send(server, "GET", f"/{bucket}/obj", headers={"Range": range_})
    assert status == 416
    err = xml_error(body)
    assert (err["Code"], err["Message"]) == ("InvalidRange", "The requested range is not satisfiable")
    assert (err["RangeRequested"], err["ActualObjectSize"]) == (range_, str(len(data)))


def test_suffix_range_of_an_empty_object_is_the_whole_object(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    status, h, body = send(server, "GET", f"/{bucket}/empty", headers={"Range": "bytes=-5"})
    assert (status, body, h["content-length"], "content-range" in h) == (200, b"", "0", False)
    assert s3.get_object(Bucket=bucket, Key="empty", Range="bytes=-1")["Body"].read() == b""


def test_head_with_a_range(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="ten", Body=BODY)
    status, h, rest = raw_head(server, f"/{bucket}/ten", {"Range": "bytes=2-4"})
    assert (status, h["content-range"], h["content-length"], h["accept-ranges"]) == (
        206, "bytes 2-4/10", "3", "bytes")
    assert rest == b""
    r = s3.head_object(Bucket=bucket, Key="ten", Range="bytes=-4")
    assert (r["ResponseMetadata"]["HTTPStatusCode"], r["ContentRange"], r["ContentLength"]) == (
        206, "bytes 6-9/10", 4)
    status, _, rest = raw_head(server, f"/{bucket}/ten", {"Range": "bytes=10-"})
    assert (status, rest) == (416, b"")


# --- HEAD and GET errors -----------------------------------------------------------------

def test_head_errors_have_no_body(server, s3, other, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=BODY)
    etag = s3.head_object(Bucket=bucket, Key="k")["ETag"]
    key = "\u00e9" * 513  # 1026 bytes of UTF-8
    cases = [
        (f"/{bucket}/missing", {}, 404),
        (f"/{unique('nobucket')}/k", {}, 404),
        (f"/{bucket}/k", {"If-Match": '"0000"'}, 412),
        (f"/{bucket}/k", {"If-None-Match": etag}, 304),
        (f"/{bucket}/{quote(key)}", {}, 400),
        (f"/{bucket}/k", {"Range": "bytes=20-"}, 416),
    ]
    for path, headers, want in cases:
        status, _, rest = raw_head(server, path, headers)
        assert (status, rest) == (want, b""), path
    # Another account, refused: 403, and nothing said about the key.
    with pytest.raises(ClientError) as e:
        other.head_object(Bucket=bucket, Key="k")
    assert error_of(e)[:2] == (403, "403")


def grant(s3, bucket, actions):
    """A bucket policy giving the other account `actions` on the bucket and its objects."""
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
        "Action": actions, "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}]}))


@pytest.mark.parametrize("actions,missing", [
    (["s3:GetObject"], (403, "AccessDenied", "Access Denied")),
    (["s3:GetObject", "s3:ListBucket"], (404, "NoSuchKey", "The specified key does not exist.")),
])
def test_missing_key_seen_by_another_account(s3, other, bucket, actions, missing):
    s3.put_object(Bucket=bucket, Key="there", Body=b"x")
    grant(s3, bucket, actions)
    assert other.get_object(Bucket=bucket, Key="there")["Body"].read() == b"x"
    with pytest.raises(ClientError) as e:
        other.get_object(Bucket=bucket, Key="missing")
    assert error_of(e) == missing
    with pytest.raises(ClientError) as e:
        other.head_object(Bucket=bucket, Key="missing")
    assert error_of(e)[0] == missing[0]


def test_missing_key_is_no_such_key_only_to_a_caller_who_may_list(server, s3, other, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="dir/missing")
    assert error_of(e) == (404, "NoSuchKey", "The specified key does not exist.")
    assert e.value.response["Error"]["Key"] == "dir/missing"
    with pytest.raises(ClientError) as e:
        other.get_object(Bucket=bucket, Key="dir/missing")
    assert error_of(e) == (403, "AccessDenied", "Access Denied")
    assert "Key" not in e.value.response["Error"]
    status, _, body = server.http("GET", f"/{bucket}/dir/missing")  # anonymous
    assert (status, xml_error(body)["Code"]) == (403, "AccessDenied")


# --- keys --------------------------------------------------------------------------------

KEYS = [
    "a//b", "./a", "../a", "a/../b", "a/./b", "a b", " lead", "trail ", "a+b", "a%20b", "a%2Fb",
    "\u00fcn\u00ef/\u00e7a", "\u65e5\u672c\u8a9e", "\U0001f600", "dir/", "/lead", "~!@$&*()=;:,'", "a?b#c",
    "tab\tkey", ".", "..", "x" * 1024, "\u00e9" * 512,
]


@pytest.mark.parametrize("key", KEYS, ids=range(len(KEYS)))
def test_keys_round_trip(s3, bucket, key):
    data = key.encode()[:50]
    s3.put_object(Bucket=bucket, Key=key, Body=data)
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == data
    assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] == len(data)
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert listed == [key]
    s3.delete_object(Bucket=bucket, Key=key)
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


@pytest.mark.parametrize("key", ["x" * 1025, "\u00e9" * 513, "a/" * 600])
def test_keys_over_1024_bytes(server, s3, bucket, key):
    size = str(len(key.encode()))
    s3.put_object(Bucket=bucket, Key="src", Body=b"x")
    requests = [
        ("PUT", {}, b"x"),
        ("PUT", {"x-amz-copy-source": f"/{bucket}/src"}, b""),
        ("GET", {}, b""),
    ]
    for method, headers, body in requests:
        status, _, got = send(server, method, f"/{bucket}/{quote(key)}", body=body, headers=headers)
        assert status == 400, method
        assert xml_error(got) == {
            "Code": "KeyTooLongError", "Message": "Your key is too long", "Size": size,
            "MaxSizeAllowed": "1024", "RequestId": xml_error(got)["RequestId"],
            "HostId": xml_error(got)["HostId"]}, method
    with pytest.raises(ClientError) as e:
        s3.create_multipart_upload(Bucket=bucket, Key=key)
    assert error_of(e) == (400, "KeyTooLongError", "Your key is too long")
    assert (e.value.response["Error"]["Size"], e.value.response["Error"]["MaxSizeAllowed"]) == (size, "1024")
    assert raw_head(server, f"/{bucket}/{quote(key)}")[0] == 400
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["src"]
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)


def test_put_object_over_5_gib_is_refused_before_its_body(server, s3, bucket):
    """The declared length is judged first: the client, waiting for `100 Continue`, is
    never asked for its 5 GiB."""
    size = 5 * 1024 ** 3 + 1
    req = AWSRequest(method="PUT", url=f"{server.endpoint}/{bucket}/huge",
                     headers={"Content-Length": str(size), "Expect": "100-continue",
                              "x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    S3SigV4Auth(Credentials("test", "test"), "s3", "us-east-1").add_auth(req)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.putrequest("PUT", f"/{bucket}/huge", skip_accept_encoding=True)
    for k, v in req.headers.items():
        conn.putheader(k, v)
    conn.endheaders()
    r = conn.getresponse()
    status, err = r.status, xml_error(r.read())
    conn.close()
    assert (status, err["Code"], err["Message"]) == (
        400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
    assert (err["ProposedSize"], err["MaxSizeAllowed"]) == (str(size), "5368709120")
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


# --- content headers and metadata --------------------------------------------------------

def test_content_headers_are_returned_unchanged(server, s3, bucket):
    sent = {
        "Content-Type": "text/x-Custom; charset=UTF-8",
        "Cache-Control": "no-cache, max-age=5",
        "Content-Disposition": 'attachment; filename="r\u00e9sum\u00e9.txt"'.encode().decode("latin-1"),
        "Content-Encoding": "gzip",
        "Content-Language": "de-DE",
        "Expires": "not a date at all",
    }
    assert send(server, "PUT", f"/{bucket}/c", body=b"abc", headers=sent)[0] == 200
    for method in ("GET", "HEAD"):
        h = send(server, method, f"/{bucket}/c")[1] if method == "GET" else raw_head(server, f"/{bucket}/c")[1]
        assert {k: h.get(k.lower()) for k in sent} == sent, method
    r = s3.get_object(Bucket=bucket, Key="c")
    assert (r["ContentType"], r["ExpiresString"], r["ContentDisposition"]) == (
        sent["Content-Type"], "not a date at all", sent["Content-Disposition"])
    s3.put_object(Bucket=bucket, Key="plain", Body=b"x")
    plain = s3.head_object(Bucket=bucket, Key="plain")
    assert plain["ContentType"] == "binary/octet-stream"
    assert not {"CacheControl", "ContentDisposition", "ContentLanguage", "Expires"} & set(plain)
    _, h, _ = send(server, "GET", f"/{bucket}/c?response-content-type=x%2Fy&response-expires=whenever")
    assert (h["content-type"], h["expires"]) == ("x/y", "whenever")


def test_user_metadata(server, s3, bucket):
    utf8 = "\u00fcn\u00ef\u00e7\u00f8d\u00e9"
    sent = [
        ("x-amz-meta-CamelCase", "Mixed Case Value"),
        ("x-amz-meta-empty", ""),
        ("x-amz-meta-raw", utf8.encode().decode("latin-1")),
        ("x-amz-meta-encoded", "=?UTF-8?B?w7xuw68=?="),
        ("x-amz-meta-twice", "1"),
        ("x-amz-meta-twice", "2"),
    ]
    assert send(server, "PUT", f"/{bucket}/m", body=b"x", headers=sent)[0] == 200
    rfc2047 = "=?UTF-8?B?" + base64.b64encode(utf8.encode()).decode() + "?="
    want = {"camelcase": "Mixed Case Value", "empty": "", "raw": rfc2047,
            "encoded": "=?UTF-8?B?w7xuw68=?=", "twice": "1,2"}
    assert s3.head_object(Bucket=bucket, Key="m")["Metadata"] == want
    assert s3.get_object(Bucket=bucket, Key="m")["Metadata"] == want
    h = raw_head(server, f"/{bucket}/m")[1]
    assert {k[len("x-amz-meta-"):]: v for k, v in h.items() if k.startswith("x-amz-meta-")} == want
    # A copy keeps the metadata as stored.
    s3.copy_object(Bucket=bucket, Key="m2", CopySource={"Bucket": bucket, "Key": "m"})
    assert s3.head_object(Bucket=bucket, Key="m2")["Metadata"] == want


# --- DeleteObject and DeleteObjects ------------------------------------------------------

def test_delete_object(s3, bucket):
    r = s3.delete_object(Bucket=bucket, Key="never-there")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    missing = unique("nobucket")
    with pytest.raises(ClientError) as e:
        s3.delete_object(Bucket=missing, Key="k")
    assert error_of(e) == (404, "NoSuchBucket", "The specified bucket does not exist")
    assert e.value.response["Error"]["BucketName"] == missing


def delete_body(objects, quiet=None):
    parts = [] if quiet is None else [f"<Quiet>{quiet}</Quiet>"]
    for o in objects:
        version = f"<VersionId>{o[1]}</VersionId>" if len(o) > 1 else ""
        parts.append(f"<Object><Key>{o[0]}</Key>{version}</Object>")
    return f"<Delete>{''.join(parts)}</Delete>".encode()


def delete_objects(server, bucket, body):
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    return send(server, "POST", f"/{bucket}?delete", body=body, headers={"Content-MD5": md5})


def result_entries(body):
    root = ET.fromstring(body)
    assert root.tag == NS + "DeleteResult"
    return [(e.tag[len(NS):], {c.tag[len(NS):]: c.text for c in e}) for e in root]


# (objects, Quiet) -> entries of the DeleteResult, in a bucket holding only "k".
DELETES = [
    ([("missing",)], None, [("Deleted", {"Key": "missing"})]),
    ([("k",), ("missing",)], None, [("Deleted", {"Key": "k"}), ("Deleted", {"Key": "missing"})]),
    ([("k",), ("missing",)], "true", []),
    ([("k",)], "false", [("Deleted", {"Key": "k"})]),
    ([("k", "null")], None, [("Deleted", {"Key": "k", "VersionId": "null"})]),
]


@pytest.mark.parametrize("objects,quiet,entries", DELETES)
def test_delete_objects(server, s3, bucket, objects, quiet, entries):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    status, _, body = delete_objects(server, bucket, delete_body(objects, quiet))
    assert status == 200
    assert result_entries(body) == entries
    left = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert left == ([] if ("k",) in objects or ("k", "null") in objects else ["k"])


@pytest.mark.parametrize("objects", [[], [(f"k{i}",) for i in range(1001)]], ids=["none", "1001"])
def test_delete_objects_refused_key_counts(server, s3, bucket, objects):
    s3.put_object(Bucket=bucket, Key="k0", Body=b"x")
    status, _, body = delete_objects(server, bucket, delete_body(objects))
    err = xml_error(body)
    assert (status, err["Code"], err["Message"]) == (400, "MalformedXML", MALFORMED)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["k0"]


def test_delete_objects_exactly_1000_keys(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k999", Body=b"x")
    status, _, body = delete_objects(server, bucket, delete_body([(f"k{i}",) for i in range(1000)], "true"))
    assert (status, result_entries(body)) == (200, [])
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_delete_objects_with_versions(server, s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"1")["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="k", Body=b"2")["VersionId"]
    status, _, body = delete_objects(server, bucket, delete_body([("k", v1), ("k",), ("gone",)]))
    assert status == 200
    (t1, e1), (t2, e2), (t3, e3) = result_entries(body)
    assert (t1, e1) == ("Deleted", {"Key": "k", "VersionId": v1})
    assert (t2, e2["Key"], e2["DeleteMarker"]) == ("Deleted", "k", "true")
    assert (t3, e3["Key"], e3["DeleteMarker"]) == ("Deleted", "gone", "true")
    versions = s3.list_object_versions(Bucket=bucket)
    assert [v["VersionId"] for v in versions["Versions"]] == [v2]
    markers = {m["Key"]: m["VersionId"] for m in versions["DeleteMarkers"]}
    assert markers == {"k": e2["DeleteMarkerVersionId"], "gone": e3["DeleteMarkerVersionId"]}


def test_delete_objects_version_ids_that_do_not_name_a_version(server, s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    v = s3.put_object(Bucket=bucket, Key="k", Body=b"x")["VersionId"]
    gone = s3.put_object(Bucket=bucket, Key="k", Body=b"y")["VersionId"]
    s3.delete_object(Bucket=bucket, Key="k", VersionId=gone)
    status, _, body = delete_objects(server, bucket, delete_body([("k", "abc"), ("k", gone)]))
    assert status == 200
    assert result_entries(body) == [
        # A well-formed id of no version is deleted all the same.
        ("Deleted", {"Key": "k", "VersionId": gone}),
        ("Error", {"Key": "k", "VersionId": "abc", "Code": "NoSuchVersion",
                   "Message": "The specified version does not exist."}),
    ]
    assert [x["VersionId"] for x in s3.list_object_versions(Bucket=bucket)["Versions"]] == [v]


def test_delete_objects_refused_to_another_account(server, s3, other, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    r = other.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "k"}]})
    assert r["Errors"] == [{"Key": "k", "Code": "AccessDenied", "Message": "Access Denied"}]
    assert "Deleted" not in r
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["k"]


# --- CopyObject --------------------------------------------------------------------------

def copy_raw(server, bucket, key, source, **headers):
    return send(server, "PUT", f"/{bucket}/{quote(key)}", headers={"x-amz-copy-source": source, **headers})


def test_copy_onto_itself(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"hello", ContentType="text/plain", Metadata={"a": "1"})
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "k"})
    assert error_of(e) == (400, "InvalidRequest", SELF_COPY)
    assert s3.head_object(Bucket=bucket, Key="k")["Metadata"] == {"a": "1"}
    r = s3.copy_object(Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "k"},
                       MetadataDirective="REPLACE", Metadata={"b": "2"}, ContentType="text/csv")
    assert r["CopyObjectResult"]["ETag"] == '"%s"' % hashlib.md5(b"hello").hexdigest()
    head = s3.head_object(Bucket=bucket, Key="k")
    assert (head["Metadata"], head["ContentType"]) == ({"b": "2"}, "text/csv")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"hello"


@pytest.mark.parametrize("header,value,message", [
    ("x-amz-metadata-directive", "replace", "Unknown metadata directive."),
    ("x-amz-metadata-directive", "MOVE", "Unknown metadata directive."),
    ("x-amz-tagging-directive", "BAD", "Unknown tagging directive."),
    ("x-amz-tagging-directive", "copy", "Unknown tagging directive."),
])
def test_copy_refuses_unknown_directives(server, s3, bucket, header, value, message):
    s3.put_object(Bucket=bucket, Key="src", Body=b"x")
    status, _, body = copy_raw(server, bucket, "dst", f"/{bucket}/src", **{header: value})
    err = xml_error(body)
    assert (status, err["Code"], err["Message"]) == (400, "InvalidArgument", message)
    assert (err["ArgumentName"], err["ArgumentValue"]) == (header, value)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["src"]


def test_copy_from_missing_sources(server, s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "nope"})
    assert error_of(e) == (404, "NoSuchKey", "The specified key does not exist.")
    missing = unique("nobucket")
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": missing, "Key": "k"})
    assert error_of(e) == (404, "NoSuchBucket", "The specified bucket does not exist")
    assert e.value.response["Error"]["BucketName"] == missing
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_copy_source_forms(server, s3, bucket):
    key = "dir/\u00fcn\u00ef code+plus.txt"
    s3.put_object(Bucket=bucket, Key=key, Body=b"payload")
    encoded = urllib.parse.quote(key, safe="/")
    for n, source in enumerate([f"/{bucket}/{encoded}", f"{bucket}/{encoded}",
                                f"{bucket}/{encoded}?versionId=null"]):
        status, _, body = copy_raw(server, bucket, f"dst{n}", source)
        assert status == 200, source
        assert ET.fromstring(body).find(NS + "ETag").text == '"%s"' % hashlib.md5(b"payload").hexdigest()
        assert s3.get_object(Bucket=bucket, Key=f"dst{n}")["Body"].read() == b"payload"


def test_copy_result_and_version_ids(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=bucket, Key="src", Body=b"one")["VersionId"]
    s3.put_object(Bucket=bucket, Key="src", Body=b"two")
    before = datetime.now(timezone.utc).replace(microsecond=0)
    r = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src", "VersionId": v1})
    assert r["CopySourceVersionId"] == v1
    assert r["CopyObjectResult"]["ETag"] == '"%s"' % hashlib.md5(b"one").hexdigest()
    assert r["CopyObjectResult"]["LastModified"] >= before
    head = s3.head_object(Bucket=bucket, Key="dst")
    assert (r["VersionId"], head["ETag"]) == (head["VersionId"], r["CopyObjectResult"]["ETag"])
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == b"one"
    # An older version may be copied over its own key: that restores it.
    r = s3.copy_object(Bucket=bucket, Key="src", CopySource={"Bucket": bucket, "Key": "src", "VersionId": v1})
    assert s3.get_object(Bucket=bucket, Key="src")["Body"].read() == b"one"


def test_copy_of_an_empty_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="zero", Body=b"")
    r = s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "zero"})
    assert r["CopyObjectResult"]["ETag"] == f'"{EMPTY_MD5}"'
    head = s3.head_object(Bucket=bucket, Key="copy")
    assert (head["ContentLength"], head["ETag"]) == (0, f'"{EMPTY_MD5}"')
    assert s3.get_object(Bucket=bucket, Key="copy")["Body"].read() == b""


def test_copy_content_headers_copy_versus_replace(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"x", ContentType="text/plain", CacheControl="max-age=1",
                  ContentDisposition="inline", ContentLanguage="en", Metadata={"a": "1"})
    # COPY (the default): the source's headers; the request's are ignored.
    s3.copy_object(Bucket=bucket, Key="copied", CopySource={"Bucket": bucket, "Key": "src"},
                   ContentType="ignored/type", CacheControl="ignored", Metadata={"b": "2"})
    h = s3.head_object(Bucket=bucket, Key="copied")
    assert (h["ContentType"], h["CacheControl"], h["ContentDisposition"], h["ContentLanguage"], h["Metadata"]) == (
        "text/plain", "max-age=1", "inline", "en", {"a": "1"})
    # REPLACE: only what the request gives.
    s3.copy_object(Bucket=bucket, Key="replaced", CopySource={"Bucket": bucket, "Key": "src"},
                   MetadataDirective="REPLACE", CacheControl="no-store", Metadata={"b": "2"})
    h = s3.head_object(Bucket=bucket, Key="replaced")
    assert (h["ContentType"], h["CacheControl"], h["Metadata"]) == ("binary/octet-stream", "no-store", {"b": "2"})
    assert not {"ContentDisposition", "ContentLanguage"} & set(h)


# --- buckets -----------------------------------------------------------------------------

BUCKET_NAMES = [
    ("abc", True), ("a" * 63, True), ("a.b-c9", True), ("1bucket", True), ("amzn-s3-demo", True),
    ("ab", False), ("a" * 64, False), ("Abc", False), ("a_b", False), ("a b", False),
    ("-ab", False), ("ab-", False), (".ab", False), ("ab.", False), ("a..b", False), ("a.-b", False),
    ("a-.b", False), ("192.168.1.1", False), ("xn--abc", False), ("sthree-abc", False),
    ("amzn-s3-demo-bucket", False), ("abc-s3alias", False), ("abc--ol-s3", False), ("abc.mrap", False),
    ("abc--x-s3", False), ("abc--table-s3", False),
]


@pytest.mark.parametrize("name,valid", BUCKET_NAMES)
def test_bucket_names(server, s3, name, valid):
    # A valid name is created and removed at once (no other test uses these names).
    if valid:
        s3.create_bucket(Bucket=name)
        s3.head_bucket(Bucket=name)
        s3.delete_bucket(Bucket=name)
        return
    status, _, body = send(server, "PUT", f"/{quote(name)}")
    err = xml_error(body)
    assert (status, err["Code"], err["Message"], err["BucketName"]) == (
        400, "InvalidBucketName", "The specified bucket is not valid.", name)


def test_create_bucket_again(server, s3):
    name = unique("again").lower()
    status, h, _ = send(server, "PUT", f"/{name}")
    assert (status, h["location"]) == (200, f"/{name}")
    # us-east-1 answers a repeated CreateBucket of your own bucket with success (legacy).
    assert send(server, "PUT", f"/{name}")[0] == 200
    eu = server.client("s3", region="eu-west-1")
    regional = unique("regional").lower()
    r = eu.create_bucket(Bucket=regional, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert r["Location"] == f"http://{regional}.s3.amazonaws.com/"
    with pytest.raises(ClientError) as e:
        eu.create_bucket(Bucket=regional, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert error_of(e) == (409, "BucketAlreadyOwnedByYou",
                           "Your previous request to create the named bucket succeeded and you already own it.")
    assert e.value.response["Error"]["BucketName"] == regional


def test_create_bucket_again_in_us_east_1_resets_its_acl(s3, other):
    name = unique("reacl").lower()
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter")
    grantee = other.list_buckets()["Owner"]["ID"]
    s3.put_bucket_acl(Bucket=name, GrantRead=f"id={grantee}", GrantFullControl=f"id={s3.list_buckets()['Owner']['ID']}")
    assert len(s3.get_bucket_acl(Bucket=name)["Grants"]) == 2
    assert "Contents" not in other.list_objects_v2(Bucket=name)
    s3.create_bucket(Bucket=name)
    grants = s3.get_bucket_acl(Bucket=name)["Grants"]
    assert [(g["Grantee"]["ID"], g["Permission"]) for g in grants] == [
        (s3.list_buckets()["Owner"]["ID"], "FULL_CONTROL")]
    with pytest.raises(ClientError) as e:
        other.list_objects_v2(Bucket=name)
    assert error_of(e)[:2] == (403, "AccessDenied")


@pytest.mark.parametrize("endpoint,constraint,code,message", [
    ("us-east-1", "us-east-1", "InvalidLocationConstraint", "The specified location-constraint is not valid"),
    ("us-east-1", "not-a-region", "InvalidLocationConstraint", "The specified location-constraint is not valid"),
    ("us-west-2", "eu-west-1", "IllegalLocationConstraintException",
     "The eu-west-1 location constraint is incompatible for the region specific endpoint this request was sent to."),
    ("us-west-2", None, "IllegalLocationConstraintException",
     "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to."),
])
def test_location_constraints_refused(server, endpoint, constraint, code, message):
    c = server.client("s3", region=endpoint)
    name = unique("loc").lower()
    kw = {} if constraint is None else {"CreateBucketConfiguration": {"LocationConstraint": constraint}}
    with pytest.raises(ClientError) as e:
        c.create_bucket(Bucket=name, **kw)
    assert error_of(e) == (400, code, message)
    if code == "InvalidLocationConstraint":
        assert e.value.response["Error"]["LocationConstraint"] == constraint
    assert name not in [b["Name"] for b in c.list_buckets()["Buckets"]]


@pytest.mark.parametrize("endpoint", ["us-east-1", "eu-west-1"])
def test_legacy_eu_location_constraint(server, endpoint):
    """`EU` is eu-west-1's legacy name: the bucket lives in eu-west-1 and GetBucketLocation
    says `EU`."""
    c = server.client("s3", region=endpoint)
    name = unique("legacy-eu").lower()
    r = c.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "EU"})
    assert r["Location"] == f"http://{name}.s3.amazonaws.com/"
    assert c.get_bucket_location(Bucket=name)["LocationConstraint"] == "EU"
    assert c.head_bucket(Bucket=name)["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "eu-west-1"
    assert {b["Name"]: b["BucketRegion"] for b in c.list_buckets()["Buckets"]}[name] == "eu-west-1"
    with pytest.raises(ClientError) as e:
        server.client("s3", region="us-west-2").create_bucket(
            Bucket=unique("legacy-eu").lower(), CreateBucketConfiguration={"LocationConstraint": "EU"})
    assert error_of(e) == (400, "IllegalLocationConstraintException",
                           "The EU location constraint is incompatible for the region specific endpoint this request was sent to.")


def test_bucket_location_head_and_listing(server, s3, other):
    east = unique("east").lower()
    s3.create_bucket(Bucket=east)
    west = unique("west").lower()
    server.client("s3", region="us-west-2").create_bucket(
        Bucket=west, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    # us-east-1 is an empty LocationConstraint (None to SDKs).
    status, _, body = send(server, "GET", f"/{east}?location")
    root = ET.fromstring(body)
    assert (status, root.tag, root.text) == (200, NS + "LocationConstraint", None)
    assert s3.get_bucket_location(Bucket=east)["LocationConstraint"] is None
    assert s3.get_bucket_location(Bucket=west)["LocationConstraint"] == "us-west-2"
    for name, region in [(east, "us-east-1"), (west, "us-west-2")]:
        h = s3.head_bucket(Bucket=name)["ResponseMetadata"]["HTTPHeaders"]
        assert h["x-amz-bucket-region"] == region
        # Refused, HeadBucket still tells the bucket's region.
        with pytest.raises(ClientError) as e:
            other.head_bucket(Bucket=name)
        assert error_of(e)[:2] == (403, "403")
        assert e.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == region
    with pytest.raises(ClientError) as e:
        s3.head_bucket(Bucket=unique("nobucket"))
    assert error_of(e)[:2] == (404, "404")
    assert "x-amz-bucket-region" not in e.value.response["ResponseMetadata"]["HTTPHeaders"]
    listed = s3.list_buckets()
    mine = {b["Name"]: b for b in listed["Buckets"]}
    assert (mine[east]["BucketRegion"], mine[west]["BucketRegion"]) == ("us-east-1", "us-west-2")
    assert all(isinstance(b["CreationDate"], datetime) for b in mine.values())
    assert len(listed["Owner"]["ID"]) == 64
    assert [b["Name"] for b in listed["Buckets"]] == sorted(mine)
    assert east not in [b["Name"] for b in other.list_buckets()["Buckets"]]


def test_delete_bucket_that_holds_versions_or_markers(s3):
    name = unique("versions").lower()
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    v = s3.put_object(Bucket=name, Key="k", Body=b"x")["VersionId"]
    marker = s3.delete_object(Bucket=name, Key="k")["VersionId"]
    assert "Contents" not in s3.list_objects_v2(Bucket=name)
    # A noncurrent version under a delete marker, then the delete marker alone.
    for step, then_delete in (("version and marker", v), ("marker only", marker)):
        with pytest.raises(ClientError) as e:
            s3.delete_bucket(Bucket=name)
        assert error_of(e) == (409, "BucketNotEmpty", "The bucket you tried to delete is not empty"), step
        assert e.value.response["Error"]["BucketName"] == name
        s3.delete_object(Bucket=name, Key="k", VersionId=then_delete)
    assert s3.delete_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as e:
        s3.head_bucket(Bucket=name)
    assert error_of(e)[:2] == (404, "404")


def test_delete_bucket_with_uploads_in_progress(durable_server):
    """Uploads in progress do not keep a bucket from being deleted; they go with it, parts
    and all, and a new bucket of the same name starts without them."""
    s3 = durable_server.client("s3")
    s3.create_bucket(Bucket="with-uploads")
    upload = s3.create_multipart_upload(Bucket="with-uploads", Key="k")["UploadId"]
    blobs = durable_server.data_dir / "blobs" / "data"
    before = {p.name for p in blobs.iterdir()}
    s3.upload_part(Bucket="with-uploads", Key="k", UploadId=upload, PartNumber=1, Body=b"x" * 1000)
    assert len({p.name for p in blobs.iterdir()} - before) == 1
    s3.put_object(Bucket="with-uploads", Key="obj", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket="with-uploads")
    assert error_of(e)[1] == "BucketNotEmpty"
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket="with-uploads")["Uploads"]] == [upload]
    s3.delete_object(Bucket="with-uploads", Key="obj")
    s3.delete_bucket(Bucket="with-uploads")
    assert {p.name for p in blobs.iterdir()} <= before
    s3.create_bucket(Bucket="with-uploads")
    assert "Uploads" not in s3.list_multipart_uploads(Bucket="with-uploads")
    with pytest.raises(ClientError) as e:
        s3.list_parts(Bucket="with-uploads", Key="k", UploadId=upload)
    assert error_of(e)[:2] == (404, "NoSuchUpload")
