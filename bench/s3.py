"""S3: PUT and GET of 1 KiB and 1 MiB objects and LIST of 1000 keys against cloudlet
(`--ephemeral` and with a data directory, where every object is fsynced) and moto_server,
started by this script in the same run; 1 MiB GET throughput in MiB/s next to a loopback
baseline (a minimal Python server answering every request with the same 1 MiB from memory).

For each operation and server: throughput of `--threads` boto3 threads, and throughput of
`--procs` raw-HTTP client processes each replaying one pre-signed request over a keep-alive
connection (no boto3, no shared GIL), with the server's CPU time per request.

`--big` adds a multipart upload of `--big-gib` GiB (64 MiB parts, boto3) with the server's
RSS sampled every 100 ms, written as its own section; it is not part of the default run.

Usage: python3 bench/s3.py [--seconds S] [--threads N] [--procs P] [--no-durable] [--big [--big-gib G]]
Writes the `s3` (and with `--big` the `s3-big`) section of docs/benchmarks.md."""

import argparse
import hashlib
import multiprocessing
import os
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

BUCKET = "bench"
KIB = 1024
MIB = 1024 * 1024
SMALL = b"s" * KIB
LARGE = bytes(range(256)) * (MIB // 256)
LIST_KEYS = 1000
# The folders under `tree/` that another LIST_KEYS keys are spread over.
FOLDERS = 4
THROUGHPUT_GOAL = 10.0


def setup(url):
    s3 = common.boto("s3", url, pool=16)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="small/0", Body=SMALL)
    s3.put_object(Bucket=BUCKET, Key="large/0", Body=LARGE)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: s3.put_object(Bucket=BUCKET, Key=f"list/{i:04d}", Body=b"x"), range(LIST_KEYS)))
        list(pool.map(lambda i: s3.put_object(Bucket=BUCKET, Key=f"tree/f{i % FOLDERS}/{i:04d}", Body=b"x"),
                      range(LIST_KEYS)))
    # Sanity checks, so that a broken server cannot post good numbers.
    assert s3.get_object(Bucket=BUCKET, Key="large/0")["Body"].read() == LARGE
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="list/")["KeyCount"] == LIST_KEYS
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="tree/", Delimiter="/")["KeyCount"] == FOLDERS


# Each operation: (label, boto3 call(client, i, n), raw request(i) -> (method, path, body), check
# of a raw answer body, bytes moved per op).


# Keys each boto3 PUT thread cycles through.
KEYS_PER_THREAD = 50


def boto_put(body, prefix):
    return lambda s3, i, n: s3.put_object(Bucket=BUCKET, Key=f"{prefix}/{i}-{n % KEYS_PER_THREAD}", Body=body)


def boto_get(key, size):
    def call(s3, i, n):
        data = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        if len(data) != size:
            raise RuntimeError(f"GET {key}: {len(data)} bytes, expected {size}")

    return call


def boto_list(page):
    def call(s3, i, n):
        keys = 0
        for p in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="list/", MaxKeys=page):
            keys += p["KeyCount"]
        if keys != LIST_KEYS:
            raise RuntimeError(f"LIST: {keys} keys")

    return call


def boto_folders(s3, i, n):
    got = s3.list_objects_v2(Bucket=BUCKET, Prefix="tree/", Delimiter="/")["KeyCount"]
    if got != FOLDERS:
        raise RuntimeError(f"LIST of the folders: {got} entries")


