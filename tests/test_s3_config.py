"""S3 bucket configuration sub-resources end to end: CORS (API, preflight over raw HTTP and
headers on actual requests), lifecycle (API, the expiry sweeper with a shortened day, the
x-amz-expiration header), default encryption, Object Ownership and ACLs, notification
configuration, request payment, transfer acceleration and logging — boto3, the AWS CLI and
plain sockets."""

import datetime
import email.utils
import json

import pytest
from botocore.exceptions import ClientError

from conftest import error_of, fast_lifecycle_server, raw, unique, wait_for, xml_error

NOT_ALLOWED = ("CORSResponse: This CORS request is not allowed. This is usually because the evalution of "
               "Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers "
               "are not whitelisted by the resource's CORS spec.")
SIGNED = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/s3/aws4_request, "
                           "SignedHeaders=host, Signature=0000"}
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def bucket_name(prefix="cfg"):
    return unique(prefix).lower()


@pytest.fixture
def bucket(s3):
    name = bucket_name()
    s3.create_bucket(Bucket=name)
    return name


# --- CORS ----------------------------------------------------------------------------------

CORS_RULES = [
    {
        "ID": "app",
        "AllowedOrigins": ["https://*.example.com"],
        "AllowedMethods": ["GET", "PUT"],
        "AllowedHeaders": ["x-amz-*", "Content-Type"],
        "ExposeHeaders": ["ETag", "x-amz-request-id"],
        "MaxAgeSeconds": 3000,
    },
    {"AllowedOrigins": ["*"], "AllowedMethods": ["HEAD"]},
]


