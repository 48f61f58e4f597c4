"""S3 bucket configurations that are stored but not acted on — replication, analytics,
inventory, metrics and Intelligent-Tiering —, GetBucketPolicyStatus, the
x-amz-expected-bucket-owner checks and conditional (If-Match) deletes, end to end with boto3
and raw HTTP."""

import json

import pytest
from botocore.exceptions import ClientError

from conftest import error_of, unique, xml_error

OWNER = "000000000000"
OTHER = "111122223333"
ROLE = f"arn:aws:iam::{OWNER}:role/replication"
SIGNED = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/s3/aws4_request, "
                           "SignedHeaders=host, Signature=0000"}
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def bucket_name(prefix="bcfg"):
    return unique(prefix).lower()


def new_bucket(s3, versioned=False):
    name = bucket_name()
    s3.create_bucket(Bucket=name)
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


def v2_rule(dest, rule_id="r1", prefix="logs/"):
    return {
        "ID": rule_id,
        "Priority": 1,
        "Filter": {"Prefix": prefix},
        "Status": "Enabled",
        "DeleteMarkerReplication": {"Status": "Disabled"},
        "Destination": {"Bucket": f"arn:aws:s3:::{dest}", "StorageClass": "STANDARD_IA"},
    }


# ---- Replication ----


def test_replication_round_trip_and_delete(server):
    s3 = server.client("s3")
    src, dest = new_bucket(s3, versioned=True), new_bucket(s3, versioned=True)
    with pytest.raises(ClientError) as e:
        s3.get_bucket_replication(Bucket=src)
    assert error_of(e) == (404, "ReplicationConfigurationNotFoundError",
                           "The replication configuration was not found")

    config = {"Role": ROLE, "Rules": [v2_rule(dest), v2_rule(dest, "r2", "img/") | {"Priority": 2}]}
    s3.put_bucket_replication(Bucket=src, ReplicationConfiguration=config)
    assert s3.get_bucket_replication(Bucket=src)["ReplicationConfiguration"] == config

    # A rule without an ID gets one (the old schema: a Prefix, no filter).
    s3.put_bucket_replication(Bucket=src, ReplicationConfiguration={"Role": ROLE, "Rules": [
        {"Prefix": "", "Status": "Disabled", "Destination": {"Bucket": f"arn:aws:s3:::{dest}"}}]})
    (rule,) = s3.get_bucket_replication(Bucket=src)["ReplicationConfiguration"]["Rules"]
    assert rule["ID"] and rule["Status"] == "Disabled" and rule["Prefix"] == ""

    r = s3.delete_bucket_replication(Bucket=src)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as e:
        s3.get_bucket_replication(Bucket=src)
    assert error_of(e)[1] == "ReplicationConfigurationNotFoundError"
    # Deleting again is fine, as on S3.
    assert s3.delete_bucket_replication(Bucket=src)["ResponseMetadata"]["HTTPStatusCode"] == 204


@pytest.mark.parametrize("case", ["unversioned", "suspended", "no-destination", "unversioned-destination",
                                  "v2-without-delete-markers", "v1-with-delete-markers", "bad-arn",
                                  "bad-status"])
