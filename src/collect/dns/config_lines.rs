//! Where each setting of a `[[dns]]` entry is written in the config file, so
//! a finding about `www`'s CNAME points at the `www = ...` line rather than
//! only at the entry.

use std::collections::HashMap;
use std::sync::Arc;

use crate::facts::Location;

/// The config file's text, read once per scan.
pub struct ConfigText {
    /// One copy shared by every location in the file.
    path: Arc<str>,
    lines: Vec<String>,
    /// 1-based line of each `[[dns]]` header, in order.
    entries: Vec<u32>,
}

impl ConfigText {
    /// `entries`: the line of each `[[dns]]` entry in `source`.
    pub fn read(source: &std::path::Path, entries: Vec<u32>) -> Option<Self> {
        // The config was parsed from this file moments ago; if it cannot be
        // read again (or was swapped for something that is not a regular
        // file), findings simply point at the entry instead.
        let text = crate::input::read_text(source, crate::config::MAX_CONFIG_FILE_BYTES).ok()?;
        Some(Self {
            path: Arc::from(source.display().to_string()),
            lines: text.lines().map(str::to_string).collect(),
            entries,
        })
    }

    /// The settings of the `index`-th `[[dns]]` entry.
    pub fn entry(&self, index: usize) -> Option<EntryLines> {
        let start = *self.entries.get(index)? as usize;
        let mut keys = HashMap::new();
        let mut body = Vec::new();
        // `[dns.cname]` (a sub-table of this entry) shifts keys into `cname.`.
        let mut prefix = String::new();
        for (offset, raw) in self.lines.iter().enumerate().skip(start) {
            let line = offset as u32 + 1;
            let trimmed = raw.trim();
            if trimmed.starts_with('[') {
                match trimmed.strip_prefix("[dns.").and_then(|t| t.strip_suffix(']')) {
                    Some(table) => {
                        keys.entry(table.trim().to_string()).or_insert(line);
                        prefix = format!("{}.", table.trim());
                        continue;
                    }
                    None if trimmed.starts_with("[[") || !looks_like_array_item(trimmed) => break,
                    None => {}
                }
            }
            if let Some(key) = key_of(trimmed) {
                keys.entry(format!("{prefix}{key}")).or_insert(line);
            }
            body.push((line, raw.clone()));
        }
        Some(EntryLines { path: self.path.clone(), keys, body })
    }
}

/// The key a `key = value` line sets: bare (`www`) or quoted (`"api.v2"`).
/// A quoted array item containing `=` (`"verification=abc",`) is not one.
fn key_of(trimmed: &str) -> Option<&str> {
    let (key, rest) = match trimmed.chars().next()? {
        q @ ('"' | '\'') => trimmed.get(1..)?.split_once(q)?,
        _ => {
            let end = trimmed.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))?;
            trimmed.split_at_checked(end)?
        }
    };
    (!key.is_empty() && rest.trim_start().starts_with('=')).then_some(key)
}

/// A table header never starts with a quote; an array continuation line
/// starting with `[` (a nested array) is not something `[[dns]]` uses.
fn looks_like_array_item(trimmed: &str) -> bool {
    trimmed.starts_with("[\"") || trimmed.starts_with("['")
}

pub struct EntryLines {
    path: Arc<str>,
    keys: HashMap<String, u32>,
    body: Vec<(u32, String)>,
}

impl EntryLines {
    /// The line of `key` (`a`, `cname`, `cname.www` for a `[dns.cname]`
    /// table).
    pub fn key(&self, key: &str) -> Option<Location> {
        self.keys.get(key).map(|l| Location::line(&self.path, *l))
    }

    /// The line holding `"value"` in the setting `key` (a multi-line array),
    /// else the key's own line.
    pub fn value(&self, key: &str, value: &str) -> Option<Location> {
        let start = *self.keys.get(key)?;
        let quoted = [format!("\"{value}\""), format!("'{value}'")];
        let hit = self
            .body
            .iter()
            .filter(|(line, _)| *line >= start)
            .take_while(|(line, text)| *line == start || key_of(text.trim()).is_none())
            .find(|(_, text)| quoted.iter().any(|q| text.contains(q.as_str())));
        Some(Location::line(&self.path, hit.map_or(start, |(line, _)| *line)))
    }

    /// For inline tables (`cname = { www = "..." }`), the table's line.
    pub fn table_key(&self, table: &str, key: &str) -> Option<Location> {
        self.key(&format!("{table}.{key}")).or_else(|| self.key(table))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(body: &str) -> ConfigText {
        let lines: Vec<String> = body.lines().map(str::to_string).collect();
        let entries =
            lines.iter().enumerate().filter(|(_, l)| l.trim() == "[[dns]]").map(|(i, _)| i as u32 + 1).collect();
        ConfigText { path: Arc::from("stackaudit.toml"), lines, entries }
    }

    #[test]
    fn keys_values_and_subtables_are_located() {
        let config = text(
            "[resolver]\nnameservers = []\n\n[[dns]]\ndomain = \"a.test\"\ntxt = [\n  \"a=one\",\n  \"two\",\n]\nmx = [\"mail\"]\n\n[dns.cname]\nwww = \"a.test\"\n\n[[dns]]\ndomain = \"b.test\"\ncname = { api = \"b.test\" }\n[firewall]\n",
        );
        let first = config.entry(0).unwrap();
        assert_eq!(first.key("domain").unwrap().line, Some(5));
        assert_eq!(first.value("txt", "two").unwrap().line, Some(8));
        assert_eq!(first.value("mx", "mail").unwrap().line, Some(10));
        assert_eq!(first.table_key("cname", "www").unwrap().line, Some(13));
        let second = config.entry(1).unwrap();
        assert_eq!(second.table_key("cname", "api").unwrap().line, Some(17));
        assert!(second.key("txt").is_none());
        assert!(first.key("a").is_none(), "a TXT value with `=` is not a key");
    }
}
