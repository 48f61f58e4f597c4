"""`serve --strict-auth`: every signature is verified against the root key pair (`test`/`test`)
or a key IAM issued, and each service refuses a bad one with its own error code, status and
message, exactly as AWS does."""

import datetime
import json
import urllib.request
from unittest import mock

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import Server, error_of, unique

TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
})
BAD_SIGNATURE = ("The request signature we calculated does not match the signature you provided. Check your "
                 "AWS Secret Access Key and signing method. Consult the service documentation for details.")
BAD_TOKEN = "The security token included in the request is invalid."
S3_BAD_SIGNATURE = ("The request signature we calculated does not match the signature you provided. "
                    "Check your key and signing method.")


@pytest.fixture(scope="module")
def strict():
    s = Server(extra_args=["--strict-auth"]).start()
    yield s
    s.stop()


def client(server, service, key="test", secret="test", token=None, **config):
    return boto3.client(
        service,
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=Config(retries={"max_attempts": 1}, **config),
    )


# One cheap read per service.
CALLS = {
    "s3": lambda c: c.list_buckets(),
    "dynamodb": lambda c: c.list_tables(),
    "sts": lambda c: c.get_caller_identity(),
    "iam": lambda c: c.list_roles(),
    "lambda": lambda c: c.list_functions(),
    "logs": lambda c: c.describe_log_groups(),
    "apigateway": lambda c: c.get_rest_apis(),
}


@pytest.mark.parametrize("service", sorted(CALLS))
def test_the_root_pair_works_for_every_service(strict, service):
    CALLS[service](client(strict, service))


WRONG_SECRET = {
    "s3": (403, "SignatureDoesNotMatch", S3_BAD_SIGNATURE),
    "dynamodb": (400, "InvalidSignatureException", BAD_SIGNATURE),
    "sts": (403, "SignatureDoesNotMatch", BAD_SIGNATURE),
    "iam": (403, "SignatureDoesNotMatch", BAD_SIGNATURE),
    "lambda": (403, "InvalidSignatureException", BAD_SIGNATURE),
    "logs": (400, "InvalidSignatureException", BAD_SIGNATURE),
    "apigateway": (403, "InvalidSignatureException", BAD_SIGNATURE),
}


@pytest.mark.parametrize("service", sorted(CALLS))
def test_a_wrong_secret_gets_each_services_error(strict, service):
    with pytest.raises(ClientError) as e:
        CALLS[service](client(strict, service, secret="not-the-secret"))
    assert error_of(e) == WRONG_SECRET[service]


UNKNOWN_KEY = {
    "s3": (403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."),
    "dynamodb": (400, "UnrecognizedClientException", BAD_TOKEN),
    "sts": (403, "InvalidClientTokenId", BAD_TOKEN),
    "iam": (403, "InvalidClientTokenId", BAD_TOKEN),
    "lambda": (403, "UnrecognizedClientException", BAD_TOKEN),
    "logs": (400, "UnrecognizedClientException", BAD_TOKEN),
    "apigateway": (403, "UnrecognizedClientException", BAD_TOKEN),
}


@pytest.mark.parametrize("service", sorted(CALLS))
def test_an_unknown_key_gets_each_services_error(strict, service):
    with pytest.raises(ClientError) as e:
        CALLS[service](client(strict, service, key="AKIAUNKNOWNKEY000000"))
    assert error_of(e) == UNKNOWN_KEY[service]


def test_s3_mismatch_shows_what_was_signed(strict):
    status, _, body = strict_s3_raw(strict, secret="wrong")
    assert status == 403
    text = body.decode()
    for part in ("<Code>SignatureDoesNotMatch</Code>", "<AWSAccessKeyId>test</AWSAccessKeyId>",
                 "<StringToSign>AWS4-HMAC-SHA256\n", "<CanonicalRequest>GET\n/\n"):
        assert part in text, text


def strict_s3_raw(server, secret):
    """A ListBuckets signed by botocore with `secret`, sent with urllib."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    req = AWSRequest(method="GET", url=server.endpoint + "/")
    S3SigV4Auth(Credentials("test", secret), "s3", "us-east-1").add_auth(req)
    return server.http("GET", "/", headers=dict(req.headers.items()))


def test_presigned_sts_request(strict):
    """A presigned GetCallerIdentity signs the empty body's hash (only S3 signs
    UNSIGNED-PAYLOAD); botocore presigns it for the operation's method, POST."""
    url = client(strict, "sts").generate_presigned_url("get_caller_identity", ExpiresIn=60)
    status, _, body = strict.http("POST", url[len(strict.endpoint):], body=b"")
    assert status == 200 and b"<Arn>arn:aws:iam::000000000000:root</Arn>" in body, body
    url = client(strict, "sts", secret="wrong").generate_presigned_url("get_caller_identity", ExpiresIn=60)
    status, _, body = strict.http("POST", url[len(strict.endpoint):], body=b"")
    assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body, body