def test_replication_refused(server, case):
    s3 = server.client("s3")
    src = new_bucket(s3, versioned=case not in ("unversioned", "suspended"))
    if case == "suspended":
        s3.put_bucket_versioning(Bucket=src, VersioningConfiguration={"Status": "Suspended"})
    dest = new_bucket(s3, versioned=case != "unversioned-destination")
    rule = v2_rule(dest)
    expected = {
        "unversioned": (400, "InvalidRequest",
                        "Versioning must be 'Enabled' on the bucket to apply a replication configuration"),
        "suspended": (400, "InvalidRequest",
                      "Versioning must be 'Enabled' on the bucket to apply a replication configuration"),
        "no-destination": (400, "InvalidRequest", "Destination bucket must exist."),
        "unversioned-destination": (400, "InvalidRequest", "Destination bucket must have versioning enabled."),
        "v2-without-delete-markers": (400, "InvalidRequest",
                                      "DeleteMarkerReplication must be specified for this version of Cross "
                                      "Region Replication configuration schema. Please refer to S3 Developer "
                                      "Guide for more information."),
        "v1-with-delete-markers": (400, "InvalidRequest",
                                   "DeleteMarkerReplication cannot be used for this version of Cross Region "
                                   "Replication configuration schema. Please refer to S3 Developer Guide for "
                                   "more information."),
        "bad-arn": (400, "InvalidArgument", "Invalid bucket ARN."),
        "bad-status": (400, "MalformedXML",
                       "The XML you provided was not well-formed or did not validate against our published schema"),
    }[case]
    if case == "no-destination":
        rule["Destination"]["Bucket"] = f"arn:aws:s3:::{bucket_name('missing')}"
    elif case == "v2-without-delete-markers":
        del rule["DeleteMarkerReplication"]
    elif case == "v1-with-delete-markers":
        del rule["Filter"], rule["Priority"]
        rule["Prefix"] = "a/"
    elif case == "bad-arn":
        rule["Destination"]["Bucket"] = dest
    elif case == "bad-status":
        rule["Status"] = "On"
    with pytest.raises(ClientError) as e:
        s3.put_bucket_replication(Bucket=src, ReplicationConfiguration={"Role": ROLE, "Rules": [rule]})
    assert error_of(e) == expected
    # Nothing was stored.
    with pytest.raises(ClientError) as e:
        s3.get_bucket_replication(Bucket=src)
    assert error_of(e)[1] == "ReplicationConfigurationNotFoundError"


def test_replication_malformed_documents(server):
    s3 = server.client("s3")
    src, dest = new_bucket(s3, versioned=True), new_bucket(s3, versioned=True)
    destination = f"<Destination><Bucket>arn:aws:s3:::{dest}</Bucket></Destination>"
    docs = [
        "<ReplicationConfiguration><Role>r</Role></ReplicationConfiguration>",  # no rule
        f"<ReplicationConfiguration><Rule><Prefix/><Status>Enabled</Status>{destination}</Rule>"
        "</ReplicationConfiguration>",  # no role
        f"<ReplicationConfiguration><Role>r</Role><Rule><Status>Enabled</Status>{destination}</Rule>"
        "</ReplicationConfiguration>",  # neither Prefix nor Filter
        f"<ReplicationConfiguration><Role>r</Role><Rule><Prefix/><Status>Enabled</Status>{destination}"
        "<Bogus/></Rule></ReplicationConfiguration>",
        "<ReplicationConfiguration><Role>r</Role>",
    ]
    for doc in docs:
        status, _, body = server.http("PUT", f"/{src}?replication", doc.encode(), SIGNED)
        assert (status, xml_error(body)["Code"]) == (400, "MalformedXML"), doc


def test_delete_bucket_removes_its_configurations(server):
    s3 = server.client("s3")
    src, dest = new_bucket(s3, versioned=True), new_bucket(s3, versioned=True)
    s3.put_bucket_replication(Bucket=src, ReplicationConfiguration={"Role": ROLE, "Rules": [v2_rule(dest)]})
    s3.put_bucket_metrics_configuration(Bucket=src, Id="all", MetricsConfiguration={"Id": "all"})
    s3.delete_bucket(Bucket=src)
    s3.create_bucket(Bucket=src)
    with pytest.raises(ClientError) as e:
        s3.get_bucket_replication(Bucket=src)
    assert error_of(e)[1] == "ReplicationConfigurationNotFoundError"
    assert "MetricsConfigurationList" not in s3.list_bucket_metrics_configurations(Bucket=src)


# ---- Analytics, inventory, metrics, Intelligent-Tiering ----


