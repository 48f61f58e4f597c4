"""The condition keys S3 requests carry, as bucket and identity policies see them: global keys
(`aws:SourceIp`, `aws:Referer`, `aws:CurrentTime`), request headers (`s3:x-amz-acl`,
`s3:x-amz-server-side-encryption`, `s3:x-amz-copy-source`), how the request was signed
(`s3:authType`), the tags asked for and the tags an object has, versions, list parameters
and the bucket's location. Each test checks the allowed and the denied side."""

import json
import urllib.request

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import unique

DENIED = ("AccessDenied", 403)


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def code(call, **kw):
    """The error code and status of a call expected to fail."""
    with pytest.raises(ClientError) as e:
        call(**kw)
    r = e.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"]


def deny(bucket, action, condition, resource=None):
    return {
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": resource or f"arn:aws:s3:::{bucket}/*",
        "Condition": condition,
    }


@pytest.fixture
def user(server):
    """An IAM user with an access key: (iam, name, its S3 client, a client maker)."""
    iam, name = server.client("iam"), unique("cond-user")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]

    def client(region="us-east-1"):
        return boto3.client(
            "s3",
            endpoint_url=server.endpoint,
            region_name=region,
            config=Config(retries={"max_attempts": 1}),
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
        )

    return iam, name, client(), client


def allow_user(iam, name, *statements):
    iam.put_user_policy(UserName=name, PolicyName="conditions", PolicyDocument=policy(*statements))


def test_put_requires_aes256(s3, bucket):
    cond = {"StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"}}
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(deny(bucket, "s3:PutObject", cond)))
    assert code(s3.put_object, Bucket=bucket, Key="plain", Body=b"x") == DENIED
    assert code(s3.put_object, Bucket=bucket, Key="kms", Body=b"x", ServerSideEncryption="aws:kms") == DENIED
    s3.put_object(Bucket=bucket, Key="sealed", Body=b"x", ServerSideEncryption="AES256")
    assert s3.head_object(Bucket=bucket, Key="sealed")["ServerSideEncryption"] == "AES256"
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="plain")
    # The header is a key of object writes only: reads are untouched.
    assert s3.get_object(Bucket=bucket, Key="sealed")["Body"].read() == b"x"


def test_null_tests_whether_a_header_was_sent(s3, bucket):
    cond = {"Null": {"s3:x-amz-server-side-encryption": "true"}}
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(deny(bucket, "s3:PutObject", cond)))
    assert code(s3.put_object, Bucket=bucket, Key="a", Body=b"x") == DENIED
    s3.put_object(Bucket=bucket, Key="a", Body=b"x", ServerSideEncryption="AES256")


def test_get_only_objects_tagged_public(s3, bucket, user):
    iam, name, as_user, _ = user
    s3.put_object(Bucket=bucket, Key="open", Body=b"open", Tagging="public=yes")
    s3.put_object(Bucket=bucket, Key="closed", Body=b"closed", Tagging="public=no")
    s3.put_object(Bucket=bucket, Key="untagged", Body=b"untagged")
    allow_user(
        iam,
        name,
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectTagging"],
            "Resource": f"arn:aws:s3:::{bucket}/*",
            "Condition": {"StringEquals": {"s3:ExistingObjectTag/public": "yes"}},
        },
    )
    assert as_user.get_object(Bucket=bucket, Key="open")["Body"].read() == b"open"
    assert as_user.get_object_tagging(Bucket=bucket, Key="open")["TagSet"] == [{"Key": "public", "Value": "yes"}]
    assert code(as_user.get_object, Bucket=bucket, Key="closed") == DENIED
    assert code(as_user.get_object, Bucket=bucket, Key="untagged") == DENIED
    assert code(as_user.get_object_tagging, Bucket=bucket, Key="closed") == DENIED
    # Retagging changes the answer.
    s3.put_object_tagging(Bucket=bucket, Key="closed", Tagging={"TagSet": [{"Key": "public", "Value": "yes"}]})
    assert as_user.get_object(Bucket=bucket, Key="closed")["Body"].read() == b"closed"


def test_put_only_with_team_tag(s3, bucket, user):
    iam, name, as_user, _ = user
    allow_user(
        iam,
        name,
        {
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:PutObjectTagging"],
            "Resource": f"arn:aws:s3:::{bucket}/*",
            "Condition": {"StringEquals": {"s3:RequestObjectTag/team": "blue"}},
        },
    )
    as_user.put_object(Bucket=bucket, Key="ok", Body=b"x", Tagging="team=blue")
    assert s3.get_object_tagging(Bucket=bucket, Key="ok")["TagSet"] == [{"Key": "team", "Value": "blue"}]
    assert code(as_user.put_object, Bucket=bucket, Key="red", Body=b"x", Tagging="team=red") == DENIED
    assert code(as_user.put_object, Bucket=bucket, Key="bare", Body=b"x") == DENIED
    # PutObjectTagging's tags come from its body.
    as_user.put_object_tagging(Bucket=bucket, Key="ok", Tagging={"TagSet": [{"Key": "team", "Value": "blue"}]})
    red = {"TagSet": [{"Key": "team", "Value": "red"}]}
    assert code(as_user.put_object_tagging, Bucket=bucket, Key="ok", Tagging=red) == DENIED
    assert s3.get_object_tagging(Bucket=bucket, Key="ok")["TagSet"] == [{"Key": "team", "Value": "blue"}]
    # So do CreateMultipartUpload's.
    as_user.create_multipart_upload(Bucket=bucket, Key="mp", Tagging="team=blue")
    assert code(as_user.create_multipart_upload, Bucket=bucket, Key="mp", Tagging="team=red") == DENIED


def test_tag_keys_are_multivalued(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    cond = {"ForAnyValue:StringNotEquals": {"s3:RequestObjectTagKeys": ["team", "env"]}}
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(deny(bucket, "s3:PutObjectTagging", cond)))
    good = {"TagSet": [{"Key": "team", "Value": "1"}, {"Key": "env", "Value": "2"}]}
    bad = {"TagSet": [{"Key": "team", "Value": "1"}, {"Key": "owner", "Value": "2"}]}
    s3.put_object_tagging(Bucket=bucket, Key="a", Tagging=good)
    assert code(s3.put_object_tagging, Bucket=bucket, Key="a", Tagging=bad) == DENIED
    assert len(s3.get_object_tagging(Bucket=bucket, Key="a")["TagSet"]) == 2


def test_source_ip(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    outside = deny(bucket, "s3:GetObject", {"NotIpAddress": {"aws:SourceIp": "127.0.0.1/32"}})
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(outside))
    assert s3.get_object(Bucket=bucket, Key="a")["Body"].read() == b"x"
    private = deny(bucket, "s3:GetObject", {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(private))
    assert s3.get_object(Bucket=bucket, Key="a")["Body"].read() == b"x"
    loopback = deny(bucket, "s3:GetObject", {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}})
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(loopback))
    assert code(s3.get_object, Bucket=bucket, Key="a") == DENIED


def test_canned_acl(s3, bucket):
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    s3.delete_public_access_block(Bucket=bucket)
    cond = {"StringEquals": {"s3:x-amz-acl": "public-read-write"}}
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(deny(bucket, "s3:PutObject", cond)))
    s3.put_object(Bucket=bucket, Key="no-acl", Body=b"x")
    s3.put_object(Bucket=bucket, Key="readable", Body=b"x", ACL="public-read")
    assert code(s3.put_object, Bucket=bucket, Key="public", Body=b"x", ACL="public-read-write") == DENIED
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="public")


def test_if_exists_allows_requests_without_the_key(s3, bucket, user):
    iam, name, as_user, _ = user
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    allow_user(
        iam,
        name,
        {
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:PutObjectAcl"],
            "Resource": f"arn:aws:s3:::{bucket}/*",
            "Condition": {"StringEqualsIfExists": {"s3:x-amz-acl": "bucket-owner-full-control"}},
        },
    )
    as_user.put_object(Bucket=bucket, Key="no-acl", Body=b"x")
    as_user.put_object(Bucket=bucket, Key="owner", Body=b"x", ACL="bucket-owner-full-control")
    assert code(as_user.put_object, Bucket=bucket, Key="private", Body=b"x", ACL="private") == DENIED
    # Without IfExists an absent key fails the condition.
    allow_user(
        iam,
        name,
        {
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:PutObjectAcl"],
            "Resource": f"arn:aws:s3:::{bucket}/*",
            "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
        },
    )
    assert code(as_user.put_object, Bucket=bucket, Key="no-acl", Body=b"x") == DENIED
    as_user.put_object(Bucket=bucket, Key="owner", Body=b"x", ACL="bucket-owner-full-control")


def test_auth_type_of_presigned_urls(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    cond = {"StringEquals": {"s3:authType": "REST-QUERY-STRING"}}
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(deny(bucket, "s3:GetObject", cond)))
    assert s3.get_object(Bucket=bucket, Key="a")["Body"].read() == b"x"
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "a"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(url, timeout=30)
    assert e.value.code == 403
    assert b"AccessDenied" in e.value.read()
    # The reverse: only presigned URLs.
    cond = {"StringNotEquals": {"s3:authType": "REST-QUERY-STRING"}}
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(deny(bucket, "s3:GetObject", cond)))
    with urllib.request.urlopen(url, timeout=30) as r:
        assert r.read() == b"x"
    assert code(s3.get_object, Bucket=bucket, Key="a") == DENIED


def test_signature_version(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    cond = {"StringNotEquals": {"s3:signatureversion": "AWS4-HMAC-SHA256"}}
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(deny(bucket, "s3:GetObject", cond)))
    assert s3.get_object(Bucket=bucket, Key="a")["Body"].read() == b"x"
    cond = {"StringEquals": {"s3:signatureversion": "AWS4-HMAC-SHA256"}}
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(deny(bucket, "s3:GetObject", cond)))
    assert code(s3.get_object, Bucket=bucket, Key="a") == DENIED


def test_referer_for_anonymous_reads(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="page.html", Body=b"<p>hi</p>")
    s3.delete_public_access_block(Bucket=bucket)
    allow = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
        "Condition": {"StringLike": {"aws:Referer": ["http://www.example.com/*", "http://example.com/*"]}},
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(allow))
    path = f"/{bucket}/page.html"
    status, _, body = server.http("GET", path, headers={"Referer": "http://www.example.com/index.html"})
    assert (status, body) == (200, b"<p>hi</p>")
    assert server.http("GET", path, headers={"Referer": "http://evil.example.net/"})[0] == 403
    assert server.http("GET", path)[0] == 403


def test_version_id(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=bucket, Key="a", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="a", Body=b"two")["VersionId"]
    cond = {"StringEquals": {"s3:VersionId": v1}}
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=policy(deny(bucket, ["s3:GetObjectVersion", "s3:DeleteObjectVersion"], cond)),
    )
    assert code(s3.get_object, Bucket=bucket, Key="a", VersionId=v1) == DENIED
    assert s3.get_object(Bucket=bucket, Key="a", VersionId=v2)["Body"].read() == b"two"
    assert code(s3.delete_object, Bucket=bucket, Key="a", VersionId=v1) == DENIED
    out = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "a", "VersionId": v1}]})
    assert [e["Code"] for e in out.get("Errors", [])] == ["AccessDenied"]
    versions = s3.list_object_versions(Bucket=bucket)["Versions"]
    assert {v["VersionId"] for v in versions} == {v1, v2}
    s3.delete_object(Bucket=bucket, Key="a", VersionId=v2)


def test_copy_source(s3, bucket, user):
    iam, name, as_user, _ = user
    s3.put_object(Bucket=bucket, Key="public/a", Body=b"a")
    s3.put_object(Bucket=bucket, Key="private/b", Body=b"b")
    allow_user(
        iam,
        name,
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"},
        {
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{bucket}/*",
            "Condition": {"StringLikeIfExists": {"s3:x-amz-copy-source": f"{bucket}/public/*"}},
        },
    )
    as_user.copy_object(Bucket=bucket, Key="copy-a", CopySource={"Bucket": bucket, "Key": "public/a"})
    assert s3.get_object(Bucket=bucket, Key="copy-a")["Body"].read() == b"a"
    source = {"Bucket": bucket, "Key": "private/b"}
    assert code(as_user.copy_object, Bucket=bucket, Key="copy-b", CopySource=source) == DENIED
    # Plain uploads carry no copy source, so IfExists lets them through.
    as_user.put_object(Bucket=bucket, Key="plain", Body=b"p")
    # A bucket policy can deny copies from elsewhere outright.
    cond = {"StringNotLike": {"s3:x-amz-copy-source": f"{bucket}/public/*"}, "Null": {"s3:x-amz-copy-source": "false"}}
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(deny(bucket, "s3:PutObject", cond)))
    assert code(s3.copy_object, Bucket=bucket, Key="copy-b", CopySource=source) == DENIED
    s3.copy_object(Bucket=bucket, Key="copy-a2", CopySource={"Bucket": bucket, "Key": "public/a"})
    s3.put_object(Bucket=bucket, Key="plain2", Body=b"p")


def test_max_keys(s3, bucket, user):
    iam, name, as_user, _ = user
    for k in ("a", "b", "c"):
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    allow_user(
        iam,
        name,
        {
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": f"arn:aws:s3:::{bucket}",
            "Condition": {"NumericLessThanEquals": {"s3:max-keys": "10"}},
        },
    )
    assert as_user.list_objects_v2(Bucket=bucket, MaxKeys=10)["KeyCount"] == 3
    assert as_user.list_objects(Bucket=bucket, MaxKeys=2)["MaxKeys"] == 2
    assert code(as_user.list_objects_v2, Bucket=bucket, MaxKeys=11) == DENIED
    # Without max-keys the key is absent, and the condition fails.
    assert code(as_user.list_objects_v2, Bucket=bucket) == DENIED


def test_current_time(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    past = deny(bucket, "s3:GetObject", {"DateLessThan": {"aws:CurrentTime": "2001-01-01T00:00:00Z"}})
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(past))
    assert s3.get_object(Bucket=bucket, Key="a")["Body"].read() == b"x"
    since = deny(bucket, "s3:GetObject", {"DateGreaterThan": {"aws:CurrentTime": "2001-01-01T00:00:00Z"}})
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(since))
    assert code(s3.get_object, Bucket=bucket, Key="a") == DENIED
    epoch = deny(bucket, "s3:GetObject", {"NumericLessThan": {"aws:EpochTime": "978307200"}})
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(epoch))
    assert s3.get_object(Bucket=bucket, Key="a")["Body"].read() == b"x"


def test_location_constraint(server, user):
    iam, name, as_user, client = user
    allow_user(
        iam,
        name,
        {
            "Effect": "Allow",
            "Action": "s3:CreateBucket",
            "Resource": "*",
            "Condition": {"StringEquals": {"s3:LocationConstraint": "eu-west-1"}},
        },
    )
    eu = client("eu-west-1")
    ok = unique("cond-eu")
    eu.create_bucket(Bucket=ok, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert server.client("s3").get_bucket_location(Bucket=ok)["LocationConstraint"] == "eu-west-1"
    assert code(as_user.create_bucket, Bucket=unique("cond-us")) == DENIED


def test_resource_account(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    cond = {"StringNotEquals": {"s3:ResourceAccount": "000000000000"}}
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(deny(bucket, "s3:GetObject", cond)))
    assert s3.get_object(Bucket=bucket, Key="a")["Body"].read() == b"x"
    cond = {"StringEquals": {"s3:ResourceAccount": "000000000000"}}
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(deny(bucket, "s3:GetObject", cond)))
    assert code(s3.get_object, Bucket=bucket, Key="a") == DENIED


def test_bucket_policies_accept_the_keys_requests_carry(s3, bucket):
    keys = [
        "s3:x-amz-acl",
        "s3:x-amz-grant-read",
        "s3:x-amz-grant-write",
        "s3:x-amz-grant-read-acp",
        "s3:x-amz-grant-write-acp",
        "s3:x-amz-grant-full-control",
        "s3:x-amz-server-side-encryption",
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
        "s3:x-amz-server-side-encryption-customer-algorithm",
        "s3:x-amz-storage-class",
        "s3:x-amz-metadata-directive",
        "s3:x-amz-copy-source",
        "s3:x-amz-website-redirect-location",
        "s3:x-amz-content-sha256",
        "s3:signatureversion",
        "s3:authType",
        "s3:VersionId",
        "s3:object-lock-mode",
        "s3:object-lock-retain-until-date",
        "s3:object-lock-legal-hold",
        "s3:object-lock-remaining-retention-days",
        "s3:RequestObjectTag/team",
        "s3:RequestObjectTagKeys",
        "s3:ExistingObjectTag/public",
        "s3:ResourceAccount",
        "s3:TlsVersion",
        "s3:LocationConstraint",
        "s3:x-amz-object-ownership",
        "aws:SourceIp",
        "aws:UserAgent",
        "aws:Referer",
        "aws:RequestedRegion",
    ]
    cond = {"StringEqualsIfExists": {k: "never-sent" for k in keys if k != "aws:SourceIp"}}
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(deny(bucket, "s3:GetObject", cond)))
    bad = {"StringEquals": {"s3:ExistingObjectTag": "x"}}
    assert code(s3.put_bucket_policy, Bucket=bucket, Policy=policy(deny(bucket, "s3:GetObject", bad))) == (
        "MalformedPolicy",
        400,
    )


def test_browser_uploads(server, s3, bucket):
    from test_s3_post import post, presigned

    cond = {"StringEquals": {"s3:authType": "POST"}}
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(deny(bucket, "s3:PutObject", cond)))
    form = presigned(server, bucket)
    status, _, body = post(server, form["url"], form["fields"])
    assert status == 403 and b"AccessDenied" in body
    s3.put_object(Bucket=bucket, Key="uploads/sdk.txt", Body=b"x")
    # A form's fields stand for PutObject's headers, keys included.
    cond = {"StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"}}
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(deny(bucket, "s3:PutObject", cond)))
    assert post(server, form["url"], form["fields"])[0] == 403
    sealed = presigned(server, bucket, fields={"x-amz-server-side-encryption": "AES256"})
    status, _, body = post(server, sealed["url"], sealed["fields"])
    assert status == 204, body
    assert s3.head_object(Bucket=bucket, Key="uploads/hello.txt")["ServerSideEncryption"] == "AES256"


def test_object_lock_retention_days(s3):
    import datetime

    bucket = unique("cond-lock")
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    cond = {"NumericGreaterThan": {"s3:object-lock-remaining-retention-days": "30"}}
    s3.put_bucket_policy(
        Bucket=bucket, Policy=policy(deny(bucket, ["s3:PutObjectRetention", "s3:PutObject"], cond))
    )
    now = datetime.datetime.now(datetime.timezone.utc)
    soon, late = now + datetime.timedelta(days=10), now + datetime.timedelta(days=100)
    s3.put_object_retention(Bucket=bucket, Key="a", Retention={"Mode": "GOVERNANCE", "RetainUntilDate": soon})
    far = {"Mode": "GOVERNANCE", "RetainUntilDate": late}
    assert code(s3.put_object_retention, Bucket=bucket, Key="a", Retention=far) == DENIED
    got = s3.get_object_retention(Bucket=bucket, Key="a")["Retention"]["RetainUntilDate"]
    assert abs((got - soon).total_seconds()) < 5
    # The object-creation headers are keys too.
    s3.put_object(Bucket=bucket, Key="b", Body=b"x", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=soon)
    kw = {"ObjectLockMode": "GOVERNANCE", "ObjectLockRetainUntilDate": late}
    assert code(s3.put_object, Bucket=bucket, Key="c", Body=b"x", **kw) == DENIED
    # Legal holds are keys of PutObjectLegalHold.
    hold = deny(bucket, "s3:PutObjectLegalHold", {"StringEquals": {"s3:object-lock-legal-hold": "ON"}})
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(hold))
    s3.put_object_legal_hold(Bucket=bucket, Key="a", LegalHold={"Status": "OFF"})
    assert code(s3.put_object_legal_hold, Bucket=bucket, Key="a", LegalHold={"Status": "ON"}) == DENIED


def test_principal_tags(server, s3, bucket):
    iam = server.client("iam")
    s3.put_object(Bucket=bucket, Key="red/doc", Body=b"for red")
    s3.put_object(Bucket=bucket, Key="blue/doc", Body=b"for blue")
    statement = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/${{aws:PrincipalTag/team}}/*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/level": "reader"}},
    }

    def tagged(*tags):
        name = unique("tagged")
        iam.create_user(UserName=name, Tags=[{"Key": k, "Value": v} for k, v in tags])
        allow_user(iam, name, statement)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                            config=Config(retries={"max_attempts": 1}),
                            aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])

    reader = tagged(("team", "red"), ("level", "reader"))
    assert reader.get_object(Bucket=bucket, Key="red/doc")["Body"].read() == b"for red"
    assert code(reader.get_object, Bucket=bucket, Key="blue/doc") == DENIED
    writer = tagged(("team", "red"), ("level", "writer"))
    assert code(writer.get_object, Bucket=bucket, Key="red/doc") == DENIED
    untagged = tagged()
    assert code(untagged.get_object, Bucket=bucket, Key="red/doc") == DENIED
