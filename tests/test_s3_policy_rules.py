"""S3 authorization rules as AWS documents them: what PutBucketPolicy accepts, what Block
Public Access counts as public and what it blocks, how bucket and identity policies combine
for callers of the owner's account, of other accounts and anonymous ones, and the errors a
refused caller sees. Accounts are told apart by their 12-digit access key ids."""

import json

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import raw as conftest_raw
from conftest import unique

OWNER = "000000000000"
OTHER = "111122223333"
DENIED = ("AccessDenied", 403)
OPEN = {"BlockPublicAcls": False, "IgnorePublicAcls": False,
        "BlockPublicPolicy": False, "RestrictPublicBuckets": False}


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def client(server, key_id, secret="test"):
    return boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                        aws_access_key_id=key_id, aws_secret_access_key=secret,
                        config=Config(retries={"max_attempts": 1}))


def error(call, **kw):
    """(code, status) of a call, ("OK", 200) when it succeeds."""
    try:
        call(**kw)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    return "OK", 200


def raw(server, method, path, body=None, headers=None):
    status, _, data = conftest_raw(server, method, path, body, headers)
    return status, data


@pytest.fixture
def bucket(s3):
    name = unique("rules")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="doc.txt", Body=b"hello")
    return name


@pytest.fixture
def open_bucket(s3, bucket):
    """A bucket whose Block Public Access settings are all off."""
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=OPEN)
    return bucket


def new_user(server, account_key="test"):
    """An IAM user (of the account `account_key` names): (iam client, name, s3 client, arn)."""
    iam = boto3.client("iam", endpoint_url=server.endpoint, region_name="us-east-1",
                       aws_access_key_id=account_key, aws_secret_access_key="test")
    name = unique("rules-user")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return iam, name, client(server, key["AccessKeyId"], key["SecretAccessKey"]), arn


def grant(iam, name, *statements):
    iam.put_user_policy(UserName=name, PolicyName="rules", PolicyDocument=policy(*statements))


# --- PutBucketPolicy ---------------------------------------------------------------------

def padded(bucket, size):
    """A valid policy of at least `size` bytes, most of them insignificant whitespace."""
    doc = policy({"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "s3:GetObject",
                  "Resource": f"arn:aws:s3:::{bucket}/*"})
    return doc[:1] + " " * (size - len(doc)) + doc[1:]


def big(bucket, size):
    """A valid policy of at least `size` bytes without insignificant whitespace."""
    resources = [f"arn:aws:s3:::{bucket}/p{i:05d}/*" for i in range(size // 30)]
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "s3:GetObject",
         "Resource": resources}]}, separators=(",", ":"))


def test_policy_size_limit_counts_significant_bytes(s3, bucket):
    # AWS measures the 20 KB limit without the whitespace between JSON tokens.
    loose = padded(bucket, 30 * 1024)
    assert len(loose) > 20 * 1024
    s3.put_bucket_policy(Bucket=bucket, Policy=loose)
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(loose)
    dense = big(bucket, 21 * 1024)
    with pytest.raises(ClientError) as e:
        s3.put_bucket_policy(Bucket=bucket, Policy=dense)
    assert (e.value.response["Error"]["Code"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (
        "MalformedPolicy", 400)
    # The refused policy left the stored one alone.
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(loose)


def test_policy_version_2008_and_ids(s3, bucket):
    doc = json.dumps({"Version": "2008-10-17", "Id": "any id, with spaces", "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/*"}]})
    s3.put_bucket_policy(Bucket=bucket, Policy=doc)
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(doc)


# --- what is public ----------------------------------------------------------------------

def public_statement(bucket, condition):
    s = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}
    if condition:
        s["Condition"] = condition
    return s


