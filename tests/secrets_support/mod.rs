//! Planted secrets for the secrets tests. Values are built at run time from a
//! seeded generator, so no token-shaped string is committed (push protection
//! and other scanners would flag the repository itself).

// Test support: a panic here fails a test, it cannot crash a scan. Allowed here
// as well as in each test crate, so any crate can include this module.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::string_slice,
    clippy::indexing_slicing,
    clippy::unreachable
)]
#![allow(dead_code)]

use std::path::Path;

/// A tiny deterministic generator (xorshift64*): the tests need varied,
/// random-looking strings, not cryptographic randomness.
pub struct Gen(u64);

pub const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
pub const HEX: &str = "0123456789abcdef";
pub const UPPER32: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
pub const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
pub const URLSAFE: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

impl Gen {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn s(&mut self, alphabet: &str, n: usize) -> String {
        let a = alphabet.as_bytes();
        (0..n).map(|_| a[(self.next() % a.len() as u64) as usize] as char).collect()
    }
}

/// One planted secret: the rule that must find it, the file, the key name
/// and the raw value (which must never appear in any output).
#[derive(Debug, Clone)]
pub struct Planted {
    pub rule: &'static str,
    pub file: &'static str,
    pub key: &'static str,
    pub value: String,
}

/// Writes a small stack with secrets planted in each structured format and
/// returns them.
pub fn plant_stack(dir: &Path, seed: u64) -> Vec<Planted> {
    let mut g = Gen::new(seed);
    let mut planted = Vec::new();
    let mut p = |rule, file, key, value: String| {
        planted.push(Planted { rule, file, key, value: value.clone() });
        value
    };
    let aws_id = p("secret-aws-access-key", ".env", "AWS_ACCESS_KEY_ID", format!("AKIA{}", g.s(UPPER32, 16)));
    let aws_secret = p("secret-aws-secret-key", ".env", "AWS_SECRET_ACCESS_KEY", g.s(ALNUM, 40));
    let google = p("secret-google-api-key", ".env", "GOOGLE_GENAI_API_KEY", format!("AIza{}", g.s(URLSAFE, 35)));
    let redis_pw =
        p("secret-generic-password", ".env", "REDIS_PASSWORD", format!("{}-{}", g.s(ALNUM, 8), g.s(ALNUM, 8)));
    write(
        dir,
        ".env",
        &format!(
            "# app secrets\nAWS_ACCESS_KEY_ID={aws_id}\nexport AWS_SECRET_ACCESS_KEY={aws_secret}\n\
             GOOGLE_GENAI_API_KEY=\"{google}\"\nREDIS_PASSWORD={redis_pw}\nNODE_ENV=production\n"
        ),
    );

    let gh = p("secret-github-token", "docker-compose.yml", "GITHUB_TOKEN", format!("ghp_{}", g.s(ALNUM, 36)));
    let db_pw = p("secret-database-url", "docker-compose.yml", "DATABASE_URL", "horse-Battery-staple9".to_string());
    let stripe =
        p("secret-stripe-key", "docker-compose.yml", "STRIPE_SECRET_KEY", format!("sk_live_{}", g.s(ALNUM, 24)));
    let redis_cmd = p("secret-redis-password", "docker-compose.yml", "requirepass", g.s(ALNUM, 14));
    write(
        dir,
        "docker-compose.yml",
        &format!(
            "services:\n  app:\n    image: app:1.0\n    environment:\n      - GITHUB_TOKEN={gh}\n      \
             - DATABASE_URL=postgres://app:{db_pw}@db:5432/app\n      - STRIPE_SECRET_KEY={stripe}\n      \
             - REDIS_PASSWORD=${{REDIS_PASSWORD}}\n  redis:\n    image: redis:7\n    \
             command: [\"redis-server\", \"--requirepass\", \"{redis_cmd}\"]\n"
        ),
    );

    // In a Secret, what the entry holds is reported by the Kubernetes context
    // rule; in a ConfigMap, by the rule that recognised it.
    let slack = p(
        "k8s-secret-in-manifest",
        "k8s/secret.yaml",
        "SLACK_BOT_TOKEN",
        format!("xoxb-{}-{}-{}", g.s("0123456789", 12), g.s("0123456789", 13), g.s(ALNUM, 24)),
    );
    let stripe_b64 =
        p("k8s-secret-in-manifest", "k8s/secret.yaml", "STRIPE_KEY", format!("rk_live_{}", g.s(ALNUM, 32)));
    let session = p("secret-generic-token", "k8s/secret.yaml", "SESSION_SECRET", g.s(ALNUM, 32));
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(&stripe_b64);
    write(
        dir,
        "k8s/secret.yaml",
        &format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\nstringData:\n  SLACK_BOT_TOKEN: \"{slack}\"\n\
             data:\n  STRIPE_KEY: {encoded}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\n\
             data:\n  SESSION_SECRET: {session}\n"
        ),
    );

    let docker_auth = p("secret-docker-config-auth", "docker/config.json", "auth", g.s(B64, 32));
    write(dir, "docker/config.json", &format!("{{\n  \"auths\": {{\n    \"registry.example.com\": {{\n      \"auth\": \"{docker_auth}\"\n    }}\n  }}\n}}\n"));

    // Dockerfile ENV/ARG: a secret baked into the image.
    let sendgrid = p(
        "dockerfile-secret-in-build",
        "Dockerfile",
        "SENDGRID_API_KEY",
        format!("SG.{}.{}", g.s(URLSAFE, 22), g.s(URLSAFE, 43)),
    );
    let npm = p("dockerfile-secret-in-build", "Dockerfile", "NPM_TOKEN", format!("npm_{}", g.s(ALNUM, 36)));
    write(
        dir,
        "Dockerfile",
        &format!("FROM node:20-alpine\nENV SENDGRID_API_KEY {sendgrid}\nARG NPM_TOKEN={npm}\nUSER nextjs\n"),
    );

    let bearer = p("secret-authorization-header", "nginx/app.conf", "Authorization", g.s(URLSAFE, 40));
    write(
        dir,
        "nginx/app.conf",
        &format!(
            "server {{\n  listen 443 ssl;\n  location /api/ {{\n    proxy_pass http://app:3000;\n    \
             proxy_set_header Authorization \"Bearer {bearer}\";\n  }}\n}}\n"
        ),
    );

    let requirepass =
        p("secret-redis-password", "redis/redis.conf", "requirepass", format!("{}!{}", g.s(ALNUM, 6), g.s(ALNUM, 6)));
    let acl = p("secret-redis-acl-password", "redis/redis.conf", "app", g.s(ALNUM, 16));
    write(
        dir,
        "redis/redis.conf",
        &format!("bind 0.0.0.0\nrequirepass {requirepass}\nuser app on >{acl} ~cache:* +get +set\n"),
    );

    let htpasswd =
        p("secret-htpasswd-hash", "nginx/.htpasswd", "admin", format!("$apr1${}${}", g.s(ALNUM, 8), g.s(ALNUM, 22)));
    write(dir, "nginx/.htpasswd", &format!("admin:{htpasswd}\n"));

    let pem = der_shaped_pem(&mut g, "RSA PRIVATE KEY", 290);
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect::<Vec<_>>().join("\n");
    p("secret-private-key", "certs/server.key", "private key", format!("{body}\n"));
    write(dir, "certs/server.key", &pem);

    let jwt = p(
        "secret-jwt",
        "config/settings.toml",
        "service_token",
        format!("eyJhbGciOiJIUzI1NiJ9.eyJ{}.{}", g.s(URLSAFE, 40), g.s(URLSAFE, 43)),
    );
    let pypi =
        p("secret-pypi-token", "config/settings.toml", "pypi", format!("pypi-AgEIcHlwaS5vcmc{}", g.s(URLSAFE, 70)));
    write(
        dir,
        "config/settings.toml",
        &format!("[service]\nservice_token = \"{jwt}\"\n\n[publish]\npypi = '{pypi}'\n"),
    );

    let gitlab = p("secret-gitlab-token", "config/app.ini", "gitlab_token", format!("glpat-{}", g.s(URLSAFE, 20)));
    let twilio = p("secret-twilio-key", "config/app.ini", "twilio_auth_token", g.s(HEX, 32));
    write(dir, "config/app.ini", &format!("[ci]\ngitlab_token = {gitlab}\ntwilio_auth_token={twilio}\n"));

    let gcp_id = p("secret-gcp-service-account", "gcp/sa.json", "private_key_id", g.s(HEX, 40));
    write(
        dir,
        "gcp/sa.json",
        &format!("{{\n  \"type\": \"service_account\",\n  \"project_id\": \"shop\",\n  \"private_key_id\": \"{gcp_id}\"\n}}\n"),
    );
    planted
}

