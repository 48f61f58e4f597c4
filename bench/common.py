"""Shared pieces of the benchmarks: starting cloudlet (release build) and moto_server on free
ports, timing helpers, and writing one section of docs/benchmarks.md.

Every figure goes into docs/benchmarks.md together with the command that produced it, and
cloudlet is always measured against moto_server in the same run, reported as ratios."""

import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
CLOUDLET = Path(os.environ.get("CLOUDLET_BIN", ROOT / "target" / "release" / "cloudlet"))

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, timeout=30.0):
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return True
        except urllib.error.HTTPError:
            return True
        except Exception:
            time.sleep(0.002)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


class Proc:
    """A server process under measurement."""

    def __init__(self, args, url, health_path):
        self.args, self.url, self.health_path = args, url, health_path
        self.proc = None

    def start(self):
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_http(self.url + self.health_path)
        self.ready_seconds = time.perf_counter() - t0
        return self

    def rss_kib(self):
        """Resident memory of the process and its children, in KiB."""
        total = 0
        pids = [self.proc.pid]
        try:
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

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def cloudlet(extra=()):
    if not CLOUDLET.exists():
        sys.exit(f"{CLOUDLET} is missing: run `cargo build --release` first")
    port = free_port()
    args = [str(CLOUDLET), "serve", "--ephemeral", "--listen", f"127.0.0.1:{port}", *extra]
    return Proc(args, f"http://127.0.0.1:{port}", "/_cloudlet/health")


def moto():
    port = free_port()
    args = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    return Proc(args, f"http://127.0.0.1:{port}", "/moto-api/")


def percentile(samples, p):
    s = sorted(samples)
    return s[min(len(s) - 1, int(len(s) * p / 100))]


def fmt_ms(seconds):
    return f"{seconds * 1000:.2f} ms"


def write_section(name, command, body):
    """Replaces the section `name` of docs/benchmarks.md (creating it if needed)."""
    DOC.parent.mkdir(parents=True, exist_ok=True)
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    machine = f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}"
    section = f"{start}\n{body.rstrip()}\n\nProduced by `{command}` ({machine}).\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + section + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    DOC.write_text(text)
    print(section)


def median(xs):
    return statistics.median(xs)
