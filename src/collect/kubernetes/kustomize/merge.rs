//! Strategic merge patches, as `kubectl patch` and Kustomize apply them to
//! Kubernetes' own kinds: mappings merge key by key, `null` deletes a key,
//! lists of named things (containers, volumes, env, ports...) merge item by
//! item on their merge key, other lists are replaced, and the `$patch`
//! directives (`delete`, `replace`) are honoured. Custom resources have no
//! merge keys: their lists are replaced, as a JSON merge patch does.
//!
//! Every node of the result keeps its own position and source, so a finding
//! points at the base line or the patch line that set the final value.

use crate::collect::yaml::{Node, NodeKind};

/// The result of merging `patch` onto `base`; `None` when the patch deletes
/// it. `builtin`: the object is of a Kubernetes kind (merge keys apply).
pub fn merge(base: &Node, patch: &Node, builtin: bool) -> Option<Node> {
    let mut path = Vec::new();
    merge_at(base, patch, builtin, &mut path)
}

fn merge_at(base: &Node, patch: &Node, builtin: bool, path: &mut Vec<String>) -> Option<Node> {
    match (&base.kind, &patch.kind) {
        (NodeKind::Map(base_entries), NodeKind::Map(patch_entries)) => {
            match directive(patch) {
                Some("delete") => return None,
                Some("replace") => return Some(clean(patch)),
                _ => {}
            }
            let mut entries = base_entries.clone();
            for (key_node, value) in patch_entries {
                let Some(key) = key_node.as_str() else { continue };
                if key.starts_with('$') {
                    continue;
                }
                let existing = entries.iter().position(|(k, _)| k.as_str() == Some(key));
                if value.is_null() {
                    if let Some(i) = existing {
                        entries.remove(i);
                    }
                    continue;
                }
                match existing {
                    Some(i) => {
                        path.push(key.to_string());
                        let merged = entries.get(i).and_then(|(_, old)| merge_at(old, value, builtin, path));
                        path.pop();
                        match merged {
                            Some(m) => {
                                if let Some(entry) = entries.get_mut(i) {
                                    entry.1 = m;
                                }
                            }
                            None => {
                                entries.remove(i);
                            }
                        }
                    }
                    None if directive(value) == Some("delete") => {}
                    None => entries.push((key_node.clone(), clean(value))),
                }
            }
            Some(Node { kind: NodeKind::Map(entries), ..base.clone_shallow() })
        }
        (NodeKind::Seq(base_items), NodeKind::Seq(patch_items)) => {
            let key = if builtin { merge_key(path) } else { None };
            let Some(key) = key else { return Some(clean(patch)) };
            if patch_items.iter().any(|p| directive(p) == Some("replace")) {
                let kept = patch_items.iter().filter(|p| directive(p).is_none()).map(clean).collect();
                return Some(Node { kind: NodeKind::Seq(kept), ..patch.clone_shallow() });
            }
            let mut items = base_items.clone();
            for p in patch_items {
                let id = p.get(key).and_then(Node::as_str).map(str::to_string);
                let found = id
                    .as_deref()
                    .and_then(|id| items.iter().position(|b| b.get(key).and_then(Node::as_str) == Some(id)));
                match (found, directive(p)) {
                    (Some(i), Some("delete")) => {
                        items.remove(i);
                    }
                    (None, Some("delete")) => {}
                    (Some(i), _) => {
                        let merged = items.get(i).and_then(|old| merge_at(old, p, builtin, path));
                        match merged {
                            Some(m) => {
                                if let Some(slot) = items.get_mut(i) {
                                    *slot = m;
                                }
                            }
                            None => {
                                items.remove(i);
                            }
                        }
                    }
                    (None, _) => items.push(clean(p)),
                }
            }
            Some(Node { kind: NodeKind::Seq(items), ..base.clone_shallow() })
        }
        _ => Some(clean(patch)),
    }
}

/// The field that identifies items of a list of Kubernetes' own types
/// (`patchMergeKey` in the API); `None` for lists that are replaced whole.
fn merge_key(path: &[String]) -> Option<&'static str> {
    let field = path.last()?.as_str();
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets"
        | "resourceClaims" => "name",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "hostAliases" => "ip",
        "topologySpreadConstraints" => "topologyKey",
        "ports" if in_container(path) => "containerPort",
        "ports" => "port",
        _ => return None,
    })
}

