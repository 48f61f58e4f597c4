"""End-to-end test harness: starts the real cloudlet binary on 127.0.0.1:0 and talks to it
with boto3, the AWS CLI and plain HTTP, as users do."""

import json
import os
import re
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
BINARY = Path(os.environ.get(
    "CLOUDLET_BIN", Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "debug" / "cloudlet"))

# Keep the user's own AWS configuration out of the tests.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_PAGER": "",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
)
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("AWS_SESSION_TOKEN", None)
os.environ.pop("AWS_ENDPOINT_URL", None)


class Server:
    """One cloudlet process. `data_dir=None` means `--ephemeral`."""

    def __init__(self, data_dir=None, extra_args=()):
        self.data_dir = data_dir
        self.extra_args = list(extra_args)
        self.proc = None
        self.endpoint = None
        self.port = None
        self.log_path = None

    def start(self, port=0):
        args = [str(BINARY), "serve", "--listen", f"127.0.0.1:{port}"]
        args += ["--data-dir", str(self.data_dir)] if self.data_dir else ["--ephemeral"]
        args += self.extra_args
        log = tempfile.NamedTemporaryFile(prefix="cloudlet-", suffix=".log", delete=False)
        self.log_path = log.name
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"(http://127\.0\.0\.1:(\d+))", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"cloudlet did not start: {line!r} {Path(self.log_path).read_text()}")
        self.endpoint, self.port = m.group(1), int(m.group(2))
        return self

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def restart(self):
        port = self.port
        self.stop()
        return self.start(port)

    def client(self, service, region="us-east-1", **kw):
        cfg = Config(retries={"max_attempts": 1}, **kw.pop("config", {}))
        return boto3.client(service, endpoint_url=self.endpoint, region_name=region, config=cfg, **kw)

    def resource(self, service, region="us-east-1"):
        return boto3.resource(service, endpoint_url=self.endpoint, region_name=region)

    def aws(self, *args, region="us-east-1", check=True):
        """Runs the AWS CLI against this server; returns parsed JSON output (or text)."""
        cmd = ["aws", "--endpoint-url", self.endpoint, "--region", region, "--output", "json", *args]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if check and p.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({p.returncode}): {p.stderr}")
        if not check:
            return p
        out = p.stdout.strip()
        return json.loads(out) if out.startswith(("{", "[")) else out

    def http(self, method, path, body=None, headers=None):
        """A raw HTTP request; returns (status, headers, body bytes)."""
        req = urllib.request.Request(self.endpoint + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def log(self):
        return Path(self.log_path).read_text() if self.log_path else ""


@pytest.fixture(scope="session")
def server():
    if not BINARY.exists():
        pytest.exit(f"{BINARY} is missing: run `cargo build` first", returncode=2)
    s = Server().start()
    yield s
    s.stop()


@pytest.fixture
def fresh_server():
    """A server of its own (ephemeral) for tests that need an empty account."""
    s = Server().start()
    yield s
    s.stop()


@pytest.fixture
def durable_server(tmp_path):
    """A server with a data directory, for restart and crash tests."""
    s = Server(data_dir=tmp_path / "data").start()
    yield s
    s.stop()


def fast_lifecycle_server():
    """A server whose lifecycle "day" lasts one second and whose sweeper runs twice a second."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CLOUDLET_S3_LIFECYCLE_DAY_SECONDS", "1")
        mp.setenv("CLOUDLET_S3_LIFECYCLE_SWEEP_SECONDS", "0.5")
        return Server().start()


def wait_for(predicate, timeout=60):
    """Polls until `predicate()` is true; returns its last value (never asserts a time)."""
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value or time.time() > deadline:
            return value
        time.sleep(0.2)


def error_of(excinfo):
    """(HTTP status, error code, message) of the botocore ClientError in `excinfo`."""
    e = excinfo.value.response
    return e["ResponseMetadata"]["HTTPStatusCode"], e["Error"]["Code"], e["Error"].get("Message")


def raw(server, method, path, body=None, headers=None, host=None):
    """A request over a plain socket (no redirects followed, the path sent as given);
    returns (status, lowercase headers, body bytes)."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    h = dict(headers or {})
    if host:
        h["Host"] = host
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    out = r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    conn.close()
    return out


def xml_error(body):
    """The child elements of an S3 XML error body, by tag."""
    import xml.etree.ElementTree as ET

    return {child.tag: child.text for child in ET.fromstring(body)}


@pytest.fixture
def s3(server):
    """An S3 client of the shared server (account root)."""
    return server.client("s3")


@pytest.fixture
def bucket(request, s3):
    """A new bucket of its own, named after the test module."""
    prefix = request.module.__name__.removeprefix("test_").replace("_", "-")
    name = unique(prefix)
    s3.create_bucket(Bucket=name)
    return name


def unique(prefix):
    """A resource name unique within the session."""
    unique.n += 1
    return f"{prefix}-{os.getpid()}-{unique.n}-{int(time.time() * 1000) % 100000}"


unique.n = 0