@pytest.mark.parametrize("condition, public", [
    (None, True),
    ({"StringEquals": {"aws:SourceAccount": OTHER}}, False),
    ({"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}, False),
    ({"StringEquals": {"aws:SourceVpc": "vpc-111bbb22"}}, False),
    ({"StringLike": {"aws:SourceVpc": "vpc-*"}}, True),
    ({"ArnEquals": {"aws:SourceArn": "arn:aws:cloudfront::111122223333:distribution/E1"}}, False),
    ({"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}, False),
    ({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, False),
    ({"IpAddress": {"aws:SourceIp": "2001:db8::/48"}}, False),
    ({"IpAddress": {"aws:SourceIp": "0.0.0.0/1"}}, True),
    # A KMS key pinned by its id keeps a policy from being public.
    ({"StringEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id":
                       "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}}, False),
    # A policy variable is not a fixed value.
    ({"StringEquals": {"aws:SourceAccount": "${aws:PrincipalAccount}"}}, True),
    ({"StringEquals": {"aws:userid": "${aws:userid}"}}, True),
    ({"Bool": {"aws:SecureTransport": "true"}}, True),
    ({"StringEquals": {"s3:x-amz-acl": "private"}}, True),
])
def test_policy_status_follows_the_meaning_of_public(s3, open_bucket, condition, public):
    s3.put_bucket_policy(Bucket=open_bucket, Policy=policy(public_statement(open_bucket, condition)))
    assert s3.get_bucket_policy_status(Bucket=open_bucket)["PolicyStatus"]["IsPublic"] is public


def test_block_public_policy_judges_the_same_way(s3, bucket):
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={**OPEN, "BlockPublicPolicy": True})
    variable = policy(public_statement(bucket, {"StringEquals": {"aws:SourceAccount": "${aws:PrincipalAccount}"}}))
    assert error(s3.put_bucket_policy, Bucket=bucket, Policy=variable) == DENIED
    kms = policy(public_statement(bucket, {"StringEquals": {
        "s3:x-amz-server-side-encryption-aws-kms-key-id": "arn:aws:kms:us-east-1:111122223333:key/k1"}}))
    s3.put_bucket_policy(Bucket=bucket, Policy=kms)


# --- Block Public Access at request time -------------------------------------------------

def test_restrict_public_buckets_blocks_other_accounts_not_the_owners(server, s3, open_bucket):
    bucket = open_bucket
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(
        public_statement(bucket, None),
        {"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "s3:ListBucket",
         "Resource": f"arn:aws:s3:::{bucket}"}))
    other = client(server, OTHER)
    _, name, as_user, _ = new_user(server)
    assert raw(server, "GET", f"/{bucket}/doc.txt") == (200, b"hello")
    assert other.get_object(Bucket=bucket, Key="doc.txt")["Body"].read() == b"hello"
    assert error(other.list_objects_v2, Bucket=bucket) == ("OK", 200)
    assert as_user.get_object(Bucket=bucket, Key="doc.txt")["Body"].read() == b"hello"
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={**OPEN, "RestrictPublicBuckets": True})
    assert raw(server, "GET", f"/{bucket}/doc.txt")[0] == 403
    assert error(other.get_object, Bucket=bucket, Key="doc.txt") == DENIED
    # Even the non-public grant to a named account falls with the public policy.
    assert error(other.list_objects_v2, Bucket=bucket) == DENIED
    # Principals of the owner's account keep what the policy gives them.
    assert as_user.get_object(Bucket=bucket, Key="doc.txt")["Body"].read() == b"hello"


def test_ignore_and_block_public_acls(server, s3, open_bucket):
    bucket = open_bucket
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]})
    s3.put_object(Bucket=bucket, Key="pub.txt", Body=b"pub", ACL="public-read")
    assert raw(server, "GET", f"/{bucket}/pub.txt") == (200, b"pub")
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={**OPEN, "IgnorePublicAcls": True})
    assert raw(server, "GET", f"/{bucket}/pub.txt")[0] == 403
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={**OPEN, "BlockPublicAcls": True})
    assert error(s3.put_object, Bucket=bucket, Key="new.txt", Body=b"x", ACL="public-read") == DENIED
    assert error(s3.put_object_acl, Bucket=bucket, Key="pub.txt", ACL="public-read-write") == DENIED
    assert error(s3.put_bucket_acl, Bucket=bucket, ACL="public-read") == DENIED
    assert error(s3.put_object_acl, Bucket=bucket, Key="pub.txt",
                 GrantRead='uri="http://acs.amazonaws.com/groups/global/AllUsers"') == DENIED
    assert error(s3.head_object, Bucket=bucket, Key="new.txt") == ("404", 404)
    # A private ACL is still accepted.
    s3.put_object(Bucket=bucket, Key="new.txt", Body=b"x", ACL="private")


