#!/usr/bin/env bash
# TLS audit benchmark: stackaudit vs sslscan vs testssl.sh on the same local
# servers, in one run.
#
#   1. A matrix of real servers on 127.0.0.1 (openssl s_server with several
#      protocol/cipher settings, nginx with the deployment guide's TLS
#      config), certificates from a throw-away CA.
#   2. Per endpoint: wall time of a full audit (protocols, cipher suites,
#      certificate) by stackaudit and sslscan (hyperfine, 5 runs), and each
#      tool's protocol verdicts, which must agree on every server. testssl.sh
#      takes minutes per full audit on this machine, so its full audit
#      (-p -e -S) is timed once, on the first server (TESTSSL_FULL=all for
#      every server); elsewhere it runs protocols only (-p) for the verdicts.
#   3. 100 endpoints (one nginx, 100 TLS server blocks) audited concurrently
#      by one stackaudit run, and by 100 sslscan processes in parallel.
#
# Usage: scripts/bench-tls.sh            (builds the release binary)
#        STACKAUDIT_BIN=path scripts/bench-tls.sh
# Exit status 1 when a verdict disagrees or a target is missed.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v sslscan >/dev/null || need+=(sslscan)
command -v testssl >/dev/null || need+=(testssl.sh)
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v nginx >/dev/null || need+=(nginx-light)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ -z "${STACKAUDIT_BIN:-}" ]; then
  cargo build --release --quiet
  STACKAUDIT_BIN="$PWD/target/release/stackaudit"
fi
# The runs happen in a scratch folder: a relative path would not resolve there.
STACKAUDIT_BIN="$(realpath "$STACKAUDIT_BIN")"
RUNS="${RUNS:-5}"
OUT="${OUT:-$PWD/target/bench-tls}"
rm -rf "$OUT" && mkdir -p "$OUT"
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nothing listens on $1" >&2
  return 1
}

# --- certificates --------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=bench CA" \
  -keyout "$WORK/ca.key" -out "$WORK/ca.pem" 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -subj "/CN=localhost" \
  -keyout "$WORK/leaf.key" -out "$WORK/leaf.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' >"$WORK/ext.cnf"
openssl x509 -req -in "$WORK/leaf.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial \
  -days 20 -extfile "$WORK/ext.cnf" -out "$WORK/leaf.pem" 2>/dev/null

# --- server matrix -------------------------------------------------------
declare -A PORT ARGS
ARGS[modern]="-min_protocol TLSv1.2"
ARGS[tls12-only]="-min_protocol TLSv1.2 -max_protocol TLSv1.2"
ARGS[tls13-only]="-min_protocol TLSv1.3"
ARGS[legacy]="-min_protocol TLSv1 -max_protocol TLSv1.2 -cipher ALL:@SECLEVEL=0"
ARGS[cbc-rsa]="-max_protocol TLSv1.2 -cipher AES128-SHA:AES256-SHA"
SERVERS=(modern tls12-only tls13-only legacy cbc-rsa nginx-guide)
for name in modern tls12-only tls13-only legacy cbc-rsa; do
  PORT[$name]=$(free_port)
  # shellcheck disable=SC2086
  openssl s_server -www -quiet -accept "127.0.0.1:${PORT[$name]}" -cert "$WORK/leaf.pem" -key "$WORK/leaf.key" \
    ${ARGS[$name]} </dev/null >/dev/null 2>&1 &
  PIDS+=($!)
done

# nginx: the guide's server, plus 100 copies for the concurrency run.
mkdir -p "$WORK/nginx"
PORT[nginx-guide]=$(free_port)
MANY=()
{
  echo "worker_processes 2; error_log $WORK/nginx/error.log; pid $WORK/nginx/nginx.pid;"
  echo "events { worker_connections 4096; }"
  echo "http { access_log off;"
  echo " ssl_certificate $WORK/leaf.pem; ssl_certificate_key $WORK/leaf.key;"
  echo " ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers HIGH:!aNULL:!MD5;"
  echo " server { listen 127.0.0.1:${PORT[nginx-guide]} ssl; return 200; }"
  for i in $(seq 100); do
    p=$(free_port); MANY+=("$p")
    echo " server { listen 127.0.0.1:$p ssl; return 200; }"
  done
  echo "}"
} >"$WORK/nginx/nginx.conf"
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' </dev/null >/dev/null 2>&1 &
PIDS+=($!)
for name in "${SERVERS[@]}"; do wait_port "${PORT[$name]}"; done
for p in "${MANY[@]}"; do wait_port "$p"; done

# --- per endpoint --------------------------------------------------------
stackaudit_scan() { # port out.json
  (cd "$WORK" && "$STACKAUDIT_BIN" scan --format json --exit-zero --tls "127.0.0.1:$1,localhost" "$WORK/empty" >"$2" 2>/dev/null)
}
mkdir -p "$WORK/empty"
: >"$WORK/empty/.keep"

