"""Shared pieces of the benchmarks: starting cloudlet (release build) and moto_server on free
ports, load loops (boto3 threads, raw-HTTP processes), timing functions, and writing one section
of docs/benchmarks.md.

Every figure goes into docs/benchmarks.md together with the command that produced it, and
cloudlet is always measured against moto_server in the same run, reported as ratios where
bigger is better for cloudlet."""

import http.client
import multiprocessing
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
CLOUDLET = Path(os.environ.get("CLOUDLET_BIN", ROOT / "target" / "release" / "cloudlet"))
REGION = "us-east-1"

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
)
for _var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
    os.environ.pop(_var, None)

# Health polls go straight to the server, never through a proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, timeout=30.0, proc=None):
    """Polls `url` until it answers (any HTTP status); fails early if `proc` exits."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            _OPENER.open(url, timeout=1).read()
            return True
        except urllib.error.HTTPError:
            return True
        except (OSError, http.client.HTTPException):
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode} before answering")
            time.sleep(0.001)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


class Proc:
    """A server process under measurement. Usable as a context manager."""

    def __init__(self, name, args, url, health_path, cleanup=None):
        self.name, self.args, self.url, self.health_path = name, args, url, health_path
        self.cleanup = cleanup
        self.proc = None
        self.ready_seconds = None

    def start(self):
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_http(self.url + self.health_path, proc=self.proc)
        except Exception:
            self.stop()
            raise
        self.ready_seconds = time.perf_counter() - t0
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self):
        return int(self.url.rsplit(":", 1)[1])

    def rss_kib(self, children=True):
        """Resident memory of the process (and its direct children), in KiB."""
        total = 0
        pids = [self.proc.pid]
        try:
            if not children:
                raise FileNotFoundError
            kids = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout.split()
            pids += [int(k) for k in kids]
        except FileNotFoundError:
            pass
        for pid in pids:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                m = re.search(r"VmRSS:\s+(\d+) kB", status)
                total += int(m.group(1)) if m else 0
            except OSError:
                pass
        return total

    def cpu_seconds(self):
        """User + system CPU time the server process (all its threads) has used so far."""
        return cpu_seconds(self.proc.pid)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.cleanup:
            self.cleanup()
            self.cleanup = None


def cpu_seconds(pid):
    """User + system CPU time process `pid` (all its threads) has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cloudlet(durable=False, extra=()):
    """cloudlet `--ephemeral`, or with a new data directory of its own (removed on stop)."""
    if not CLOUDLET.exists():
        sys.exit(f"{CLOUDLET} is missing: run `cargo build --release` first")
    port = free_port()
    args = [str(CLOUDLET), "serve", "--listen", f"127.0.0.1:{port}", *extra]
    cleanup = None
    if durable:
        data = tempfile.mkdtemp(prefix="cloudlet-bench-")
        args += ["--data-dir", data]
        cleanup = lambda: shutil.rmtree(data, ignore_errors=True)  # noqa: E731
        name = "cloudlet `--data-dir`"
    else:
        args.append("--ephemeral")
        name = "cloudlet `--ephemeral`"
    return Proc(name, args, f"http://127.0.0.1:{port}", "/_cloudlet/health", cleanup)


def moto():
    port = free_port()
    args = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    return Proc("moto_server", args, f"http://127.0.0.1:{port}", "/moto-api/")


# ---------------------------------------------------------------------------------------------
# Clients


def boto(service, url, pool=10):
    """A boto3 client for `url`: no retries (a failure must show), a pool of `pool` connections."""
    import boto3
    from botocore.config import Config

    cfg = Config(retries={"total_max_attempts": 1}, max_pool_connections=pool, connect_timeout=5, read_timeout=60)
    return boto3.client(service, endpoint_url=url, region_name=REGION, config=cfg)


