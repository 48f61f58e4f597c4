"""S3 request validation as AWS does it, before anything is stored: user-defined metadata over
2 KB (MetadataTooLarge), object bodies of unknown length (MissingContentLength), website
redirect locations, the Content-MD5 and checksums of small request bodies, DeleteObjects'
required integrity header, and requests with many headers. boto3 where it sends the
request; raw requests signed by botocore where it will not."""

import base64
import hashlib
import http.client
import io
import urllib.parse
from datetime import datetime, timedelta, timezone

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import error_of, xml_error
from test_s3_checksums import RAW, checksum
from test_s3_post import post, presigned

TOO_LARGE = "Your metadata headers exceed the maximum allowed metadata size."
NO_LENGTH = "You must provide the Content-Length HTTP header."
BAD_REDIRECT = "The website redirect location must have a prefix of 'http://' or 'https://' or '/'."
LONG_REDIRECT = "The length of website redirect location cannot exceed 2,048 characters."
NO_INTEGRITY = "Missing required header for this request: Content-MD5"


def send(server, method, path, body=b"", headers=(), chunked=False, signed=True):
    """A request sent over http.client exactly as given: `headers` a list of pairs (a repeated
    name is sent repeatedly; values may be bytes), `chunked` sends `body` (a list of pieces)
    with HTTP chunked transfer coding and no Content-Length. Signed by botocore (SigV4, the
    payload unsigned when chunked) over the first value of each header; with `signed=False`,
    a well-formed Authorization header (cloudlet's default mode does not check signatures)."""
    headers = list(headers.items()) if isinstance(headers, dict) else list(headers)
    first = {}
    for k, v in headers:
        first.setdefault(k, v.decode("latin-1") if isinstance(v, bytes) else v)
    if signed:
        req = AWSRequest(method=method, url=server.endpoint + path,
                         data=None if chunked else body, headers=first)
        req.context["client_config"] = Config(s3={"payload_signing_enabled": not chunked})
        S3SigV4Auth(Credentials("test", "test"), "s3", "us-east-1").add_auth(req)
        auth = [(k, v) for k, v in req.headers.items() if k.lower() not in {n.lower() for n in first}]
    else:
        auth = [("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/"
                                  "aws4_request, SignedHeaders=host, Signature=0")]
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.putrequest(method, path, skip_accept_encoding=True)
    for k, v in auth + headers:
        conn.putheader(k, v)
    if chunked:
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        for piece in body:
            conn.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        conn.send(b"0\r\n\r\n")
    else:
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
    r = conn.getresponse()
    out = r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    conn.close()
    return out


def missing(s3, bucket, key):
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key=key)
    return error_of(e)[0] == 404


# --- MetadataTooLarge ----------------------------------------------------------------------

def test_metadata_up_to_2_kb_is_stored(s3, bucket):
    # Names (without x-amz-meta-) and values count: 1 + 2047 = 2048 bytes.
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Metadata={"a": "v" * 2047})
    assert s3.head_object(Bucket=bucket, Key="k")["Metadata"] == {"a": "v" * 2047}
    many = {f"m{i:02}": "v" * 29 for i in range(64)}  # 64 × (3 + 29) = 2048
    s3.put_object(Bucket=bucket, Key="many", Body=b"x", Metadata=many)
    assert s3.head_object(Bucket=bucket, Key="many")["Metadata"] == many


def test_metadata_over_2_kb_is_refused(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", Metadata={"ab": "v" * 2047})
    assert error_of(e) == (400, "MetadataTooLarge", TOO_LARGE)
    assert (e.value.response["Error"]["Size"], e.value.response["Error"]["MaxSizeAllowed"]) == ("2049", "2048")
    assert missing(s3, bucket, "k")


def test_refused_overwrite_leaves_the_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"old", Metadata={"v": "1"})
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=b"new", Metadata={"v": "2", "big": "x" * 2100})
    assert error_of(e)[1] == "MetadataTooLarge"
    got = s3.get_object(Bucket=bucket, Key="k")
    assert (got["Body"].read(), got["Metadata"]) == (b"old", {"v": "1"})


def test_metadata_size_counts_utf8_bytes(server, s3, bucket):
    # 1023 × "é" is 2046 bytes of UTF-8 (1023 characters); with the name "ab", 2048.
    status, _, body = send(server, "PUT", f"/{bucket}/fits", b"x",
                           [("x-amz-meta-ab", "é".encode() * 1023)], signed=False)
    assert status == 200, body
    status, _, body = send(server, "PUT", f"/{bucket}/over", b"x",
                           [("x-amz-meta-abc", "é".encode() * 1023)], signed=False)
    assert (status, xml_error(body)["Code"], xml_error(body)["Size"]) == (400, "MetadataTooLarge", "2049")
    assert missing(s3, bucket, "over")


