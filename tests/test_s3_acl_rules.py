"""Bucket and object ACLs as the S3 API Reference has them: what each canned ACL grants, the
grant headers and the AccessControlPolicy document with S3's errors, Object Ownership
(BucketOwnerEnforced disables ACLs) and Block Public Access, and what grants allow to other
accounts and to anonymous callers."""

import pytest
from botocore.exceptions import ClientError

from conftest import error_of, unique

OTHER = "111111111111"
THIRD = "222222222222"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
# The canonical user of Amazon EC2, which aws-exec-read lets read AMI bundles.
EC2 = "6aa5a366c34c1cbe25dc49211496e913e0351eb0e8c37aa3477e40942ec6b97c"
BAD_ID = "0" * 63 + "x"


def account(server, key_id):
    return server.client("s3", aws_access_key_id=key_id, aws_secret_access_key="x")


def canonical(client):
    return client.list_buckets()["Owner"]["ID"]


def grants_of(acl):
    """The grants of a Get…Acl answer as a set of (grantee, permission)."""
    return {(g["Grantee"].get("ID") or g["Grantee"].get("URI"), g["Permission"]) for g in acl["Grants"]}


def acl_bucket(s3, ownership="ObjectWriter", public=False):
    """A bucket with ACLs enabled (and, when `public`, without Block Public Access)."""
    name = unique("acl").lower()
    s3.create_bucket(Bucket=name, ObjectOwnership=ownership)
    if public:
        s3.delete_public_access_block(Bucket=name)
    return name


def raises(call):
    with pytest.raises(ClientError) as e:
        call()
    return error_of(e)


CANNED = [
    # (canned ACL, grants beyond the owner's FULL_CONTROL on a bucket, on an object)
    ("private", set(), set()),
    ("public-read", {(ALL_USERS, "READ")}, {(ALL_USERS, "READ")}),
    ("public-read-write", {(ALL_USERS, "READ"), (ALL_USERS, "WRITE")},
     {(ALL_USERS, "READ"), (ALL_USERS, "WRITE")}),
    ("authenticated-read", {(AUTHENTICATED, "READ")}, {(AUTHENTICATED, "READ")}),
    ("aws-exec-read", {(EC2, "READ")}, {(EC2, "READ")}),
    ("bucket-owner-read", set(), set()),
    ("bucket-owner-full-control", set(), set()),
    ("log-delivery-write", {(LOG_DELIVERY, "WRITE"), (LOG_DELIVERY, "READ_ACP")},
     {(LOG_DELIVERY, "WRITE"), (LOG_DELIVERY, "READ_ACP")}),
]


@pytest.mark.parametrize("canned,on_bucket,on_object", CANNED, ids=[c[0] for c in CANNED])
def test_each_canned_acl_grants_what_s3_lists(server, canned, on_bucket, on_object):
    s3 = server.client("s3")
    me = canonical(s3)
    bucket = acl_bucket(s3, public=True)
    s3.put_bucket_acl(Bucket=bucket, ACL=canned)
    acl = s3.get_bucket_acl(Bucket=bucket)
    assert acl["Owner"]["ID"] == me
    assert grants_of(acl) == {(me, "FULL_CONTROL")} | on_bucket
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL=canned)
    assert grants_of(s3.get_object_acl(Bucket=bucket, Key="k")) == {(me, "FULL_CONTROL")} | on_object
    s3.put_object_acl(Bucket=bucket, Key="k", ACL="private")
    s3.put_object_acl(Bucket=bucket, Key="k", ACL=canned)
    assert grants_of(s3.get_object_acl(Bucket=bucket, Key="k")) == {(me, "FULL_CONTROL")} | on_object


def test_create_bucket_with_a_canned_acl(server):
    s3 = server.client("s3")
    me = canonical(s3)
    name = unique("aclc").lower()
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter", ACL="aws-exec-read")
    assert grants_of(s3.get_bucket_acl(Bucket=name)) == {(me, "FULL_CONTROL"), (EC2, "READ")}


def test_the_document_s3_returns(server):
    s3 = server.client("s3")
    me = canonical(s3)
    bucket = acl_bucket(s3, public=True)
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    status, _, body = server.http("GET", f"/{bucket}?acl")
    # Anonymous callers may not read the ACL (READ is not READ_ACP).
    assert status == 403
    raw = s3.get_bucket_acl(Bucket=bucket)["ResponseMetadata"]
    assert raw["HTTPStatusCode"] == 200
    s3.put_bucket_acl(Bucket=bucket, GrantReadACP=f"uri={ALL_USERS}")
    status, _, body = server.http("GET", f"/{bucket}?acl")
    assert status == 200, body
    text = body.decode()
    assert '<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' in text
    assert f"<Owner><ID>{me}</ID></Owner>" in text
    assert ('<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group">'
            f"<URI>{ALL_USERS}</URI></Grantee><Permission>READ_ACP</Permission>") in text
    # S3 no longer returns display names.
    assert "DisplayName" not in text


