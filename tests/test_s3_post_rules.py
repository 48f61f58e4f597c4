"""POST Object rules beyond the happy path: what follows the file, the redirect S3 answers
with, and S3's words for policy documents it cannot read."""

import base64
import http.client
import json
import urllib.parse

import pytest

from conftest import unique, xml_error
from test_s3_post import post, presigned

BOUNDARY = "----cloudletPostRules"


@pytest.fixture
def bucket(server):
    name = unique("postrules").lower()
    server.client("s3").create_bucket(Bucket=name)
    return name


def raw_post(server, bucket, parts):
    """Posts `parts` — (name, value) fields and ("file", filename, bytes) — in this order."""
    out = []
    for part in parts:
        if len(part) == 3:
            _, filename, data = part
            out.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"'
                       f"\r\n\r\n".encode() + data + b"\r\n")
        else:
            out.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{part[0]}"\r\n\r\n{part[1]}\r\n'
                       .encode())
    out.append(f"--{BOUNDARY}--\r\n".encode())
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.request("POST", f"/{bucket}", body=b"".join(out),
                 headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    r = conn.getresponse()
    result = r.status, r.read()
    conn.close()
    return result


def test_fields_after_the_file_are_ignored(server, bucket):
    form = presigned(server, bucket)
    # Neither checked against the policy (no condition names them) nor applied.
    parts = list(form["fields"].items()) + [
        ("file", "late.txt", b"data"), ("x-amz-meta-late", "1"), ("Content-Type", "image/png")]
    status, body = raw_post(server, bucket, parts)
    assert status == 204, body
    head = server.client("s3").head_object(Bucket=bucket, Key="uploads/late.txt")
    assert head["Metadata"] == {} and head["ContentType"] != "image/png"


def test_the_redirect_encodes_as_s3_does(server, bucket):
    form = presigned(server, bucket, fields={"success_action_redirect": "https://app.example/done"})
    status, headers, _ = post(server, form["url"], form["fields"], file_name="my-file_1.v2~.txt")
    assert status == 303
    location = headers["location"]
    etag = server.client("s3").head_object(Bucket=bucket, Key="uploads/my-file_1.v2~.txt")["ETag"]
    assert location == (f"https://app.example/done?bucket={bucket}&key=uploads%2Fmy-file_1.v2~.txt"
                        f"&etag={urllib.parse.quote(etag, safe='')}")
    # Not a URL: the status answer instead.
    form = presigned(server, bucket, fields={"success_action_redirect": "somewhere"})
    status, headers, _ = post(server, form["url"], form["fields"])
    assert status == 204 and headers["location"].endswith("/uploads%2Fhello.txt")


def test_conditions_that_are_not_conditions(server, bucket):
    form = presigned(server, bucket)
    doc = {"expiration": "2030-01-01T00:00:00Z", "conditions": ["key"]}
    fields = dict(form["fields"], policy=base64.b64encode(json.dumps(doc).encode()).decode())
    status, _, body = post(server, form["url"], fields)
    e = xml_error(body)
    assert (status, e["Code"], e["Message"]) == (400, "InvalidPolicyDocument", "Invalid Policy: Invalid conditions.")


def test_the_bucket_must_be_named_by_a_condition(server, bucket):
    form = presigned(server, bucket)
    signing = {k: v for k, v in form["fields"].items() if k.lower().startswith("x-amz-")}
    conditions = [["starts-with", "$key", ""]] + [{k: v} for k, v in signing.items() if k != "x-amz-signature"]

    def with_policy(conds):
        doc = {"expiration": "2030-01-01T00:00:00Z", "conditions": conds}
        return dict(form["fields"], policy=base64.b64encode(json.dumps(doc).encode()).decode())

    status, _, body = post(server, form["url"], with_policy(conditions))
    e = xml_error(body)
    assert (status, e["Code"], e["Message"]) == (
        403, "AccessDenied", "Invalid according to Policy: Extra input fields: bucket")
    assert server.client("s3").list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    assert post(server, form["url"], with_policy(conditions + [{"bucket": bucket}]))[0] == 204


def test_a_bucket_field_cannot_stand_for_another_bucket(server, bucket):
    """The policy's bucket condition is checked against the bucket addressed, not against a
    `bucket` field of the form: a form signed for one bucket uploads to no other."""
    other = unique("postrules-other").lower()
    s3 = server.client("s3")
    s3.create_bucket(Bucket=other)
    form = presigned(server, bucket)
    url = form["url"].rstrip("/").rsplit("/", 1)[0] + f"/{other}"
    status, _, body = post(server, url, dict(form["fields"], bucket=bucket))
    e = xml_error(body)
    assert (status, e["Code"]) == (403, "AccessDenied")
    assert e["Message"].startswith("Invalid according to Policy: Policy Condition failed:"), e["Message"]
    assert s3.list_objects_v2(Bucket=other)["KeyCount"] == 0
