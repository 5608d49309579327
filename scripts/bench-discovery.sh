#!/usr/bin/env bash
# File discovery and the nginx collector on a generated repository: a git
# work tree with FILES small source files, NGINX nginx files (conf.d sites
# sharing snippets through relative includes, plus supervisord/php-fpm .conf
# look-alikes), and an ignored node_modules of IGNORED files; half the nginx
# files are committed although .gitignore matches them.
#
#   scripts/bench-discovery.sh                    # builds target/release
#   SA=/path/to/stackaudit scripts/bench-discovery.sh
#   BEFORE=/path/to/old/stackaudit scripts/bench-discovery.sh   # compare
#
# Prints wall time and peak RSS (median of RUNS runs, /usr/bin/time -v),
# the files scanned and the nginx servers found. The tree stays in $WORK.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-/tmp/discbench}
FILES=${FILES:-20000}
NGINX=${NGINX:-2000}
IGNORED=${IGNORED:-50000}
RUNS=${RUNS:-5}

if [ -z "${SA:-}" ]; then
  (cd "$ROOT" && cargo build --release --quiet)
  SA=$ROOT/target/release/stackaudit
fi

TREE=$WORK/repo-$FILES-$NGINX-$IGNORED
if [ ! -f "$TREE/.done" ]; then
  rm -rf "$TREE"
  mkdir -p "$TREE"
  python3 - "$TREE" "$FILES" "$NGINX" "$IGNORED" <<'PY'
import os, sys
tree, files, nginx, ignored = sys.argv[1], *map(int, sys.argv[2:])
def write(rel, text):
    path = os.path.join(tree, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
write(".gitignore", "node_modules/\nlocal/\n")
for i in range(files):
    write(f"src/m{i % 200}/f{i}.py", f"def f{i}():\n    return {i}\n")
for i in range(ignored):
    write(f"node_modules/p{i % 500}/i{i}.js", "module.exports = 1;\n")
sites = nginx * 8 // 10
for s in range(sites // 50 + 1):
    for folder in ("deploy", "local"):
        write(f"{folder}/s{s}/snippets/tls.conf", "ssl_protocols TLSv1.2 TLSv1.3;\nssl_ciphers HIGH:!aNULL:!MD5;\n")
for i in range(sites):
    s = i // 50
    folder = "local" if i % 2 else "deploy"
    write(f"{folder}/s{s}/conf.d/site{i}.conf",
          f"server {{\n    listen 443 ssl;\n    server_name site{i}.example.test;\n    server_tokens off;\n"
          f"    include snippets/tls.conf;\n    location / {{ proxy_pass http://127.0.0.1:{3000 + i % 1000}; }}\n}}\n")
for i in range(nginx - sites):
    write(f"services/svc{i}/conf.d/supervisord.conf", "[program:app]\ncommand=/app/run ; start\nautorestart=true\n")
PY
  (cd "$TREE" && git init -q && git add . && git add -f local >/dev/null && touch .done)
fi

measure() {
  local bin=$1 label=$2
  local times=() rss=()
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -v -o "$WORK/time.txt" "$bin" scan --format json . >"$WORK/out.json" 2>/dev/null || true
    times+=("$(awk -F': ' '/Elapsed/ {split($2,a,":"); print a[1]*60+a[2]}' "$WORK/time.txt")")
    rss+=("$(awk -F': ' '/Maximum resident/ {print $2}' "$WORK/time.txt")")
  done
  local t r
  t=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
  r=$(printf '%s\n' "${rss[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
  python3 - "$WORK/out.json" "$label" "$t" "$r" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
servers = sum(1 for f in report["facts"] if f["kind"] == "nginx_server")
print(f"{sys.argv[2]:>7}: {float(sys.argv[3]):6.2f} s  {int(sys.argv[4]) / 1024:6.0f} MB  "
      f"files scanned {report['targets']['files_scanned']}, nginx servers {servers}, "
      f"errors {len(report['errors'])}, skipped {len(report['skipped'])}")
PY
}

cd "$TREE"
echo "tree: $FILES source files, $NGINX nginx-looking files, $IGNORED ignored; median of $RUNS runs"
if [ -n "${BEFORE:-}" ]; then
  measure "$BEFORE" before
fi
measure "$SA" after
