"""ListBuckets as AWS pages it: all buckets at once without paging parameters; with
MaxBuckets (1..10000) pages joined by an opaque ContinuationToken; Prefix and BucketRegion
filters (Prefix echoed back); each bucket's region."""

import pytest
from botocore.exceptions import ClientError

NAMES = ["lb-alpha", "lb-beta", "lb-beta2", "lb-delta", "lb-gamma"]


@pytest.fixture
def s3(fresh_server):
    s3 = fresh_server.client("s3")
    for name in NAMES:
        s3.create_bucket(Bucket=name)
    fresh_server.client("s3", region="eu-west-1").create_bucket(
        Bucket="lb-europe", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    return s3


def names(out):
    return [b["Name"] for b in out["Buckets"]]


def test_without_paging_every_bucket_and_no_token(s3):
    out = s3.list_buckets()
    assert names(out) == sorted(NAMES + ["lb-europe"])
    assert "ContinuationToken" not in out and "Prefix" not in out
    regions = {b["Name"]: b["BucketRegion"] for b in out["Buckets"]}
    assert regions["lb-europe"] == "eu-west-1" and regions["lb-alpha"] == "us-east-1"


def test_pages_follow_the_continuation_token(s3):
    seen, token, pages = [], None, 0
    while True:
        kw = {"ContinuationToken": token} if token else {}
        out = s3.list_buckets(MaxBuckets=2, **kw)
        assert len(out["Buckets"]) <= 2
        seen += names(out)
        pages += 1
        token = out.get("ContinuationToken")
        if not token:
            break
    assert seen == sorted(NAMES + ["lb-europe"]) and pages == 3
    # The paginator does the same.
    pages = s3.get_paginator("list_buckets").paginate(PaginationConfig={"PageSize": 4})
    assert [n for page in pages for n in names(page)] == seen


def test_prefix_and_region_filters(s3):
    out = s3.list_buckets(Prefix="lb-beta")
    assert names(out) == ["lb-beta", "lb-beta2"] and out["Prefix"] == "lb-beta"
    first = s3.list_buckets(Prefix="lb-beta", MaxBuckets=1)
    assert names(first) == ["lb-beta"]
    second = s3.list_buckets(Prefix="lb-beta", MaxBuckets=1, ContinuationToken=first["ContinuationToken"])
    assert names(second) == ["lb-beta2"] and "ContinuationToken" not in second
    assert names(s3.list_buckets(BucketRegion="eu-west-1")) == ["lb-europe"]
    assert names(s3.list_buckets(Prefix="nothing")) == []


@pytest.mark.parametrize("value", ["0", "10001", "many"])
def test_max_buckets_out_of_range(fresh_server, s3, value):
    unchecked = fresh_server.client("s3", config={"parameter_validation": False})
    with pytest.raises(ClientError) as e:
        unchecked.list_buckets(MaxBuckets=value)
    r = e.value.response
    assert (r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Code"], r["Error"]["Message"]) == (
        400, "InvalidArgument", "Argument max-buckets must be an integer between 1 and 10000.")
    assert r["Error"]["ArgumentName"] == "max-buckets"


def test_a_bad_token_is_refused(s3):
    with pytest.raises(ClientError) as e:
        s3.list_buckets(MaxBuckets=2, ContinuationToken="!!not a token!!")
    assert e.value.response["Error"]["Code"] == "InvalidArgument"
