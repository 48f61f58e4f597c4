"""S3 CORS (PutBucketCors validation, preflight OPTIONS, CORS headers on actual requests and
their errors) and Object Lock (configuration, retention, legal hold, what they protect) end
to end, with boto3 and raw HTTP, against the answers the S3 API Reference and recorded S3
responses give."""

import datetime
import json

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import error_of, raw, unique, xml_error

MALFORMED = (400, "MalformedXML",
             "The XML you provided was not well-formed or did not validate against our published schema")
NOT_ALLOWED = ("CORSResponse: This CORS request is not allowed. This is usually because the evalution of "
               "Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers "
               "are not whitelisted by the resource's CORS spec.")
PROTECTED = "Access Denied because object protected by object lock."
VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
SIGNED = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/s3/aws4_request, "
                           "SignedHeaders=host, Signature=0000"}


def name(prefix):
    return unique(prefix).lower()


def cors_headers(h):
    return {k: v for k, v in h.items() if k.startswith("access-control-") or k == "vary"}


def future(days=1):
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)


@pytest.fixture
def loose(server):
    """A client that leaves the model's required members to the server to check."""
    return server.client("s3", config={"parameter_validation": False})


@pytest.fixture
def bucket(s3):
    b = name("cl")
    s3.create_bucket(Bucket=b)
    return b


@pytest.fixture
def locked(s3):
    b = name("cl-lock")
    s3.create_bucket(Bucket=b, ObjectLockEnabledForBucket=True)
    return b


# --- PutBucketCors -------------------------------------------------------------------------

def rule(**kw):
    r = {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}
    r.update(kw)
    return r


@pytest.mark.parametrize("rules, expected", [
    ([rule(AllowedMethods=["OPTIONS"])],
     (400, "InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is OPTIONS")),
    ([rule(AllowedMethods=["GET", "get"])],
     (400, "InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is get")),
    ([rule(AllowedOrigins=["*example*.com"])],
     (400, "InvalidRequest", 'AllowedOrigin "*example*.com" can not have more than one wildcard.')),
    ([rule(AllowedHeaders=["x-amz-*-*"])],
     (400, "InvalidRequest", 'AllowedHeader "x-amz-*-*" can not have more than one wildcard.')),
    ([rule(ExposeHeaders=["x-amz-*"])],
     (400, "InvalidRequest",
      'ExposeHeader "x-amz-*" contains wildcard. We currently do not support wildcard for ExposeHeader.')),
    ([rule(ID="i" * 256)], (400, "InvalidArgument", "ID length should not exceed allowed limit of 255")),
    ([{"AllowedMethods": ["GET"]}], MALFORMED),
    ([{"AllowedOrigins": ["*"]}], MALFORMED),
    ([rule(MaxAgeSeconds="soon")], MALFORMED),
    ([rule()] * 101, MALFORMED),
    ([], MALFORMED),
])
def test_put_bucket_cors_refusals_leave_the_stored_rules(s3, loose, bucket, rules, expected):
    kept = [rule(ID="kept", MaxAgeSeconds=10)]
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": kept})
    with pytest.raises(ClientError) as e:
        loose.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
    assert error_of(e) == expected
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == kept


def test_put_bucket_cors_limits_that_hold(s3, bucket):
    rules = [rule(ID="r" * 255, AllowedOrigins=["http://*.example.com", "*"], AllowedHeaders=["x-amz-*", "*"])]
    rules += [rule(ID=str(i)) for i in range(99)]
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
    got = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert len(got) == 100 and got[0] == rules[0]


