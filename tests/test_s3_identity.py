"""S3 authorises IAM users and role sessions by their identity policies, as AWS does:
within the bucket owner's account the identity policy or the bucket policy must allow, an
explicit deny in either wins, and the account root is unaffected. A caller of the owner's
account is told who was refused which action on what, and by which kind of policy; other
accounts and anonymous callers get the bare "Access Denied"."""

import json

import boto3
import botocore
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import unique

ACCOUNT = "000000000000"
DENIED = ("AccessDenied", 403, "Access Denied")


def refused(caller, action, resource=None, deny=None):
    """S3's AccessDenied for a caller of the bucket owner's account: an implicit deny, or
    an explicit one in `deny` ("an identity-based" or "a resource-based") policy."""
    on = f' on resource: "{resource}"' if resource else ""
    why = f"with an explicit deny in {deny} policy" if deny else f"because no identity-based policy allows the {action} action"
    return "AccessDenied", 403, f"User: {caller} is not authorized to perform: {action}{on} {why}"


def user_arn(user):
    return f"arn:aws:iam::{ACCOUNT}:user/{user}"


def error_of(e):
    r = e.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"], r["Error"].get("Message")


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def s3_as(server, creds):
    return boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}),
        **creds,
    )


@pytest.fixture
def setup(server):
    """A bucket with one object, and an IAM user of the same account with an access key."""
    iam, s3 = server.client("iam"), server.client("s3")
    bucket, user = unique("ident-bucket"), unique("ident-user")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="doc.txt", Body=b"hello")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    creds = {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}
    return iam, s3, bucket, user, s3_as(server, creds)


def denied(call, **kw):
    with pytest.raises(ClientError) as e:
        call(**kw)
    return error_of(e)


def test_user_without_policy_is_denied(setup):
    _, s3, bucket, user, as_user = setup
    me, new = user_arn(user), unique("ident-new")
    assert denied(as_user.get_object, Bucket=bucket, Key="doc.txt") == refused(
        me, "s3:GetObject", f"arn:aws:s3:::{bucket}/doc.txt")
    # A missing key: the read itself is refused, so the caller hears that.
    assert denied(as_user.get_object, Bucket=bucket, Key="none.txt") == refused(
        me, "s3:GetObject", f"arn:aws:s3:::{bucket}/none.txt")
    assert denied(as_user.put_object, Bucket=bucket, Key="new.txt", Body=b"x") == refused(
        me, "s3:PutObject", f"arn:aws:s3:::{bucket}/new.txt")
    assert denied(as_user.list_objects_v2, Bucket=bucket) == refused(
        me, "s3:ListBucket", f"arn:aws:s3:::{bucket}")
    assert denied(as_user.get_bucket_tagging, Bucket=bucket) == refused(
        me, "s3:GetBucketTagging", f"arn:aws:s3:::{bucket}")
    # An action on no resource names none.
    assert denied(as_user.list_buckets) == refused(me, "s3:ListAllMyBuckets")
    assert denied(as_user.create_bucket, Bucket=new) == refused(me, "s3:CreateBucket", f"arn:aws:s3:::{new}")
    # The root of the account is unaffected.
    assert s3.get_object(Bucket=bucket, Key="doc.txt")["Body"].read() == b"hello"
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 1


def test_inline_user_policy_grants_only_its_actions(setup):
    iam, s3, bucket, user, as_user = setup
    iam.put_user_policy(
        UserName=user,
        PolicyName="read",
        PolicyDocument=policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}),
    )
    assert as_user.get_object(Bucket=bucket, Key="doc.txt")["Body"].read() == b"hello"
    assert denied(as_user.put_object, Bucket=bucket, Key="new.txt", Body=b"x")[2].startswith(
        f"User: {user_arn(user)} is not authorized to perform: s3:PutObject")
    # Allowed the read but not the listing, a caller learns nothing of a missing key.
    assert denied(as_user.get_object, Bucket=bucket, Key="none.txt") == DENIED
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="new.txt")
    iam.delete_user_policy(UserName=user, PolicyName="read")
    assert denied(as_user.get_object, Bucket=bucket, Key="doc.txt")[2].endswith(
        "because no identity-based policy allows the s3:GetObject action")


def test_attached_customer_policy_grants(setup):
    iam, _, bucket, user, as_user = setup
    arn = iam.create_policy(
        PolicyName=unique("ident-write"),
        PolicyDocument=policy({"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/*"}),
    )["Policy"]["Arn"]
    iam.attach_user_policy(UserName=user, PolicyArn=arn)
    as_user.put_object(Bucket=bucket, Key="new.txt", Body=b"x")
    assert denied(as_user.get_object, Bucket=bucket, Key="new.txt") == refused(
        user_arn(user), "s3:GetObject", f"arn:aws:s3:::{bucket}/new.txt")