def test_repeated_metadata_headers_are_joined(server, s3, bucket):
    # S3 joins the values of a name sent twice with a comma: 1 + 1023 + 1 + 1023 = 2048.
    status, _, body = send(server, "PUT", f"/{bucket}/k", b"x",
                           [("x-amz-meta-a", "x" * 1023), ("x-amz-meta-a", "y" * 1023)])
    assert status == 200, body
    assert s3.head_object(Bucket=bucket, Key="k")["Metadata"] == {"a": "x" * 1023 + "," + "y" * 1023}
    status, _, body = send(server, "PUT", f"/{bucket}/k2", b"x",
                           [("x-amz-meta-a", "x" * 1024), ("x-amz-meta-a", "y" * 1023)])
    assert (status, xml_error(body)["Code"]) == (400, "MetadataTooLarge")


def test_create_multipart_upload_refuses_large_metadata(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.create_multipart_upload(Bucket=bucket, Key="mp", Metadata={"a": "v" * 2048})
    assert error_of(e) == (400, "MetadataTooLarge", TOO_LARGE)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp", Metadata={"a": "v" * 2047})
    s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=up["UploadId"])


def test_copy_replacing_metadata_is_checked(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"source", Metadata={"s": "1"})
    s3.put_object(Bucket=bucket, Key="dst", Body=b"before", Metadata={"d": "1"})
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource=f"{bucket}/src",
                       MetadataDirective="REPLACE", Metadata={"a": "v" * 2048})
    assert error_of(e) == (400, "MetadataTooLarge", TOO_LARGE)
    got = s3.get_object(Bucket=bucket, Key="dst")
    assert (got["Body"].read(), got["Metadata"]) == (b"before", {"d": "1"})
    s3.copy_object(Bucket=bucket, Key="dst", CopySource=f"{bucket}/src",
                   MetadataDirective="REPLACE", Metadata={"a": "v" * 2047})
    assert s3.head_object(Bucket=bucket, Key="dst")["Metadata"] == {"a": "v" * 2047}


def test_post_form_refuses_large_metadata(server, s3, bucket):
    form = presigned(server, bucket, fields={"x-amz-meta-a": "v" * 2048})
    status, _, body = post(server, form["url"], form["fields"])
    assert (status, xml_error(body)["Code"], xml_error(body)["Message"]) == (400, "MetadataTooLarge", TOO_LARGE)
    assert missing(s3, bucket, "uploads/hello.txt")
    form = presigned(server, bucket, fields={"x-amz-meta-a": "v" * 2047})
    status, _, body = post(server, form["url"], form["fields"])
    assert status == 204, body
    assert s3.head_object(Bucket=bucket, Key="uploads/hello.txt")["Metadata"] == {"a": "v" * 2047}


# --- MissingContentLength ------------------------------------------------------------------

def test_put_object_without_content_length(server, s3, bucket):
    status, _, body = send(server, "PUT", f"/{bucket}/k", [b"hello ", b"world"], chunked=True)
    assert (status, xml_error(body)["Code"], xml_error(body)["Message"]) == (411, "MissingContentLength", NO_LENGTH)
    assert missing(s3, bucket, "k")


