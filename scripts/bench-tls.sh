#!/usr/bin/env bash
# TLS audit benchmark: stackaudit vs sslscan (and testssl.sh's verdicts) on
# the same local servers, in one run.
#
#   1. A matrix of real servers on 127.0.0.1 (openssl s_server with several
#      protocol/cipher settings, nginx with the deployment guide's TLS
#      config), certificates from a throw-away CA.
#   2. Per server: a full audit (protocols, cipher suites, certificate) by
#      stackaudit and by sslscan, one warm-up each, then RUNS runs of each
#      taken alternately (stackaudit, sslscan, stackaudit, ...) so that a
#      change in the machine's load hits both; mean and median wall times and
#      the ratio sslscan/stackaudit of the means. Verdicts must agree: the
#      accepted protocols and, for each, the accepted cipher suites (by code
#      point) of stackaudit and sslscan, and testssl.sh's protocol verdicts
#      (`-p`; TESTSSL=0 skips it, it takes 10-45 s per server).
#   3. 100 endpoints (one nginx, 100 TLS server blocks) audited concurrently
#      by one stackaudit run (MANY_RUNS runs), and by 100 sslscan processes
#      in parallel (once).
#
# Usage: scripts/bench-tls.sh            (builds the release binary)
#        STACKAUDIT_BIN=path RUNS=10 scripts/bench-tls.sh
#        ONLY_MANY=1 scripts/bench-tls.sh     (just the 100-endpoint run)
# Targets: every server at least TARGET_RATIO (10) times faster than sslscan;
# 100 endpoints in under TARGET_MANY (1) seconds in every run.
# Exit status 1 when a verdict disagrees or a target is missed.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-10}"
MANY_RUNS="${MANY_RUNS:-5}"
TESTSSL="${TESTSSL:-1}"
TARGET_RATIO="${TARGET_RATIO:-10}"
TARGET_MANY="${TARGET_MANY:-1}"

need=()
command -v sslscan >/dev/null || need+=(sslscan)
[ "$TESTSSL" = 0 ] || command -v testssl >/dev/null || need+=(testssl.sh)
command -v nginx >/dev/null || need+=(nginx-light)
command -v openssl >/dev/null || need+=(openssl)
command -v python3 >/dev/null || need+=(python3)
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
mkdir -p "$WORK/empty"
: >"$WORK/empty/.keep"

# IANA name -> code point, for comparing suite lists with sslscan's.
openssl ciphers -V -stdname 'ALL:COMPLEMENTOFALL:@SECLEVEL=0' >"$OUT/openssl-ciphers.txt"

