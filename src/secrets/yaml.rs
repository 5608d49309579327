//! Just enough YAML structure, read line by line, to place a secret: the
//! Kubernetes object a document declares, the keys above a value, the
//! entries of a Secret's `data`/`stringData`, and `name:`/`value:` pairs
//! (Kubernetes `env`). One pass builds the document index; placing one
//! secret walks back a bounded number of lines.

use super::context::{line_end, line_end_near, line_start_near, lines_back};

/// How many lines around a `value:` the matching `name:` may be.
const PAIR_REACH: usize = 8;

/// One YAML document (between `---` markers).
#[derive(Debug, Clone, Default)]
struct Doc {
    start: usize,
    end: usize,
    kind: Option<String>,
    name: Option<String>,
}

/// One entry of a Kubernetes Secret's `data` or `stringData`, with a value
/// on its own line.
#[derive(Debug, Clone)]
pub struct SecretEntry {
    pub key: String,
    /// `data` (base64) or `stringData`.
    pub field: &'static str,
    /// As written, without quotes.
    pub value: String,
    /// Where the value is written.
    pub value_start: usize,
    pub value_end: usize,
}

/// A Secret's `data`/`stringData` block.
#[derive(Debug, Clone)]
pub struct SecretBlock {
    pub field: &'static str,
    pub start: usize,
    pub end: usize,
    pub object: Option<String>,
}

#[derive(Debug, Default)]
pub struct YamlIndex {
    docs: Vec<Doc>,
    pub blocks: Vec<SecretBlock>,
    pub entries: Vec<SecretEntry>,
}

struct Line<'a> {
    start: usize,
    end: usize,
    text: &'a str,
}

impl Line<'_> {
    fn indent(&self) -> usize {
        self.text.len() - self.text.trim_start_matches(' ').len()
    }

    fn is_blank_or_comment(&self) -> bool {
        let t = self.text.trim();
        t.is_empty() || t.starts_with('#')
    }
}

fn lines(text: &[u8]) -> impl Iterator<Item = Line<'_>> {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start > text.len() {
            return None;
        }
        let end = line_end(text, start);
        let raw = text.get(start..end).unwrap_or_default();
        let line = Line { start, end, text: std::str::from_utf8(raw).unwrap_or("") };
        start = end + 1;
        Some(line)
    })
}

/// `key: value` → (`key`, `value`), keys unquoted.
fn key_value(text: &str) -> Option<(&str, &str)> {
    let t = text.trim_start().strip_prefix("- ").unwrap_or(text.trim_start());
    let (key, value) = t.split_once(':')?;
    let key = key.trim().trim_matches(['"', '\'']);
    let plain = !key.is_empty() && !key.contains(' ');
    (plain && (value.is_empty() || value.starts_with([' ', '\t']))).then_some((key, value.trim()))
}

fn unquote(value: &str) -> &str {
    let v = value.trim();
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|x| x.strip_suffix(q)) {
            return inner;
        }
    }
    // A trailing comment on a plain scalar.
    v.split(" #").next().unwrap_or(v).trim_end()
}

