"""S3's rules for the integrity of uploads, as its answers record them: the SDK's algorithm
against the checksum sent, aws-chunked framing (broken frames, chunks under 8 KiB before the
last, the decoded length), checksum trailers against `x-amz-trailer`, and the parts of a
COMPOSITE multipart upload, which must carry their checksums. A refused request stores
nothing."""

import base64
import hashlib
import socket
import zlib

import pytest
from botocore.exceptions import ClientError

from conftest import error_of, unique, xml_error

AUTH = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, "
                         "SignedHeaders=host, Signature=0"}
UNSIGNED_TRAILER = {"Content-Encoding": "aws-chunked", "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER"}
DATA = b"hello world"


def crc32(data):
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def sha256(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def framed(chunks, trailers=b""):
    """An aws-chunked body of `chunks`, the final empty chunk, `trailers` and the blank line."""
    body = b"".join(f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in chunks)
    return body + b"0\r\n" + trailers + b"\r\n"


def put(server, bucket, key, body, headers):
    return server.http("PUT", f"/{bucket}/{key}", body=body, headers={**AUTH, **headers})


def stored(s3, bucket, key):
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return True
    except ClientError as e:
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 404
        return False


def refused(reply):
    """(status, code, message) of an XML error reply, and its other elements."""
    status, _, body = reply
    err = xml_error(body)
    extra = {k: v for k, v in err.items() if k not in ("Code", "Message", "RequestId", "HostId")}
    return (status, err["Code"], err["Message"]), extra


def test_the_sdk_algorithm_must_be_the_checksums(server, s3, bucket):
    reply = put(server, bucket, "k", DATA, {"x-amz-sdk-checksum-algorithm": "CRC32C",
                                            "x-amz-checksum-crc32": crc32(DATA)})
    assert refused(reply)[0] == (400, "InvalidRequest", "Value for x-amz-sdk-checksum-algorithm header is invalid.")
    # So for a trailer.
    name = "x-amz-checksum-crc32"
    reply = put(server, bucket, "k", framed([DATA], f"{name}:{crc32(DATA)}\r\n".encode()), {
        **UNSIGNED_TRAILER, "x-amz-decoded-content-length": str(len(DATA)), "x-amz-trailer": name,
        "x-amz-sdk-checksum-algorithm": "SHA256"})
    assert refused(reply)[0] == (400, "InvalidRequest", "Value for x-amz-sdk-checksum-algorithm header is invalid.")
    assert not stored(s3, bucket, "k")
    # The same name in another case is the same algorithm.
    status, h, _ = put(server, bucket, "k", DATA, {"x-amz-sdk-checksum-algorithm": "crc32",
                                                   "x-amz-checksum-crc32": crc32(DATA)})
    assert status == 200 and h["x-amz-checksum-crc32"] == crc32(DATA)


def test_the_sdk_algorithm_must_be_the_parts_checksum(server, s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="m")["UploadId"]
    reply = server.http("PUT", f"/{bucket}/m?partNumber=1&uploadId={up}", body=DATA, headers={
        **AUTH, "x-amz-sdk-checksum-algorithm": "SHA1", "x-amz-checksum-crc32": crc32(DATA)})
    assert refused(reply)[0] == (400, "InvalidRequest", "Value for x-amz-sdk-checksum-algorithm header is invalid.")
    assert s3.list_parts(Bucket=bucket, Key="m", UploadId=up).get("Parts", []) == []


@pytest.mark.parametrize("body", [
    b"zz\r\nhello world\r\n0\r\n\r\n",          # a size that is no hex number
    b"3\r\nhello world\r\n0\r\n\r\n",           # more data than the size says
    b"b\r\nhello",                              # ends inside a chunk
    b"b\r\nhello world\r\n0\r\n\r\nmore",       # bytes after the end
], ids=["size", "overrun", "truncated", "after-end"])
def test_broken_chunk_framing_is_an_incomplete_body(server, s3, bucket, body):
    reply = put(server, bucket, "k", body, {**UNSIGNED_TRAILER, "x-amz-decoded-content-length": "11"})
    assert refused(reply)[0] == (400, "IncompleteBody", "The request body terminated unexpectedly")
    assert not stored(s3, bucket, "k")


@pytest.mark.parametrize("declared", [5, 20])
def test_a_decoded_length_that_is_not_the_bodys_names_both(server, s3, bucket, declared):
    reply = put(server, bucket, "k", framed([DATA]), {**UNSIGNED_TRAILER,
                                                      "x-amz-decoded-content-length": str(declared)})
    assert refused(reply) == (
        (400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header"),
        {"NumberBytesExpected": str(declared), "NumberBytesProvided": str(len(DATA))})
    assert not stored(s3, bucket, "k")


@pytest.mark.parametrize("content_sha256", ["STREAMING-UNSIGNED-PAYLOAD-TRAILER", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"])
def test_only_the_last_chunk_may_be_under_8_kib(server, s3, bucket, content_sha256):
    headers = {"Content-Encoding": "aws-chunked", "x-amz-content-sha256": content_sha256}

    def body(sizes):
        if content_sha256.endswith("TRAILER"):
            return framed([b"x" * n for n in sizes])
        return b"".join(f"{n:x};chunk-signature={'0' * 64}\r\n".encode() + b"x" * n + b"\r\n"
                        for n in [*sizes, 0]) + b"\r\n"

    for sizes, chunk, bad in (([3, 2], 2, 3), ([8192, 8191, 8192], 3, 8191)):
        reply = put(server, bucket, "k", body(sizes), {**headers, "x-amz-decoded-content-length": str(sum(sizes))})
        assert refused(reply) == (
            (400, "InvalidChunkSizeError", "Only the last chunk is allowed to have a size less than 8192 bytes"),
            {"Chunk": str(chunk), "BadChunkSize": str(bad)}), sizes
        assert not stored(s3, bucket, "k")
    sizes = [8192, 10_000, 5]
    status, _, _ = put(server, bucket, "k", body(sizes), {**headers, "x-amz-decoded-content-length": str(sum(sizes))})
    assert status == 200
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x" * sum(sizes)


MALFORMED_TRAILER = (400, "MalformedTrailerError",
                     "The request contained trailing data that was not well-formed or did not conform to our "
                     "published schema.")


@pytest.mark.parametrize("announced,trailer", [
    ("x-amz-checksum-crc32", b""),                                                # announced, never sent
    ("x-amz-checksum-crc32", f"x-amz-checksum-sha256:{sha256(DATA)}\r\n".encode()),  # another one sent
    (None, f"x-amz-checksum-crc32:{crc32(DATA)}\r\n".encode()),                  # sent, never announced
], ids=["missing", "other", "unannounced"])
def test_trailers_must_be_the_announced_ones(server, s3, bucket, announced, trailer):
    headers = {**UNSIGNED_TRAILER, "x-amz-decoded-content-length": str(len(DATA))}
    if announced:
        headers["x-amz-trailer"] = announced
    reply = put(server, bucket, "k", framed([DATA], trailer), headers)
    assert refused(reply)[0] == MALFORMED_TRAILER
    assert not stored(s3, bucket, "k")


def test_signed_trailers_must_include_a_checksum(server, s3, bucket):
    """A STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER body ends with a checksum trailer and the
    trailer signature; one with only the signature is cut short."""
    def body(trailer):
        sig = "0" * 64
        return (f"{len(DATA):x};chunk-signature={sig}\r\n".encode() + DATA + b"\r\n"
                + f"0;chunk-signature={sig}\r\n".encode() + trailer
                + f"x-amz-trailer-signature:{sig}\r\n\r\n".encode())
    headers = {"Content-Encoding": "aws-chunked", "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
               "x-amz-decoded-content-length": str(len(DATA))}
    reply = put(server, bucket, "k", body(b""), headers)
    assert refused(reply)[0] == (400, "IncompleteBody", "The request body terminated unexpectedly")
    assert not stored(s3, bucket, "k")
    status, h, _ = put(server, bucket, "k", body(f"x-amz-checksum-crc32:{crc32(DATA)}\r\n".encode()),
                       {**headers, "x-amz-trailer": "x-amz-checksum-crc32"})
    assert status == 200 and h["x-amz-checksum-crc32"] == crc32(DATA)


def test_a_checksum_header_needs_no_trailer_though_one_is_announced(server, s3, bucket):
    """As an SDK sends it: the value in its header, `x-amz-trailer` still naming it, signed
    chunks and no trailer."""
    sig = "0" * 64
    body = (f"{len(DATA):x};chunk-signature={sig}\r\n".encode() + DATA + b"\r\n"
            + f"0;chunk-signature={sig}\r\n\r\n".encode())
    status, h, _ = put(server, bucket, "k", body, {
        "Content-Encoding": "aws-chunked", "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "x-amz-decoded-content-length": str(len(DATA)), "x-amz-trailer": "x-amz-checksum-crc32",
        "x-amz-checksum-crc32": crc32(DATA), "x-amz-sdk-checksum-algorithm": "CRC32"})
    assert status == 200 and h["x-amz-checksum-crc32"] == crc32(DATA)


def test_no_trailer_announced_and_none_sent_gets_the_default(server, s3, bucket):
    status, h, _ = put(server, bucket, "k", framed([DATA]), {
        **UNSIGNED_TRAILER, "x-amz-decoded-content-length": str(len(DATA))})
    assert status == 200 and h["x-amz-checksum-type"] == "FULL_OBJECT" and "x-amz-checksum-crc64nvme" in h


def test_a_body_longer_than_its_decoded_length_is_refused_before_it_ends(server, s3, bucket):
    """The first chunk already passes the declared length: the answer comes then, while the
    rest of the body (announced by Content-Length) is still unsent, and nothing is stored."""
    chunk = b"x" * 65536
    first = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    head = [f"PUT /{bucket}/long HTTP/1.1", f"Host: 127.0.0.1:{server.port}",
            f"Content-Length: {len(first) * 100}", "x-amz-decoded-content-length: 10",
            *(f"{k}: {v}" for k, v in {**AUTH, **UNSIGNED_TRAILER}.items())]
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + first)
        data = b""
        while b"</Error>" not in data and (got := sock.recv(65536)):
            data += got
    status_line, _, rest = data.partition(b"\r\n")
    body = rest[rest.index(b"<?xml"):rest.index(b"</Error>") + len(b"</Error>")]
    err = xml_error(body)
    assert int(status_line.split()[1]) == 400
    assert (err["Code"], err["Message"], err["NumberBytesExpected"]) == (
        "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header", "10")
    assert 10 < int(err["NumberBytesProvided"]) <= len(chunk)
    assert not stored(s3, bucket, "long")


def test_a_request_documents_decoded_length_must_be_its_own(server, s3, bucket):
    doc = b'<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>'
    reply = server.http("PUT", f"/{bucket}?tagging", body=framed([doc]), headers={
        **AUTH, **UNSIGNED_TRAILER, "x-amz-decoded-content-length": str(len(doc) + 1),
        "Content-MD5": base64.b64encode(hashlib.md5(doc).digest()).decode()})
    assert refused(reply) == (
        (400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header"),
        {"NumberBytesExpected": str(len(doc) + 1), "NumberBytesProvided": str(len(doc))})
    with pytest.raises(ClientError) as e:
        s3.get_bucket_tagging(Bucket=bucket)
    assert error_of(e)[1] == "NoSuchTagSet"


def test_a_request_documents_trailer_must_be_announced(server, s3, bucket):
    doc = b'<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>'
    reply = server.http("PUT", f"/{bucket}?tagging", body=framed([doc], f"x-amz-checksum-crc32:{crc32(doc)}\r\n".encode()),
                        headers={**AUTH, **UNSIGNED_TRAILER, "x-amz-decoded-content-length": str(len(doc)),
                                 "Content-MD5": base64.b64encode(hashlib.md5(doc).digest()).decode()})
    assert refused(reply)[0] == MALFORMED_TRAILER
    with pytest.raises(ClientError) as e:
        s3.get_bucket_tagging(Bucket=bucket)
    assert error_of(e)[1] == "NoSuchTagSet"


MIB = 1024 * 1024


def test_parts_of_a_composite_upload_need_their_checksum(server, bucket):
    # A client that sends checksums only where an operation requires them.
    bare = server.client("s3", config={"request_checksum_calculation": "when_required",
                                       "response_checksum_validation": "when_required"})
    up = bare.create_multipart_upload(Bucket=bucket, Key="c", ChecksumAlgorithm="SHA256")["UploadId"]
    with pytest.raises(ClientError) as e:
        bare.upload_part(Bucket=bucket, Key="c", UploadId=up, PartNumber=1, Body=b"part")
    assert error_of(e) == (400, "InvalidRequest",
                           "Checksum Type mismatch occurred, expected checksum Type: sha256, actual checksum Type: null")
    assert bare.list_parts(Bucket=bucket, Key="c", UploadId=up).get("Parts", []) == []
    out = bare.upload_part(Bucket=bucket, Key="c", UploadId=up, PartNumber=1, Body=b"part", ChecksumSHA256=sha256(b"part"))
    assert out["ChecksumSHA256"] == sha256(b"part")
    # A FULL_OBJECT upload's parts get their checksums computed.
    up = bare.create_multipart_upload(Bucket=bucket, Key="f", ChecksumAlgorithm="CRC32",
                                      ChecksumType="FULL_OBJECT")["UploadId"]
    parts = []
    for n, data in enumerate([b"a" * (5 * MIB), b"end"], 1):
        out = bare.upload_part(Bucket=bucket, Key="f", UploadId=up, PartNumber=n, Body=data)
        assert out["ChecksumCRC32"] == crc32(data)
        parts.append({"PartNumber": n, "ETag": out["ETag"]})
    done = bare.complete_multipart_upload(Bucket=bucket, Key="f", UploadId=up, MultipartUpload={"Parts": parts})
    assert (done["ChecksumCRC32"], done["ChecksumType"]) == (crc32(b"a" * (5 * MIB) + b"end"), "FULL_OBJECT")


def test_aws_chunked_is_not_kept_as_a_content_encoding(server, s3, bucket):
    for sent, kept in (("aws-chunked,gzip", "gzip"), ("gzip, aws-chunked", "gzip"), ("aws-chunked", None)):
        status, _, _ = put(server, bucket, "e", framed([DATA]), {
            **UNSIGNED_TRAILER, "Content-Encoding": sent, "x-amz-decoded-content-length": str(len(DATA))})
        assert status == 200
        got = s3.get_object(Bucket=bucket, Key="e")
        assert got.get("ContentEncoding") == kept and got["Body"].read() == DATA, sent


def test_a_composite_checksum_named_on_completion_must_match(server, s3, bucket):
    parts_data = [b"a" * (5 * MIB), b"tail"]
    composite = base64.b64encode(hashlib.sha256(b"".join(hashlib.sha256(d).digest() for d in parts_data)).digest()).decode()
    for given in (f"{composite}-2", composite):
        key = unique("comp")
        up = s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm="SHA256")["UploadId"]
        parts = []
        for n, data in enumerate(parts_data, 1):
            out = s3.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=n, Body=data, ChecksumSHA256=sha256(data))
            parts.append({"PartNumber": n, "ETag": out["ETag"], "ChecksumSHA256": out["ChecksumSHA256"]})
        with pytest.raises(ClientError) as e:
            s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up, MultipartUpload={"Parts": parts},
                                         ChecksumSHA256=f"{sha256(b'other')}-2")
        assert error_of(e) == (400, "BadDigest", "The sha256 you specified did not match the calculated checksum.")
        assert not stored(s3, bucket, key)
        # The upload stays, to be completed with the right one.
        done = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up, MultipartUpload={"Parts": parts},
                                            ChecksumSHA256=given)
        assert (done["ChecksumSHA256"], done["ChecksumType"]) == (f"{composite}-2", "COMPOSITE")