OPS = [
    ("PUT 1 KiB", boto_put(SMALL, "w1k"), lambda i: ("PUT", f"/{BUCKET}/r1k/{i}", SMALL), None, KIB),
    ("GET 1 KiB", boto_get("small/0", KIB), lambda i: ("GET", f"/{BUCKET}/small/0", b""), KIB, KIB),
    ("PUT 1 MiB", boto_put(LARGE, "w1m"), lambda i: ("PUT", f"/{BUCKET}/r1m/{i}", LARGE), None, MIB),
    ("GET 1 MiB", boto_get("large/0", MIB), lambda i: ("GET", f"/{BUCKET}/large/0", b""), MIB, MIB),
    (
        "LIST 1000 keys (1 page)",
        boto_list(1000),
        lambda i: ("GET", f"/{BUCKET}?list-type=2&prefix=list%2F", b""),
        "<KeyCount>1000</KeyCount>",
        0,
    ),
    ("LIST 1000 keys (10 pages of 100)", boto_list(100), None, None, 0),
    (
        f"LIST the {FOLDERS} folders holding {LIST_KEYS} keys (delimiter /)",
        boto_folders,
        lambda i: ("GET", f"/{BUCKET}?list-type=2&prefix=tree%2F&delimiter=%2F", b""),
        f"<KeyCount>{FOLDERS}</KeyCount>",
        0,
    ),
]


def raw_op(url, make_req, expect):
    def make(i):
        method, path, body = make_req(i)
        path, headers, body = common.signed("s3", method, url, path=path, body=body)
        conn = common.Raw(url)

        def op():
            status, data = conn.request(method, path, headers, body or None)
            if status != 200:
                raise RuntimeError(f"{method} {path}: HTTP {status}: {data[:300]!r}")
            if isinstance(expect, int) and len(data) != expect:
                raise RuntimeError(f"{method} {path}: {len(data)} bytes, expected {expect}")
            if isinstance(expect, str) and expect.encode() not in data:
                raise RuntimeError(f"{method} {path}: {expect} not in the answer")

        op()
        return op

    return make


def boto_op(client, call):
    def make(i):
        counter = [0]

        def op():
            counter[0] += 1
            call(client, i, counter[0])

        return op

    return make


def measure(server, args, split=None):
    setup(server.url)
    client = common.boto("s3", server.url, pool=args.threads)
    out = {}
    for label, call, make_req, expect, _ in OPS:
        # Files the last run wrote and did not fsync (cloudlet `--ephemeral`'s large bodies)
        # are written back before the next run starts, not by the kernel during it.
        os.sync()
        boto = common.threads_load(boto_op(client, call), args.threads, args.seconds)
        entry = {"boto": boto, "raw": None, "cpu": None}
        line = f"  {label:34} boto3 {boto.rate:7.1f}/s"
        if make_req:
            os.sync()
            cpu0 = server.cpu_seconds()
            raw = common.procs_load(raw_op(server.url, make_req, expect), args.procs, args.seconds)
            entry["raw"], entry["cpu"] = raw, (server.cpu_seconds() - cpu0) / raw.ops
            line += f"  raw {raw.rate:7.1f}/s {entry['cpu'] * 1e6:7.0f} µs CPU/op"
        out[label] = entry
        print(line, flush=True)
    out["rss"] = server.rss_kib()
    if split:
        # GET 1 MiB again, the server on one core and the clients on the others.
        common.pin(server.proc.pid, split[0])
        make_req = next(op[2] for op in OPS if op[0] == "GET 1 MiB")
        os.sync()
        cpu0 = server.cpu_seconds()
        raw = common.procs_load(raw_op(server.url, make_req, MIB), args.procs, args.seconds, cpus=split[1])
        out["split"] = (raw, (server.cpu_seconds() - cpu0) / raw.ops)
        print(f"  GET 1 MiB, split cores: raw {raw.rate:7.1f}/s {out['split'][1] * 1e6:7.0f} µs CPU/op", flush=True)
    return out


class LoopbackBaseline:
    """A minimal HTTP/1.1 server in a process of its own, a thread per connection: every
    request gets the same 1 MiB body from memory."""

    def __init__(self):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self.proc = multiprocessing.get_context("fork").Process(target=_baseline_main, args=(sock,), daemon=True)
        self.proc.start()
        sock.close()

    def close(self):
        self.proc.kill()
        self.proc.join()


def _baseline_main(sock):
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {MIB}\r\nContent-Type: application/octet-stream\r\n\r\n"
    answer = head.encode() + LARGE

    def serve(conn):
        buf = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in buf:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                buf = buf.split(b"\r\n\r\n", 1)[1]
                conn.sendall(answer)

    while True:
        conn, _ = sock.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


