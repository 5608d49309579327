//! The kustomization fields that rewrite every object, applied after the
//! patches as Kustomize does: `namespace`, `namePrefix`/`nameSuffix` (with
//! the references stackaudit follows: an autoscaler's target, a pod's
//! service account), `images` and `replicas`. A value a transformer sets
//! points at the kustomization line that set it.

use crate::collect::yaml::{Node, NodeKind, Scalar, Style};

use super::Rendered;

/// Kinds that live outside namespaces: `namespace:` leaves them alone.
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "StorageClass",
    "PriorityClass",
    "IngressClass",
    "RuntimeClass",
    "PodSecurityPolicy",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "APIService",
    "CSIDriver",
    "VolumeSnapshotClass",
];

/// Pod specs of an object, where containers (and their images) are.
const POD_SPECS: &[&[&str]] = &[
    &["spec"],
    &["spec", "template", "spec"],
    &["spec", "jobTemplate", "spec", "template", "spec"],
    &["template", "spec"],
];

pub fn namespace(objects: &mut [Rendered], value: &Node) {
    let Some(ns) = value.as_str() else { return };
    for obj in objects.iter_mut() {
        let kind = obj.node.get("kind").and_then(Node::as_str).unwrap_or("");
        if CLUSTER_SCOPED.contains(&kind) {
            continue;
        }
        if obj.node.path(&["metadata", "namespace"]).and_then(Node::as_str) == Some(ns) {
            continue;
        }
        if let Some(meta) = map_at(&mut obj.node, "metadata", value) {
            set(meta, "namespace", value.clone());
            obj.modified = true;
        }
    }
}

pub fn prefix_suffix(objects: &mut [Rendered], prefix: Option<&Node>, suffix: Option<&Node>) {
    let p = prefix.and_then(Node::as_str).unwrap_or("");
    let s = suffix.and_then(Node::as_str).unwrap_or("");
    if p.is_empty() && s.is_empty() {
        return;
    }
    let at = prefix.or(suffix);
    let renamed = |name: &str| format!("{p}{name}{s}");
    // Names before the change, to update references to them.
    let originals: Vec<(String, String)> = objects
        .iter()
        .filter_map(|o| {
            Some((o.node.get("kind")?.as_str()?.to_string(), o.node.path(&["metadata", "name"])?.as_str()?.to_string()))
        })
        .collect();
    let known = |kind: &str, name: &str| originals.iter().any(|(k, n)| k == kind && n == name);
    for obj in objects.iter_mut() {
        let kind = obj.node.get("kind").and_then(Node::as_str).unwrap_or("").to_string();
        if kind == "CustomResourceDefinition" || kind == "Namespace" {
            continue;
        }
        let Some(name) = obj.node.path(&["metadata", "name"]).and_then(Node::as_str).map(str::to_string) else {
            continue;
        };
        let new = renamed(&name);
        let anchor = at.cloned().unwrap_or_else(|| Node::null(obj.node.line, obj.node.col));
        if let Some(meta) = map_at(&mut obj.node, "metadata", &anchor) {
            set(meta, "name", scalar_like(at, &new));
        }
        obj.names.push(new);
        obj.modified = true;
        // References stackaudit resolves between objects.
        if kind == "HorizontalPodAutoscaler" {
            let target = obj.node.path(&["spec", "scaleTargetRef"]);
            let target_kind = target.and_then(|t| t.get("kind")).and_then(Node::as_str).unwrap_or("").to_string();
            let target_name = target.and_then(|t| t.get("name")).and_then(Node::as_str).unwrap_or("").to_string();
            if known(&target_kind, &target_name) {
                if let Some(t) = get_mut(&mut obj.node, &["spec", "scaleTargetRef"]) {
                    set(t, "name", scalar_like(at, &renamed(&target_name)));
                }
            }
        }
        for path in POD_SPECS {
            let account = obj.node.path(path).and_then(|s| s.get("serviceAccountName")).and_then(Node::as_str);
            let Some(account) = account.map(str::to_string) else { continue };
            if known("ServiceAccount", &account) {
                if let Some(spec) = get_mut(&mut obj.node, path) {
                    set(spec, "serviceAccountName", scalar_like(at, &renamed(&account)));
                }
            }
        }
    }
}

