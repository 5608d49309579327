//! A `kustomization.yaml` as data: what it pulls in, what it patches, and
//! which of its fields are applied here.

use crate::collect::yaml::Node;

use super::select::Selector;

/// One kustomization (or Component) document.
#[derive(Debug)]
pub struct Kustomization<'a> {
    pub component: bool,
    /// `resources:` and the older `bases:`: files and folders.
    pub resources: Vec<&'a Node>,
    pub components: Vec<&'a Node>,
    pub patches: Vec<Patch<'a>>,
    pub namespace: Option<&'a Node>,
    pub name_prefix: Option<&'a Node>,
    pub name_suffix: Option<&'a Node>,
    /// `images:` entries (`name`, `newName`, `newTag`, `digest`).
    pub images: Vec<&'a Node>,
    /// `replicas:` entries (`name`, `count`).
    pub replicas: Vec<&'a Node>,
    /// `labels:` entries (`pairs`, `includeSelectors`, `includeTemplates`).
    pub labels: Vec<&'a Node>,
    /// `commonLabels:` (a mapping, applied to selectors and templates too).
    pub common_labels: Option<&'a Node>,
    /// Fields that generate or transform objects and are not applied here.
    pub not_applied: Vec<&'static str>,
}

#[derive(Debug)]
pub struct Patch<'a> {
    /// The field it is listed under.
    pub field: &'static str,
    pub body: PatchBody<'a>,
    pub target: Option<Selector>,
    /// The target selector could not be read; the reason.
    pub bad_target: Option<String>,
    /// The entry in the kustomization.
    pub node: &'a Node,
}

#[derive(Debug)]
pub enum PatchBody<'a> {
    /// A file, relative to the kustomization's folder.
    File(&'a str),
    /// A patch written in the kustomization itself, as a string.
    Inline(&'a Node),
}

/// Fields Kustomize turns into objects or uses to rewrite them, beyond the
/// ones applied here.
const NOT_APPLIED: &[&str] = &[
    "configMapGenerator",
    "secretGenerator",
    "generators",
    "transformers",
    "validators",
    "helmCharts",
    "helmChartInflationGenerator",
    "replacements",
    "vars",
    "openapi",
    "crds",
];

pub fn read(doc: &Node) -> Kustomization<'_> {
    let list = |key: &str| doc.get(key).and_then(Node::as_seq).unwrap_or_default();
    let strings = |key: &str| list(key).iter().filter(|n| n.as_str().is_some()).collect::<Vec<&Node>>();
    let mut resources = strings("resources");
    resources.extend(strings("bases"));
    let mut patches = Vec::new();
    for node in list("patchesStrategicMerge") {
        let Some(text) = node.as_str() else { continue };
        // Kustomize takes an entry that is not a file name for the patch
        // itself.
        let body = if text.contains('\n') { PatchBody::Inline(node) } else { PatchBody::File(text) };
        patches.push(Patch { field: "patchesStrategicMerge", body, target: None, bad_target: None, node });
    }
    for (field, entries) in [("patches", list("patches")), ("patchesJson6902", list("patchesJson6902"))] {
        for node in entries {
            let body = match (node.get("path").and_then(Node::as_str), node.get("patch")) {
                (Some(path), _) => PatchBody::File(path),
                (None, Some(inline)) if inline.as_str().is_some() => PatchBody::Inline(inline),
                _ => continue,
            };
            let (target, bad_target) = match node.get("target").filter(|t| !t.is_null()) {
                None => (None, None),
                Some(t) => match Selector::read(t) {
                    Ok(s) => (Some(s), None),
                    Err(reason) => (None, Some(reason)),
                },
            };
            patches.push(Patch { field, body, target, bad_target, node });
        }
    }
    let scalar = |key: &str| doc.get(key).filter(|n| n.as_str().is_some());
    Kustomization {
        component: doc.get("kind").and_then(Node::as_str) == Some("Component"),
        resources,
        components: strings("components"),
        patches,
        namespace: scalar("namespace"),
        name_prefix: scalar("namePrefix"),
        name_suffix: scalar("nameSuffix"),
        images: list("images").iter().collect(),
        replicas: list("replicas").iter().collect(),
        labels: list("labels").iter().collect(),
        common_labels: doc.get("commonLabels").filter(|n| n.as_map().is_some()),
        not_applied: NOT_APPLIED.iter().copied().filter(|k| doc.get(k).is_some_and(|n| !n.is_null())).collect(),
    }
}

/// A resource Kustomize would fetch from elsewhere: a git repository or a
/// URL.
pub fn is_remote(reference: &str) -> bool {
    reference.contains("://")
        || reference.starts_with("git@")
        || reference.starts_with("github.com/")
        || reference.starts_with("gitlab.com/")
        || reference.contains("?ref=")
}