impl YamlIndex {
    /// Indexes documents and Secret entries in one pass.
    pub fn build(text: &[u8]) -> Self {
        let mut index = YamlIndex::default();
        let mut doc = Doc::default();
        let mut in_metadata = false;
        let mut metadata_indent: Option<usize> = None;
        // The open `data:`/`stringData:` block: field, start, child indent.
        let mut block: Option<(&'static str, usize, Option<usize>)> = None;
        let mut pending: Vec<SecretEntry> = Vec::new();
        for line in lines(text) {
            let trimmed = line.text.trim_end();
            if trimmed == "---" || trimmed.starts_with("--- ") {
                index.close(&mut doc, &mut block, &mut pending, line.start);
                doc = Doc { start: line.end, ..Doc::default() };
                in_metadata = false;
                metadata_indent = None;
                continue;
            }
            if line.is_blank_or_comment() {
                continue;
            }
            let indent = line.indent();
            if indent == 0 {
                if let Some((field, start, _)) = block.take() {
                    index.blocks.push(SecretBlock { field, start, end: line.start, object: None });
                }
                in_metadata = false;
                match key_value(trimmed) {
                    Some(("kind", v)) => doc.kind = Some(unquote(v).to_string()),
                    Some(("metadata", "")) => in_metadata = true,
                    Some(("data", "")) => block = Some(("data", line.start, None)),
                    Some(("stringData", "")) => block = Some(("stringData", line.start, None)),
                    _ => {}
                }
                continue;
            }
            if in_metadata {
                let child = *metadata_indent.get_or_insert(indent);
                if indent == child {
                    if let Some(("name", v)) = key_value(trimmed) {
                        doc.name.get_or_insert_with(|| unquote(v).to_string());
                    }
                }
            }
            if let Some((field, _, child)) = &mut block {
                let child = *child.get_or_insert(indent);
                if indent == child {
                    if let Some(entry) = entry(&line, field) {
                        pending.push(entry);
                    }
                }
            }
        }
        index.close(&mut doc, &mut block, &mut pending, text.len());
        index
    }

    /// Ends a document: its Secret entries count only if it is a Secret.
    fn close(
        &mut self,
        doc: &mut Doc,
        block: &mut Option<(&'static str, usize, Option<usize>)>,
        pending: &mut Vec<SecretEntry>,
        end: usize,
    ) {
        if let Some((field, start, _)) = block.take() {
            self.blocks.push(SecretBlock { field, start, end, object: None });
        }
        doc.end = end;
        let is_secret = doc.kind.as_deref() == Some("Secret");
        let object = reference(doc);
        let first_new = self.blocks.iter().rposition(|b| b.start < doc.start).map_or(0, |i| i + 1);
        if is_secret {
            for b in self.blocks.iter_mut().skip(first_new) {
                b.object = object.clone();
            }
            self.entries.append(pending);
        } else {
            self.blocks.truncate(first_new);
            pending.clear();
        }
        self.docs.push(std::mem::take(doc));
    }

    /// `Kind/name` of the Kubernetes object whose document holds `at`.
    pub fn object_at(&self, at: usize) -> Option<String> {
        let i = self.docs.partition_point(|d| d.end < at);
        self.docs.get(i).filter(|d| d.start <= at).and_then(reference)
    }

    /// The Secret block holding `at` (blocks are in file order and do not
    /// overlap).
    pub fn block_at(&self, at: usize) -> Option<&SecretBlock> {
        let i = self.blocks.partition_point(|b| b.start <= at);
        self.blocks.get(i.checked_sub(1)?).filter(|b| at < b.end)
    }
}

fn reference(doc: &Doc) -> Option<String> {
    Some(format!("{}/{}", doc.kind.as_ref()?, doc.name.as_ref()?))
}

/// `  key: value` with the value on the line.
fn entry(line: &Line<'_>, field: &'static str) -> Option<SecretEntry> {
    let (key, raw) = key_value(line.text)?;
    if raw.is_empty() || raw.starts_with(['|', '>']) {
        return None;
    }
    let value = unquote(raw);
    let col = line.text.find(value).filter(|_| !value.is_empty())?;
    Some(SecretEntry {
        key: key.to_string(),
        field,
        value: value.to_string(),
        value_start: line.start + col,
        value_end: line.start + col + value.len(),
    })
}

/// The keys above `at` by indentation (`services.redis.environment`). List
/// items (`- name: x`) are stepped over: their keys are siblings.
pub fn parent_path(text: &[u8], at: usize) -> Option<String> {
    let start = line_start_near(text, at);
    let own = std::str::from_utf8(text.get(start..line_end_near(text, at)).unwrap_or_default()).ok()?;
    let mut limit = own.len() - own.trim_start_matches(' ').len();
    let mut keys = Vec::new();
    for (line_start, raw) in lines_back(text, at) {
        if limit == 0 {
            break;
        }
        let Ok(s) = std::str::from_utf8(raw) else { continue };
        let line = Line { start: line_start, end: line_start + raw.len(), text: s };
        if line.is_blank_or_comment() {
            continue;
        }
        let indent = line.indent();
        if indent >= limit {
            continue;
        }
        limit = indent;
        if s.trim_start().starts_with("- ") {
            continue;
        }
        if let Some((key, "")) = key_value(s) {
            keys.push(key.to_string());
        } else if key_value(s).is_none() {
            // Not a mapping key: structure we do not follow (flow style, a
            // block scalar's text).
            return None;
        }
    }
    keys.reverse();
    (!keys.is_empty()).then(|| keys.join("."))
}

/// A `name:`/`value:` pair (Kubernetes `env`): the key is the `name`.
#[derive(Debug, Clone)]
pub struct NamedValue {
    pub name: String,
    pub value: String,
    pub value_start: usize,
    pub value_end: usize,
}

/// Every `value:` with a sibling `name:` in the same list item.
pub fn named_values(text: &[u8]) -> Vec<NamedValue> {
    let mut out = Vec::new();
    let finder = memchr::memmem::Finder::new(b"value:");
    // Lines already read: each line is read once, however many `value:` it has.
    let mut read_to = 0;
    for at in finder.find_iter(text) {
        if at < read_to {
            continue;
        }
        let start = line_start_near(text, at);
        let end = line_end_near(text, at);
        read_to = end;
        let Ok(s) = std::str::from_utf8(text.get(start..end).unwrap_or_default()) else { continue };
        let Some(("value", raw)) = key_value(s) else { continue };
        if raw.is_empty() || raw.starts_with(['|', '>', '{', '[', '&', '*']) {
            continue;
        }
        let column = key_column(s);
        let value = unquote(raw);
        let Some(col) = s.rfind(value).filter(|_| !value.is_empty()) else { continue };
        if let Some(name) = sibling_name(text, start, end, column) {
            out.push(NamedValue {
                name,
                value: value.to_string(),
                value_start: start + col,
                value_end: start + col + value.len(),
            });
        }
    }
    out
}

/// Column of a line's key, after any `- `.
fn key_column(s: &str) -> usize {
    let indent = s.len() - s.trim_start_matches(' ').len();
    if s.trim_start().starts_with("- ") {
        indent + 2
    } else {
        indent
    }
}

/// The `name:` at `column` in the same list item as the line at
/// `start..end`, looking a few lines up and down.
fn sibling_name(text: &[u8], start: usize, end: usize, column: usize) -> Option<String> {
    let own = std::str::from_utf8(text.get(start..end).unwrap_or_default()).ok()?;
    let own_is_item = own.trim_start().starts_with("- ");
    // Up: siblings until the line that opens the item.
    if !own_is_item {
        for (_, raw) in lines_back(text, start).take(PAIR_REACH) {
            let s = std::str::from_utf8(raw).ok()?;
            if s.trim().is_empty() || s.trim_start().starts_with('#') {
                continue;
            }
            if key_column(s) != column {
                return None;
            }
            if let Some(("name", v)) = key_value(s) {
                return Some(unquote(v).to_string());
            }
            if s.trim_start().starts_with("- ") {
                break;
            }
        }
    }
    // Down: siblings until the next item.
    let mut next = end + 1;
    for _ in 0..PAIR_REACH {
        if next >= text.len() {
            break;
        }
        let stop = line_end_near(text, next);
        let s = std::str::from_utf8(text.get(next..stop).unwrap_or_default()).ok()?;
        next = stop + 1;
        if s.trim().is_empty() || s.trim_start().starts_with('#') {
            continue;
        }
        if s.trim_start().starts_with("- ") || key_column(s) != column {
            return None;
        }
        if let Some(("name", v)) = key_value(s) {
            return Some(unquote(v).to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\n  labels:\n    name: other\n\
        type: Opaque\ndata:\n  password: cGFzcw==\n  tls.key: |\n    abc\nstringData:\n  token: \"t0k\"\n---\n\
        kind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  password: x\n";

    #[test]
    fn secret_entries_only_in_secrets() {
        let index = YamlIndex::build(MANIFEST.as_bytes());
        let keys: Vec<(&str, &str, &str)> =
            index.entries.iter().map(|e| (e.field, e.key.as_str(), e.value.as_str())).collect();
        assert_eq!(keys, vec![("data", "password", "cGFzcw=="), ("stringData", "token", "t0k")]);
        assert_eq!(index.blocks.len(), 2);
        assert_eq!(index.blocks[0].object.as_deref(), Some("Secret/app"));
        let e = &index.entries[1];
        assert_eq!(&MANIFEST[e.value_start..e.value_end], "t0k");
        let cfg = MANIFEST.find("password: x").unwrap();
        assert_eq!(index.object_at(cfg).as_deref(), Some("ConfigMap/cfg"));
        assert!(index.block_at(cfg).is_none());
    }

    #[test]
    fn parent_paths_step_over_list_items() {
        let compose = "services:\n  redis:\n    environment:\n      - REDIS_PASSWORD=x\n";
        let at = compose.find("REDIS").unwrap();
        assert_eq!(parent_path(compose.as_bytes(), at).as_deref(), Some("services.redis.environment"));
        let k8s =
            "spec:\n  containers:\n    - name: web\n      env:\n        - name: API_TOKEN\n          value: abc\n";
        let at = k8s.find("abc").unwrap();
        assert_eq!(parent_path(k8s.as_bytes(), at).as_deref(), Some("spec.containers.env"));
    }

    #[test]
    fn name_value_pairs_either_order() {
        let text = "env:\n  - name: API_TOKEN\n    value: \"abc123\"\n  - value: xyz\n    name: DB_PASSWORD\n  - name: PLAIN\n    valueFrom:\n      secretKeyRef: {name: s, key: k}\n";
        let pairs: Vec<(String, String)> =
            named_values(text.as_bytes()).into_iter().map(|p| (p.name, p.value)).collect();
        assert_eq!(pairs, vec![("API_TOKEN".into(), "abc123".into()), ("DB_PASSWORD".into(), "xyz".into())]);
    }
}
