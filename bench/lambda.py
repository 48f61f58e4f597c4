"""Lambda behind API Gateway on cloudlet: warm latency through a deployed stage URL, Python
cold starts, and `provided.al2023` (Rust) cold starts.

- Warm: a Python function behind `ANY /{proxy+}` (AWS_PROXY) on stage `dev`, called over raw
  HTTP (one keep-alive connection, one request after another) at
  `/_aws/execute-api/{api}/dev/...`; and the same function through `Invoke` (raw HTTP, signed
  once). Plus the throughput of `--procs` client processes through the stage URL.
- Cold: the first invocation after CreateFunction, and after UpdateFunctionConfiguration
  (which retires the warm instances), `--cold` times each.
- Rust: `examples/hello-member/function-rs` built with cargo when the example exists;
  otherwise `bench/lambda_bootstrap.rs`, a std-only Runtime API loop compiled with `rustc -O`.

moto_server cannot run Lambda functions without Docker, so there is no ratio here.

Usage: python3 bench/lambda.py [--warm N] [--cold N] [--procs P] [--seconds S]
Writes the `lambda` section of docs/benchmarks.md."""

import argparse
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

ACCOUNT = "000000000000"
REGION = common.REGION
WARM_GOAL_MS = 2.0
PY_COLD_GOAL_MS = 150.0
RUST_COLD_GOAL_MS = 30.0
# The Rust function to measure; BENCH_RUST_FUNCTION names another crate directory.
RUST_EXAMPLE = Path(os.environ.get("BENCH_RUST_FUNCTION", common.ROOT / "examples" / "hello-member" / "function-rs"))

PY_HANDLER = """
import json

def handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"path": event.get("path"), "n": 1})}
"""


def zip_of(files):
    """A zip of {name: (bytes, mode)}."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, (data, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


def create_role(url):
    iam = common.boto("iam", url)
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    return iam.create_role(RoleName="bench-lambda", AssumeRolePolicyDocument=json.dumps(doc))["Role"]["Arn"]


def wait_updated(lam, name):
    """Waits (untimed) until the function's last update is done."""
    for _ in range(600):
        cfg = lam.get_function_configuration(FunctionName=name)
        if cfg.get("State", "Active") == "Active" and cfg.get("LastUpdateStatus", "Successful") == "Successful":
            return
        time.sleep(0.01)
    raise RuntimeError(f"{name} did not become Active/Successful")


def proxy_api(url, function_arn):
    """A REST API `ANY /{proxy+}` → the function, deployed to stage `dev`; its id."""
    ag = common.boto("apigateway", url)
    api = ag.create_rest_api(name="bench")["id"]
    root = next(r["id"] for r in ag.get_resources(restApiId=api)["items"] if r["path"] == "/")
    res = ag.create_resource(restApiId=api, parentId=root, pathPart="{proxy+}")["id"]
    ag.put_method(restApiId=api, resourceId=res, httpMethod="ANY", authorizationType="NONE")
    uri = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    ag.put_integration(
        restApiId=api, resourceId=res, httpMethod="ANY", type="AWS_PROXY", integrationHttpMethod="POST", uri=uri
    )
    ag.create_deployment(restApiId=api, stageName="dev")
    common.boto("lambda", url).add_permission(
        FunctionName=function_arn,
        StatementId="apigw",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api}/*/*/*",
    )
    return api


def stage_op(url, api):
    """One keep-alive connection calling the deployed stage."""
    conn = common.Raw(url)
    path = f"/_aws/execute-api/{api}/dev/hello/world"

    def op():
        status, data = conn.request("GET", path)
        if status != 200 or b'"/hello/world"' not in data:
            raise RuntimeError(f"GET {path}: HTTP {status}: {data[:300]!r}")

    return op


def invoke_op(url, name, expect=None):
    """One keep-alive connection calling Invoke with a request signed once."""
    path, headers, body = common.signed(
        "lambda", "POST", url, path=f"/2015-03-31/functions/{name}/invocations", body=b'{"path": "/direct"}'
    )
    conn = common.Raw(url)

    def op():
        status, data = conn.request("POST", path, headers, body)
        if status != 200 or (expect and expect not in data):
            raise RuntimeError(f"Invoke {name}: HTTP {status}: {data[:300]!r}")
        return data

    return op


def timed(op):
    t0 = time.perf_counter()
    out = op()
    return time.perf_counter() - t0, out


def cold_starts(url, lam, role, name_prefix, code, runtime, handler, runs, expect):
    """(after-create times, after-update times, last answer) for `runs` rounds of each."""
    created, updated, answer = [], [], b""
    for k in range(runs):
        name = f"{name_prefix}-{k}"
        lam.create_function(
            FunctionName=name, Runtime=runtime, Role=role, Handler=handler, Code={"ZipFile": code}, MemorySize=128
        )
        wait_updated(lam, name)
        seconds, answer = timed(invoke_op(url, name, expect))
        created.append(seconds)
    name = f"{name_prefix}-0"
    invoke_op(url, name, expect)()  # warm
    for k in range(runs):
        lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"ROUND": str(k)}})
        wait_updated(lam, name)
        seconds, answer = timed(invoke_op(url, name, expect))
        updated.append(seconds)
    return created, updated, answer


