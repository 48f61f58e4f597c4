"""The workshop's resources and steps, shared by the workshop, restart and browser tests.

The workshop's own files are read from examples/hello-member/, where they are kept exactly as
the workshop gives them."""

import io
import json
import subprocess
import zipfile

from conftest import BINARY, ROOT

REGION = "ap-northeast-2"
ACCOUNT = "000000000000"
EXAMPLE = ROOT / "examples" / "hello-member"
FUNCTION_CODE = (EXAMPLE / "function-py" / "lambda_function.py").read_text()
INDEX_HTML = (EXAMPLE / "site" / "index.html").read_text()
WORKSHOP_POLICY = (EXAMPLE / "bucket-policy.json").read_text()
NAMES = ["Ama", "Jone", "Zon", "Penny", "Jessie"]
STATUSES = ["Happy", "Sad", "Serious", "Satisfied", "Free"]
CORS_HEADERS = "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token'"


def function_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("lambda_function.py", FUNCTION_CODE)
    return buf.getvalue()


def fixed_policy(bucket):
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Stmt1709405011428",
                    "Action": ["s3:GetObject"],
                    "Effect": "Allow",
                    "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                    "Principal": "*",
                }
            ],
        }
    )


def website_get(server, bucket, path="/"):
    return server.http("GET", path, headers={"Host": f"{bucket}.s3-website.{REGION}.amazonaws.com"})


def api_get(server, api_id, path="/dev/", method="GET", headers=None):
    h = {"Host": f"{api_id}.execute-api.localhost:{server.port}"}
    h.update(headers or {})
    return server.http(method, path, headers=h)


def run_demo(server):
    """Runs `cloudlet demo` against `server`; returns its output."""
    p = subprocess.run(
        [str(BINARY), "demo", "--endpoint", server.endpoint, "--no-open"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


def demo_urls(output):
    website = next(l.split()[-1] for l in output.splitlines() if l.startswith("Website:"))
    api = next(l.split()[-1] for l in output.splitlines() if l.startswith("API:"))
    return website, api
