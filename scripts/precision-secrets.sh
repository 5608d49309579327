#!/usr/bin/env bash
# Secret precision and recall on a labelled corpus of real-world-shaped
# projects, per rule family, for one or two stackaudit binaries.
#
#   scripts/precision.sh                         # the debug build of this tree
#   AFTER=target/release/stackaudit BEFORE=/tmp/stackaudit-main scripts/precision.sh
#   PROJECTS=60 SEED=7 scripts/precision.sh      # a bigger or different corpus
#
# The corpus (in $WORK/corpus, default /tmp/secprecision) is generated: each
# project is a small stack shaped like public repositories (compose files,
# Kubernetes manifests and Secrets, Helm values, Dockerfiles, .env and
# .env.example, redis.conf and sentinel.conf, postgresql.conf, .pgpass,
# .netrc, NGINX and NGINX Unit configs, JS/TS/Python/Ruby/Go code, locale
# catalogues in several languages, key files, READMEs). Every line that holds
# a credential is labelled true with the family expected to report it; every
# planted look-alike (a reference, a name, a placeholder, a comment, prose, a
# certificate, a broken key) is labelled false. Labels are in
# $WORK/labels.tsv beside the corpus: path, lines (any of them may carry the
# finding), family, true/false, what it is.
#
# Scoring, per family of the rule that reported: a finding on the line(s) of
# a true label is a true positive the first time, a duplicate after that; any
# other finding is false. Recall per label family: true labels with at least
# one finding on their lines. Secret rules are the `secret-*` rules and the
# context rules that report secrets (dockerfile-secret-in-build,
# k8s-secret-in-manifest, workload-secret-in-environment).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-/tmp/secprecision}
PROJECTS=${PROJECTS:-30}
SEED=${SEED:-1303}
AFTER=${AFTER:-$ROOT/target/debug/stackaudit}
BEFORE=${BEFORE:-}
CORPUS=$WORK/corpus

rm -rf "$CORPUS"
mkdir -p "$CORPUS"
python3 - "$CORPUS" "$WORK/labels.tsv" "$PROJECTS" "$SEED" <<'PY'
import base64, json, os, random, sys

corpus, labels_path, projects, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
R = random.Random(seed)
AL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
HX = "0123456789abcdef"
URL = AL + "-_"
def r(a, n): return "".join(R.choice(a) for _ in range(n))
def b64(s): return base64.b64encode(s.encode() if isinstance(s, str) else s).decode()
def human():
    w = ["horse", "Battery", "staple", "Correct", "sunny", "Dolphin", "maple", "Rocket", "violet", "Tiger", "shop", "admin"]
    return R.choice(w) + R.choice(["-", "_", ".", ""]) + R.choice(w) + str(R.randint(1, 999))
def weak():
    return R.choice(["example123", "mysecretpassword", "s3cret", "postgres123", "rootpass1", "P@ssw0rd", "letmein2024", "shop-db-pass"])
def der_pem(label, n):
    body = bytes([0x30, 0x82, n >> 8, n & 0xFF]) + bytes(R.randrange(256) for _ in range(n))
    s = base64.b64encode(body).decode()
    return f"-----BEGIN {label}-----\n" + "\n".join(s[i:i + 64] for i in range(0, len(s), 64)) + f"\n-----END {label}-----"
def openssh_pem():
    body = b"openssh-key-v1\0" + bytes(R.randrange(256) for _ in range(300))
    s = base64.b64encode(body).decode()
    return "-----BEGIN OPENSSH PRIVATE KEY-----\n" + "\n".join(s[i:i + 70] for i in range(0, len(s), 70)) + "\n-----END OPENSSH PRIVATE KEY-----"
CERT = der_pem("CERTIFICATE", 700)

labels = []

