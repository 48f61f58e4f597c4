"""Lifecycle transitions, applied by the background sweeper: Transition moves current
objects and NoncurrentVersionTransition noncurrent versions to the rule's storage class once
due (the latest due, never back to a warmer class), objects under 128 KB stay unless a size
filter or `varies_by_storage_class` says otherwise, and only the class changes — ETag and
Last-Modified stay, GLACIER objects then need a restore before GET.

The server's lifecycle "day" lasts one second and its sweeper runs twice a second. Where a
test checks that something does not move, it first waits for a sentinel that the same sweep
(one write per bucket) moves and that is due no earlier, so the survivor has been judged.
"""


import pytest
from botocore.exceptions import ClientError

from conftest import fast_lifecycle_server, unique, wait_for

BIG = b"b" * (128 * 1024)
SMALL = b"small"


@pytest.fixture(scope="module")
def fast():
    s = fast_lifecycle_server()
    yield s
    s.stop()


@pytest.fixture
def s3(fast):
    return fast.client("s3")



def bucket_with(s3, rules, versioned=False, **put):
    """A new bucket with these lifecycle rules (none: no configuration yet)."""
    bucket = unique("lctr").lower()
    s3.create_bucket(Bucket=bucket)
    if versioned:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    if rules:
        s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules}, **put)
    return bucket


def rule(rule_id, filt, **actions):
    return {"ID": rule_id, "Filter": filt, "Status": "Enabled", **actions}


def to(storage_class, **when):
    return [{"StorageClass": storage_class, **when}]


def any_size(prefix):
    """A filter whose size condition replaces the 128 KB default minimum."""
    return {"And": {"Prefix": prefix, "ObjectSizeGreaterThan": 0}}


def class_of(s3, bucket, key, **kw):
    return s3.head_object(Bucket=bucket, Key=key, **kw).get("StorageClass", "STANDARD")


def error_code(e):
    return e.value.response["ResponseMetadata"]["HTTPStatusCode"], e.value.response["Error"]["Code"]


def test_a_transitioned_object_keeps_its_etag_and_date_and_needs_a_restore(s3):
    bucket = bucket_with(s3, [rule("cold", {"Prefix": "cold/"}, Transitions=to("GLACIER", Days=1))])
    s3.put_object(Bucket=bucket, Key="cold/a", Body=BIG, Metadata={"m": "1"}, ContentType="text/plain")
    before = s3.head_object(Bucket=bucket, Key="cold/a")
    assert "StorageClass" not in before
    assert wait_for(lambda: class_of(s3, bucket, "cold/a") == "GLACIER")
    after = s3.head_object(Bucket=bucket, Key="cold/a")
    for field in ("ETag", "LastModified", "ContentLength", "ContentType", "Metadata"):
        assert after[field] == before[field], field
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [(o["Key"], o["StorageClass"], o["ETag"]) for o in listed] == [("cold/a", "GLACIER", before["ETag"])]
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="cold/a")
    assert error_code(e) == (403, "InvalidObjectState")
    assert e.value.response["Error"]["StorageClass"] == "GLACIER"
    s3.restore_object(Bucket=bucket, Key="cold/a", RestoreRequest={"Days": 1})
    assert s3.get_object(Bucket=bucket, Key="cold/a")["Body"].read() == BIG