def test_cors_configuration_api(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_bucket_cors(Bucket=bucket)
    assert error_of(e) == (404, "NoSuchCORSConfiguration", "The CORS configuration does not exist")
    assert e.value.response["Error"]["BucketName"] == bucket

    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": CORS_RULES})
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == CORS_RULES

    bad = [
        ([{"AllowedOrigins": ["*"], "AllowedMethods": ["PATCH"]}],
         (400, "InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is PATCH")),
        ([{"AllowedOrigins": ["http://*.*.com"], "AllowedMethods": ["GET"]}],
         (400, "InvalidRequest", 'AllowedOrigin "http://*.*.com" can not have more than one wildcard.')),
        ([], (400, "MalformedXML",
              "The XML you provided was not well-formed or did not validate against our published schema")),
    ]
    for rules, expected in bad:
        with pytest.raises(ClientError) as e:
            s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
        assert error_of(e) == expected, rules
    # A refused document leaves the stored one untouched.
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == CORS_RULES

    assert s3.delete_bucket_cors(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as e:
        s3.get_bucket_cors(Bucket=bucket)
    assert error_of(e)[1] == "NoSuchCORSConfiguration"


def test_cors_preflight_over_raw_http(server, s3, bucket):
    path = f"/{bucket}/photos/cat.jpg"
    status, _, body = raw(server, "OPTIONS", path, headers={"Access-Control-Request-Method": "GET"})
    assert status == 400
    assert xml_error(body)["Code"] == "BadRequest"
    assert xml_error(body)["Message"] == "Insufficient information. Origin request header needed."

    origin = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT"}
    status, _, body = raw(server, "OPTIONS", path, headers=origin)
    err = xml_error(body)
    assert (status, err["Code"], err["Message"], err["Method"], err["ResourceType"]) == (
        403, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.", "PUT", "BUCKET")

    status, _, body = raw(server, "OPTIONS", f"/{bucket_name('missing')}/k", headers=origin)
    assert (status, xml_error(body)["Message"]) == (403, "CORSResponse: Bucket not found")

    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": CORS_RULES})
    status, h, body = raw(server, "OPTIONS", path, headers={
        **origin, "Access-Control-Request-Headers": "X-Amz-Date, content-type"})
    assert status == 200 and body == b""
    assert h["access-control-allow-origin"] == "https://app.example.com"
    assert h["access-control-allow-credentials"] == "true"
    assert h["access-control-allow-methods"] == "GET, PUT"
    assert h["access-control-allow-headers"] == "x-amz-date, content-type"
    assert h["access-control-expose-headers"] == "ETag, x-amz-request-id"
    assert h["access-control-max-age"] == "3000"
    assert h["vary"] == "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"

    # The catch-all rule answers with `*` and no credentials.
    status, h, _ = raw(server, "OPTIONS", path, headers={
        "Origin": "http://elsewhere.test", "Access-Control-Request-Method": "HEAD"})
    assert status == 200
    assert h["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in h
    assert h["access-control-allow-methods"] == "HEAD"

    refused = [
        {"Origin": "https://example.com", "Access-Control-Request-Method": "GET"},
        {"Origin": "https://app.example.com", "Access-Control-Request-Method": "DELETE"},
        {"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET",
         "Access-Control-Request-Headers": "authorization"},
    ]
    for headers in refused:
        status, h, body = raw(server, "OPTIONS", path, headers=headers)
        err = xml_error(body)
        assert (status, err["Code"], err["Message"]) == (403, "AccessForbidden", NOT_ALLOWED), headers
        assert err["Method"] == headers["Access-Control-Request-Method"]
        assert "access-control-allow-origin" not in h

    # Bucket-level preflight names the bucket as the resource.
    status, _, body = raw(server, "OPTIONS", f"/{bucket}", headers={
        "Origin": "https://nope.test", "Access-Control-Request-Method": "GET"})
    assert (status, xml_error(body)["ResourceType"]) == (403, "BUCKET")


def test_cors_headers_on_actual_requests(server, s3, bucket):
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": CORS_RULES})
    status, h, _ = raw(server, "PUT", f"/{bucket}/k", body=b"hello",
                       headers={**SIGNED, "Origin": "https://app.example.com"})
    assert status == 200
    assert h["access-control-allow-origin"] == "https://app.example.com"
    assert h["access-control-allow-methods"] == "GET, PUT"
    assert h["access-control-expose-headers"] == "ETag, x-amz-request-id"
    assert "access-control-allow-headers" not in h

    status, h, body = raw(server, "GET", f"/{bucket}/k", headers={**SIGNED, "Origin": "https://app.example.com"})
    assert (status, body) == (200, b"hello")
    assert h["access-control-allow-origin"] == "https://app.example.com"
    assert h["vary"] == "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"

    status, h, _ = raw(server, "HEAD", f"/{bucket}/k", headers={**SIGNED, "Origin": "http://any.test"})
    assert status == 200 and h["access-control-allow-origin"] == "*"

    for headers in ({**SIGNED, "Origin": "https://evil.test"}, SIGNED):
        status, h, _ = raw(server, "GET", f"/{bucket}/k", headers=headers)
        assert status == 200
        assert not any(k.startswith("access-control-") for k in h), headers


# --- lifecycle -----------------------------------------------------------------------------

LIFECYCLE_RULES = [
    {
        "ID": "logs",
        "Filter": {"And": {"Prefix": "logs/", "Tags": [{"Key": "tier", "Value": "cold"}],
                           "ObjectSizeGreaterThan": 10, "ObjectSizeLessThan": 1000}},
        "Status": "Enabled",
        "Expiration": {"Days": 365},
        "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"},
                        {"Days": 90, "StorageClass": "GLACIER"}],
        "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
    },
    {
        "ID": "uploads",
        "Filter": {"Prefix": "tmp/"},
        "Status": "Disabled",
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
    },
    {
        "ID": "dated",
        "Filter": {"Tag": {"Key": "k", "Value": "v"}},
        "Status": "Enabled",
        "Expiration": {"Date": datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)},
    },
    {
        "ID": "markers",
        "Filter": {"Prefix": "gone/"},
        "Status": "Enabled",
        "Expiration": {"ExpiredObjectDeleteMarker": True},
    },
]


def lifecycle_rule(**kw):
    rule = {"ID": "r", "Filter": {"Prefix": ""}, "Status": "Enabled", "Expiration": {"Days": 1}}
    rule.update(kw)
    return rule


def test_lifecycle_configuration_api(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert error_of(e) == (404, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist")

    out = s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": LIFECYCLE_RULES})
    assert out["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert got["Rules"] == LIFECYCLE_RULES
    assert got["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    out = s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": LIFECYCLE_RULES},
                                                TransitionDefaultMinimumObjectSize="varies_by_storage_class")
    assert out["TransitionDefaultMinimumObjectSize"] == "varies_by_storage_class"
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert got["TransitionDefaultMinimumObjectSize"] == "varies_by_storage_class"

    bad = [
        ([lifecycle_rule(Expiration={"Days": 0})],
         (400, "InvalidArgument", "'Days' for Expiration action must be a positive integer")),
        ([lifecycle_rule(Expiration={"Date": datetime.datetime(2030, 1, 1, 12, tzinfo=datetime.timezone.utc)})],
         (400, "InvalidArgument", "'Date' must be at midnight GMT")),
        ([lifecycle_rule(), lifecycle_rule()],
         (400, "InvalidArgument", "Rule ID must be unique. Found same ID for more than one rule")),
        ([lifecycle_rule(ID="x" * 256)],
         (400, "InvalidArgument", "ID length should not exceed allowed limit of 255")),
        ([{"ID": "nofilter", "Status": "Enabled", "Expiration": {"Days": 7}}],
         (400, "MalformedXML",
          "The XML you provided was not well-formed or did not validate against our published schema")),
        ([{"ID": "none", "Filter": {"Prefix": ""}, "Status": "Enabled"}],
         (400, "InvalidRequest", "At least one action needs to be specified in a rule")),
        ([lifecycle_rule(Transitions=[{"Days": 1, "StorageClass": "STANDARD_IA"}])],
         (400, "InvalidArgument",
          "'Days' in Transition action must be greater than or equal to 30 for storageClass 'STANDARD_IA'")),
        ([lifecycle_rule(Filter={"Tag": {"Key": "a", "Value": "b"}}, Expiration={"Days": 1},
                         AbortIncompleteMultipartUpload={"DaysAfterInitiation": 1})],
         (400, "InvalidRequest", "AbortIncompleteMultipartUpload cannot be specified with Tags.")),
        ([lifecycle_rule(Filter={"Tag": {"Key": "a", "Value": "b"}}, Expiration={"ExpiredObjectDeleteMarker": True})],
         (400, "InvalidRequest", "ExpiredObjectDeleteMarker cannot be specified with Tags.")),
        ([lifecycle_rule(Filter={"And": {"Tags": [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]}})],
         (400, "InvalidRequest", "Duplicate Tag Keys are not allowed.")),
        ([lifecycle_rule(Status="Sometimes")],
         (400, "MalformedXML",
          "The XML you provided was not well-formed or did not validate against our published schema")),
        ([lifecycle_rule(Expiration={"Days": 3, "ExpiredObjectDeleteMarker": True})],
         (400, "MalformedXML",
          "The XML you provided was not well-formed or did not validate against our published schema")),
    ]
    for rules, expected in bad:
        with pytest.raises(ClientError) as e:
            s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
        assert error_of(e) == expected, rules
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"] == LIFECYCLE_RULES

    # A rule sent without an ID gets one.
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"Filter": {}, "Status": "Enabled", "Expiration": {"Days": 3}}]})
    (rule,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rule["ID"] and rule["Expiration"] == {"Days": 3}

    assert s3.delete_bucket_lifecycle(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as e:
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert error_of(e)[1] == "NoSuchLifecycleConfiguration"


def next_midnight_after(last_modified, days):
    t = last_modified.astimezone(datetime.timezone.utc) + datetime.timedelta(days=days)
    midnight = t.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight if midnight == t else midnight + datetime.timedelta(days=1)


def test_expiration_header(s3, bucket):
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        lifecycle_rule(ID="docs-30", Filter={"Prefix": "docs/"}, Expiration={"Days": 30},
                       AbortIncompleteMultipartUpload={"DaysAfterInitiation": 7}),
        lifecycle_rule(ID="off", Filter={"Prefix": "off/"}, Status="Disabled"),
        lifecycle_rule(ID="far", Filter={"Prefix": "far/"}, Expiration={"Days": 10**12})]})
    put = s3.put_object(Bucket=bucket, Key="docs/a.txt", Body=b"x")
    head = s3.head_object(Bucket=bucket, Key="docs/a.txt")
    expected = next_midnight_after(head["LastModified"], 30)
    header = f'expiry-date="{email.utils.format_datetime(expected, usegmt=True)}", rule-id="docs-30"'
    assert put["Expiration"] == header
    assert head["Expiration"] == header
    assert s3.get_object(Bucket=bucket, Key="docs/a.txt")["Expiration"] == header
    s3.put_object(Bucket=bucket, Key="off/b.txt", Body=b"x")
    assert "Expiration" not in s3.head_object(Bucket=bucket, Key="off/b.txt")
    # A date past what HTTP can write is left out rather than mangled.
    s3.put_object(Bucket=bucket, Key="far/x", Body=b"x")
    assert "Expiration" not in s3.head_object(Bucket=bucket, Key="far/x")
    copy = s3.copy_object(Bucket=bucket, Key="docs/c.txt", CopySource={"Bucket": bucket, "Key": "off/b.txt"})
    assert copy["Expiration"].endswith('rule-id="docs-30"')
    created = s3.create_multipart_upload(Bucket=bucket, Key="docs/mp")
    upload = created["UploadId"]
    (listed,) = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    abort_date = next_midnight_after(listed["Initiated"], 7)
    assert (created["AbortDate"], created["AbortRuleId"]) == (abort_date, "docs-30")
    part = s3.upload_part(Bucket=bucket, Key="docs/mp", UploadId=upload, PartNumber=1, Body=b"p")
    parts = s3.list_parts(Bucket=bucket, Key="docs/mp", UploadId=upload)
    assert (parts["AbortDate"], parts["AbortRuleId"]) == (abort_date, "docs-30")
    assert "AbortDate" not in s3.create_multipart_upload(Bucket=bucket, Key="off/mp")
    done = s3.complete_multipart_upload(Bucket=bucket, Key="docs/mp", UploadId=upload, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert done["Expiration"].endswith('rule-id="docs-30"')


@pytest.fixture(name="fast_lifecycle_server")
def fast_lifecycle_server_fixture():
    s = fast_lifecycle_server()
    yield s
    s.stop()


def test_lifecycle_sweeper_expires_objects_and_aborts_uploads(fast_lifecycle_server):
    s3 = fast_lifecycle_server.client("s3")
    bucket = bucket_name("sweep")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        lifecycle_rule(ID="tmp", Filter={"Prefix": "tmp/"}, Expiration={"Days": 1},
                       AbortIncompleteMultipartUpload={"DaysAfterInitiation": 1}),
        lifecycle_rule(ID="big", Filter={"ObjectSizeGreaterThan": 100}, Expiration={"Days": 1}),
        lifecycle_rule(ID="tagged", Filter={"Tag": {"Key": "expire", "Value": "yes"}}, Expiration={"Days": 1}),
        lifecycle_rule(ID="old", Filter={"Prefix": "dated/"},
                       Expiration={"Date": datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)}),
        lifecycle_rule(ID="paused", Filter={"Prefix": "paused/"}, Status="Disabled"),
        lifecycle_rule(ID="later", Filter={"Prefix": "later/"}, Expiration={"Days": 100000}),
    ]})
    doomed = {"tmp/a": b"1", "big/b": b"x" * 200, "tag/c": b"2", "dated/d": b"3"}
    kept = {"keep/e": b"4", "paused/f": b"5", "later/g": b"6", "tag/h": b"7"}
    for key, body in {**doomed, **kept}.items():
        tagging = "expire=yes" if key == "tag/c" else "expire=no"
        s3.put_object(Bucket=bucket, Key=key, Body=body, Tagging=tagging)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="tmp/big.bin")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="tmp/big.bin", UploadId=upload, PartNumber=1, Body=b"part")
    other_upload = s3.create_multipart_upload(Bucket=bucket, Key="keep/big.bin")["UploadId"]

    def keys():
        return {o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}

    assert wait_for(lambda: not (keys() & set(doomed)))
    assert keys() == set(kept)
    uploads = lambda: {u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])}
    assert wait_for(lambda: uploads() == {other_upload})
    with pytest.raises(ClientError) as e:
        s3.list_parts(Bucket=bucket, Key="tmp/big.bin", UploadId=upload)
    assert error_of(e)[1] == "NoSuchUpload"
    # What the rules spare stays readable.
    for key, body in kept.items():
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body