def signed(service, method, url, path="/", body=b"", headers=None):
    """(path, headers, body) of a SigV4-signed request, signed once and then replayed as is.

    Neither server verifies signatures by default, and a replayed request spares the client the
    cost of signing, so the time measured is the server's plus Python's http.client."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    req = AWSRequest(method=method, url=url + path, data=body, headers=dict(headers or {}))
    if service == "s3":
        req.headers["X-Amz-Content-SHA256"] = "UNSIGNED-PAYLOAD"
    SigV4Auth(Credentials("test", "test"), service, REGION).add_auth(req)
    prepared = req.prepare()
    return path, dict(prepared.headers), body


class Raw:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, url):
        host, port = url.split("//", 1)[1].split(":")
        self.host, self.port = host, int(port)
        self.conn = None

    def request(self, method, path, headers=None, body=None):
        """(status, body bytes); reconnects once if the server closed the connection."""
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                self.conn.connect()
                self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                r = self.conn.getresponse()
                data = r.read()
                if r.getheader("connection", "").lower() == "close":
                    self.close()
                return r.status, data
            except (ConnectionError, http.client.HTTPException):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# ---------------------------------------------------------------------------------------------
# Load loops


class Result:
    def __init__(self, ops, seconds, latencies, client_cpu=None):
        self.ops, self.seconds, self.latencies = ops, seconds, latencies
        self.client_cpu = client_cpu  # client CPU seconds per op (client processes only)

    @property
    def rate(self):
        return self.ops / self.seconds if self.seconds else 0.0

    @property
    def p50(self):
        return percentile(self.latencies, 50)

    @property
    def p99(self):
        return percentile(self.latencies, 99)


def _loop(op, seconds, barrier=None):
    """Runs `op()` until `seconds` have passed; (ops, elapsed, latencies)."""
    if barrier is not None:
        barrier.wait()
    lat = []
    t_start = time.perf_counter()
    deadline = t_start + seconds
    now = t_start
    while now < deadline:
        t0 = now
        op()
        now = time.perf_counter()
        lat.append(now - t0)
    return len(lat), now - t_start, lat


def threads_load(make_op, threads, seconds, warmup=0.2):
    """`threads` client threads, each calling its own `make_op()` in a loop for `seconds`."""
    ops = [make_op(i) for i in range(threads)]
    for op in ops:  # warm connections and code paths
        end = time.perf_counter() + warmup / threads
        while time.perf_counter() < end:
            op()
    barrier = threading.Barrier(threads)
    results = [None] * threads
    errors = []

    def run(i):
        try:
            results[i] = _loop(ops[i], seconds, barrier)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
            barrier.abort()

    ts = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        # The first real failure, not the broken barrier it caused in the other threads.
        raise next((e for e in errors if not isinstance(e, threading.BrokenBarrierError)), errors[0])
    return _merge(results)


def _proc_main(make_op, i, seconds, warmup, barrier, queue, cpus=None):
    try:
        if cpus:
            os.sched_setaffinity(0, cpus)
        op = make_op(i)
        end = time.perf_counter() + warmup
        while time.perf_counter() < end:
            op()
        cpu0 = time.process_time()
        ops, elapsed, lat = _loop(op, seconds, barrier)
        queue.put(("ok", (ops, elapsed, lat, time.process_time() - cpu0)))
    except BaseException as e:  # noqa: BLE001 - sent to the parent
        barrier.abort()
        queue.put(("err", repr(e)))


def procs_load(make_op, procs, seconds, warmup=0.2, cpus=None):
    """`procs` client processes (no shared GIL), each with its own `make_op(i)` (usually one
    raw keep-alive connection), looping for `seconds`, on the CPUs `cpus` if given. `make_op`
    must be a module-level function or a picklable callable under the fork start method."""
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(procs)
    queue = ctx.Queue()
    ps = [
        ctx.Process(target=_proc_main, args=(make_op, i, seconds, warmup, barrier, queue, cpus), daemon=True)
        for i in range(procs)
    ]
    for p in ps:
        p.start()
    results = []
    try:
        for _ in ps:
            kind, value = queue.get(timeout=seconds + 120)
            if kind == "err":
                raise RuntimeError(f"client process failed: {value}")
            results.append(value)
    except BaseException:
        for p in ps:
            p.kill()
        raise
    for p in ps:
        p.join()
    merged = _merge(results)
    merged.client_cpu = sum(r[3] for r in results) / merged.ops
    return merged


def split_cpus():
    """(the server's CPUs, the clients' CPUs): the first CPU this process may use, and the
    others; None where CPUs can't be pinned or there is only one."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    return ({cpus[0]}, set(cpus[1:])) if len(cpus) >= 2 else None


