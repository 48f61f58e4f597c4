"""S3 bucket configuration documents checked as S3 checks them: lifecycle filters, actions
that contradict one another and configurations mixing rule-level prefixes with filters,
the order GetBucketLifecycleConfiguration writes a rule in, and notification
configurations whose filters overlap."""

import xml.etree.ElementTree as ET

import pytest
from botocore.exceptions import ClientError

from conftest import error_of, unique

MALFORMED = (400, "MalformedXML",
             "The XML you provided was not well-formed or did not validate against our published schema")
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def rule(**kw):
    r = {"ID": "r", "Filter": {}, "Status": "Enabled"}
    r.update(kw)
    if not any(k in r for k in ("Expiration", "Transitions", "NoncurrentVersionExpiration",
                                "NoncurrentVersionTransitions", "AbortIncompleteMultipartUpload")):
        r["Expiration"] = {"Days": 1}
    return r


KEEP = [rule(ID="keep", Filter={"Prefix": "keep/"}, Expiration={"Days": 9})]

REFUSED = [
    # An And joins two or more predicates.
    ([rule(Filter={"And": {"Prefix": "x/"}})], MALFORMED),
    ([rule(Filter={"ObjectSizeLessThan": 0})],
     (400, "InvalidRequest", "'ObjectSizeLessThan' should be between 1 and 1099511627776000.")),
    ([rule(Filter={"And": {"ObjectSizeGreaterThan": 100, "ObjectSizeLessThan": 100}})],
     (400, "InvalidRequest", "'ObjectSizeLessThan' has to be a value greater than 'ObjectSizeGreaterThan'.")),
    ([rule(Filter={"ObjectSizeGreaterThan": 10}, AbortIncompleteMultipartUpload={"DaysAfterInitiation": 1})],
     (400, "InvalidRequest", "AbortIncompleteMultipartUpload cannot be specified with Object Size.")),
    ([rule(Filter={"ObjectSizeLessThan": 10}, Expiration={"ExpiredObjectDeleteMarker": False})],
     (400, "InvalidRequest", "ExpiredObjectDeleteMarker cannot be specified with Object Size.")),
    # NoncurrentDays is required although the model makes it optional.
    ([rule(NoncurrentVersionExpiration={"NewerNoncurrentVersions": 3})], MALFORMED),
    ([rule(NoncurrentVersionTransitions=[{"NoncurrentDays": 29, "StorageClass": "STANDARD_IA"}])],
     (400, "InvalidArgument",
      "'NoncurrentDays' in NoncurrentVersionTransition action must be greater than or equal to 30 "
      "for storageClass 'STANDARD_IA'")),
    ([rule(Transitions=[{"Days": 0, "StorageClass": "ONEZONE_IA"}])],
     (400, "InvalidArgument",
      "'Days' in Transition action must be greater than or equal to 30 for storageClass 'ONEZONE_IA'")),
    ([rule(Transitions=[{"Days": 30, "StorageClass": "GLACIER"}, {"Days": 60, "StorageClass": "GLACIER"}])],
     (400, "InvalidRequest",
      "'StorageClass' must be different for 'Transition' actions in same 'Rule' with filter '(prefix=)'")),
    ([rule(Filter={"Prefix": "a/"}, Expiration={"Date": "2030-01-01T00:00:00Z"},
           Transitions=[{"Days": 30, "StorageClass": "GLACIER"}])],
     (400, "InvalidRequest",
      "Found mixed 'Date' and 'Days' based Expiration and Transition actions in lifecycle rule for "
      "filter '(prefix=a/)'")),
    ([rule(Filter={"Prefix": ""}, Expiration={"Days": 30}, Transitions=[{"Days": 30, "StorageClass": "GLACIER"}])],
     (400, "InvalidArgument",
      "'Days' in the Expiration action for filter '(prefix=)' must be greater than 'Days' in the "
      "Transition action")),
    ([rule(NoncurrentVersionExpiration={"NoncurrentDays": 10},
           NoncurrentVersionTransitions=[{"NoncurrentDays": 30, "StorageClass": "GLACIER"}])],
     (400, "InvalidArgument",
      "'NoncurrentDays' in the NoncurrentVersionExpiration action must be greater than 'NoncurrentDays' "
      "in the NoncurrentVersionTransition action")),
    # Rule-level prefixes (the deprecated form) and filters do not mix.
    ([{"ID": "v1", "Prefix": "a/", "Status": "Enabled",
       "NoncurrentVersionExpiration": {"NoncurrentDays": 1, "NewerNoncurrentVersions": 2}}],
     (400, "InvalidRequest", "NewerNoncurrentVersions element can only be used in Lifecycle V2.")),
    ([{"ID": "v1", "Prefix": "a/", "Status": "Enabled", "Expiration": {"Days": 1}}, rule(ID="v2")],
     (400, "InvalidRequest", "Filter element can only be used in Lifecycle V2.")),
    ([rule(ID="v2"), {"ID": "v1", "Prefix": "a/", "Status": "Enabled", "Expiration": {"Days": 1}}],
     (400, "InvalidRequest",
      "Base level prefix cannot be used in Lifecycle V2, prefixes are only supported in the Filter.")),
    # Rule-level prefixes of rules with an action in common may not overlap.
    ([{"ID": "all", "Prefix": "", "Status": "Enabled", "Expiration": {"Days": 30}},
      {"ID": "logs", "Prefix": "logs", "Status": "Enabled", "Expiration": {"Days": 15}}],
     (400, "InvalidRequest", "Found overlapping prefixes 'logs' and '' for same action type 'Expiration'")),
    ([{"ID": "v1", "Prefix": "logs/", "Status": "Enabled",
       "Transitions": [{"Days": 30, "StorageClass": "GLACIER"}, {"Days": 60, "StorageClass": "GLACIER"}]}],
     (400, "InvalidRequest",
      "'StorageClass' must be different for 'Transition' actions in same 'Rule' with prefix 'logs/'")),
]