def test_lifecycle_expiry_in_a_versioned_bucket_adds_a_delete_marker(fast_lifecycle_server):
    s3 = fast_lifecycle_server.client("s3")
    bucket = bucket_name("sweepv")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        lifecycle_rule(ID="tmp", Filter={"Prefix": "tmp/"}, Expiration={"Days": 1}),
    ]})
    version = s3.put_object(Bucket=bucket, Key="tmp/a", Body=b"old")["VersionId"]
    assert wait_for(lambda: "Contents" not in s3.list_objects_v2(Bucket=bucket))
    listing = s3.list_object_versions(Bucket=bucket)
    assert [(v["Key"], v["VersionId"], v["IsLatest"]) for v in listing["Versions"]] == [("tmp/a", version, False)]
    assert [(m["Key"], m["IsLatest"]) for m in listing["DeleteMarkers"]] == [("tmp/a", True)]
    assert s3.get_object(Bucket=bucket, Key="tmp/a", VersionId=version)["Body"].read() == b"old"


# --- encryption ----------------------------------------------------------------------------

def test_default_encryption(server, s3, bucket):
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules == [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}]
    assert s3.put_object(Bucket=bucket, Key="a", Body=b"a")["ServerSideEncryption"] == "AES256"
    assert s3.head_object(Bucket=bucket, Key="a")["ServerSideEncryption"] == "AES256"
    assert s3.get_object(Bucket=bucket, Key="a")["ServerSideEncryption"] == "AES256"

    key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
    kms = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_id},
           "BucketKeyEnabled": True}
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [kms]})
    assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"] == [kms]
    put = s3.put_object(Bucket=bucket, Key="b", Body=b"b")
    # Objects name the key by its ARN.
    key_arn = put["SSEKMSKeyId"]
    assert key_arn.startswith("arn:aws:kms:us-east-1:") and key_arn.endswith(f":key/{key_id}")
    assert (put["ServerSideEncryption"], put["BucketKeyEnabled"]) == ("aws:kms", True)
    head = s3.head_object(Bucket=bucket, Key="b")
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", key_arn)
    # The request's own choice wins over the default.
    assert s3.put_object(Bucket=bucket, Key="c", Body=b"c",
                         ServerSideEncryption="AES256")["ServerSideEncryption"] == "AES256"
    # Objects written before the change keep their encryption.
    assert s3.head_object(Bucket=bucket, Key="a")["ServerSideEncryption"] == "AES256"

    with pytest.raises(ClientError) as e:
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256", "KMSMasterKeyID": "k"}}]})
    assert error_of(e) == (400, "InvalidArgument",
                           "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse")
    assert e.value.response["Error"]["ArgumentName"] == "ApplyServerSideEncryptionByDefault"
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="d", Body=b"d", ServerSideEncryption="DES")
    assert error_of(e) == (400, "InvalidEncryptionAlgorithmError",
                           "The Encryption request you specified is not valid. Supported value: AES256.")
    assert e.value.response["Error"]["ArgumentValue"] == "DES"

    # Copies and multipart uploads are encrypted as the target bucket says.
    copy = s3.copy_object(Bucket=bucket, Key="a-copy", CopySource={"Bucket": bucket, "Key": "a"})
    assert (copy["ServerSideEncryption"], copy["SSEKMSKeyId"]) == ("aws:kms", key_arn)
    assert s3.head_object(Bucket=bucket, Key="a-copy")["ServerSideEncryption"] == "aws:kms"
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")
    assert upload["ServerSideEncryption"] == "aws:kms"
    part = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload["UploadId"], PartNumber=1, Body=b"p")
    assert (part["ServerSideEncryption"], part["SSEKMSKeyId"]) == ("aws:kms", key_arn)
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload["UploadId"], MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert done["ServerSideEncryption"] == "aws:kms"
    assert s3.head_object(Bucket=bucket, Key="mp")["SSEKMSKeyId"] == key_arn
    # Without a key, the account's AWS managed key, the same every time.
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]})
    first = s3.put_object(Bucket=bucket, Key="m1", Body=b"m")["SSEKMSKeyId"]
    assert first.startswith("arn:aws:kms:us-east-1:") and ":key/" in first and first != key_arn
    assert s3.put_object(Bucket=bucket, Key="m2", Body=b"m")["SSEKMSKeyId"] == first

    s3.delete_bucket_encryption(Bucket=bucket)
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    # The AWS CLI reads the same document.
    out = server.aws("s3api", "get-bucket-encryption", "--bucket", bucket)
    assert out["ServerSideEncryptionConfiguration"]["Rules"][0]["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "AES256"}


# --- ownership controls and ACLs -----------------------------------------------------------

def test_ownership_controls(s3, bucket):
    def ownership():
        return s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]

    assert ownership() == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    assert ownership() == [{"ObjectOwnership": "ObjectWriter"}]
    with pytest.raises(ClientError) as e:
        s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "Nobody"}]})
    assert error_of(e)[1] == "MalformedXML"
    assert s3.delete_bucket_ownership_controls(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as e:
        s3.get_bucket_ownership_controls(Bucket=bucket)
    assert error_of(e) == (404, "OwnershipControlsNotFoundError", "The bucket ownership controls were not found")


def owner_only(owner_id):
    return [{"Grantee": {"ID": owner_id, "Type": "CanonicalUser"},
             "Permission": "FULL_CONTROL"}]


def test_acls_are_disabled_under_bucket_owner_enforced(s3, bucket):
    owner = s3.list_buckets()["Owner"]["ID"]
    assert len(owner) == 64
    acl = s3.get_bucket_acl(Bucket=bucket)
    assert acl["Owner"]["ID"] == owner
    assert acl["Grants"] == owner_only(owner)

    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="private")
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="bucket-owner-full-control")
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", GrantFullControl=f'id="{owner}"')
    assert s3.get_object_acl(Bucket=bucket, Key="k")["Grants"] == owner_only(owner)

    refused = [
        lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"y", ACL="public-read"),
        lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"y", GrantRead=f'uri="{ALL_USERS}"'),
        lambda: s3.copy_object(Bucket=bucket, Key="k2", CopySource={"Bucket": bucket, "Key": "k"},
                               ACL="authenticated-read"),
        lambda: s3.put_bucket_acl(Bucket=bucket, ACL="public-read"),
        lambda: s3.put_object_acl(Bucket=bucket, Key="k", ACL="public-read"),
    ]
    for call in refused:
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e) == (400, "AccessControlListNotSupported", "The bucket does not allow ACLs")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"

    with pytest.raises(ClientError) as e:
        s3.create_bucket(Bucket=bucket_name(), ACL="public-read")
    assert error_of(e) == (400, "InvalidBucketAclWithObjectOwnership",
                           "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")
    with pytest.raises(ClientError) as e:
        s3.create_bucket(Bucket=bucket_name(), ObjectOwnership="RandomValue")
    assert error_of(e) == (400, "InvalidArgument", "Invalid x-amz-object-ownership header: RandomValue")
    with pytest.raises(ClientError) as e:
        s3.create_multipart_upload(Bucket=bucket, Key="mp", ACL="public-read")
    assert error_of(e)[1] == "AccessControlListNotSupported"
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=b"y", GrantRead='id="nope"')
    assert error_of(e) == (400, "InvalidArgument", "Invalid id")
    assert e.value.response["Error"]["ArgumentName"] == "id"


