#!/usr/bin/env bash
# Benchmark of the report renderers: re-renders a saved JSON report of
# 10,000 findings (the sample fixture multiplied, each finding its own
# subject) in every format with `stackaudit report`, side by side with `jq .`
# over the same file as the floor (parsing and printing the JSON, nothing
# else; no installed peer tool renders HTML, SARIF or JUnit from a saved
# report). Wall time from hyperfine, peak memory from /usr/bin/time -v.
#
# Usage: scripts/bench-reports.sh [FINDINGS]   (default 10000)
set -euo pipefail
cd "$(dirname "$0")/.."

n="${1:-10000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet
bin="$PWD/target/release/stackaudit"

python3 - "$n" tests/fixtures/reports/sample.json "$work/big.json" <<'EOF'
import copy, hashlib, json, sys
n, src, dst = int(sys.argv[1]), sys.argv[2], sys.argv[3]
report = json.load(open(src))
base = report["findings"]
findings = []
for i in range(n):
    f = copy.deepcopy(base[i % len(base)])
    f["id"] = hashlib.blake2b(str(i).encode(), digest_size=16).hexdigest()
    f["subject"]["name"] = f'{f["subject"]["name"]}-{i}'
    f["message"] = f'{f["subject"]["name"]}: {f["message"]}'
    findings.append(f)
report["findings"] = findings
report["summary"]["total"] = n
json.dump(report, open(dst, "w"))
EOF
echo "report: $n findings, $(du -h "$work/big.json" | cut -f1) of JSON"

for format in json html sarif junit table; do
  "$bin" report "$work/big.json" --format "$format" > "$work/out.$format"
  printf '%-6s output %s\n' "$format" "$(du -h "$work/out.$format" | cut -f1)"
done

hyperfine --warmup 1 --runs 5 --export-markdown "$work/bench.md" \
  -n "jq . (floor)" "jq . $work/big.json" \
  -n json "$bin report $work/big.json --format json" \
  -n html "$bin report $work/big.json --format html" \
  -n sarif "$bin report $work/big.json --format sarif" \
  -n junit "$bin report $work/big.json --format junit" \
  -n table "$bin report $work/big.json --format table"
cat "$work/bench.md"

echo
echo "peak memory (maximum resident set size):"
peak() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2 " kB"}'; }
printf '  %-12s %s\n' "jq ." "$(peak jq . "$work/big.json")"
for format in json html sarif junit table; do
  printf '  %-12s %s\n' "$format" "$(peak "$bin" report "$work/big.json" --format "$format")"
done
