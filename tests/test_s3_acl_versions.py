"""Object ACLs live with each object version: an old version keeps its own ACL after an
overwrite, Get/PutObjectAcl with a version id read and change that version's, and listings
show each object's (and delete marker's) owner while ACLs are enabled."""

import json

import pytest
from botocore.exceptions import ClientError

from conftest import unique

OTHER_ACCOUNT = "111111111111"


def bucket_name(prefix="aclv"):
    return unique(prefix).lower()


def error_of(excinfo):
    e = excinfo.value.response
    return e["ResponseMetadata"]["HTTPStatusCode"], e["Error"]["Code"]


def other_client(server):
    return server.client("s3", aws_access_key_id=OTHER_ACCOUNT, aws_secret_access_key="x")


def canonical(client):
    return client.list_buckets()["Owner"]["ID"]


def grantees(acl, permission):
    return {g["Grantee"].get("ID") for g in acl["Grants"] if g["Permission"] == permission}


def shared_bucket(s3, other_id, ownership="ObjectWriter"):
    """A versioned bucket the other account may write to (a WRITE grant on the bucket)."""
    name = bucket_name()
    s3.create_bucket(Bucket=name, ObjectOwnership=ownership)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_acl(Bucket=name, GrantWrite=f'id="{other_id}"',
                      GrantFullControl=f'id="{canonical(s3)}"')
    return name


def test_an_old_version_keeps_its_acl_after_an_overwrite(server):
    s3, other = server.client("s3"), other_client(server)
    other_id = canonical(other)
    bucket = bucket_name()
    s3.create_bucket(Bucket=bucket, ObjectOwnership="BucketOwnerPreferred")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"one", GrantRead=f'id="{other_id}"')["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="k", Body=b"two")["VersionId"]

    assert other_id in grantees(s3.get_object_acl(Bucket=bucket, Key="k", VersionId=v1), "READ")
    assert other_id not in grantees(s3.get_object_acl(Bucket=bucket, Key="k"), "READ")
    assert other_id not in grantees(s3.get_object_acl(Bucket=bucket, Key="k", VersionId=v2), "READ")
    # The old version's grant still lets the other account read that version, and only it.
    assert other.get_object(Bucket=bucket, Key="k", VersionId=v1)["Body"].read() == b"one"
    for read in (lambda: other.get_object(Bucket=bucket, Key="k"),
                 lambda: other.get_object(Bucket=bucket, Key="k", VersionId=v2)):
        with pytest.raises(ClientError) as e:
            read()
        assert error_of(e) == (403, "AccessDenied")

    # Deleting the newest version makes the old one current, with its ACL.
    s3.delete_object(Bucket=bucket, Key="k", VersionId=v2)
    assert other_id in grantees(s3.get_object_acl(Bucket=bucket, Key="k"), "READ")
    assert other.get_object(Bucket=bucket, Key="k")["Body"].read() == b"one"


def test_get_and_put_object_acl_by_version_id(server):
    s3, other = server.client("s3"), other_client(server)
    other_id, owner_id = canonical(other), canonical(s3)
    bucket = bucket_name()
    s3.create_bucket(Bucket=bucket, ObjectOwnership="BucketOwnerPreferred")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="k", Body=b"two")["VersionId"]

    s3.put_object_acl(Bucket=bucket, Key="k", VersionId=v1, GrantReadACP=f'id="{other_id}"')
    assert other_id in grantees(s3.get_object_acl(Bucket=bucket, Key="k", VersionId=v1), "READ_ACP")
    assert grantees(s3.get_object_acl(Bucket=bucket, Key="k"), "READ_ACP") == set()
    assert s3.get_object_acl(Bucket=bucket, Key="k", VersionId=v1)["Owner"]["ID"] == owner_id

    # Without a version id the current version's ACL changes, seen by its id too.
    s3.put_object_acl(Bucket=bucket, Key="k", GrantRead=f'id="{other_id}"')
    assert other_id in grantees(s3.get_object_acl(Bucket=bucket, Key="k", VersionId=v2), "READ")
    assert other_id not in grantees(s3.get_object_acl(Bucket=bucket, Key="k", VersionId=v1), "READ")
    assert other.get_object(Bucket=bucket, Key="k")["Body"].read() == b"two"
    with pytest.raises(ClientError) as e:
        other.get_object(Bucket=bucket, Key="k", VersionId=v1)
    assert error_of(e) == (403, "AccessDenied")

    # The version's own READ_ACP grant lets the other account read that version's ACL.
    assert other_id in grantees(other.get_object_acl(Bucket=bucket, Key="k", VersionId=v1), "READ_ACP")
    with pytest.raises(ClientError) as e:
        other.get_object_acl(Bucket=bucket, Key="k", VersionId=v2)
    assert error_of(e) == (403, "AccessDenied")

    # A delete marker has no ACL; a version that is gone is NoSuchVersion.
    marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
    for call in (lambda: s3.get_object_acl(Bucket=bucket, Key="k", VersionId=marker),
                 lambda: s3.put_object_acl(Bucket=bucket, Key="k", VersionId=marker, ACL="private")):
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e) == (405, "MethodNotAllowed")
    with pytest.raises(ClientError) as e:
        s3.get_object_acl(Bucket=bucket, Key="k")
    assert error_of(e) == (404, "NoSuchKey")
    s3.delete_object(Bucket=bucket, Key="k", VersionId=v1)
    with pytest.raises(ClientError) as e:
        s3.get_object_acl(Bucket=bucket, Key="k", VersionId=v1)
    assert error_of(e) == (404, "NoSuchVersion")
    with pytest.raises(ClientError) as e:
        s3.get_object_acl(Bucket=bucket, Key="k", VersionId="not-a-version")
    assert error_of(e) == (400, "InvalidArgument")