@pytest.mark.parametrize("rules,expected", REFUSED, ids=[e[2][:48] for _, e in REFUSED])
def test_lifecycle_documents_refused_as_s3_refuses_them(s3, bucket, rules, expected):
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": KEEP})
    with pytest.raises(ClientError) as e:
        s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
    assert error_of(e) == expected
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"] == KEEP


ACCEPTED = [
    [rule(Filter={"And": {"Prefix": "", "ObjectSizeGreaterThan": 1}})],
    [rule(Filter={"And": {"Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]}})],
    [rule(Filter={"ObjectSizeLessThan": 1})],
    [rule(Transitions=[{"Days": 30, "StorageClass": "STANDARD_IA"}, {"Days": 90, "StorageClass": "GLACIER"}],
          Expiration={"Days": 91})],
    [rule(NoncurrentVersionTransitions=[{"NoncurrentDays": 30, "StorageClass": "ONEZONE_IA"}],
          NoncurrentVersionExpiration={"NoncurrentDays": 31, "NewerNoncurrentVersions": 500})],
    [{"ID": "a", "Prefix": "a/", "Status": "Enabled", "Expiration": {"Days": 1}},
     {"ID": "b", "Prefix": "b/", "Status": "Enabled", "Expiration": {"Days": 2}}],
    [{"ID": "all", "Prefix": "", "Status": "Enabled", "Expiration": {"Days": 30}},
     {"ID": "logs", "Prefix": "logs", "Status": "Enabled", "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2}}],
    # Filters may overlap.
    [rule(ID="all", Filter={"Prefix": ""}, Expiration={"Days": 30}),
     rule(ID="logs", Filter={"Prefix": "logs"}, Expiration={"Days": 15})],
]


@pytest.mark.parametrize("rules", ACCEPTED)
def test_lifecycle_documents_s3_accepts(s3, bucket, rules):
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"] == rules


def test_a_lifecycle_rule_is_written_id_filter_status_then_actions(server, s3, bucket):
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"Expiration": {"Days": 365}, "Transitions": [{"Days": 30, "StorageClass": "GLACIER"}],
         "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "ID": "archive"}]})
    url = s3.generate_presigned_url("get_bucket_lifecycle_configuration", Params={"Bucket": bucket})
    status, _, body = server.http("GET", url[len(server.endpoint):])
    assert status == 200
    (rule_element,) = ET.fromstring(body).findall(f"{NS}Rule")
    assert [c.tag[len(NS):] for c in rule_element] == ["ID", "Filter", "Status", "Transition", "Expiration"]


QUEUE = "arn:aws:sqs:us-east-1:000000000000:q"


def queue(events, prefix=None, suffix=None, arn=QUEUE):
    rules = [{"Name": n, "Value": v} for n, v in (("prefix", prefix), ("suffix", suffix)) if v is not None]
    q = {"QueueArn": arn, "Events": events}
    if rules:
        q["Filter"] = {"Key": {"FilterRules": rules}}
    return q


AMBIGUOUS = ("Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the "
             "prefixes are overlapping for the same event type.")


@pytest.mark.parametrize("second,overlaps", [
    (queue(["s3:ObjectCreated:Put"], arn=QUEUE + "2"), True),
    (queue(["s3:ObjectCreated:*"], prefix="in/deeper/"), True),
    (queue(["s3:ObjectCreated:Copy"], suffix="photo.jpg"), True),
    (queue(["s3:ObjectRemoved:*"], prefix="in/", suffix=".jpg"), False),
    (queue(["s3:ObjectCreated:*"], prefix="out/", suffix=".jpg"), False),
    (queue(["s3:ObjectCreated:*"], prefix="in/", suffix=".png"), False),
])
def test_notification_configurations_may_not_overlap(s3, bucket, second, overlaps):
    first = queue(["s3:ObjectCreated:*"], prefix="in/", suffix=".jpg")
    config = {"QueueConfigurations": [first, second]}
    if not overlaps:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
        assert len(s3.get_bucket_notification_configuration(Bucket=bucket)["QueueConfigurations"]) == 2
        return
    with pytest.raises(ClientError) as e:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    assert error_of(e) == (400, "InvalidArgument", AMBIGUOUS)
    assert "QueueConfigurations" not in s3.get_bucket_notification_configuration(Bucket=bucket)


def test_overlapping_configurations_of_different_destinations_are_refused(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
            "QueueConfigurations": [queue(["s3:ObjectRemoved:Delete"])],
            "TopicConfigurations": [{"TopicArn": "arn:aws:sns:us-east-1:000000000000:t",
                                     "Events": ["s3:ObjectRemoved:*"]}]})
    assert error_of(e) == (400, "InvalidArgument", AMBIGUOUS)


def test_two_suffix_rules_in_one_filter(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": QUEUE, "Events": ["s3:ObjectCreated:*"], "Filter": {"Key": {
                "FilterRules": [{"Name": "suffix", "Value": ".a"}, {"Name": "suffix", "Value": ".b"}]}}}]})
    assert error_of(e) == (400, "InvalidArgument", "Cannot specify more than one suffix rule in a filter.")


