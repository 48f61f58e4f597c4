"""DynamoDB: GetItem, PutItem, Query (one 10-item partition) and BatchWriteItem (25 items)
against cloudlet (`--ephemeral` and with a data directory, where every write is fsynced) and
moto_server, started by this script in the same run.

Three measurements per operation and server:
- boto3: `--threads` client threads sharing one boto3 client for `--seconds`; throughput and
  client-side p50/p99 latency, as an application sees them (boto3's own cost included);
- raw HTTP throughput: `--procs` client processes, each replaying one pre-signed request over
  its own keep-alive connection, so neither boto3 nor the GIL caps the figure;
- raw HTTP latency: one connection, requests one after another; p50/p99 of the round trip,
  which is the server's time plus loopback plus Python's http.client (a few tens of µs).

Usage: python3 bench/dynamodb.py [--seconds S] [--threads N] [--procs P] [--no-durable]
Writes the `dynamodb` section of docs/benchmarks.md."""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

TABLE = "bench"
PARTITIONS = 100
THROUGHPUT_GOAL = 10.0  # × moto
P50_GOAL_MS = 0.3
TARGET = "DynamoDB_20120810."


def item(pk, sk, pad=100):
    return {"pk": {"S": f"user#{pk}"}, "sk": {"S": f"{sk:04d}"}, "n": {"N": str(sk)}, "data": {"S": "x" * pad}}


def setup(url):
    ddb = common.boto("dynamodb", url)
    ddb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.get_waiter("table_exists").wait(TableName=TABLE, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
    for p in range(PARTITIONS):
        ddb.batch_write_item(
            RequestItems={TABLE: [{"PutRequest": {"Item": item(p, s)}} for s in range(10)]}
        )
    # Sanity checks, so a broken server cannot post good numbers.
    got = ddb.get_item(TableName=TABLE, Key={"pk": {"S": "user#7"}, "sk": {"S": "0003"}})
    assert got["Item"]["n"] == {"N": "3"}, got
    q = ddb.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "user#7"}},
    )
    assert q["Count"] == 10, q


# Requests, as (boto3 method, kwargs) and as JSON for the raw client. Each thread/process `i`
# works on its own keys so that writers do not contend on one item.


def get_req(i, n):
    return "get_item", {"TableName": TABLE, "Key": {"pk": {"S": f"user#{(i * 7 + n) % PARTITIONS}"}, "sk": {"S": "0003"}}}


def put_req(i, n):
    return "put_item", {"TableName": TABLE, "Item": item(1000 + i, n % 1000)}


def query_req(i, n):
    return "query", {
        "TableName": TABLE,
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": f"user#{(i * 7 + n) % PARTITIONS}"}},
    }


def batch_req(i, n):
    base = (n * 25) % 1000
    return "batch_write_item", {
        "RequestItems": {TABLE: [{"PutRequest": {"Item": item(2000 + i, base + k)}} for k in range(25)]}
    }


OPS = [
    ("GetItem", "GetItem", get_req, 1),
    ("PutItem", "PutItem", put_req, 1),
    ("Query (10 items)", "Query", query_req, 10),
    ("BatchWriteItem (25 items)", "BatchWriteItem", batch_req, 25),
]


def check(op_name, resp):
    if op_name == "Query":
        assert resp.get("Count") == 10, resp
    elif op_name == "GetItem":
        assert "Item" in resp, resp
    elif op_name == "BatchWriteItem":
        assert not resp.get("UnprocessedItems"), resp


def boto_op(client, op_name, make_req):
    def make(i):
        counter = [0]

        def op():
            counter[0] += 1
            method, kwargs = make_req(i, counter[0])
            getattr(client, method)(**kwargs)

        return op

    return make


def raw_op(url, op_name, make_req):
    """One pre-signed request per client, replayed over one keep-alive connection."""

    def make(i):
        _, kwargs = make_req(i, 0)
        body = json.dumps(kwargs).encode()
        path, headers, body = common.signed(
            "dynamodb",
            "POST",
            url,
            body=body,
            headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": TARGET + op_name},
        )
        conn = common.Raw(url)
        status, data = conn.request("POST", path, headers, body)
        assert status == 200, (status, data[:300])
        check(op_name, json.loads(data))

        def op():
            status, data = conn.request("POST", path, headers, body)
            if status != 200:
                raise RuntimeError(f"{op_name}: HTTP {status}: {data[:300]!r}")

        return op

    return make