def test_upload_part_without_content_length(server, s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    path = f"/{bucket}/mp?partNumber=1&uploadId={up}"
    status, _, body = send(server, "PUT", path, [b"part"], chunked=True)
    assert (status, xml_error(body)["Code"]) == (411, "MissingContentLength")
    assert s3.list_parts(Bucket=bucket, Key="mp", UploadId=up).get("Parts", []) == []
    assert send(server, "PUT", path, b"part")[0] == 200
    assert [p["Size"] for p in s3.list_parts(Bucket=bucket, Key="mp", UploadId=up)["Parts"]] == [4]


def aws_chunked(data):
    return f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n\r\n"


def test_aws_chunked_body_declares_its_decoded_length(server, s3, bucket):
    headers = {"Content-Encoding": "aws-chunked", "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER"}
    payload = aws_chunked(b"streamed")
    # With x-amz-decoded-content-length, an aws-chunked body may come without Content-Length
    # (botocore sends its checksum trailers so over HTTPS).
    status, _, body = send(server, "PUT", f"/{bucket}/k", [payload],
                           dict(headers, **{"x-amz-decoded-content-length": "8"}), chunked=True, signed=False)
    assert status == 200, body
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"streamed"
    # Without it (or with one that is no number), the length is unknown either way.
    for extra in ({}, {"x-amz-decoded-content-length": "eight"}):
        for chunked in (True, False):
            status, _, body = send(server, "PUT", f"/{bucket}/k2", [payload] if chunked else payload,
                                   dict(headers, **extra), chunked=chunked, signed=False)
            assert (status, xml_error(body)["Code"]) == (411, "MissingContentLength"), (extra, chunked)
    assert missing(s3, bucket, "k2")


def test_sdk_uploads_declare_their_length(server, s3, bucket):
    # boto3's PutObject (with its default checksum), an empty body, and a multipart upload.
    s3.put_object(Bucket=bucket, Key="one", Body=b"one")
    s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    assert s3.head_object(Bucket=bucket, Key="empty")["ContentLength"] == 0
    data = bytes(range(256)) * (6 * 4096)  # 6 MiB: two parts of 5 MiB and 1 MiB
    mib5 = 5 * 1024 * 1024
    s3.upload_fileobj(io.BytesIO(data), bucket, "big",
                      Config=TransferConfig(multipart_threshold=mib5, multipart_chunksize=mib5))
    got = s3.get_object(Bucket=bucket, Key="big")
    assert got["ETag"].endswith('-2"') and got["Body"].read() == data
    # A presigned PUT, as a browser or curl sends it.
    url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "signed"})
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("PUT", f"{parts.path}?{parts.query}", body=b"presigned")
    assert conn.getresponse().status == 200
    conn.close()
    assert s3.get_object(Bucket=bucket, Key="signed")["Body"].read() == b"presigned"


# --- x-amz-website-redirect-location -------------------------------------------------------

@pytest.mark.parametrize("location", ["/page.html", "http://example.com/", "https://example.com/a?b=c",
                                      "/" + "a" * 2047])
def test_redirect_locations_accepted(s3, bucket, location):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", WebsiteRedirectLocation=location)
    assert s3.head_object(Bucket=bucket, Key="k")["WebsiteRedirectLocation"] == location


@pytest.mark.parametrize("location, message", [
    ("page.html", BAD_REDIRECT), ("ftp://example.com/", BAD_REDIRECT), ("", BAD_REDIRECT),
    ("/" + "a" * 2048, LONG_REDIRECT), ("https://example.com/" + "a" * 2030, LONG_REDIRECT),
])
def test_redirect_locations_refused(s3, bucket, location, message):
    s3.put_object(Bucket=bucket, Key="k", Body=b"old")
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=b"new", WebsiteRedirectLocation=location)
    assert error_of(e) == (400, "InvalidRedirectLocation", message)
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == b"old" and "WebsiteRedirectLocation" not in got
    with pytest.raises(ClientError) as e:
        s3.create_multipart_upload(Bucket=bucket, Key="mp", WebsiteRedirectLocation=location)
    assert error_of(e) == (400, "InvalidRedirectLocation", message)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    for directive in ("COPY", "REPLACE"):
        with pytest.raises(ClientError) as e:
            s3.copy_object(Bucket=bucket, Key="copy", CopySource=f"{bucket}/k",
                           MetadataDirective=directive, WebsiteRedirectLocation=location)
        assert error_of(e) == (400, "InvalidRedirectLocation", message)
    assert missing(s3, bucket, "copy")


def test_copy_does_not_copy_the_redirect_location(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"x", WebsiteRedirectLocation="/elsewhere.html",
                  Metadata={"m": "1"})
    s3.copy_object(Bucket=bucket, Key="plain", CopySource=f"{bucket}/src")
    head = s3.head_object(Bucket=bucket, Key="plain")
    assert "WebsiteRedirectLocation" not in head and head["Metadata"] == {"m": "1"}
    s3.copy_object(Bucket=bucket, Key="given", CopySource=f"{bucket}/src", WebsiteRedirectLocation="/new.html")
    head = s3.head_object(Bucket=bucket, Key="given")
    assert (head["WebsiteRedirectLocation"], head["Metadata"]) == ("/new.html", {"m": "1"})
    # Copying an object onto itself with only a new redirect location is a change.
    s3.copy_object(Bucket=bucket, Key="src", CopySource=f"{bucket}/src", WebsiteRedirectLocation="/third.html")
    assert s3.head_object(Bucket=bucket, Key="src")["WebsiteRedirectLocation"] == "/third.html"


