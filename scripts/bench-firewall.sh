#!/usr/bin/env bash
# Firewall reachability benchmark: a full 65535-port TCP connect scan of a
# host in a network namespace with a few listeners, stackaudit side by side
# with Debian's `nmap -sT -p-`, in one hyperfine run; then the open-port
# lists of both are compared.
#
# Everything happens inside one namespace this script creates (its loopback
# by default, or a veth peer namespace with TARGET=veth) and deletes on exit.
#
#   scripts/bench-firewall.sh                 # loopback, 10 runs each
#   TARGET=veth RUNS=5 scripts/bench-firewall.sh
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-10}
TARGET=${TARGET:-loopback}
PORTS=${PORTS:-"22 80 443 3000 6379 8080 50000"}
NS=safw-bench-$$
PEER=safw-bpeer-$$
WORK=$(mktemp -d /tmp/bench-firewall.XXXXXX)
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  ip netns del "$NS" 2>/dev/null || true
  ip netns del "$PEER" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

for tool in nmap hyperfine busybox jq ip; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install nmap hyperfine busybox jq iproute2)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)" >&2; exit 1; }

cargo build --release --locked --quiet
STACKAUDIT=$PWD/target/release/stackaudit

ip netns add "$NS"
ip -n "$NS" link set lo up
HOST=127.0.0.1
RUN_NS=$NS
if [ "$TARGET" = veth ]; then
  ip netns add "$PEER"
  ip link add safwb$$ netns "$NS" type veth peer name safwp$$ netns "$PEER"
  ip -n "$NS" addr add 10.78.0.1/24 dev safwb$$
  ip -n "$PEER" addr add 10.78.0.2/24 dev safwp$$
  ip -n "$NS" link set safwb$$ up
  ip -n "$PEER" link set safwp$$ up
  ip -n "$PEER" link set lo up
  HOST=10.78.0.1
  RUN_NS=$PEER
fi

# Persistent listeners (busybox nc forks `true` per connection).
for p in $PORTS; do
  ip netns exec "$NS" busybox nc -ll -p "$p" -e /bin/true &
  PIDS+=($!)
done
sleep 0.5

cat > "$WORK/stackaudit.toml" <<EOT
[firewall]
[[firewall.scan]]
host = "$HOST"
ports = "1-65535"
EOT
mkdir "$WORK/empty"

SA="ip netns exec $RUN_NS $STACKAUDIT scan --format json --exit-zero -c $WORK/stackaudit.toml $WORK/empty"
NMAP="ip netns exec $RUN_NS nmap -sT -p- -n -Pn --open -oG - $HOST"

echo "== $TARGET: 65535 ports of $HOST, listeners on: $PORTS"
hyperfine --warmup 1 --runs "$RUNS" --export-markdown "$WORK/hyperfine.md" \
  --command-name stackaudit "$SA >/dev/null" \
  --command-name "nmap -sT -p-" "$NMAP >/dev/null"
cat "$WORK/hyperfine.md"

$SA > "$WORK/report.json"
jq -r '.facts[] | select(.kind == "port_scan") | .data.open[]' "$WORK/report.json" | sort -n > "$WORK/stackaudit.open"
$NMAP | grep -o '[0-9]*/open' | cut -d/ -f1 | sort -n > "$WORK/nmap.open"
echo "stackaudit open: $(paste -sd, "$WORK/stackaudit.open")"
echo "nmap open:       $(paste -sd, "$WORK/nmap.open")"
if diff -q "$WORK/stackaudit.open" "$WORK/nmap.open" >/dev/null; then
  echo "open-port lists: identical"
else
  echo "open-port lists: DIFFER" >&2
  diff "$WORK/stackaudit.open" "$WORK/nmap.open" >&2 || true
  exit 1
fi
jq -r '.facts[] | select(.kind == "port_scan") | .data | "stackaudit: \(.scanned) scanned, \(.open | length) open, \(.closed_count) closed, \(.filtered_count) filtered (concurrency \(.concurrency), timeout \(.timeout_ms) ms)"' "$WORK/report.json"