def analytics(i, dest):
    return {"Id": i, "Filter": {"And": {"Prefix": "p/", "Tags": [{"Key": "k", "Value": "v"}]}},
            "StorageClassAnalysis": {"DataExport": {"OutputSchemaVersion": "V_1", "Destination": {
                "S3BucketDestination": {"Format": "CSV", "BucketAccountId": OWNER,
                                        "Bucket": f"arn:aws:s3:::{dest}", "Prefix": "exports/"}}}}}


def inventory(i, dest):
    return {"Destination": {"S3BucketDestination": {"AccountId": OWNER, "Bucket": f"arn:aws:s3:::{dest}",
                                                    "Format": "Parquet", "Prefix": "inv",
                                                    "Encryption": {"SSES3": {}}}},
            "IsEnabled": True, "Filter": {"Prefix": "data/"}, "Id": i, "IncludedObjectVersions": "Current",
            "OptionalFields": ["Size", "ETag", "StorageClass"], "Schedule": {"Frequency": "Weekly"}}


def metrics(i, dest):
    return {"Id": i, "Filter": {"Prefix": "hot/"}}


def tiering(i, dest):
    return {"Id": i, "Filter": {"Tag": {"Key": "tier", "Value": "cold"}}, "Status": "Enabled",
            "Tierings": [{"Days": 90, "AccessTier": "ARCHIVE_ACCESS"},
                         {"Days": 180, "AccessTier": "DEEP_ARCHIVE_ACCESS"}]}