def test_filters_and_the_default_minimum_size_decide_what_moves(s3):
    bucket = bucket_with(s3, [
        rule("all", {"Prefix": "all/"}, Transitions=to("GLACIER", Days=0)),
        rule("tag", {"And": {"Prefix": "tag/", "Tags": [{"Key": "t", "Value": "1"}], "ObjectSizeGreaterThan": 0}},
             Transitions=to("GLACIER", Days=0)),
    ])
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)[
        "TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    s3.put_object(Bucket=bucket, Key="all/small", Body=b"x" * (128 * 1024 - 1))
    s3.put_object(Bucket=bucket, Key="tag/untagged", Body=SMALL)
    s3.put_object(Bucket=bucket, Key="other/big", Body=BIG)
    s3.put_object(Bucket=bucket, Key="tag/tagged", Body=SMALL, Tagging="t=1")
    # Written last, so due no earlier than the others.
    s3.put_object(Bucket=bucket, Key="all/big", Body=BIG)
    assert wait_for(lambda: class_of(s3, bucket, "all/big") == "GLACIER")
    classes = {o["Key"]: o["StorageClass"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert classes == {"all/big": "GLACIER", "all/small": "STANDARD", "other/big": "STANDARD",
                       "tag/tagged": "GLACIER", "tag/untagged": "STANDARD"}


def test_varies_by_storage_class_lets_small_objects_reach_glacier_only(s3):
    bucket = bucket_with(s3, [
        rule("g", {"Prefix": "g/"}, Transitions=to("GLACIER", Days=0)),
        rule("ir", {"Prefix": "ir/"}, Transitions=to("GLACIER_IR", Days=0)),
    ], TransitionDefaultMinimumObjectSize="varies_by_storage_class")
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)[
        "TransitionDefaultMinimumObjectSize"] == "varies_by_storage_class"
    s3.put_object(Bucket=bucket, Key="g/small", Body=SMALL)
    s3.put_object(Bucket=bucket, Key="ir/small", Body=SMALL)
    s3.put_object(Bucket=bucket, Key="ir/big", Body=BIG)
    assert wait_for(lambda: class_of(s3, bucket, "ir/big") == "GLACIER_IR")
    assert wait_for(lambda: class_of(s3, bucket, "g/small") == "GLACIER")
    assert class_of(s3, bucket, "ir/small") == "STANDARD"


def test_the_latest_due_class_applies_and_nothing_moves_back(s3):
    # Both dates have passed: the later, colder transition is the one made.
    bucket = bucket_with(s3, [rule("tiers", any_size(""), Transitions=[
        {"StorageClass": "STANDARD_IA", "Date": "2020-01-01T00:00:00Z"},
        {"StorageClass": "GLACIER", "Date": "2020-04-01T00:00:00Z"},
    ])])
    s3.put_object(Bucket=bucket, Key="deep", Body=SMALL, StorageClass="DEEP_ARCHIVE")
    s3.put_object(Bucket=bucket, Key="ia", Body=SMALL, StorageClass="STANDARD_IA")
    s3.put_object(Bucket=bucket, Key="k", Body=SMALL)
    assert wait_for(lambda: class_of(s3, bucket, "k") == "GLACIER")
    assert wait_for(lambda: class_of(s3, bucket, "ia") == "GLACIER")
    assert class_of(s3, bucket, "deep") == "DEEP_ARCHIVE"


def versions_of(s3, bucket, key):
    """(version id, storage class) of `key`'s versions, newest first."""
    listing = s3.list_object_versions(Bucket=bucket, Prefix=key)
    return [(v["VersionId"], v["StorageClass"]) for v in listing.get("Versions", []) if v["Key"] == key]


def test_noncurrent_versions_transition_and_the_newest_noncurrent_ones_stay(s3):
    bucket = bucket_with(s3, [
        rule("keep1", any_size("k"), NoncurrentVersionTransitions=[
            {"NoncurrentDays": 1, "NewerNoncurrentVersions": 1, "StorageClass": "GLACIER"}]),
        rule("all", any_size("s"), NoncurrentVersionTransitions=[{"NoncurrentDays": 1, "StorageClass": "GLACIER"}]),
    ], versioned=True)
    ids = [s3.put_object(Bucket=bucket, Key="k", Body=f"v{i}".encode())["VersionId"] for i in range(3)]
    # The sentinel's first version became noncurrent after every version of `k` did.
    sentinel = [s3.put_object(Bucket=bucket, Key="s", Body=f"s{i}".encode())["VersionId"] for i in range(2)]
    assert wait_for(lambda: versions_of(s3, bucket, "s") == [(sentinel[1], "STANDARD"), (sentinel[0], "GLACIER")])
    assert versions_of(s3, bucket, "k") == [(ids[2], "STANDARD"), (ids[1], "STANDARD"), (ids[0], "GLACIER")]
    # The current version is readable; the transitioned one needs a restore.
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v2"
    assert class_of(s3, bucket, "k", VersionId=ids[0]) == "GLACIER"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="k", VersionId=ids[0])
    assert error_code(e) == (403, "InvalidObjectState")
    assert s3.get_object(Bucket=bucket, Key="k", VersionId=ids[1])["Body"].read() == b"v1"


def test_a_transition_due_with_an_expiration_happens_before_the_delete_marker(s3):
    # As on S3, a transition takes precedence over the creation of a delete marker: the
    # version hidden by the expiration's marker is in the new class. The rule comes after
    # the object, so the first sweep that knows it finds both due.
    bucket = bucket_with(s3, [], versioned=True)
    v = s3.put_object(Bucket=bucket, Key="k", Body=SMALL)["VersionId"]
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        rule("both", any_size(""), Expiration={"Date": "2020-01-01T00:00:00Z"},
             Transitions=to("DEEP_ARCHIVE", Date="2020-01-01T00:00:00Z"))]})

    def markers():
        return s3.list_object_versions(Bucket=bucket, Prefix="k").get("DeleteMarkers", [])

    assert wait_for(lambda: len(markers()) == 1)
    assert versions_of(s3, bucket, "k") == [(v, "DEEP_ARCHIVE")]
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="k")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
