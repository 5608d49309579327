//! Kustomize, as `kustomize build` (and `kubectl apply -k`) sees a tree: a
//! kustomization pulls in resources (files, and folders with their own
//! kustomization), applies components and patches, and rewrites namespace,
//! names, images and replicas. Files listed as patches are not workloads:
//! they are applied to the objects they target and the result is audited,
//! each value pointing at the line (base or patch) that set it.
//!
//! The graph is resolved inside the scanned files only, with a depth limit
//! and cycle detection. What is not applied (generators, plugins, remote
//! resources) is recorded as skipped with the reason.

mod file;
mod json_patch;
mod merge;
mod patches;
mod select;
mod transform;

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use crate::collect::yaml::Node;
use crate::diagnostics::{ErrorKind, ScanError, Skipped};
use crate::facts::Location;

use super::objects;
use super::source::Source;
use file::{Kustomization, PatchBody};

/// How deep resources may nest (overlay → base → base...); Kustomize
/// trees in practice are two or three levels.
pub const MAX_DEPTH: usize = 16;

/// An object of a rendering.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub node: Node,
    /// Its names, oldest first (a prefix adds one).
    pub names: Vec<String>,
    /// Changed by the kustomization being rendered (its patches,
    /// components or transformers).
    pub modified: bool,
}

/// What one kustomization builds.
pub struct Rendering {
    /// Index of the kustomization's source.
    pub kustomization: usize,
    pub objects: Vec<Rendered>,
}

#[derive(Default)]
pub struct Plan {
    /// Sources that are patches: applied, not audited on their own.
    pub consumed: HashSet<usize>,
    pub renderings: Vec<Rendering>,
    pub skipped: Vec<Skipped>,
    pub errors: Vec<ScanError>,
}

/// Files kustomizations name as patches: read even when they do not look
/// like manifests (a JSON 6902 patch is a list of operations).
pub fn patch_files(sources: &[Source]) -> HashSet<PathBuf> {
    let graph = Graph::new(sources);
    let mut out = HashSet::new();
    for (&k, kz) in &graph.kustomizations {
        for patch in &kz.patches {
            if let PatchBody::File(rel) = patch.body {
                out.insert(normalise(&graph.dir(k).join(rel)));
            }
        }
    }
    out
}

/// The form paths are compared in.
pub fn normalised(path: &Path) -> PathBuf {
    normalise(path)
}

pub fn plan(sources: &[Source]) -> Plan {
    let mut graph = Graph::new(sources);
    let mut plan = Plan::default();
    let mut order: Vec<usize> = graph.kustomizations.keys().copied().collect();
    order.sort_unstable();
    for &k in &order {
        let Some(kz) = graph.kustomizations.get(&k) else { continue };
        for patch in &kz.patches {
            if let PatchBody::File(rel) = patch.body {
                if let Some(idx) = graph.file(k, rel) {
                    plan.consumed.insert(idx);
                }
            }
        }
    }
    for &k in &order {
        if graph.kustomizations.get(&k).is_some_and(|kz| kz.component) {
            continue;
        }
        let objects = graph.render(k, &mut Vec::new());
        plan.renderings.push(Rendering { kustomization: k, objects });
    }
    plan.skipped = graph.skipped;
    plan.errors = graph.errors;
    plan
}

struct Graph<'s> {
    sources: &'s [Source],
    /// Lexically normalised path of each file source.
    index: HashMap<PathBuf, usize>,
    kustomizations: HashMap<usize, Rc<Kustomization<'s>>>,
    memo: HashMap<usize, Vec<Rendered>>,
    skipped: Vec<Skipped>,
    errors: Vec<ScanError>,
    reported: HashSet<(usize, String)>,
}