KINDS = {
    # kind: (document, Put, Get, Delete, List, the document's key, the list's key)
    "analytics": (analytics, "put_bucket_analytics_configuration", "get_bucket_analytics_configuration",
                  "delete_bucket_analytics_configuration", "list_bucket_analytics_configurations",
                  "AnalyticsConfiguration", "AnalyticsConfigurationList"),
    "inventory": (inventory, "put_bucket_inventory_configuration", "get_bucket_inventory_configuration",
                  "delete_bucket_inventory_configuration", "list_bucket_inventory_configurations",
                  "InventoryConfiguration", "InventoryConfigurationList"),
    "metrics": (metrics, "put_bucket_metrics_configuration", "get_bucket_metrics_configuration",
                "delete_bucket_metrics_configuration", "list_bucket_metrics_configurations",
                "MetricsConfiguration", "MetricsConfigurationList"),
    "intelligent-tiering": (tiering, "put_bucket_intelligent_tiering_configuration",
                            "get_bucket_intelligent_tiering_configuration",
                            "delete_bucket_intelligent_tiering_configuration",
                            "list_bucket_intelligent_tiering_configurations",
                            "IntelligentTieringConfiguration", "IntelligentTieringConfigurationList"),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_id_configuration_round_trip(server, kind):
    s3 = server.client("s3")
    doc, put, get, delete, list_, key, list_key = KINDS[kind]
    bucket, dest = new_bucket(s3), new_bucket(s3)
    listed = getattr(s3, list_)(Bucket=bucket)
    assert listed["IsTruncated"] is False and list_key not in listed
    with pytest.raises(ClientError) as e:
        getattr(s3, get)(Bucket=bucket, Id="a")
    assert error_of(e) == (404, "NoSuchConfiguration", "The specified configuration does not exist.")

    for i in ("b", "a"):
        getattr(s3, put)(Bucket=bucket, Id=i, **{key: doc(i, dest)})
    assert getattr(s3, get)(Bucket=bucket, Id="a")[key] == doc("a", dest)
    # Putting an id again replaces its configuration.
    changed = metrics("b", dest) if kind == "metrics" else doc("b", dest)
    if kind == "metrics":
        changed["Filter"] = {"AccessPointArn": f"arn:aws:s3:us-east-1:{OWNER}:accesspoint/ap"}
    getattr(s3, put)(Bucket=bucket, Id="b", **{key: changed})
    listed = getattr(s3, list_)(Bucket=bucket)
    assert listed["IsTruncated"] is False
    assert listed[list_key] == [doc("a", dest), changed]

    r = getattr(s3, delete)(Bucket=bucket, Id="a")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as e:
        getattr(s3, get)(Bucket=bucket, Id="a")
    assert error_of(e)[1] == "NoSuchConfiguration"
    with pytest.raises(ClientError) as e:
        getattr(s3, delete)(Bucket=bucket, Id="a")
    assert error_of(e)[:2] == (404, "NoSuchConfiguration")
    assert [c["Id"] for c in getattr(s3, list_)(Bucket=bucket)[list_key]] == ["b"]
    with pytest.raises(ClientError) as e:
        getattr(s3, list_)(Bucket=bucket_name("nobucket"))
    assert error_of(e)[1] == "NoSuchBucket"


def test_id_configurations_page_by_continuation_token_up_to_the_limit(server):
    s3 = server.client("s3")
    bucket = new_bucket(s3)
    ids = sorted(f"m{i:04}" for i in range(1000))
    for i in ids:
        s3.put_bucket_metrics_configuration(Bucket=bucket, Id=i, MetricsConfiguration={"Id": i})
    first = s3.list_bucket_metrics_configurations(Bucket=bucket)
    assert first["IsTruncated"] is True and len(first["MetricsConfigurationList"]) == 100
    assert "ContinuationToken" not in first
    listed, page = [], first
    while True:
        listed += [c["Id"] for c in page["MetricsConfigurationList"]]
        if not page["IsTruncated"]:
            break
        token = page["NextContinuationToken"]
        page = s3.list_bucket_metrics_configurations(Bucket=bucket, ContinuationToken=token)
        assert page["ContinuationToken"] == token
    assert "NextContinuationToken" not in page
    assert listed == ids
    with pytest.raises(ClientError) as e:
        s3.list_bucket_metrics_configurations(Bucket=bucket, ContinuationToken="not-a-token")
    assert error_of(e)[:2] == (400, "InvalidArgument")
    # A bucket holds at most 1,000 of a kind; replacing one is still fine.
    with pytest.raises(ClientError) as e:
        s3.put_bucket_metrics_configuration(Bucket=bucket, Id="one-more", MetricsConfiguration={"Id": "one-more"})
    assert error_of(e) == (400, "TooManyConfigurations", "You are attempting to create a new configuration "
                           "but have already reached the 1,000-configuration limit.")
    s3.put_bucket_metrics_configuration(Bucket=bucket, Id="m0000", MetricsConfiguration={
        "Id": "m0000", "Filter": {"Prefix": "p"}})
    assert s3.get_bucket_metrics_configuration(Bucket=bucket, Id="m0000")["MetricsConfiguration"]["Filter"] == {
        "Prefix": "p"}
    # Other kinds have limits of their own.
    s3.put_bucket_analytics_configuration(Bucket=bucket, Id="a", AnalyticsConfiguration={
        "Id": "a", "StorageClassAnalysis": {}})


def test_id_configuration_validation(server):
    s3 = server.client("s3")
    bucket, dest = new_bucket(s3), new_bucket(s3)
    malformed = (400, "MalformedXML",
                 "The XML you provided was not well-formed or did not validate against our published schema")
    # The document's Id must be the one in the query.
    with pytest.raises(ClientError) as e:
        s3.put_bucket_analytics_configuration(Bucket=bucket, Id="x", AnalyticsConfiguration=analytics("y", dest))
    assert error_of(e) == malformed
    with pytest.raises(ClientError) as e:
        s3.put_bucket_metrics_configuration(Bucket=bucket, Id="x", MetricsConfiguration={"Id": "y"})
    assert error_of(e) == malformed
    with pytest.raises(ClientError) as e:
        s3.put_bucket_inventory_configuration(Bucket=bucket, Id="x", InventoryConfiguration=inventory("y", dest))
    assert error_of(e) == (400, "IdMismatch", "Document ID does not match the specified configuration ID.")
    bad_arn = inventory("x", dest)
    bad_arn["Destination"]["S3BucketDestination"]["Bucket"] = dest
    with pytest.raises(ClientError) as e:
        s3.put_bucket_inventory_configuration(Bucket=bucket, Id="x", InventoryConfiguration=bad_arn)
    assert error_of(e) == (400, "InvalidS3DestinationBucket", "Invalid bucket ARN.")
    # Values outside the model's enumerations, and a filter with two predicates.
    with pytest.raises(ClientError) as e:
        s3.put_bucket_intelligent_tiering_configuration(
            Bucket=bucket, Id="x", IntelligentTieringConfiguration=tiering("x", dest) | {"Status": "On"})
    assert error_of(e) == malformed
    with pytest.raises(ClientError) as e:
        s3.put_bucket_metrics_configuration(Bucket=bucket, Id="x", MetricsConfiguration={
            "Id": "x", "Filter": {"Prefix": "a", "Tag": {"Key": "k", "Value": "v"}}})
    assert error_of(e) == malformed
    # What boto3 would not send: missing required elements, broken XML, no id.
    docs = {
        "intelligent-tiering": "<IntelligentTieringConfiguration><Id>x</Id><Status>Enabled</Status>"
                               "</IntelligentTieringConfiguration>",
        "analytics": "<AnalyticsConfiguration><Id>x</Id></AnalyticsConfiguration>",
        "metrics": "<MetricsConfiguration><Id>x</Id>",
        "inventory": "<InventoryConfiguration><Id>x</Id></InventoryConfiguration>",
    }
    for kind, doc in docs.items():
        status, _, body = server.http("PUT", f"/{bucket}?{kind}&id=x", doc.encode(), SIGNED)
        assert (status, xml_error(body)["Code"]) == (400, "MalformedXML"), kind
    status, _, body = server.http("PUT", f"/{bucket}?metrics", b"<MetricsConfiguration><Id>x</Id>"
                                  b"</MetricsConfiguration>", SIGNED)
    assert (status, xml_error(body)["Code"]) == (400, "InvalidArgument")
    # Nothing was stored.
    for kind, (_, _, _, _, list_, _, list_key) in KINDS.items():
        assert list_key not in getattr(s3, list_)(Bucket=bucket), kind


def test_id_configurations_need_permission(server):
    s3 = server.client("s3")
    bucket = new_bucket(s3)
    s3.put_bucket_metrics_configuration(Bucket=bucket, Id="m", MetricsConfiguration={"Id": "m"})
    other = server.client("s3", aws_access_key_id=OTHER, aws_secret_access_key="x")
    with pytest.raises(ClientError) as e:
        other.get_bucket_metrics_configuration(Bucket=bucket, Id="m")
    assert error_of(e)[:2] == (403, "AccessDenied")
    with pytest.raises(ClientError) as e:
        other.delete_bucket_metrics_configuration(Bucket=bucket, Id="m")
    assert error_of(e)[:2] == (403, "AccessDenied")
    # A bucket policy granting the read action lets the other account read, not write.
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
        "Action": "s3:GetMetricsConfiguration", "Resource": f"arn:aws:s3:::{bucket}"}]}))
    assert other.get_bucket_metrics_configuration(Bucket=bucket, Id="m")["MetricsConfiguration"] == {"Id": "m"}
    with pytest.raises(ClientError) as e:
        other.delete_bucket_metrics_configuration(Bucket=bucket, Id="m")
    assert error_of(e)[:2] == (403, "AccessDenied")


