//! Keeps the pipeline's direction true: collect → facts → rules → findings
//! → gate and history → report. Reads every `src/**/*.rs` (test modules
//! left out), resolves each path into the crate (`crate::…`, `use
//! crate::{…}` groups, `super::…` that leaves its top-level module) and
//! fails on an edge the architecture forbids, naming the file and the path.

// A test crate: a panic here fails a test, it cannot crash a scan.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::string_slice,
    clippy::indexing_slicing,
    clippy::unreachable
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Top-level modules that import nothing of the crate but other leaves:
/// every layer may use them.
const LEAVES: &[&str] = &["facts", "secrets", "contain", "input", "diagnostics", "mask", "findings"];

/// What each layer may import (besides itself). `None`: anything.
fn allowed(layer: &str) -> Option<&'static [&'static str]> {
    Some(match layer {
        // Facts are the shared vocabulary: they depend on nothing.
        "facts" | "contain" => &[],
        // The secret matcher is a leaf both collectors and rules use; it
        // reads key files through the bounded reader.
        "secrets" => &["input"],
        "findings" | "diagnostics" => &["facts"],
        "input" => &["facts", "diagnostics"],
        "mask" => &["secrets"],
        "config" => &["facts", "findings", "diagnostics", "input", "contain"],
        // Collectors turn input into facts: never rules, findings, gate,
        // history or reports.
        "collect" => &["facts", "config", "diagnostics", "secrets", "input", "contain", "mask"],
        "rules" => &["facts", "findings", "config", "secrets", "diagnostics", "input", "contain"],
        // The gate decides on findings; it reads no report and no collector.
        "gate" => &["facts", "findings", "config", "diagnostics", "input", "secrets", "contain"],
        // History compares findings; it knows no report format.
        "history" => &["facts", "findings", "config", "diagnostics", "input", "contain"],
        // Reports render what gate and history decided (their types only,
        // see `REPORT_MAY_NAME`).
        "report" => &["facts", "findings", "diagnostics", "gate", "history", "input", "mask", "contain", "config"],
        // The pipeline, the CLI and the fuzzing harness wire everything.
        "pipeline" | "cli" | "fuzzing" | "lib" | "main" => return None,
        _ => &[],
    })
}

/// The only items of the gate and history a report may name: decisions and
/// their data, never the logic that made them.
const REPORT_MAY_NAME: &[&str] = &[
    "gate::Gate",
    "gate::GateStatus",
    "gate::Notice",
    "gate::EXIT_PASSED",
    "gate::EXIT_FINDINGS",
    "gate::EXIT_ERROR",
    "history::Diff",
    "history::PreviousRun",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file: `src/collect/docker/mod.rs` → `collect::docker`.
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" {
        parts.push(stem.to_string());
    }
    parts
}