impl<'s> Graph<'s> {
    fn new(sources: &'s [Source]) -> Self {
        let mut index = HashMap::new();
        let mut kustomizations = HashMap::new();
        for (i, source) in sources.iter().enumerate() {
            if let Some(path) = &source.path {
                index.insert(normalise(path), i);
            }
            if source.kustomization {
                if let Some(doc) = source.docs.iter().find(|d| d.as_map().is_some()) {
                    kustomizations.insert(i, Rc::new(file::read(doc)));
                }
            }
        }
        Self {
            sources,
            index,
            kustomizations,
            memo: HashMap::new(),
            skipped: Vec::new(),
            errors: Vec::new(),
            reported: HashSet::new(),
        }
    }

    fn display(&self, k: usize) -> &str {
        self.sources.get(k).map_or("", |s| s.display.as_str())
    }

    fn skip(&mut self, k: usize, reason: String) {
        if self.reported.insert((k, reason.clone())) {
            self.skipped.push(Skipped { path: self.display(k).to_string(), reason });
        }
    }

    fn dir(&self, k: usize) -> PathBuf {
        let path = self.sources.get(k).and_then(|s| s.path.as_deref()).unwrap_or(Path::new(""));
        normalise(path.parent().unwrap_or(Path::new("")))
    }

    /// A file named relative to kustomization `k`, among the scanned ones.
    fn file(&self, k: usize, rel: &str) -> Option<usize> {
        self.index.get(&normalise(&self.dir(k).join(rel))).copied()
    }

    /// The kustomization of a folder named relative to `k`.
    fn folder(&self, k: usize, rel: &str) -> Option<usize> {
        let dir = normalise(&self.dir(k).join(rel));
        ["kustomization.yaml", "kustomization.yml", "Kustomization"]
            .iter()
            .find_map(|name| self.index.get(&dir.join(name)).copied())
            .filter(|i| self.kustomizations.contains_key(i))
    }

    fn render(&mut self, k: usize, stack: &mut Vec<usize>) -> Vec<Rendered> {
        if let Some(done) = self.memo.get(&k) {
            return done.clone();
        }
        if stack.contains(&k) || stack.len() >= MAX_DEPTH {
            let chain: Vec<&str> = stack.iter().chain([&k]).map(|&i| self.display(i)).collect();
            let what = if stack.contains(&k) {
                format!("kustomization cycle: {}", chain.join(" -> "))
            } else {
                format!("kustomizations nested more than {MAX_DEPTH} levels deep (limit): {}", chain.join(" -> "))
            };
            let display = self.display(k).to_string();
            self.errors
                .push(ScanError::new(super::SOURCE, &display, ErrorKind::Malformed, what).at(Location::file(&display)));
            return Vec::new();
        }
        stack.push(k);
        let mut objects = self.resources(k, stack);
        for o in &mut objects {
            o.modified = false;
        }
        self.layer(k, &mut objects, stack);
        stack.pop();
        self.memo.insert(k, objects.clone());
        objects
    }

    /// The objects of `k`'s `resources:`.
    fn resources(&mut self, k: usize, stack: &mut Vec<usize>) -> Vec<Rendered> {
        let mut objects = Vec::new();
        let refs: Vec<String> = self
            .kustomizations
            .get(&k)
            .map(|kz| kz.resources.iter().filter_map(|n| n.as_str()).map(str::to_string).collect())
            .unwrap_or_default();
        for rel in refs {
            if file::is_remote(&rel) {
                self.skip(k, format!("remote resource {rel} is not fetched; its objects are not audited"));
            } else if let Some(idx) = self.file(k, &rel).filter(|i| !self.kustomizations.contains_key(i)) {
                objects.extend(self.objects_of(idx));
            } else if let Some(sub) = self.folder(k, &rel) {
                objects.extend(self.render(sub, stack));
            } else if self.dir(k).join(&rel).exists() {
                self.skip(k, format!("resource {rel} is not among the scanned files (excluded or outside the scan)"));
            } else {
                self.skip(k, format!("resource {rel} does not exist"));
            }
        }
        objects
    }

