//! The `[secret]` table of a secret rule: what to look for in text. The rules
//! layer parses it from rule files; the matcher compiles it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::validate::Validator;

/// The `[secret]` table of a secret rule.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatternSpec {
    /// Regex (the subset Rust's `regex` and Hyperscan share) with a capture
    /// group around the secret itself: the group named `secret`, else the
    /// first group that took part in the match (so alternatives can each
    /// capture their own form). An optional group named `key` captures the
    /// key name.
    pub pattern: String,
    /// Lower-case literals, one of which must appear on the line of a match
    /// (or before it, for multi-line rules). Required unless `files` limits
    /// the rule to some files, where it then reads every line.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Minimum Shannon entropy, in bits per character, of the captured
    /// secret. For generic rules it applies to keys that are not a password
    /// setting (see docs/secrets.md).
    #[serde(default)]
    pub entropy: Option<f64>,
    /// The match may span lines (PEM bodies): the regex then runs on a window
    /// after the keyword instead of on the keyword's line.
    #[serde(default)]
    pub multiline: bool,
    /// A rule that judges a key/value pair by the key's name: any specific
    /// rule on the same value wins over it, and its values must also pass the
    /// stricter filters (not a UUID, a checksum, a path, code, prose, a name).
    #[serde(default)]
    pub generic: bool,
    /// The key must have one of these words (keys are split into words at
    /// `_`, `-`, `.` and case changes; `api_key` means the word `api`
    /// followed by `key`): `LOCALBYPASS` is not a password key, `DB_PASS` is.
    #[serde(default)]
    pub key_words: Vec<String>,
    /// File names the rule is limited to (`*` matches any run of
    /// characters, case-insensitive): `.pgpass`, `*.netrc`.
    #[serde(default)]
    pub files: Vec<String>,
    /// Whether a match on a comment line counts. Default: yes for rules that
    /// recognise a value by its own format (a leaked token in a comment is
    /// still leaked), no for generic rules and directive rules, whose key
    /// name in a comment is prose.
    #[serde(default)]
    pub comments: Option<bool>,
    /// A structural check of the secret beyond the regex: `private-key` (the
    /// body decodes to a key structure), `jwt` (the header decodes to JSON
    /// naming an algorithm).
    #[serde(default)]
    pub validate: Option<String>,
    /// Texts the rule must find a secret in.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Texts it must not.
    #[serde(default)]
    pub negative_examples: Vec<String>,
}

impl PatternSpec {
    /// Whether the spec can run: the regex compiles as a byte regex with a
    /// group for the secret, keywords are usable by the prefilter, the
    /// validator is known.
    pub fn check(&self) -> Result<(), String> {
        let regex = regex::bytes::Regex::new(&self.pattern).map_err(|e| e.to_string())?;
        self.check_compiled(&regex)
    }

    /// [`check`](Self::check) for a caller that compiled the pattern
    /// already: regex compilation shows in start-up's profile, so the
    /// matcher compiles each pattern once, not once to check and once to run.
    pub fn check_compiled(&self, regex: &regex::bytes::Regex) -> Result<(), String> {
        if regex.captures_len() < 2 {
            return Err("pattern needs a capture group around the secret".into());
        }
        if self.keywords.iter().any(|k| k.is_empty() || k.to_lowercase() != *k) {
            return Err("`keywords` must be non-empty, lower-case literals".into());
        }
        // The matcher only runs a rule near one of its keywords, or on every
        // line of the files it is limited to: otherwise it would never run.
        if self.keywords.is_empty() && self.files.is_empty() {
            return Err("a secret rule needs `keywords` for the prefilter, or `files` it reads whole".into());
        }
        if let Some(name) = &self.validate {
            Validator::parse(name)?;
        }
        if self.key_words.iter().any(|w| w.is_empty() || w.to_lowercase() != *w) {
            return Err("`key_words` must be non-empty, lower-case words".into());
        }
        if self.files.iter().any(|f| f.is_empty() || f.contains('/')) {
            return Err("`files` are file names (no folders), with `*` as wildcard".into());
        }
        Ok(())
    }

    /// Whether matches on comment lines count for this rule.
    pub fn counts_in_comments(&self) -> bool {
        self.comments.unwrap_or(!self.generic)
    }
}

/// Case-insensitive file-name match with `*` as the only wildcard.
pub fn name_matches(pattern: &str, name: &str) -> bool {
    let (p, n) = (pattern.to_ascii_lowercase(), name.to_ascii_lowercase());
    let parts: Vec<&str> = p.split('*').collect();
    let [first, middle @ .., last] = parts.as_slice() else { return p == n };
    if parts.len() == 1 {
        return p == n;
    }
    let Some(mut rest) = n.strip_prefix(first) else { return false };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = rest.get(i + part.len()..).unwrap_or(""),
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_name_wildcards() {
        assert!(name_matches(".pgpass", ".PGPASS"));
        assert!(name_matches("*.netrc", "ci.netrc"));
        assert!(name_matches("pgpass*", "pgpass.conf"));
        assert!(!name_matches("*.netrc", "netrc.txt"));
        assert!(name_matches("user*list.txt", "userlist.txt"));
        assert!(!name_matches("ab*ba", "aba"));
    }

    #[test]
    fn a_rule_without_keywords_needs_files() {
        let spec = PatternSpec { pattern: "(x)".into(), ..PatternSpec::default() };
        assert!(spec.check().is_err());
        let spec = PatternSpec { files: vec![".pgpass".into()], ..spec };
        assert!(spec.check().is_ok());
        let spec = PatternSpec { validate: Some("nope".into()), ..spec };
        assert!(spec.check().unwrap_err().contains("nope"));
    }
}
