"""Lifecycle rules on versioned buckets, applied by the background sweeper: noncurrent
versions expire NoncurrentDays after they became noncurrent (NewerNoncurrentVersions keeps
the newest of them), expired object delete markers are removed, current versions and
versions under Object Lock are left alone.

The server's lifecycle "day" lasts one second and its sweeper runs twice a second. Where a
test checks that something survives, it first waits for a sentinel that the same sweep
(one write per bucket) removes and that is due no earlier, so the survivor has been judged.
"""

import datetime

import pytest
from botocore.exceptions import ClientError

from conftest import fast_lifecycle_server, unique, wait_for


@pytest.fixture(scope="module")
def fast():
    s = fast_lifecycle_server()
    yield s
    s.stop()


@pytest.fixture
def s3(fast):
    return fast.client("s3")



def versioned_bucket(s3, rules, **create):
    bucket = unique("lcver").lower()
    s3.create_bucket(Bucket=bucket, **create)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
    return bucket


def rule(rule_id, prefix, **actions):
    return {"ID": rule_id, "Filter": {"Prefix": prefix}, "Status": "Enabled", **actions}


def versions(s3, bucket, key):
    """`key`'s object versions (newest first) and its delete markers, as two id lists."""
    listing = s3.list_object_versions(Bucket=bucket, Prefix=key)
    return ([v["VersionId"] for v in listing.get("Versions", []) if v["Key"] == key],
            [m["VersionId"] for m in listing.get("DeleteMarkers", []) if m["Key"] == key])


def put(s3, bucket, key, body, **kw):
    return s3.put_object(Bucket=bucket, Key=key, Body=body, **kw)["VersionId"]


def test_noncurrent_versions_expire_and_the_current_one_stays(s3):
    bucket = versioned_bucket(s3, [rule("nc", "nc/", NoncurrentVersionExpiration={"NoncurrentDays": 1})])
    v1 = put(s3, bucket, "nc/a", b"one")
    v2 = put(s3, bucket, "nc/a", b"two")
    v3 = put(s3, bucket, "nc/a", b"three")
    other = [put(s3, bucket, "other/b", body) for body in (b"x", b"y")]
    assert versions(s3, bucket, "nc/a") == ([v3, v2, v1], [])
    assert wait_for(lambda: versions(s3, bucket, "nc/a") == ([v3], [])), versions(s3, bucket, "nc/a")
    got = s3.get_object(Bucket=bucket, Key="nc/a")
    assert (got["VersionId"], got["Body"].read()) == (v3, b"three")
    for gone in (v1, v2):
        with pytest.raises(ClientError) as e:
            s3.get_object(Bucket=bucket, Key="nc/a", VersionId=gone)
        assert e.value.response["Error"]["Code"] == "NoSuchVersion"
    # Outside the rule's prefix nothing expires.
    assert versions(s3, bucket, "other/b") == ([other[1], other[0]], [])
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["nc/a", "other/b"]


def test_newer_noncurrent_versions_keeps_the_newest_noncurrent_ones(s3):
    bucket = versioned_bucket(s3, [rule("keep", "", NoncurrentVersionExpiration={
        "NoncurrentDays": 1, "NewerNoncurrentVersions": 1})])
    ids = [put(s3, bucket, "k", f"v{i}".encode()) for i in range(4)]
    # The sentinel's oldest version became noncurrent after every version of `k` did.
    sentinel = [put(s3, bucket, "sentinel", f"s{i}".encode()) for i in range(3)]
    assert wait_for(lambda: versions(s3, bucket, "sentinel") == ([sentinel[2], sentinel[1]], []))
    assert versions(s3, bucket, "k") == ([ids[3], ids[2]], [])
    assert s3.get_object(Bucket=bucket, Key="k", VersionId=ids[2])["Body"].read() == b"v2"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v3"