def test_get_bucket_cors_without_a_configuration(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_bucket_cors(Bucket=bucket)
    assert error_of(e) == (404, "NoSuchCORSConfiguration", "The CORS configuration does not exist")
    assert e.value.response["Error"]["BucketName"] == bucket
    # Deleting what is not there still answers 204.
    assert s3.delete_bucket_cors(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204


# --- preflight -----------------------------------------------------------------------------

def preflight(server, path, origin, method=None, headers=None):
    h = {"Origin": origin} if origin is not None else {}
    if method is not None:
        h["Access-Control-Request-Method"] = method
    if headers is not None:
        h["Access-Control-Request-Headers"] = headers
    return raw(server, "OPTIONS", path, headers=h)


def test_preflight_errors_before_and_without_rules(server, s3, bucket):
    status, _, body = preflight(server, f"/{bucket}/k", None, "GET")
    assert (status, xml_error(body)["Code"], xml_error(body)["Message"]) == (
        400, "BadRequest", "Insufficient information. Origin request header needed.")
    # No configuration: the method reported is the one asked for, else OPTIONS.
    for method, reported in (("PUT", "PUT"), (None, "OPTIONS")):
        status, h, body = preflight(server, f"/{bucket}/k", "http://a.test", method)
        err = xml_error(body)
        assert (status, err["Code"], err["Message"], err["Method"], err["ResourceType"]) == (
            403, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.", reported, "BUCKET")
        assert not cors_headers(h)
    status, _, body = preflight(server, f"/{name('cl-missing')}/k", "http://a.test")
    err = xml_error(body)
    assert (status, err["Code"], err["Message"]) == (403, "AccessForbidden", "CORSResponse: Bucket not found")
    # With rules, a preflight must name the method it asks about.
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [rule()]})
    status, _, body = preflight(server, f"/{bucket}/k", "http://a.test")
    assert (status, xml_error(body)["Code"]) == (400, "BadRequest")


def test_preflight_first_matching_rule_wins(server, s3, bucket):
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
        rule(AllowedOrigins=["http://*.example.com"], AllowedMethods=["PUT"], MaxAgeSeconds=1),
        rule(AllowedOrigins=["http://app.example.com"], AllowedMethods=["GET", "PUT"], MaxAgeSeconds=2,
             ExposeHeaders=["ETag"]),
        rule(AllowedMethods=["GET", "HEAD"], MaxAgeSeconds=3),
    ]})
    cases = [
        # origin, method, expected (Allow-Origin, Allow-Methods, Max-Age, Expose-Headers)
        ("http://app.example.com", "PUT", ("http://app.example.com", "PUT", "1", None)),
        ("http://app.example.com", "GET", ("http://app.example.com", "GET, PUT", "2", "ETag")),
        ("http://other.test", "GET", ("*", "GET, HEAD", "3", None)),
        ("http://other.test", "HEAD", ("*", "GET, HEAD", "3", None)),
    ]
    for origin, method, expected in cases:
        status, h, body = preflight(server, f"/{bucket}/a/b.txt", origin, method)
        assert (status, body) == (200, b""), (origin, method)
        got = (h.get("access-control-allow-origin"), h.get("access-control-allow-methods"),
               h.get("access-control-max-age"), h.get("access-control-expose-headers"))
        assert got == expected, (origin, method)
        assert h["vary"] == VARY
        # Credentials are allowed only to an origin echoed back.
        assert ("access-control-allow-credentials" in h) == (expected[0] != "*")
    status, h, body = preflight(server, f"/{bucket}/a/b.txt", "http://other.test", "PUT")
    err = xml_error(body)
    assert (status, err["Message"], err["Method"], err["ResourceType"]) == (403, NOT_ALLOWED, "PUT", "OBJECT")
    assert not cors_headers(h)


@pytest.mark.parametrize("pattern, origin, allowed", [
    ("http://*.example.com", "http://app.example.com", True),
    ("http://*.example.com", "http://a.b.example.com", True),
    ("http://*.example.com", "http://.example.com", True),
    ("http://*.example.com", "https://app.example.com", False),
    ("http://*.example.com", "http://app.example.com/", False),
    ("http://*.example.com", "http://app.example.com.evil", False),
    ("start*end", "startend", True),
    ("start*end", "start12end", True),
    ("start*end", "0start12end", False),
    ("prefix*", "prefix", True),
    ("*suffix", "foo.suffix.get", False),
    ("http://www.example.com", "http://www.example.com:80", False),
])
def test_preflight_origin_patterns(server, s3, bucket, pattern, origin, allowed):
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [rule(AllowedOrigins=[pattern])]})
    status, h, _ = preflight(server, f"/{bucket}/k", origin, "GET")
    assert status == (200 if allowed else 403)
    assert h.get("access-control-allow-origin") == (origin if allowed else None)


