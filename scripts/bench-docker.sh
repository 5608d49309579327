#!/usr/bin/env bash
# Docker benchmark: N running containers (100 by default, busybox FROM
# scratch, built locally: nothing is pulled), audited by stackaudit through
# the Engine API (one list call, then per container one inspect and one
# `top`, over the local socket), side by side with the simplest shell
# baseline: one `docker inspect` process per container.
#
# docker-bench-security (about forty `docker` processes per container) is a
# script from GitHub that cannot be installed here, so the loop of
# `docker inspect` stands in for it; it asks less than stackaudit does (no
# process list, no image, no daemon info) and is still one process per
# container.
#
# Every container and the image carry a per-run label and are removed by ID
# on exit, whatever happens.
#
#   scripts/bench-docker.sh               # 100 containers, 10 runs each
#   N=20 RUNS=3 scripts/bench-docker.sh
#   SWARM=1 scripts/bench-docker.sh       # 100 Swarm services instead (see below)
#
# With SWARM=1: the local daemon (which must not be in a swarm) is made a
# single-node swarm manager, N services of one replica each are created (half
# hardened), stackaudit audits them (services, tasks, nodes, the swarm) side
# by side with one `docker service inspect` process per service, and the
# swarm is left again on exit, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

# Wall time of a command over RUNS runs: hyperfine when installed, else
# /usr/bin/time in a loop (mean, sd, min, max).
time_runs() {
  local name=$1 cmd=$2
  if command -v hyperfine >/dev/null; then
    hyperfine --warmup 1 --runs "$RUNS" --ignore-failure -n "$name" "$cmd"
    return
  fi
  local out
  out=$(mktemp)
  for _ in $(seq 1 "$RUNS"); do
    /usr/bin/time -f "%e %M" -a -o "$out" sh -c "$cmd" >/dev/null 2>&1 || true
  done
  python3 - "$out" "$name" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip() and l.split()[0][0].isdigit()]
wall = [float(r[0]) for r in rows]
sd = statistics.stdev(wall) if len(wall) > 1 else 0.0
print(f"{sys.argv[2]}: {statistics.mean(wall):.3f} s +- {sd:.3f} (min {min(wall):.2f}, max {max(wall):.2f}, {len(wall)} runs)")
PY
  rm -f "$out"
}

if [ "${SWARM:-0}" = 1 ]; then
  N=${N:-100}
  RUNS=${RUNS:-10}
  RUN_ID="bench-swarm-$$-$RANDOM"
  WORK=$(mktemp -d /tmp/bench-swarm.XXXXXX)
  IMAGE_ID=""
  JOINED=0
  swarm_cleanup() {
    if [ "$JOINED" = 1 ]; then docker swarm leave --force >/dev/null 2>&1 || true; fi
    if [ -n "$IMAGE_ID" ]; then docker rmi -f "$IMAGE_ID" >/dev/null 2>&1 || true; fi
    rm -rf "$WORK"
  }
  trap swarm_cleanup EXIT
  [ "$(docker info --format '{{.Swarm.LocalNodeState}}')" = inactive ] || { echo "the daemon is already in a swarm" >&2; exit 1; }
  if [ -z "${STACKAUDIT:-}" ]; then
    cargo build --release --locked --quiet
    STACKAUDIT=$PWD/target/release/stackaudit
  fi
  mkdir "$WORK/image"
  cp /bin/busybox "$WORK/image/busybox"
  printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nLABEL stackaudit.bench=%s\n' "$RUN_ID" > "$WORK/image/Dockerfile"
  DOCKER_BUILDKIT=0 docker build -q -t "stackaudit-bench:$RUN_ID" "$WORK/image" >/dev/null
  IMAGE_ID=$(docker image inspect --format '{{.Id}}' "stackaudit-bench:$RUN_ID")
  docker swarm init --advertise-addr 127.0.0.1 >/dev/null
  JOINED=1
  echo "creating $N services..." >&2
  for i in $(seq 1 "$N"); do
    if [ $((i % 2)) -eq 0 ]; then
      opts=(--user 1001 --cap-drop ALL --read-only --limit-memory 64m --limit-cpu 0.1 --limit-pids 50 --health-cmd "exit 0")
    else
      opts=(--env "API_TOKEN=tok_$RANDOM$RANDOM$RANDOM")
    fi
    docker service create --detach --no-resolve-image --name "sa-$RUN_ID-$i" --label "stackaudit.bench=$RUN_ID" \
      "${opts[@]}" "stackaudit-bench:$RUN_ID" sleep 3600 >/dev/null
  done
  for _ in $(seq 1 600); do
    running=$(docker service ls --filter "label=stackaudit.bench=$RUN_ID" --format '{{.Replicas}}' | grep -c '^1/1' || true)
    [ "$running" -ge "$N" ] && break
    sleep 1
  done
  echo "$running of $N services running" >&2
  printf '[docker]\nenabled = true\ninclude_labels = ["stackaudit.bench=%s"]\n' "$RUN_ID" > "$WORK/stackaudit.toml"
  mkdir "$WORK/empty"
  SCAN="$STACKAUDIT scan --config $WORK/stackaudit.toml --format json --exit-zero $WORK/empty"
  $SCAN > "$WORK/report.json"
  python3 - "$WORK/report.json" "$N" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert not r["errors"], r["errors"]