# --- evaluation --------------------------------------------------------------------------

def test_owner_root_keeps_the_policy_operations_when_denied(s3, bucket):
    deny_all = policy({"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                       "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]})
    s3.put_bucket_policy(Bucket=bucket, Policy=deny_all)
    assert error(s3.get_object, Bucket=bucket, Key="doc.txt") == DENIED
    assert error(s3.get_bucket_tagging, Bucket=bucket) == DENIED
    # The root of the owning account may always read, replace and delete the policy.
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(deny_all)
    s3.put_bucket_policy(Bucket=bucket, Policy=deny_all)
    s3.delete_bucket_policy(Bucket=bucket)
    assert s3.get_object(Bucket=bucket, Key="doc.txt")["Body"].read() == b"hello"


def test_owners_users_do_not_keep_the_policy_operations(server, s3, bucket):
    iam, name, as_user, _ = new_user(server)
    grant(iam, name, {"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": f"arn:aws:s3:::{bucket}"}))
    assert error(as_user.get_bucket_policy, Bucket=bucket) == DENIED
    assert error(as_user.delete_bucket_policy, Bucket=bucket) == DENIED


def not_principal(bucket, *principals):
    return policy({"Effect": "Deny", "NotPrincipal": {"AWS": list(principals)}, "Action": "s3:GetObject",
                   "Resource": f"arn:aws:s3:::{bucket}/*"})


def test_not_principal_with_deny_must_name_every_identity_of_the_caller(server, s3, bucket):
    iam, name, as_user, user_arn = new_user(server)
    grant(iam, name, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    root = f"arn:aws:iam::{OWNER}:root"
    cases = [
        # Naming the account excludes only the account's root, not its users.
        ((root,), "OK", DENIED),
        ((OWNER,), "OK", DENIED),
        # Naming the user alone leaves its account denied, and the user with it.
        ((user_arn,), DENIED, DENIED),
        ((user_arn, root), "OK", "OK"),
    ]
    for principals, root_outcome, user_outcome in cases:
        s3.put_bucket_policy(Bucket=bucket, Policy=not_principal(bucket, *principals))
        got = (error(s3.get_object, Bucket=bucket, Key="doc.txt"),
               error(as_user.get_object, Bucket=bucket, Key="doc.txt"))
        want = tuple(("OK", 200) if o == "OK" else o for o in (root_outcome, user_outcome))
        assert got == want, principals
        s3.delete_bucket_policy(Bucket=bucket)


def test_not_principal_with_deny_for_a_role_session(server, s3, bucket):
    iam = server.client("iam")
    role = unique("rules-role")
    trust = policy({"Effect": "Allow", "Principal": {"AWS": OWNER}, "Action": "sts:AssumeRole"})
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.put_role_policy(RoleName=role, PolicyName="read", PolicyDocument=policy(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}))
    creds = server.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="app")["Credentials"]
    as_session = boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                              aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                              aws_session_token=creds["SessionToken"], config=Config(retries={"max_attempts": 1}))
    session_arn = f"arn:aws:sts::{OWNER}:assumed-role/{role}/app"
    root = f"arn:aws:iam::{OWNER}:root"
    for principals, outcome in [
        ((root,), DENIED),
        ((role_arn, root), DENIED),
        ((session_arn, root), DENIED),
        ((session_arn, role_arn, root), ("OK", 200)),
    ]:
        s3.put_bucket_policy(Bucket=bucket, Policy=not_principal(bucket, *principals))
        assert error(as_session.get_object, Bucket=bucket, Key="doc.txt") == outcome, principals
        s3.delete_bucket_policy(Bucket=bucket)


