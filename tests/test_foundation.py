"""The edge, the store and the CLI: health, routing, errors, the forward proxy, shutdown."""

import json
import socket
import subprocess

from conftest import BINARY, Server


def test_health_lists_services(server):
    status, headers, body = server.http("GET", "/_cloudlet/health")
    assert status == 200
    health = json.loads(body)
    assert health["version"]
    assert health["uptime_seconds"] >= 0
    assert health["services"]["sts"] == "running"
    assert health["services"]["dynamodb"] == "running"


def test_status_command_reads_health(server):
    p = subprocess.run([str(BINARY), "status", "--endpoint", server.endpoint], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "sts" in p.stdout and "running" in p.stdout


def test_status_command_when_nothing_runs():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = subprocess.run([str(BINARY), "status", "--endpoint", f"http://127.0.0.1:{port}"], capture_output=True, text=True)
    assert p.returncode == 1
    assert "not running" in p.stderr


def test_get_caller_identity_cli(server):
    out = server.aws("sts", "get-caller-identity")
    assert out["Account"] == "000000000000"
    assert out["Arn"] == "arn:aws:iam::000000000000:root"


def test_twelve_digit_access_key_is_the_account(server):
    sts = server.client("sts", aws_access_key_id="123456789012", aws_secret_access_key="x")
    assert sts.get_caller_identity()["Account"] == "123456789012"


def test_every_response_has_a_request_id(server):
    for path in ["/_cloudlet/health", "/"]:
        _, headers, _ = server.http("GET", path)
        lower = {k.lower(): v for k, v in headers.items()}
        assert lower.get("x-amzn-requestid") or lower.get("x-amz-request-id")


def test_unknown_sts_action_is_a_query_error(server):
    status, headers, body = server.http(
        "POST",
        "/",
        body=b"Action=FlyToTheMoon&Version=2011-06-15",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0",
        },
    )
    assert status == 400
    text = body.decode()
    assert "<Code>InvalidAction</Code>" in text
    assert "<RequestId>" in text


def test_garbage_dynamodb_body_is_a_json_error(server):
    status, headers, body = server.http(
        "POST",
        "/",
        body=b"\x00\xffnot json",
        headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810.PutItem",
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
        },
    )
    assert 400 <= status < 500
    err = json.loads(body)
    assert "__type" in err and "message" in err


def test_unknown_service_is_refused_with_a_body(server):
    status, _, body = server.http(
        "POST",
        "/",
        body=b"Action=ListQueues",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0",
        },
    )
    assert status == 501
    assert b"NotImplemented" in body


def raw_proxy_request(server, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(request)
        chunks = []
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
    return b"".join(chunks)


def test_forward_proxy_refuses_other_hosts(server):
    p = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-x", server.endpoint, "http://example.com/"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert p.stdout == "403"
    resp = raw_proxy_request(server, b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nConnection: close\r\n\r\n")
    assert resp.startswith(b"HTTP/1.1 403")


def test_forward_proxy_serves_aws_hosts(server):
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    req = (
        b"POST http://sts.amazonaws.com/ HTTP/1.1\r\nHost: sts.amazonaws.com\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    resp = raw_proxy_request(server, req)
    assert resp.startswith(b"HTTP/1.1 200"), resp[:200]
    assert b"<Account>000000000000</Account>" in resp


def test_busy_port_is_a_clear_error(server):
    p = subprocess.run(
        [str(BINARY), "serve", "--ephemeral", "--listen", f"127.0.0.1:{server.port}"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert p.returncode == 1
    assert "cannot listen on" in p.stderr and "in use" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


def test_unwritable_data_dir_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    p = subprocess.run(
        [str(BINARY), "serve", "--data-dir", str(blocker / "sub"), "--listen", "127.0.0.1:0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert p.returncode == 1
    assert "cannot use data directory" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


def test_sigterm_shuts_down_cleanly(tmp_path):
    s = Server(data_dir=tmp_path / "d").start()
    assert s.stop() == 0


def test_error_before_the_body_is_read_reaches_the_client(server):
    """An answer given without reading the request body (PutObject to a missing bucket) must
    reach the client whole, and the connection must stay usable."""
    import http.client

    body = b"x" * (4 << 20)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        for _ in range(5):
            conn.request("PUT", "/no-such-bucket-for-drain/key", body=body,
                         headers={"Content-Length": str(len(body)), "Content-Type": "application/octet-stream"})
            r = conn.getresponse()
            text = r.read()
            assert r.status == 404, text
            assert b"<Code>NoSuchBucket</Code>" in text
    finally:
        conn.close()


def test_refusal_of_an_expect_continue_upload_closes_the_connection(server):
    """A PutObject sent with `Expect: 100-continue` and refused before its body is asked
    for leaves the body unsent: the answer must say `Connection: close`, or the client sends
    its next request on a connection the server is closing."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.putrequest("PUT", "/no-such-bucket-for-expect/key")
        conn.putheader("Content-Length", "1048576")
        conn.putheader("Expect", "100-continue")
        conn.endheaders()
        r = conn.getresponse()
        text = r.read()
        assert r.status == 404, text
        assert b"<Code>NoSuchBucket</Code>" in text
        assert r.getheader("Connection") == "close"
    finally:
        conn.close()
