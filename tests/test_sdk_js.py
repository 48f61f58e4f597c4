"""The AWS SDK for JavaScript v3 against cloudlet: the scripts in tests/js (client-s3,
lib-storage, s3-request-presigner, client-dynamodb with lib-dynamodb), run with Node against
the shared server, with the SDK's defaults — CRC32 checksums on every upload, `aws-chunked`
stream bodies with trailing checksums, response checksum validation — in path-style and
virtual-hosted (`{bucket}.localhost`, `{bucket}.s3.localhost`) addressing.

`scripts/install-test-deps` installs the packages (`npm ci` in tests/js). Without Node or
those packages these tests fail, saying so, rather than being skipped."""

import base64
import hashlib
import json
import os
import shutil
import subprocess
import zlib

import pytest

from conftest import ROOT, Server, unique

JS = ROOT / "tests" / "js"


@pytest.fixture(scope="module")
def node():
    exe = shutil.which("node")
    if exe is None:
        pytest.fail("node is not installed: the JavaScript SDK tests need Node.js 20 or later", pytrace=False)
    if not (JS / "node_modules" / "@aws-sdk" / "client-s3").is_dir():
        pytest.fail(f"{JS}/node_modules is missing: run scripts/install-test-deps (npm ci in tests/js)", pytrace=False)
    return exe


def node_run(node, server, script, *args, env=None, timeout=120):
    """Runs tests/js/`script` against `server`; returns the finished process."""
    env = dict(os.environ, CLOUDLET_ENDPOINT=server.endpoint, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED="true",
               **(env or {}))
    return subprocess.run([node, script, *map(str, args)], cwd=JS, env=env, capture_output=True, text=True,
                          timeout=timeout)


def run(node, server, script, *args, **kw):
    """Runs tests/js/`script` against `server`; returns the JSON it prints."""
    p = node_run(node, server, script, *args, **kw)
    if p.returncode != 0:
        raise AssertionError(f"{script} {' '.join(map(str, args))} failed ({p.returncode}):\n{p.stderr}{p.stdout}")
    return json.loads(p.stdout)


def crc32(data):
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def md5_etag(data):
    return f'"{hashlib.md5(data).hexdigest()}"'


