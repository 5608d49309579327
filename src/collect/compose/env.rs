//! A service's environment: `environment` (map or `KEY=value` list) and
//! `env_file`. Values never leave this module; each variable becomes a name,
//! how it is set, and a secret reference when a literal value is a secret.
//!
//! Variables from an `env_file` are `external`: keeping secrets in an
//! untracked `.env` is what the deployment guide recommends, and a secret
//! committed in such a file is the secrets scanner's finding, not a
//! misconfigured service.

use std::collections::{BTreeMap, HashMap};

use crate::collect::dotenv;
use crate::collect::secrets::Detector;
use crate::diagnostics::Skipped;
use crate::facts::workload::{EnvValue, EnvVar};
use crate::facts::Location;
use crate::input::read_text;

use super::project::Project;
use super::service::env_value;
use super::tree::{Kind, Val};

/// `.env` files are small; anything larger is not one.
const MAX_ENV_FILE_BYTES: u64 = 1024 * 1024;

pub fn environment(
    service: &Val,
    project: &Project,
    detector: &Detector,
    locations: &mut BTreeMap<String, Location>,
    skipped: &mut Vec<Skipped>,
    err: &mut dyn FnMut(&Val, String),
) -> Vec<EnvVar> {
    let mut vars: Vec<EnvVar> = Vec::new();
    // Later definitions replace earlier ones in place; the index keeps that
    // linear however many variables a service has.
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut put = |var: EnvVar, loc: Location, vars: &mut Vec<EnvVar>| {
        locations.insert(format!("environment.{}", var.name), loc);
        match index.get(&var.name).and_then(|&i| vars.get_mut(i)) {
            Some(existing) => *existing = var,
            None => {
                index.insert(var.name.clone(), vars.len());
                vars.push(var);
            }
        }
    };

    if let Some(files) = service.get("env_file") {
        let entries: Vec<&Val> = match &files.kind {
            Kind::Seq(items) => items.iter().collect(),
            _ => vec![files],
        };
        for entry in entries {
            let (path, required) = match (entry.as_str(), entry.get("path").and_then(Val::as_str)) {
                (Some(p), _) => (p, true),
                (None, Some(p)) => (p, entry.get("required").and_then(Val::as_bool).unwrap_or(true)),
                _ => {
                    err(entry, "env_file entries must be paths or have `path`".into());
                    continue;
                }
            };
            let full = project.dir_of(entry).join(path);
            let display = project.display_of(entry, path);
            let text = match read_text(&full, MAX_ENV_FILE_BYTES) {
                Ok(t) => t,
                Err(crate::input::ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                    if required {
                        skipped.push(Skipped {
                            path: display,
                            reason: "env_file not found (untracked?): its variables are not audited".into(),
                        });
                    }
                    continue;
                }
                Err(e) => {
                    err(entry, format!("cannot read env_file {display}: {e}"));
                    continue;
                }
            };
            let (parsed, errors) = dotenv::parse(&text);
            for e in errors {
                err(entry, format!("env_file {display} line {}: {}", e.line, e.message));
            }
            let shared: std::sync::Arc<str> = std::sync::Arc::from(display.as_str());
            for e in parsed {
                let var = EnvVar { name: e.key, value: EnvValue::External, secret: None };
                put(var, Location::line(&shared, e.line), &mut vars);
            }
        }
    }

    let Some(env) = service.get("environment") else { return vars };
    match &env.kind {
        Kind::Map(entries) => {
            for (name, v) in entries {
                let raw = match &v.kind {
                    Kind::Null => None,
                    Kind::Scalar { raw, .. } => Some(raw.as_str()),
                    _ => {
                        err(v, format!("environment variable {name} must be a string, number or boolean"));
                        continue;
                    }
                };
                let text = v.as_str().unwrap_or_default();
                put(literal(name, raw, text, detector), project.location(v), &mut vars);
            }
        }
        Kind::Seq(items) => {
            for item in items {
                let (Some(raw), Some(text)) = (item.raw(), item.as_str()) else {
                    err(item, "environment list entries must be `KEY=value` strings".into());
                    continue;
                };
                let (name, raw_value, value) = match (raw.split_once('='), text.split_once('=')) {
                    (Some((n, rv)), Some((_, v))) => (n.trim(), Some(rv), v),
                    _ => (raw.trim(), None, ""),
                };
                put(literal(name, raw_value, value, detector), project.location(item), &mut vars);
            }
        }
        _ => err(env, format!("environment must be a mapping or a list, not a {}", env.type_name())),
    }
    vars
}

fn literal(name: &str, raw: Option<&str>, text: &str, detector: &Detector) -> EnvVar {
    let value = env_value(raw);
    let secret = match value {
        EnvValue::Literal => detector.detect(name, text),
        _ => None,
    };
    EnvVar { name: name.to_string(), value, secret }
}
