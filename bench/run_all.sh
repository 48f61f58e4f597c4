#!/usr/bin/env bash
# Builds the release binary and regenerates docs/benchmarks.md from scratch: the header with
# this machine's facts, then one section per benchmark, each comparing cloudlet with moto_server
# started in the same run. Extra arguments are not accepted; run a script on its own to vary
# its options (each section names its command). BENCH_NOTE replaces the header's note about
# machine load; BENCH_BIG=1 adds the multipart upload of `bench/s3.py --big` (a few minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -gt 0 ]]; then
    echo "usage: bench/run_all.sh" >&2
    exit 2
fi
python3 -c "import boto3, moto" 2>/dev/null || {
    echo "bench/run_all.sh needs boto3 and moto[server]: python3 -m pip install boto3 'moto[server]'" >&2
    exit 1
}

cargo build --release --locked
start=$(date +%s)
python3 bench/common.py reset-doc
for script in ready_memory dynamodb s3 lambda; do
    echo "== bench/$script.py"
    python3 "bench/$script.py"
done
if [[ "${BENCH_BIG:-}" == 1 ]]; then
    echo "== bench/s3.py --big"
    python3 bench/s3.py --big
fi
echo "== docs/benchmarks.md regenerated in $(($(date +%s) - start)) s"