def test_acls_with_object_writer(server, s3):
    bucket = bucket_name("writer")
    s3.create_bucket(Bucket=bucket, ObjectOwnership="ObjectWriter")
    owner = s3.list_buckets()["Owner"]["ID"]
    assert s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "ObjectWriter"}]

    # Block Public Access (on for new buckets) refuses public ACLs.
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="pub", Body=b"hi", ACL="public-read")
    assert error_of(e) == (403, "AccessDenied", "Access Denied")
    s3.put_object(Bucket=bucket, Key="pub", Body=b"hi", ACL="log-delivery-write")

    s3.delete_public_access_block(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="pub", Body=b"hi", ACL="public-read")
    grants = s3.get_object_acl(Bucket=bucket, Key="pub")["Grants"]
    assert grants == owner_only(owner) + [{"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"}]
    status, _, body = raw(server, "GET", f"/{bucket}/pub")
    assert (status, body) == (200, b"hi")

    # The ACL of a multipart upload applies to the object it completes.
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", ACL="public-read")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"parts")
    assert raw(server, "GET", f"/{bucket}/mp")[0] == 403
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert raw(server, "GET", f"/{bucket}/mp")[:3:2] == (200, b"parts")
    assert s3.get_object_acl(Bucket=bucket, Key="mp")["Grants"][1]["Grantee"]["URI"] == ALL_USERS

    # IgnorePublicAcls makes the grant void, without changing the stored ACL.
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False})
    assert raw(server, "GET", f"/{bucket}/pub")[0] == 403
    assert s3.get_object_acl(Bucket=bucket, Key="pub")["Grants"][1]["Grantee"]["URI"] == ALL_USERS
    s3.delete_public_access_block(Bucket=bucket)
    assert raw(server, "GET", f"/{bucket}/pub")[0] == 200

    # Overwriting the object without an ACL makes it private again.
    s3.put_object(Bucket=bucket, Key="pub", Body=b"again")
    assert s3.get_object_acl(Bucket=bucket, Key="pub")["Grants"] == owner_only(owner)
    assert raw(server, "GET", f"/{bucket}/pub")[0] == 403

    # Bucket ACLs: a document body, grants checked.
    s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy={
        "Owner": {"ID": owner},
        "Grants": owner_only(owner) + [{"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"},
                                        "Permission": "WRITE"}]})
    assert s3.get_bucket_acl(Bucket=bucket)["Grants"][1]["Permission"] == "WRITE"
    # ACLs cannot be disabled while that grant stands.
    with pytest.raises(ClientError) as e:
        s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
            "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    assert error_of(e)[1] == "InvalidBucketAclWithObjectOwnership"
    with pytest.raises(ClientError) as e:
        s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy={
            "Owner": {"ID": owner},
            "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": "not-an-id"}, "Permission": "READ"}]})
    assert error_of(e) == (400, "InvalidArgument", "Invalid id")
    assert e.value.response["Error"]["ArgumentName"] == "CanonicalUser/ID"
    with pytest.raises(ClientError) as e:
        s3.put_bucket_acl(Bucket=bucket, GrantWrite='fakekey="1234"')
    assert error_of(e) == (400, "InvalidArgument", "Argument format not recognized")
    with pytest.raises(ClientError) as e:
        s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy={
            "Owner": {"ID": owner}, "Grants": [{"Grantee": {"Type": "BadType", "ID": owner},
                                                "Permission": "READ"}]})
    assert error_of(e) == (400, "MalformedACLError",
                           "The XML you provided was not well-formed or did not validate against our published schema")
    with pytest.raises(ClientError) as e:
        s3.put_bucket_acl(Bucket=bucket)
    assert error_of(e) == (400, "MissingSecurityHeader", "Your request was missing a required header")
    assert e.value.response["Error"]["MissingHeaderName"] == "x-amz-acl"
    with pytest.raises(ClientError) as e:
        s3.put_bucket_acl(Bucket=bucket, ACL="private", AccessControlPolicy={
            "Owner": {"ID": owner}, "Grants": owner_only(owner)})
    assert error_of(e) == (400, "UnexpectedContent", "This request does not support content")
    # Grant headers replace every grant, the owner's too.
    s3.put_bucket_acl(Bucket=bucket, GrantRead='uri="http://acs.amazonaws.com/groups/s3/LogDelivery"')
    assert s3.get_bucket_acl(Bucket=bucket)["Grants"] == [
        {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"}, "Permission": "READ"}]
    with pytest.raises(ClientError) as e:
        s3.put_object_acl(Bucket=bucket, Key="missing", ACL="private")
    assert error_of(e)[1] == "NoSuchKey"


def test_acl_grants_let_others_in(server, s3):
    bucket = bucket_name("grants")
    s3.create_bucket(Bucket=bucket, ObjectOwnership="BucketOwnerPreferred")
    other = server.client("s3", aws_access_key_id="111111111111", aws_secret_access_key="x")
    other_id = other.list_buckets()["Owner"]["ID"]
    s3.put_object(Bucket=bucket, Key="shared", Body=b"for you", GrantRead=f'id="{other_id}"')
    s3.put_object(Bucket=bucket, Key="mine", Body=b"not for you")
    assert other.get_object(Bucket=bucket, Key="shared")["Body"].read() == b"for you"
    for call in (lambda: other.get_object(Bucket=bucket, Key="mine"),
                 lambda: other.get_object_acl(Bucket=bucket, Key="shared"),
                 lambda: other.list_objects_v2(Bucket=bucket),
                 lambda: other.get_bucket_acl(Bucket=bucket)):
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e)[:2] == (403, "AccessDenied")

    # A bucket ACL grant lets the other account list and read the bucket's ACL.
    s3.put_bucket_acl(Bucket=bucket, GrantRead=f'id="{other_id}"', GrantReadACP=f'id="{other_id}"')
    assert {o["Key"] for o in other.list_objects_v2(Bucket=bucket)["Contents"]} == {"mine", "shared"}
    assert other.get_bucket_acl(Bucket=bucket)["Grants"][0]["Grantee"]["ID"] == other_id

    # A public-read bucket ACL lets anyone list, once Block Public Access allows it.
    assert raw(server, "GET", f"/{bucket}")[0] == 403
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    status, _, body = raw(server, "GET", f"/{bucket}?list-type=2")
    assert status == 200 and b"<Key>shared</Key>" in body

    # An explicit deny in the bucket policy wins over any grant.
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}",
        "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "000000000000"}}}]}))
    assert raw(server, "GET", f"/{bucket}?list-type=2")[0] == 403
    s3.delete_bucket_policy(Bucket=bucket)
    assert raw(server, "GET", f"/{bucket}?list-type=2")[0] == 200

    # Disabling ACLs voids every grant.
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    with pytest.raises(ClientError) as e:
        other.get_object(Bucket=bucket, Key="shared")
    assert error_of(e)[:2] == (403, "AccessDenied")