class F:
    """A file written line by line; `t`/`f` label the line just added."""
    def __init__(self, path):
        self.path, self.lines = path, []
    def add(self, text):
        self.lines.extend(text.split("\n"))
        return self
    def t(self, family, text, note="", back=0):
        self.add(text)
        n = len(self.lines)
        labels.append((self.path, ",".join(str(x) for x in range(n - back, n + 1)), family, "true", note))
        return self
    def f(self, family, text, note=""):
        self.add(text)
        labels.append((self.path, str(len(self.lines)), family, "false", note))
        return self
    def write(self):
        full = os.path.join(corpus, self.path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        open(full, "w").write("\n".join(self.lines) + "\n")

def project(i):
    p = f"p{i:03d}"
    # docker-compose.yml: passwords in password settings, tokens, references.
    F(f"{p}/docker-compose.yml").add("services:\n  db:\n    image: mysql:8.4\n    environment:") \
        .t("generic-password", f"      MYSQL_ROOT_PASSWORD: {weak()}", "weak literal password") \
        .f("generic-password", "      MYSQL_PASSWORD_FILE: /run/secrets/mysql_password", "_FILE path") \
        .add("  postgres:\n    image: postgres:16\n    environment:") \
        .t("generic-password", f"      - POSTGRES_PASSWORD={human()}", "list form") \
        .f("generic-password", "      - PGPASSWORD=${POSTGRES_PASSWORD}", "reference") \
        .add("  app:\n    image: ghcr.io/acme/shop:1.4.2\n    environment:") \
        .t("vendor-token", f"      GITHUB_TOKEN: ghp_{r(AL, 36)}") \
        .t("url-credentials", f"      DATABASE_URL: postgres://shop:{human()}@postgres:5432/shop") \
        .f("generic-token", "      GOOGLE_APPLICATION_CREDENTIALS: /secrets/gcp/creds.json", "path") \
        .f("generic-token", "      NEXTAUTH_SECRET: ${NEXTAUTH_SECRET:?set in .env}", "reference") \
        .t("generic-token", f"      SESSION_SECRET: {r(AL, 40)}") \
        .f("generic-token", "      OPENAI_API_KEY: sk-proj-...", "truncated example") \
        .t("webhook-license", f"      STRIPE_WEBHOOK_SECRET: whsec_{r(AL, 32)}") \
        .t("webhook-license", f"      MAXMIND_LICENSE_KEY: {r(AL, 6)}_{r(AL, 29)}_mmk") \
        .add("  redis:\n    image: redis:7.4") \
        .t("server-config", f"    command: [\"redis-server\", \"--requirepass\", \"{human()}\"]") \
        .add("  minio:\n    image: minio/minio:RELEASE.2024-06-13T22-53-53Z\n    environment:\n      MINIO_ROOT_USER: minio") \
        .t("generic-password", "      MINIO_ROOT_PASSWORD: \"admin-pass\"") \
        .write()
    # .env and .env.example
    F(f"{p}/.env").add("# local settings") \
        .t("vendor-token", f"AWS_ACCESS_KEY_ID=AKIA{r('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}") \
        .t("vendor-token", f"AWS_SECRET_ACCESS_KEY={r(AL + '/+', 40)}") \
        .t("generic-password", f"REDIS_PASSWORD={r(AL, 20)}") \
        .t("vendor-token", f"STRIPE_SECRET_KEY=sk_live_{r(AL, 24)}") \
        .f("generic-password", "PASSWORD_MIN_LENGTH=12", "a setting about passwords") \
        .f("generic-token", "CSRF_TOKEN_HEADER=X-CSRF-Token", "a header name") \
        .add("NODE_ENV=production") \
        .write()
    F(f"{p}/.env.example").add("# Copy to .env and fill in.") \
        .f("generic-token", "API_KEY=your-api-key-here", "placeholder") \
        .f("generic-token", "JWT_SECRET=replace-with-a-long-random-string", "placeholder") \
        .f("generic-password", "ADMIN_PASSWORD=<admin-password>", "placeholder") \
        .f("vendor-token", "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "placeholder") \
        .add("# Replace with your key from the MaxMind account page") \
        .f("webhook-license", f"MAXMIND_LICENSE_KEY={r(AL, 16)}", "next to a replace-with comment") \
        .f("generic-token", f"API_TOKEN={r(AL, 24)} # replace with your token", "replace-with comment") \
        .write()
    # Kubernetes: a Secret with credential and non-credential entries.
    F(f"{p}/k8s/secret.yaml").add(f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: shop-{i}\n  namespace: prod\ntype: Opaque\ndata:") \
        .f("kubernetes-secret", f"  username: {b64('shop')}", "username") \
        .t("kubernetes-secret", f"  password: {b64(human())}") \
        .f("kubernetes-secret", f"  url: {b64('https://db.internal:5432/shop')}", "url") \
        .t("kubernetes-secret", f"  api-token: {b64(r(AL, 32))}") \
        .t("kubernetes-secret", f"  tls.key: {b64(der_pem('EC PRIVATE KEY', 119) + chr(10))}", "private key") \
        .f("kubernetes-secret", f"  tls.crt: {b64(CERT + chr(10))}", "certificate") \
        .f("kubernetes-secret", f"  ca.crt: {b64('<ca certificate>')}", "placeholder") \
        .f("kubernetes-secret", f"  old.key: {b64('-----BEGIN PRIVATE KEY-----' + chr(10) + '-----END PRIVATE KEY-----' + chr(10))}", "empty envelope") \
        .f("kubernetes-secret", f"  bad.key: {b64('-----BEGIN RSA PRIVATE KEY-----' + chr(10) + 'bad content' + chr(10) + '-----END RSA PRIVATE KEY-----' + chr(10))}", "bad content") \
        .add("stringData:") \
        .f("kubernetes-secret", "  insecure: \"true\"", "a flag") \
        .f("kubernetes-secret", "  type: postgresql", "a type") \
        .f("kubernetes-secret", "  token: \"<placeholder>\"", "placeholder") \
        .t("kubernetes-secret", f"  SMTP_PASSWORD: \"{weak()}\"") \
        .write()
    F(f"{p}/k8s/deployment.yaml").add(f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop-{i}\nspec:\n  template:\n    spec:\n      containers:\n        - name: shop\n          image: ghcr.io/acme/shop:1.4.2\n          env:\n            - name: API_TOKEN") \
        .t("generic-token", f"              value: \"{r(AL, 24)}\"", "name/value env", back=1) \
        .add("            - name: DB_PASSWORD") \
        .t("generic-password", f"              value: {weak()}", "name/value env", back=1) \
        .add("            - name: DB_PASSWORD_FILE") \
        .f("generic-password", "              value: /run/secrets/db", "path") \
        .add("            - name: REDIS_PASSWORD\n              valueFrom:\n                secretKeyRef:\n                  name: redis") \
        .f("generic-token", "                  key: password", "a key name") \
        .add("          volumeMounts:\n            - name: token\n              mountPath: /var/run/secrets/tokens\n      volumes:\n        - name: token\n          secret:") \
        .f("generic-token", f"            secretName: default-token-{r('abcdefghijklmnopqrstuvwxyz0123456789', 5)}", "a Secret's name") \
        .write()
    F(f"{p}/helm/values.yaml").add("auth:") \
        .f("generic-token", f"  existingSecret: shop-{i}-credentials", "a Secret's name") \
        .f("generic-password", "  passwordKey: db-password", "a key name") \
        .add("ingress:") \
        .f("generic-token", f"  tlsSecret: shop-{i}-tls-certificate", "a Secret's name") \
        .add("serviceAccount:\n  annotations:") \
        .f("generic-token", "    \"example.io/secret-type\": \"kubernetes.io/service-account-token\"", "label key") \
        .add("postgresql:\n  auth:") \
        .t("generic-password", f"    password: {human()}") \
        .write()
    # Dockerfile.
    F(f"{p}/Dockerfile").add("FROM node:20-alpine\nWORKDIR /app") \
        .t("dockerfile", f"ARG NPM_TOKEN=npm_{r(AL, 36)}") \
        .t("dockerfile", f"ENV DB_PASSWORD legacy-{r(AL, 12)}", "legacy ENV form") \
        .f("dockerfile", "ENV NODE_ENV=production", "not a secret") \
        .f("dockerfile", "ARG GITHUB_TOKEN", "declared without a value") \
        .add("USER node") \
        .write()
    # Server configs with their documentation comments.
    F(f"{p}/redis/redis.conf").add("bind 0.0.0.0\nport 6379") \
        .f("server-config", "# If the master is password protected (using the \"requirepass\" configuration", "comment") \
        .f("server-config", "# requirepass foobared", "commented default") \
        .t("server-config", f"requirepass {human()}") \
        .t("server-config", f"user app on >{human()} ~cache:* +get +set") \
        .write()
    F(f"{p}/redis/sentinel.conf").add("port 26379\nsentinel monitor mymaster 10.0.0.5 6379 2") \
        .f("server-config", "# sentinel auth-pass <master-name> <password>", "comment") \
        .t("server-config", f"sentinel auth-pass mymaster {human()}") \
        .write()
    F(f"{p}/postgres/postgresql.conf").add("listen_addresses = '*'") \
        .f("generic-password", "password_encryption = scram-sha-256\t# scram-sha-256 or md5", "a setting") \
        .write()
    F(f"{p}/deploy/.pgpass").add("# hostname:port:database:username:password") \
        .t("credential-file", f"db.internal:5432:shop:shop:{human()}") \
        .write()
    F(f"{p}/deploy/.netrc") \
        .t("credential-file", f"machine git.example.org login ci password {r(AL, 20)}") \
        .write()
    F(f"{p}/unit/config.json").add("{\n  \"listeners\": {\n    \"*:8080\": {") \
        .f("generic-password", "      \"pass\": \"routes/main\"", "NGINX Unit route") \
        .add("    }\n  }\n}") \
        .write()
    F(f"{p}/nginx/app.conf").add("server {\n  listen 443 ssl;\n  location /api/ {") \
        .t("vendor-token", f"    proxy_set_header Authorization \"Bearer {r(URL, 40)}\";") \
        .f("vendor-token", "    proxy_set_header Authorization $http_authorization;", "a variable") \
        .add("  }\n}") \
        .write()
    # Code.
    F(f"{p}/web/src/config.ts").add("export const config = {") \
        .t("code-fallback", f"  jwtSecret: process.env.JWT_SECRET ?? \"{human()}\",") \
        .f("code-fallback", "  port: Number(process.env.PORT || \"3000\"),", "not a secret") \
        .f("code-fallback", "  apiUrl: process.env.API_URL ?? \"http://localhost:8080\",", "not a secret") \
        .f("generic-password", "  password: process.env.DB_PASSWORD,", "a read") \
        .add("};") \
        .write()
    F(f"{p}/app/settings.py").add("import os") \
        .t("code-fallback", f"SECRET_KEY = os.getenv(\"DJANGO_SECRET_KEY\", \"{r(AL, 30)}\")") \
        .f("generic-token", "API_TOKEN = os.environ[\"API_TOKEN\"]", "a read") \
        .f("code-fallback", "EMAIL_HOST_PASSWORD = os.getenv(\"EMAIL_HOST_PASSWORD\", \"\")", "empty default") \
        .write()
    F(f"{p}/cmd/run.go").add("package main\n\nimport \"syscall\"\n\nfunc creds(uid, gid uint32) *syscall.SysProcAttr {\n\tattr := &syscall.SysProcAttr{}") \
        .f("generic-password", "\tattr.Credential = &syscall.Credential{Uid: uid, Gid: gid}", "source code") \
        .add("\treturn attr\n}") \
        .write()
    # Translation catalogues.
    F(f"{p}/web/src/locales/de.json").add("{") \
        .f("generic-password", "  \"password\": \"Passwort\",", "translation") \
        .f("generic-password", "  \"reset_password\": \"Passwort zurücksetzen\",", "translation") \
        .f("generic-token", "  \"token_expired\": \"Ihr Token ist abgelaufen.\",", "translation") \
        .f("generic-password", "  \"password_hint\": \"Mindestens 12 Zeichen\"", "translation") \
        .add("}") \
        .write()
    F(f"{p}/web/public/locales/fr/translation.json").add("{") \
        .f("generic-password", "  \"password\": \"Mot de passe\",", "translation") \
        .f("generic-password", "  \"forgot_password\": \"Mot de passe oublié ?\",", "translation") \
        .f("generic-token", "  \"client_secret\": \"Secret client\"", "translation") \
        .add("}") \
        .write()
    F(f"{p}/conf/locale_ja.ini").add("[login]") \
        .f("generic-password", "password=パスワード", "translation") \
        .f("generic-password", "password_confirm=パスワード（確認）", "translation") \
        .f("generic-token", "secret_key=秘密鍵", "translation") \
        .write()
    F(f"{p}/l10n/ru.ftl") \
        .f("generic-password", "login-password = Пароль", "translation") \
        .f("generic-password", "login-password-hint = Не менее 12 символов", "translation") \
        .write()
    F(f"{p}/po/es.po").add("msgid \"Password\"") \
        .f("generic-password", "msgstr \"Contraseña\"", "translation") \
        .add("msgid \"password: at least 12 characters\"") \
        .f("generic-password", "msgstr \"contraseña: al menos 12 caracteres\"", "translation") \
        .write()
    F(f"{p}/web/src/strings/messages.json").add("{") \
        .f("generic-password", "  \"password\": \"Password\",", "UI text") \
        .f("generic-password", "  \"passwordLabel\": \"Your password\",", "UI text") \
        .f("generic-password", "  \"password_error\": \"Contraseña incorrecta\"", "UI text") \
        .add("}") \
        .write()
    # Key files.
    F(f"{p}/certs/server.key").t("private-key", der_pem("RSA PRIVATE KEY", 1190), "PEM body", back=0).write()
    labels[-1] = (labels[-1][0], "1,2", "private-key", "true", "PEM body")
    F(f"{p}/certs/id_ed25519").t("private-key", openssh_pem(), "OpenSSH").write()
    labels[-1] = (labels[-1][0], "1,2", "private-key", "true", "OpenSSH")
    F(f"{p}/certs/server.crt").f("private-key", CERT, "certificate").write()
    F(f"{p}/docs/tls.md").add("# TLS\n\nPut the key in `certs/server.key`:\n\n```") \
        .f("private-key", "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----", "documentation") \
        .add("```") \
        .f("vendor-token", "Tokens look like `ghp_...`; set `GITHUB_TOKEN=<your token>`.", "documentation") \
        .write()
    labels[-2] = (labels[-2][0], "6", "private-key", "false", "documentation")
    F(f"{p}/docs/README.md").add("## Run it\n\n```sh") \
        .f("generic-password", "docker run -d -e POSTGRES_PASSWORD=mysecretpassword postgres:16", "documentation example") \
        .add("```\n\nSet `REDIS_PASSWORD` in `.env`:\n") \
        .f("generic-password", "    REDIS_PASSWORD=changeme", "documentation placeholder") \
        .write()
    # Config formats of other ecosystems, and values encrypted or resolved
    # by the tool that reads the file.
    F(f"{p}/src/main/resources/application.properties").add("spring.datasource.url=jdbc:postgresql://db:5432/shop") \
        .add("spring.datasource.username=shop") \
        .t("generic-password", f"spring.datasource.password={human()}!") \
        .write()
    F(f"{p}/ansible/group_vars/all.yml").add("db_user: shop") \
        .f("generic-password", "db_password: \"{{ vault_db_password }}\"", "template") \
        .f("generic-password", "admin_password: !vault |", "Ansible vault") \
        .add("  $ANSIBLE_VAULT;1.1;AES256\n  3533396632316161383430356532323633616438373435346330") \
        .write()
    F(f"{p}/homeassistant/configuration.yaml").add("mqtt:\n  broker: 10.0.0.2\n  username: ha") \
        .f("generic-password", "  password: !secret mqtt_password", "Home Assistant secret reference") \
        .write()
    F(f"{p}/k8s/secrets.enc.yaml").add("apiVersion: v1\nkind: Secret\nmetadata:\n  name: sops\nstringData:") \
        .f("kubernetes-secret", f"  password: ENC[AES256_GCM,data:{r(AL, 16)},iv:{r(AL, 22)},tag:{r(AL, 22)},type:str]", "SOPS-encrypted") \
        .write()
    F(f"{p}/config/app.yaml").add("smtp:\n  host: mail.example.org") \
        .t("generic-password", "  password: \"correct horse battery staple\"", "a passphrase with spaces") \
        .write()
    F(f"{p}/.npmrc").add("registry=https://registry.npmjs.org/") \
        .t("credential-file", f"//npm.pkg.github.com/:_authToken={r(AL, 40)}") \
        .write()
    F(f"{p}/.git-credentials") \
        .t("vendor-token", f"https://ci:ghp_{r(AL, 36)}@github.com") \
        .write()

for i in range(projects):
    project(i)

with open(labels_path, "w") as out:
    out.write("path\tlines\tfamily\tverdict\tnote\n")
    for row in labels:
        out.write("\t".join(row) + "\n")
trues = sum(1 for l in labels if l[3] == "true")
print(f"{projects} projects, {len(labels)} labels ({trues} true, {len(labels) - trues} false)")
PY

score() {
  local name=$1 bin=$2
  ( cd "$CORPUS" && STACKAUDIT_FINGERPRINT_KEY=precision "$bin" scan . --format json --exit-zero >"$WORK/$name.json" 2>"$WORK/$name.err" ) || true
  python3 - "$WORK/$name.json" "$WORK/labels.tsv" "$name" <<'PY'
import collections, json, sys
report, labels_path, name = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
def family(rule):
    if rule == "secret-generic-password": return "generic-password"
    if rule in ("secret-generic-token", "secret-gemini-api-key"): return "generic-token"
    if rule == "secret-private-key": return "private-key"
    if rule == "k8s-secret-in-manifest": return "kubernetes-secret"
    if rule == "dockerfile-secret-in-build": return "dockerfile"
    if rule == "workload-secret-in-environment": return "workload-environment"
    if rule in ("secret-redis-password", "secret-redis-acl-password", "secret-ldap-password", "secret-htpasswd-hash"): return "server-config"
    if rule in ("secret-pgpass-password", "secret-netrc-password", "secret-docker-config-auth", "secret-npmrc-auth"): return "credential-file"
    if rule in ("secret-database-url", "secret-url-credentials"): return "url-credentials"
    if rule == "secret-env-fallback": return "code-fallback"
    if rule in ("secret-webhook-secret", "secret-maxmind-license-key"): return "webhook-license"
    return "vendor-token"
secret_rules = lambda r: r.startswith("secret-") or r in ("dockerfile-secret-in-build", "k8s-secret-in-manifest", "workload-secret-in-environment")
true_at, labels = {}, []
for row in list(open(labels_path))[1:]:
    path, lines, fam, verdict, note = row.rstrip("\n").split("\t")
    labels.append((path, lines, fam, verdict))
    if verdict == "true":
        for l in lines.split(","):
            true_at[(path, int(l))] = len(labels) - 1
tp, fp, dup = collections.Counter(), collections.Counter(), collections.Counter()
found = set()
for f in report["findings"]:
    if not secret_rules(f["rule_id"]):
        continue
    loc = f.get("location") or {}
    fam = family(f["rule_id"])
    key = (loc.get("path", ""), loc.get("line", 0))
    label = true_at.get(key)
    if label is None:
        fp[fam] += 1
    elif label in found:
        dup[fam] += 1
    else:
        found.add(label)
        tp[fam] += 1
recall_n, recall_d = collections.Counter(), collections.Counter()
for i, (path, lines, fam, verdict) in enumerate(labels):
    if verdict == "true":
        recall_d[fam] += 1
        recall_n[fam] += i in found
fams = sorted(set(tp) | set(fp) | set(dup) | set(recall_d))
print(f"\n{name}: {len(report['findings'])} findings, {len(report.get('errors', []))} errors")
print(f"{'family':22} {'findings':>8} {'true':>5} {'dup':>5} {'false':>5} {'precision':>9}   {'recall':>12}")
for fam in fams:
    n = tp[fam] + fp[fam] + dup[fam]
    prec = f"{100 * tp[fam] / n:.1f}%" if n else "-"
    rec = f"{recall_n[fam]}/{recall_d[fam]}" if recall_d[fam] else "-"
    print(f"{fam:22} {n:8} {tp[fam]:5} {dup[fam]:5} {fp[fam]:5} {prec:>9}   {rec:>12}")
T, D, P = sum(tp.values()), sum(dup.values()), sum(fp.values())
print(f"{'all':22} {T + D + P:8} {T:5} {D:5} {P:5} {100 * T / max(1, T + D + P):8.1f}%   {sum(recall_n.values())}/{sum(recall_d.values())}")
PY
}

[ -n "$BEFORE" ] && score before "$BEFORE"
score after "$AFTER"