@pytest.mark.parametrize("allowed, requested, answer", [
    (["*"], "x-amz-request-payer", "x-amz-request-payer"),
    (["*"], "X-Amz-Date,Content-Type", "x-amz-date, content-type"),
    (["x-amz-*"], "X-AMZ-Meta-Color", "x-amz-meta-color"),
    (["x-AMZ-expected-bucket-OWNER", "Content-Type"], "x-amz-expected-bucket-owner, content-type",
     "x-amz-expected-bucket-owner, content-type"),
    (["x-amz-*"], "x-amz-date, authorization", None),
    ([], "content-type", None),
])
def test_preflight_requested_headers(server, s3, bucket, allowed, requested, answer):
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [rule(AllowedHeaders=allowed)]})
    status, h, _ = preflight(server, f"/{bucket}/k", "http://a.test", "GET", requested)
    if answer is None:
        assert status == 403 and not cors_headers(h)
    else:
        assert status == 200 and h["access-control-allow-headers"] == answer


def test_bucket_preflight_names_the_bucket(server, s3, bucket):
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [rule()]})
    assert preflight(server, f"/{bucket}", "http://a.test", "GET")[0] == 200
    status, _, body = preflight(server, f"/{bucket}", "http://a.test", "DELETE")
    assert (status, xml_error(body)["ResourceType"]) == (403, "BUCKET")


# --- actual requests -----------------------------------------------------------------------

def test_actual_requests_match_by_the_request_method_header(server, s3, bucket):
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
        rule(AllowedOrigins=["http://app.test"], AllowedMethods=["GET"], AllowedHeaders=["x-amz-*"])]})
    s3.put_object(Bucket=bucket, Key="k", Body=b"hello")
    cases = [
        ({}, True),
        ({"Access-Control-Request-Method": "PUT"}, False),
        ({"Access-Control-Request-Headers": "content-type"}, False),
        ({"Access-Control-Request-Headers": "x-amz-date"}, True),
        # The request's own headers are not checked against AllowedHeader.
        ({"Content-Type": "text/plain", "X-Other": "1"}, True),
    ]
    for extra, matched in cases:
        status, h, body = raw(server, "GET", f"/{bucket}/k", headers={**SIGNED, "Origin": "http://app.test", **extra})
        assert (status, body) == (200, b"hello"), extra
        assert (h.get("access-control-allow-origin") == "http://app.test") == matched, extra
        assert ("vary" in h) == matched, extra
    # A PUT no rule allows still stores the object, just without CORS headers.
    status, h, _ = raw(server, "PUT", f"/{bucket}/k2", b"x", {**SIGNED, "Origin": "http://app.test"})
    assert status == 200 and not cors_headers(h)
    assert s3.get_object(Bucket=bucket, Key="k2")["Body"].read() == b"x"


def test_error_answers_carry_the_cors_headers(server, s3, bucket):
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
        rule(AllowedOrigins=["http://app.test"], AllowedMethods=["GET", "HEAD", "PUT"], ExposeHeaders=["ETag"])]})
    origin = {**SIGNED, "Origin": "http://app.test"}
    for method in ("GET", "HEAD"):
        status, h, _ = raw(server, method, f"/{bucket}/missing", headers=origin)
        assert status == 404, method
        assert cors_headers(h) == {
            "access-control-allow-origin": "http://app.test",
            "access-control-allow-credentials": "true",
            "access-control-allow-methods": "GET, HEAD, PUT",
            "access-control-expose-headers": "ETag",
            "vary": VARY,
        }, method
    # An anonymous write refused by the bucket's permissions.
    status, h, body = raw(server, "PUT", f"/{bucket}/k", b"x", {"Origin": "http://app.test"})
    assert (status, xml_error(body)["Code"]) == (403, "AccessDenied")
    assert h["access-control-allow-origin"] == "http://app.test"
    # No rule for the origin, or no Origin at all: no CORS headers on the error either.
    for headers in ({**SIGNED, "Origin": "http://evil.test"}, SIGNED):
        status, h, _ = raw(server, "GET", f"/{bucket}/missing", headers=headers)
        assert status == 404 and not cors_headers(h)