# Alternating timer: warm-up of each command, then RUNS rounds of A then B.
cat >"$WORK/alternate.py" <<'PY'
import json, statistics, subprocess, sys, time
runs, cwd, a, b = int(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
def once(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t
once(a); once(b)
ta, tb = [], []
for _ in range(runs):
    ta.append(once(a))
    tb.append(once(b))
json.dump({"a": ta, "b": tb}, sys.stdout)
PY

# Per protocol, the accepted suites as code points: stackaudit's report...
suites_stackaudit() { # report.json
  python3 - "$1" "$OUT/openssl-ciphers.txt" <<'PY'
import json, sys
ids = {}
for line in open(sys.argv[2]):
    parts = line.split()
    if len(parts) > 2:
        hi, lo = parts[0].split(",")
        ids[parts[2]] = "0x%02X%02X" % (int(hi, 16), int(lo, 16))
names = {"SSLv3": "SSLv3", "TLSv1": "TLSv1.0", "TLSv1.1": "TLSv1.1", "TLSv1.2": "TLSv1.2", "TLSv1.3": "TLSv1.3"}
r = json.load(open(sys.argv[1]))
facts = [f["data"] for f in r["facts"] if f["kind"] == "tls_endpoint"]
if not facts:
    print("ERROR")
    sys.exit()
out = {names[p["version"]]: sorted(ids.get(s, s) for s in p["suites"]) for p in facts[0]["protocols"] if p["accepted"]}
print(json.dumps(out, sort_keys=True))
PY
}
# ... and sslscan's XML.
suites_sslscan() { # sslscan.xml
  python3 - "$1" <<'PY'
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
out = {}
for p in root.iter("protocol"):
    if p.get("enabled") == "1":
        out[("SSLv" if p.get("type") == "ssl" else "TLSv") + p.get("version")] = []
for c in root.iter("cipher"):
    if c.get("status") in ("accepted", "preferred"):
        out.setdefault(c.get("sslversion"), []).append("0x%04X" % int(c.get("id"), 16))
print(json.dumps({k: sorted(v) for k, v in out.items()}, sort_keys=True))
PY
}
protocols() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); order=["SSLv2","SSLv3","TLSv1.0","TLSv1.1","TLSv1.2","TLSv1.3"]; print(" ".join(sorted(d, key=order.index)) if isinstance(d, dict) else d)' "$1"; }
verdicts_testssl() { # json
  python3 - "$1" <<'PY'
import json, sys
ids = {"SSLv2": "SSLv2", "SSLv3": "SSLv3", "TLS1": "TLSv1.0", "TLS1_1": "TLSv1.1", "TLS1_2": "TLSv1.2", "TLS1_3": "TLSv1.3"}
try:
    data = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    print("ERROR")
    sys.exit()
items = data["scanResult"][0]["protocols"] if isinstance(data, dict) else data
print(" ".join(ids[i["id"]] for i in items if i["id"] in ids and i["finding"].startswith("offered")))
PY
}

status=0
printf '| server | stackaudit mean / median (s) | sslscan mean / median (s) | sslscan/stackaudit | protocols | suites per protocol | agree (sslscan%s) |\n' \
  "$([ "$TESTSSL" = 0 ] || echo ", testssl.sh")" | tee "$OUT/results.md"
printf '|---|---|---|---|---|---|---|\n' | tee -a "$OUT/results.md"
for name in "${SERVERS[@]}"; do
  [ "${ONLY_MANY:-0}" = 1 ] && break
  port=${PORT[$name]}
  sa=(scan --format json --exit-zero --tls "127.0.0.1:$port,localhost" "$WORK/empty")
  python3 "$WORK/alternate.py" "$RUNS" "$WORK" \
    "$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "$STACKAUDIT_BIN" "${sa[@]}")" \
    "$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1:]))' sslscan --no-colour --sni-name=localhost "127.0.0.1:$port")" \
    >"$OUT/$name-times.json"
  (cd "$WORK" && "$STACKAUDIT_BIN" "${sa[@]}" >"$OUT/$name-report.json" 2>/dev/null) || true
  sslscan --no-colour --sni-name=localhost --xml="$OUT/$name-sslscan.xml" "127.0.0.1:$port" >/dev/null 2>&1 || true
  read -r sa_mean sa_median ss_mean ss_median ratio < <(python3 - "$OUT/$name-times.json" <<'PY'
import json, statistics, sys
t = json.load(open(sys.argv[1]))
a, b = t["a"], t["b"]
print("%.3f %.3f %.3f %.3f %.1f" % (statistics.mean(a), statistics.median(a), statistics.mean(b), statistics.median(b), statistics.mean(b) / statistics.mean(a)))
PY
)
  v_sa=$(suites_stackaudit "$OUT/$name-report.json")
  v_ss=$(suites_sslscan "$OUT/$name-sslscan.xml")
  agree=yes
  [ "$v_sa" = "$v_ss" ] || { agree="NO (sslscan: $(protocols "$v_ss") $v_ss)"; status=1; }
  if [ "$TESTSSL" != 0 ]; then
    testssl --quiet --color 0 --warnings off --openssl-timeout 5 -p --jsonfile "$OUT/$name-testssl.json" \
      "127.0.0.1:$port" >"$OUT/$name-testssl.log" 2>&1 || true
    v_ts=$(verdicts_testssl "$OUT/$name-testssl.json")
    [ "$(protocols "$v_sa")" = "$v_ts" ] || { agree="$agree; NO (testssl.sh: $v_ts)"; status=1; }
  fi
  counts=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(", ".join("%s %d" % (k, len(v)) for k, v in d.items()) if isinstance(d, dict) else d)' "$v_sa")
  python3 -c "import sys; sys.exit(0 if $ratio >= $TARGET_RATIO else 1)" || status=1
  printf '| %s | %s / %s | %s / %s | %sx | %s | %s | %s |\n' "$name" "$sa_mean" "$sa_median" "$ss_mean" "$ss_median" \
    "$ratio" "$(protocols "$v_sa")" "$counts" "$agree" | tee -a "$OUT/results.md"
done

# --- 100 endpoints at once ----------------------------------------------
args=()
for p in "${MANY[@]}"; do args+=(--tls "127.0.0.1:$p,localhost"); done
many=()
for i in $(seq "$MANY_RUNS"); do
  t0=$(date +%s.%N)
  (cd "$WORK" && "$STACKAUDIT_BIN" scan --format json --exit-zero "${args[@]}" "$WORK/empty" >"$OUT/many-report.json" 2>/dev/null) || true
  t1=$(date +%s.%N)
  many+=("$(python3 -c "print('%.2f' % ($t1 - $t0))")")
done
facts=$(python3 -c "import json; r=json.load(open('$OUT/many-report.json')); print(sum(1 for f in r['facts'] if f['kind']=='tls_endpoint' and f['data']['accepted_protocols']==['TLSv1.2','TLSv1.3']), len(r['errors']))")
t0=$(date +%s.%N)
printf '%s\n' "${MANY[@]}" | xargs -P 100 -I{} sh -c 'sslscan --no-colour --sni-name=localhost 127.0.0.1:{} >/dev/null 2>&1'
t1=$(date +%s.%N)
many_ss=$(python3 -c "print('%.2f' % ($t1 - $t0))")
worst=$(printf '%s\n' "${many[@]}" | sort -n | tail -1)
{
  echo
  echo "100 endpoints concurrently: stackaudit ${many[*]} s ($MANY_RUNS runs; endpoints with TLSv1.2+1.3 and errors: $facts); sslscan x100 in parallel ${many_ss} s"
  echo "targets: every server at least ${TARGET_RATIO}x faster than sslscan; 100 endpoints under ${TARGET_MANY} s"
} | tee -a "$OUT/results.md"
python3 -c "import sys; sys.exit(0 if float('$worst') < $TARGET_MANY else 1)" || status=1
echo "raw results in $OUT" >&2
exit $status