def md5_cost():
    """Seconds the fastest MD5 at hand takes over 1 MiB (best of 20 runs)."""
    best = float("inf")
    for _ in range(20):
        t = time.perf_counter()
        hashlib.md5(LARGE).digest()
        best = min(best, time.perf_counter() - t)
    return best


def baseline(args, split=None):
    """The loopback baseline's GET 1 MiB load and its server CPU per request; with `split`,
    the server on the first CPU set and the clients on the second."""
    base = LoopbackBaseline()
    try:
        if split:
            common.pin(base.proc.pid, split[0])
        make = raw_op(base.url, lambda i: ("GET", "/large/0", b""), MIB)
        cpu0 = common.cpu_seconds(base.proc.pid)
        load = common.procs_load(make, args.procs, args.seconds, cpus=split and split[1])
        cpu = (common.cpu_seconds(base.proc.pid) - cpu0) / load.ops
        where = ", split cores" if split else ""
        print(f"loopback baseline GET 1 MiB{where}: raw {load.rate:7.1f}/s {cpu * 1e6:7.0f} µs CPU/op", flush=True)
        return load, cpu
    finally:
        base.close()


def big_upload(server, gib):
    """Multipart upload of `gib` GiB in 64 MiB parts; (MiB/s overall, seconds of the parts,
    seconds of CompleteMultipartUpload, peak RSS KiB, RSS KiB before)."""
    s3 = common.boto("s3", server.url)
    s3.create_bucket(Bucket="big")
    part = bytes(range(256)) * (64 * MIB // 256)
    parts = int(gib * 1024 // 64)
    idle = server.rss_kib()
    peak = [idle]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], server.rss_kib())
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    try:
        up = s3.create_multipart_upload(Bucket="big", Key="blob")["UploadId"]
        done = []
        for n in range(1, parts + 1):
            etag = s3.upload_part(Bucket="big", Key="blob", UploadId=up, PartNumber=n, Body=part)["ETag"]
            done.append({"PartNumber": n, "ETag": etag})
        t_parts = time.perf_counter()
        s3.complete_multipart_upload(Bucket="big", Key="blob", UploadId=up, MultipartUpload={"Parts": done})
        t_done = time.perf_counter()
    finally:
        stop.set()
        sampler.join()
    size = s3.head_object(Bucket="big", Key="blob")["ContentLength"]
    assert size == parts * 64 * MIB, size
    return size / MIB / (t_done - t0), t_parts - t0, t_done - t_parts, peak[0], idle