# ---- Policy status ----


def test_policy_status(server):
    s3 = server.client("s3")
    bucket = new_bucket(s3)
    with pytest.raises(ClientError) as e:
        s3.get_bucket_policy_status(Bucket=bucket)
    assert error_of(e) == (404, "NoSuchBucketPolicy", "The bucket policy does not exist")
    s3.delete_public_access_block(Bucket=bucket)  # new buckets block public policies

    def status(principal, condition=None):
        statement = {"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject",
                     "Resource": f"arn:aws:s3:::{bucket}/*"}
        if condition:
            statement["Condition"] = condition
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
        return s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"]

    assert status("*") is True
    assert status({"AWS": f"arn:aws:iam::{OTHER}:root"}) is False
    assert status("*", {"StringEquals": {"aws:PrincipalAccount": OTHER}}) is False
    s3.delete_bucket_policy(Bucket=bucket)
    with pytest.raises(ClientError) as e:
        s3.get_bucket_policy_status(Bucket=bucket)
    assert error_of(e)[1] == "NoSuchBucketPolicy"


# ---- x-amz-expected-bucket-owner ----


def test_expected_bucket_owner(server):
    s3 = server.client("s3")
    bucket = new_bucket(s3)
    s3.put_object(Bucket=bucket, Key="k", Body=b"v", ExpectedBucketOwner=OWNER)
    denied = (403, "AccessDenied", "Access Denied")
    calls = [
        lambda o: s3.put_object(Bucket=bucket, Key="new", Body=b"x", ExpectedBucketOwner=o),
        lambda o: s3.delete_object(Bucket=bucket, Key="k", ExpectedBucketOwner=o),
        lambda o: s3.get_object(Bucket=bucket, Key="k", ExpectedBucketOwner=o),
        lambda o: s3.list_objects_v2(Bucket=bucket, ExpectedBucketOwner=o),
        lambda o: s3.put_bucket_versioning(Bucket=bucket, ExpectedBucketOwner=o,
                                           VersioningConfiguration={"Status": "Enabled"}),
        lambda o: s3.put_bucket_metrics_configuration(Bucket=bucket, Id="m", ExpectedBucketOwner=o,
                                                      MetricsConfiguration={"Id": "m"}),
        lambda o: s3.delete_bucket(Bucket=bucket, ExpectedBucketOwner=o),
    ]
    for call in calls:
        with pytest.raises(ClientError) as e:
            call(OTHER)
        assert error_of(e) == denied
    # Nothing was changed.
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["k"]
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)
    assert "MetricsConfigurationList" not in s3.list_bucket_metrics_configurations(Bucket=bucket)
    # The right owner passes.
    assert s3.get_object(Bucket=bucket, Key="k", ExpectedBucketOwner=OWNER)["Body"].read() == b"v"
    s3.head_bucket(Bucket=bucket, ExpectedBucketOwner=OWNER)
    # A missing bucket is still NoSuchBucket.
    with pytest.raises(ClientError) as e:
        s3.list_objects_v2(Bucket=bucket_name("missing"), ExpectedBucketOwner=OTHER)
    assert error_of(e)[1] == "NoSuchBucket"