HEADER_ERRORS = [
    # (extra PutBucketAcl / PutObject arguments, status, code, message or None)
    ({"ACL": "bogus"}, 400, "InvalidArgument", ""),
    ({"ACL": "private", "GrantRead": f"uri={ALL_USERS}"}, 400, "InvalidRequest",
     "Specifying both Canned ACLs and Header Grants is not allowed"),
    ({"GrantRead": f'id="{BAD_ID}"'}, 400, "InvalidArgument", "Invalid id"),
    ({"GrantRead": 'emailAddress="nobody@example.com"'}, 400, "UnresolvableGrantByEmailAddress",
     "The e-mail address you provided does not match any account on record."),
    ({"GrantReadACP": "uri=http://acs.amazonaws.com/groups/global/Nobody"}, 400, "InvalidArgument",
     "Invalid group uri"),
    ({"GrantReadACP": "nonsense"}, 400, "InvalidArgument", "Argument format not recognized"),
]


@pytest.mark.parametrize("args,status,code,message", HEADER_ERRORS)
def test_bad_acl_headers(server, args, status, code, message):
    s3 = server.client("s3")
    bucket = acl_bucket(s3, public=True)
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    before = s3.get_bucket_acl(Bucket=bucket)["Grants"]
    for call in (lambda: s3.put_bucket_acl(Bucket=bucket, **args),
                 lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"x", **args),
                 lambda: s3.create_multipart_upload(Bucket=bucket, Key="k", **args),
                 lambda: s3.copy_object(Bucket=bucket, Key="k2", CopySource=f"{bucket}/none", **args)):
        got = raises(call)
        assert got[:2] == (status, code), (call, got)
        if message is not None:
            assert (got[2] or "") == message
    assert s3.get_bucket_acl(Bucket=bucket)["Grants"] == before
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_several_grantees_in_one_header_and_several_headers(server):
    s3, other, third = server.client("s3"), account(server, OTHER), account(server, THIRD)
    me, other_id, third_id = canonical(s3), canonical(other), canonical(third)
    bucket = acl_bucket(s3, public=True)
    s3.put_bucket_acl(Bucket=bucket, GrantRead=f'id="{other_id}", id="{third_id}",uri="{AUTHENTICATED}"',
                      GrantFullControl=f'id="{me}"', GrantWriteACP=f"id={third_id}")
    assert grants_of(s3.get_bucket_acl(Bucket=bucket)) == {
        (me, "FULL_CONTROL"), (other_id, "READ"), (third_id, "READ"), (AUTHENTICATED, "READ"),
        (third_id, "WRITE_ACP")}


def policy(owner, grants):
    body = "".join(
        f'<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="{t}">'
        f"<{tag}>{v}</{tag}></Grantee><Permission>{p}</Permission></Grant>"
        for t, tag, v, p in grants)
    owner_xml = f"<Owner><ID>{owner}</ID></Owner>" if owner else ""
    return (f'<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{owner_xml}'
            f"<AccessControlList>{body}</AccessControlList></AccessControlPolicy>")


def put_acl_raw(s3, bucket, body, key=None, headers=None):
    """PutBucketAcl / PutObjectAcl with `body` sent as it is."""
    def add(request, **_):
        request.data = body.encode()
        dropped = [k for k in request.headers.keys()
                   if k.lower().startswith(("x-amz-checksum-", "x-amz-sdk-checksum", "content-md5",
                                            "content-length"))]
        for k, v in [*((k, None) for k in dropped), *(headers or {}).items()]:
            if k in request.headers:
                del request.headers[k]
            if v is not None:
                request.headers[k] = v
    event = "before-sign.s3.PutObjectAcl" if key else "before-sign.s3.PutBucketAcl"
    s3.meta.events.register(event, add)
    try:
        if key:
            return s3.put_object_acl(Bucket=bucket, Key=key, ACL="private")
        return s3.put_bucket_acl(Bucket=bucket, ACL="private")
    finally:
        s3.meta.events.unregister(event, add)


MALFORMED = "The XML you provided was not well-formed or did not validate against our published schema"