/// Source text with comments, string and char literals blanked and every
/// `#[cfg(test)]` item removed, so only real code paths remain.
fn code_only(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        if rest.starts_with("//") {
            let end = rest.find('\n').map_or(text.len(), |n| i + n);
            i = end;
        } else if rest.starts_with("/*") {
            let end = rest.find("*/").map_or(text.len(), |n| i + n + 2);
            i = end;
        } else if rest.starts_with("r#\"") || rest.starts_with("r\"") || rest.starts_with("br\"") {
            let start = rest.find('"').unwrap();
            let hashes = &rest[..start].trim_start_matches(['b', 'r']);
            let close = format!("\"{hashes}");
            let end = rest[start + 1..].find(&close).map_or(text.len(), |n| i + start + 1 + n + close.len());
            out.push_str("\"\"");
            i = end;
        } else if bytes[i] == b'"' {
            let mut j = i + 1;
            while j < bytes.len() && bytes[j] != b'"' {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            out.push_str("\"\"");
            i = j + 1;
        } else if bytes[i] == b'\'' && is_char_literal(&text[i..]) {
            let len = char_literal_len(&text[i..]);
            out.push_str("' '");
            i += len;
        } else if rest.starts_with("#[cfg(test)]") {
            i = skip_item(text, i + "#[cfg(test)]".len());
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

fn is_char_literal(s: &str) -> bool {
    // `'a'`, `'\n'`, `'\u{..}'`; a lifetime (`'a`) has no closing quote.
    let mut chars = s.chars().skip(1);
    match chars.next() {
        Some('\\') => true,
        Some(_) => chars.next() == Some('\''),
        None => false,
    }
}

fn char_literal_len(s: &str) -> usize {
    let body = &s[1..];
    if let Some(escaped) = body.strip_prefix('\\') {
        escaped.find('\'').map_or(s.len(), |n| n + 3)
    } else {
        let c = body.chars().next().unwrap();
        1 + c.len_utf8() + 1
    }
}

/// End of the item after an attribute: through its matching `}` or `;`.
fn skip_item(text: &str, from: usize) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            b';' if depth == 0 => return i + 1,
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// Every crate path in `code`, resolved to absolute segments
/// (`["report", "Gate"]`). `use crate::{a::B, c}` yields both.
fn crate_paths(code: &str, module: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while i < bytes.len() {
        if !code.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let boundary = i == 0 || !(is_ident(bytes[i - 1]) || bytes[i - 1] == b':');
        let rest = &code[i..];
        let base: Option<(Vec<String>, usize)> = if boundary && rest.starts_with("crate::") {
            Some((Vec::new(), "crate::".len()))
        } else if boundary && rest.starts_with("super::") {
            let mut base = module.to_vec();
            let mut len = 0;
            while code[i + len..].starts_with("super::") {
                base.pop();
                len += "super::".len();
            }
            Some((base, len))
        } else {
            None
        };
        let Some((base, len)) = base else {
            i += 1;
            continue;
        };
        let (paths, used) = parse_tree(&code[i + len..]);
        for p in paths {
            let mut full = base.clone();
            full.extend(p);
            out.push(full);
        }
        i += len + used.max(1);
    }
    out
}

/// Parses `a::b::C`, `a::{b, c::D}`: the paths and the bytes read.
fn parse_tree(s: &str) -> (Vec<Vec<String>>, usize) {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut prefix = Vec::new();
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes.get(i) == Some(&b'{') {
            let mut paths = Vec::new();
            i += 1;
            loop {
                while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b',') {
                    i += 1;
                }
                if i >= bytes.len() || bytes[i] == b'}' {
                    return (paths, i + 1);
                }
                let (inner, used) = parse_tree(&s[i..]);
                for p in inner {
                    let mut full = prefix.clone();
                    full.extend(p);
                    paths.push(full);
                }
                i += used.max(1);
            }
        }
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        if start == i {
            return (vec![prefix], i);
        }
        prefix.push(s[start..i].to_string());
        if s[i..].starts_with("::") {
            i += 2;
        } else {
            // `as Name` and the rest of the statement do not change the path.
            return (vec![prefix], i);
        }
    }
}

#[test]
fn no_forbidden_import_edges() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
    assert!(files.len() > 100, "the source tree was read");
    let tops: BTreeSet<String> =
        files.iter().map(|f| module_of(f.strip_prefix(&root).unwrap())).filter_map(|m| m.first().cloned()).collect();
    let mut violations = Vec::new();
    let mut edges = 0;
    for file in &files {
        let rel = file.strip_prefix(&root).unwrap();
        let module = module_of(rel);
        let layer = module.first().map_or("lib", String::as_str);
        let code = code_only(&std::fs::read_to_string(file).unwrap());
        for path in crate_paths(&code, &module) {
            let Some(target) = path.first() else { continue };
            if target == layer || !tops.contains(target) {
                continue;
            }
            edges += 1;
            let Some(allowed) = allowed(layer) else { continue };
            let named = path.iter().take(2).cloned().collect::<Vec<_>>().join("::");
            let ok = allowed.contains(&target.as_str())
                && (layer != "report"
                    || !matches!(target.as_str(), "gate" | "history")
                    || REPORT_MAY_NAME.contains(&named.as_str()));
            if !ok {
                violations.push(format!("{}: {layer} imports {}", rel.display(), path.join("::")));
            }
        }
    }
    assert!(edges > 200, "edges were found ({edges})");
    violations.sort();
    violations.dedup();
    assert!(violations.is_empty(), "forbidden import edges:\n{}", violations.join("\n"));
}

#[test]
fn leaves_are_listed_with_no_forbidden_layer() {
    // A leaf may only import other leaves, so any layer can use it.
    for leaf in LEAVES {
        for dep in allowed(leaf).unwrap() {
            assert!(LEAVES.contains(dep), "{leaf} imports {dep}, which is not a leaf");
        }
    }
}

#[test]
fn the_reader_finds_edges_of_every_form() {
    let code = code_only(
        "use crate::{gate::Gate, report::{json, Notice}};\n\
         fn f() { crate::rules::Engine::new(); super::super::history::diff(); }\n\
         // crate::commented::Out\n\
         let s = \"crate::in_string\";\n\
         #[cfg(test)]\nmod tests { use crate::hidden::X; }\n",
    );
    let module = vec!["collect".to_string(), "docker".to_string()];
    let paths: Vec<String> = crate_paths(&code, &module).iter().map(|p| p.join("::")).collect();
    assert_eq!(
        paths,
        ["gate::Gate", "report::json", "report::Notice", "rules::Engine::new", "history::diff"],
        "{code}"
    );
}
