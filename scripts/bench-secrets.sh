#!/usr/bin/env bash
# Leaked-secrets benchmark: stackaudit vs ripsecrets vs detect-secrets on one
# generated corpus with planted secrets, in one run.
#
#   scripts/bench-secrets.sh            # 500 MB corpus in /tmp/secbench
#   CORPUS_MB=100 scripts/bench-secrets.sh
#
# The corpus is real source and config text (the crate sources cargo already
# downloaded, cycled to size) in 20 MB shards; each shard gets its own
# synthetic stack with planted secrets of every kind the issue lists, plus
# look-alikes that are not secrets (references, placeholders, documentation
# keys, UUIDs, lock-file checksums). detect-secrets runs at well under
# 1 MB/s, so it scans the first DS_SHARDS shards (20 MB each); the others
# scan everything. Recall and false findings are counted on the shards each
# tool scanned. Needs: ripsecrets (cargo install ripsecrets), detect-secrets
# (pip install detect-secrets), /usr/bin/time. The corpus stays in /tmp.
#
#   TOOLS=stackaudit scripts/bench-secrets.sh      # only the tools named
#   SA_BEFORE=/tmp/stackaudit-main scripts/bench-secrets.sh
#                                                  # also an earlier build
#
# Throughput floor: `grep -rF` with four fixed strings reads the same files
# and does nothing else. It runs alternately with stackaudit (and the
# SA_BEFORE build when given), FLOOR_RUNS rounds (5; 0 skips it), so load
# from other work on the machine falls on both alike; the medians, MB/s and
# the stackaudit/grep ratios of wall and CPU time (user + sys) are printed.
#
# Planted private keys have bodies that decode to a key structure (random
# bytes in a DER SEQUENCE, the OpenSSH magic): the scanner checks that. The
# run ends with pathological inputs for the secrets engine (one 16 MB line
# dense with keywords and secrets, a YAML file with 50,000 entries), timed
# per binary and stopped after STRESS_TIMEOUT seconds (300): the engine must
# stay linear in the input.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-/tmp/secbench}
CORPUS_MB=${CORPUS_MB:-500}
SHARD_MB=${SHARD_MB:-20}
DS_SHARDS=${DS_SHARDS:-1}
CORPUS=$WORK/corpus
mkdir -p "$WORK"

# /usr/bin/time (Debian package `time`) measures every run.
if [ ! -x /usr/bin/time ]; then
  echo "installing time" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends time >/dev/null
fi

TOOLS=${TOOLS:-stackaudit ripsecrets detect-secrets}
for tool in $TOOLS /usr/bin/time; do
  [ "$tool" = stackaudit ] && continue
  command -v "$tool" >/dev/null || { echo "missing $tool (see the header of this script; TOOLS= to skip it)" >&2; exit 2; }
done

# SA=/path/to/stackaudit skips the build (a release binary already built).
if [ -z "${SA:-}" ]; then
  (cd "$ROOT" && cargo build --release --quiet)
  SA=$ROOT/target/release/stackaudit
fi

if [ ! -f "$CORPUS/.done-$CORPUS_MB" ]; then
  rm -rf "$CORPUS"
  python3 - "$CORPUS" "$CORPUS_MB" "$SHARD_MB" <<'PY'
import base64, os, random, shutil, sys
corpus, total_mb, shard_mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
R = random.Random(1126)
AL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
HX = "0123456789abcdef"
B64 = AL + "+/"
URL = AL + "-_"
def r(a, n): return "".join(R.choice(a) for _ in range(n))

# Real text: the crate sources cargo downloaded (code, docs, manifests).
src_root = os.path.expanduser("~/.cargo/registry/src")
sources = []
for dp, dn, fn in os.walk(src_root):
    for f in fn:
        if f.endswith((".rs", ".md", ".toml", ".json", ".yml", ".yaml", ".txt", ".py", ".sh", ".c", ".h", ".js")):
            p = os.path.join(dp, f)
            try:
                sz = os.path.getsize(p)
            except OSError:
                continue
            if 0 < sz < 2_000_000:
                sources.append((p, sz))