# --- Object Lock: configuration ------------------------------------------------------------

def lock_config(**default):
    doc = {"ObjectLockEnabled": "Enabled"}
    if default:
        doc["Rule"] = {"DefaultRetention": default}
    return doc


def test_bucket_created_with_object_lock(s3, locked):
    assert s3.get_bucket_versioning(Bucket=locked)["Status"] == "Enabled"
    assert s3.get_object_lock_configuration(Bucket=locked)["ObjectLockConfiguration"] == lock_config()


@pytest.mark.parametrize("doc, expected", [
    (lock_config(Mode="STRICT", Days=1), MALFORMED),
    (lock_config(Mode="GOVERNANCE", Days=1, Years=1), MALFORMED),
    (lock_config(Mode="GOVERNANCE"), MALFORMED),
    (lock_config(Days=1), MALFORMED),
    ({"ObjectLockEnabled": "Disabled"}, MALFORMED),
    ({"Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}}, MALFORMED),
    (lock_config(Mode="COMPLIANCE", Days=0),
     (400, "InvalidArgument", "Default retention period must be a positive integer value.")),
    (lock_config(Mode="COMPLIANCE", Years=-1),
     (400, "InvalidArgument", "Default retention period must be a positive integer value.")),
])
def test_object_lock_configuration_refusals(s3, loose, locked, doc, expected):
    s3.put_object_lock_configuration(Bucket=locked, ObjectLockConfiguration=lock_config(Mode="GOVERNANCE", Days=7))
    with pytest.raises(ClientError) as e:
        loose.put_object_lock_configuration(Bucket=locked, ObjectLockConfiguration=doc)
    assert error_of(e) == expected
    assert s3.get_object_lock_configuration(Bucket=locked)["ObjectLockConfiguration"] == lock_config(
        Mode="GOVERNANCE", Days=7)


def test_object_lock_on_an_existing_bucket(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_object_lock_configuration(Bucket=bucket)
    assert error_of(e) == (404, "ObjectLockConfigurationNotFoundError",
                           "Object Lock configuration does not exist for this bucket")
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    for call in (lambda: s3.get_object_retention(Bucket=bucket, Key="k"),
                 lambda: s3.get_object_legal_hold(Bucket=bucket, Key="k"),
                 lambda: s3.put_object_legal_hold(Bucket=bucket, Key="k", LegalHold={"Status": "ON"})):
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e) == (400, "InvalidRequest", "Bucket is missing Object Lock Configuration")
    with pytest.raises(ClientError) as e:
        s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration=lock_config())
    assert error_of(e) == (409, "InvalidBucketState",
                           "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration=lock_config(Mode="GOVERNANCE", Years=1))
    # The default applies to versions written from now on, not to those already there.
    old = s3.head_object(Bucket=bucket, Key="k")
    assert "ObjectLockMode" not in old
    before = datetime.datetime.now(datetime.timezone.utc)
    s3.put_object(Bucket=bucket, Key="k", Body=b"y")
    new = s3.head_object(Bucket=bucket, Key="k")
    assert new["ObjectLockMode"] == "GOVERNANCE"
    assert before + datetime.timedelta(days=364) < new["ObjectLockRetainUntilDate"] < future(366)


# --- Object Lock: versions -----------------------------------------------------------------

def test_lock_headers_on_get_and_head(s3, locked):
    until = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=2)).replace(microsecond=0)
    s3.put_object(Bucket=locked, Key="k", Body=b"x", ObjectLockMode="COMPLIANCE",
                  ObjectLockRetainUntilDate=until, ObjectLockLegalHoldStatus="OFF")
    for call in (s3.get_object, s3.head_object):
        r = call(Bucket=locked, Key="k")
        assert (r["ObjectLockMode"], r["ObjectLockRetainUntilDate"], r["ObjectLockLegalHoldStatus"]) == (
            "COMPLIANCE", until, "OFF")
        h = r["ResponseMetadata"]["HTTPHeaders"]
        assert h["x-amz-object-lock-retain-until-date"].endswith("Z")
    s3.put_object(Bucket=locked, Key="plain", Body=b"x")
    r = s3.head_object(Bucket=locked, Key="plain")
    assert not {"ObjectLockMode", "ObjectLockRetainUntilDate", "ObjectLockLegalHoldStatus"} & set(r)


