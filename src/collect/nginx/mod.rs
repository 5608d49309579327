//! nginx configuration: a real parser of nginx's language, includes
//! expanded as nginx expands them, and one `nginx_server` fact per `server`
//! block with the settings that really apply to it.
//!
//! Entry points are `nginx.conf` files, and `*.conf` files in folders named
//! like nginx's (`nginx`, `conf.d`, `sites-enabled`, `sites-available`) that
//! no `nginx.conf` includes: those are audited on their own, as the inside of
//! an `http` block, which is where nginx images include them.

pub mod ciphers;
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
use include::{Loaded, Loader};

pub(crate) const SOURCE: &str = "nginx";

/// Folders whose `*.conf` files nginx images include into `http`.
const INCLUDE_FOLDERS: &[&str] = &["conf.d", "sites-enabled", "sites-available", "http.d"];

/// Directives that tell an nginx file from another program's `.conf` in a
/// folder named `conf.d`.
const NGINX_WORDS: &[&str] = &["server_name", "listen ", "location ", "proxy_pass", "upstream ", "add_header", "ssl_"];

pub fn collect(discovery: &Discovery, ctx: &CollectContext<'_>) -> Collected {
    let limit = ctx.config.scan.max_config_bytes;
    let roots: Vec<&DiscoveredFile> = discovery.files.iter().filter(|f| f.file_name() == "nginx.conf").collect();
    let loaded_roots: Vec<(&DiscoveredFile, Loaded)> =
        roots.par_iter().map(|f| (*f, Loader::load(&f.path, &f.display, limit))).collect();
    let included: HashSet<PathBuf> = loaded_roots.iter().flat_map(|(_, l)| l.read.iter().cloned()).collect();

    let candidates: Vec<&DiscoveredFile> = discovery
        .files
        .iter()
        .filter(|f| is_standalone_candidate(f) && !included.contains(&canonical(&f.path)))
        .collect();
    let loaded_standalone: Vec<(&DiscoveredFile, Loaded)> = candidates
        .par_iter()
        .filter(|f| is_nginx_path(&f.path) || looks_like_nginx(&f.path, limit))
        .map(|f| (*f, Loader::load(&f.path, &f.display, limit)))
        .collect();
    // A snippet one standalone file includes is audited through that file.
    let included_by_others: HashSet<PathBuf> = loaded_standalone
        .iter()
        .flat_map(|(f, l)| {
            let own = canonical(&f.path);
            l.read.iter().filter(move |p| **p != own).cloned()
        })
        .collect();

    let mut out = Collected::default();
    let standalone = loaded_standalone.into_iter().filter(|(f, _)| !included_by_others.contains(&canonical(&f.path)));
    for (file, loaded) in loaded_roots.into_iter().chain(standalone) {
        out.stats.files += loaded.files.len();
        out.stats.bytes += loaded.bytes;
        if !loaded.failed {
            out.facts.extend(server::server_facts(&loaded, &file.display));
        }
        out.errors.extend(loaded.errors);
        out.skipped.extend(loaded.skipped);
    }
    out
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn is_standalone_candidate(file: &DiscoveredFile) -> bool {
    let name = file.file_name();
    if !name.ends_with(".conf") || name == "nginx.conf" {
        return false;
    }
    let in_folder = file
        .path
        .parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .is_some_and(|n| INCLUDE_FOLDERS.contains(&n));
    in_folder || is_nginx_path(&file.path)
}

/// Some folder on the path is named like nginx (`nginx`, `nginx-proxy`...).
fn is_nginx_path(path: &Path) -> bool {
    path.parent().is_some_and(|p| {
        p.components().any(|c| c.as_os_str().to_str().is_some_and(|s| s.to_ascii_lowercase().contains("nginx")))
    })
}

fn looks_like_nginx(path: &Path, limit: u64) -> bool {
    crate::collect::text::read_text(path, limit).is_ok_and(|text| NGINX_WORDS.iter().any(|w| text.contains(w)))
}