def test_bucket_write_grant_lets_others_write_and_keep_their_objects(server, s3):
    bucket = bucket_name("write-grant")
    s3.create_bucket(Bucket=bucket, ObjectOwnership="ObjectWriter")
    other = server.client("s3", aws_access_key_id="111111111111", aws_secret_access_key="x")
    other_id = other.list_buckets()["Owner"]["ID"]
    with pytest.raises(ClientError) as e:
        other.put_object(Bucket=bucket, Key="theirs", Body=b"x")
    assert error_of(e)[:2] == (403, "AccessDenied")
    s3.put_bucket_acl(Bucket=bucket, GrantWrite=f'id="{other_id}"',
                      GrantFullControl=f'id="{s3.list_buckets()["Owner"]["ID"]}"')
    other.put_object(Bucket=bucket, Key="theirs", Body=b"written by another account")
    # The writer keeps full control of what it wrote.
    assert other.get_object(Bucket=bucket, Key="theirs")["Body"].read() == b"written by another account"
    # Under ObjectWriter the object is the writer's: its ACL names the writer as owner.
    acl = other.get_object_acl(Bucket=bucket, Key="theirs")
    assert acl["Owner"]["ID"] == other_id
    assert acl["Grants"] == [{"Grantee": {"ID": other_id, "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"}]
    # The bucket owner has no access to an object it does not own, unless granted: not by
    # owning the bucket, nor by its bucket policy.
    for read in (lambda: s3.get_object(Bucket=bucket, Key="theirs"),
                 lambda: s3.head_object(Bucket=bucket, Key="theirs"),
                 lambda: s3.get_object_acl(Bucket=bucket, Key="theirs"),
                 lambda: s3.copy_object(Bucket=bucket, Key="copied", CopySource={"Bucket": bucket, "Key": "theirs"}),
                 lambda: s3.get_object_attributes(Bucket=bucket, Key="theirs", ObjectAttributes=["ObjectSize"])):
        with pytest.raises(ClientError) as e:
            read()
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:root"},
        "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="theirs")
    assert error_of(e)[:2] == (403, "AccessDenied")
    s3.delete_bucket_policy(Bucket=bucket)
    owner_id = s3.list_buckets()["Owner"]["ID"]
    other.put_object(Bucket=bucket, Key="shared", Body=b"x", ACL="bucket-owner-read")
    acl = other.get_object_acl(Bucket=bucket, Key="shared")
    assert acl["Owner"]["ID"] == other_id
    assert {"Grantee": {"ID": owner_id, "Type": "CanonicalUser"}, "Permission": "READ"} in acl["Grants"]
    # A READ grant lets the bucket owner read the object, but not its ACL.
    assert s3.get_object(Bucket=bucket, Key="shared")["Body"].read() == b"x"
    with pytest.raises(ClientError) as e:
        s3.get_object_acl(Bucket=bucket, Key="shared")
    assert error_of(e)[:2] == (403, "AccessDenied")
    # Changing the ACL keeps the owner.
    other.put_object_acl(Bucket=bucket, Key="shared", ACL="private")
    assert other.get_object_acl(Bucket=bucket, Key="shared")["Owner"]["ID"] == other_id
    u = other.create_multipart_upload(Bucket=bucket, Key="parts")["UploadId"]
    other.abort_multipart_upload(Bucket=bucket, Key="parts", UploadId=u)
    other.delete_object(Bucket=bucket, Key="theirs")
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="theirs")
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]})
    other.put_object(Bucket=bucket, Key="handed", Body=b"x", ACL="bucket-owner-full-control")
    assert s3.get_object_acl(Bucket=bucket, Key="handed")["Owner"]["ID"] == owner_id
    other.put_object(Bucket=bucket, Key="kept", Body=b"x")
    assert other.get_object_acl(Bucket=bucket, Key="kept")["Owner"]["ID"] == other_id
    # The bucket owner may still delete what others own.
    other.put_object(Bucket=bucket, Key="doomed", Body=b"x")
    s3.delete_object(Bucket=bucket, Key="doomed")
    with pytest.raises(ClientError):
        other.head_object(Bucket=bucket, Key="doomed")
    # Without the grant, writing is refused again.
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    with pytest.raises(ClientError) as e:
        other.put_object(Bucket=bucket, Key="theirs", Body=b"x")
    assert error_of(e)[:2] == (403, "AccessDenied")
    # Once ACLs are disabled the bucket owner owns every object.
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    assert s3.get_object(Bucket=bucket, Key="kept")["Body"].read() == b"x"