def test_locked_versions_refuse_deletion_with_s3s_message(s3, locked):
    held = s3.put_object(Bucket=locked, Key="held", Body=b"x", ObjectLockLegalHoldStatus="ON")["VersionId"]
    kept = s3.put_object(Bucket=locked, Key="kept", Body=b"x", ObjectLockMode="COMPLIANCE",
                         ObjectLockRetainUntilDate=future())["VersionId"]
    gov = s3.put_object(Bucket=locked, Key="gov", Body=b"x", ObjectLockMode="GOVERNANCE",
                        ObjectLockRetainUntilDate=future())["VersionId"]
    for key, version, bypass in (("held", held, True), ("kept", kept, True), ("gov", gov, False)):
        with pytest.raises(ClientError) as e:
            s3.delete_object(Bucket=locked, Key=key, VersionId=version, BypassGovernanceRetention=bypass)
        assert error_of(e) == (403, "AccessDenied", PROTECTED), key
    r = s3.delete_objects(Bucket=locked, Delete={"Objects": [
        {"Key": "held", "VersionId": held}, {"Key": "kept", "VersionId": kept}, {"Key": "gov", "VersionId": gov}]})
    assert "Deleted" not in r
    assert sorted((x["Key"], x["Code"], x["Message"]) for x in r["Errors"]) == [
        ("gov", "AccessDenied", PROTECTED), ("held", "AccessDenied", PROTECTED), ("kept", "AccessDenied", PROTECTED)]
    # Every version is still there; a delete without a version id only adds a marker.
    for key, version in (("held", held), ("kept", kept), ("gov", gov)):
        assert s3.get_object(Bucket=locked, Key=key, VersionId=version)["Body"].read() == b"x"
    assert s3.delete_object(Bucket=locked, Key="held")["DeleteMarker"] is True
    # GOVERNANCE yields to the bypass; the legal hold, once off, no longer protects.
    s3.delete_object(Bucket=locked, Key="gov", VersionId=gov, BypassGovernanceRetention=True)
    s3.put_object_legal_hold(Bucket=locked, Key="held", VersionId=held, LegalHold={"Status": "OFF"})
    s3.delete_object(Bucket=locked, Key="held", VersionId=held)


def test_retention_changes(s3, locked):
    v = s3.put_object(Bucket=locked, Key="k", Body=b"x", ObjectLockMode="COMPLIANCE",
                      ObjectLockRetainUntilDate=future(2))["VersionId"]
    refused = [
        ({"Mode": "COMPLIANCE", "RetainUntilDate": future(1)}, True),
        ({"Mode": "GOVERNANCE", "RetainUntilDate": future(3)}, True),
        ({}, True),
    ]
    for retention, bypass in refused:
        with pytest.raises(ClientError) as e:
            s3.put_object_retention(Bucket=locked, Key="k", VersionId=v, Retention=retention,
                                    BypassGovernanceRetention=bypass)
        assert error_of(e)[:2] == (403, "AccessDenied"), retention
    assert s3.get_object_retention(Bucket=locked, Key="k", VersionId=v)["Retention"]["Mode"] == "COMPLIANCE"
    s3.put_object_retention(Bucket=locked, Key="k", VersionId=v,
                            Retention={"Mode": "COMPLIANCE", "RetainUntilDate": future(4)})
    with pytest.raises(ClientError) as e:
        s3.put_object_retention(Bucket=locked, Key="k", VersionId=v,
                                Retention={"Mode": "COMPLIANCE", "RetainUntilDate": datetime.datetime(2001, 1, 1)})
    assert error_of(e) == (400, "InvalidArgument", "The retain until date must be in the future!")
    # GOVERNANCE: shortening needs the bypass header; raising to COMPLIANCE needs nothing.
    g = s3.put_object(Bucket=locked, Key="g", Body=b"x", ObjectLockMode="GOVERNANCE",
                      ObjectLockRetainUntilDate=future(3))["VersionId"]
    with pytest.raises(ClientError) as e:
        s3.put_object_retention(Bucket=locked, Key="g", VersionId=g,
                                Retention={"Mode": "GOVERNANCE", "RetainUntilDate": future(1)})
    assert error_of(e)[:2] == (403, "AccessDenied")
    s3.put_object_retention(Bucket=locked, Key="g", VersionId=g, BypassGovernanceRetention=True,
                            Retention={"Mode": "GOVERNANCE", "RetainUntilDate": future(1)})
    s3.put_object_retention(Bucket=locked, Key="g", VersionId=g,
                            Retention={"Mode": "COMPLIANCE", "RetainUntilDate": future(1)})
    assert s3.get_object_retention(Bucket=locked, Key="g", VersionId=g)["Retention"]["Mode"] == "COMPLIANCE"