def test_post_form_redirect_location(server, s3, bucket):
    form = presigned(server, bucket, fields={"x-amz-website-redirect-location": "elsewhere.html"})
    status, _, body = post(server, form["url"], form["fields"])
    assert (status, xml_error(body)["Code"], xml_error(body)["Message"]) == (
        400, "InvalidRedirectLocation", BAD_REDIRECT)
    assert missing(s3, bucket, "uploads/hello.txt")


# --- checksums of small request bodies -----------------------------------------------------

TAGS = (b'<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>'
        b"<Tag><Key>team</Key><Value>blue</Value></Tag></TagSet></Tagging>")


def md5_of(data):
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def no_tags(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_bucket_tagging(Bucket=bucket)
    return error_of(e)[1] == "NoSuchTagSet"


@pytest.mark.parametrize("value, code, message", [
    ("not base64!", "InvalidDigest", "The Content-MD5 you specified was invalid."),
    (base64.b64encode(b"fifteen bytes!!").decode(), "InvalidDigest", "The Content-MD5 you specified was invalid."),
    (md5_of(b"another body"), "BadDigest", "The Content-MD5 you specified did not match what we received."),
])
def test_small_body_content_md5(server, s3, bucket, value, code, message):
    status, _, body = send(server, "PUT", f"/{bucket}?tagging", TAGS, {"Content-MD5": value})
    assert (status, xml_error(body)["Code"], xml_error(body)["Message"]) == (400, code, message)
    assert no_tags(s3, bucket)
    status, _, body = send(server, "PUT", f"/{bucket}?tagging", TAGS, {"Content-MD5": md5_of(TAGS)})
    assert status == 204, body
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "team", "Value": "blue"}]


@pytest.mark.parametrize("algorithm", sorted(RAW))
def test_small_body_checksum_headers(server, s3, bucket, algorithm):
    header = f"x-amz-checksum-{algorithm.lower()}"
    status, _, body = send(server, "PUT", f"/{bucket}?tagging", TAGS, {header: checksum(algorithm, b"other")})
    assert (status, xml_error(body)["Code"], xml_error(body)["Message"]) == (
        400, "BadDigest", f"The {algorithm} you specified did not match the calculated checksum.")
    assert no_tags(s3, bucket)
    status, _, body = send(server, "PUT", f"/{bucket}?tagging", TAGS, {header: "short"})
    assert (status, xml_error(body)["Message"]) == (400, f"Value for {header} header is invalid.")
    status, _, body = send(server, "PUT", f"/{bucket}?tagging", TAGS,
                           {header: checksum(algorithm, TAGS), "x-amz-sdk-checksum-algorithm": algorithm})
    assert status == 204, body
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "team", "Value": "blue"}]


def test_small_body_checksum_trailer(server, s3, bucket):
    def trailed(value):
        return (f"{len(TAGS):x}\r\n".encode() + TAGS + b"\r\n0\r\n"
                + f"x-amz-checksum-crc32:{value}\r\n\r\n".encode())
    headers = {"Content-Encoding": "aws-chunked", "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
               "x-amz-trailer": "x-amz-checksum-crc32", "x-amz-decoded-content-length": str(len(TAGS))}
    status, _, body = send(server, "PUT", f"/{bucket}?tagging", trailed(checksum("CRC32", b"x")), headers,
                           signed=False)
    assert (status, xml_error(body)["Code"]) == (400, "BadDigest")
    assert no_tags(s3, bucket)
    status, _, body = send(server, "PUT", f"/{bucket}?tagging", trailed(checksum("CRC32", TAGS)), headers,
                           signed=False)
    assert status == 204, body
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "team", "Value": "blue"}]


def test_refused_configuration_keeps_the_old_one(server, s3, bucket):
    rules = {"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["https://a.example"]}]}
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=rules)  # boto3 sends its checksum
    doc = (b"<CORSConfiguration><CORSRule><AllowedMethod>PUT</AllowedMethod>"
           b"<AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>")
    status, _, body = send(server, "PUT", f"/{bucket}?cors", doc, {"x-amz-checksum-crc32": checksum("CRC32", b"")})
    assert (status, xml_error(body)["Code"]) == (400, "BadDigest")
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"][0]["AllowedMethods"] == ["GET"]


# --- DeleteObjects needs Content-MD5 or a checksum ---------------------------------------

