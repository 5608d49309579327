//! All secrets of one file: regex matches, plus the pairs only structure
//! shows (a Kubernetes Secret's base64 `data`, `name:`/`value:` env entries,
//! a Dockerfile's legacy `ENV KEY value`), resolved to one secret per value
//! and placed in the file's structure.

use std::collections::{HashMap, HashSet};

use base64::Engine as _;

use super::context::{self, line_end, line_end_near, line_start_near, Context, FileKind, Format};
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
            self.secret_entries(index, file.test_data, &mut structural, &mut covered);
            // Base64 text in `data` is not what the Secret holds: only the
            // decoded entries count there.
            raw.retain(|c| index.block_at(c.start).is_none_or(|b| b.field != "data"));
        }
        if file.format == Format::Yaml && memchr::memmem::find(text, b"value:").is_some() {
            for pair in yaml::named_values(text) {
                if let Some(best) = self.classify_in(&pair.name, &pair.value, file.test_data).into_iter().next() {
                    covered.push((pair.value_start, pair.value_end));
                    structural.push(Structural {
                        candidate: placed(best, pair.value_start, pair.value_end, &pair.name),
                        encoding: None,
                    });
                }
            }
        }
        if file.format == Format::Dockerfile {
            self.legacy_env(text, file.test_data, &mut structural, &mut covered);
        }
        if file.format == Format::Yaml && memchr::memmem::find(text, b"client-key-data").is_some() {
            self.kubeconfig_keys(text, file.test_data, &mut structural, &mut covered);
        }
        covered.sort_unstable();
        raw.retain(|c| !overlaps(&covered, c.start, c.end));

        let encodings: HashMap<usize, &'static str> =
            structural.iter().filter_map(|s| Some((s.candidate.start, s.encoding?))).collect();
        let mut all = raw;
        all.extend(structural.into_iter().map(|s| s.candidate));
        let kept = resolve(all);
        self.place(text, &file, index.as_ref(), kept, &encodings)
    }

    /// Each entry of a Secret's `data` (decoded) and `stringData`.
    fn secret_entries(
        &self,
        index: &YamlIndex,
        test_data: bool,
        out: &mut Vec<Structural>,
        covered: &mut Vec<(usize, usize)>,
    ) {
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
            if let Some(best) = self.classify_stored_secret(&entry.key, &value, test_data).into_iter().next() {
                let candidate = placed(best, entry.value_start, entry.value_end, &entry.key);
                out.push(Structural { candidate, encoding });
            }
        }
    }

    /// A kubeconfig's `client-key-data:` is a base64-encoded PEM private key:
    /// no pattern sees a key in its base64 text, so it is decoded first. The
    /// certificates beside it (`client-certificate-data`,
    /// `certificate-authority-data`) are public and left alone.
    fn kubeconfig_keys(
        &self,
        text: &[u8],
        test_data: bool,
        out: &mut Vec<Structural>,
        covered: &mut Vec<(usize, usize)>,
    ) {
        const KEY: &str = "client-key-data:";
        let mut start = 0;
        while start < text.len() {
            let end = line_end(text, start);
            let line = std::str::from_utf8(text.get(start..end).unwrap_or_default()).unwrap_or("");
            let line_start = start;
            start = end + 1;
            let Some(at) = line.find(KEY) else { continue };
            let Some(rest) = line.get(at + KEY.len()..) else { continue };
            let value = rest.trim();
            let value = value.trim_matches(|c| c == '"' || c == '\'');
            if value.is_empty() {
                continue;
            }
            let Some(decoded) = decode_base64(value) else { continue };
            if !decoded.contains("PRIVATE KEY") {
                continue;
            }
            let Some(col) = line.rfind(value) else { continue };
            let value_start = line_start + col;
            if let Some(best) = self.classify_stored_secret("client-key-data", &decoded, test_data).into_iter().next() {
                covered.push((value_start, value_start + value.len()));
                out.push(Structural {
                    candidate: placed(best, value_start, value_start + value.len(), "client-key-data"),
                    encoding: Some("base64"),
                });
            }
        }
    }

    /// `ENV KEY value`: the legacy form has no `=` for the key rules to see.
    fn legacy_env(&self, text: &[u8], test_data: bool, out: &mut Vec<Structural>, covered: &mut Vec<(usize, usize)>) {
        let mut start = 0;
        while start < text.len() {
            let end = line_end(text, start);
            let line = std::str::from_utf8(text.get(start..end).unwrap_or_default()).unwrap_or("");
            start = end + 1;
            if line.len() > context::NEAR {
                continue;
            }
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
            if let Some(best) = self.classify_in(key, value, test_data).into_iter().next() {
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
        let mut cursor = Cursor::default();
        let mut ordinals: HashMap<Slot, u32> = HashMap::new();
        for c in kept {
            let first = cursor.seek(text, c.match_start);
            let own = cursor.seek(text, c.start);
            let column = (c.start - own.start) as u32 + 1;
            let context = describe(text, file, index, &c, encodings.get(&c.start).copied());
            let line_text =
                |start: usize, at: usize| text.get(start.max(line_start_near(text, at))..line_end_near(text, at));
            let ignore = line_text(own.start, c.start)
                .and_then(inline::markers)
                .or_else(|| line_text(first.start, c.match_start).and_then(inline::markers));
            let slot = ordinals.entry((c.key.clone(), context.object.clone(), context.path.clone())).or_insert(0);
            let ordinal = *slot;
            *slot += 1;
            out.push(Found {
                rule: c.rule,
                rule_id: self.rule_id(c.rule).to_string(),
                key: c.key,
                value: c.value,
                line: own.number,
                column,
                context,
                ignore,
                ordinal,
            });
        }
        out
    }
}

/// Key, object and path: secrets in the same slot are numbered in file
/// order.
type Slot = (Option<String>, Option<String>, Option<String>);

/// A line: its 1-based number and where it starts.
#[derive(Debug, Clone, Copy)]
struct LineAt {
    number: u32,
    start: usize,
}

/// Walks a text forward counting lines, so placing every secret of a file
/// reads the file once, however long its lines are.
#[derive(Debug)]
struct Cursor {
    at: usize,
    line: LineAt,
}

impl Default for Cursor {
    fn default() -> Self {
        Self { at: 0, line: LineAt { number: 1, start: 0 } }
    }
}

impl Cursor {
    /// The line holding `to`. Forward from the last position; a position
    /// behind it (matches overlap) is counted back from there.
    fn seek(&mut self, text: &[u8], to: usize) -> LineAt {
        if to >= self.at {
            let span = text.get(self.at..to).unwrap_or_default();
            let newlines = memchr::memchr_iter(b'\n', span).count() as u32;
            if let Some(last) = memchr::memrchr(b'\n', span) {
                self.line.start = self.at + last + 1;
            }
            self.line.number += newlines;
            self.at = to;
            return self.line;
        }
        let span = text.get(to..self.at).unwrap_or_default();
        let back = memchr::memchr_iter(b'\n', span).count() as u32;
        if back == 0 {
            return self.line;
        }
        LineAt { number: self.line.number - back, start: line_start_near(text, to) }
    }
}

/// Whether `start..end` overlaps a span of `sorted` (sorted by start; the
/// spans of one file's values do not nest).
fn overlaps(sorted: &[(usize, usize)], start: usize, end: usize) -> bool {
    let i = sorted.partition_point(|&(s, _)| s < end);
    sorted.get(..i).unwrap_or_default().iter().rev().take(4).any(|&(_, e)| e > start)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::PatternSpec;

    fn spec(pattern: &str, keywords: &[&str], generic: bool) -> PatternSpec {
        PatternSpec {
            pattern: pattern.into(),
            keywords: keywords.iter().map(|k| k.to_string()).collect(),
            generic,
            ..PatternSpec::default()
        }
    }

    fn matcher() -> Matcher {
        let token = spec(r"\b(tok_[A-Za-z0-9]{20})\b", &["tok_"], false);
        let password = PatternSpec {
            key_words: vec!["password".into()],
            ..spec(
                r"(?i)(?P<key>[A-Za-z0-9_.-]*password[A-Za-z0-9_.-]*)\s*[:=]\s*(?P<secret>[^\s]{4,})",
                &["password"],
                true,
            )
        };
        let (m, errors) = Matcher::new([("token", &token), ("password", &password)]);
        assert!(errors.is_empty(), "{errors:?}");
        m
    }

    #[test]
    fn places_secrets_in_their_structure() {
        let text = "services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: horse-Battery9\n  cache:\n    environment:\n      POSTGRES_PASSWORD: other-Pass7x\n";
        let found = matcher().scan_file("docker-compose.yml", text.as_bytes());
        let placed: Vec<(u32, u32, Option<&str>, u32)> =
            found.iter().map(|f| (f.line, f.column, f.context.path.as_deref(), f.ordinal)).collect();
        assert_eq!(
            placed,
            vec![(4, 26, Some("services.db.environment"), 0), (7, 26, Some("services.cache.environment"), 0)],
            "same key, told apart by where it is"
        );
    }

    #[test]
    fn secret_data_is_decoded_and_its_raw_text_never_matched() {
        use base64::Engine as _;
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let text = format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ndata:\n  password: {}\n  note: {}\n",
            b64("s3cret-Pass"),
            b64("tok_Qm7ZtR2xWv9LpK4sNb8Y")
        );
        let found = matcher().scan_file("k8s/secret.yaml", text.as_bytes());
        type Row<'a> = (&'a str, Option<&'a str>, u32, Option<&'a str>, Option<&'a str>);
        let got: Vec<Row<'_>> = found
            .iter()
            .map(|f| {
                (
                    f.rule_id.as_str(),
                    f.key.as_deref(),
                    f.line,
                    f.context.object.as_deref(),
                    f.context.encoding.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("password", Some("password"), 6, Some("Secret/app"), Some("base64")),
                ("token", Some("note"), 7, Some("Secret/app"), Some("base64")),
            ]
        );
        assert!(found.iter().all(|f| f.context.statement.as_deref() == Some("data")));
    }

    #[test]
    fn many_secrets_on_one_long_line_are_each_placed() {
        let line: String =
            (1..=2000u64).map(|i| format!("tok_{:020x} ", i.wrapping_mul(0x9E37_79B9_7F4A_7C15))).collect();
        let text = format!("first line\n{line}\nlast\n");
        let found = matcher().scan_file("dump.txt", text.as_bytes());
        assert_eq!(found.len(), 2000);
        assert!(found.iter().all(|f| f.line == 2));
        assert_eq!(found.last().map(|f| f.column), Some(1999 * 25 + 1));
    }

    #[test]
    fn inline_markers_and_dockerfile_statements() {
        let text = "FROM alpine\nENV A_PASSWORD=Xk9mQ2vL \\\n    B_PASSWORD=Zq8vN2rT # stackaudit:ignore[password]\nRUN echo tok_Qm7ZtR2xWv9LpK4sNb8Y\n";
        let found = matcher().scan_file("Dockerfile", text.as_bytes());
        type Row<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a [String]>);
        let got: Vec<Row<'_>> =
            found.iter().map(|f| (f.key.as_deref(), f.context.statement.as_deref(), f.ignore.as_deref())).collect();
        assert_eq!(
            got,
            vec![
                (Some("A_PASSWORD"), Some("ENV"), None),
                (Some("B_PASSWORD"), Some("ENV"), Some(&["password".to_string()][..])),
                (None, Some("RUN"), None),
            ]
        );
    }
}