# --- notifications, request payment, acceleration, logging ---------------------------------

def test_notification_configuration(s3, bucket):
    got = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert {k for k in got if k != "ResponseMetadata"} == set()
    config = {
        "QueueConfigurations": [{
            "Id": "to-queue",
            "QueueArn": "arn:aws:sqs:us-east-1:000000000000:uploads",
            "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"},
                                               {"Name": "suffix", "Value": ".jpg"}]}},
        }],
        "TopicConfigurations": [{
            "Id": "to-topic",
            "TopicArn": "arn:aws:sns:us-east-1:000000000000:thumbs",
            "Events": ["s3:ObjectRemoved:Delete", "s3:ObjectRestore:Post"],
        }],
        "EventBridgeConfiguration": {},
    }
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    got = s3.get_bucket_notification_configuration(Bucket=bucket)
    del got["ResponseMetadata"]
    # S3 gives filter rule names back capitalised.
    for rule in config["QueueConfigurations"][0]["Filter"]["Key"]["FilterRules"]:
        rule["Name"] = rule["Name"].capitalize()
    assert got == config
    with pytest.raises(ClientError) as e:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
            "TopicConfigurations": [{"TopicArn": "arn:aws:sns:us-east-1:000000000000:t", "Events": ["s3:Bogus"]}]})
    assert error_of(e) == (400, "InvalidArgument", "The event is not supported for notifications")
    with pytest.raises(ClientError) as e:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": "invalid-queue", "Events": ["s3:ObjectCreated:*"]}]})
    assert error_of(e) == (400, "InvalidArgument", "The ARN could not be parsed")
    assert (e.value.response["Error"]["ArgumentName"], e.value.response["Error"]["ArgumentValue"]) == (
        "Queue", "invalid-queue")
    # Refused documents leave the stored one in place.
    assert len(s3.get_bucket_notification_configuration(Bucket=bucket)["QueueConfigurations"]) == 1