def document_cases(me, other_id):
    user = ("CanonicalUser", "ID", me, "FULL_CONTROL")
    return [
        # (document, status, code, message or None)
        ("<AccessControlPolicy><AccessControlList>", 400, "MalformedACLError", MALFORMED),
        (policy(None, [user]), 400, "MalformedACLError", MALFORMED),
        (policy(me, [("CanonicalUser", "ID", me, "EVERYTHING")]), 400, "MalformedACLError", MALFORMED),
        (policy(me, [("Robot", "ID", me, "READ")]), 400, "MalformedACLError", MALFORMED),
        (policy(me, [("Group", "ID", me, "READ")]), 400, "MalformedACLError", MALFORMED),
        (policy(me, [user]).replace(' xsi:type="CanonicalUser"', ""), 400, "MalformedACLError", MALFORMED),
        (policy(me, [user] + [("CanonicalUser", "ID", other_id, "READ")] * 100), 400,
         "MalformedACLError", MALFORMED),
        (policy(me, [("CanonicalUser", "ID", BAD_ID, "READ")]), 400, "InvalidArgument", "Invalid id"),
        (policy(BAD_ID, [user]), 400, "InvalidArgument", "Invalid id"),
        (policy(other_id, [user]), 403, "AccessDenied", "Access Denied"),
        (policy(me, [("AmazonCustomerByEmail", "EmailAddress", "nobody@example.com", "READ")]), 400,
         "UnresolvableGrantByEmailAddress", None),
    ]


def test_bad_access_control_policies_change_nothing(server):
    s3, other = server.client("s3"), account(server, OTHER)
    me, other_id = canonical(s3), canonical(other)
    bucket = acl_bucket(s3)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    for doc, status, code, message in document_cases(me, other_id):
        for key in (None, "k"):
            got = raises(lambda: put_acl_raw(s3, bucket, doc, key=key, headers={"x-amz-acl": None}))
            assert got[:2] == (status, code), (doc[:120], key, got)
            if message is not None:
                assert got[2] == message, doc[:120]
    assert grants_of(s3.get_bucket_acl(Bucket=bucket)) == {(me, "FULL_CONTROL")}
    assert grants_of(s3.get_object_acl(Bucket=bucket, Key="k")) == {(me, "FULL_CONTROL")}


def test_a_hundred_grants_are_accepted(server):
    s3, other = server.client("s3"), account(server, OTHER)
    me, other_id = canonical(s3), canonical(other)
    bucket = acl_bucket(s3)
    grants = [{"Grantee": {"Type": "CanonicalUser", "ID": me}, "Permission": "FULL_CONTROL"}]
    grants += [{"Grantee": {"Type": "CanonicalUser", "ID": other_id}, "Permission": "READ"}] * 99
    s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy={"Owner": {"ID": me}, "Grants": grants})
    assert len(s3.get_bucket_acl(Bucket=bucket)["Grants"]) == 100


def test_a_document_and_headers_together(server):
    s3 = server.client("s3")
    me = canonical(s3)
    bucket = acl_bucket(s3)
    doc = policy(me, [("CanonicalUser", "ID", me, "FULL_CONTROL")])
    got = raises(lambda: put_acl_raw(s3, bucket, doc))
    assert got == (400, "UnexpectedContent", "This request does not support content")
    # Neither a document nor headers.
    got = raises(lambda: put_acl_raw(s3, bucket, "", headers={"x-amz-acl": None}))
    assert got[:2] == (400, "MissingSecurityHeader")


def test_acls_are_disabled_by_default(server):
    s3 = server.client("s3")
    me = canonical(s3)
    bucket = unique("acld").lower()
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    other_id = canonical(account(server, OTHER))
    refused = [
        lambda: s3.put_bucket_acl(Bucket=bucket, ACL="authenticated-read"),
        lambda: s3.put_bucket_acl(Bucket=bucket, GrantRead=f'id="{other_id}"'),
        lambda: s3.put_object(Bucket=bucket, Key="k2", Body=b"x", ACL="aws-exec-read"),
        lambda: s3.put_object(Bucket=bucket, Key="k2", Body=b"x", GrantRead=f'id="{other_id}"'),
        lambda: s3.put_object_acl(Bucket=bucket, Key="k", ACL="public-read"),
        lambda: s3.copy_object(Bucket=bucket, Key="k2", CopySource=f"{bucket}/k", ACL="public-read"),
        lambda: s3.create_multipart_upload(Bucket=bucket, Key="k2", ACL="public-read-write"),
    ]
    for i, call in enumerate(refused):
        assert raises(call) == (400, "AccessControlListNotSupported", "The bucket does not allow ACLs"), i
    # Owner-only ACLs are accepted, reading ACLs still works.
    s3.put_object(Bucket=bucket, Key="k3", Body=b"x", ACL="bucket-owner-full-control")
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    s3.put_object_acl(Bucket=bucket, Key="k", ACL="private")
    assert grants_of(s3.get_bucket_acl(Bucket=bucket)) == {(me, "FULL_CONTROL")}
    assert grants_of(s3.get_object_acl(Bucket=bucket, Key="k3")) == {(me, "FULL_CONTROL")}
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["k", "k3"]