# --- Lambda destinations -------------------------------------------------------------------

def lambda_function(server):
    """A Python function of its own; returns its ARN."""
    import io
    import json
    import zipfile

    iam = server.client("iam")
    try:
        iam.create_role(RoleName="notified-role", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                           "Action": "sts:AssumeRole"}]}))
    except ClientError as e:
        assert e.response["Error"]["Code"] == "EntityAlreadyExists"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", "def handler(event, context):\n    return event\n")
    return server.client("lambda").create_function(
        FunctionName=unique("notified"), Runtime="python3.12", Handler="app.handler",
        Role="arn:aws:iam::000000000000:role/notified-role", Code={"ZipFile": buf.getvalue()})["FunctionArn"]


def lambda_config(arn):
    return {"LambdaFunctionConfigurations": [{"Id": "f", "LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]}


def test_lambda_destinations_must_let_s3_invoke_them(server, s3, bucket):
    arn = lambda_function(server)
    missing = arn + "-missing"
    for refused in (arn, missing):
        with pytest.raises(ClientError) as e:
            s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=lambda_config(refused))
        assert error_of(e) == (400, "InvalidArgument", "Unable to validate the following destination configurations")
        err = e.value.response["Error"]
        assert (err["ArgumentName1"], err["ArgumentValue1"]) == (
            f"{refused}, null", f"Not authorized to invoke function [{refused}]")
        assert s3.get_bucket_notification_configuration(Bucket=bucket).get("LambdaFunctionConfigurations") is None

    # x-amz-skip-destination-validation: true stores it unchecked.
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=lambda_config(missing),
                                             SkipDestinationValidation=True)
    got = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert got["LambdaFunctionConfigurations"][0]["LambdaFunctionArn"] == missing
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})

    lam = server.client("lambda")
    # A permission for another bucket does not do.
    lam.add_permission(FunctionName=arn, StatementId="other", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::some-other-bucket")
    with pytest.raises(ClientError) as e:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=lambda_config(arn))
    assert error_of(e)[1] == "InvalidArgument"
    lam.add_permission(FunctionName=arn, StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{bucket}")
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=lambda_config(arn))
    got = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert got["LambdaFunctionConfigurations"] == lambda_config(arn)["LambdaFunctionConfigurations"]