def delete_doc(*keys):
    objects = "".join(f"<Object><Key>{k}</Key></Object>" for k in keys)
    return f'<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{objects}</Delete>'.encode()


def keys_of(s3, bucket):
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_delete_objects_without_integrity_header(server, s3, bucket):
    for k in ("a", "b"):
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    doc = delete_doc("a", "b")
    status, _, body = send(server, "POST", f"/{bucket}?delete", doc)
    assert (status, xml_error(body)["Code"]) == (400, "InvalidRequest")
    assert xml_error(body)["Message"].startswith(NO_INTEGRITY)
    status, _, body = send(server, "POST", f"/{bucket}?delete", doc, {"Content-MD5": md5_of(b"other")})
    assert (status, xml_error(body)["Code"]) == (400, "BadDigest")
    assert keys_of(s3, bucket) == ["a", "b"]
    status, _, body = send(server, "POST", f"/{bucket}?delete", delete_doc("a"), {"Content-MD5": md5_of(delete_doc("a"))})
    assert status == 200 and b"<Deleted><Key>a</Key></Deleted>" in body, body
    status, _, body = send(server, "POST", f"/{bucket}?delete", delete_doc("b"),
                           {"x-amz-checksum-crc32c": checksum("CRC32C", delete_doc("b"))})
    assert status == 200 and b"<Deleted><Key>b</Key></Deleted>" in body, body
    assert keys_of(s3, bucket) == []
    # A checksum may come as the trailer of an aws-chunked body, as for PutObject.
    s3.put_object(Bucket=bucket, Key="c", Body=b"x")
    doc = delete_doc("c")
    framed = (f"{len(doc):x}\r\n".encode() + doc + b"\r\n0\r\n"
              + f"x-amz-checksum-sha256:{checksum('SHA256', doc)}\r\n\r\n".encode())
    status, _, body = send(server, "POST", f"/{bucket}?delete", framed, {
        "Content-Encoding": "aws-chunked", "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "x-amz-trailer": "x-amz-checksum-sha256", "x-amz-sdk-checksum-algorithm": "SHA256",
        "x-amz-decoded-content-length": str(len(doc))}, signed=False)
    assert status == 200 and b"<Deleted><Key>c</Key></Deleted>" in body, body
    assert keys_of(s3, bucket) == []


NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'
TAGGING_DOC = f"<Tagging {NS}><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>".encode()
CONFIGS_NEEDING_INTEGRITY = {
    "cors": f"<CORSConfiguration {NS}><CORSRule><AllowedMethod>GET</AllowedMethod>"
            "<AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>",
    "lifecycle": f"<LifecycleConfiguration {NS}><Rule><ID>r</ID><Filter><Prefix>tmp/</Prefix></Filter>"
                 "<Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>",
    "tagging": TAGGING_DOC.decode(),
}


@pytest.mark.parametrize("sub", sorted(CONFIGS_NEEDING_INTEGRITY))
def test_bucket_configurations_that_need_an_integrity_header(server, s3, bucket, sub):
    doc = CONFIGS_NEEDING_INTEGRITY[sub].encode()
    status, _, body = send(server, "PUT", f"/{bucket}?{sub}", doc)
    assert (status, xml_error(body)["Code"]) == (400, "InvalidRequest"), body
    assert xml_error(body)["Message"].startswith(NO_INTEGRITY)
    # Nothing was stored.
    status, _, body = send(server, "GET", f"/{bucket}?{sub}")
    assert status == 404, body
    for integrity in ({"Content-MD5": md5_of(doc)}, {"x-amz-checksum-crc32": checksum("CRC32", doc)}):
        status, _, body = send(server, "PUT", f"/{bucket}?{sub}", doc, integrity)
        assert status in (200, 204), body


def test_object_tagging_needs_no_integrity_header(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    status, _, body = send(server, "PUT", f"/{bucket}/k?tagging", TAGGING_DOC)
    assert status == 200, body
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == [{"Key": "a", "Value": "b"}]


def test_sdk_delete_objects(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "k"}]})
    assert [d["Key"] for d in r["Deleted"]] == ["k"]
    assert keys_of(s3, bucket) == []


# --- many headers --------------------------------------------------------------------------

def test_many_metadata_headers(server, s3, bucket, monkeypatch):
    meta = {f"m{i:03}": "v" for i in range(150)}
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Metadata=meta)
    # Python's own HTTP client reads at most 100 response headers unless told otherwise.
    monkeypatch.setattr(http.client, "_MAXHEADERS", 1000)
    assert s3.head_object(Bucket=bucket, Key="k")["Metadata"] == meta