    /// Components, patches and transformers of `k`, applied to `objects`.
    fn layer(&mut self, k: usize, objects: &mut Vec<Rendered>, stack: &mut Vec<usize>) {
        let components: Vec<String> = self
            .kustomizations
            .get(&k)
            .map(|kz| kz.components.iter().filter_map(|n| n.as_str()).map(str::to_string).collect())
            .unwrap_or_default();
        for rel in components {
            let Some(c) = self.folder(k, &rel) else {
                self.skip(k, format!("component {rel} is not among the scanned files"));
                continue;
            };
            if stack.contains(&c) || stack.len() >= MAX_DEPTH {
                let display = self.display(k).to_string();
                self.errors.push(ScanError::new(
                    super::SOURCE,
                    &display,
                    ErrorKind::Malformed,
                    format!("component {rel} includes itself or nests too deep"),
                ));
                continue;
            }
            stack.push(c);
            let added = self.resources(c, stack);
            objects.extend(added.into_iter().map(|mut o| {
                o.modified = false;
                o
            }));
            self.layer(c, objects, stack);
            stack.pop();
        }
        let Some(kz) = self.kustomizations.get(&k).cloned() else { return };
        for patch in &kz.patches {
            let docs = self.patch_docs(k, patch);
            self.apply_patch(k, patch, docs, objects);
        }
        let (namespace, prefix, suffix) = (kz.namespace, kz.name_prefix, kz.name_suffix);
        let (images, replicas, not_applied) = (kz.images.clone(), kz.replicas.clone(), kz.not_applied.clone());
        let source = u32::try_from(k + 1).unwrap_or(u32::MAX);
        let mark = |n: Option<&Node>| {
            n.map(|n| {
                let mut n = n.clone();
                n.set_source(source);
                n
            })
        };
        let labels: Vec<Node> = kz.labels.iter().filter_map(|n| mark(Some(n))).collect();
        transform::labels(objects, &labels.iter().collect::<Vec<_>>(), mark(kz.common_labels).as_ref());
        if let Some(ns) = mark(namespace) {
            transform::namespace(objects, &ns);
        }
        transform::prefix_suffix(objects, mark(prefix).as_ref(), mark(suffix).as_ref());
        let images: Vec<Node> = images.into_iter().filter_map(|n| mark(Some(n))).collect();
        transform::images(objects, &images.iter().collect::<Vec<_>>());
        let replicas: Vec<Node> = replicas.into_iter().filter_map(|n| mark(Some(n))).collect();
        transform::replicas(objects, &replicas.iter().collect::<Vec<_>>());
        if !not_applied.is_empty() {
            self.skip(
                k,
                format!(
                    "{} not rendered: stackaudit applies resources, components, strategic-merge patches, namespace, \
                     name prefix/suffix, labels, images and replicas; render with `kubectl kustomize DIR | stackaudit scan -` \
                     to audit the rest",
                    not_applied.join(", ")
                ),
            );
        }
    }

    /// The API objects of a plain file, marked with its source.
    fn objects_of(&self, idx: usize) -> Vec<Rendered> {
        let Some(source) = self.sources.get(idx) else { return Vec::new() };
        let mut flat = objects::Flattened::default();
        for doc in &source.docs {
            objects::flatten(doc, &mut flat);
        }
        let id = u32::try_from(idx + 1).unwrap_or(u32::MAX);
        flat.objects
            .iter()
            .map(|o| {
                let mut node = o.node.clone();
                node.set_source(id);
                Rendered { node, names: vec![o.name.clone()], modified: false }
            })
            .collect()
    }
}

/// `a/./b/../c` as `a/c`, without touching the file system (links inside
/// the tree are the walker's business).
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised_lexically() {
        assert_eq!(normalise(Path::new("overlays/prod/../../base/./d.yaml")), PathBuf::from("base/d.yaml"));
        assert_eq!(normalise(Path::new("./a")), PathBuf::from("a"));
    }
}