def test_expected_source_bucket_owner_on_copies(server):
    s3 = server.client("s3")
    src, dest = new_bucket(s3), new_bucket(s3)
    s3.put_object(Bucket=src, Key="k", Body=b"data")
    source = {"Bucket": src, "Key": "k"}
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=dest, Key="c", CopySource=source, ExpectedSourceBucketOwner=OTHER)
    assert error_of(e) == (403, "AccessDenied", "Access Denied")
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=dest, Key="c", CopySource=source, ExpectedBucketOwner=OTHER)
    assert error_of(e)[:2] == (403, "AccessDenied")
    assert "Contents" not in s3.list_objects_v2(Bucket=dest)
    s3.copy_object(Bucket=dest, Key="c", CopySource=source, ExpectedSourceBucketOwner=OWNER,
                   ExpectedBucketOwner=OWNER)
    assert s3.get_object(Bucket=dest, Key="c")["Body"].read() == b"data"

    upload = s3.create_multipart_upload(Bucket=dest, Key="mp")["UploadId"]
    with pytest.raises(ClientError) as e:
        s3.upload_part_copy(Bucket=dest, Key="mp", UploadId=upload, PartNumber=1, CopySource=source,
                            ExpectedSourceBucketOwner=OTHER)
    assert error_of(e)[:2] == (403, "AccessDenied")
    assert "Parts" not in s3.list_parts(Bucket=dest, Key="mp", UploadId=upload)
    s3.upload_part_copy(Bucket=dest, Key="mp", UploadId=upload, PartNumber=1, CopySource=source,
                        ExpectedSourceBucketOwner=OWNER)
    assert len(s3.list_parts(Bucket=dest, Key="mp", UploadId=upload)["Parts"]) == 1
    s3.abort_multipart_upload(Bucket=dest, Key="mp", UploadId=upload)