def test_version_acl_calls_need_the_version_actions(server):
    s3, other = server.client("s3"), other_client(server)
    bucket = bucket_name()
    s3.create_bucket(Bucket=bucket, ObjectOwnership="BucketOwnerPreferred")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    v = s3.put_object(Bucket=bucket, Key="k", Body=b"x")["VersionId"]

    def allow(*actions):
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
            "Action": list(actions), "Resource": f"arn:aws:s3:::{bucket}/*"}]}))

    allow("s3:GetObjectAcl", "s3:PutObjectAcl")
    assert other.get_object_acl(Bucket=bucket, Key="k")["Grants"]
    other.put_object_acl(Bucket=bucket, Key="k", ACL="private")
    for call in (lambda: other.get_object_acl(Bucket=bucket, Key="k", VersionId=v),
                 lambda: other.put_object_acl(Bucket=bucket, Key="k", VersionId=v, ACL="private")):
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e) == (403, "AccessDenied")
    allow("s3:GetObjectVersionAcl", "s3:PutObjectVersionAcl")
    assert other.get_object_acl(Bucket=bucket, Key="k", VersionId=v)["Grants"]
    other.put_object_acl(Bucket=bucket, Key="k", VersionId=v, ACL="private")
    with pytest.raises(ClientError) as e:
        other.get_object_acl(Bucket=bucket, Key="k")
    assert error_of(e) == (403, "AccessDenied")