def example_name():
    try:
        return str(RUST_EXAMPLE.resolve().relative_to(common.ROOT))
    except ValueError:
        return str(RUST_EXAMPLE)


def build_example():
    """The example's release executable, or (None, why not)."""
    manifest = RUST_EXAMPLE / "Cargo.toml"
    if not manifest.exists():
        return None, f"`{example_name()}` does not exist yet"
    # The repository's target directory, as the example's README builds it: the dependencies it
    # shares with cloudlet are reused from there.
    env = dict(os.environ, CARGO_TARGET_DIR=os.environ.get("CARGO_TARGET_DIR", str(common.ROOT / "target")))
    out = subprocess.run(
        ["cargo", "build", "--release", "--locked", "--manifest-path", str(manifest), "--message-format=json"],
        capture_output=True,
        text=True,
        env=env,
    )
    if out.returncode != 0:
        print(f"cargo build of {manifest} failed:\n{out.stderr[-2000:]}", file=sys.stderr)
        return None, f"`{example_name()}` failed to build"
    exes = []
    for line in out.stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if msg.get("reason") == "compiler-artifact" and msg.get("executable"):
            if Path(msg.get("manifest_path", "")).resolve() == manifest.resolve():
                exes.append(msg["executable"])
    if not exes:
        return None, f"`{example_name()}` built no executable"
    return Path(exes[-1]), None


def rust_bootstrap(workdir):
    """(path of a bootstrap executable, what it is)."""
    exe, why_not = build_example()
    if exe is not None:
        return exe, f"`{example_name()}` (`{exe.name}`, release build, zipped as `bootstrap`)"
    exe = Path(workdir) / "bootstrap"
    src = Path(__file__).resolve().parent / "lambda_bootstrap.rs"
    subprocess.run(["rustc", "-O", "-C", "strip=symbols", "--edition", "2021", "-o", str(exe), str(src)], check=True)
    return exe, (
        f"`bench/lambda_bootstrap.rs` ({why_not}): a std-only Runtime API loop built with "
        "`rustc -O -C strip=symbols`, which measures the runtime path with a process that starts as "
        "fast as a compiled function can"
    )


def spawn_times(argv, runs, env=None):
    """Wall time of running `argv` to completion, `runs` times: the machine's own process and
    interpreter start cost, as a reference for the cold starts."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - t0)
    return times


def stats_row(label, xs, goal_ms=None):
    p50 = common.median(xs) * 1000
    goal = f" (goal < {goal_ms:g} ms: {common.verdict(p50 < goal_ms)})" if goal_ms else ""
    return (
        f"| {label} | {len(xs)} | {common.fmt_ms(common.median(xs))}{goal} | {common.fmt_ms(min(xs))} | "
        f"{common.fmt_ms(max(xs))} |"
    )


def main():
    ap = argparse.ArgumentParser()
    defaults = {"warm": 2000, "cold": 5, "procs": 2, "seconds": 1.5}
    ap.add_argument("--warm", type=int, default=defaults["warm"], help="warm requests (one connection)")
    ap.add_argument("--cold", type=int, default=defaults["cold"], help="cold starts of each kind")
    ap.add_argument("--procs", type=int, default=defaults["procs"], help="client processes for throughput")
    ap.add_argument("--seconds", type=float, default=defaults["seconds"], help="length of the throughput run")
    args = ap.parse_args()

    workdir = tempfile.mkdtemp(prefix="cloudlet-bench-lambda-")
    try:
        exe, rust_what = rust_bootstrap(workdir)
        exe_bytes = exe.read_bytes()
        rust_zip = zip_of({"bootstrap": (exe_bytes, 0o755)})
        py_zip = zip_of({"lambda_function.py": (PY_HANDLER.encode(), 0o644)})
        with common.cloudlet() as server:
            url = server.url
            role = create_role(url)
            # The table the workshop's Rust function writes to, so that it answers as it should.
            common.boto("dynamodb", url).create_table(
                TableName="hello-member",
                KeySchema=[{"AttributeName": "name", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "name", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
            lam = common.boto("lambda", url)
            arn = lam.create_function(
                FunctionName="bench-py", Runtime="python3.12", Role=role,
                Handler="lambda_function.handler", Code={"ZipFile": py_zip}, MemorySize=128,
            )["FunctionArn"]
            wait_updated(lam, "bench-py")
            api = proxy_api(url, arn)

            stage_lat = common.sequential(stage_op(url, api), args.warm, max_seconds=args.seconds * 2)
            invoke_lat = common.sequential(invoke_op(url, "bench-py", b"/direct"), args.warm, args.seconds * 2)
            cpu0 = server.cpu_seconds()
            tput = common.procs_load(lambda i: stage_op(url, api), args.procs, args.seconds)
            cpu = (server.cpu_seconds() - cpu0) / tput.ops
            print(f"  warm stage p50 {common.percentile(stage_lat, 50) * 1e3:.3f} ms, {tput.rate:.0f}/s", flush=True)

            py_created, py_updated, _ = cold_starts(
                url, lam, role, "bench-py-cold", py_zip, "python3.12", "lambda_function.handler", args.cold, b"/direct"
            )
            print(f"  python cold {[round(x * 1e3, 1) for x in py_created + py_updated]} ms", flush=True)
            rs_created, rs_updated, rs_answer = cold_starts(
                url, lam, role, "bench-rs-cold", rust_zip, "provided.al2023", "bootstrap", args.cold, None
            )
            print(f"  rust cold {[round(x * 1e3, 1) for x in rs_created + rs_updated]} ms", flush=True)
            rss, rss_alone = server.rss_kib(), server.rss_kib(children=False)
        python = subprocess.run(
            [sys.executable, "-c", "import sys; print(sys.executable)"], capture_output=True, text=True
        ).stdout.strip()
        py_bare = spawn_times([python, "-c", "import http.client, importlib, json, os, sys, time, traceback"], args.cold)
        rs_bare = spawn_times([str(exe)], args.cold, env={})
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    warm_p50 = common.percentile(stage_lat, 50) * 1000
    body = f"""## Lambda behind API Gateway