verdicts_stackaudit() { # json -> "TLSv1 TLSv1.1 ..." accepted
  python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
acc = [f["data"]["accepted_protocols"] for f in r["facts"] if f["kind"] == "tls_endpoint"]
names = {"SSLv3": "SSLv3", "TLSv1": "TLSv1.0", "TLSv1.1": "TLSv1.1", "TLSv1.2": "TLSv1.2", "TLSv1.3": "TLSv1.3"}
print(" ".join(names[p] for p in acc[0]) if acc else "ERROR")
PY
}
verdicts_sslscan() { # xml
  python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
out = []
for p in root.iter("protocol"):
    if p.get("enabled") == "1":
        v = p.get("version")
        out.append(("SSLv" if p.get("type") == "ssl" else "TLSv") + v)
order = ["SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
print(" ".join(sorted(out, key=order.index)))
PY
}
verdicts_testssl() { # json
  python3 - "$1" <<'PY'
import json, sys
ids = {"SSLv2": "SSLv2", "SSLv3": "SSLv3", "TLS1": "TLSv1.0", "TLS1_1": "TLSv1.1", "TLS1_2": "TLSv1.2", "TLS1_3": "TLSv1.3"}
data = json.load(open(sys.argv[1]))
items = data["scanResult"][0]["protocols"] if isinstance(data, dict) else data
out = [ids[i["id"]] for i in items if i["id"] in ids and i["finding"].startswith("offered")]
print(" ".join(out))
PY
}

mean() { python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["mean"])' "$1"; }

status=0
printf '| server | stackaudit (s) | sslscan (s) | testssl.sh (s) | sslscan/stackaudit | protocols (stackaudit) | sslscan | testssl.sh | agree |\n' | tee "$OUT/results.md"
printf '|---|---|---|---|---|---|---|---|---|\n' | tee -a "$OUT/results.md"
for name in "${SERVERS[@]}"; do
  [ "${ONLY_MANY:-0}" = 1 ] && break # ONLY_MANY=1: just the 100-endpoint run
  port=${PORT[$name]}
  hyperfine -N -i --runs "$RUNS" --warmup 1 --export-json "$OUT/$name-stackaudit.json" \
    "$STACKAUDIT_BIN scan --format json --exit-zero --tls 127.0.0.1:$port,localhost $WORK/empty" >/dev/null 2>&1
  hyperfine -N -i --runs "$RUNS" --warmup 1 --export-json "$OUT/$name-sslscan.json" \
    "sslscan --no-colour --sni-name=localhost 127.0.0.1:$port" >/dev/null 2>&1
  stackaudit_scan "$port" "$OUT/$name-report.json"
  sslscan --no-colour --sni-name=localhost --xml="$OUT/$name-sslscan.xml" "127.0.0.1:$port" >/dev/null 2>&1 || true
  if [ "$name" = "${SERVERS[0]}" ] || [ "${TESTSSL_FULL:-first}" = all ]; then
    scope=(-p -e -S); label=full
  else
    scope=(-p); label="-p only"
  fi
  t0=$(date +%s.%N)
  testssl --quiet --color 0 --warnings off --openssl-timeout 5 "${scope[@]}" --jsonfile "$OUT/$name-testssl.json" \
    "127.0.0.1:$port" >"$OUT/$name-testssl.log" 2>&1 || true
  t1=$(date +%s.%N)
  ts=$(python3 -c "print('%.1f' % ($t1 - $t0))")" ($label)"
  sa=$(mean "$OUT/$name-stackaudit.json")
  ss=$(mean "$OUT/$name-sslscan.json")
  ratio=$(python3 -c "print('%.1fx' % ($ss / $sa))")
  v_sa=$(verdicts_stackaudit "$OUT/$name-report.json")
  v_ss=$(verdicts_sslscan "$OUT/$name-sslscan.xml")
  v_ts=$(verdicts_testssl "$OUT/$name-testssl.json")
  agree=yes
  [ "$v_sa" = "$v_ss" ] && [ "$v_sa" = "$v_ts" ] || { agree=NO; status=1; }
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$sa" "$ss" "$ts" "$ratio" "$v_sa" "$v_ss" "$v_ts" "$agree" \
    | tee -a "$OUT/results.md"
done

# --- 100 endpoints at once ----------------------------------------------
args=()
for p in "${MANY[@]}"; do args+=(--tls "127.0.0.1:$p,localhost"); done
t0=$(date +%s.%N)
(cd "$WORK" && "$STACKAUDIT_BIN" scan --format json --exit-zero "${args[@]}" "$WORK/empty" >"$OUT/many-report.json" 2>/dev/null)
t1=$(date +%s.%N)
many_sa=$(python3 -c "print('%.2f' % ($t1 - $t0))")
facts=$(python3 -c "import json; r=json.load(open('$OUT/many-report.json')); print(sum(1 for f in r['facts'] if f['kind']=='tls_endpoint' and f['data']['accepted_protocols']==['TLSv1.2','TLSv1.3']), len(r['errors']))")
t0=$(date +%s.%N)
printf '%s\n' "${MANY[@]}" | xargs -P 100 -I{} sh -c 'sslscan --no-colour --sni-name=localhost 127.0.0.1:{} >/dev/null 2>&1'
t1=$(date +%s.%N)
many_ss=$(python3 -c "print('%.2f' % ($t1 - $t0))")
{
  echo
  echo "100 endpoints concurrently: stackaudit ${many_sa} s (endpoints with TLSv1.2+1.3 and errors: $facts); sslscan x100 in parallel ${many_ss} s"
  echo "target: < 5 s for stackaudit; per endpoint at least 5x faster than sslscan"
} | tee -a "$OUT/results.md"
python3 -c "import sys; sys.exit(0 if float('$many_sa') < 5 else 1)" || status=1
echo "raw results in $OUT" >&2
exit $status