def pin(pid, cpus):
    """Pins every thread of process `pid` to `cpus`; threads it starts later inherit that."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            os.sched_setaffinity(int(task.name), cpus)
        except OSError:
            pass  # the thread ended meanwhile


def _merge(results):
    ops = sum(r[0] for r in results)
    seconds = max(r[1] for r in results)
    lat = [x for r in results for x in r[2]]
    return Result(ops, seconds, lat)


def sequential(op, n, max_seconds=None, warmup=20):
    """Latencies of up to `n` calls of `op()` one after another (stopping early, after at least
    20 calls, once `max_seconds` have passed)."""
    for _ in range(warmup):
        op()
    lat = []
    deadline = time.perf_counter() + max_seconds if max_seconds else None
    for k in range(n):
        t0 = time.perf_counter()
        op()
        t1 = time.perf_counter()
        lat.append(t1 - t0)
        if deadline and t1 > deadline and k >= 20:
            break
    return lat


# ---------------------------------------------------------------------------------------------
# Formatting and the document


def percentile(samples, p):
    s = sorted(samples)
    if not s:
        return float("nan")
    return s[min(len(s) - 1, int(len(s) * p / 100))]


def median(xs):
    return statistics.median(xs)


def fmt_ms(seconds):
    return f"{seconds * 1000:.2f} ms"


def fmt_rate(x):
    return f"{x:,.0f}" if x >= 100 else f"{x:,.1f}"


def ratio(x, y):
    """`x / y` as `12.3×`, or `n/a`."""
    if not y or x != x or y != y:
        return "n/a"
    r = x / y
    return f"**{r:.1f}×**" if r < 100 else f"**{r:.0f}×**"


def verdict(ok):
    return "met" if ok else "**not met**"


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def load_average():
    try:
        return "{:.1f}".format(os.getloadavg()[0])
    except OSError:
        return "?"


def machine_facts():
    """One line about the machine, for the doc's header."""
    try:
        version = subprocess.run([str(CLOUDLET), "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        version = "cloudlet (missing)"
    try:
        import boto3
        import moto

        libs = f"boto3 {boto3.__version__}, moto {moto.__version__}"
    except ImportError:
        libs = "boto3/moto missing"
    return (
        f"{os.cpu_count()} cores ({cpu_model()}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, {libs}, {version} (release build)"
    )


def write_section(name, command, body):
    """Replaces the section `name` of docs/benchmarks.md (creating it if needed)."""
    DOC.parent.mkdir(parents=True, exist_ok=True)
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    footer = f"Produced by `{command}` on {when}, {os.cpu_count()} cores, load average {load_average()} at the end."
    section = f"{start}\n{body.rstrip()}\n\n{footer}\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + section + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    DOC.write_text(text)
    print(section, flush=True)


def command_line(script, args, defaults):
    """`python3 bench/<script> [--flag value]…` with the flags that differ from `defaults`."""
    cmd = f"python3 bench/{script}"
    for key, default in defaults.items():
        value = getattr(args, key)
        if value != default:
            flag = "--" + key.replace("_", "-")
            cmd += f" {flag}" if value is True else f" {flag} {value}"
    return cmd


HEADER = """# Benchmarks

Every figure here was produced by a script in `bench/`, against moto_server started by the same
script in the same run (except Lambda, which moto cannot run without Docker); ratios are
cloudlet ÷ moto for rates and moto ÷ cloudlet for times and CPU, so that bigger is always
better for cloudlet. Timing goals are never asserted in tests. `bench/run_all.sh` builds the
release binary (`cargo build --release`) and regenerates this whole file; each section names
the command that produced it, which can be run on its own after the build
(`BENCH_BIG=1 bench/run_all.sh` adds the multi-GiB multipart upload, `bench/s3.py --big`).

Machine: {facts}.

{note}"""

LOADED_NOTE = (
    "These figures come from a loaded machine: its 2 cores were shared with other builds and tests "
    "during the run (load average {load} at the start), so wall-clock figures, latencies and "
    "their tails especially, are pessimistic and noisy; server CPU per request, where given, is "
    "disturbed far less. They will be regenerated on a quiet machine."
)


def reset_doc(note=None):
    """Starts docs/benchmarks.md afresh: the header with this machine's facts, no sections."""
    note = LOADED_NOTE.format(load=load_average()) if note is None else note
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(HEADER.format(facts=machine_facts(), note=note).rstrip() + "\n")


if __name__ == "__main__":
    if sys.argv[1:2] == ["reset-doc"]:
        reset_doc(os.environ.get("BENCH_NOTE"))
    else:
        sys.exit("usage: python3 bench/common.py reset-doc")
