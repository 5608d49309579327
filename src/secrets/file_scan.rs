//! All secrets of one file: regex matches, plus the pairs only structure
//! shows (a Kubernetes Secret's base64 `data`, `name:`/`value:` env entries,
//! a Dockerfile's legacy `ENV KEY value`), resolved to one secret per value
//! and placed in the file's structure.

use std::collections::{HashMap, HashSet};

use base64::Engine as _;

use super::context::{self, line_end, line_start, Context, FileKind, Format};
use super::inline;
use super::matcher::{Candidate, Matcher, SecretValue};
use super::yaml::{self, YamlIndex};

/// A secret found in a file.
#[derive(Debug, Clone)]
pub struct Found {
    /// Index of the rule that recognised it, and its ID.
    pub rule: usize,
    pub rule_id: String,
    pub key: Option<String>,
    pub value: SecretValue,
    /// 1-based line and byte column of the secret as written.
    pub line: u32,
    pub column: u32,
    pub context: Context,
    /// Rules named by a `stackaudit:ignore` marker on the secret's line (or
    /// on the first line of a multi-line match): `None` without a marker, an
    /// empty list for a bare marker.
    pub ignore: Option<Vec<String>>,
    /// How many secrets with the same key, object and path come before this
    /// one in the file: tells apart secrets that share a key.
    pub ordinal: u32,
}

/// A candidate found through structure rather than on its own line.
struct Structural {
    candidate: Candidate,
    encoding: Option<&'static str>,
}

impl Matcher {
    /// The secrets in `text`, a file shown as `path`, in file order.
    pub fn scan_file(&self, path: &str, text: &[u8]) -> Vec<Found> {
        let file = FileKind::of(path);
        let mut raw = self.scan(text, &file);
        let mut structural: Vec<Structural> = Vec::new();
        // Spans whose raw matches are replaced by what structure says.
        let mut covered: Vec<(usize, usize)> = Vec::new();

        let index = (file.format == Format::Yaml && memchr::memmem::find(text, b"kind:").is_some())
            .then(|| YamlIndex::build(text));
        if let Some(index) = &index {
            self.secret_entries(index, &mut structural, &mut covered);
            // Base64 text in `data` is not what the Secret holds: only the
            // decoded entries count there.
            raw.retain(|c| !index.block_at(c.start).is_some_and(|b| b.field == "data"));
        }
        if file.format == Format::Yaml && memchr::memmem::find(text, b"value:").is_some() {
            for pair in yaml::named_values(text) {
                if let Some(best) = self.classify(&pair.name, &pair.value).into_iter().next() {
                    covered.push((pair.value_start, pair.value_end));
                    structural.push(Structural {
                        candidate: placed(best, pair.value_start, pair.value_end, &pair.name),
                        encoding: None,
                    });
                }
            }
        }
        if file.format == Format::Dockerfile {
            self.legacy_env(text, &mut structural, &mut covered);
        }
        raw.retain(|c| !covered.iter().any(|&(s, e)| c.start < e && s < c.end));

        let encodings: HashMap<usize, &'static str> =
            structural.iter().filter_map(|s| Some((s.candidate.start, s.encoding?))).collect();
        let mut all = raw;
        all.extend(structural.into_iter().map(|s| s.candidate));
        let kept = resolve(all);
        self.place(text, &file, index.as_ref(), kept, &encodings)
    }

    /// Each entry of a Secret's `data` (decoded) and `stringData`.
    fn secret_entries(&self, index: &YamlIndex, out: &mut Vec<Structural>, covered: &mut Vec<(usize, usize)>) {
        for entry in &index.entries {
            covered.push((entry.value_start, entry.value_end));
            let (value, encoding) = if entry.field == "data" {
                match decode_base64(&entry.value) {
                    Some(v) => (v, Some("base64")),
                    None => continue,
                }
            } else {
                (entry.value.clone(), None)
            };
            if let Some(best) = self.classify_stored_secret(&entry.key, &value).into_iter().next() {
                let candidate = placed(best, entry.value_start, entry.value_end, &entry.key);
                out.push(Structural { candidate, encoding });
            }
        }
    }

    /// `ENV KEY value`: the legacy form has no `=` for the key rules to see.
    fn legacy_env(&self, text: &[u8], out: &mut Vec<Structural>, covered: &mut Vec<(usize, usize)>) {
        let mut start = 0;
        while start < text.len() {
            let end = line_end(text, start);
            let line = std::str::from_utf8(text.get(start..end).unwrap_or_default()).unwrap_or("");
            start = end + 1;
            let t = line.trim_start();
            let Some(rest) = t.get(..4).filter(|w| w.eq_ignore_ascii_case("ENV ")).and_then(|_| t.get(4..)) else {
                continue;
            };
            let rest = rest.trim_start();
            let Some((key, value)) = rest.split_once([' ', '\t']) else { continue };
            if key.contains('=') {
                continue;
            }
            let value = value.trim().trim_end_matches('\\').trim_end();
            let value = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
            let Some(col) = line.rfind(value).filter(|_| !value.is_empty()) else { continue };
            let value_start = end - line.len() + col;
            if let Some(best) = self.classify(key, value).into_iter().next() {
                covered.push((value_start, value_start + value.len()));
                out.push(Structural {
                    candidate: placed(best, value_start, value_start + value.len(), key),
                    encoding: None,
                });
            }
        }
    }