pub fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("file has a parent")).expect("mkdir");
    std::fs::write(path, text).expect("write fixture");
}

/// A secret a scan must report exactly once: by `rule`, in `file` at
/// `line`, under `key`, with `severity`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Expected {
    pub rule: String,
    pub file: String,
    pub line: u64,
    pub key: String,
    pub severity: String,
}

/// Writes a file line by line, remembering where the planted secrets are.
pub struct Lines {
    file: &'static str,
    lines: Vec<String>,
    planted: Vec<Expected>,
}

impl Lines {
    pub fn new(file: &'static str) -> Self {
        Self { file, lines: Vec::new(), planted: Vec::new() }
    }

    pub fn line(mut self, text: &str) -> Self {
        self.lines.extend(text.split('\n').map(str::to_string));
        self
    }

    /// A line holding a secret that `rule` must report under `key`.
    pub fn secret(mut self, rule: &str, key: &str, severity: &str, text: &str) -> Self {
        self.lines.push(text.to_string());
        self.planted.push(Expected {
            rule: rule.into(),
            file: self.file.into(),
            line: self.lines.len() as u64,
            key: key.into(),
            severity: severity.into(),
        });
        self
    }

    pub fn write(self, dir: &Path, out: &mut Vec<Expected>) {
        write(dir, self.file, &(self.lines.join("\n") + "\n"));
        out.extend(self.planted);
    }
}