/// `labels:` entries and `commonLabels`: added to every object's labels
/// (and its pod template's, when the entry says so), so that selectors of
/// later patches and Services see them. Labels change no security setting:
/// objects are not counted as modified for them.
pub fn labels(objects: &mut [Rendered], entries: &[&Node], common: Option<&Node>) {
    let mut sets: Vec<(&Node, bool)> = Vec::new();
    for entry in entries {
        let Some(pairs) = entry.get("pairs").filter(|p| p.as_map().is_some()) else { continue };
        let templates =
            ["includeSelectors", "includeTemplates"].iter().any(|k| entry.get(k).and_then(Node::as_bool) == Some(true));
        sets.push((pairs, templates));
    }
    if let Some(common) = common {
        sets.push((common, true));
    }
    for (pairs, templates) in sets {
        for obj in objects.iter_mut() {
            let mut targets: Vec<&[&str]> = vec![&["metadata"]];
            if templates {
                targets.extend([
                    &["spec", "template", "metadata"][..],
                    &["spec", "jobTemplate", "spec", "template", "metadata"][..],
                ]);
            }
            for path in targets {
                let exists = match path.split_last() {
                    Some((_, [])) | None => true,
                    Some((_, parent)) => obj.node.path(parent).is_some(),
                };

                if !exists {
                    continue;
                }
                let Some(meta) = ensure_maps(&mut obj.node, path, pairs) else { continue };
                let Some(labels) = map_at(meta, "labels", pairs) else { continue };
                for (k, v) in pairs.entries() {
                    set(labels, k, v.clone());
                }
            }
        }
    }
}

/// The mapping at `path`, creating missing mappings on the way.
fn ensure_maps<'n>(node: &'n mut Node, path: &[&str], at: &Node) -> Option<&'n mut Node> {
    let Some((first, rest)) = path.split_first() else { return Some(node) };
    let child = map_at(node, first, at)?;
    ensure_maps(child, rest, at)
}

/// `images:` entries: `name` matches the image without tag or digest.
pub fn images(objects: &mut [Rendered], entries: &[&Node]) {
    for entry in entries {
        let Some(name) = entry.get("name").and_then(Node::as_str) else { continue };
        for obj in objects.iter_mut() {
            for path in POD_SPECS {
                let Some(spec) = get_mut(&mut obj.node, path) else { continue };
                for list in ["containers", "initContainers", "ephemeralContainers"] {
                    let Some(NodeKind::Seq(items)) = get_mut(spec, &[list]).map(|n| &mut n.kind) else { continue };
                    for container in items.iter_mut() {
                        let Some(image) = container.get("image").and_then(Node::as_str) else { continue };
                        let Some(new) = rewrite_image(image, name, entry) else { continue };
                        let at = ["digest", "newTag", "newName"].iter().find_map(|k| entry.get(k)).unwrap_or(entry);
                        set(container, "image", scalar_like(Some(at), &new));
                        obj.modified = true;
                    }
                }
            }
        }
    }
}

fn rewrite_image(image: &str, name: &str, entry: &Node) -> Option<String> {
    let (base, rest) = split_image(image);
    if base != name {
        return None;
    }
    let text = |k: &str| entry.get(k).and_then(Node::as_str);
    let new_name = text("newName").unwrap_or(base);
    Some(match (text("digest"), text("newTag")) {
        (Some(digest), _) => format!("{new_name}@{digest}"),
        (None, Some(tag)) => format!("{new_name}:{tag}"),
        (None, None) => format!("{new_name}{rest}"),
    })
}