def test_cross_account_root_needs_only_the_bucket_policy(server, s3, bucket):
    other = client(server, OTHER)
    assert error(other.get_object, Bucket=bucket, Key="doc.txt") == DENIED
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/*"}))
    assert other.get_object(Bucket=bucket, Key="doc.txt")["Body"].read() == b"hello"
    # Its users also need their identity policy, and its deny wins.
    iam, name, as_remote, _ = new_user(server, OTHER)
    assert error(as_remote.get_object, Bucket=bucket, Key="doc.txt") == DENIED
    grant(iam, name, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    assert as_remote.get_object(Bucket=bucket, Key="doc.txt")["Body"].read() == b"hello"
    grant(iam, name, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
          {"Effect": "Deny", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/doc.txt"})
    assert error(as_remote.get_object, Bucket=bucket, Key="doc.txt") == DENIED


@pytest.mark.parametrize("condition, prefix, allowed", [
    ({"StringLike": {"s3:prefix": "home/*"}}, "home/a", True),
    ({"StringLike": {"s3:prefix": "home/*"}}, "work/a", False),
    ({"StringLike": {"s3:prefix": "home/?"}}, "home/ab", False),
    # Several values of one key: any may match.
    ({"StringEquals": {"s3:prefix": ["home/", "work/"]}}, "work/", True),
    # Several keys: all must hold.
    ({"StringEquals": {"s3:prefix": "home/", "s3:delimiter": "/"}}, "home/", False),
    ({"StringEqualsIgnoreCase": {"s3:prefix": "HOME/"}}, "home/", True),
    ({"StringNotLikeIfExists": {"s3:prefix": "secret*"}}, None, True),
    ({"Null": {"s3:prefix": "true"}}, "home/", False),
])
def test_list_conditions(server, s3, bucket, condition, prefix, allowed):
    iam, name, as_user, _ = new_user(server)
    grant(iam, name, {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}",
                      "Condition": condition})
    kw = {"Bucket": bucket} if prefix is None else {"Bucket": bucket, "Prefix": prefix}
    assert error(as_user.list_objects_v2, **kw) == (("OK", 200) if allowed else DENIED)


def test_missing_key_is_403_without_list_bucket_and_404_with_it(server, s3, open_bucket):
    bucket = open_bucket
    iam, name, as_user, _ = new_user(server)
    grant(iam, name, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"})
    assert error(as_user.get_object, Bucket=bucket, Key="missing") == DENIED
    assert error(as_user.head_object, Bucket=bucket, Key="missing") == ("403", 403)
    grant(iam, name, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"},
          {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"})
    assert error(as_user.get_object, Bucket=bucket, Key="missing") == ("NoSuchKey", 404)
    assert error(as_user.head_object, Bucket=bucket, Key="missing") == ("404", 404)
    # Anonymous callers alike, through the bucket policy.
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(public_statement(bucket, None)))
    status, body = raw(server, "GET", f"/{bucket}/missing")
    assert status == 403 and b"<Code>AccessDenied</Code>" in body and b"<Message>Access Denied</Message>" in body
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(
        public_statement(bucket, None),
        {"Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"}))
    status, body = raw(server, "GET", f"/{bucket}/missing")
    assert status == 404 and b"<Code>NoSuchKey</Code>" in body


def test_anonymous_access_denied_body(server, bucket):
    status, body = raw(server, "GET", f"/{bucket}/doc.txt")
    assert status == 403
    for part in (b"<Code>AccessDenied</Code>", b"<Message>Access Denied</Message>", b"<RequestId>", b"<HostId>"):
        assert part in body


@pytest.mark.parametrize("condition, allowed", [
    ({"DateLessThan": {"aws:CurrentTime": "2999-01-01T00:00:00Z"}}, True),
    ({"DateGreaterThan": {"aws:CurrentTime": "2999-01-01T00:00:00Z"}}, False),
    ({"Bool": {"aws:SecureTransport": "false"}}, True),
    ({"Bool": {"aws:SecureTransport": "true"}}, False),
    ({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "127.0.0.0/8"]}}, True),
    ({"NotIpAddress": {"aws:SourceIp": "127.0.0.0/8"}}, False),
    ({"IpAddress": {"aws:SourceIp": "::1/128"}}, False),
    ({"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{OWNER}:user/rules-*"}}, True),
    ({"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{OTHER}:user/*"}}, False),
    ({"StringLike": {"aws:UserAgent": "*Boto3*"}}, True),
    ({"ForAnyValue:StringEquals": {"aws:PrincipalType": ["User", "AssumedRole"]}}, True),
    ({"StringEquals": {"s3:signatureversion": "AWS4-HMAC-SHA256", "s3:authType": "REST-HEADER"}}, True),
    ({"StringEquals": {"s3:authType": "REST-QUERY-STRING"}}, False),
])
def test_global_conditions_on_get(server, s3, bucket, condition, allowed):
    iam, name, as_user, _ = new_user(server)
    grant(iam, name, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*",
                      "Condition": condition})
    assert error(as_user.get_object, Bucket=bucket, Key="doc.txt") == (("OK", 200) if allowed else DENIED)


def test_presigned_url_carries_query_auth_type(server, s3, bucket):
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(
        {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*",
         "Condition": {"StringEquals": {"s3:authType": "REST-QUERY-STRING"}}}))
    assert s3.get_object(Bucket=bucket, Key="doc.txt")["Body"].read() == b"hello"
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "doc.txt"})
    path = url.split(str(server.port), 1)[1]
    status, body = raw(server, "GET", path)
    assert status == 403 and b"<Code>AccessDenied</Code>" in body


def test_block_public_policy_spares_a_stored_public_policy(server, s3, open_bucket):
    bucket = open_bucket
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(public_statement(bucket, None)))
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={**OPEN, "BlockPublicPolicy": True})
    # BlockPublicPolicy refuses new public policies; the stored one still applies.
    assert raw(server, "GET", f"/{bucket}/doc.txt") == (200, b"hello")
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is True
    assert error(s3.put_bucket_policy, Bucket=bucket, Policy=policy(public_statement(bucket, None))) == DENIED


def test_policy_status_without_a_policy(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_bucket_policy_status(Bucket=bucket)
    err = e.value.response
    assert (err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Message"]) == (
        "NoSuchBucketPolicy", 404, "The bucket policy does not exist")


def test_public_acls_of_the_bucket(server, s3, open_bucket):
    bucket = open_bucket
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]})
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    assert raw(server, "GET", f"/{bucket}?list-type=2")[0] == 200
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={**OPEN, "IgnorePublicAcls": True})
    assert raw(server, "GET", f"/{bucket}?list-type=2")[0] == 403
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={**OPEN, "BlockPublicAcls": True})
    # AuthenticatedUsers is public too.
    assert error(s3.put_object, Bucket=bucket, Key="a.txt", Body=b"x", ACL="authenticated-read") == DENIED
    assert error(s3.put_bucket_acl, Bucket=bucket, ACL="authenticated-read") == DENIED
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"x", ACL="bucket-owner-full-control")


def test_bucket_policy_alone_grants_within_the_account(server, s3, bucket):
    _, _, as_user, user_arn = new_user(server)
    assert error(as_user.get_object, Bucket=bucket, Key="doc.txt") == DENIED
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/*"}))
    assert as_user.get_object(Bucket=bucket, Key="doc.txt")["Body"].read() == b"hello"
    assert error(as_user.put_object, Bucket=bucket, Key="doc.txt", Body=b"x") == DENIED


def test_wildcard_principal_admits_anonymous_and_other_accounts(server, s3, open_bucket):
    bucket = open_bucket
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/*"}))
    assert raw(server, "GET", f"/{bucket}/doc.txt") == (200, b"hello")
    assert client(server, OTHER).get_object(Bucket=bucket, Key="doc.txt")["Body"].read() == b"hello"
    # Writes were not granted.
    assert raw(server, "PUT", f"/{bucket}/new.txt", body=b"x")[0] == 403
    assert error(client(server, OTHER).put_object, Bucket=bucket, Key="new.txt", Body=b"x") == DENIED


def test_deny_over_plain_http_denies_the_owner_too(server, s3, bucket):
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}}))
    assert error(s3.get_object, Bucket=bucket, Key="doc.txt") == DENIED
    assert error(s3.list_objects_v2, Bucket=bucket) == DENIED
    assert error(s3.put_object, Bucket=bucket, Key="doc.txt", Body=b"changed") == DENIED
    s3.delete_bucket_policy(Bucket=bucket)
    assert s3.get_object(Bucket=bucket, Key="doc.txt")["Body"].read() == b"hello"


def test_head_of_an_object_denied_to_anonymous_has_no_body(server, bucket):
    status, body = raw(server, "HEAD", f"/{bucket}/doc.txt")
    assert (status, body) == (403, b"")


def test_policy_operations_of_other_accounts_are_not_allowed(server, s3, bucket):
    other = client(server, OTHER)
    # Without the permission: 403.
    assert error(other.get_bucket_policy, Bucket=bucket) == DENIED
    doc = policy({"Effect": "Allow", "Principal": {"AWS": OTHER},
                  "Action": ["s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"],
                  "Resource": f"arn:aws:s3:::{bucket}"})
    s3.put_bucket_policy(Bucket=bucket, Policy=doc)
    # With it, a caller outside the owner's account gets 405.
    assert error(other.get_bucket_policy, Bucket=bucket) == ("MethodNotAllowed", 405)
    assert error(other.put_bucket_policy, Bucket=bucket, Policy=doc) == ("MethodNotAllowed", 405)
    assert error(other.delete_bucket_policy, Bucket=bucket) == ("MethodNotAllowed", 405)
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(doc)
    # The owner's users with the permission are served.
    iam, name, as_user, _ = new_user(server)
    grant(iam, name, {"Effect": "Allow", "Action": "s3:GetBucketPolicy", "Resource": "*"})
    assert json.loads(as_user.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(doc)


def test_cross_account_role_session_needs_its_role_policy_and_the_bucket_policy(server, s3, bucket):
    def other(service):
        return boto3.client(service, endpoint_url=server.endpoint, region_name="us-east-1",
                            aws_access_key_id=OTHER, aws_secret_access_key="test")
    iam, role = other("iam"), unique("rules-xrole")
    trust = policy({"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "sts:AssumeRole"})
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    creds = other("sts").assume_role(RoleArn=role_arn, RoleSessionName="job")["Credentials"]
    as_session = boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                              aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                              aws_session_token=creds["SessionToken"], config=Config(retries={"max_attempts": 1}))
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": role_arn}, "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/*"}))
    assert error(as_session.get_object, Bucket=bucket, Key="doc.txt") == DENIED
    iam.put_role_policy(RoleName=role, PolicyName="read", PolicyDocument=policy(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}))
    assert as_session.get_object(Bucket=bucket, Key="doc.txt")["Body"].read() == b"hello"
    # A grant to another role of that account does not reach this session.
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:role/someone-else"}, "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/*"}))
    assert error(as_session.get_object, Bucket=bucket, Key="doc.txt") == DENIED


def test_block_public_acls_refuses_public_grants_in_documents(s3, open_bucket):
    bucket = open_bucket
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]})
    owner = s3.get_bucket_acl(Bucket=bucket)["Owner"]
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={**OPEN, "BlockPublicAcls": True})
    for group in ("AllUsers", "AuthenticatedUsers"):
        acl = {"Owner": owner, "Grants": [
            {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"},
            {"Grantee": {"Type": "Group", "URI": f"http://acs.amazonaws.com/groups/global/{group}"},
             "Permission": "READ"}]}
        assert error(s3.put_bucket_acl, Bucket=bucket, AccessControlPolicy=acl) == DENIED, group
        assert error(s3.put_object_acl, Bucket=bucket, Key="doc.txt", AccessControlPolicy=acl) == DENIED, group
    assert error(s3.put_object, Bucket=bucket, Key="new.txt", Body=b"x",
                 GrantFullControl='uri="http://acs.amazonaws.com/groups/global/AllUsers"') == DENIED
    # The log delivery group is not public.
    s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy={"Owner": owner, "Grants": [
        {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"},
        {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"},
         "Permission": "WRITE"}]})


def test_block_public_policy_names_the_calling_user(server, s3, bucket):
    iam, name, as_user, user_arn = new_user(server)
    grant(iam, name, {"Effect": "Allow", "Action": "s3:PutBucketPolicy", "Resource": "*"})
    with pytest.raises(ClientError) as e:
        as_user.put_bucket_policy(Bucket=bucket, Policy=policy(public_statement(bucket, None)))
    err = e.value.response
    assert (err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]) == DENIED
    assert err["Error"]["Message"] == (
        f'User: {user_arn} is not authorized to perform: s3:PutBucketPolicy on resource: '
        f'"arn:aws:s3:::{bucket}" because public policies are blocked by the BlockPublicPolicy block public '
        f'access setting.')
    with pytest.raises(ClientError) as e:
        s3.get_bucket_policy(Bucket=bucket)
    assert e.value.response["Error"]["Code"] == "NoSuchBucketPolicy"