def owners_in_listings(s3, bucket):
    """{key: owner id} of list_objects, list_objects_v2 with FetchOwner, and
    {(key, version or "marker"): owner id} of list_object_versions."""
    v1 = {o["Key"]: o["Owner"]["ID"] for o in s3.list_objects(Bucket=bucket)["Contents"]}
    v2 = {o["Key"]: o["Owner"]["ID"]
          for o in s3.list_objects_v2(Bucket=bucket, FetchOwner=True)["Contents"]}
    assert all("Owner" not in o for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    listed = s3.list_object_versions(Bucket=bucket)
    versions = {(o["Key"], o["VersionId"]): o["Owner"]["ID"] for o in listed.get("Versions", [])}
    versions.update({(m["Key"], "marker"): m["Owner"]["ID"] for m in listed.get("DeleteMarkers", [])})
    return v1, v2, versions


def test_listings_show_each_objects_owner(server):
    s3, other = server.client("s3"), other_client(server)
    other_id, owner_id = canonical(other), canonical(s3)
    bucket = shared_bucket(s3, other_id)
    theirs = other.put_object(Bucket=bucket, Key="theirs", Body=b"x")["VersionId"]
    mine = s3.put_object(Bucket=bucket, Key="mine", Body=b"x")["VersionId"]
    # An object another account overwrites becomes that account's; the old version stays
    # the bucket owner's.
    old = s3.put_object(Bucket=bucket, Key="taken", Body=b"x")["VersionId"]
    taken = other.put_object(Bucket=bucket, Key="taken", Body=b"y")["VersionId"]
    copied = other.copy_object(Bucket=bucket, Key="copied",
                               CopySource={"Bucket": bucket, "Key": "theirs"})["VersionId"]
    u = other.create_multipart_upload(Bucket=bucket, Key="parts")["UploadId"]
    etag = other.upload_part(Bucket=bucket, Key="parts", UploadId=u, PartNumber=1, Body=b"p")["ETag"]
    parts = other.complete_multipart_upload(Bucket=bucket, Key="parts", UploadId=u, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": etag}]})["VersionId"]
    other.put_object(Bucket=bucket, Key="gone", Body=b"x")
    other.delete_object(Bucket=bucket, Key="gone")
    s3.put_object(Bucket=bucket, Key="hidden", Body=b"x")
    s3.delete_object(Bucket=bucket, Key="hidden")

    want = {"theirs": other_id, "mine": owner_id, "taken": other_id, "copied": other_id,
            "parts": other_id}
    v1, v2, versions = owners_in_listings(s3, bucket)
    assert v1 == want
    assert v2 == want
    assert {k: versions[k] for k in [("theirs", theirs), ("mine", mine), ("taken", old),
                                     ("taken", taken), ("copied", copied), ("parts", parts)]} == {
        ("theirs", theirs): other_id, ("mine", mine): owner_id, ("taken", old): owner_id,
        ("taken", taken): other_id, ("copied", copied): other_id, ("parts", parts): other_id}
    assert versions[("gone", "marker")] == other_id
    assert versions[("hidden", "marker")] == owner_id
    assert other.get_object_acl(Bucket=bucket, Key="parts")["Owner"]["ID"] == other_id

    # Once ACLs are disabled, the bucket owner owns every object: listings and ACLs say so.
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    v1, v2, versions = owners_in_listings(s3, bucket)
    assert set(v1.values()) == set(v2.values()) == set(versions.values()) == {owner_id}
    acl = s3.get_object_acl(Bucket=bucket, Key="theirs")
    assert acl["Owner"]["ID"] == owner_id
    assert acl["Grants"] == [{"Grantee": {"ID": owner_id, "Type": "CanonicalUser"},
                              "Permission": "FULL_CONTROL"}]


def test_bucket_owner_preferred_hands_objects_over(server):
    s3, other = server.client("s3"), other_client(server)
    other_id, owner_id = canonical(other), canonical(s3)
    bucket = shared_bucket(s3, other_id, "BucketOwnerPreferred")
    other.put_object(Bucket=bucket, Key="handed", Body=b"x", ACL="bucket-owner-full-control")
    other.put_object(Bucket=bucket, Key="kept", Body=b"x")
    v1, v2, _ = owners_in_listings(s3, bucket)
    assert v1 == v2 == {"handed": owner_id, "kept": other_id}


def test_object_acls_survive_a_restart(durable_server):
    s3, other = durable_server.client("s3"), other_client(durable_server)
    other_id, owner_id = canonical(other), canonical(s3)
    bucket = shared_bucket(s3, other_id)
    v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"one", GrantRead=f'id="{other_id}"')["VersionId"]
    s3.put_object(Bucket=bucket, Key="k", Body=b"two")
    other.put_object(Bucket=bucket, Key="theirs", Body=b"x", ACL="bucket-owner-read")
    u = other.create_multipart_upload(Bucket=bucket, Key="later", GrantReadACP=f'id="{owner_id}"')["UploadId"]

    durable_server.restart()
    s3, other = durable_server.client("s3"), other_client(durable_server)
    assert other_id in grantees(s3.get_object_acl(Bucket=bucket, Key="k", VersionId=v1), "READ")
    assert other.get_object(Bucket=bucket, Key="k", VersionId=v1)["Body"].read() == b"one"
    acl = other.get_object_acl(Bucket=bucket, Key="theirs")
    assert acl["Owner"]["ID"] == other_id and owner_id in grantees(acl, "READ")
    assert s3.get_object(Bucket=bucket, Key="theirs")["Body"].read() == b"x"
    v1_owners, _, _ = owners_in_listings(s3, bucket)
    assert v1_owners == {"k": owner_id, "theirs": other_id}
    # The ACL an upload waits with is kept across the restart too.
    etag = other.upload_part(Bucket=bucket, Key="later", UploadId=u, PartNumber=1, Body=b"p")["ETag"]
    other.complete_multipart_upload(Bucket=bucket, Key="later", UploadId=u, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": etag}]})
    acl = s3.get_object_acl(Bucket=bucket, Key="later")
    assert acl["Owner"]["ID"] == other_id and owner_id in grantees(acl, "READ_ACP")


def test_put_object_acl_on_a_foreign_object_once_acls_are_disabled(server):
    s3, other = server.client("s3"), other_client(server)
    other_id, owner_id = canonical(other), canonical(s3)
    bucket = shared_bucket(s3, other_id)
    other.put_object(Bucket=bucket, Key="theirs", Body=b"x", ACL="bucket-owner-full-control")
    assert s3.get_object_acl(Bucket=bucket, Key="theirs")["Owner"]["ID"] == other_id
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})

    # The bucket owner owns the object now: canned ACLs and policies are its own.
    owner_only = [{"Grantee": {"ID": owner_id, "Type": "CanonicalUser"},
                   "Permission": "FULL_CONTROL"}]
    s3.put_object_acl(Bucket=bucket, Key="theirs", ACL="bucket-owner-full-control")
    s3.put_object_acl(Bucket=bucket, Key="theirs", AccessControlPolicy={
        "Owner": {"ID": owner_id}, "Grants": owner_only})
    acl = s3.get_object_acl(Bucket=bucket, Key="theirs")
    assert acl["Owner"]["ID"] == owner_id
    assert acl["Grants"] == owner_only
    # ACLs granting anyone else are still refused.
    with pytest.raises(ClientError) as e:
        s3.put_object_acl(Bucket=bucket, Key="theirs", GrantRead=f'id="{other_id}"')
    assert error_of(e) == (400, "AccessControlListNotSupported")

