//! From YAML documents to Kubernetes objects: `List`s flattened, each
//! document classified (API object, Kustomize input, component
//! configuration, custom resource) and API objects checked for the fields
//! every object has.

use crate::collect::yaml::Node;

use super::kinds::{classify, DocClass};

/// Shown as the name of an object that has none (the API server would want
/// one; what it holds is audited all the same).
pub const NO_NAME: &str = "(no name)";

/// One object of a manifest, still as YAML.
#[derive(Debug, Clone)]
pub struct Object<'a> {
    pub node: &'a Node,
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    /// `kind:`, where findings about the object as a whole point.
    pub kind_node: &'a Node,
    pub line: u32,
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
    /// The node's source (see `Place`), 0 for the file being audited.
    pub source: u32,
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl ObjectError {
    pub fn at(node: &Node, message: String) -> Self {
        Self { source: node.source, line: node.line, col: node.col, message }
    }
}

/// What a document held.
#[derive(Debug, Default)]
pub struct Flattened<'a> {
    pub objects: Vec<Object<'a>>,
    /// Documents that are not audited, as `why (line N)`: custom resources,
    /// component configuration, Kustomize plugin configuration.
    pub skipped: Vec<String>,
    pub errors: Vec<ObjectError>,
    /// Lines of documents that are not manifests at all (no `apiVersion`
    /// and no `kind`).
    pub foreign: Vec<u32>,
    /// `Kustomization` and `Component` documents.
    pub kustomizations: Vec<&'a Node>,
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
    let err = |node: &Node, message: String| ObjectError::at(node, message);
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
    match classify(api_version, kind) {
        DocClass::Api => {}
        DocClass::Kustomization => {
            out.kustomizations.push(doc);
            return;
        }
        DocClass::Skip(reason) => {
            out.skipped.push(format!("{reason} (line {})", kind_node.line));
            return;
        }
        DocClass::UnknownKind(known) => {
            out.errors.push(err(
                kind_node,
                format!("unknown kind {kind:?} in apiVersion {api_version:?}; known kinds: {}", known.join(", ")),
            ));
            return;
        }
    }
    let metadata = doc.get("metadata");
    let name = metadata.and_then(|m| m.get("name")).and_then(Node::as_str);
    let generate = metadata.and_then(|m| m.get("generateName")).and_then(Node::as_str);
    let name = match (name, generate) {
        (Some(n), _) if !n.trim().is_empty() => n.to_string(),
        (_, Some(g)) if !g.trim().is_empty() => format!("{g}*"),
        // The API server would refuse it, but kubectl's and Kustomize's
        // inputs often leave names to a generator or a later layer: audit
        // what it holds.
        _ => NO_NAME.to_string(),
    };
    let namespace = metadata.and_then(|m| m.get("namespace")).and_then(Node::as_str).map(str::to_string);
    out.objects.push(Object {
        node: doc,
        api_version: api_version.to_string(),
        kind: kind.to_string(),
        name,
        namespace,
        kind_node,
        line: kind_node.line,
    });
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
            out.skipped,
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
    fn typos_are_errors_nameless_objects_audited_custom_resources_skipped() {
        let (objects, errors, skipped) = run(
            "apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Service\n---\nkind: Pod\n---\napiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: c}\n---\napiVersion: builtin\nkind: Pod\n",
        );
        assert_eq!(objects, ["Service/(no name)@6"]);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].starts_with("2: unknown kind \"Deploymnet\" in apiVersion \"apps/v1\""), "{errors:?}");
        assert!(errors[1].starts_with("8: object has `kind` but no `apiVersion`"), "{errors:?}");
        assert_eq!(skipped.len(), 2, "{skipped:?}");
        assert!(skipped[0].starts_with("custom resource (cert-manager.io/v1 Certificate)"), "{skipped:?}");
        assert!(skipped[0].ends_with("(line 11)"), "{skipped:?}");
        assert!(skipped[1].starts_with("Kustomize built-in plugin configuration (Pod)"), "{skipped:?}");
    }
}