def test_tags_and_acls_on_upload_need_their_own_permissions(setup):
    iam, s3, bucket, user, as_user = setup
    iam.put_user_policy(
        UserName=user,
        PolicyName="write",
        PolicyDocument=policy({"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/*"}),
    )
    as_user.put_object(Bucket=bucket, Key="plain.txt", Body=b"x")
    # The refusal names the permission the upload lacks.
    assert denied(as_user.put_object, Bucket=bucket, Key="tagged.txt", Body=b"x", Tagging="a=b") == refused(
        user_arn(user), "s3:PutObjectTagging", f"arn:aws:s3:::{bucket}/tagged.txt")
    assert denied(as_user.put_object, Bucket=bucket, Key="acl.txt", Body=b"x",
                  ACL="bucket-owner-full-control") == refused(
        user_arn(user), "s3:PutObjectAcl", f"arn:aws:s3:::{bucket}/acl.txt")
    for key in ("tagged.txt", "acl.txt"):
        with pytest.raises(ClientError):
            s3.head_object(Bucket=bucket, Key=key)
    iam.put_user_policy(
        UserName=user,
        PolicyName="tags",
        PolicyDocument=policy({"Effect": "Allow", "Action": ["s3:PutObjectTagging", "s3:PutObjectAcl"],
                               "Resource": f"arn:aws:s3:::{bucket}/*"}),
    )
    as_user.put_object(Bucket=bucket, Key="tagged.txt", Body=b"x", Tagging="a=b")
    as_user.put_object(Bucket=bucket, Key="acl.txt", Body=b"x", ACL="bucket-owner-full-control")
    assert s3.get_object_tagging(Bucket=bucket, Key="tagged.txt")["TagSet"] == [{"Key": "a", "Value": "b"}]


def test_identity_deny_beats_bucket_policy_allow(setup):
    iam, s3, bucket, user, as_user = setup
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=policy(
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/{user}"},
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ),
    )
    # The bucket policy alone lets the user read, without any identity policy.
    assert as_user.get_object(Bucket=bucket, Key="doc.txt")["Body"].read() == b"hello"
    assert denied(as_user.put_object, Bucket=bucket, Key="new.txt", Body=b"x") == refused(
        user_arn(user), "s3:PutObject", f"arn:aws:s3:::{bucket}/new.txt")
    iam.put_user_policy(
        UserName=user,
        PolicyName="no-s3",
        PolicyDocument=policy({"Effect": "Deny", "Action": "s3:*", "Resource": "*"}),
    )
    assert denied(as_user.get_object, Bucket=bucket, Key="doc.txt") == refused(
        user_arn(user), "s3:GetObject", f"arn:aws:s3:::{bucket}/doc.txt", deny="an identity-based")
    assert s3.get_object(Bucket=bucket, Key="doc.txt")["Body"].read() == b"hello"


def test_role_session_with_aws_managed_read_only_policy(server, setup):
    iam, s3, bucket, _, _ = setup
    role = unique("ident-role")
    iam.create_role(
        RoleName=role,
        AssumeRolePolicyDocument=policy(
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}
        ),
    )
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/{role}"

    def session():
        c = server.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="reader")["Credentials"]
        return s3_as(
            server,
            {
                "aws_access_key_id": c["AccessKeyId"],
                "aws_secret_access_key": c["SecretAccessKey"],
                "aws_session_token": c["SessionToken"],
            },
        )

    me = f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/reader"
    assert denied(session().get_object, Bucket=bucket, Key="doc.txt") == refused(
        me, "s3:GetObject", f"arn:aws:s3:::{bucket}/doc.txt")
    iam.attach_role_policy(RoleName=role, PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    as_role = session()
    assert as_role.get_object(Bucket=bucket, Key="doc.txt")["Body"].read() == b"hello"
    assert [o["Key"] for o in as_role.list_objects_v2(Bucket=bucket)["Contents"]] == ["doc.txt"]
    assert bucket in [b["Name"] for b in as_role.list_buckets()["Buckets"]]
    new = unique("ident-new")
    assert denied(as_role.create_bucket, Bucket=new) == refused(me, "s3:CreateBucket", f"arn:aws:s3:::{new}")
    assert denied(as_role.put_object, Bucket=bucket, Key="new.txt", Body=b"x") == refused(
        me, "s3:PutObject", f"arn:aws:s3:::{bucket}/new.txt")
    assert denied(as_role.delete_object, Bucket=bucket, Key="doc.txt") == refused(
        me, "s3:DeleteObject", f"arn:aws:s3:::{bucket}/doc.txt")
    assert s3.get_object(Bucket=bucket, Key="doc.txt")["Body"].read() == b"hello"


def test_cross_account_user_needs_both_policies(server, setup):
    _, s3, bucket, _, _ = setup
    other = "111122223333"
    root = {"aws_access_key_id": other, "aws_secret_access_key": "test"}
    iam = boto3.client("iam", endpoint_url=server.endpoint, region_name="us-east-1", **root)
    user = unique("ident-remote")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    as_remote = s3_as(server, {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]})
    grant = policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{other}:user/{user}"},
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*",
        }
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=grant)
    # The bucket policy alone does not suffice across accounts...
    assert denied(as_remote.get_object, Bucket=bucket, Key="doc.txt") == DENIED
    read = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    iam.put_user_policy(UserName=user, PolicyName="read", PolicyDocument=policy(read))
    assert as_remote.get_object(Bucket=bucket, Key="doc.txt")["Body"].read() == b"hello"
    # ...nor does the identity policy alone.
    s3.delete_bucket_policy(Bucket=bucket)
    assert denied(as_remote.get_object, Bucket=bucket, Key="doc.txt") == DENIED