sources.sort()
R.shuffle(sources)
if not sources:
    sys.exit("no source text found under ~/.cargo/registry/src (build the project first)")

def der_body(n, width=64):
    body = bytes([0x30, 0x82, n >> 8, n & 0xFF]) + bytes(R.randrange(256) for _ in range(n))
    s = base64.b64encode(body).decode()
    return [s[i:i + width] for i in range(0, len(s), width)]

def openssh_body():
    s = base64.b64encode(b"openssh-key-v1\0" + bytes(R.randrange(256) for _ in range(260))).decode()
    return [s[i:i + 70] for i in range(0, len(s), 70)]

def human_pw():
    words = ["horse", "Battery", "staple", "Correct", "sunny", "Dolphin", "maple", "Rocket", "violet", "Tiger"]
    return R.choice(words) + R.choice(["-", "_", ".", ""]) + R.choice(words) + str(R.randint(1, 999))

def planted_stack():
    """(relative path, text, [(first, last, kind)]) per file; lines 1-based."""
    files = {}
    def add(path, line_text, kind=None, extra_lines=0):
        lst = files.setdefault(path, [[], []])
        lines, marks = lst
        first = len(lines) + 1
        lines.extend(line_text.split("\n"))
        if kind:
            marks.append((first, first + line_text.count("\n"), kind))
    pem = "\n".join(der_body(470))
    # Filler and look-alikes that are not secrets, mixed in each file.
    def negatives(path):
        for t in ["REDIS_PASSWORD=${REDIS_PASSWORD}", "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
                  "DB_PASSWORD=changeme", "API_TOKEN=<your-api-token>", f"request_id: {r(HX,8)}-{r(HX,4)}-4{r(HX,3)}-a{r(HX,3)}-{r(HX,12)}",
                  f"commit: {r(HX, 40)}", f"checksum = \"sha256:{r(HX, 64)}\"", "password_file: /run/secrets/db_password",
                  "NODE_ENV=production", f"image: ghcr.io/acme/app@sha256:{r(HX, 64)}", "token_url: https://oauth2.googleapis.com/token",
                  "const password = process.env.DB_PASSWORD;", "secretName: redis-credentials", f"version_hash: {r(HX, 32)}"]:
            add(path, t)
    p = ".env"
    add(p, "# app"); negatives(p)
    add(p, f"GOOGLE_GENAI_API_KEY=AIza{r(URL, 35)}", "google-api-key")
    add(p, f"GEMINI_API_KEY={r(URL, 39)}", "gemini-key")
    add(p, f"AWS_ACCESS_KEY_ID=AKIA{r('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}", "aws-access-key")
    add(p, f"AWS_SECRET_ACCESS_KEY={r(AL + '/+', 40)}", "aws-secret-key")
    add(p, f"REDIS_PASSWORD={r(AL, 20)}", "generic-password")
    add(p, f"SESSION_SECRET={r(AL, 40)}", "generic-secret")
    add(p, f"STRIPE_SECRET_KEY=sk_live_{r(AL, 24)}", "stripe")
    add(p, f"SENDGRID_API_KEY=SG.{r(URL, 22)}.{r(URL, 43)}", "sendgrid")
    add(p, f"TWILIO_AUTH_TOKEN={r(HX, 32)}", "twilio")
    p = "docker-compose.yml"
    add(p, "services:\n  app:\n    image: app:1.0\n    environment:")
    add(p, f"      GITHUB_TOKEN: ghp_{r(AL, 36)}", "github-token")
    add(p, f"      DATABASE_URL: postgres://app:{human_pw()}@db:5432/app", "database-url")
    add(p, f"      REDIS_URL: redis://:{human_pw()}@redis:6379/0", "redis-url")
    add(p, f"      SLACK_WEBHOOK: https://hooks.slack.com/services/T{r(AL.upper(), 8)}/B{r(AL.upper(), 10)}/{r(AL, 24)}", "slack-webhook")
    add(p, "  redis:\n    image: redis:7")
    add(p, f"    command: [\"redis-server\", \"--requirepass\", \"{human_pw()}\"]", "redis-requirepass")
    p = "k8s/app.yaml"
    add(p, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\nstringData:")
    add(p, f"  SLACK_BOT_TOKEN: xoxb-{r('0123456789', 12)}-{r('0123456789', 13)}-{r(AL, 24)}", "slack-token")
    add(p, f"  GITLAB_TOKEN: glpat-{r(URL, 20)}", "gitlab-token")
    add(p, f"  NPM_TOKEN: npm_{r(AL, 36)}", "npm-token")
    p = "config/notes.txt"
    negatives(p)
    p = "config/redis.conf"
    add(p, "bind 0.0.0.0\nport 6379")
    add(p, f"requirepass {human_pw()}", "redis-requirepass")
    add(p, f"user app on >{human_pw()} ~cache:* +get +set", "redis-acl")
    p = "config/.htpasswd"
    add(p, f"admin:$apr1${r(AL, 8)}${r(AL + './', 22)}", "htpasswd")
    p = "config/docker-config.json"
    add(p, "{\n  \"auths\": {\n    \"registry.acme.io\": {")
    add(p, f"      \"auth\": \"{r(B64, 40)}\"", "docker-auth")
    add(p, "    }\n  }\n}")
    p = "config/sa.json"
    add(p, "{\n  \"type\": \"service_account\",\n  \"project_id\": \"shop-prod\",")
    add(p, f"  \"private_key_id\": \"{r(HX, 40)}\",", "gcp-service-account")
    add(p, "  \"private_key\": \"-----BEGIN PRIVATE KEY-----\\n" + "\\n".join(der_body(300)) + "\\n-----END PRIVATE KEY-----\\n\",", "gcp-private-key")
    add(p, f"  \"client_secret\": \"GOCSPX-{r(URL, 28)}\"", "google-oauth-secret")
    add(p, "}")
    p = "certs/server.key"
    add(p, "-----BEGIN RSA PRIVATE KEY-----\n" + pem + "\n-----END RSA PRIVATE KEY-----", "pem-private-key")
    p = "certs/id_ed25519"
    add(p, "-----BEGIN OPENSSH PRIVATE KEY-----\n" + "\n".join(openssh_body()) + "\n-----END OPENSSH PRIVATE KEY-----", "openssh-private-key")
    p = "Dockerfile"
    add(p, "FROM node:20-alpine\nWORKDIR /app")
    add(p, f"ENV PYPI_TOKEN pypi-AgEIcHlwaS5vcmc{r(URL, 80)}", "pypi-token")
    add(p, "USER nextjs")
    p = "nginx/app.conf"
    add(p, "server {\n  listen 443 ssl;\n  location /api/ {")
    add(p, f"    proxy_set_header Authorization \"Bearer {r(URL, 40)}\";", "nginx-authorization")
    add(p, "  }\n}")
    p = "src/client.ts"
    add(p, "import { api } from './api';")
    add(p, f"const token = \"eyJhbGciOiJIUzI1NiJ9.eyJ{r(URL, 60)}.{r(URL, 43)}\";", "jwt")
    add(p, "export default token;")
    return files

os.makedirs(corpus)
planted_rows = []
shards = max(1, total_mb // shard_mb)
src_i = 0
for s in range(shards):
    shard = f"shard-{s:03d}"
    base = os.path.join(corpus, shard)
    budget = shard_mb * 1024 * 1024
    for rel, (lines, marks) in planted_stack().items():
        path = os.path.join(base, "stack", rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        text = "\n".join(lines) + "\n"
        open(path, "w").write(text)
        budget -= len(text)
        for first, last, kind in marks:
            planted_rows.append(f"{shard}/stack/{rel}\t{first}\t{last}\t{kind}")
    n = 0
    while budget > 0:
        src, sz = sources[src_i % len(sources)]
        src_i += 1
        dst = os.path.join(base, "src", f"{n // 500:03d}", f"{n}-{os.path.basename(src)}")
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(src, dst)
        budget -= sz
        n += 1
open(os.path.join(os.path.dirname(corpus.rstrip('/')), "planted.tsv"), "w").write("\n".join(planted_rows) + "\n")
print(f"{shards} shards, {len(planted_rows)} planted secrets")
PY
  touch "$CORPUS/.done-$CORPUS_MB"
fi
SIZE_MB=$(du -sm --apparent-size "$CORPUS" | cut -f1)
DS_DIRS=$(cd "$CORPUS" && ls -d shard-* | head -n "$DS_SHARDS")

# tool name, output file, command (run in $CORPUS); /usr/bin/time writes
# "seconds peak-KB" as the last line of $WORK/NAME.time (a failing exit
# status adds a line before it: ripsecrets exits 1 when it finds secrets).
measure() {
  local name=$1 out=$2; shift 2
  sync
  ( cd "$CORPUS" && /usr/bin/time -f "%e %M" -o "$WORK/$name.time" "$@" >"$WORK/$out" 2>"$WORK/$name.err" ) || true
}

echo "corpus: $SIZE_MB MB in $(ls -d "$CORPUS"/shard-* | wc -l) shards at $CORPUS"
# SUMMARY_ONLY=1 re-reads the outputs of the last run without scanning again.
has() { case " $TOOLS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
if [ -z "${SUMMARY_ONLY:-}" ]; then
  STACKAUDIT_FINGERPRINT_KEY=bench measure stackaudit stackaudit.json "$SA" scan . --format json --exit-zero
  if [ -n "${SA_BEFORE:-}" ]; then
    STACKAUDIT_FINGERPRINT_KEY=bench measure stackaudit-before stackaudit-before.json "$SA_BEFORE" scan . --format json --exit-zero
  fi
  if has ripsecrets; then measure ripsecrets ripsecrets.txt ripsecrets .; fi
  # shellcheck disable=SC2086
  if has detect-secrets; then measure detect-secrets detect-secrets.json detect-secrets scan --all-files $DS_DIRS; fi
fi

python3 - "$CORPUS" "$WORK" "$SIZE_MB" "$SHARD_MB" "$DS_SHARDS" <<'PY'
import collections, json, os, re, sys
corpus, work, size_mb, shard_mb, ds_shards = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
names = [n for n in ["stackaudit", "stackaudit-before", "ripsecrets", "detect-secrets"] if os.path.exists(f"{work}/{n}.time")]
times = {n: open(f"{work}/{n}.time").read().strip().splitlines()[-1].split() for n in names}
planted = collections.defaultdict(list)   # path -> [(first, last, kind)]
kinds = collections.Counter()
for row in open(f"{work}/planted.tsv"):
    path, first, last, kind = row.rstrip("\n").split("\t")
    planted[path].append((int(first), int(last), kind))

def norm(p):
    return p[2:] if p.startswith("./") else p

SECRET_CONTEXT_RULES = ("dockerfile-secret-in-build", "k8s-secret-in-manifest", "workload-secret-in-environment")

def hits_stackaudit(name="stackaudit"):
    r = json.load(open(f"{work}/{name}.json"))
    return [(norm(f["location"]["path"]), f["location"]["line"], f["rule_id"]) for f in r["findings"]
            if (f["rule_id"].startswith("secret-") or f["rule_id"] in SECRET_CONTEXT_RULES) and f.get("location")]

def hits_ripsecrets():
    out = []
    for line in open(f"{work}/ripsecrets.txt", errors="replace"):
        m = re.match(r"^(.*?):(\d+):", line)
        if m:
            out.append((norm(m.group(1)), int(m.group(2)), "match"))
    return out

def hits_detect_secrets():
    r = json.load(open(f"{work}/detect-secrets.json"))
    return [(norm(p), s["line_number"], s["type"]) for p, lst in r["results"].items() for s in lst]

def score(hits, shards):
    in_scope = lambda p: shards is None or p.split("/")[0] in shards
    found = set()
    false = collections.Counter()
    false_lines = set()
    for path, line, rule in hits:
        if not in_scope(path):
            continue
        match = [i for i, (a, b, _) in enumerate(planted.get(path, [])) if a <= line <= b]
        if match:
            found.update((path, i) for i in match)
        elif (path, line) not in false_lines:
            false_lines.add((path, line))
            false[rule] += 1
    total = [(p, i, k) for p, lst in planted.items() if in_scope(p) for i, (_, _, k) in enumerate(lst)]
    missed = collections.Counter(k for p, i, k in total if (p, i) not in found)
    return len(found), len(total), sum(false.values()), missed, false

ds_scope = {f"shard-{i:03d}" for i in range(ds_shards)}
rows = []
runs = {
    "stackaudit": lambda: (hits_stackaudit(), None, size_mb),
    "stackaudit-before": lambda: (hits_stackaudit("stackaudit-before"), None, size_mb),
    "ripsecrets": lambda: (hits_ripsecrets(), None, size_mb),
    "detect-secrets": lambda: (hits_detect_secrets(), ds_scope, shard_mb * ds_shards),
}
for name in names:
    hits, scope, mb = runs[name]()
    secs, kb = times[name]
    found, total, false, missed, false_by = score(hits, scope)
    rows.append((name, mb, float(secs), int(kb) / 1024, found, total, false, missed, false_by))
print()
print(f"{'tool':<15} {'MB':>6} {'seconds':>8} {'MB/s':>8} {'peak RSS MB':>12} {'planted found':>14} {'false findings':>15} {'false per 20 MB':>16}")
for name, mb, secs, rss, found, total, false, _, _ in rows:
    print(f"{name:<15} {mb:>6.0f} {secs:>8.1f} {mb / max(secs, 0.001):>8.2f} {rss:>12.0f} {found:>6}/{total:<7} {false:>15} {false * 20 / mb:>16.1f}")
for name, *_, missed, false_by in rows:
    if missed:
        print(f"{name} missed: " + ", ".join(f"{k} ×{n}" for k, n in missed.most_common()))
    if false_by:
        print(f"{name} false findings by rule/type: " + ", ".join(f"{k} ×{n}" for k, n in false_by.most_common(12)))
PY

# The floor: grep -rF with four fixed strings over the same files, runs
# alternated with stackaudit's (A B A B ...), each run's wall and CPU time.
FLOOR_RUNS=${FLOOR_RUNS:-5}
GREP_FLOOR=(grep -rF -e password -e secret -e token -e AKIA .)
if [ "$FLOOR_RUNS" -gt 0 ]; then
  echo
  echo "throughput against the floor \`${GREP_FLOOR[*]}\` in $CORPUS, $FLOOR_RUNS alternated rounds:"
  floor_run() {
    local name=$1; shift
    ( cd "$CORPUS" && /usr/bin/time -f "%e %U %S %M" -o "$WORK/floor.time" "$@" >"$WORK/floor.out" 2>/dev/null ) || true
    echo "$name $(tail -n 1 "$WORK/floor.time")" >>"$WORK/floor.txt"
  }
  : >"$WORK/floor.txt"
  # One untimed read of every file first: all rounds start from the page cache.
  ( cd "$CORPUS" && "${GREP_FLOOR[@]}" >/dev/null 2>&1 ) || true
  for _ in $(seq "$FLOOR_RUNS"); do
    floor_run stackaudit env STACKAUDIT_FINGERPRINT_KEY=bench "$SA" scan . --format json --exit-zero
    if [ -n "${SA_BEFORE:-}" ]; then
      floor_run stackaudit-before env STACKAUDIT_FINGERPRINT_KEY=bench "$SA_BEFORE" scan . --format json --exit-zero
    fi
    floor_run grep "${GREP_FLOOR[@]}"
  done
  python3 - "$WORK/floor.txt" "$SIZE_MB" <<'PY'
import collections, statistics, sys
runs, size_mb = collections.defaultdict(list), float(sys.argv[2])
for line in open(sys.argv[1]):
    name, wall, user, sys_, kb = line.split()
    runs[name].append((float(wall), float(user) + float(sys_), int(kb) / 1024))
med = lambda xs: statistics.median(xs)
g_wall, g_cpu = med([w for w, _, _ in runs["grep"]]), med([c for _, c, _ in runs["grep"]])
print(f"{'':18} {'wall median':>11} {'wall min':>8} {'MB/s':>7} {'CPU median':>10} {'peak MB':>7} {'wall / grep':>11} {'CPU / grep':>10}")
for name, rs in runs.items():
    wall, cpu = med([w for w, _, _ in rs]), med([c for _, c, _ in rs])
    print(f"{name:18} {wall:>10.2f}s {min(w for w, _, _ in rs):>7.2f}s {size_mb / max(wall, 0.001):>7.0f} {cpu:>9.2f}s "
          f"{max(m for _, _, m in rs):>7.0f} {wall / max(g_wall, 0.001):>11.2f} {cpu / max(g_cpu, 0.001):>10.2f}")
print("each run (wall s / CPU s): " + "; ".join(f"{n} " + " ".join(f"{w:.2f}/{c:.2f}" for w, c, _ in rs) for n, rs in runs.items()))
PY
fi

# Pathological inputs: the engine must stay linear however the secrets are
# laid out. One 12 MB line dense with keywords and secrets (a minified
# bundle), and a 50,000-entry YAML file of name/value pairs and Secrets.
STRESS=$WORK/stress
if [ ! -f "$STRESS/.done" ]; then
  rm -rf "$STRESS" && mkdir -p "$STRESS"
  python3 - "$STRESS" <<'PY'
import random, sys
d = sys.argv[1]
R = random.Random(14)
AL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
def r(n): return "".join(R.choice(AL) for _ in range(n))
parts, size = [], 0
while size < 12 * 1024 * 1024:
    p = R.choice([f'"api_token":"{r(32)}",', f'"password":"{r(12)}",', f'"token":"ghp_{r(36)}",', '"secretName":"x",', f'"n":"{r(20)}",'])
    parts.append(p)
    size += len(p)
open(f"{d}/bundle.min.js", "w").write("var c={" + "".join(parts) + "};\n")
lines = []
for i in range(25000):
    lines += [f"  - name: API_TOKEN_{i}", f"    value: \"{r(24)}\""]
open(f"{d}/env.yaml", "w").write("env:\n" + "\n".join(lines) + "\n")
docs = [f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: s{i}\nstringData:\n  password: {r(14)}\n" for i in range(25000)]
open(f"{d}/secrets.yaml", "w").write("---\n".join(docs))
PY
  touch "$STRESS/.done"
fi
echo
echo "pathological inputs ($(du -sm --apparent-size "$STRESS" | cut -f1) MB in $STRESS):"
for bin in "$SA" ${SA_BEFORE:-}; do
  for f in bundle.min.js env.yaml secrets.yaml; do
    rm -rf "$STRESS/one" && mkdir -p "$STRESS/one" && cp "$STRESS/$f" "$STRESS/one/"
    # A quadratic engine would run for hours: stop it at STRESS_TIMEOUT.
    if /usr/bin/time -f "%e %M" -o "$WORK/stress.time" timeout "${STRESS_TIMEOUT:-300}" \
        env STACKAUDIT_FINGERPRINT_KEY=bench "$bin" scan "$STRESS/one" --format json --exit-zero >"$WORK/stress.json"; then
      count=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['findings']))" "$WORK/stress.json")
      read -r secs kb < <(tail -n 1 "$WORK/stress.time")
      printf '  %-40s %-15s %7.1f s %7d MB peak  %7d findings\n' "$bin" "$f" "$secs" "$((kb / 1024))" "$count"
    else
      printf '  %-40s %-15s  stopped after %s s\n' "$bin" "$f" "${STRESS_TIMEOUT:-300}"
    fi
  done
done