def test_request_payment_acceleration_and_logging(s3, bucket):
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "BucketOwner"
    s3.put_bucket_request_payment(Bucket=bucket, RequestPaymentConfiguration={"Payer": "Requester"})
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "Requester"

    assert "Status" not in s3.get_bucket_accelerate_configuration(Bucket=bucket)
    s3.put_bucket_accelerate_configuration(Bucket=bucket, AccelerateConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_accelerate_configuration(Bucket=bucket)["Status"] == "Enabled"
    with pytest.raises(ClientError) as e:
        s3.put_bucket_accelerate_configuration(Bucket=bucket, AccelerateConfiguration={"Status": "Maybe"})
    assert error_of(e)[1] == "MalformedXML"

    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)
    missing = bucket_name("nolog")
    with pytest.raises(ClientError) as e:
        s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={
            "LoggingEnabled": {"TargetBucket": missing, "TargetPrefix": "logs/"}})
    assert error_of(e) == (400, "InvalidTargetBucketForLogging", "The target bucket for logging does not exist")
    target = bucket_name("logs")
    s3.create_bucket(Bucket=target)
    enabled = {"TargetBucket": target, "TargetPrefix": "logs/",
               "TargetObjectKeyFormat": {"PartitionedPrefix": {"PartitionDateSource": "EventTime"}}}
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": enabled})
    assert s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"] == enabled
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={})
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)
    far = bucket_name("far")
    s3.create_bucket(Bucket=far, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    with pytest.raises(ClientError) as e:
        s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={
            "LoggingEnabled": {"TargetBucket": far, "TargetPrefix": "logs/"}})
    assert error_of(e) == (403, "CrossLocationLoggingProhibitted", "Cross S3 location logging not allowed. ")