def measure(server, args):
    """{op label: {boto, boto_lat, raw, cpu, lat}} for one running server."""
    setup(server.url)
    client = common.boto("dynamodb", server.url, pool=args.threads)
    out = {}
    for label, op_name, make_req, _ in OPS:
        method, kwargs = make_req(0, 0)
        check(op_name, getattr(client, method)(**kwargs))
        boto = common.threads_load(boto_op(client, op_name, make_req), args.threads, args.seconds)
        boto_lat = common.sequential(boto_op(client, op_name, make_req)(0), args.latency_requests, args.seconds / 2)
        cpu0 = server.cpu_seconds()
        raw = common.procs_load(raw_op(server.url, op_name, make_req), args.procs, args.seconds)
        cpu = (server.cpu_seconds() - cpu0) / raw.ops
        lat = common.sequential(raw_op(server.url, op_name, make_req)(0), args.latency_requests, args.seconds / 2)
        out[label] = {"boto": boto, "boto_lat": boto_lat, "raw": raw, "cpu": cpu, "lat": lat}
        print(
            f"  {label:26} boto3 {boto.rate:7.0f}/s p50 {common.percentile(boto_lat, 50) * 1e3:6.2f} ms  "
            f"raw {raw.rate:7.0f}/s {cpu * 1e6:6.0f} µs CPU/op  p50 {common.percentile(lat, 50) * 1e3:6.3f} ms",
            flush=True,
        )
    out["rss"] = server.rss_kib()
    return out


def lat_cell(lat):
    return f"{common.fmt_ms(common.percentile(lat, 50))} / {common.fmt_ms(common.percentile(lat, 99))}"


def p50(lat):
    return common.percentile(lat, 50)