def test_lock_reads_without_a_lock(s3, locked):
    v = s3.put_object(Bucket=locked, Key="k", Body=b"x")["VersionId"]
    for call in (s3.get_object_retention, s3.get_object_legal_hold):
        with pytest.raises(ClientError) as e:
            call(Bucket=locked, Key="k", VersionId=v)
        assert error_of(e) == (404, "NoSuchObjectLockConfiguration",
                               "The specified object does not have a ObjectLock configuration")


def test_delete_markers_hold_no_lock(s3, locked):
    s3.put_object(Bucket=locked, Key="k", Body=b"x")
    marker = s3.delete_object(Bucket=locked, Key="k")["VersionId"]
    calls = [
        ("PUT", lambda: s3.put_object_retention(Bucket=locked, Key="k", VersionId=marker,
                                                Retention={"Mode": "GOVERNANCE", "RetainUntilDate": future()})),
        ("PUT", lambda: s3.put_object_legal_hold(Bucket=locked, Key="k", VersionId=marker,
                                                 LegalHold={"Status": "ON"})),
        ("GET", lambda: s3.get_object_retention(Bucket=locked, Key="k", VersionId=marker)),
        ("GET", lambda: s3.get_object_legal_hold(Bucket=locked, Key="k", VersionId=marker)),
    ]
    for method, call in calls:
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e) == (405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
        err = e.value.response["Error"]
        assert (err["Method"], err["ResourceType"]) == (method, "DeleteMarker")
    # The marker itself can be removed: it is not protected.
    assert s3.delete_object(Bucket=locked, Key="k", VersionId=marker)["DeleteMarker"] is True


def test_bypass_needs_the_permission(server, s3, locked):
    iam = server.client("iam")
    user = unique("cl-user")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    as_user = boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                           config=Config(retries={"max_attempts": 1}),
                           aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    actions = ["s3:GetObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectRetention",
               "s3:GetObjectRetention"]
    iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": f"arn:aws:s3:::{locked}/*"}]}))
    v = s3.put_object(Bucket=locked, Key="k", Body=b"x", ObjectLockMode="GOVERNANCE",
                      ObjectLockRetainUntilDate=future(2))["VersionId"]
    with pytest.raises(ClientError) as e:
        as_user.put_object_retention(Bucket=locked, Key="k", VersionId=v, BypassGovernanceRetention=True,
                                     Retention={"Mode": "GOVERNANCE", "RetainUntilDate": future(1)})
    assert error_of(e)[:2] == (403, "AccessDenied")
    with pytest.raises(ClientError) as e:
        as_user.delete_object(Bucket=locked, Key="k", VersionId=v, BypassGovernanceRetention=True)
    assert error_of(e) == (403, "AccessDenied", PROTECTED)
    iam.put_user_policy(UserName=user, PolicyName="bypass", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:BypassGovernanceRetention",
                       "Resource": f"arn:aws:s3:::{locked}/*"}]}))
    as_user.put_object_retention(Bucket=locked, Key="k", VersionId=v, BypassGovernanceRetention=True,
                                 Retention={"Mode": "GOVERNANCE", "RetainUntilDate": future(1)})
    as_user.delete_object(Bucket=locked, Key="k", VersionId=v, BypassGovernanceRetention=True)
    assert "Versions" not in s3.list_object_versions(Bucket=locked, Prefix="k")