# ---- Conditional deletes ----


def test_conditional_delete_plain_bucket(server):
    s3 = server.client("s3")
    bucket = new_bucket(s3)
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["ETag"]
    with pytest.raises(ClientError) as e:
        s3.delete_object(Bucket=bucket, Key="k", IfMatch='"0123456789abcdef0123456789abcdef"')
    assert error_of(e) == (412, "PreconditionFailed",
                           "At least one of the pre-conditions you specified did not hold")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"one"
    r = s3.delete_object(Bucket=bucket, Key="k", IfMatch=etag)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as e:
        s3.delete_object(Bucket=bucket, Key="k", IfMatch=etag)
    assert error_of(e)[:2] == (404, "NoSuchKey")
    with pytest.raises(ClientError) as e:
        s3.delete_object(Bucket=bucket, Key="k", IfMatch="*")
    assert error_of(e)[:2] == (404, "NoSuchKey")
    s3.put_object(Bucket=bucket, Key="k", Body=b"two")
    s3.delete_object(Bucket=bucket, Key="k", IfMatch="*")
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)
    # Without If-Match a missing key is still a success.
    assert s3.delete_object(Bucket=bucket, Key="k")["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_conditional_delete_versioned_bucket(server):
    s3 = server.client("s3")
    bucket = new_bucket(s3, versioned=True)
    old = s3.put_object(Bucket=bucket, Key="k", Body=b"one")
    new = s3.put_object(Bucket=bucket, Key="k", Body=b"two")
    # The condition is on the current version, whichever version the request names.
    for version in (None, old["VersionId"]):
        kw = {"VersionId": version} if version else {}
        with pytest.raises(ClientError) as e:
            s3.delete_object(Bucket=bucket, Key="k", IfMatch=old["ETag"], **kw)
        assert error_of(e)[:2] == (412, "PreconditionFailed")
    versions = s3.list_object_versions(Bucket=bucket)
    assert len(versions["Versions"]) == 2 and "DeleteMarkers" not in versions

    r = s3.delete_object(Bucket=bucket, Key="k", IfMatch=new["ETag"])
    assert r["DeleteMarker"] is True
    # Behind a delete marker there is no current object to match.
    for condition in ("*", new["ETag"]):
        with pytest.raises(ClientError) as e:
            s3.delete_object(Bucket=bucket, Key="k", IfMatch=condition)
        assert error_of(e)[:2] == (404, "NoSuchKey")
    versions = s3.list_object_versions(Bucket=bucket)
    assert len(versions["Versions"]) == 2 and len(versions["DeleteMarkers"]) == 1


def test_delete_objects_with_etags(server):
    s3 = server.client("s3")
    bucket = new_bucket(s3)
    etags = {k: s3.put_object(Bucket=bucket, Key=k, Body=k.encode())["ETag"] for k in ("a", "b", "c")}
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": "a", "ETag": etags["a"]},
        {"Key": "b", "ETag": etags["a"]},
        {"Key": "c"},
        {"Key": "gone", "ETag": etags["a"]},
    ]})
    assert sorted(d["Key"] for d in r["Deleted"]) == ["a", "c"]
    errors = {e["Key"]: (e["Code"], e["Message"]) for e in r["Errors"]}
    assert errors == {
        "b": ("PreconditionFailed", "At least one of the pre-conditions you specified did not hold"),
        "gone": ("NoSuchKey", "The specified key does not exist."),
    }
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["b"]
