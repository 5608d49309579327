//! Volumes, short (`/var/run/docker.sock:/var/run/docker.sock:ro`,
//! `data:/data`, `/cache`) and long syntax, and `tmpfs:` entries.

use crate::facts::workload::{Mount, MountKind};

use super::tree::Val;

const PROPAGATIONS: &[&str] = &["shared", "rshared", "slave", "rslave", "private", "rprivate"];

pub fn parse(item: &Val) -> Result<Mount, String> {
    if item.as_map().is_some() {
        return long(item);
    }
    let text =
        item.as_str().ok_or_else(|| format!("a volume must be a string or a mapping, not a {}", item.type_name()))?;
    short(text)
}

pub fn short(text: &str) -> Result<Mount, String> {
    let parts: Vec<&str> = text.split(':').collect();
    let (source, target, mode) = match parts.as_slice() {
        [target] => (None, *target, ""),
        [source, target] => (Some(*source), *target, ""),
        [source, target, mode] => (Some(*source), *target, *mode),
        _ => return Err(format!("invalid volume specification {text:?}")),
    };
    if target.is_empty() {
        return Err(format!("volume {text:?} has no container path"));
    }
    let options: Vec<&str> = mode.split(',').map(str::trim).collect();
    let kind = match source {
        None => MountKind::Volume,
        Some(s) if is_host_path(s) => MountKind::Bind,
        Some(_) => MountKind::Volume,
    };
    Ok(Mount {
        kind,
        source: source.map(str::to_string),
        target: target.to_string(),
        read_only: options.contains(&"ro"),
        propagation: options.iter().find(|o| PROPAGATIONS.contains(o)).map(|o| o.to_string()),
    })
}

fn long(item: &Val) -> Result<Mount, String> {
    let target = item
        .get("target")
        .and_then(Val::as_str)
        .ok_or_else(|| "a long-syntax volume needs `target`".to_string())?
        .to_string();
    let source = item.get("source").and_then(Val::as_str).map(str::to_string);
    let kind = match item.get("type").and_then(Val::as_str) {
        Some("bind") => MountKind::Bind,
        Some("volume") => MountKind::Volume,
        Some("tmpfs") => MountKind::Tmpfs,
        Some(_) => MountKind::Other,
        None if source.as_deref().is_some_and(is_host_path) => MountKind::Bind,
        None => MountKind::Volume,
    };
    Ok(Mount {
        kind,
        source,
        target,
        read_only: item.get("read_only").and_then(Val::as_bool).unwrap_or(false),
        propagation: item.path(&["bind", "propagation"]).and_then(Val::as_str).map(str::to_string),
    })
}

/// Bind sources are paths; anything else names a volume.
fn is_host_path(source: &str) -> bool {
    source.starts_with('/') || source.starts_with('.') || source.starts_with('~') || source.starts_with('$')
}

/// A `tmpfs:` entry (`/run` or `/run:size=64m`).
pub fn tmpfs(text: &str) -> Mount {
    let target = text.split(':').next().unwrap_or(text);
    Mount { kind: MountKind::Tmpfs, source: None, target: target.to_string(), read_only: false, propagation: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms() {
        let m = short("/var/run/docker.sock:/var/run/docker.sock:ro").unwrap();
        assert_eq!((m.kind, m.read_only, m.source.as_deref()), (MountKind::Bind, true, Some("/var/run/docker.sock")));
        let m = short("redis-data:/data").unwrap();
        assert_eq!((m.kind, m.read_only), (MountKind::Volume, false));
        let m = short("./conf:/etc/nginx/conf.d:ro,rshared").unwrap();
        assert_eq!(m.propagation.as_deref(), Some("rshared"));
        assert_eq!(short("/cache").unwrap().source, None);
        assert!(short("a:b:c:d").is_err());
    }
}