def main():
    ap = argparse.ArgumentParser()
    defaults = {"seconds": 1.5, "threads": 4, "procs": 2, "latency_requests": 2000, "no_durable": False}
    ap.add_argument("--seconds", type=float, default=defaults["seconds"], help="length of each load run")
    ap.add_argument("--threads", type=int, default=defaults["threads"], help="boto3 client threads")
    ap.add_argument("--procs", type=int, default=defaults["procs"], help="raw-HTTP client processes")
    ap.add_argument("--latency-requests", type=int, default=defaults["latency_requests"])
    ap.add_argument("--no-durable", action="store_true", help="skip cloudlet with a data directory")
    args = ap.parse_args()

    servers = [common.cloudlet()]
    if not args.no_durable:
        servers.append(common.cloudlet(durable=True))
    servers.append(common.moto())
    results = {}
    for s in servers:
        print(f"{s.name}:", flush=True)
        with s:
            results[s.name] = measure(s, args)
    c, m = results[servers[0].name], results[servers[-1].name]
    d = results[servers[1].name] if not args.no_durable else None
    names = [s.name for s in servers]
    cols = lambda suffix: " | ".join(f"{n} {suffix}" for n in names)  # noqa: E731

    lines = ["## DynamoDB\n"]
    lines.append(
        f"A table with a string partition and sort key, {PARTITIONS} partitions of 10 items (~130 bytes "
        "each) loaded first. GetItem and Query (one whole 10-item partition) read them; PutItem and "
        "BatchWriteItem (25 distinct items per call) overwrite items of their own, one key range per "
        "client. Each server starts empty in the same run; every operation's answer is checked "
        "(Query returns 10 items, GetItem an item, BatchWriteItem nothing unprocessed) before timing. "
        "Ratios are cloudlet `--ephemeral` against moto_server (both keep data in memory); the "
        "`--data-dir` column fsyncs every acknowledged write.\n"
    )
    lines.append(
        f"**Through boto3**, as an application sees it: throughput of {args.threads} threads sharing "
        f"one client for {args.seconds:g} s; latency of one thread calling in a loop (up to "
        f"{args.latency_requests} calls). boto3's own serialisation, signing and parsing (about a "
        "millisecond of Python per call, serialised by the GIL) is included and caps what any server "
        "can show here.\n"
    )
    lines.append(f"| Operation | {cols('ops/s')} | ratio | {cols('p50 / p99')} | p50 ratio |")
    lines.append("|" + "---|" * (3 + 2 * len(names)))
    for label, *_ in OPS:
        row = [label] + [common.fmt_rate(results[n][label]["boto"].rate) for n in names]
        row.append(common.ratio(c[label]["boto"].rate, m[label]["boto"].rate))
        row += [lat_cell(results[n][label]["boto_lat"]) for n in names]
        row.append(common.ratio(p50(m[label]["boto_lat"]), p50(c[label]["boto_lat"])))
        lines.append("| " + " | ".join(row) + " |")
    lines.append(
        f"\n**Over raw HTTP**, without boto3: each request is signed once with botocore's SigV4 signer "
        "and then replayed as is (neither server verifies signatures by default). Throughput: "
        f"{args.procs} client processes (no shared GIL), each on its own keep-alive connection, for "
        f"{args.seconds:g} s. Server CPU: the server process's user + system time during that run "
        "divided by the requests served, which the load on this machine disturbs far less than "
        "wall-clock figures; client CPU is the same for the client processes, which share the 2 cores "
        "with the server and cap cloudlet's rate here. Latency: one connection, one request after another; the round trip is "
        "the server's time plus loopback plus Python's `http.client` (tens of µs), the nearest cheap "
        "figure to server-side time.\n"
    )
    lines.append(
        f"| Operation | {cols('ops/s')} | ratio | {cols('CPU/op')} | CPU ratio | client CPU/op "
        f"| {cols('p50 / p99')} | p50 ratio |"
    )
    lines.append("|" + "---|" * (5 + 3 * len(names)))
    for label, *_ in OPS:
        row = [label] + [common.fmt_rate(results[n][label]["raw"].rate) for n in names]
        row.append(common.ratio(c[label]["raw"].rate, m[label]["raw"].rate))
        row += [f"{results[n][label]['cpu'] * 1e6:,.0f} µs" for n in names]
        row.append(common.ratio(m[label]["cpu"], c[label]["cpu"]))
        row.append(f"{c[label]['raw'].client_cpu * 1e6:,.0f} µs")
        row += [lat_cell(results[n][label]["lat"]) for n in names]
        row.append(common.ratio(p50(m[label]["lat"]), p50(c[label]["lat"])))
        lines.append("| " + " | ".join(row) + " |")

    per_item = []
    for label, _, _, units in OPS:
        if units > 1:
            text = f"{label.split(' ')[0]} moves {common.fmt_rate(c[label]['raw'].rate * units)} items/s on cloudlet `--ephemeral`"
            if d:
                text += f" ({common.fmt_rate(d[label]['raw'].rate * units)} with a data directory)"
            per_item.append(text)
    lines.append("\nOver raw HTTP, " + "; ".join(per_item) + ".")
    lines.append(
        "Server RSS after the run: " + ", ".join(f"{n} {results[n]['rss'] / 1024:.1f} MiB" for n in names) + "."
    )

    raw_ratios = {label: c[label]["raw"].rate / m[label]["raw"].rate for label, *_ in OPS}
    worst = min(raw_ratios, key=raw_ratios.get)
    cpu_ratios = {label: m[label]["cpu"] / c[label]["cpu"] for label, *_ in OPS}
    cpu_worst = min(cpu_ratios, key=cpu_ratios.get)
    small = {label: p50(c[label]["lat"]) * 1000 for label in ("GetItem", "PutItem")}
    slow = max(small, key=small.get)
    lines.append(
        f"\nGoals: ≥ {THROUGHPUT_GOAL:g}× moto's throughput "
        f"({common.verdict(raw_ratios[worst] >= THROUGHPUT_GOAL)}: lowest raw-HTTP ratio "
        f"{raw_ratios[worst]:.1f}×, {worst}; lowest server-CPU ratio {cpu_ratios[cpu_worst]:.1f}×, {cpu_worst}); "
        f"p50 < {P50_GOAL_MS} ms per small operation "
        f"({common.verdict(small[slow] < P50_GOAL_MS)}: raw-HTTP p50 at most {small[slow]:.3f} ms, "
        f"{slow}, on cloudlet `--ephemeral`)."
    )
    if d:
        lines.append(
            "With a data directory each write returns only once fsynced (group commit lets concurrent "
            "writes share one fsync), so its PutItem/BatchWriteItem latency is this disk's fsync latency."
        )
    common.write_section("dynamodb", common.command_line("dynamodb.py", args, defaults), "\n".join(lines))


if __name__ == "__main__":
    main()