def test_acl_grants_to_the_account_need_the_users_identity_policy(setup):
    _, s3, bucket, user, as_user = setup
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}
    )
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    s3.put_object_acl(Bucket=bucket, Key="doc.txt", ACL="private")
    # The owner's FULL_CONTROL grant is the account's, not its users'.
    assert denied(as_user.get_bucket_acl, Bucket=bucket) == refused(
        user_arn(user), "s3:GetBucketAcl", f"arn:aws:s3:::{bucket}")
    assert denied(as_user.get_object, Bucket=bucket, Key="doc.txt") == refused(
        user_arn(user), "s3:GetObject", f"arn:aws:s3:::{bucket}/doc.txt")
    assert s3.get_bucket_acl(Bucket=bucket)["Grants"][0]["Permission"] == "FULL_CONTROL"


def test_a_bucket_policy_deny_is_named_to_the_owners_account_only(server, setup):
    _, s3, bucket, user, as_user = setup
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=policy({"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": f"arn:aws:s3:::{bucket}/*"}),
    )
    resource = f"arn:aws:s3:::{bucket}/doc.txt"
    try:
        # Even the owner's root is refused by an explicit deny, and told so.
        assert denied(s3.get_object, Bucket=bucket, Key="doc.txt") == refused(
            f"arn:aws:iam::{ACCOUNT}:root", "s3:GetObject", resource, deny="a resource-based")
        assert denied(as_user.get_object, Bucket=bucket, Key="doc.txt") == refused(
            user_arn(user), "s3:GetObject", resource, deny="a resource-based")
        # Callers from outside the account learn nothing of the policy.
        other = s3_as(server, {"aws_access_key_id": "111122223333", "aws_secret_access_key": "test"})
        assert denied(other.get_object, Bucket=bucket, Key="doc.txt") == DENIED
        anonymous = boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                                 config=Config(signature_version=botocore.UNSIGNED, retries={"max_attempts": 1}))
        assert denied(anonymous.get_object, Bucket=bucket, Key="doc.txt") == DENIED
    finally:
        s3.delete_bucket_policy(Bucket=bucket)


def test_attribute_encryption_and_conditional_delete_refusals_explain_themselves(setup):
    iam, s3, bucket, user, as_user = setup
    me, doc = user_arn(user), f"arn:aws:s3:::{bucket}/doc.txt"
    assert denied(as_user.get_object_attributes, Bucket=bucket, Key="doc.txt",
                  ObjectAttributes=["ETag"]) == refused(me, "s3:GetObject", doc)
    iam.put_user_policy(UserName=user, PolicyName="part", PolicyDocument=policy(
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:DeleteObject", "s3:UpdateObjectEncryption"],
         "Resource": f"arn:aws:s3:::{bucket}/*"}))
    # The second action the operation needs is the one named.
    assert denied(as_user.get_object_attributes, Bucket=bucket, Key="doc.txt",
                  ObjectAttributes=["ETag"]) == refused(me, "s3:GetObjectAttributes", doc)
    assert denied(as_user.update_object_encryption, Bucket=bucket, Key="doc.txt", ObjectEncryption={
        "SSEKMS": {"KMSKeyArn": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"}},
    ) == refused(me, "s3:PutObject", doc)
    # A delete conditional on an ETag also reads the object, which a deny takes away.
    iam.put_user_policy(UserName=user, PolicyName="no-read", PolicyDocument=policy(
        {"Effect": "Deny", "Action": "s3:GetObject", "Resource": doc}))
    assert denied(as_user.delete_object, Bucket=bucket, Key="doc.txt", IfMatch='"abc"') == refused(
        me, "s3:GetObject", doc, deny="an identity-based")
    assert s3.get_object(Bucket=bucket, Key="doc.txt")["Body"].read() == b"hello"