# --- server access logging ------------------------------------------------------------------

def test_logging_targets_and_grants(server, s3, bucket):
    target = unique("cfgrules-logs").lower()
    s3.create_bucket(Bucket=target)

    def put(**enabled):
        return s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={
            "LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "logs/", **enabled}})

    with pytest.raises(ClientError) as e:
        put(TargetGrants=[{"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"},
                           "Permission": "WRITE"}])
    assert error_of(e) == (400, "AccessControlListNotSupported",
                           "Target grants not allowed for bucket owner enforced buckets")
    with pytest.raises(ClientError) as e:
        put(TargetObjectKeyFormat={"PartitionedPrefix": {"PartitionDateSource": "Yesterday"}})
    assert error_of(e) == MALFORMED
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)
    # With ACLs enabled on the target, grants are taken and given back.
    s3.put_bucket_ownership_controls(Bucket=target, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    grants = [{"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"},
               "Permission": "WRITE"},
              {"Grantee": {"Type": "CanonicalUser", "ID": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
               "Permission": "READ"}]
    put(TargetGrants=grants)
    assert s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]["TargetGrants"] == grants
    with pytest.raises(ClientError) as e:
        put(TargetGrants=[{"Grantee": grants[0]["Grantee"], "Permission": "READ_ACP"}])
    assert error_of(e) == MALFORMED
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={})
    put(TargetObjectKeyFormat={"PartitionedPrefix": {"PartitionDateSource": "DeliveryTime"}})
    assert s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]["TargetObjectKeyFormat"] == {
        "PartitionedPrefix": {"PartitionDateSource": "DeliveryTime"}}

    other = server.client("s3", aws_access_key_id="111122223333", aws_secret_access_key="x")
    theirs = unique("cfgrules-theirs").lower()
    other.create_bucket(Bucket=theirs)
    with pytest.raises(ClientError) as e:
        s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={
            "LoggingEnabled": {"TargetBucket": theirs, "TargetPrefix": "logs/"}})
    assert error_of(e) == (400, "InvalidTargetBucketForLogging",
                           "The owner for the bucket to be logged and the target bucket must be the same.")
    assert e.value.response["Error"]["TargetBucket"] == theirs


def test_logging_target_grantees_are_checked_as_acl_grantees(s3, bucket):
    target = unique("cfgrules-logs").lower()
    s3.create_bucket(Bucket=target)
    s3.put_bucket_ownership_controls(Bucket=target, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})

    def put(grantee):
        with pytest.raises(ClientError) as e:
            s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": {
                "TargetBucket": target, "TargetPrefix": "logs/",
                "TargetGrants": [{"Grantee": grantee, "Permission": "READ"}]}})
        return e

    e = put({"Type": "CanonicalUser", "ID": "not-a-canonical-id"})
    assert error_of(e) == (400, "InvalidArgument", "Invalid id")
    assert (e.value.response["Error"]["ArgumentName"], e.value.response["Error"]["ArgumentValue"]) == (
        "CanonicalUser/ID", "not-a-canonical-id")
    e = put({"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/Nobody"})
    assert error_of(e) == (400, "InvalidArgument", "Invalid group uri")
    e = put({"Type": "AmazonCustomerByEmail", "EmailAddress": "someone@example.com"})
    assert error_of(e) == (400, "UnresolvableGrantByEmailAddress",
                           "The e-mail address you provided does not match any account on record.")
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)


def test_filter_rule_names_come_back_capitalised(s3, bucket):
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [queue(["s3:ObjectCreated:*"], prefix="in/", suffix=".jpg")]})
    (got,) = s3.get_bucket_notification_configuration(Bucket=bucket)["QueueConfigurations"]
    assert got["Filter"]["Key"]["FilterRules"] == [{"Name": "Prefix", "Value": "in/"},
                                                   {"Name": "Suffix", "Value": ".jpg"}]
