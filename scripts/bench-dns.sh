#!/usr/bin/env bash
# DNS benchmark: N domains (500 by default), each its own zone in one local
# nsd, resolved and checked concurrently by stackaudit, side by side with
# checkdmarc (SPF/DMARC/MX checks, from PyPI in a /tmp venv) and `dig -f`
# asking the same questions stackaudit asks, one after the other.
#
# Everything stays on this machine: nsd listens on a loopback address of its
# own (127.53.x.y, port 53 because checkdmarc cannot use another port) and
# every record points at loopback addresses.
#
#   scripts/bench-dns.sh                 # 500 domains, 5 runs each
#   N=100 RUNS=3 scripts/bench-dns.sh
#   STACKAUDIT=target/profiling/stackaudit scripts/bench-dns.sh   # no release build
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-500}
RUNS=${RUNS:-5}
ADDR=${ADDR:-127.53.$((RANDOM % 200 + 10)).$((RANDOM % 200 + 10))}
WORK=$(mktemp -d /tmp/bench-dns.XXXXXX)
NSD_PID=""

cleanup() {
  if [ -n "$NSD_PID" ]; then
    kill -TERM "$NSD_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$NSD_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Install step: nsd, dig (bind9-dnsutils), GNU time, python3-venv for checkdmarc.
if ! command -v nsd >/dev/null || ! command -v dig >/dev/null || [ ! -x /usr/bin/time ]; then
  sudo -n true 2>/dev/null && SUDO="sudo -n" || SUDO=""
  $SUDO apt-get install -y --no-install-recommends nsd bind9-dnsutils time python3-venv >/dev/null
fi
for tool in nsd dig /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

if [ -z "${STACKAUDIT:-}" ]; then
  cargo build --release --locked --quiet
  STACKAUDIT=$PWD/target/release/stackaudit
fi

CHECKDMARC=/tmp/checkdmarc-venv/bin/checkdmarc
if [ ! -x "$CHECKDMARC" ]; then
  python3 -m venv /tmp/checkdmarc-venv
  /tmp/checkdmarc-venv/bin/pip install --quiet checkdmarc
fi

# --- zones -------------------------------------------------------------------
soa() { printf '$ORIGIN %s.\n$TTL 300\n@ IN SOA ns.bench.test. hostmaster.bench.test. 1 3600 600 86400 300\n@ IN NS ns.bench.test.\n' "$1"; }

{
  soa bench.test
  echo 'ns IN A 127.0.0.53'
  echo '_spf IN TXT "v=spf1 ip4:127.0.0.0/8 a:relay.bench.test -all"'
  echo 'relay IN A 127.0.0.25'
} > "$WORK/bench.test.zone"

cat > "$WORK/nsd.conf" <<EOF
server:
  ip-address: $ADDR@53
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "$WORK"
  pidfile: "$WORK/nsd.pid"
  database: ""
  zonelistfile: "$WORK/zone.list"
  xfrdfile: "$WORK/xfrd.state"
  xfrdir: "$WORK"
  logfile: "$WORK/nsd.log"
  server-count: 1
  tcp-count: 256
remote-control:
  control-enable: no
zone:
  name: bench.test
  zonefile: bench.test.zone
EOF

printf '[resolver]\nnameservers = ["%s:53"]\ntimeout_ms = 2000\n' "$ADDR" > "$WORK/stackaudit.toml"
: > "$WORK/domains.txt"
: > "$WORK/dig.batch"
for i in $(seq -f '%04g' 1 "$N"); do
  d="d$i.bench.test"
  {
    soa "$d"
    echo '@ IN A 127.0.0.80'
    echo 'www IN CNAME @'
    echo 'api IN CNAME @'
    echo '@ IN MX 10 mail'
    echo 'mail IN A 127.0.0.25'
    echo '@ IN TXT "verification=token-'"$i"'"'
    echo '@ IN TXT "v=spf1 mx include:_spf.bench.test -all"'
    echo '_dmarc IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@'"$d"'"'
    echo '@ IN CAA 0 issue "letsencrypt.org"'
    # Some drift for the rules to find: a dangling alias, a permissive policy.
    if [ $((10#$i % 10)) -eq 0 ]; then echo 'old IN CNAME gone.bench.test.'; fi
  } > "$WORK/$d.zone"
  printf 'zone:\n  name: %s\n  zonefile: %s.zone\n' "$d" "$d" >> "$WORK/nsd.conf"
  cat >> "$WORK/stackaudit.toml" <<EOF

[[dns]]
domain = "$d"
a = ["127.0.0.80"]
cname = { www = "@", api = "@" }
txt = ["verification=token-$i"]
mx = ["mail"]
subdomains = ["old"]
EOF
  echo "$d" >> "$WORK/domains.txt"
  # The questions stackaudit asks for this entry.
  for q in "$d SOA" "$d A" "$d MX" "www.$d A" "api.$d A" "old.$d A" "$d TXT" "$d CAA" "_dmarc.$d TXT" \
           "_spf.bench.test TXT"; do
    echo "@$ADDR +tries=1 +time=2 +noall +answer $q" >> "$WORK/dig.batch"
  done
done

nsd -d -c "$WORK/nsd.conf" >"$WORK/nsd.out" 2>&1 &
NSD_PID=$!
for _ in $(seq 100); do
  dig +short +tries=1 +time=1 "@$ADDR" "d0001.bench.test" SOA 2>/dev/null | grep -q . && break
  sleep 0.1
done
dig +short +tries=1 +time=1 "@$ADDR" "d$(printf '%04d' "$N").bench.test" SOA | grep -q . \
  || { echo "nsd is not answering on $ADDR:53:" >&2; cat "$WORK/nsd.log" "$WORK/nsd.out" >&2; exit 1; }
mkdir -p "$WORK/empty"

SA_CMD="$STACKAUDIT scan --config $WORK/stackaudit.toml --format json --exit-zero $WORK/empty > $WORK/stackaudit.json"
CD_CMD="$CHECKDMARC $WORK/domains.txt -t 2 -n $ADDR -o $WORK/checkdmarc.json"
DIG_CMD="dig -f $WORK/dig.batch > $WORK/dig.out"

echo "== $N domains, $(wc -l < "$WORK/dig.batch") questions per pass of dig, nsd on $ADDR:53"
# Alternating runs (stackaudit, checkdmarc, dig, stackaudit, ...); ratios
# are to stackaudit (above 1: the peer is slower).
python3 scripts/alternate.py "$RUNS" \
  "stackaudit ($N domains, all checks)" "$SA_CMD" \
  "checkdmarc ($N domains, SPF/DMARC/MX)" "$CD_CMD" \
  "dig -f (same questions, sequential)" "$DIG_CMD"

echo
echo "== peak memory (/usr/bin/time -v)"
for name in stackaudit checkdmarc dig; do
  case $name in
    stackaudit) cmd=$SA_CMD ;;
    checkdmarc) cmd=$CD_CMD ;;
    dig) cmd=$DIG_CMD ;;
  esac
  /usr/bin/time -v bash -c "$cmd" 2> "$WORK/time.$name" >/dev/null
  printf '%-12s %s, max RSS %s KB\n' "$name" \
    "$(grep 'Elapsed (wall clock)' "$WORK/time.$name" | awk '{print $NF}')" \
    "$(grep 'Maximum resident set size' "$WORK/time.$name" | awk '{print $NF}')"
done

echo
echo "== what stackaudit found"
python3 - "$WORK/stackaudit.json" <<'EOF'
import collections, json, sys
report = json.load(open(sys.argv[1]))
facts = [f for f in report["facts"] if f["kind"] == "dns_domain"]
queries = sum(len(f["data"]["lookups"]) for f in facts)
rules = collections.Counter(f["rule_id"] for f in report["findings"])
print(f"{len(facts)} domains, {queries} queries, {len(report['errors'])} errors, findings: {dict(rules)}")
EOF