fn in_container(path: &[String]) -> bool {
    path.iter().any(|p| matches!(p.as_str(), "containers" | "initContainers" | "ephemeralContainers"))
}

fn directive(node: &Node) -> Option<&str> {
    node.get("$patch").and_then(Node::as_str)
}

/// A patch's own content without its `$` directives.
fn clean(node: &Node) -> Node {
    match &node.kind {
        NodeKind::Map(entries) => {
            let kept = entries
                .iter()
                .filter(|(k, _)| !k.as_str().is_some_and(|k| k.starts_with('$')))
                .map(|(k, v)| (k.clone(), clean(v)))
                .collect();
            Node { kind: NodeKind::Map(kept), ..node.clone_shallow() }
        }
        NodeKind::Seq(items) => {
            let kept = items.iter().filter(|i| directive(i).is_none()).map(clean).collect();
            Node { kind: NodeKind::Seq(kept), ..node.clone_shallow() }
        }
        NodeKind::Scalar(_) => node.clone(),
    }
}

trait Shallow {
    fn clone_shallow(&self) -> Node;
}

impl Shallow for Node {
    /// Position, tag and source, with an empty body.
    fn clone_shallow(&self) -> Node {
        Node {
            line: self.line,
            col: self.col,
            tag: self.tag.clone(),
            source: self.source,
            kind: NodeKind::Seq(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::yaml::parse_single;

    fn apply(base: &str, patch: &str) -> Node {
        let base = parse_single(base).unwrap();
        let mut patch = parse_single(patch).unwrap();
        patch.set_source(7);
        merge(&base, &patch, true).unwrap()
    }

    #[test]
    fn containers_merge_by_name_and_keep_positions() {
        let out = apply(
            "spec:\n  containers:\n  - name: app\n    image: app:1\n    securityContext: {privileged: false}\n  - name: side\n    image: side:1\n",
            "spec:\n  containers:\n  - name: app\n    securityContext: {privileged: true}\n  - name: extra\n    image: extra:1\n",
        );
        let containers = out.path(&["spec", "containers"]).unwrap().as_seq().unwrap();
        let names: Vec<_> = containers.iter().map(|c| c.get("name").unwrap().as_str().unwrap()).collect();
        assert_eq!(names, ["app", "side", "extra"]);
        let app = &containers[0];
        assert_eq!(app.get("image").unwrap().source, 0, "from the base");
        assert_eq!(app.get("image").unwrap().line, 4);
        let privileged = app.path(&["securityContext", "privileged"]).unwrap();
        assert_eq!((privileged.as_bool(), privileged.source, privileged.line), (Some(true), 7, 4));
        assert_eq!(containers[2].source, 7);
    }

    #[test]
    fn null_deletes_and_directives() {
        let out = apply(
            "spec:\n  replicas: 1\n  template:\n    spec:\n      volumes:\n      - name: a\n        emptyDir: {}\n      - name: b\n        hostPath: {path: /}\n      containers:\n      - name: app\n        args: [a, b]\n        env:\n        - {name: A, value: '1'}\n",
            "spec:\n  replicas: null\n  template:\n    spec:\n      volumes:\n      - name: b\n        $patch: delete\n      containers:\n      - name: app\n        args: [c]\n        env:\n        - {name: B, value: '2'}\n",
        );
        assert!(out.path(&["spec", "replicas"]).is_none());
        let spec = out.path(&["spec", "template", "spec"]).unwrap();
        assert_eq!(spec.get("volumes").unwrap().as_seq().unwrap().len(), 1);
        let app = &spec.get("containers").unwrap().as_seq().unwrap()[0];
        assert_eq!(app.get("args").unwrap().as_seq().unwrap().len(), 1, "plain lists are replaced");
        assert_eq!(app.get("env").unwrap().as_seq().unwrap().len(), 2, "env merges by name");
        let replaced = apply("a: {x: 1, y: 2}\n", "a: {$patch: replace, z: 3}\n");
        assert_eq!(replaced.get("a").unwrap().to_json(), serde_json::json!({"z": 3}));
    }

    #[test]
    fn custom_resources_replace_lists() {
        let base = parse_single("spec:\n  containers: [{name: a}, {name: b}]\n").unwrap();
        let patch = parse_single("spec:\n  containers: [{name: a, x: 1}]\n").unwrap();
        let out = merge(&base, &patch, false).unwrap();
        assert_eq!(out.path(&["spec", "containers"]).unwrap().as_seq().unwrap().len(), 1);
    }
}