def sha512(data):
    return base64.b64encode(hashlib.sha512(data).digest()).decode()


def test_sha512_checksums(s3, bucket):
    # The SDK computes it, sends it, and checks it on the way back.
    out = s3.put_object(Bucket=bucket, Key="s", Body=DATA, ChecksumAlgorithm="SHA512")
    assert (out["ChecksumSHA512"], out["ChecksumType"]) == (sha512(DATA), "FULL_OBJECT")
    got = s3.get_object(Bucket=bucket, Key="s", ChecksumMode="ENABLED")
    assert got["Body"].read() == DATA and got["ChecksumSHA512"] == sha512(DATA)
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="bad", Body=DATA, ChecksumSHA512=sha512(b"other"))
    assert error_of(e) == (400, "BadDigest", "The SHA512 you specified did not match the calculated checksum.")
    assert not stored(s3, bucket, "bad")
    # A copy can be given one.
    out = s3.copy_object(Bucket=bucket, Key="c", CopySource={"Bucket": bucket, "Key": "s"}, ChecksumAlgorithm="SHA512")
    assert out["CopyObjectResult"]["ChecksumSHA512"] == sha512(DATA)
    # Multipart: composite only.
    with pytest.raises(ClientError) as e:
        s3.create_multipart_upload(Bucket=bucket, Key="m", ChecksumAlgorithm="SHA512", ChecksumType="FULL_OBJECT")
    assert error_of(e) == (400, "InvalidRequest",
                           "The FULL_OBJECT checksum type cannot be used with the sha512 checksum algorithm.")
    up = s3.create_multipart_upload(Bucket=bucket, Key="m", ChecksumAlgorithm="SHA512")
    assert (up["ChecksumAlgorithm"], up["ChecksumType"]) == ("SHA512", "COMPOSITE")
    part = s3.upload_part(Bucket=bucket, Key="m", UploadId=up["UploadId"], PartNumber=1, Body=DATA,
                          ChecksumAlgorithm="SHA512")
    assert part["ChecksumSHA512"] == sha512(DATA)
    done = s3.complete_multipart_upload(Bucket=bucket, Key="m", UploadId=up["UploadId"], MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": part["ETag"], "ChecksumSHA512": part["ChecksumSHA512"]}]})
    composite = base64.b64encode(hashlib.sha512(hashlib.sha512(DATA).digest()).digest()).decode()
    assert (done["ChecksumSHA512"], done["ChecksumType"]) == (f"{composite}-1", "COMPOSITE")
