#!/usr/bin/env bash
# Kubernetes benchmark: stackaudit (release) auditing a cluster of N pods
# (5,000 by default: fifty Deployments of a hundred replicas, a third of them
# unhardened, plus the test suite's small stack) served from a local HTTPS
# endpoint. No API server can be installed here, so the endpoint is the test
# suite's stand-in (tests/cluster_support), started from the test binary's
# ignored `bench_api_server` test; stackaudit's side is the real one (kube-rs,
# kubeconfig, TLS, bearer token, pages of 500).
#
# Reports wall time over RUNS runs and peak RSS, at N pods and at 4 x N pods:
# memory bounded by a page means the second RSS stays close to the first.
#
#   scripts/bench-cluster.sh
#   N=20000 RUNS=5 scripts/bench-cluster.sh
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-5000}
RUNS=${RUNS:-10}
WORK=$(mktemp -d /tmp/bench-cluster.XXXXXX)
SERVER_PID=""

cleanup() {
  touch "$WORK/stop" 2>/dev/null || true
  if [ -n "$SERVER_PID" ]; then wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

for tool in /usr/bin/time python3 openssl; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

if [ -z "${STACKAUDIT:-}" ]; then
  cargo build --release --locked --quiet
  STACKAUDIT=$PWD/target/release/stackaudit
fi
TEST_BIN=$(cargo test --release --locked --quiet --test cluster --no-run --message-format json 2>/dev/null \
  | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("target", {}).get("name") == "cluster" and m.get("executable"):
        print(m["executable"])')

# Starts the stand-in with $1 pods in $2 and waits until it serves.
serve() {
  mkdir -p "$2"
  BENCH_DIR="$2" BENCH_PODS="$1" "$TEST_BIN" --ignored --exact bench_api_server --nocapture >/dev/null 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 300); do [ -f "$2/ready" ] && return 0; sleep 0.1; done
  echo "the stand-in did not start" >&2
  exit 1
}

stop() {
  touch "$1/stop"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

# Runs the audit RUNS times; prints mean, sd, min, max wall time and the
# largest RSS.
measure() {
  local dir=$1 pods=$2
  local scan=("$STACKAUDIT" scan --kubernetes --format json --exit-zero)
  KUBECONFIG="$dir/kubeconfig" "${scan[@]}" > "$dir/report.json"
  python3 - "$dir/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert not r["errors"], r["errors"]
workloads = [f for f in r["facts"] if f["kind"] == "workload"]
ns = [f for f in r["facts"] if f["kind"] == "kubernetes_namespace"]
pods = sum(f["data"]["pods"] for f in ns)
print(f"  audited {pods} pods as {len(workloads)} workload facts, {len(r['findings'])} findings", file=sys.stderr)
PY
  : > "$dir/times"
  for _ in $(seq 1 "$RUNS"); do
    KUBECONFIG="$dir/kubeconfig" /usr/bin/time -f "%e %M" -a -o "$dir/times" "${scan[@]}" >/dev/null
  done
  python3 - "$dir/times" "$pods" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
wall = [float(r[0]) for r in rows]
rss = [int(r[1]) for r in rows]
sd = statistics.stdev(wall) if len(wall) > 1 else 0.0
print(f"{sys.argv[2]} pods: {statistics.mean(wall):.3f} s +- {sd:.3f} (min {min(wall):.2f}, max {max(wall):.2f}, {len(wall)} runs), peak RSS {max(rss) / 1024:.1f} MB")
PY
}

echo "== $N pods" >&2
serve "$N" "$WORK/n"
measure "$WORK/n" "$N"
stop "$WORK/n"

BIG=$((N * 4))
echo "== $BIG pods (memory check)" >&2
serve "$BIG" "$WORK/big"
RUNS=3 measure "$WORK/big" "$BIG"
stop "$WORK/big"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
