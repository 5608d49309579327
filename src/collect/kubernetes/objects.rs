//! From YAML documents to Kubernetes objects: `List`s flattened, each object
//! checked for the fields every object has (`apiVersion`, `kind`,
//! `metadata.name`) and for kinds the API server would not know.

use crate::collect::yaml::Node;

/// One object of a manifest, still as YAML.
#[derive(Debug, Clone)]
pub struct Object<'a> {
    pub node: &'a Node,
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    /// Line of `kind:`, where findings about the object as a whole point.
    pub line: u32,
    pub col: u32,
}

impl Object<'_> {
    /// `Kind/name`, how kubectl names objects.
    pub fn reference(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }
}

/// A problem with one document or object, with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectError {
    pub line: u32,
    pub col: u32,
    pub message: String,
}

/// What a document held.
#[derive(Debug, Default)]
pub struct Flattened<'a> {
    pub objects: Vec<Object<'a>>,
    /// Custom resources, as `apiVersion kind (line N)`, reported as skipped.
    pub custom: Vec<String>,
    pub errors: Vec<ObjectError>,
    /// Lines of documents that are not manifests at all (no `apiVersion`
    /// and no `kind`).
    pub foreign: Vec<u32>,
}

/// Flattens one document into objects (recursing into `List` items).
pub fn flatten<'a>(doc: &'a Node, out: &mut Flattened<'a>) {
    if doc.is_null() {
        return;
    }
    if doc.as_map().is_none() {
        out.foreign.push(doc.line);
        return;
    }
    let api = doc.get("apiVersion");
    let kind = doc.get("kind");
    let err = |node: &Node, message: String| ObjectError { line: node.line, col: node.col, message };
    let (api_node, kind_node) = match (api, kind) {
        (None, None) => {
            out.foreign.push(doc.line);
            return;
        }
        (Some(_), None) => {
            out.errors.push(err(doc, "object has `apiVersion` but no `kind`".into()));
            return;
        }
        (None, Some(k)) => {
            out.errors.push(err(k, "object has `kind` but no `apiVersion`".into()));
            return;
        }
        (Some(a), Some(k)) => (a, k),
    };
    let (Some(api_version), Some(kind)) = (api_node.as_str(), kind_node.as_str()) else {
        out.errors.push(err(kind_node, "`apiVersion` and `kind` must be strings".into()));
        return;
    };
    if kind.ends_with("List") && doc.get("items").is_some() {
        match doc.get("items").and_then(Node::as_seq) {
            Some(items) => items.iter().for_each(|item| flatten(item, out)),
            None if doc.get("items").is_some_and(Node::is_null) => {}
            None => out.errors.push(err(kind_node, format!("{kind}: `items` must be a sequence of objects"))),
        }
        return;
    }
    let group = match api_version.rsplit_once('/') {
        Some((g, _)) => g.to_string(),
        None => String::new(),
    };
    if let Some(known) = builtin_kinds(&group) {
        if !known.contains(&kind) {
            let group_name = if group.is_empty() { "the core API group (v1)" } else { group.as_str() };
            out.errors.push(err(
                kind_node,
                format!("unknown kind {kind:?} in {group_name}; known kinds: {}", known.join(", ")),
            ));
            return;
        }
    } else if !group.ends_with(".k8s.io") || is_crd_group(&group) {
        out.custom.push(format!("{api_version} {kind} (line {})", kind_node.line));
        return;
    }
    let metadata = doc.get("metadata");
    let name = metadata.and_then(|m| m.get("name")).and_then(Node::as_str);
    let generate = metadata.and_then(|m| m.get("generateName")).and_then(Node::as_str);
    let name = match (name, generate) {
        (Some(n), _) if !n.trim().is_empty() => n.to_string(),
        (_, Some(g)) if !g.trim().is_empty() => format!("{g}*"),
        _ => {
            out.errors.push(err(kind_node, format!("{kind} has no metadata.name")));
            return;
        }
    };
    let namespace = metadata.and_then(|m| m.get("namespace")).and_then(Node::as_str).map(str::to_string);
    out.objects.push(Object {
        node: doc,
        api_version: api_version.to_string(),
        kind: kind.to_string(),
        name,
        namespace,
        line: kind_node.line,
        col: kind_node.col,
    });
}

/// Kinds of the API groups built into Kubernetes whose kinds are all known
/// here: a kind outside these lists is a typo the API server would reject.
fn builtin_kinds(group: &str) -> Option<&'static [&'static str]> {
    Some(match group {
        "" => &[
            "Binding",
            "ComponentStatus",
            "ConfigMap",
            "Endpoints",
            "Event",
            "LimitRange",
            "Namespace",
            "Node",
            "PersistentVolume",
            "PersistentVolumeClaim",
            "Pod",
            "PodTemplate",
            "ReplicationController",
            "ResourceQuota",
            "Secret",
            "Service",
            "ServiceAccount",
        ],
        "apps" => &["ControllerRevision", "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"],
        "batch" => &["CronJob", "Job"],
        "autoscaling" => &["HorizontalPodAutoscaler"],
        "policy" => &["PodDisruptionBudget", "PodSecurityPolicy", "Eviction"],
        "networking.k8s.io" => &["Ingress", "IngressClass", "NetworkPolicy", "IPAddress", "ServiceCIDR"],
        "rbac.authorization.k8s.io" => &["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"],
        "extensions" => &["DaemonSet", "Deployment", "Ingress", "NetworkPolicy", "PodSecurityPolicy", "ReplicaSet"],
        _ => return None,
    })
}

/// `*.k8s.io` groups that are defined by CustomResourceDefinitions (Gateway
/// API, snapshots...), not by the API server.
fn is_crd_group(group: &str) -> bool {
    matches!(group, "gateway.networking.k8s.io" | "snapshot.storage.k8s.io" | "metrics.k8s.io" | "cluster.x-k8s.io")
        || group.ends_with(".x-k8s.io")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::yaml::parse_documents;

    fn run(text: &str) -> (Vec<String>, Vec<String>, Vec<String>) {
        let docs = parse_documents(text).unwrap();
        let mut out = Flattened::default();
        for d in &docs {
            flatten(d, &mut out);
        }
        (
            out.objects.iter().map(|o| format!("{}@{}", o.reference(), o.line)).collect(),
            out.errors.iter().map(|e| format!("{}: {}", e.line, e.message)).collect(),
            out.custom,
        )
    }

    #[test]
    fn lists_are_flattened() {
        let (objects, errors, _) = run(
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: b}\n",
        );
        assert_eq!(objects, ["Pod/a@5", "Deployment/b@8"]);
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn typos_and_missing_fields_are_errors_custom_resources_are_skipped() {
        let (objects, errors, custom) = run(
            "apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Service\n---\nkind: Pod\n---\napiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: c}\n",
        );
        assert!(objects.is_empty(), "{objects:?}");
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].starts_with("2: unknown kind \"Deploymnet\""), "{errors:?}");
        assert!(errors[1].starts_with("6: Service has no metadata.name"), "{errors:?}");
        assert!(errors[2].starts_with("8: object has `kind` but no `apiVersion`"), "{errors:?}");
        assert_eq!(custom, ["cert-manager.io/v1 Certificate (line 11)"]);
    }
}