def test_configuration_goes_with_the_bucket(s3):
    name = bucket_name("reborn")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": CORS_RULES})
    s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [lifecycle_rule()]})
    s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    s3.delete_bucket(Bucket=name)
    with pytest.raises(ClientError) as e:
        s3.get_bucket_cors(Bucket=name)
    assert error_of(e)[1] == "NoSuchBucket"
    s3.create_bucket(Bucket=name)
    for call, code in [(s3.get_bucket_cors, "NoSuchCORSConfiguration"),
                       (s3.get_bucket_lifecycle_configuration, "NoSuchLifecycleConfiguration")]:
        with pytest.raises(ClientError) as e:
            call(Bucket=name)
        assert error_of(e)[1] == code
    assert s3.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerEnforced"}]


def test_configuration_survives_restart(durable_server):
    s3 = durable_server.client("s3")
    name = bucket_name("durable")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": CORS_RULES})
    s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": LIFECYCLE_RULES})
    durable_server.restart()
    s3 = durable_server.client("s3")
    assert s3.get_bucket_cors(Bucket=name)["CORSRules"] == CORS_RULES
    assert s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"] == LIFECYCLE_RULES


def test_cors_on_the_website_endpoint(server, s3, bucket):
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}})
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    s3.put_object(Bucket=bucket, Key="index.html", Body=b"<h1>hi</h1>", ContentType="text/html")
    host = {"Host": f"{bucket}.s3-website.localhost:{server.port}"}
    preflight = {**host, "Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"}
    assert raw(server, "OPTIONS", "/index.html", headers=preflight)[0] == 403
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": CORS_RULES})
    status, h, _ = raw(server, "OPTIONS", "/index.html", headers=preflight)
    assert status == 200 and h["access-control-allow-origin"] == "https://app.example.com"
    status, h, body = raw(server, "GET", "/", headers={**host, "Origin": "https://app.example.com"})
    assert (status, body) == (200, b"<h1>hi</h1>")
    assert h["access-control-allow-methods"] == "GET, PUT"


def test_cli_cors_round_trip(server, bucket, tmp_path):
    doc = tmp_path / "cors.json"
    doc.write_text(json.dumps({"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]}))
    server.aws("s3api", "put-bucket-cors", "--bucket", bucket, "--cors-configuration", f"file://{doc}")
    out = server.aws("s3api", "get-bucket-cors", "--bucket", bucket)
    assert out["CORSRules"] == [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]