def main():
    ap = argparse.ArgumentParser()
    defaults = {"seconds": 1.0, "threads": 4, "procs": 2, "no_durable": False, "big": False, "big_gib": 2.0}
    ap.add_argument("--seconds", type=float, default=defaults["seconds"], help="length of each load run")
    ap.add_argument("--threads", type=int, default=defaults["threads"], help="boto3 client threads")
    ap.add_argument("--procs", type=int, default=defaults["procs"], help="raw-HTTP client processes")
    ap.add_argument("--no-durable", action="store_true", help="skip cloudlet with a data directory")
    ap.add_argument("--big", action="store_true", help="only the multipart upload with RSS sampling")
    ap.add_argument("--big-gib", type=float, default=defaults["big_gib"], help="size of the --big upload")
    args = ap.parse_args()

    servers = [common.cloudlet()]
    if not args.no_durable:
        servers.append(common.cloudlet(durable=True))
    servers.append(common.moto())
    names = [s.name for s in servers]
    cmd = common.command_line("s3.py", args, defaults)

    if args.big:
        rows = []
        for s in servers:
            with s:
                rate, parts_s, complete_s, peak, idle = big_upload(s, args.big_gib)
            print(f"  {s.name}: {rate:.0f} MiB/s, peak RSS {peak / 1024:.0f} MiB", flush=True)
            rows.append(
                f"| {s.name} | {rate:,.0f} MiB/s | {parts_s:.1f} s | {complete_s:.1f} s | {idle / 1024:.1f} MiB "
                f"| {peak / 1024:,.1f} MiB |"
            )
        body = f"""## S3 multipart upload of {args.big_gib:g} GiB

One boto3 client uploads {int(args.big_gib * 16)} parts of 64 MiB (`UploadPart`, boto3's default
checksum) and completes the upload; the server's RSS is sampled every 100 ms throughout.
cloudlet streams every part to disk, so its memory stays flat; its CompleteMultipartUpload
joins the parts into one blob with a kernel-side copy, reading none of their bytes (the
object's checksum is combined from the parts' own).

| Server | Throughput (whole upload) | UploadPart calls | CompleteMultipartUpload | RSS before | Peak RSS |
|---|---|---|---|---|---|
""" + "\n".join(rows)
        common.write_section("s3-big", cmd, body)
        return

    split = common.split_cpus()
    results = {}
    for s in servers:
        print(f"{s.name}:", flush=True)
        with s:
            results[s.name] = measure(s, args, split if s is servers[0] else None)
    base, base_cpu = baseline(args)
    split_base = baseline(args, split) if split else None
    c, m = results[names[0]], results[names[-1]]
    cols = lambda suffix: " | ".join(f"{n} {suffix}" for n in names)  # noqa: E731

    lines = ["## S3\n"]
    lines.append(
        f"A bucket holding a 1 KiB object, a 1 MiB object, {LIST_KEYS} one-byte keys under `list/` and "
        f"{LIST_KEYS} more spread over {FOLDERS} folders under `tree/`. "
        "PUTs write keys of their own per client; GETs read the same object again and again; every "
        "answer's length (GET) or key count (LIST) is checked. Ratios are cloudlet `--ephemeral` "
        "against moto_server (both keep data off durable storage: cloudlet `--ephemeral` keeps bodies "
        "of up to 4 MiB in memory and writes larger ones to a private temporary directory without "
        "fsync, moto keeps them in memory); the `--data-dir` "
        "column fsyncs every object before answering. Rates are operations per second; a LIST "
        f"operation is one full listing of the {LIST_KEYS} keys under `list/`, or of the {FOLDERS} "
        "folders under `tree/` as common prefixes.\n"
    )
    lines.append(
        f"**Through boto3**: {args.threads} threads share one client for {args.seconds:g} s per operation "
        "(boto3's default checksums on PUT included).\n"
    )
    lines.append(f"| Operation | {cols('ops/s')} | ratio |")
    lines.append("|" + "---|" * (2 + len(names)))
    for label, *_ in OPS:
        row = [label] + [common.fmt_rate(results[n][label]["boto"].rate) for n in names]
        row.append(common.ratio(c[label]["boto"].rate, m[label]["boto"].rate))
        lines.append("| " + " | ".join(row) + " |")
    lines.append(
        f"\n**Over raw HTTP**: {args.procs} client processes, each replaying one request signed once "
        "(`UNSIGNED-PAYLOAD`) over its own keep-alive connection for "
        f"{args.seconds:g} s; server CPU is its user + system time during the run per request, client "
        "CPU the same for the client processes (against cloudlet `--ephemeral`), which share the 2 "
        "cores with the server.\n"
    )
    lines.append(f"| Operation | {cols('ops/s')} | ratio | {cols('CPU/op')} | CPU ratio | client CPU/op |")
    lines.append("|" + "---|" * (4 + 2 * len(names)))
    for label, _, make_req, _, _ in OPS:
        if not make_req:
            continue
        row = [label] + [common.fmt_rate(results[n][label]["raw"].rate) for n in names]
        row.append(common.ratio(c[label]["raw"].rate, m[label]["raw"].rate))
        row += [f"{results[n][label]['cpu'] * 1e6:,.0f} µs" for n in names]
        row.append(common.ratio(m[label]["cpu"], c[label]["cpu"]))
        row.append(f"{c[label]['raw'].client_cpu * 1e6:,.0f} µs")
        lines.append("| " + " | ".join(row) + " |")

    mibs = {n: results[n]["GET 1 MiB"]["raw"].rate for n in names}
    put_mibs = {n: results[n]["PUT 1 MiB"]["raw"].rate for n in names}
    lines.append(
        "\n1 MiB bodies over raw HTTP: GET "
        + ", ".join(f"{n} {mibs[n]:,.0f} MiB/s" for n in names)
        + f"; loopback baseline {base.rate:,.0f} MiB/s (a minimal Python server sending 1 MiB from "
        "memory to the same client processes; on both, copying each 1 MiB into Python bytes on the "
        "client side is a large part of the cost, so the figures are a floor for the servers). "
        "PUT " + ", ".join(f"{n} {put_mibs[n]:,.0f} MiB/s" for n in names) + "."
    )
    if split:
        (cs, cs_cpu), (bs, bs_cpu) = c["split"], split_base
        lines.append(
            "\nGET 1 MiB with the server on one core and the client processes on the others "
            f"(`sched_setaffinity`): {names[0]} {cs.rate:,.0f} MiB/s ({cs_cpu * 1e6:,.0f} µs server CPU per GET), "
            f"loopback baseline {bs.rate:,.0f} MiB/s ({bs_cpu * 1e6:,.0f} µs): **{cs.rate / bs.rate:.0%}** of the "
            f"baseline, against {c['GET 1 MiB']['raw'].rate / base.rate:.0%} unpinned, where the baseline took "
            f"{base_cpu * 1e6:,.0f} µs per GET. The baseline gives each connection a thread of its own, "
            "blocked on that one socket, so unpinned the kernel can keep each thread on the core of the "
            f"client it serves (pinned apart from its clients it went from {base.rate:,.0f} to "
            f"{bs.rate:,.0f} MiB/s in this run); an event-driven server such as cloudlet serves every "
            "connection from whichever worker thread wakes and cannot be placed that way. Split, neither "
            "can, so that figure compares the two servers' sending, though with one core for both "
            "client processes it is partly bounded by the clients too."
        )
    lines.append(
        "Server RSS after the run: " + ", ".join(f"{n} {results[n]['rss'] / 1024:.1f} MiB" for n in names)
        + f" ({names[0]}'s includes the bodies of up to 4 MiB it keeps in memory, at most 256 MiB in all; "
        f"the boto3 PUT run leaves up to {args.threads * KEYS_PER_THREAD} MiB of them)."
    )
    ratios = {label: c[label]["raw"].rate / m[label]["raw"].rate for label, _, mk, _, _ in OPS if mk}
    worst = min(ratios, key=ratios.get)
    cpu_ratios = {label: m[label]["cpu"] / c[label]["cpu"] for label, _, mk, _, _ in OPS if mk}
    cpu_worst = min(cpu_ratios, key=cpu_ratios.get)
    lines.append(
        f"\nGoal ≥ {THROUGHPUT_GOAL:g}× moto's throughput: {common.verdict(ratios[worst] >= THROUGHPUT_GOAL)} "
        f"(lowest raw-HTTP ratio {ratios[worst]:.1f}×, {worst}; lowest server-CPU ratio "
        f"{cpu_ratios[cpu_worst]:.1f}×, {cpu_worst}). On both servers a 1 MiB PUT is "
        "dominated by hashing the body with MD5 for its ETag, which bounds that ratio: "
        f"MD5 of 1 MiB takes {md5_cost() * 1e6:,.0f} µs here (Python's `hashlib`, OpenSSL's assembly, "
        "best of 20), so a server that answers a 1 MiB PUT with S3's ETag, hashing each body on its own, "
        f"spends at least that, and against moto's {m['PUT 1 MiB']['cpu'] * 1e6:,.0f} µs per PUT none can reach more than "
        f"{m['PUT 1 MiB']['cpu'] / md5_cost():.1f}× in server CPU (cloudlet: "
        f"{cpu_ratios['PUT 1 MiB']:.1f}×). The multipart upload of several GiB with "
        "RSS sampling is `python3 bench/s3.py --big` (not part of the default run)."
    )
    common.write_section("s3", cmd, "\n".join(lines))


if __name__ == "__main__":
    main()
