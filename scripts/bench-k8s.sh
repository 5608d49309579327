#!/usr/bin/env bash
# Benchmark: stackaudit (release) against Checkov on one folder of 2,000
# Kubernetes manifests and 200 nginx files, in the same run: wall time with
# hyperfine, peak memory with /usr/bin/time -v, and the ratio.
#
#   scripts/bench-k8s.sh            # corpus and Checkov venv under /tmp
#   RUNS=10 CHECKOV_RUNS=3 scripts/bench-k8s.sh
#
# Checkov is installed from PyPI into a venv outside the repository
# ($CHECKOV_VENV); it has no nginx support, so it reads the manifests only
# while stackaudit reads both.
set -euo pipefail
cd "$(dirname "$0")/.."

WORK=${BENCH_DIR:-/tmp/stackaudit-bench-k8s}
CHECKOV_VENV=${CHECKOV_VENV:-/tmp/checkov-venv}
RUNS=${RUNS:-10}
CHECKOV_RUNS=${CHECKOV_RUNS:-3}
CORPUS="$WORK/corpus"

for tool in hyperfine python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

rm -rf "$CORPUS"
mkdir -p "$CORPUS"
python3 - "$CORPUS" <<'PY'
import os, sys
root = sys.argv[1]
kinds = ["Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job", "Pod"]

def pod_spec(i, indent):
    pad = " " * indent
    secure = i % 3 == 0
    lines = [
        "securityContext:",
        "  runAsNonRoot: true" if secure else "  runAsUser: 0",
        "  seccompProfile: {type: RuntimeDefault}" if secure else "  fsGroup: 2000",
        "containers:",
        f"  - name: app{i}",
        f"    image: registry.example.test/team/app{i % 50}:{'1.%d' % (i % 9) if secure else 'latest'}",
        "    ports:",
        f"      - containerPort: {3000 + i % 5}",
        *( ["        hostPort: 6379"] if i % 17 == 0 else [] ),
        "    env:",
        "      - name: NODE_ENV",
        "        value: production",
        "      - name: REDIS_PASSWORD",
        *( ["        valueFrom: {secretKeyRef: {name: redis, key: password}}"] if secure else [f"        value: \"pw-{i:08x}-Xk29qLm\""] ),
        "    securityContext:",
        f"      allowPrivilegeEscalation: {'false' if secure else 'true'}",
        f"      readOnlyRootFilesystem: {'true' if secure else 'false'}",
        f"      privileged: {'true' if i % 23 == 0 else 'false'}",
        "      capabilities:",
        "        drop: [ALL]" if secure else "        add: [NET_ADMIN, SYS_TIME]",
        "    resources:",
        "      requests: {memory: 1Gi, cpu: 500m}",
        *( ["      limits: {memory: 2Gi, cpu: \"2\"}"] if i % 2 == 0 else [] ),
        *( ["    livenessProbe: {httpGet: {path: /api/health, port: 3000}}"] if secure else [] ),
        "    volumeMounts:",
        "      - {name: data, mountPath: /data}",
        *( ["      - {name: sock, mountPath: /var/run/docker.sock}"] if i % 29 == 0 else [] ),
        "volumes:",
        "  - {name: data, emptyDir: {}}",
        *( ["  - {name: sock, hostPath: {path: /var/run/docker.sock}}"] if i % 29 == 0 else [] ),
    ]
    return "\n".join(pad + l for l in lines)

for i in range(2000):
    kind = kinds[i % len(kinds)]
    d = os.path.join(root, "k8s", f"team{i % 40:02d}")
    os.makedirs(d, exist_ok=True)
    meta = f"metadata:\n  name: app{i}\n  namespace: {'default' if i % 11 == 0 else 'team%02d' % (i % 40)}\n  labels: {{app: app{i}}}\n"
    if kind == "Pod":
        body = f"apiVersion: v1\nkind: Pod\n{meta}spec:\n{pod_spec(i, 2)}\n"
    elif kind in ("Job",):
        body = f"apiVersion: batch/v1\nkind: Job\n{meta}spec:\n  template:\n    spec:\n      restartPolicy: Never\n{pod_spec(i, 6)}\n"
    elif kind == "CronJob":
        body = (f"apiVersion: batch/v1\nkind: CronJob\n{meta}spec:\n  schedule: \"0 3 * * *\"\n  jobTemplate:\n    spec:\n"
                f"      template:\n        spec:\n          restartPolicy: OnFailure\n{pod_spec(i, 10)}\n")
    else:
        replicas = f"  replicas: {1 + i % 4}\n" if kind != "DaemonSet" else ""
        body = (f"apiVersion: apps/v1\nkind: {kind}\n{meta}spec:\n{replicas}  selector:\n    matchLabels: {{app: app{i}}}\n"
                f"  template:\n    metadata:\n      labels: {{app: app{i}}}\n    spec:\n{pod_spec(i, 6)}\n")
    extra = f"---\napiVersion: v1\nkind: Service\nmetadata:\n  name: app{i}\nspec:\n  selector: {{app: app{i}}}\n  ports: [{{port: 80, targetPort: 3000}}]\n"
    if i % 10 == 0:
        extra += f"---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: app{i}\nspec:\n  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: app{i}}}\n  minReplicas: {1 + i % 3}\n  maxReplicas: 10\n"
    if i % 25 == 0:
        extra += f"---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: app{i}-creds\nstringData:\n  password: \"Zq{i:06d}-secret-Value\"\n"
    with open(os.path.join(d, f"app{i:04d}.yaml"), "w") as f:
        f.write(body + extra)

