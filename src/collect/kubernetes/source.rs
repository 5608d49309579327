//! One input of the collector, read and parsed once: a file or standard
//! input, its YAML documents, and what was wrong with reading it. Auditing
//! and Kustomize rendering both start from these.

use std::path::PathBuf;

use crate::collect::files::DiscoveredFile;
use crate::collect::text::{read_text, ReadError};
use crate::collect::yaml::{self, Node, YamlError, YamlErrorKind};
use crate::collect::Collected;
use crate::diagnostics::{ErrorKind, ScanError, Skipped};
use crate::facts::Location;

use super::detect;

pub const STDIN: &str = "<stdin>";
/// What is read of an oversized file to decide whether it is a manifest.
const SNIFF_BYTES: usize = 64 * 1024;

pub struct Source {
    pub display: String,
    /// `None` for standard input.
    pub path: Option<PathBuf>,
    /// The text without a byte-order mark, kept for kustomizations only (to
    /// find the columns of patches written inline).
    pub text: String,
    pub docs: Vec<Node>,
    /// `kustomization.yaml` and its two other names.
    pub kustomization: bool,
    /// Go/Helm template syntax in the text.
    pub templated: bool,
    pub helm_sources: Vec<(u32, String)>,
    /// Documents that did not parse (the others are in `docs`).
    pub syntax_errors: Vec<YamlError>,
    /// Read failures, limits and parse errors of the file as a whole.
    pub out: Collected,
}

impl Source {
    pub fn error(&self, line: u32, col: u32, message: String) -> ScanError {
        ScanError::new(super::SOURCE, &self.display, ErrorKind::Malformed, message).at(Location::at(
            &self.display,
            line,
            col,
        ))
    }
}

/// Reads and parses a discovered file; `None` when it is not ours at all.
pub fn read(file: &DiscoveredFile, limit: u64) -> Option<Source> {
    read_as(file, limit, detect::is_kustomization_name(file.file_name()))
}

/// Reads a file a kustomization names as a patch, whatever it looks like.
pub fn read_patch(file: &DiscoveredFile, limit: u64) -> Option<Source> {
    read_as(file, limit, true)
}

/// `kustomize_input`: parse even without `apiVersion` and `kind`.
fn read_as(file: &DiscoveredFile, limit: u64, kustomize_input: bool) -> Option<Source> {
    let mut out = Collected::default();
    match read_text(&file.path, limit) {
        Ok(text) => {
            let mut source = parse(&file.display, Some(file.path.clone()), text, kustomize_input)?;
            source.kustomization = detect::is_kustomization_name(file.file_name());
            Some(source)
        }
        Err(ReadError::TooLarge { size, limit }) => {
            // Only a manifest is worth an error; a large data file is not ours.
            if kustomize_input || sniff(&file.path).is_some_and(|head| detect::looks_like_manifest(&head)) {
                out.error(ReadError::TooLarge { size, limit }.into_scan_error(super::SOURCE, &file.display));
                return Some(empty(file, out));
            }
            None
        }
        Err(e @ (ReadError::Binary | ReadError::NotUtf8(_))) => {
            if file.explicit {
                out.error(e.into_scan_error(super::SOURCE, &file.display));
                return Some(empty(file, out));
            }
            None
        }
        Err(e) => {
            out.error(e.into_scan_error(super::SOURCE, &file.display));
            Some(empty(file, out))
        }
    }
}

fn empty(file: &DiscoveredFile, out: Collected) -> Source {
    Source {
        display: file.display.clone(),
        path: Some(file.path.clone()),
        text: String::new(),
        docs: Vec::new(),
        kustomization: false,
        templated: false,
        helm_sources: Vec::new(),
        syntax_errors: Vec::new(),
        out,
    }
}

/// Parses a text; `None` when it does not look like a manifest.
pub fn parse(display: &str, path: Option<PathBuf>, text: String, kustomize_input: bool) -> Option<Source> {
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    };
    if !kustomize_input && !detect::looks_like_manifest(&text) {
        return None;
    }
    let mut source = Source {
        display: display.to_string(),
        path,
        templated: display != STDIN && detect::has_template_syntax(&text),
        helm_sources: detect::helm_sources(&text),
        kustomization: kustomize_input,
        docs: Vec::new(),
        syntax_errors: Vec::new(),
        out: Collected::default(),
        text,
    };
    source.out.stats.files = 1;
    source.out.stats.bytes = source.text.len() as u64;
    match yaml::parse_documents(&source.text) {
        Ok(docs) => source.docs = docs,
        Err(e) if e.kind == YamlErrorKind::Limit => {
            let scan_error = ScanError::new(super::SOURCE, display, ErrorKind::Unsupported, e.message.clone())
                .at(Location::at(display, e.line, e.col));
            source.out.error(scan_error);
        }
        // One broken document should not hide the others: parse them one
        // by one and keep the errors of the broken ones.
        Err(_) => {
            let (docs, errors) = parse_each_document(&source.text);
            source.docs = docs;
            source.syntax_errors = errors;
        }
    }
    if !kustomize_input {
        source.text = String::new();
    }
    Some(source)
}

fn sniff(path: &std::path::Path) -> Option<String> {
    use std::io::Read;
    let mut buf = Vec::new();
    // Only regular files: a FIFO with a manifest's name must not hang the sniff.
    let file = crate::collect::text::open_regular(path).ok()?;
    file.take(SNIFF_BYTES as u64).read_to_end(&mut buf).ok()?;
    Some(String::from_utf8_lossy(&buf).into_owned())
}

/// Parses the documents of a stream one at a time (split at `---` lines),
/// keeping the good ones and the error of each bad one, with file lines.
fn parse_each_document(text: &str) -> (Vec<Node>, Vec<YamlError>) {
    let mut docs = Vec::new();
    let mut errors = Vec::new();
    let mut chunks: Vec<(u32, String)> = vec![(1, String::new())];
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i > 0 && (line.trim_end() == "---" || line.starts_with("--- ")) {
            chunks.push((u32::try_from(i).unwrap_or(u32::MAX).saturating_add(1), String::new()));
        }
        if let Some((_, chunk)) = chunks.last_mut() {
            chunk.push_str(line);
        }
    }
    for (line, chunk) in chunks {
        match yaml::parse_documents(&chunk) {
            Ok(parsed) => docs.extend(parsed.into_iter().map(|mut d| {
                d.shift_lines(line - 1);
                d
            })),
            Err(mut e) => {
                e.line = e.line.saturating_add(line - 1);
                errors.push(e);
            }
        }
    }
    (docs, errors)
}

/// A `Skipped` entry for the template case, the one advice users need.
pub fn template_skip(display: &str) -> Skipped {
    Skipped {
        path: display.to_string(),
        reason: "Helm/Go template syntax: render it first (`helm template CHART | stackaudit scan -`)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_documents_do_not_hide_good_ones() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\napiVersion: v1\nkind: [unclosed\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\n";
        let (docs, errors) = parse_each_document(text);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].get("kind").unwrap().line, 9);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].line >= 6, "{:?}", errors[0]);
    }

    #[test]
    fn a_byte_order_mark_does_not_hide_a_manifest() {
        let source = parse("a.yaml", None, "\u{feff}apiVersion: v1\nkind: Pod\n".into(), false).unwrap();
        assert_eq!(source.docs.len(), 1);
        assert_eq!(source.docs[0].get("kind").unwrap().line, 2);
    }
}
