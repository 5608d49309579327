//! `extends`: a service built on another service, of the same file or of
//! another file, resolved as Docker Compose does it: the base service
//! (itself resolved first) with the extending service merged onto it by
//! the same rules as an override file. Settings keep the file and line that
//! wrote them, so a `privileged: true` inherited from another file is
//! reported there; relative paths in another file start from its folder.
//! Chains are bounded and cycles are errors.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::assemble::Assembler;
use super::interpolate::Interpolator;
use super::merge::{merge, merge_service};
use super::project::parent_display;
use super::source::{key, Loaded};
use super::tree::Val;

/// Longest `extends` chain followed (Docker Compose sets none; real chains
/// are two or three long).
const MAX_CHAIN: usize = 32;

/// Resolves the `extends` of every service of `root`, one document of the
/// file `loaded`.
pub fn resolve(a: &mut Assembler<'_>, root: &mut Val, loaded: &Loaded, env: &Interpolator) {
    let Some(services) = root.get("services").and_then(Val::as_map) else { return };
    if !services.iter().any(|(_, s)| s.get("extends").is_some()) {
        return;
    }
    let this = key(&loaded.path);
    let mut r = Resolver { a, env, files: HashMap::new(), memo: HashMap::new() };
    r.files.insert(this.clone(), services.to_vec());
    let names: Vec<String> =
        services.iter().filter(|(_, s)| s.get("extends").is_some()).map(|(n, _)| n.clone()).collect();
    let mut resolved = Vec::with_capacity(names.len());
    for name in names {
        if let Some(v) = r.service(&this, &name, &mut Vec::new()) {
            resolved.push((name, v));
        }
    }
    let Some(entries) = root.get_mut_services() else { return };
    for (name, v) in resolved {
        if let Some(slot) = entries.iter_mut().rev().find(|(k, _)| *k == name) {
            slot.1 = v;
        }
    }
}

struct Resolver<'a, 'b> {
    a: &'a mut Assembler<'b>,
    env: &'a Interpolator,
    /// Services of each file taking part, by file key.
    files: HashMap<PathBuf, Vec<(String, Val)>>,
    memo: HashMap<(PathBuf, String), Val>,
}

impl Resolver<'_, '_> {
    fn service(&mut self, file: &Path, name: &str, chain: &mut Vec<(PathBuf, String)>) -> Option<Val> {
        let id = (file.to_path_buf(), name.to_string());
        if let Some(v) = self.memo.get(&id) {
            return Some(v.clone());
        }
        let service = self.files.get(file)?.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone())?;
        let Some(ext) = service.get("extends").cloned() else { return Some(service) };
        let mut own = service;
        own.remove("extends");
        if chain.contains(&id) {
            let path: Vec<&str> = chain.iter().map(|(_, n)| n.as_str()).collect();
            self.a.problem(&ext, format!("extends cycle: {} → {name}", path.join(" → ")));
            return Some(own);
        }
        if chain.len() >= MAX_CHAIN {
            self.a.problem(&ext, format!("extends chain longer than {MAX_CHAIN} services: not followed further"));
            return Some(own);
        }
        let (target, file_ref) = match (ext.as_str(), ext.get("service").and_then(Val::as_str)) {
            (Some(t), _) => (t.to_string(), None),
            (None, Some(t)) => (t.to_string(), ext.get("file")),
            (None, None) => {
                self.a.problem(&ext, format!("service {name:?}: `extends` needs `service`"));
                return Some(own);
            }
        };
        let target_file = match file_ref {
            None => file.to_path_buf(),
            Some(f) => match f.as_str().and_then(|rel| self.other_file(f, rel)) {
                Some(k) => k,
                None => return Some(own),
            },
        };
        chain.push(id.clone());
        let base = self.service(&target_file, &target, chain);
        chain.pop();
        let Some(base) = base else {
            self.a.problem(&ext, format!("cannot extend service {name:?}: service {target:?} not found"));
            return Some(own);
        };
        let merged = merge_service(name, base, own);
        self.memo.insert(id, merged.clone());
        Some(merged)
    }

    /// Reads the file an `extends.file` names (relative to the folder of
    /// the file that says so), once per project.
    fn other_file(&mut self, at: &Val, rel: &str) -> Option<PathBuf> {
        let path = self.a.project.dir_of(at).join(rel);
        let k = key(&path);
        if self.files.contains_key(&k) {
            return Some(k);
        }
        if !self.a.extended.contains_key(&k) {
            let doc = self.load(at, rel);
            self.a.extended.insert(k.clone(), doc);
        }
        let (_, doc) = self.a.extended.get(&k)?.as_ref()?;
        let services = match doc.get("services").and_then(Val::as_map) {
            Some(s) => s.to_vec(),
            None => {
                self.a.problem(at, format!("cannot extend from {rel}: it has no `services`"));
                Vec::new()
            }
        };
        self.files.insert(k.clone(), services);
        Some(k)
    }

    fn load(&mut self, at: &Val, rel: &str) -> Option<(usize, Val)> {
        let (loaded, file) = self.a.load_referenced(at, rel)?;
        let dir = file.path.parent().map(Path::to_path_buf).unwrap_or_default();
        let index = self.a.project.add(&loaded.display, &dir, &parent_display(&file.display));
        let mut merged: Option<Val> = None;
        for doc in &loaded.docs {
            let val = self.a.convert(doc, index, self.env);
            merged = Some(match merged {
                Some(m) => merge(m, val),
                None => val,
            });
        }
        merged.map(|m| (index, m))
    }
}
