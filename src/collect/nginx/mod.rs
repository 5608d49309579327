//! nginx configuration: a real parser of nginx's language, includes
//! expanded as nginx expands them, and one `nginx_server` fact per `server`
//! block with the settings that really apply to it.
//!
//! Which files are nginx is decided by their content (see `detect`), never
//! by the folder they sit in. Main files (with `events`, `http`...) are read
//! from the top, with their folder as nginx's prefix. Other nginx files that
//! no main file includes are audited on their own as the inside of an `http`
//! block, which is where nginx images include them; their prefix is the
//! folder of the main file above them, else the `/etc/nginx` of the
//! conventional layout (the folder holding `conf.d`, `sites-*`...).

pub mod ciphers;
mod detect;
mod headers;
mod include;
mod listen;
mod server;
mod syntax;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::files::{DiscoveredFile, Discovery};
use super::{CollectContext, Collected};
use crate::diagnostics::Skipped;
use crate::input::read_text;
use detect::Kind;
use include::{Loaded, Loader, Scope};

pub use include::{MAX_EXPANDED_BYTES, MAX_EXPANDED_DIRECTIVES, MAX_INCLUDE_DEPTH};
pub use syntax::MAX_BLOCK_DEPTH;

pub(crate) const SOURCE: &str = "nginx";

/// Folders whose files nginx images include into `http` from `/etc/nginx`
/// (`templates` holds the docker image's envsubst templates for `conf.d`).
const INCLUDE_FOLDERS: &[&str] =
    &["conf.d", "sites-enabled", "sites-available", "http.d", "vhosts.d", "servers", "templates", "snippets"];

/// Folders whose files are nginx includes whatever their name (Debian's
/// `sites-available/default` has no extension).
const ANY_NAME_FOLDERS: &[&str] = &["sites-enabled", "sites-available"];

/// A file that may be nginx configuration, with what its content says.
struct Candidate<'a> {
    file: &'a DiscoveredFile,
    kind: Kind,
    canonical: PathBuf,
}

pub fn collect(discovery: &Discovery, ctx: &CollectContext<'_>) -> Collected {
    let limit = ctx.config.scan.max_config_bytes;
    let mut out = Collected::default();
    let candidates = classify_all(discovery, limit, &mut out);
    let scope = Scope::new(discovery.roots.clone(), discovery.files.iter().map(|f| f.path.clone()).collect());

    let roots: Vec<&Candidate> = candidates.iter().filter(|c| c.kind == Kind::Main).collect();
    let loaded_roots: Vec<(&Candidate, Loaded)> = roots
        .par_iter()
        .map(|c| {
            let prefix = c.file.path.parent().map(Path::to_path_buf).unwrap_or_default();
            (*c, load_contained(c, &[prefix], limit, &scope))
        })
        .collect();
    let included: HashSet<&PathBuf> = loaded_roots.iter().flat_map(|(_, l)| l.read.iter()).collect();

    let root_dirs: Vec<PathBuf> = roots.iter().filter_map(|c| c.file.path.parent().map(Path::to_path_buf)).collect();
    let enabled = enabled_sites(discovery);
    let loaded_standalone: Vec<(&Candidate, Loaded)> = candidates
        .iter()
        .filter(|c| c.kind == Kind::Include && !included.contains(&c.canonical))
        .filter(|c| {
            let unlinked = is_unlinked_site(c, &enabled);
            if unlinked {
                out.skipped.push(Skipped {
                    path: c.file.display.clone(),
                    reason: "nginx site in sites-available that no sites-enabled link enables: nginx never loads it"
                        .into(),
                });
            }
            !unlinked
        })
        .collect::<Vec<_>>()
        .par_iter()
        .map(|c| {
            let prefixes = standalone_prefixes(&c.file.path, &root_dirs);
            (*c, load_contained(c, &prefixes, limit, &scope))
        })
        .collect();
    // A snippet one standalone file includes is audited through that file.
    let included_by_others: HashSet<&PathBuf> =
        loaded_standalone.iter().flat_map(|(c, l)| l.read.iter().filter(move |p| **p != c.canonical)).collect();

    let standalone = loaded_standalone.iter().filter(|(c, _)| !included_by_others.contains(&c.canonical));
    for (candidate, loaded) in loaded_roots.iter().chain(standalone) {
        out.stats.files += loaded.files.len();
        out.stats.bytes += loaded.bytes;
        if !loaded.failed {
            let display = &candidate.file.display;
            match crate::contain::catch(|| server::server_facts(loaded, display)) {
                Ok(facts) => out.facts.extend(facts),
                Err(description) => out.merge(super::panicked(SOURCE, display, &description)),
            }
        }
        out.errors.extend(loaded.errors.iter().cloned());
        out.skipped.extend(loaded.skipped.iter().cloned());
    }
    out
}

