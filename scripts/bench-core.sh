#!/usr/bin/env bash
# Core benchmark: (1) rule evaluation alone over 10,000 generated workload
# facts (`cargo bench --bench engine`), (2) a full scan of 1,000 compose
# files x 10 services (10,000 workloads) plus 1,000 Dockerfiles, release
# build: wall time with hyperfine, peak memory with /usr/bin/time -v, and
# (3) Checkov on the same Dockerfiles and compose folder when it is
# installed or installable from PyPI (it has no compose support: it reads
# the Dockerfiles only).
#
#   scripts/bench-core.sh
#   RUNS=10 CHECKOV_RUNS=3 SKIP_CHECKOV=1 scripts/bench-core.sh
set -euo pipefail
cd "$(dirname "$0")/.."

WORK=${BENCH_DIR:-/tmp/stackaudit-bench-core}
CHECKOV_VENV=${CHECKOV_VENV:-/tmp/checkov-venv}
RUNS=${RUNS:-10}
CHECKOV_RUNS=${CHECKOV_RUNS:-3}
CORPUS="$WORK/corpus"

for tool in hyperfine python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

echo "== rule evaluation alone (10,000 workload facts)"
cargo bench --quiet --bench engine

rm -rf "$CORPUS"
mkdir -p "$CORPUS"
python3 - "$CORPUS" <<'PY'
import os, sys
root = sys.argv[1]
for p in range(1000):
    d = os.path.join(root, f"team{p % 50:02d}", f"proj{p:04d}")
    os.makedirs(d, exist_ok=True)
    out = ["x-defaults: &defaults", "  restart: unless-stopped", "  logging: {driver: json-file}", "services:"]
    for s in range(10):
        i = p * 10 + s
        secure = i % 3 == 0
        out.append(f"  svc{s}:")
        out.append("    <<: *defaults")
        if s == 0:
            out.append("    build: .")
        else:
            out.append(f"    image: registry.example.test/team/app{i % 50}:{'1.%d' % (i % 9) if secure else 'latest'}")
        if secure:
            out += ["    user: \"1001:1001\"", "    cap_drop: [ALL]", "    read_only: true",
                    "    security_opt: [\"no-new-privileges:true\"]",
                    "    deploy: {resources: {limits: {cpus: \"2\", memory: 2G, pids: 200}}}",
                    "    healthcheck: {test: [\"CMD\", \"/health\"], interval: 30s}"]
        else:
            out += ["    cap_add: [NET_ADMIN, sys_time]", "    mem_limit: 512m", f"    cpus: {0.5 + i % 3}"]
        if i % 7 == 0:
            out += ["    ports:", "      - \"6379:6379\"", "      - \"127.0.0.1:3000:3000\"",
                    "      - target: 8080", "        published: \"8080\""]
        if i % 13 == 0:
            out += ["    volumes:", "      - /var/run/docker.sock:/var/run/docker.sock:ro", "      - data:/data"]
        if i % 17 == 0:
            out += ["    privileged: true", "    network_mode: host"]
        out += ["    environment:", "      NODE_ENV: production", "      REDIS_URL: redis://redis:6379",
                "      REDIS_PASSWORD: ${REDIS_PASSWORD}" if secure else f"      REDIS_PASSWORD: \"pw-{i:08x}-Xk29qLm\""]
    with open(os.path.join(d, "docker-compose.yml"), "w") as f:
        f.write("\n".join(out) + "\n")
    secure = p % 2 == 0
    with open(os.path.join(d, "Dockerfile"), "w") as f:
        f.write("# syntax=docker/dockerfile:1\nFROM node:20-alpine AS build\nWORKDIR /app\nCOPY . .\n"
                "RUN npm ci && npm run build\n"
                f"FROM node:{'20-alpine' if secure else 'latest'}\n"
                + ("" if secure else "RUN curl -fsSL https://example.test/install.sh | sh\nENV API_TOKEN=tok-Qw8Er7Ty6Ui5Op4\n")
                + "COPY --from=build /app /app\n"
                + ("USER 1001\nHEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:3000/ || exit 1\n" if secure else "")
                + "CMD [\"node\", \"server.js\"]\n")
PY
echo "corpus: $(find "$CORPUS" -name docker-compose.yml | wc -l) compose files, $(find "$CORPUS" -name Dockerfile | wc -l) Dockerfiles, $(du -sh "$CORPUS" | cut -f1)"

cargo build --release --quiet
STACKAUDIT="$PWD/target/release/stackaudit"
SA_CMD="$STACKAUDIT scan $CORPUS --format json --exit-zero > $WORK/stackaudit.json"
hyperfine --warmup 2 --runs "$RUNS" --export-json "$WORK/stackaudit.hyperfine.json" -n stackaudit "$SA_CMD"

peak() { { /usr/bin/time -v sh -c "$1" 2>&1 >/dev/null || true; } | awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}'; }
SA_RSS=$(peak "$SA_CMD")

CK_NOTE="checkov: skipped"
if [ -z "${SKIP_CHECKOV:-}" ]; then
  if [ ! -x "$CHECKOV_VENV/bin/checkov" ]; then
    python3 -m venv "$CHECKOV_VENV" && "$CHECKOV_VENV/bin/pip" install --quiet checkov || true
  fi
fi
if [ -z "${SKIP_CHECKOV:-}" ] && [ -x "$CHECKOV_VENV/bin/checkov" ]; then
  CHECKOV="$CHECKOV_VENV/bin/checkov"
  CK_CMD="$CHECKOV -d $CORPUS --framework dockerfile --quiet --compact -o json > $WORK/checkov.json"
  hyperfine --warmup 0 --runs "$CHECKOV_RUNS" -i --export-json "$WORK/checkov.hyperfine.json" -n checkov "$CK_CMD"
  CK_RSS=$(peak "$CK_CMD")
  CK_NOTE="checkov $("$CHECKOV" --version) rss=$CK_RSS"
fi

python3 - "$WORK" "$SA_RSS" "$CK_NOTE" <<'PY'
import json, os, sys
work, sa_rss, ck_note = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sa = json.load(open(f"{work}/stackaudit.hyperfine.json"))["results"][0]
report = json.load(open(f"{work}/stackaudit.json"))
workloads = sum(1 for f in report["facts"] if f["kind"] == "workload")
print()
print(f"{'tool':<12}{'mean wall':>12}{'stddev':>10}{'peak RSS':>12}")
print(f"{'stackaudit':<12}{sa['mean']:>11.3f}s{sa['stddev']:>9.3f}s{sa_rss / 1024:>10.1f}MB")
if os.path.exists(f"{work}/checkov.hyperfine.json") and "rss=" in ck_note:
    ck = json.load(open(f"{work}/checkov.hyperfine.json"))["results"][0]
    ck_rss = int(ck_note.rsplit("rss=", 1)[1])
    print(f"{'checkov':<12}{ck['mean']:>11.3f}s{(ck['stddev'] or 0):>9.3f}s{ck_rss / 1024:>10.1f}MB  (Dockerfiles only)")
else:
    print(ck_note)
print(f"stackaudit: {workloads} workloads, {len(report['facts'])} facts, {len(report['findings'])} findings, {len(report['errors'])} errors")
PY