def test_s3_refuses_unsigned_amz_headers(strict):
    """An x-amz-* header added after signing is refused, not silently accepted."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    bucket = unique("late").lower()
    client(strict, "s3").create_bucket(Bucket=bucket)
    req = AWSRequest(method="PUT", url=f"{strict.endpoint}/{bucket}/k", data=b"x")
    S3SigV4Auth(Credentials("test", "test"), "s3", "us-east-1").add_auth(req)
    headers = dict(req.headers.items())
    assert strict.http("PUT", f"/{bucket}/k", body=b"x", headers=headers)[0] == 200
    headers["x-amz-meta-late"] = "added"
    status, _, body = strict.http("PUT", f"/{bucket}/k", body=b"x", headers=headers)
    assert status == 403
    assert b"<Message>There were headers present in the request which were not signed</Message>" in body
    assert b"<HeadersNotSigned>x-amz-meta-late</HeadersNotSigned>" in body


def test_unsigned_requests(strict):
    # S3 serves anonymous callers; the bucket policy decides (here: nothing is public).
    bucket = unique("anon").lower()
    s3 = client(strict, "s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"private")
    status, _, body = strict.http("GET", f"/{bucket}/k")
    assert status == 403 and b"<Code>AccessDenied</Code>" in body
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": f"arn:aws:s3:::{bucket}/*"}],
    }))
    assert strict.http("GET", f"/{bucket}/k")[::2] == (200, b"private")
    # Other services refuse unsigned requests.
    status, _, body = strict.http("POST", "/", body=b"{}", headers={
        "X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0"})
    assert status == 400
    assert json.loads(body) == {"__type": "com.amazonaws.dynamodb.v20120810#MissingAuthenticationTokenException",
                                "message": "Request is missing Authentication Token"}
    status, _, body = strict.http("POST", "/", body=b"Action=GetCallerIdentity&Version=2011-06-15",
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403 and b"<Code>MissingAuthenticationToken</Code>" in body


def test_iam_user_keys(strict):
    iam = client(strict, "iam")
    user = unique("user")
    iam.create_user(UserName=user)
    # As on AWS, S3 needs an identity policy allowing the user's actions.
    iam.put_user_policy(UserName=user, PolicyName="s3", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    me = client(strict, "sts", key["AccessKeyId"], key["SecretAccessKey"]).get_caller_identity()
    assert me["Arn"] == f"arn:aws:iam::000000000000:user/{user}"
    dynamodb = client(strict, "dynamodb", key["AccessKeyId"], key["SecretAccessKey"])
    dynamodb.list_tables()
    bucket = unique("userbkt").lower()
    s3 = client(strict, "s3", key["AccessKeyId"], key["SecretAccessKey"])
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="a", Body=b"by the user")
    assert s3.get_object(Bucket=bucket, Key="a")["Body"].read() == b"by the user"
    # The right key with another secret is refused.
    with pytest.raises(ClientError) as e:
        client(strict, "dynamodb", key["AccessKeyId"], "x" * 40).list_tables()
    assert error_of(e) == (400, "InvalidSignatureException", BAD_SIGNATURE)

    iam.update_access_key(UserName=user, AccessKeyId=key["AccessKeyId"], Status="Inactive")
    with pytest.raises(ClientError) as e:
        dynamodb.list_tables()
    assert error_of(e) == (400, "UnrecognizedClientException", BAD_TOKEN)
    iam.update_access_key(UserName=user, AccessKeyId=key["AccessKeyId"], Status="Active")
    dynamodb.list_tables()
    iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    with pytest.raises(ClientError) as e:
        s3.list_buckets()
    assert error_of(e)[:2] == (403, "InvalidAccessKeyId")
    with pytest.raises(ClientError) as e:
        client(strict, "sts", key["AccessKeyId"], key["SecretAccessKey"]).get_caller_identity()
    assert error_of(e) == (403, "InvalidClientTokenId", BAD_TOKEN)


def test_role_session_credentials_need_their_token(strict):
    iam = client(strict, "iam")
    role = unique("role")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)
    # As on AWS, ListBuckets needs the role's identity policy to allow it.
    iam.attach_role_policy(RoleName=role, PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    creds = client(strict, "sts").assume_role(
        RoleArn=f"arn:aws:iam::000000000000:role/{role}", RoleSessionName="s1")["Credentials"]
    key, secret, token = creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]
    me = client(strict, "sts", key, secret, token).get_caller_identity()
    assert me["Arn"] == f"arn:aws:sts::000000000000:assumed-role/{role}/s1"
    client(strict, "dynamodb", key, secret, token).list_tables()
    client(strict, "s3", key, secret, token).list_buckets()
    for service in ("sts", "dynamodb", "s3"):
        with pytest.raises(ClientError) as e:
            CALLS[service](client(strict, service, key, secret))
        assert error_of(e) == {
            "sts": (403, "InvalidClientTokenId", BAD_TOKEN),
            "dynamodb": (400, "UnrecognizedClientException", BAD_TOKEN),
            "s3": (403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."),
        }[service]
    with pytest.raises(ClientError) as e:
        client(strict, "s3", key, secret, token + "x").list_buckets()
    assert error_of(e) == (400, "InvalidToken", "The provided token is malformed or otherwise invalid.")
    with pytest.raises(ClientError) as e:
        client(strict, "sts", key, secret, "another-token").get_caller_identity()
    assert error_of(e) == (403, "InvalidClientTokenId", BAD_TOKEN)


def skewed(minutes):
    """Makes botocore sign as if its clock were `minutes` off."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + datetime.timedelta(minutes=minutes)
    return mock.patch("botocore.auth.get_current_datetime", return_value=now)


