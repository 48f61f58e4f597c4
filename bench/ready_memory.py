"""Ready time and idle memory: how long from spawning the server until its health endpoint
answers, and its resident memory once idle, for cloudlet (ephemeral and with a fresh data
directory) and moto_server, each started several times by this script.

Usage: python3 bench/ready_memory.py [--runs N] [--moto-runs M]
Writes the `ready` section of docs/benchmarks.md."""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

READY_GOAL_MS = 50
IDLE_GOAL_MIB = 20
IDLE_SETTLE_SECONDS = 1.0


def measure(make, runs):
    """(ready seconds, idle RSS KiB) of `runs` fresh processes built by `make()`."""
    ready, rss = [], []
    for _ in range(runs):
        proc = make()
        try:
            proc.start()
            ready.append(proc.ready_seconds)
            time.sleep(IDLE_SETTLE_SECONDS)
            rss.append(proc.rss_kib())
        finally:
            proc.stop()
    return ready, rss


def cloudlet_durable():
    """cloudlet with an empty data directory of its own (removed after the run)."""
    return common.cloudlet(durable=True)


def row(name, ready, rss):
    return (
        f"| {name} | {len(ready)} | {common.fmt_ms(common.median(ready))} | "
        f"{common.fmt_ms(common.percentile(ready, 90))} | {common.median(rss) / 1024:.1f} MiB | "
        f"{max(rss) / 1024:.1f} MiB |"
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--moto-runs", type=int, default=3)
    args = ap.parse_args()

    # One unmeasured start of each warms the page cache, as a developer's second start would.
    measure(common.cloudlet, 1)
    measure(common.moto, 1)

    c_ready, c_rss = measure(common.cloudlet, args.runs)
    d_ready, d_rss = measure(cloudlet_durable, args.runs)
    m_ready, m_rss = measure(common.moto, args.moto_runs)

    ready_ratio = common.median(m_ready) / common.median(c_ready)
    rss_ratio = common.median(m_rss) / common.median(c_rss)
    c_ready_ms = common.median(c_ready) * 1000
    c_rss_mib = common.median(c_rss) / 1024
    verdict = common.verdict

    body = f"""## Ready time and idle memory

Time from spawning the process until `GET` on its health endpoint answers (cloudlet:
`/_cloudlet/health`, moto: `/moto-api/`), and resident memory (VmRSS, with children) after
{IDLE_SETTLE_SECONDS:.0f} s idle. One unmeasured start of each first warms the page cache.

| Server | Runs | Ready (median) | Ready (p90) | Idle RSS (median) | Idle RSS (max) |
|---|---|---|---|---|---|
{row("cloudlet `--ephemeral`", c_ready, c_rss)}
{row("cloudlet `--data-dir` (new)", d_ready, d_rss)}
{row("moto_server", m_ready, m_rss)}

cloudlet is ready **{ready_ratio:.0f}×** sooner than moto_server and uses **{rss_ratio:.1f}×** less
memory idle. Goals: ready < {READY_GOAL_MS} ms ({verdict(c_ready_ms < READY_GOAL_MS)}: {c_ready_ms:.1f} ms),
idle < {IDLE_GOAL_MIB} MiB ({verdict(c_rss_mib < IDLE_GOAL_MIB)}: {c_rss_mib:.1f} MiB)."""
    cmd = common.command_line("ready_memory.py", args, {"runs": 10, "moto_runs": 3})
    common.write_section("ready", cmd, body)


if __name__ == "__main__":
    main()
