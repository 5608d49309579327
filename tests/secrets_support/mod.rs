//! Planted secrets for the secrets tests. Values are built at run time from a
//! seeded generator, so no token-shaped string is committed (push protection
//! and other scanners would flag the repository itself).
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

    let slack = p(
        "secret-slack-token",
        "k8s/secret.yaml",
        "SLACK_BOT_TOKEN",
        format!("xoxb-{}-{}-{}", g.s("0123456789", 12), g.s("0123456789", 13), g.s(ALNUM, 24)),
    );
    let stripe_b64 = p("secret-stripe-key", "k8s/secret.yaml", "STRIPE_KEY", format!("rk_live_{}", g.s(ALNUM, 32)));
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

    let sendgrid = p(
        "secret-sendgrid-key",
        "Dockerfile",
        "SENDGRID_API_KEY",
        format!("SG.{}.{}", g.s(URLSAFE, 22), g.s(URLSAFE, 43)),
    );
    let npm = p("secret-npm-token", "Dockerfile", "NPM_TOKEN", format!("npm_{}", g.s(ALNUM, 36)));
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

    let pem_body: Vec<String> = (0..6).map(|_| g.s(B64, 64)).collect();
    let pem = pem_body.join("\n");
    p("secret-private-key", "certs/server.key", "private key", format!("{pem}\n"));
    write(dir, "certs/server.key", &format!("-----BEGIN RSA PRIVATE KEY-----\n{pem}\n-----END RSA PRIVATE KEY-----\n"));

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
