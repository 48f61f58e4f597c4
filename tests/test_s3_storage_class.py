"""Storage classes: written with PutObject, CopyObject, multipart uploads and POST, shown by
GET/HEAD and every listing, refused when S3 does not know them; archived classes (GLACIER,
DEEP_ARCHIVE) are read only after RestoreObject."""

import email.utils

import pytest
from botocore.exceptions import ClientError

from conftest import error_of, unique


@pytest.fixture
def bucket(server):
    name = unique("class")
    server.client("s3").create_bucket(Bucket=name)
    return name


def test_class_is_stored_shown_and_listed(server, bucket):
    s3 = server.client("s3")
    s3.put_object(Bucket=bucket, Key="ia", Body=b"x", StorageClass="STANDARD_IA")
    s3.put_object(Bucket=bucket, Key="std", Body=b"x", StorageClass="STANDARD")
    s3.put_object(Bucket=bucket, Key="plain", Body=b"x")
    assert s3.head_object(Bucket=bucket, Key="ia")["StorageClass"] == "STANDARD_IA"
    # S3 leaves the header out for STANDARD.
    assert "StorageClass" not in s3.head_object(Bucket=bucket, Key="std")
    assert s3.get_object(Bucket=bucket, Key="ia")["StorageClass"] == "STANDARD_IA"
    listed = {o["Key"]: o["StorageClass"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert listed == {"ia": "STANDARD_IA", "std": "STANDARD", "plain": "STANDARD"}
    v1 = {o["Key"]: o["StorageClass"] for o in s3.list_objects(Bucket=bucket)["Contents"]}
    assert v1 == listed
    versions = {v["Key"]: v["StorageClass"] for v in s3.list_object_versions(Bucket=bucket)["Versions"]}
    assert versions == listed
    attrs = s3.get_object_attributes(Bucket=bucket, Key="ia", ObjectAttributes=["StorageClass"])
    assert attrs["StorageClass"] == "STANDARD_IA"


def test_unknown_class_is_refused_and_nothing_is_stored(server, bucket):
    s3 = server.client("s3")
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="bad", Body=b"x", StorageClass="FAST")
    assert error_of(e) == (400, "InvalidStorageClass", "The storage class you specified is not valid")
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="bad")
    with pytest.raises(ClientError) as e:
        s3.create_multipart_upload(Bucket=bucket, Key="bad", StorageClass="FAST")
    assert error_of(e)[1] == "InvalidStorageClass"


def test_copy_takes_the_class_it_names_else_standard(server, bucket):
    s3 = server.client("s3")
    s3.put_object(Bucket=bucket, Key="src", Body=b"data", StorageClass="ONEZONE_IA")
    s3.copy_object(Bucket=bucket, Key="plain-copy", CopySource=f"{bucket}/src")
    assert "StorageClass" not in s3.head_object(Bucket=bucket, Key="plain-copy")
    s3.copy_object(Bucket=bucket, Key="ir-copy", CopySource=f"{bucket}/src", StorageClass="GLACIER_IR")
    assert s3.head_object(Bucket=bucket, Key="ir-copy")["StorageClass"] == "GLACIER_IR"
    # Changing only the class is a valid copy onto itself.
    s3.copy_object(Bucket=bucket, Key="src", CopySource=f"{bucket}/src", StorageClass="STANDARD")
    assert "StorageClass" not in s3.head_object(Bucket=bucket, Key="src")


def test_multipart_upload_keeps_its_class(server, bucket):
    s3 = server.client("s3")
    u = s3.create_multipart_upload(Bucket=bucket, Key="mp", StorageClass="INTELLIGENT_TIERING")["UploadId"]
    uploads = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert [x["StorageClass"] for x in uploads if x["UploadId"] == u] == ["INTELLIGENT_TIERING"]
    etag = s3.upload_part(Bucket=bucket, Key="mp", UploadId=u, PartNumber=1, Body=b"x")["ETag"]
    assert s3.list_parts(Bucket=bucket, Key="mp", UploadId=u)["StorageClass"] == "INTELLIGENT_TIERING"
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=u,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert s3.head_object(Bucket=bucket, Key="mp")["StorageClass"] == "INTELLIGENT_TIERING"


def test_archived_objects_are_read_only_after_a_restore(server, bucket):
    s3 = server.client("s3")
    s3.put_object(Bucket=bucket, Key="cold", Body=b"frozen", StorageClass="GLACIER")
    head = s3.head_object(Bucket=bucket, Key="cold")
    assert head["StorageClass"] == "GLACIER" and "Restore" not in head
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="cold")
    assert error_of(e) == (403, "InvalidObjectState", "The operation is not valid for the object's storage class")
    assert e.value.response["Error"]["StorageClass"] == "GLACIER"
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="thawed", CopySource=f"{bucket}/cold")
    assert error_of(e)[:2] == (403, "InvalidObjectState")

    r = s3.restore_object(Bucket=bucket, Key="cold", RestoreRequest={"Days": 2})
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 202
    head = s3.head_object(Bucket=bucket, Key="cold")
    assert head["Restore"].startswith('ongoing-request="false", expiry-date="')
    assert s3.get_object(Bucket=bucket, Key="cold")["Body"].read() == b"frozen"
    s3.copy_object(Bucket=bucket, Key="thawed", CopySource=f"{bucket}/cold")
    thawed = s3.head_object(Bucket=bucket, Key="thawed")
    assert "StorageClass" not in thawed and "Restore" not in thawed
    # A second restore only moves the expiry.
    r = s3.restore_object(Bucket=bucket, Key="cold", RestoreRequest={"Days": 5})
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200

    # Listings show the restore status when asked for it.
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert all("RestoreStatus" not in o for o in listed)
    listed = {o["Key"]: o for o in s3.list_objects_v2(Bucket=bucket, OptionalObjectAttributes=["RestoreStatus"])["Contents"]}
    status = listed["cold"]["RestoreStatus"]
    assert status["IsRestoreInProgress"] is False
    expiry = s3.head_object(Bucket=bucket, Key="cold")["Restore"].split('expiry-date="')[1].rstrip('"')
    assert status["RestoreExpiryDate"] == email.utils.parsedate_to_datetime(expiry)
    assert "RestoreStatus" not in listed["thawed"]
    versions = s3.list_object_versions(Bucket=bucket, OptionalObjectAttributes=["RestoreStatus"])["Versions"]
    assert [v["Key"] for v in versions if "RestoreStatus" in v] == ["cold"]


def test_restore_of_other_classes_and_bad_requests(server, bucket):
    s3 = server.client("s3")
    s3.put_object(Bucket=bucket, Key="warm", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.restore_object(Bucket=bucket, Key="warm", RestoreRequest={"Days": 1})
    assert error_of(e) == (403, "InvalidObjectState", "Restore is not allowed for the object's current storage class")
    with pytest.raises(ClientError) as e:
        s3.restore_object(Bucket=bucket, Key="missing", RestoreRequest={"Days": 1})
    assert error_of(e)[:2] == (404, "NoSuchKey")
    s3.put_object(Bucket=bucket, Key="deep", Body=b"x", StorageClass="DEEP_ARCHIVE")
    with pytest.raises(ClientError) as e:
        s3.restore_object(Bucket=bucket, Key="deep", RestoreRequest={"Days": 0})
    assert error_of(e)[:2] == (400, "MalformedXML")
    with pytest.raises(ClientError):
        s3.get_object(Bucket=bucket, Key="deep")