def test_block_public_acls_refuses_public_grants(server):
    s3 = server.client("s3")
    bucket = acl_bucket(s3)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    for call in (lambda: s3.put_bucket_acl(Bucket=bucket, ACL="public-read"),
                 lambda: s3.put_bucket_acl(Bucket=bucket, GrantRead=f"uri={AUTHENTICATED}"),
                 lambda: s3.put_object(Bucket=bucket, Key="k2", Body=b"x", ACL="public-read-write"),
                 lambda: s3.put_object_acl(Bucket=bucket, Key="k", ACL="authenticated-read")):
        assert raises(call) == (403, "AccessDenied", "Access Denied")
    # Grants that are not public stay allowed.
    s3.put_bucket_acl(Bucket=bucket, ACL="log-delivery-write")


def anonymous(server, method, path):
    return server.http(method, path)[0]


def test_public_grants_for_anonymous_and_signed_callers(server):
    s3, other = server.client("s3"), account(server, OTHER)
    bucket = acl_bucket(s3, public=True)
    s3.put_object(Bucket=bucket, Key="pub", Body=b"p", ACL="public-read")
    s3.put_object(Bucket=bucket, Key="auth", Body=b"a", ACL="authenticated-read")
    s3.put_object(Bucket=bucket, Key="priv", Body=b"s")
    assert anonymous(server, "GET", f"/{bucket}/pub") == 200
    assert anonymous(server, "HEAD", f"/{bucket}/pub") == 200
    assert anonymous(server, "GET", f"/{bucket}/auth") == 403
    assert anonymous(server, "GET", f"/{bucket}/priv") == 403
    assert other.get_object(Bucket=bucket, Key="auth")["Body"].read() == b"a"
    assert other.head_object(Bucket=bucket, Key="pub")["ContentLength"] == 1
    assert raises(lambda: other.get_object(Bucket=bucket, Key="priv"))[:2] == (403, "AccessDenied")
    # READ on an object is not READ_ACP.
    assert raises(lambda: other.get_object_acl(Bucket=bucket, Key="pub"))[:2] == (403, "AccessDenied")
    # Listing needs READ on the bucket.
    assert anonymous(server, "GET", f"/{bucket}") == 403
    s3.put_bucket_acl(Bucket=bucket, ACL="authenticated-read")
    assert anonymous(server, "GET", f"/{bucket}") == 403
    assert other.list_objects_v2(Bucket=bucket)["KeyCount"] == 3
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    assert anonymous(server, "GET", f"/{bucket}") == 200
    # IgnorePublicAcls voids the public grants without removing them.
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={"IgnorePublicAcls": True})
    assert anonymous(server, "GET", f"/{bucket}") == 403
    assert anonymous(server, "GET", f"/{bucket}/pub") == 403
    assert raises(lambda: other.get_object(Bucket=bucket, Key="auth"))[:2] == (403, "AccessDenied")
    assert (ALL_USERS, "READ") in grants_of(s3.get_object_acl(Bucket=bucket, Key="pub"))
    s3.delete_public_access_block(Bucket=bucket)
    assert anonymous(server, "GET", f"/{bucket}/pub") == 200