services = [f for f in r["facts"] if f["kind"] == "workload" and f["data"]["platform"] == "swarm"]
assert len(services) == int(sys.argv[2]), len(services)
print(f"stackaudit: {len(services)} services, {len(r['findings'])} findings", file=sys.stderr)
PY
  echo "== wall time ($RUNS runs)"
  time_runs "stackaudit ($N swarm services)" "$SCAN"
  time_runs "docker service inspect loop ($N processes)" \
    "for s in \$(docker service ls -q --filter label=stackaudit.bench=$RUN_ID); do docker service inspect \$s >/dev/null; done"
  /usr/bin/time -v $SCAN >/dev/null 2> "$WORK/time.txt" || true
  echo "stackaudit: $(grep 'Maximum resident' "$WORK/time.txt" | awk '{print $NF}') KB max RSS"
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi

N=${N:-100}
RUNS=${RUNS:-10}
RUN_ID="bench-$$-$RANDOM"
WORK=$(mktemp -d /tmp/bench-docker.XXXXXX)
IMAGE_ID=""

cleanup() {
  ids=$(docker ps -aq --filter "label=stackaudit.bench=$RUN_ID" || true)
  if [ -n "$ids" ]; then
    # shellcheck disable=SC2086
    docker rm -f $ids >/dev/null || true
  fi
  if [ -n "$IMAGE_ID" ]; then docker rmi -f "$IMAGE_ID" >/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Install step: GNU time and busybox (the containers' only binary).
if [ ! -x /usr/bin/time ] || [ ! -x /bin/busybox ]; then
  sudo -n true 2>/dev/null && SUDO="sudo -n" || SUDO=""
  $SUDO apt-get install -y --no-install-recommends time busybox >/dev/null
fi
for tool in docker python3 /usr/bin/time /bin/busybox; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

if [ -z "${STACKAUDIT:-}" ]; then
  cargo build --release --locked --quiet
  STACKAUDIT=$PWD/target/release/stackaudit
fi

# --- image and containers ------------------------------------------------------
mkdir "$WORK/image"
cp /bin/busybox "$WORK/image/busybox"
cat > "$WORK/image/Dockerfile" <<DOCKERFILE
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
LABEL stackaudit.bench=$RUN_ID
DOCKERFILE
DOCKER_BUILDKIT=0 docker build -q -t "stackaudit-bench:$RUN_ID" "$WORK/image" >/dev/null
IMAGE_ID=$(docker image inspect --format '{{.Id}}' "stackaudit-bench:$RUN_ID")

echo "starting $N containers..." >&2
start=$(date +%s.%N)
# Four `docker run` at a time: starting 1,000 one by one takes minutes.
start_one() {
  local i=$1 opts
  # Half hardened, half not, so the rules have something to say.
  if [ $((i % 2)) -eq 0 ]; then
    opts=(--user 1001 --cap-drop ALL --read-only --memory 64m --pids-limit 50 --security-opt no-new-privileges)
  else
    opts=(-e "API_TOKEN=tok_$RANDOM$RANDOM$RANDOM" -p "127.0.0.1::6379")
  fi
  docker run -d --name "sa-$RUN_ID-$i" --label "stackaudit.bench=$RUN_ID" "${opts[@]}" \
    "stackaudit-bench:$RUN_ID" sleep 3600 >/dev/null
}
export -f start_one
export RUN_ID
seq 1 "$N" | xargs -P 4 -I{} bash -c 'start_one {}'
echo "started in $(echo "$(date +%s.%N) - $start" | bc) s" >&2

cat > "$WORK/stackaudit.toml" <<TOML
[docker]
enabled = true
include_labels = ["stackaudit.bench=$RUN_ID"]
TOML
mkdir "$WORK/empty"
SCAN="$STACKAUDIT scan --config $WORK/stackaudit.toml --format json $WORK/empty"
BASELINE="for id in \$(docker ps -q --filter label=stackaudit.bench=$RUN_ID); do docker inspect \$id >/dev/null; done"

# Sanity: every container audited, no errors.
set +e
$SCAN > "$WORK/report.json"
code=$?
set -e
python3 - "$WORK/report.json" "$N" "$code" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
workloads = [f for f in r["facts"] if f["kind"] == "workload"]
assert not r["errors"], r["errors"]
assert len(workloads) == n, (len(workloads), n)
print(f"stackaudit: {len(workloads)} containers, {len(r['findings'])} findings, exit {sys.argv[3]}", file=sys.stderr)
PY

echo >&2
echo "== wall time ($RUNS alternating runs; ratio above 1: the peer is slower)" >&2
python3 scripts/alternate.py "$RUNS" \
  "stackaudit ($N containers)" "$SCAN --exit-zero >/dev/null" \
  "docker inspect loop ($N processes)" "$BASELINE"

echo
echo "== peak memory (/usr/bin/time -v)"
/usr/bin/time -v $SCAN >/dev/null 2> "$WORK/time.txt" || true
echo "stackaudit: $(grep 'Maximum resident' "$WORK/time.txt" | awk '{print $NF}') KB max RSS, $(grep 'Elapsed' "$WORK/time.txt" | awk '{print $NF}') elapsed"