cloudlet `--ephemeral` only: moto_server cannot run Lambda functions without Docker, so there is
no ratio in this section. For reference (not measured here): SAM local and LocalStack run
functions in Docker containers and users report about 0.7 s or more per cold start.

**Warm**: a Python 3.12 handler returning a small JSON proxy answer, behind `ANY /{{proxy+}}`
(AWS_PROXY) on stage `dev`. One keep-alive connection sends requests one after another over raw
HTTP (up to {args.warm}); the round trip includes API Gateway routing, the v1.0 proxy event, the
Runtime API hop to the function's process and back, and Python's `http.client`.

| Path | Requests | p50 | p99 |
|---|---|---|---|
| `GET /_aws/execute-api/{{api}}/dev/hello/world` | {len(stage_lat)} | {common.fmt_ms(common.percentile(stage_lat, 50))} | {common.fmt_ms(common.percentile(stage_lat, 99))} |
| `Invoke` (signed once, replayed) | {len(invoke_lat)} | {common.fmt_ms(common.percentile(invoke_lat, 50))} | {common.fmt_ms(common.percentile(invoke_lat, 99))} |

Through the stage URL, {args.procs} client processes on keep-alive connections get
{common.fmt_rate(tput.rate)} requests/s for {args.seconds:g} s (cloudlet scales the function out to
more warm instances on demand); cloudlet's own CPU (its process, not the function's) is
{cpu * 1e6:,.0f} µs per request. Goal: warm p50 < {WARM_GOAL_MS:g} ms ({common.verdict(warm_p50 < WARM_GOAL_MS)}: {warm_p50:.2f} ms).

**Cold starts**: the time of the first `Invoke` (raw HTTP, signed once) of a function after
CreateFunction (a new function each time) and after UpdateFunctionConfiguration (a new
environment variable each time, which retires the warm instances); waiting for the update to
finish is not counted. A cold start includes spawning the process and, for Python, the
interpreter start and the runtime client's imports.

| Function | Runs | Median | Min | Max |
|---|---|---|---|---|
{stats_row("Python 3.12, after CreateFunction", py_created, PY_COLD_GOAL_MS)}
{stats_row("Python 3.12, after UpdateFunctionConfiguration", py_updated, PY_COLD_GOAL_MS)}
{stats_row("`provided.al2023`, after CreateFunction", rs_created, RUST_COLD_GOAL_MS)}
{stats_row("`provided.al2023`, after UpdateFunctionConfiguration", rs_updated, RUST_COLD_GOAL_MS)}
{stats_row("reference: bare `python3` start with the runtime client's imports", py_bare)}
{stats_row("reference: bare start and exit of the `bootstrap` binary", rs_bare)}

CreateFunction (and UpdateFunctionCode) unpack the function's zip
({len(rust_zip) / 1024:,.0f} KiB for the `provided.al2023` one, {len(exe_bytes) / 1024:,.0f} KiB unpacked),
so the first invocation finds the code in place. The reference rows are the same processes
started by this script without cloudlet: what the machine itself costs.

The `provided.al2023` function is {rust_what}. Its last answer: `{rs_answer[:120].decode(errors="replace")}`.
RSS after the run: cloudlet {rss_alone / 1024:.1f} MiB; with the function processes it keeps warm
({2 * args.cold + 1} functions) {rss / 1024:.1f} MiB."""
    common.write_section("lambda", common.command_line("lambda.py", args, defaults), body)


if __name__ == "__main__":
    main()