def test_refused_headers_leave_no_blob_behind(durable_server):
    """Tags and Object Lock headers are checked before a body is stored or copied: a
    refused PutObject or CopyObject leaves no blob file behind."""
    s3 = durable_server.client("s3")
    s3.create_bucket(Bucket="no-orphans")
    s3.put_object(Bucket="no-orphans", Key="src", Body=b"source")
    blobs = durable_server.data_dir / "blobs" / "data"
    before = sorted(p.name for p in blobs.iterdir())
    refused = [
        lambda: s3.put_object(Bucket="no-orphans", Key="k", Body=b"x" * 1000, Tagging="a=1&a=2"),
        lambda: s3.put_object(Bucket="no-orphans", Key="k", Body=b"x" * 1000,
                              ObjectLockMode="GOVERNANCE",
                              ObjectLockRetainUntilDate="2000-01-01T00:00:00Z"),
        lambda: s3.copy_object(Bucket="no-orphans", Key="k", CopySource="no-orphans/src",
                               TaggingDirective="REPLACE", Tagging="aws:x=1"),
    ]
    # Valid lock parameters, but the bucket has no Object Lock.
    future = datetime.now(timezone.utc) + timedelta(days=1)
    unlocked = [
        lambda: s3.put_object(Bucket="no-orphans", Key="k", Body=b"x" * 1000,
                              ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=future),
        lambda: s3.put_object(Bucket="no-orphans", Key="k", Body=b"x" * 1000, ObjectLockLegalHoldStatus="ON"),
        lambda: s3.copy_object(Bucket="no-orphans", Key="k", CopySource="no-orphans/src",
                               ObjectLockLegalHoldStatus="ON"),
    ]
    for request in refused + unlocked:
        with pytest.raises(ClientError) as e:
            request()
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        if request in unlocked:
            assert error_of(e) == (400, "InvalidRequest", "Bucket is missing Object Lock Configuration")
    assert sorted(p.name for p in blobs.iterdir()) == before
    with pytest.raises(ClientError):
        s3.head_object(Bucket="no-orphans", Key="k")


def test_unknown_query_parameters_are_ignored(server, s3, bucket):
    # S3 reads only its own sub-resources from the query; cache-busting parameters and the
    # like leave the operation what it is.
    s3.put_object(Bucket=bucket, Key="app.js", Body=b"v1")
    status, headers, body = send(server, "GET", f"/{bucket}/app.js?v=2")
    assert (status, body) == (200, b"v1")
    status, headers, _ = send(server, "HEAD", f"/{bucket}/app.js?cache=1&t")
    assert (status, headers["content-length"]) == (200, "2")
    status, _, _ = send(server, "PUT", f"/{bucket}/app.js?build=7", body=b"v2")
    assert status == 200
    assert s3.get_object(Bucket=bucket, Key="app.js")["Body"].read() == b"v2"
    status, _, body = send(server, "GET", f"/{bucket}?list-type=2&foo=bar")
    assert status == 200 and b"<Key>app.js</Key>" in body and b"<KeyCount>1</KeyCount>" in body
    status, _, body = send(server, "GET", f"/{bucket}/app.js?tagging&t=1")
    assert status == 200 and b"<Tagging" in body
    # Two sub-resources at once are still refused.
    status, _, body = send(server, "GET", f"/{bucket}?acl&policy")
    assert (status, xml_error(body)["Code"]) == (501, "NotImplemented")


def test_reads_may_not_name_a_server_side_encryption(server, s3, bucket):
    # An object's encryption is chosen when it is written; a GET or HEAD naming one is
    # refused (SSE-C's customer-key headers are another matter).
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ServerSideEncryption="AES256")
    status, _, body = send(server, "GET", f"/{bucket}/k", headers={"x-amz-server-side-encryption": "AES256"})
    e = xml_error(body)
    assert (status, e["Code"], e["Message"], e["ArgumentName"], e["ArgumentValue"]) == (
        400, "InvalidArgument", "x-amz-server-side-encryption header is not supported for this operation.",
        "x-amz-server-side-encryption", "AES256")
    status, _, body = send(server, "HEAD", f"/{bucket}/k", headers={"x-amz-server-side-encryption": "aws:kms"})
    assert (status, body) == (400, b"")
    assert send(server, "GET", f"/{bucket}/k")[::2] == (200, b"x")