for s in range(20):
    base = os.path.join(root, "nginx", f"site{s:02d}", "nginx")
    os.makedirs(os.path.join(base, "conf.d"), exist_ok=True)
    weak = s % 4 == 0
    with open(os.path.join(base, "nginx.conf"), "w") as f:
        f.write("events { worker_connections 1024; }\nhttp {\n"
                f"    server_tokens {'on' if weak else 'off'};\n"
                f"    ssl_protocols {'TLSv1 TLSv1.1 TLSv1.2' if weak else 'TLSv1.2 TLSv1.3'};\n"
                f"    ssl_ciphers {'ALL:!EXPORT' if weak else 'HIGH:!aNULL:!MD5'};\n"
                "    include /etc/nginx/conf.d/*.conf;\n}\n")
    for c in range(9):
        with open(os.path.join(base, "conf.d", f"site{c}.conf"), "w") as f:
            host = f"s{s}-{c}.example.test"
            f.write(f"server {{\n    listen 80;\n    server_name {host};\n"
                    + ("    location / { proxy_pass http://127.0.0.1:3000; }\n" if c % 3 == 0 else "    return 301 https://$host$request_uri;\n")
                    + "}\n"
                    f"server {{\n    listen 443 ssl http2;\n    server_name {host};\n"
                    "    ssl_certificate /etc/nginx/ssl/cert.pem;\n    ssl_certificate_key /etc/nginx/ssl/key.pem;\n"
                    + ("    add_header Strict-Transport-Security \"max-age=31536000; includeSubDomains\" always;\n" if c % 2 == 0 else "    add_header Strict-Transport-Security \"max-age=600\";\n")
                    + "    location / { proxy_pass http://127.0.0.1:3000; }\n"
                    + "    location /api/ { add_header Cache-Control no-store; proxy_pass http://127.0.0.1:3000; }\n}\n")
PY
echo "corpus: $(find "$CORPUS/k8s" -type f | wc -l) manifests, $(find "$CORPUS/nginx" -type f | wc -l) nginx files, $(du -sh "$CORPUS" | cut -f1)"

cargo build --release --quiet
STACKAUDIT="$PWD/target/release/stackaudit"

if [ ! -x "$CHECKOV_VENV/bin/checkov" ]; then
  python3 -m venv "$CHECKOV_VENV"
  "$CHECKOV_VENV/bin/pip" install --quiet checkov
fi
CHECKOV="$CHECKOV_VENV/bin/checkov"
echo "stackaudit $("$STACKAUDIT" --version | awk '{print $2}'), checkov $("$CHECKOV" --version)"

SA_CMD="$STACKAUDIT scan $CORPUS --format json --exit-zero > $WORK/stackaudit.json"
CK_CMD="$CHECKOV -d $CORPUS --framework kubernetes --quiet --compact -o json > $WORK/checkov.json"

hyperfine --warmup 2 --runs "$RUNS" --export-json "$WORK/stackaudit.hyperfine.json" -n stackaudit "$SA_CMD"
hyperfine --warmup 0 --runs "$CHECKOV_RUNS" -i --export-json "$WORK/checkov.hyperfine.json" -n checkov "$CK_CMD"

# Checkov exits 1 when checks fail; only the peak memory matters here.
peak() { { /usr/bin/time -v sh -c "$1" 2>&1 >/dev/null || true; } | awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}'; }
SA_RSS=$(peak "$SA_CMD")
CK_RSS=$(peak "$CK_CMD")

python3 - "$WORK" "$SA_RSS" "$CK_RSS" <<'PY'
import json, sys
work, sa_rss, ck_rss = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sa = json.load(open(f"{work}/stackaudit.hyperfine.json"))["results"][0]
ck = json.load(open(f"{work}/checkov.hyperfine.json"))["results"][0]
report = json.load(open(f"{work}/stackaudit.json"))
print()
print(f"{'tool':<12}{'mean wall':>12}{'stddev':>10}{'peak RSS':>12}")
print(f"{'stackaudit':<12}{sa['mean']:>11.3f}s{sa['stddev']:>9.3f}s{sa_rss / 1024:>10.1f}MB")
print(f"{'checkov':<12}{ck['mean']:>11.3f}s{(ck['stddev'] or 0):>9.3f}s{ck_rss / 1024:>10.1f}MB")
print(f"ratio: stackaudit is {ck['mean'] / sa['mean']:.1f}x faster, uses {ck_rss / sa_rss:.1f}x less memory")
print(f"stackaudit: {len(report['findings'])} findings, {len(report['facts'])} facts, {len(report['errors'])} errors")
PY