def test_clock_skew(strict):
    with skewed(-20):
        with pytest.raises(ClientError) as e:
            client(strict, "s3").list_buckets()
        err = e.value.response["Error"]
        assert (err["Code"], err["Message"], err["MaxAllowedSkewMilliseconds"]) == (
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.", "900000")
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        with pytest.raises(ClientError) as e:
            client(strict, "dynamodb").list_tables()
        status, code, message = error_of(e)
        assert (status, code) == (400, "InvalidSignatureException")
        assert message.startswith("Signature expired: ") and message.endswith(" - 15 min.)")
        with pytest.raises(ClientError) as e:
            client(strict, "sts").get_caller_identity()
        status, code, message = error_of(e)
        assert (status, code) == (403, "SignatureDoesNotMatch") and message.startswith("Signature expired: ")
    with skewed(20):
        with pytest.raises(ClientError) as e:
            client(strict, "logs").describe_log_groups()
        status, code, message = error_of(e)
        assert (status, code) == (400, "InvalidSignatureException")
        assert message.startswith("Signature not yet current: ") and message.endswith(" + 15 min.)")
    # Within the 15 minutes all is well.
    with skewed(-10):
        client(strict, "s3").list_buckets()


def test_s3_uploads_in_every_payload_mode(strict):
    """Signed and unsigned payloads, aws-chunked with trailers, keys that need encoding."""
    bucket = unique("payload").lower()
    s3 = client(strict, "s3")
    s3.create_bucket(Bucket=bucket)
    key = "dir/a key+with ü & =signs!'()*.txt"
    s3.put_object(Bucket=bucket, Key=key, Body=b"hello")
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"hello"
    unsigned = client(strict, "s3", s3={"payload_signing_enabled": False})
    unsigned.put_object(Bucket=bucket, Key="u", Body=b"x" * 1000, ChecksumAlgorithm="CRC32")
    assert s3.get_object(Bucket=bucket, Key="u")["ContentLength"] == 1000
    virtual = client(strict, "s3", s3={"addressing_style": "virtual"})
    assert [o["Key"] for o in virtual.list_objects_v2(Bucket=bucket)["Contents"]] == [key, "u"]
    # A header that is not a valid payload hash.
    status, _, body = strict.http("PUT", f"/{bucket}/x", body=b"x", headers={
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, "
                         "SignedHeaders=host, Signature=00",
        "X-Amz-Date": "20260101T000000Z", "X-Amz-Content-SHA256": "nope"})
    assert status == 400 and b"<Code>InvalidArgument</Code>" in body
    status, _, body = strict.http("GET", "/", headers={
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, "
                         "SignedHeaders=host, Signature=00",
        "X-Amz-Date": "20260101T000000Z"})
    assert status == 400 and b"Missing required header for this request: x-amz-content-sha256" in body


def test_sigv2_requests(strict):
    bucket = unique("v2").lower()
    client(strict, "s3").create_bucket(Bucket=bucket)
    v2 = client(strict, "s3", signature_version="s3")
    v2.put_object(Bucket=bucket, Key="k", Body=b"v2 body")
    assert v2.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v2 body"
    with pytest.raises(ClientError) as e:
        client(strict, "s3", secret="wrong", signature_version="s3").get_object(Bucket=bucket, Key="k")
    assert error_of(e)[:2] == (403, "SignatureDoesNotMatch")


def test_presigned_urls_are_verified(strict):
    bucket = unique("presign").lower()
    s3 = client(strict, "s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"content")
    for version in ("s3v4", "s3"):
        good = client(strict, "s3", signature_version=version).generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=60)
        with urllib.request.urlopen(good) as r:
            assert r.read() == b"content"
        bad = client(strict, "s3", secret="wrong", signature_version=version).generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=60)
        status, _, body = strict.http("GET", bad[len(strict.endpoint):])
        assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body, version