/// `registry:5000/app:1.2@sha256:...` into `registry:5000/app` and the rest.
fn split_image(image: &str) -> (&str, &str) {
    let digest = image.find('@').unwrap_or(image.len());
    let without_digest = image.get(..digest).unwrap_or(image);
    let last_slash = without_digest.rfind('/').map_or(0, |i| i + 1);
    let tag = without_digest.get(last_slash..).and_then(|tail| tail.find(':')).map(|i| last_slash + i);
    let cut = tag.unwrap_or(digest);
    (image.get(..cut).unwrap_or(image), image.get(cut..).unwrap_or(""))
}

/// `replicas:` entries (`name`, `count`).
pub fn replicas(objects: &mut [Rendered], entries: &[&Node]) {
    for entry in entries {
        let (Some(name), Some(count)) = (entry.get("name").and_then(Node::as_str), entry.get("count")) else {
            continue;
        };
        for obj in objects.iter_mut() {
            let kind = obj.node.get("kind").and_then(Node::as_str).unwrap_or("");
            let scalable = matches!(kind, "Deployment" | "StatefulSet" | "ReplicaSet" | "ReplicationController");
            if scalable && obj.names.iter().any(|n| n == name) {
                if let Some(spec) = map_at(&mut obj.node, "spec", entry) {
                    set(spec, "replicas", count.clone());
                    obj.modified = true;
                }
            }
        }
    }
}

fn get_mut<'n>(node: &'n mut Node, path: &[&str]) -> Option<&'n mut Node> {
    let Some((first, rest)) = path.split_first() else { return Some(node) };
    let NodeKind::Map(entries) = &mut node.kind else { return None };
    let (_, child) = entries.iter_mut().rev().find(|(k, _)| k.as_str() == Some(first))?;
    get_mut(child, rest)
}

/// The mapping under `key`, created (positioned at `at`) when absent.
fn map_at<'n>(node: &'n mut Node, key: &str, at: &Node) -> Option<&'n mut Node> {
    if get_mut(node, &[key]).is_none_or(|n| n.as_map().is_none()) {
        set(node, key, Node { kind: NodeKind::Map(Vec::new()), ..scalar_like(Some(at), "") });
    }
    get_mut(node, &[key])
}

/// Sets `key` in a mapping (replacing its value, or appending it).
fn set(node: &mut Node, key: &str, value: Node) {
    let NodeKind::Map(entries) = &mut node.kind else { return };
    match entries.iter_mut().rev().find(|(k, _)| k.as_str() == Some(key)) {
        Some((_, v)) => *v = value,
        None => {
            let key_node = Node {
                kind: NodeKind::Scalar(Scalar { text: key.to_string(), plain: true, style: Style::Plain }),
                ..value.clone_position()
            };
            entries.push((key_node, value));
        }
    }
}

/// A string scalar at the position (and source) of `at`.
fn scalar_like(at: Option<&Node>, text: &str) -> Node {
    let mut node = Node::null(0, 0);
    if let Some(at) = at {
        node.line = at.line;
        node.col = at.col;
        node.source = at.source;
    }
    node.kind = NodeKind::Scalar(Scalar { text: text.to_string(), plain: false, style: Style::DoubleQuoted });
    node
}

trait Position {
    fn clone_position(&self) -> Node;
}

impl Position for Node {
    fn clone_position(&self) -> Node {
        let mut node = Node::null(self.line, self.col);
        node.source = self.source;
        node
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names() {
        assert_eq!(split_image("nginx"), ("nginx", ""));
        assert_eq!(split_image("nginx:1.27"), ("nginx", ":1.27"));
        assert_eq!(split_image("registry:5000/team/app:2@sha256:ab"), ("registry:5000/team/app", ":2@sha256:ab"));
        assert_eq!(split_image("app@sha256:ab"), ("app", "@sha256:ab"));
    }
}