    fn place(
        &self,
        text: &[u8],
        file: &FileKind,
        index: Option<&YamlIndex>,
        kept: Vec<Candidate>,
        encodings: &HashMap<usize, &'static str>,
    ) -> Vec<Found> {
        let mut out = Vec::with_capacity(kept.len());
        let (mut line, mut counted_to) = (1u32, 0usize);
        let mut ordinals: HashMap<(Option<String>, Option<String>, Option<String>), u32> = HashMap::new();
        for c in kept {
            let newlines =
                |from: usize, to: usize| memchr::memchr_iter(b'\n', text.get(from..to).unwrap_or_default()).count();
            line += newlines(counted_to, c.match_start) as u32;
            counted_to = c.match_start;
            let secret_line = line + newlines(c.match_start, c.start) as u32;
            let own_start = line_start(text, c.start);
            let column = (c.start - own_start) as u32 + 1;
            let context = describe(text, file, index, &c, encodings.get(&c.start).copied());
            let own_line = text.get(own_start..line_end(text, c.start)).unwrap_or_default();
            let first_start = line_start(text, c.match_start);
            let first_line = text.get(first_start..line_end(text, c.match_start)).unwrap_or_default();
            let ignore = inline::markers(own_line).or_else(|| inline::markers(first_line));
            let slot = ordinals.entry((c.key.clone(), context.object.clone(), context.path.clone())).or_insert(0);
            let ordinal = *slot;
            *slot += 1;
            out.push(Found {
                rule: c.rule,
                rule_id: self.rule_id(c.rule).to_string(),
                key: c.key,
                value: c.value,
                line: secret_line,
                column,
                context,
                ignore,
                ordinal,
            });
        }
        out
    }
}

/// A candidate from a classified pair, moved to where the value is written.
fn placed(mut c: Candidate, start: usize, end: usize, key: &str) -> Candidate {
    c.match_start = start;
    c.start = start;
    c.end = end;
    c.key = Some(key.to_string());
    c
}

fn describe(
    text: &[u8],
    file: &FileKind,
    index: Option<&YamlIndex>,
    c: &Candidate,
    encoding: Option<&'static str>,
) -> Context {
    let mut ctx = Context { format: file.format, encoding: encoding.map(str::to_string), ..Context::default() };
    match file.format {
        Format::Yaml => {
            ctx.object = index.and_then(|i| i.object_at(c.start));
            ctx.path = yaml::parent_path(text, c.start);
            if let Some(block) = index.and_then(|i| i.block_at(c.start)) {
                ctx.statement = Some(block.field.to_string());
                ctx.object = block.object.clone().or(ctx.object);
            }
        }
        Format::Ini | Format::Toml | Format::Properties => ctx.path = context::ini_section(text, c.match_start),
        Format::Dockerfile => ctx.statement = context::dockerfile_instruction(text, c.match_start),
        _ => {}
    }
    ctx
}

/// Keeps one candidate per value, specific rules before generic ones, and
/// drops generic matches overlapping a specific one. File order.
fn resolve(mut candidates: Vec<Candidate>) -> Vec<Candidate> {
    candidates.sort_by_key(|c| (c.generic, c.start, c.rule));
    let mut specific: Vec<(usize, usize)> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut kept = Vec::new();
    for c in candidates {
        if c.generic {
            // `specific` is complete by now (sorted first) and ordered by start.
            let i = specific.partition_point(|&(s, _)| s < c.end);
            if specific.get(..i).unwrap_or_default().iter().rev().take(8).any(|&(_, e)| e > c.start) {
                continue;
            }
        }
        if !seen.insert(c.value.expose().to_string()) {
            continue;
        }
        if !c.generic {
            specific.push((c.start, c.end));
        }
        kept.push(c);
    }
    kept.sort_by_key(|c| (c.match_start, c.start));
    kept
}

/// Base64 as Kubernetes writes `data` values (whitespace allowed); `None`
/// for a value that does not decode to text.
pub fn decode_base64(value: &str) -> Option<String> {
    let compact: String = value.split_whitespace().collect();
    let bytes = base64::engine::general_purpose::STANDARD.decode(compact.as_bytes()).ok()?;
    String::from_utf8(bytes).ok()
}