/// Loads one configuration with its includes; a fault in it fails this
/// configuration only.
fn load_contained(c: &Candidate<'_>, prefixes: &[PathBuf], limit: u64, scope: &Scope) -> Loaded {
    crate::contain::catch(|| {
        crate::contain::test_trigger(&c.file.display);
        Loader::load(&c.file.path, &c.file.display, prefixes, limit, scope)
    })
    .unwrap_or_else(|description| Loaded {
        errors: super::panicked(SOURCE, &c.file.display, &description).errors,
        read: HashSet::from([c.canonical.clone()]),
        failed: true,
        ..Loaded::default()
    })
}

/// One fuzz case (`crate::fuzzing`): `text` through the parser and the
/// classifier, then as a main file in `dir` whose `a.conf` and `b.conf` hold
/// the same text, so includes form cycles and diamonds, through include
/// expansion and the server model.
pub(crate) fn fuzz_one(text: &str, dir: &Path) {
    let _ = syntax::parse(text, 0);
    let _ = detect::classify(text, true);
    let _ = detect::classify(text, false);
    for name in ["nginx.conf", "a.conf", "b.conf"] {
        if std::fs::write(dir.join(name), text).is_err() {
            return;
        }
    }
    let loaded = Loader::load(&dir.join("nginx.conf"), "nginx.conf", &[dir.to_path_buf()], 1 << 20, &Scope::default());
    if !loaded.failed {
        let _ = server::server_facts(&loaded, "nginx.conf");
    }
}

/// Reads every file whose name may hold nginx configuration and keeps the
/// ones whose content is nginx, one per real file (a `sites-enabled` link
/// and its `sites-available` target are one file, shown by the target).
fn classify_all<'a>(discovery: &'a Discovery, limit: u64, out: &mut Collected) -> Vec<Candidate<'a>> {
    let mut files: Vec<&DiscoveredFile> = discovery.files.iter().filter(|f| may_be_nginx(f)).collect();
    // Real files before links to them, so the dedup below keeps the target.
    files.sort_by_key(|f| (f.path.symlink_metadata().is_ok_and(|m| m.is_symlink()), f.path.clone()));
    let classified: Vec<(&DiscoveredFile, Kind)> = files
        .par_iter()
        .map(|f| {
            let kind = match read_text(&f.path, limit) {
                Ok(text) => detect::classify(&text, f.file_name() == "nginx.conf"),
                // Unreadable: nginx only if its name says so; the loader
                // then reports why it cannot be read.
                Err(_) if f.file_name() == "nginx.conf" => Kind::Main,
                Err(_) => Kind::Other,
            };
            (*f, kind)
        })
        .collect();
    let mut seen = HashSet::new();
    let mut candidates = Vec::new();
    for (file, kind) in classified {
        match kind {
            Kind::Other => continue,
            Kind::Template => {
                out.skipped.push(Skipped {
                    path: file.display.clone(),
                    reason: "nginx configuration with template placeholders ({{ }} or {% %}); only the rendered file is audited".into(),
                });
                continue;
            }
            Kind::Main | Kind::Include => {}
        }
        let canonical = std::fs::canonicalize(&file.path).unwrap_or_else(|_| file.path.clone());
        if seen.insert(canonical.clone()) {
            candidates.push(Candidate { file, kind, canonical });
        }
    }
    candidates.sort_by(|a, b| a.file.cmp(b.file));
    candidates
}