def test_what_grants_to_another_account_allow(server):
    s3, other, third = server.client("s3"), account(server, OTHER), account(server, THIRD)
    me, other_id = canonical(s3), canonical(other)
    bucket = acl_bucket(s3)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    denied = (403, "AccessDenied")
    assert raises(lambda: other.list_objects_v2(Bucket=bucket))[:2] == denied
    assert raises(lambda: other.put_object(Bucket=bucket, Key="o", Body=b"o"))[:2] == denied
    assert raises(lambda: other.get_bucket_acl(Bucket=bucket))[:2] == denied

    s3.put_bucket_acl(Bucket=bucket, GrantFullControl=f'id="{me}"', GrantRead=f'id="{other_id}"')
    assert other.list_objects_v2(Bucket=bucket)["KeyCount"] == 1
    assert raises(lambda: third.list_objects_v2(Bucket=bucket))[:2] == denied
    assert raises(lambda: other.put_object(Bucket=bucket, Key="o", Body=b"o"))[:2] == denied

    s3.put_bucket_acl(Bucket=bucket, GrantFullControl=f'id="{me}"', GrantWrite=f'id="{other_id}"')
    other.put_object(Bucket=bucket, Key="o", Body=b"o")
    other.delete_object(Bucket=bucket, Key="k")
    assert raises(lambda: other.list_objects_v2(Bucket=bucket))[:2] == denied
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["o"]

    s3.put_bucket_acl(Bucket=bucket, GrantFullControl=f'id="{me}"', GrantReadACP=f'id="{other_id}"')
    assert grants_of(other.get_bucket_acl(Bucket=bucket)) == {(me, "FULL_CONTROL"), (other_id, "READ_ACP")}
    assert raises(lambda: other.put_bucket_acl(Bucket=bucket, ACL="private"))[:2] == denied

    s3.put_bucket_acl(Bucket=bucket, GrantFullControl=f'id="{me}"', GrantWriteACP=f'id="{other_id}"')
    assert raises(lambda: other.get_bucket_acl(Bucket=bucket))[:2] == denied
    other.put_bucket_acl(Bucket=bucket, GrantFullControl=f'id="{me}", id="{other_id}"')
    # FULL_CONTROL is every permission.
    assert other.list_objects_v2(Bucket=bucket)["KeyCount"] == 1
    assert (other_id, "FULL_CONTROL") in grants_of(other.get_bucket_acl(Bucket=bucket))
    other.put_object(Bucket=bucket, Key="p", Body=b"p")


def test_object_acl_grants_to_another_account(server):
    s3, other = server.client("s3"), account(server, OTHER)
    me, other_id = canonical(s3), canonical(other)
    bucket = acl_bucket(s3)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", GrantRead=f'id="{other_id}"')
    assert other.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"
    assert raises(lambda: other.get_object_acl(Bucket=bucket, Key="k"))[:2] == (403, "AccessDenied")
    s3.put_object_acl(Bucket=bucket, Key="k", GrantReadACP=f'id="{other_id}"', GrantWriteACP=f'id="{other_id}"')
    assert raises(lambda: other.get_object(Bucket=bucket, Key="k"))[:2] == (403, "AccessDenied")
    assert grants_of(other.get_object_acl(Bucket=bucket, Key="k")) == {
        (other_id, "READ_ACP"), (other_id, "WRITE_ACP")}
    other.put_object_acl(Bucket=bucket, Key="k", GrantFullControl=f'id="{me}"')
    assert raises(lambda: other.get_object_acl(Bucket=bucket, Key="k"))[:2] == (403, "AccessDenied")
    assert s3.get_object_acl(Bucket=bucket, Key="k")["Owner"]["ID"] == me


def test_an_unknown_canned_acl_names_the_header(server):
    s3 = server.client("s3")
    bucket = acl_bucket(s3)
    with pytest.raises(ClientError) as e:
        s3.put_bucket_acl(Bucket=bucket, ACL="privatee")
    err = e.value.response["Error"]
    assert (err["Code"], err["ArgumentName"], err["ArgumentValue"]) == ("InvalidArgument", "x-amz-acl", "privatee")


def test_all_users_write_lets_anonymous_callers_write(server):
    s3 = server.client("s3")
    bucket = acl_bucket(s3, public=True)
    assert server.http("PUT", f"/{bucket}/anon", body=b"a")[0] == 403
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read-write")
    assert server.http("PUT", f"/{bucket}/anon", body=b"a")[0] == 200
    assert s3.get_object(Bucket=bucket, Key="anon")["Body"].read() == b"a"
    assert server.http("DELETE", f"/{bucket}/anon")[0] == 204
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_a_copy_does_not_take_the_source_acl(server):
    s3 = server.client("s3")
    me = canonical(s3)
    bucket = acl_bucket(s3, public=True)
    s3.put_object(Bucket=bucket, Key="src", Body=b"x", ACL="public-read")
    s3.copy_object(Bucket=bucket, Key="plain", CopySource=f"{bucket}/src")
    s3.copy_object(Bucket=bucket, Key="granted", CopySource=f"{bucket}/src", ACL="authenticated-read")
    assert grants_of(s3.get_object_acl(Bucket=bucket, Key="plain")) == {(me, "FULL_CONTROL")}
    assert grants_of(s3.get_object_acl(Bucket=bucket, Key="granted")) == {
        (me, "FULL_CONTROL"), (AUTHENTICATED, "READ")}
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", ACL="aws-exec-read")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"p")["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert grants_of(s3.get_object_acl(Bucket=bucket, Key="mp")) == {(me, "FULL_CONTROL"), (EC2, "READ")}
