//! Merging override files onto a base file, following the Compose
//! Specification's merge rules: mappings merge key by key (the later file
//! wins), environment/labels merge by variable name, volumes and devices by
//! container path, `command`/`entrypoint`/`healthcheck.test` are replaced,
//! other lists (ports, cap_add, security_opt...) append, and the `!reset` /
//! `!override` tags remove or replace a value outright.

use std::collections::{HashMap, HashSet};

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

/// Merges a service onto the service it `extends` (same rules, one level in).
pub fn merge_service(name: &str, base: Val, over: Val) -> Val {
    merge_at(base, over, &mut vec!["services".to_string(), name.to_string()])
}

fn merge_at(base: Val, over: Val, path: &mut Vec<String>) -> Val {
    match over.tag.as_deref() {
        Some("!reset") => return Val { kind: Kind::Null, ..over },
        Some("!override") => return over,
        _ => {}
    }
    // An absent (null) side takes the other, whatever its type.
    if over.is_null() {
        return base;
    }
    if base.is_null() {
        return over;
    }
    let service_key = match path.as_slice() {
        [first, _, .., last] if path.len() >= 3 && first == "services" => Some(last.clone()),
        _ => None,
    };
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
                let mut by_target: HashMap<String, usize> = HashMap::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    if let Some(t) = mount_target(item) {
                        by_target.insert(t, i);
                    }
                }
                for item in o {
                    match mount_target(&item) {
                        Some(t) => match by_target.get(&t).and_then(|&p| items.get_mut(p)) {
                            Some(slot) => *slot = item,
                            None => {
                                by_target.insert(t, items.len());
                                items.push(item);
                            }
                        },
                        None => items.push(item),
                    }
                }
                items
            } else {
                let mut items = b;
                let mut present: HashSet<String> =
                    items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect();
                for item in o {
                    match item.as_str() {
                        Some(text) => {
                            if present.insert(text.to_string()) {
                                items.push(item);
                            }
                        }
                        None => items.push(item),
                    }
                }
                items
            };
            Val { kind: Kind::Seq(items), ..over }
        }
        (_, kind) => Val { kind, ..over },
    }
}

/// Key-by-key merge; one index of the base's keys, so merging is linear in
/// the number of keys, however many there are.
fn merge_maps(base: Val, over: Val, path: &mut Vec<String>) -> Val {
    let mut entries = match base.kind {
        Kind::Map(entries) => entries,
        _ => Vec::new(),
    };
    let overrides = match over.kind {
        Kind::Map(o) => o,
        _ => Vec::new(),
    };
    let mut index: HashMap<String, usize> = HashMap::with_capacity(entries.len() + overrides.len());
    for (i, (k, _)) in entries.iter().enumerate() {
        index.insert(k.clone(), i);
    }
    for (k, v) in overrides {
        match index.get(&k).copied() {
            Some(p) => {
                if let Some(slot) = entries.get_mut(p) {
                    let old = std::mem::replace(&mut slot.1, Val::null_at(&v));
                    path.push(k);
                    slot.1 = merge_at(old, v, path);
                    path.pop();
                }
            }
            None => {
                index.insert(k.clone(), entries.len());
                entries.push((k, v));
            }
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
    let mut parts = text.split(':');
    let first = parts.next().unwrap_or_default();
    Some(parts.next().unwrap_or(first).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::compose::interpolate::Interpolator;
    use crate::collect::yaml::parse_single;

    fn val(text: &str, file: usize) -> Val {
        Val::from_node(&parse_single(text).unwrap(), file, &Interpolator::default()).0
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

    #[test]
    fn a_null_base_setting_takes_the_override_whatever_its_form() {
        for key in ["environment", "labels", "sysctls", "extra_hosts", "annotations"] {
            for empty in ["", " ~", " null", " []", " {}"] {
                let base = val(&format!("services:\n  app:\n    image: a:1\n    {key}:{empty}\n"), 0);
                let over = val(&format!("services:\n  app:\n    {key}:\n      A: \"1\"\n"), 1);
                let m = merge(base, over);
                let merged = m.path(&["services", "app", key]).unwrap();
                assert_eq!(merged.get("A").and_then(Val::as_str), Some("1"), "{key}:{empty}");
                // And the other way round: an override that empties it.
                let base = val(&format!("services:\n  app:\n    {key}: [A=1]\n"), 0);
                let over = val(&format!("services:\n  app:\n    {key}:{empty}\n"), 1);
                let m = merge(base, over);
                assert!(m.path(&["services", "app"]).is_some(), "{key}:{empty}");
            }
        }
    }

    #[test]
    fn merging_many_keys_is_linear() {
        let n = 20_000;
        let base: String = (0..n).map(|i| format!("  k{i}: {i}\n")).collect();
        let over: String = (0..n).map(|i| format!("  k{i}: x\n")).collect();
        let m = merge(val(&format!("x:\n{base}"), 0), val(&format!("x:\n{over}"), 1));
        assert_eq!(m.get("x").unwrap().as_map().unwrap().len(), n);
        assert_eq!(m.path(&["x", "k7"]).unwrap().as_str(), Some("x"));
    }
}