/// What the `sites-enabled` folders enable: their files' canonical paths
/// (Debian's links resolve to the `sites-available` file).
fn enabled_sites(discovery: &Discovery) -> HashSet<PathBuf> {
    discovery
        .files
        .iter()
        .filter(|f| parent_name(&f.path) == Some("sites-enabled"))
        .map(|f| std::fs::canonicalize(&f.path).unwrap_or_else(|_| f.path.clone()))
        .collect()
}

/// A `sites-available` file beside a `sites-enabled` folder that does not
/// enable it: Debian's stock `default` after the admin unlinked it, drafts.
fn is_unlinked_site(c: &Candidate<'_>, enabled: &HashSet<PathBuf>) -> bool {
    if parent_name(&c.file.path) != Some("sites-available") || c.file.explicit {
        return false;
    }
    let has_enabled_folder =
        c.file.path.parent().and_then(Path::parent).is_some_and(|etc| etc.join("sites-enabled").is_dir());
    has_enabled_folder && !enabled.contains(&c.canonical)
}

/// Names nginx configuration goes by: `*.conf` (and the docker image's
/// `*.conf.template`), `*.nginx`, `*.vhost`, anything in `sites-*`, and any
/// file named on the command line.
fn may_be_nginx(file: &DiscoveredFile) -> bool {
    let name = file.file_name();
    if name.starts_with('.') {
        return false;
    }
    file.explicit
        || [".conf", ".conf.template", ".nginx", ".vhost"].iter().any(|ext| name.ends_with(ext))
        || parent_name(&file.path).is_some_and(|p| ANY_NAME_FOLDERS.contains(&p))
}

fn parent_name(path: &Path) -> Option<&str> {
    path.parent().and_then(Path::file_name).and_then(|n| n.to_str())
}

/// The folders that may play nginx's prefix (`/etc/nginx`) for a file no
/// main file includes, most likely first: in the conventional layout, the
/// folder holding its `conf.d`/`sites-*`/... folder; the folder of the
/// nearest main file above it (h5bp's `conf.d/templates/` files include
/// from there); its own folder.
fn standalone_prefixes(path: &Path, root_dirs: &[PathBuf]) -> Vec<PathBuf> {
    let parent = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut out = Vec::new();
    if let (Some(folder), Some(above)) = (parent_name(path), parent.parent()) {
        if INCLUDE_FOLDERS.contains(&folder) {
            out.push(above.to_path_buf());
        }
    }
    let nearest_root = root_dirs.iter().filter(|d| parent.starts_with(d)).max_by_key(|d| d.components().count());
    out.extend(nearest_root.cloned());
    out.push(parent);
    let mut seen = HashSet::new();
    out.retain(|p| seen.insert(p.clone()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefixes_of_a_standalone_file() {
        let p = |s: &str| PathBuf::from(s);
        let roots = vec![p("deploy/nginx"), p("h5bp")];
        assert_eq!(
            standalone_prefixes(Path::new("deploy/nginx/sites/a.conf"), &roots),
            [p("deploy/nginx"), p("deploy/nginx/sites")]
        );
        assert_eq!(standalone_prefixes(Path::new("proxy/conf.d/a.conf"), &roots), [p("proxy"), p("proxy/conf.d")]);
        assert_eq!(
            standalone_prefixes(Path::new("deploy/nginx/conf.d/a.conf"), &roots),
            [p("deploy/nginx"), p("deploy/nginx/conf.d")]
        );
        assert_eq!(
            standalone_prefixes(Path::new("h5bp/conf.d/templates/a.conf"), &roots),
            [p("h5bp/conf.d"), p("h5bp"), p("h5bp/conf.d/templates")]
        );
        assert_eq!(standalone_prefixes(Path::new("conf.d/a.conf"), &[]), [p(""), p("conf.d")]);
    }
}