# The bodies s3_objects.mjs writes, as bytes.
BODIES = {
    "string.txt": b"hello from the JavaScript SDK\n",
    "buffer.bin": bytes(i % 251 for i in range(70000)),
    "file-stream.bin": (b"stream-bytes;" * (300 * 1024 // 13 + 1))[: 300 * 1024],
    "readable.bin": b"0123456789abcdef" * 8192,
}


@pytest.mark.parametrize("style", ["path", "virtual", "virtual-s3"])
def test_objects_with_default_checksums(node, server, style):
    bucket = unique("js-objects")
    out = run(node, server, "s3_objects.mjs", bucket, style)
    assert out["createStatus"] == 200
    assert out["location"] == f"/{bucket}"

    for key, body in BODIES.items():
        put, got = out["put"][key], out["get"][key]
        # The SDK sent a CRC32 (a header, or an aws-chunked trailer for the streams); S3 keeps it.
        assert put == {"etag": md5_etag(body), "crc32": crc32(body), "type": "FULL_OBJECT"}, key
        assert got["matches"] and got["length"] == got["contentLength"] == len(body), key
        assert got["etag"] == md5_etag(body) and got["crc32"] == crc32(body), key
        assert got["type"] == "FULL_OBJECT" and got["crc64nvme"] is None, key
    assert out["get"]["string.txt"]["contentType"] == "text/plain"
    assert out["get"]["readable.bin"]["contentType"] == "application/octet-stream"
    # With its CRC32 header altered, the same GET fails in the SDK: it validates what it reads.
    assert out["tamperedGet"]["message"].startswith("Checksum mismatch"), out["tamperedGet"]

    assert out["head"] == {
        "contentLength": 70000,
        "etag": md5_etag(BODIES["buffer.bin"]),
        "contentType": "text/plain",
        "crc32": crc32(BODIES["buffer.bin"]),
        "lastModified": True,
    }
    assert out["copy"] == {"etag": md5_etag(BODIES["string.txt"]), "lastModified": True,
                           "body": BODIES["string.txt"].decode()}
    assert out["tags"] == {"team": "web", "stage": "dev"}
    assert out["deleted"] == ["copy.txt", "never-existed", "string.txt"]
    assert out["deleteErrors"] == []
    assert out["remaining"] == ["buffer.bin", "file-stream.bin", "readable.bin"]

    # The bucket is the one named, whatever the addressing: boto3 (path style) sees the same objects.
    s3 = server.client("s3")
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert listed == ["buffer.bin", "file-stream.bin", "readable.bin"]
    assert s3.get_object(Bucket=bucket, Key="readable.bin")["Body"].read() == BODIES["readable.bin"]


def test_list_objects_v2_pages(node, server):
    bucket = unique("js-list")
    out = run(node, server, "s3_list.mjs", bucket, 23, 5)
    pages = out["pages"]
    assert [len(p["keys"]) for p in pages] == [5, 5, 5, 5, 3]
    assert [k for p in pages for k in p["keys"]] == [f"logs/{i:04d}" for i in range(23)]
    assert [p["keyCount"] for p in pages] == [5, 5, 5, 5, 3]
    assert [p["isTruncated"] for p in pages] == [True] * 4 + [False]
    assert [p["hasToken"] for p in pages] == [True] * 4 + [False]
    assert all(size == 9 for p in pages for size in p["sizes"])
    assert out["prefixes"] == ["logs/", "other/"]


def test_lib_storage_upload_in_parallel_parts(node, server):
    bucket, size = unique("js-upload"), 12 * 1024 * 1024
    out = run(node, server, "s3_upload.mjs", bucket, "big/upload.bin", size)
    assert out["parts"] == [1, 2, 3]
    assert out["etag"].startswith('"') and out["etag"].endswith('-3"')
    assert out["key"] == "big/upload.bin"
    # The object's URL on the host asked; S3 encodes the key's `/` as %2F, which lib-storage undoes.
    assert out["location"] == f"{server.endpoint}/{bucket}/big/upload.bin"
    assert out["contentLength"] == size
    assert out["contentType"] == "application/x-test"
    # lib-storage asks for CRC32 at CreateMultipartUpload: a composite checksum of 3 parts.
    assert out["checksumType"] == "COMPOSITE" and out["crc32"].endswith("-3")
    assert out["sameBytes"] is True
    assert out["openUploads"] == 0

    parts = server.client("s3").get_object_attributes(
        Bucket=bucket, Key="big/upload.bin", ObjectAttributes=["ObjectParts"])["ObjectParts"]
    assert parts["TotalPartsCount"] == 3


def test_lib_storage_upload_virtual_hosted(node, server):
    bucket = unique("js-upload")
    out = run(node, server, "s3_upload.mjs", bucket, "dir/a b.bin", 6 * 1024 * 1024, "virtual")
    assert out["parts"] == [1, 2] and out["sameBytes"] is True
    assert out["location"] == f"http://{bucket}.localhost:{server.port}/dir/a%20b.bin"

    # What S3 itself answers (boto3 passes it on as is): the key fully encoded.
    s3 = server.client("s3")
    up = s3.create_multipart_upload(Bucket=bucket, Key="x/y z")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="x/y z", UploadId=up, PartNumber=1, Body=b"last")["ETag"]
    done = s3.complete_multipart_upload(Bucket=bucket, Key="x/y z", UploadId=up,
                                        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert done["Location"] == f"{server.endpoint}/{bucket}/x%2Fy%20z"


def test_presigned_urls_with_fetch(node, server):
    bucket = unique("js-presign")
    out = run(node, server, "s3_presign.mjs", bucket)
    body = b"uploaded through a presigned URL"
    assert out["query"] == {"algorithm": "AWS4-HMAC-SHA256", "expires": "300", "hasSignature": True}
    assert out["put"]["status"] == 200 and out["put"]["etag"] == md5_etag(body)
    assert out["get"] == {"status": 200, "body": body.decode(), "contentType": "text/plain"}
    assert out["expired"] == {"status": 403, "code": "AccessDenied"}
    # The presigner signs the CRC32 of an empty body into a PUT URL (x-amz-checksum-crc32=AAAAAA==);
    # S3 does not apply checksums in a presigned URL's query, so the upload is stored as sent,
    # with S3's default checksum rather than that CRC32.
    head = server.client("s3").head_object(Bucket=bucket, Key="presigned.txt", ChecksumMode="ENABLED")
    assert head["ContentLength"] == len(body)
    assert "ChecksumCRC32" not in head and "ChecksumCRC64NVME" in head


def test_errors_as_the_sdk_names_them(node, server):
    out = run(node, server, "s3_errors.mjs", unique("js-errors"))
    nsk = out["noSuchKey"]
    assert (nsk["name"], nsk["code"], nsk["status"], nsk["instance"]) == ("NoSuchKey", "NoSuchKey", 404, True)
    assert nsk["message"] == "The specified key does not exist."
    assert nsk["requestId"]
    nsb = out["noSuchBucket"]
    assert (nsb["name"], nsb["status"], nsb["instance"]) == ("NoSuchBucket", 404, True)
    # HEAD has no body: the SDK names the error after the status.
    head = out["headMissing"]
    assert (head["name"], head["status"], head["instance"]) == ("NotFound", 404, True)
    # A streamed body altered after the SDK computed its trailing CRC32: refused, nothing stored.
    bad = out["badTrailer"]
    assert (bad["name"], bad["code"], bad["status"]) == ("BadDigest", "BadDigest", 400)
    assert bad["message"] == "The CRC32 you specified did not match the calculated checksum."
    assert out["kept"] == "original"
    owned = out["ownedByYou"]
    assert (owned["name"], owned["status"], owned["instance"]) == ("BucketAlreadyOwnedByYou", 409, True)


def test_dynamodb_document_client(node, server):
    table = unique("js-docs")
    out = run(node, server, "dynamodb.mjs", table)
    assert out["got"] == {
        "pk": "user#1",
        "sk": 1,
        "name": "Ada",
        "tags": ["admin", "dev"],
        "profile": {"langs": ["js", "rust"], "active": True, "nothing": None},
        "score": 12.5,
        "bytes": [1, 2, 3],
    }
    assert out["query"] == {"sks": [6, 4, 2], "count": 3, "scanned": 6}
    assert out["pages"] == [[1, 2, 3], [4, 5, 6], [7]]

    # The item is stored in DynamoDB's own types, as boto3 reads it back.
    item = server.client("dynamodb").get_item(TableName=table, Key={"pk": {"S": "user#1"}, "sk": {"N": "1"}})["Item"]
    assert sorted(item["tags"]["SS"]) == ["admin", "dev"]
    assert item["bytes"] == {"B": b"\x01\x02\x03"}
    assert item["profile"]["M"]["nothing"] == {"NULL": True}


def test_signatures_checked_by_strict_auth(node):
    """With --strict-auth every signature is checked: the SDK's headers, its chunked uploads with
    trailing checksums (STREAMING-UNSIGNED-PAYLOAD-TRAILER), its virtual-hosted requests and
    presigned URLs pass; a wrong secret does not."""
    strict = Server(extra_args=["--strict-auth"]).start()
    try:
        for style in ("path", "virtual"):
            out = run(node, strict, "s3_objects.mjs", unique("js-strict"), style)
            assert out["get"]["readable.bin"]["matches"] and out["remaining"] == [
                "buffer.bin", "file-stream.bin", "readable.bin"], style
        assert run(node, strict, "s3_presign.mjs", unique("js-strict"))["get"]["status"] == 200
        assert run(node, strict, "s3_upload.mjs", unique("js-strict"), "k", 6 * 1024 * 1024)["sameBytes"]

        p = node_run(node, strict, "s3_objects.mjs", unique("js-strict"), "path",
                     env={"CLOUDLET_SECRET_ACCESS_KEY": "not-the-secret"})
        assert p.returncode == 1 and p.stdout == ""
        assert '"name":"SignatureDoesNotMatch"' in p.stderr and '"httpStatusCode":403' in p.stderr
    finally:
        strict.stop()
