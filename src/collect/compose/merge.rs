//! Merging override files onto a base file, following the Compose
//! Specification's merge rules: mappings merge key by key (the later file
//! wins), environment/labels merge by variable name, volumes and devices by
//! container path, `command`/`entrypoint`/`healthcheck.test` are replaced,
//! other lists (ports, cap_add, security_opt...) append, and the `!reset` /
//! `!override` tags remove or replace a value outright.

use super::tree::{Kind, Val};

/// Service keys that are mappings written either as a map or as a list of
/// `KEY=value` strings.
const KEYED_LISTS: &[&str] = &["environment", "labels", "annotations", "sysctls", "extra_hosts"];
/// Service keys whose lists replace each other.
const REPLACED: &[&str] = &["command", "entrypoint", "test", "dns", "dns_search", "tmpfs"];
/// Service keys whose list items are unique by container path.
const BY_TARGET: &[&str] = &["volumes", "devices"];

pub fn merge(base: Val, over: Val) -> Val {
    merge_at(base, over, &mut Vec::new())
}

fn merge_at(base: Val, over: Val, path: &mut Vec<String>) -> Val {
    match over.tag.as_deref() {
        Some("!reset") => return Val { kind: Kind::Null, ..over },
        Some("!override") => return over,
        _ => {}
    }
    let service_key = if path.len() >= 3 && path[0] == "services" { path.last().cloned() } else { None };
    let key = service_key.as_deref().unwrap_or("");
    if path.len() == 3 && KEYED_LISTS.contains(&key) {
        return merge_maps(to_map(base), to_map(over), path);
    }
    match (base.kind, over.kind) {
        (Kind::Map(b), Kind::Map(o)) => {
            merge_maps(Val { kind: Kind::Map(b), ..base }, Val { kind: Kind::Map(o), ..over }, path)
        }
        (Kind::Seq(b), Kind::Seq(o)) => {
            let items = if REPLACED.contains(&key) {
                o
            } else if path.len() == 3 && BY_TARGET.contains(&key) {
                let mut items = b;
                for item in o {
                    let target = mount_target(&item);
                    match items.iter().position(|i| target.is_some() && mount_target(i) == target) {
                        Some(p) => items[p] = item,
                        None => items.push(item),
                    }
                }
                items
            } else {
                let mut items = b;
                for item in o {
                    if item.as_str().is_none() || !items.iter().any(|i| i.as_str() == item.as_str()) {
                        items.push(item);
                    }
                }
                items
            };
            Val { kind: Kind::Seq(items), ..over }
        }
        (_, kind) => Val { kind, ..over },
    }
}

fn merge_maps(base: Val, over: Val, path: &mut Vec<String>) -> Val {
    let (Kind::Map(mut entries), Kind::Map(o)) = (base.kind, over.kind) else {
        unreachable!("merge_maps is called with two mappings");
    };
    for (k, v) in o {
        match entries.iter().position(|(bk, _)| *bk == k) {
            Some(p) => {
                let (_, old) = entries.remove(p);
                path.push(k.clone());
                let merged = merge_at(old, v, path);
                path.pop();
                entries.insert(p, (k, merged));
            }
            None => entries.push((k, v)),
        }
    }
    // The merged mapping is where the base declared it.
    Val { kind: Kind::Map(entries), file: base.file, line: base.line, col: base.col, tag: over.tag }
}

/// A `KEY=value` list as a mapping (each value keeps its own position).
pub fn to_map(val: Val) -> Val {
    let Kind::Seq(items) = val.kind else { return val };
    let entries = items
        .into_iter()
        .filter_map(|item| {
            let (raw, text) = match &item.kind {
                Kind::Scalar { raw, text, .. } => (raw.clone(), text.clone()),
                _ => return None,
            };
            let (key, raw_value, text_value) = match (raw.split_once('='), text.split_once('=')) {
                (Some((k, rv)), Some((_, tv))) => (k.to_string(), Some(rv.to_string()), tv.to_string()),
                _ => (raw.clone(), None, String::new()),
            };
            let kind = match raw_value {
                Some(raw) => Kind::Scalar { raw, text: text_value, plain: false },
                None => Kind::Null,
            };
            Some((key.trim().to_string(), Val { kind, ..item }))
        })
        .collect();
    Val { kind: Kind::Map(entries), ..val }
}

/// The container path of a volume/device entry, short or long syntax.
fn mount_target(item: &Val) -> Option<String> {
    if let Some(t) = item.get("target") {
        return t.as_str().map(str::to_string);
    }
    let text = item.as_str()?;
    let parts: Vec<&str> = text.split(':').collect();
    Some(match parts.len() {
        1 => parts[0].to_string(),
        _ => parts[1].to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::compose::interpolate::Interpolator;
    use crate::collect::yaml::parse_single;

    fn val(text: &str, file: usize) -> Val {
        Val::from_node(&parse_single(text).unwrap(), file, &Interpolator::default())
    }

    #[test]
    fn later_file_wins_lists_append_and_env_merges_by_name() {
        let base = val(
            "services:\n  app:\n    image: app:1\n    ports: [\"3000:3000\"]\n    environment: [A=1, B=2]\n    volumes: [\"./a:/data\"]\n    command: [a, b]\n",
            0,
        );
        let over = val(
            "services:\n  app:\n    image: app:2\n    ports: [\"127.0.0.1:9229:9229\"]\n    environment: {B: 3}\n    volumes: [\"./b:/data\"]\n    command: [c]\n    user: !reset null\n",
            1,
        );
        let m = merge(base, over);
        let app = m.path(&["services", "app"]).unwrap();
        assert_eq!(app.get("image").unwrap().as_str(), Some("app:2"));
        assert_eq!(app.get("image").unwrap().file, 1);
        assert_eq!(app.get("ports").unwrap().as_seq().unwrap().len(), 2);
        let env = app.get("environment").unwrap();
        assert_eq!(env.get("A").unwrap().as_str(), Some("1"));
        assert_eq!(env.get("B").unwrap().as_str(), Some("3"));
        assert_eq!(app.get("volumes").unwrap().as_seq().unwrap().len(), 1);
        assert_eq!(app.get("command").unwrap().as_seq().unwrap().len(), 1);
        assert!(app.get("user").is_none());
    }
}
