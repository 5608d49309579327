//! Kubernetes `Secret` manifests: `data` values are base64, so the text scan
//! alone cannot see what they hold. Each `data` value is decoded and judged
//! with its key, and the findings point at the encoded value in the file.
//!
//! Every literal key of a Secret is already reported by
//! `k8s-secret-in-manifest`; here only the specific rules add what kind of
//! credential it is, so generic key-name matches inside `data`/`stringData`
//! are left out rather than reported twice.

use base64::Engine as _;

use super::detector::Detector;
use super::engine::{Candidate, TextKind};

/// Byte ranges of the `data`/`stringData` blocks of Secret documents, and the
/// candidates found in the decoded `data` values.
#[derive(Default)]
pub struct SecretManifest {
    pub blocks: Vec<(usize, usize)>,
    pub decoded: Vec<Candidate>,
}

impl SecretManifest {
    pub fn covers(&self, offset: usize) -> bool {
        self.blocks.iter().any(|&(s, e)| s <= offset && offset < e)
    }
}

/// Cheap test before any parsing: only YAML files that declare a Secret.
pub fn may_hold_secret(file_name: &str, text: &[u8]) -> bool {
    (file_name.ends_with(".yaml") || file_name.ends_with(".yml"))
        && memchr::memmem::find(text, b"kind: Secret").is_some()
}

/// One line with its byte offset.
struct Line<'a> {
    start: usize,
    text: &'a str,
}

fn lines(text: &[u8]) -> impl Iterator<Item = Line<'_>> {
    let mut start = 0;
    text.split(|&b| b == b'\n').map(move |raw| {
        let line = Line { start, text: std::str::from_utf8(raw).unwrap_or("") };
        start += raw.len() + 1;
        line
    })
}

pub fn scan(detector: &Detector, text: &[u8]) -> SecretManifest {
    let mut out = SecretManifest::default();
    let mut doc: Vec<Line<'_>> = Vec::new();
    for line in lines(text) {
        if line.text.trim_end() == "---" {
            scan_document(detector, &doc, &mut out);
            doc.clear();
        } else {
            doc.push(line);
        }
    }
    scan_document(detector, &doc, &mut out);
    out
}

fn scan_document(detector: &Detector, doc: &[Line<'_>], out: &mut SecretManifest) {
    let top = |l: &Line<'_>| !l.text.starts_with([' ', '\t', '#']) && !l.text.trim().is_empty();
    if !doc.iter().any(|l| top(l) && l.text.trim_end() == "kind: Secret") {
        return;
    }
    let mut i = 0;
    while i < doc.len() {
        let head = doc[i].text.trim_end();
        let field = match head {
            "data:" => "data",
            "stringData:" => "stringData",
            _ => {
                i += 1;
                continue;
            }
        };
        let block_start = doc[i].start;
        let mut j = i + 1;
        while j < doc.len() && !top(&doc[j]) {
            if field == "data" {
                decode_entry(detector, &doc[j], out);
            }
            j += 1;
        }
        let block_end =
            doc.get(j).map_or_else(|| doc.last().map_or(block_start, |l| l.start + l.text.len()), |l| l.start);
        out.blocks.push((block_start, block_end));
        i = j;
    }
}

/// `  key: base64`: decodes the value and scans `key=decoded`.
fn decode_entry(detector: &Detector, line: &Line<'_>, out: &mut SecretManifest) {
    let Some((key, value)) = line.text.split_once(':') else { return };
    let key = key.trim();
    let raw = value.trim();
    let encoded = raw.trim_matches(['"', '\'']);
    if encoded.is_empty() {
        return;
    }
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(encoded) else { return };
    let Ok(decoded) = String::from_utf8(bytes) else { return };
    // Where the encoded value sits in the file.
    let Some(col) = line.text.find(encoded) else { return };
    let (start, end) = (line.start + col, line.start + col + encoded.len());
    let assignment = format!("{key}={}", decoded.trim_end());
    for mut c in detector.scan(assignment.as_bytes(), TextKind::default()) {
        if c.generic || c.start <= key.len() {
            continue;
        }
        c.match_start = start;
        c.start = start;
        c.end = end;
        c.key = Some(key.to_string());
        out.decoded.push(c);
    }
}