pub fn b64(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// A PEM body that decodes to a well-formed DER SEQUENCE of random bytes:
/// key-shaped for the scanner, not a usable key.
pub fn der_shaped_pem(g: &mut Gen, label: &str, bytes: usize) -> String {
    let mut der = vec![0x30, 0x82, (bytes >> 8) as u8, (bytes & 0xff) as u8];
    der.extend(g.s(ALNUM, bytes).bytes());
    use base64::Engine as _;
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = body.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).expect("base64")).collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

/// Real-shaped files with every kind of credential the scanner used to miss
/// or report twice, each where public repositories put it. Returns what
/// must be reported.
pub fn plant_precision(dir: &Path, seed: u64) -> Vec<Expected> {
    let mut g = Gen::new(seed);
    let mut out = Vec::new();
    let hex = |g: &mut Gen, n| g.s(HEX, n);

    // Literal passwords in well-known password settings, however weak.
    Lines::new("docker-compose.yml")
        .line("services:\n  db:\n    image: mysql:8.4\n    environment:")
        .secret("secret-generic-password", "MYSQL_ROOT_PASSWORD", "high", "      MYSQL_ROOT_PASSWORD: example123")
        .line("      MYSQL_DATABASE: shop\n      MYSQL_PASSWORD_FILE: /run/secrets/db\n  postgres:\n    image: postgres:16\n    environment:")
        .secret("secret-generic-password", "POSTGRES_PASSWORD", "high", "      - POSTGRES_PASSWORD=mysecretpassword")
        .line("      - POSTGRES_USER=shop\n  minio:\n    image: minio/minio:RELEASE.2024-06-13T22-53-53Z\n    environment:\n      MINIO_ROOT_USER: admin")
        .secret("secret-generic-password", "MINIO_ROOT_PASSWORD", "high", "      MINIO_ROOT_PASSWORD: \"admin-pass\"")
        .line("  app:\n    image: ghcr.io/acme/shop:1.4.2\n    environment:")
        .secret(
            "secret-webhook-secret",
            "STRIPE_WEBHOOK_SECRET",
            "high",
            &format!("      STRIPE_WEBHOOK_SECRET: whsec_{}", g.s(ALNUM, 32)),
        )
        .secret("secret-webhook-secret", "SLACK_SIGNING_SECRET", "high", &format!("      SLACK_SIGNING_SECRET: {}", hex(&mut g, 32)))
        .secret(
            "secret-maxmind-license-key",
            "MAXMIND_LICENSE_KEY",
            "high",
            &format!("      MAXMIND_LICENSE_KEY: {}_{}_mmk", g.s(ALNUM, 6), g.s(ALNUM, 29)),
        )
        .secret("secret-generic-token", "GEOIP_LICENSE_KEY", "high", &format!("      GEOIP_LICENSE_KEY: {}", g.s(ALNUM, 24)))
        .line("      NODE_ENV: production")
        .write(dir, &mut out);

    // Credential files.
    Lines::new("deploy/.pgpass")
        .line("# hostname:port:database:username:password")
        .secret("secret-pgpass-password", "shop", "high", &format!("db.internal:5432:shop:shop:{}", g.s(ALNUM, 18)))
        .secret("secret-pgpass-password", "replicator", "high", "*:*:*:replicator:horse-Battery-staple")
        .write(dir, &mut out);
    Lines::new("deploy/.netrc")
        .secret(
            "secret-netrc-password",
            "git.internal.example.org",
            "high",
            &format!("machine git.internal.example.org login ci password {}", g.s(ALNUM, 20)),
        )
        .line("machine artifacts.example.org\n  login deploy")
        .secret("secret-netrc-password", "", "high", "  password correct-Horse-7")
        .write(dir, &mut out);

    // Servers' own password directives, between their documentation comments.
    Lines::new("redis/redis.conf")
        .line("# If the master is password protected (using the \"requirepass\" configuration\n# directive below) ...\n#\n# requirepass foobared")
        .secret("secret-redis-password", "requirepass", "high", &format!("requirepass {}", g.s(ALNUM, 20)))
        .secret("secret-redis-password", "masterauth", "high", &format!("masterauth {}-{}", g.s(ALNUM, 6), g.s(ALNUM, 6)))
        .write(dir, &mut out);
    Lines::new("redis/sentinel.conf")
        .line("port 26379\nsentinel monitor mymaster 10.0.0.5 6379 2\n# sentinel auth-pass <master-name> <password>")
        .secret(
            "secret-redis-password",
            "auth-pass",
            "high",
            &format!("sentinel auth-pass mymaster {}", g.s(ALNUM, 16)),
        )
        .write(dir, &mut out);
    Lines::new("ldap/slapd.conf")
        .line("database mdb\nsuffix \"dc=example,dc=org\"\nrootdn \"cn=admin,dc=example,dc=org\"")
        .secret("secret-ldap-password", "rootpw", "high", &format!("rootpw {}", g.s(ALNUM, 14)))
        .write(dir, &mut out);

    // Literals used as fallbacks in code.
    Lines::new("web/src/auth.ts")
        .line("import jwt from \"jsonwebtoken\";")
        .secret(
            "secret-env-fallback",
            "JWT_SECRET",
            "high",
            "const secret = process.env.JWT_SECRET ?? \"keyboard-cat-42\";",
        )
        .line("const port = process.env.PORT || \"3000\";")
        .write(dir, &mut out);
    Lines::new("app/settings.py")
        .line("import os")
        .secret(
            "secret-env-fallback",
            "DJANGO_SECRET_KEY",
            "high",
            &format!("SECRET_KEY = os.getenv(\"DJANGO_SECRET_KEY\", \"dj-{}\")", g.s(ALNUM, 30)),
        )
        .line("DEBUG = os.getenv(\"DEBUG\", \"false\") == \"true\"")
        .write(dir, &mut out);
    Lines::new("config/initializers/session.rb")
        .secret(
            "secret-env-fallback",
            "SESSION_SECRET",
            "high",
            &format!("Rails.application.config.secret = ENV.fetch(\"SESSION_SECRET\", \"{}\")", g.s(ALNUM, 24)),
        )
        .write(dir, &mut out);

    // Dockerfile ENV/ARG: reported once, as a secret baked into the image.
    Lines::new("Dockerfile")
        .line("FROM node:20-alpine")
        .secret(
            "dockerfile-secret-in-build",
            "GITHUB_TOKEN",
            "critical",
            &format!("ARG GITHUB_TOKEN=ghp_{}", g.s(ALNUM, 36)),
        )
        .secret(
            "dockerfile-secret-in-build",
            "DB_PASSWORD",
            "critical",
            &format!("ENV DB_PASSWORD legacy-form-{}", g.s(ALNUM, 10)),
        )
        .secret(
            "secret-authorization-header",
            "Authorization",
            "high",
            &format!(
                "RUN curl -fsS -H \"Authorization: Bearer {}\" https://artifacts.example.org/app.tgz | tar xz",
                g.s(URLSAFE, 40)
            ),
        )
        .line("USER node")
        .write(dir, &mut out);

    // A Kubernetes Secret: only the entries that hold credentials, each
    // once, at the severity of what it holds.
    let docker_auth = format!(
        "{{\"auths\":{{\"registry.example.org\":{{\"auth\":\"{}\"}}}}}}",
        b64(&format!("ci:{}", g.s(ALNUM, 24)))
    );
    let key_pem = der_shaped_pem(&mut g, "EC PRIVATE KEY", 119);
    Lines::new("k8s/secret.yaml")
        .line("apiVersion: v1\nkind: Secret\nmetadata:\n  name: shop\n  namespace: prod\ntype: Opaque\ndata:")
        .line(&format!("  username: {}", b64("shop")))
        .secret("k8s-secret-in-manifest", "password", "high", &format!("  password: {}", b64("s3cr3t-Redis-Pa55word")))
        .line(&format!("  url: {}", b64("https://db.internal:5432/shop")))
        .secret("k8s-secret-in-manifest", "tls.key", "critical", &format!("  tls.key: {}", b64(&key_pem)))
        .secret(
            "k8s-secret-in-manifest",
            ".dockerconfigjson",
            "high",
            &format!("  .dockerconfigjson: {}", b64(&docker_auth)),
        )
        .secret("k8s-secret-in-manifest", "session", "high", &format!("  session: {}", b64(&g.s(ALNUM, 40))))
        .line("stringData:\n  insecure: \"true\"")
        .secret("k8s-secret-in-manifest", "api-key", "high", &format!("  api-key: \"{}\"", g.s(ALNUM, 32)))
        .line("  endpoint: https://api.example.org")
        .write(dir, &mut out);

    // Kubernetes env entries: the key is the `name` next to the `value`.
    Lines::new("k8s/deployment.yaml")
        .line("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\nspec:\n  template:\n    spec:\n      containers:\n        - name: shop\n          image: ghcr.io/acme/shop:1.4.2\n          env:\n            - name: POSTGRES_PASSWORD")
        .secret("secret-generic-password", "POSTGRES_PASSWORD", "high", "              value: shop-db-pass")
        .line("            - name: LOG_LEVEL\n              value: info")
        .write(dir, &mut out);
    out
}