def _hmac(key, msg):
    import hmac
    import hashlib
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def signed_chunks_upload(server, path, chunks, secret="test", tamper=None):
    """PUT with `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: a seed signature over the headers and
    one chained signature per chunk, computed here as the SigV4 streaming spec says."""
    import hashlib
    import http.client

    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    scope = f"{day}/us-east-1/s3/aws4_request"
    key = _hmac(_hmac(_hmac(_hmac(b"AWS4" + secret.encode(), day), "us-east-1"), "s3"), "aws4_request")
    headers = {
        "content-encoding": "aws-chunked",
        "host": f"127.0.0.1:{server.port}",
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "x-amz-date": amz_date,
        "x-amz-decoded-content-length": str(sum(len(c) for c in chunks)),
    }
    names = sorted(headers)
    canonical = "\n".join(["PUT", path, "", *(f"{n}:{headers[n]}" for n in names), "", ";".join(names),
                           "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"])
    sts = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    previous = _hmac(key, sts).hex()
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential=test/{scope}, SignedHeaders={';'.join(names)}, "
                                f"Signature={previous}")
    body = b""
    empty = hashlib.sha256(b"").hexdigest()
    for data in list(chunks) + [b""]:
        sts = f"AWS4-HMAC-SHA256-PAYLOAD\n{amz_date}\n{scope}\n{previous}\n{empty}\n{hashlib.sha256(data).hexdigest()}"
        previous = _hmac(key, sts).hex()
        sent = tamper(data) if tamper and data else data
        body += f"{len(data):x};chunk-signature={previous}\r\n".encode() + sent + b"\r\n"
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("PUT", path, body=body, headers=headers)
    r = conn.getresponse()
    out = r.status, r.read()
    conn.close()
    return out


