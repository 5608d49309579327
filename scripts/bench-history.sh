#!/usr/bin/env bash
# Scheduled-audit benchmarks: diffing two reports of 100,000 findings each,
# and the history folder's size after 400 simulated daily runs with the
# default retention. Usage: scripts/bench-history.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin="$PWD/target/release/stackaudit"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work" <<'PY'
import json, sys, hashlib
work = sys.argv[1]
def finding(i, run):
    fid = hashlib.blake2b(f"f{i}".encode(), digest_size=16).hexdigest()
    return {"id": fid, "rule_id": f"rule-{i % 40}", "severity": ["critical","high","medium","low","info"][i % 5],
            "title": "t", "message": f"finding {i} of run {run}",
            "subject": {"kind": "workload", "name": f"svc-{i}", "scope": "docker-compose.yml"},
            "location": {"path": "docker-compose.yml", "line": i % 500 + 1},
            "references": ["CIS Docker Benchmark 5.10"], "remediation": "fix", "suppressed": False, "baseline": False}
def report(run, ids, minute):
    fs = [finding(i, run) for i in ids]
    return {"schema_version": "1.0.0", "tool": {"name": "stackaudit", "version": "0.1.0"},
            "started_at": f"2026-11-25T03:{minute:02d}:00Z", "finished_at": f"2026-11-25T03:{minute:02d}:02Z",
            "targets": {"paths": ["."], "files_scanned": 1000},
            "summary": {"critical": 0, "high": 0, "medium": 0, "low": 0, "info": 0, "total": len(fs), "suppressed": 0, "baseline": 0, "errors": 0},
            "gate": {"fail_on": "high", "status": "failed", "exit_code": 1},
            "findings": fs, "errors": []}
# 90,000 shared, 10,000 resolved, 10,000 new.
json.dump(report("old", range(0, 100_000), 0), open(f"{work}/old.json", "w"))
json.dump(report("new", range(10_000, 110_000), 5), open(f"{work}/new.json", "w"))
PY
ls -la "$work"/old.json "$work"/new.json
"$bin" diff "$work/old.json" "$work/new.json" | head -1
hyperfine --warmup 1 --runs 5 "$bin diff $work/old.json $work/new.json --format json > /dev/null"
/usr/bin/time -v "$bin" diff "$work/old.json" "$work/new.json" --format json 2>&1 >/dev/null | grep -E "Elapsed|Maximum resident"

# 400 daily runs of a realistic report (the example stack's) into one
# history folder, retention applied after each run as a real run does.
cargo run --release --quiet -- scan examples/stack --format json --exit-zero > "$work/sample.json" || true
hist="$work/history"; mkdir -p "$hist"
python3 - "$work/sample.json" "$hist" <<'PY'
import sys, datetime, shutil, os, subprocess
sample, hist = sys.argv[1], sys.argv[2]
start = datetime.datetime(2025, 10, 21, 3, 15)
for d in range(400):
    t = start + datetime.timedelta(days=d)
    shutil.copy(sample, os.path.join(hist, t.strftime("stackaudit-%Y%m%dT%H%M%S.000Z.json")))
PY
# One real run prunes the folder exactly as after each scheduled run.
"$bin" scan examples/stack --history "$hist" --format json --exit-zero > /dev/null
echo "history after 400 daily runs + retention: $(ls "$hist"/stackaudit-*.json | wc -l) reports, $(du -sh "$hist" | cut -f1) ($(du -sb "$hist" | cut -f1) bytes); one report: $(stat -c %s "$work/sample.json") bytes"