def test_a_noncurrent_delete_marker_expires_like_a_version(s3):
    bucket = versioned_bucket(s3, [rule("nc", "", NoncurrentVersionExpiration={"NoncurrentDays": 1})])
    v1 = put(s3, bucket, "k", b"one")
    marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
    v2 = put(s3, bucket, "k", b"two")
    assert versions(s3, bucket, "k") == ([v2, v1], [marker])
    assert wait_for(lambda: versions(s3, bucket, "k") == ([v2], [])), versions(s3, bucket, "k")


def test_a_noncurrent_null_version_expires(s3):
    bucket = unique("lcnull").lower()
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"before versioning")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        rule("nc", "", NoncurrentVersionExpiration={"NoncurrentDays": 1})]})
    v2 = put(s3, bucket, "k", b"after")
    assert versions(s3, bucket, "k") == ([v2, "null"], [])
    assert wait_for(lambda: versions(s3, bucket, "k") == ([v2], [])), versions(s3, bucket, "k")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"after"


def test_expired_object_delete_markers_are_removed(s3):
    bucket = versioned_bucket(s3, [
        rule("dm", "dm/", Expiration={"ExpiredObjectDeleteMarker": True}),
        rule("days", "days/", Expiration={"Days": 1}),
    ])
    # A delete of a key with no versions leaves a lone delete marker.
    assert s3.delete_object(Bucket=bucket, Key="dm/lone")["DeleteMarker"] is True
    hidden = put(s3, bucket, "dm/hidden", b"kept")
    marker = s3.delete_object(Bucket=bucket, Key="dm/hidden")["VersionId"]
    # A marker left alone once its only version is deleted for good.
    gone = put(s3, bucket, "dm/emptied", b"x")
    s3.delete_object(Bucket=bucket, Key="dm/emptied")
    s3.delete_object(Bucket=bucket, Key="dm/emptied", VersionId=gone)
    # With Expiration Days, a lone marker goes once it is that old.
    s3.delete_object(Bucket=bucket, Key="days/ghost")
    assert wait_for(lambda: versions(s3, bucket, "dm/lone") == versions(s3, bucket, "dm/emptied") == ([], []))
    assert wait_for(lambda: versions(s3, bucket, "days/ghost") == ([], []))
    # A marker that hides a version is not expired: it stays, and so does the version.
    assert versions(s3, bucket, "dm/hidden") == ([hidden], [marker])
    assert s3.get_object(Bucket=bucket, Key="dm/hidden", VersionId=hidden)["Body"].read() == b"kept"


def test_versions_under_object_lock_survive(s3):
    bucket = versioned_bucket(s3, [rule("nc", "", NoncurrentVersionExpiration={"NoncurrentDays": 1})],
                              ObjectLockEnabledForBucket=True)
    held = put(s3, bucket, "held", b"held", ObjectLockLegalHoldStatus="ON")
    held_now = put(s3, bucket, "held", b"newer")
    until = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    retained = put(s3, bucket, "retained", b"retained", ObjectLockMode="GOVERNANCE",
                   ObjectLockRetainUntilDate=until)
    retained_now = put(s3, bucket, "retained", b"newer")
    # The sentinel became noncurrent last; once it is gone, the locked ones were judged.
    put(s3, bucket, "sentinel", b"old")
    kept = put(s3, bucket, "sentinel", b"new")
    assert wait_for(lambda: versions(s3, bucket, "sentinel") == ([kept], []))
    assert versions(s3, bucket, "held") == ([held_now, held], [])
    assert versions(s3, bucket, "retained") == ([retained_now, retained], [])
    assert s3.get_object(Bucket=bucket, Key="held", VersionId=held)["Body"].read() == b"held"
    # Once the hold is lifted, the version expires.
    s3.put_object_legal_hold(Bucket=bucket, Key="held", VersionId=held, LegalHold={"Status": "OFF"})
    assert wait_for(lambda: versions(s3, bucket, "held") == ([held_now], []))