def test_signed_chunks_are_verified(strict):
    bucket = unique("chunks").lower()
    s3 = client(strict, "s3")
    s3.create_bucket(Bucket=bucket)
    chunks = [b"a" * 65536, b"b" * 1024]
    assert signed_chunks_upload(strict, f"/{bucket}/ok", chunks)[0] == 200
    assert s3.get_object(Bucket=bucket, Key="ok")["Body"].read() == b"".join(chunks)
    status, body = signed_chunks_upload(strict, f"/{bucket}/bad", chunks, tamper=lambda d: d[:-1] + b"!")
    assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="bad")
    assert error_of(e)[0] == 404


WHO_AM_I = """
import boto3
def lambda_handler(event, context):
    return boto3.client('sts').get_caller_identity()['Arn']
"""


def test_lambda_functions_sign_with_their_role_session(strict):
    """A function's SDK signs with the execution role's session credentials, which strict
    mode accepts like any key IAM issued."""
    import io
    import zipfile

    iam = client(strict, "iam")
    role = unique("fnrole")
    arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("lambda_function.py", WHO_AM_I)
    lam = client(strict, "lambda")
    name = unique("whoami")
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=arn, Timeout=30,
                        Handler="lambda_function.lambda_handler", Code={"ZipFile": buf.getvalue()})
    out = lam.invoke(FunctionName=name)
    body = json.loads(out["Payload"].read())
    assert "FunctionError" not in out, body
    assert body.startswith(f"arn:aws:sts::000000000000:assumed-role/{role}/"), body


def test_date_header_in_place_of_x_amz_date(strict):
    """SigV4 accepts the HTTP `Date` header when `X-Amz-Date` is absent: the string to sign
    carries it in the `X-Amz-Date` form, and the header itself is signed as sent."""
    import hashlib
    import http.client

    def call(secret, date=None):
        now = date or datetime.datetime.now(datetime.timezone.utc)
        date_header = now.strftime("%a, %d %b %Y %H:%M:%S GMT")
        amz, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
        body = "{}"
        host = f"127.0.0.1:{strict.port}"
        headers = {"content-type": "application/x-amz-json-1.0", "date": date_header, "host": host,
                   "x-amz-target": "DynamoDB_20120810.ListTables"}
        names = sorted(headers)
        canonical = "\n".join([
            "POST", "/", "", "".join(f"{n}:{headers[n]}\n" for n in names), ";".join(names),
            hashlib.sha256(body.encode()).hexdigest()])
        scope = f"{day}/us-east-1/dynamodb/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        key = _hmac(("AWS4" + secret).encode(), day)
        for part in ("us-east-1", "dynamodb", "aws4_request"):
            key = _hmac(key, part)
        import hmac
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        auth = f"AWS4-HMAC-SHA256 Credential=test/{scope}, SignedHeaders={';'.join(names)}, Signature={signature}"
        conn = http.client.HTTPConnection("127.0.0.1", strict.port, timeout=10)
        conn.request("POST", "/", body=body, headers={**{k: v for k, v in headers.items() if k != "host"},
                                                     "Authorization": auth})
        r = conn.getresponse()
        out = r.status, r.read()
        conn.close()
        return out

    status, body = call("test")
    assert status == 200 and b"TableNames" in body, body
    status, body = call("wrong")
    assert status == 400 and b"InvalidSignatureException" in body, body
    # The Date header is held to the same clock skew as X-Amz-Date.
    status, body = call("test", datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1))
    assert status == 400 and b"Signature expired" in body, body
