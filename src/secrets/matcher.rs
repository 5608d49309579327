//! Matching secret rules against text: one pass for the rules' keywords
//! (`keywords.rs`), then each rule's regex only on the lines (or, for
//! multi-line rules, the windows) where one of its keywords occurs, each
//! line at most once per rule. Matches then go through the filters.

use regex::bytes::Regex;

use super::context::{in_comment, line_end, line_start_near, FileKind, Format};
use super::filters;
use super::keyname::key_before;
use super::keywords::{Hit, Keywords};
use super::spec::{name_matches, PatternSpec};
use super::validate::Validator;
use super::words::{self, KeyRole};

/// How far after a keyword a multi-line rule looks (a 16384-bit RSA key in
/// PEM is under 13 KiB).
const MULTILINE_WINDOW: usize = 64 * 1024;

/// How much of a line around a match is read for its key, comments and
/// placeholder hints: a minified file's megabyte-long line is not re-read
/// for each match on it.
const LOOK_AROUND: usize = 512;

/// A rule ready to run.
struct Compiled {
    regex: Regex,
    /// The group named `secret`; `None`: the first other group that took
    /// part in the match (so alternatives can each capture their secret).
    secret_group: Option<usize>,
    key_group: Option<usize>,
    entropy: Option<f64>,
    multiline: bool,
    generic: bool,
    comments: bool,
    validator: Option<Validator>,
    files: Vec<String>,
    /// Word sequences one of which the key must contain.
    key_words: Vec<Vec<String>>,
}

/// The compiled secret rules: built once per scan from the rule set's
/// `[secret]` tables, shared by the file scan and every collector that
/// classifies a key/value pair.
pub struct Matcher {
    ids: Vec<String>,
    /// `None` for a rule whose pattern did not compile.
    rules: Vec<Option<Compiled>>,
    prefilter: Option<Keywords>,
    /// For each keyword (Aho-Corasick pattern ID), the rules it triggers.
    keyword_rules: Vec<Vec<usize>>,
    /// Rules without keywords, limited to some files: they read every line.
    file_rules: Vec<usize>,
}

/// The secret text itself. Its `Debug` never shows it, so a candidate can
/// be logged or asserted on without leaking.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(String);

impl SecretValue {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretValue({})", super::mask::preview(&self.0))
    }
}

/// One accepted match.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Index of the rule in the list the matcher was built from.
    pub rule: usize,
    pub generic: bool,
    /// Byte offsets of the whole match and of the secret in the text.
    pub match_start: usize,
    pub start: usize,
    pub end: usize,
    pub key: Option<String>,
    pub value: SecretValue,
}

impl Matcher {
    /// Builds the matcher from `(rule id, spec)` pairs; a spec that cannot
    /// run is left out and returned with its ID and the reason.
    pub fn new<'a>(specs: impl IntoIterator<Item = (&'a str, &'a PatternSpec)>) -> (Self, Vec<(String, String)>) {
        let mut ids = Vec::new();
        let mut rules = Vec::new();
        let mut keywords: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        let mut file_rules = Vec::new();
        let mut errors = Vec::new();
        for (index, (id, spec)) in specs.into_iter().enumerate() {
            ids.push(id.to_string());
            let compiled = Regex::new(&spec.pattern)
                .map_err(|e| e.to_string())
                .and_then(|regex| spec.check_compiled(&regex).map(|()| regex));
            let regex = match compiled {
                Ok(r) => r,
                Err(e) => {
                    errors.push((id.to_string(), e));
                    // Keep indices aligned with the caller's rule list.
                    rules.push(None);
                    continue;
                }
            };
            let names: Vec<Option<&str>> = regex.capture_names().collect();
            let position = |name: &str| names.iter().position(|n| *n == Some(name));
            let (secret_group, key_group) = (position("secret"), position("key"));
            rules.push(Some(Compiled {
                regex,
                secret_group,
                key_group,
                entropy: spec.entropy,
                multiline: spec.multiline,
                generic: spec.generic,
                comments: spec.counts_in_comments(),
                validator: spec.validate.as_deref().and_then(|v| Validator::parse(v).ok()),
                files: spec.files.clone(),
                key_words: spec.key_words.iter().map(|w| w.split('_').map(str::to_string).collect()).collect(),
            }));
            if spec.keywords.is_empty() {
                file_rules.push(index);
            }
            for kw in &spec.keywords {
                // `keywords` and `keyword_rules` grow together, one entry each.
                match keywords.iter().position(|k| k == kw).and_then(|i| keyword_rules.get_mut(i)) {
                    Some(rules) => rules.push(index),
                    None => {
                        keywords.push(kw.clone());
                        keyword_rules.push(vec![index]);
                    }
                }
            }
        }
        let prefilter = Keywords::new(&keywords)
            .map_err(|e| errors.push(("secret rules".to_string(), format!("keyword prefilter: {e}"))))
            .ok();
        (Self { ids, rules, prefilter, keyword_rules, file_rules }, errors)
    }

    /// The ID of the rule at `index`.
    pub fn rule_id(&self, index: usize) -> &str {
        self.ids.get(index).map_or("", String::as_str)
    }

    /// Every accepted match in `text`, in no particular order.
    pub fn scan(&self, text: &[u8], file: &FileKind) -> Vec<Candidate> {
        let mut out = Vec::new();
        for &rule in &self.file_rules {
            let Some(m) = self.rules.get(rule).and_then(Option::as_ref) else { continue };
            if !m.applies(file) {
                continue;
            }
            let mut start = 0;
            while start < text.len() {
                let end = line_end(text, start);
                m.find(rule, text, start, end, file, &mut out);
                start = end + 1;
            }
        }
        let Some(prefilter) = &self.prefilter else { return out };
        // Per rule: the start of the last line searched, or the end of the
        // last window, so each line is searched at most once per rule.
        let mut line_done = vec![usize::MAX; self.rules.len()];
        let mut window_done = vec![0usize; self.rules.len()];
        prefilter.each_hit(text, |Hit { start: at, keyword, line_start, line_end }| {
            for &rule in self.keyword_rules.get(keyword).map_or(&[][..], Vec::as_slice) {
                let Some(m) = self.rules.get(rule).and_then(Option::as_ref) else { continue };
                if !m.applies(file) {
                    continue;
                }
                // Both lists have one entry per rule.
                let (Some(window), Some(line)) = (window_done.get_mut(rule), line_done.get_mut(rule)) else {
                    continue;
                };
                let (from, to) = if m.multiline {
                    if at < *window {
                        continue;
                    }
                    let to = (at + MULTILINE_WINDOW).min(text.len());
                    *window = to;
                    (line_start, to)
                } else {
                    if *line == line_start {
                        continue;
                    }
                    *line = line_start;
                    (line_start, line_end)
                };

                m.find(rule, text, from, to, file, &mut out);
            }
        });
        out
    }

    /// The secrets in a literal `value` set under `key` (an environment
    /// variable, a decoded Secret entry), with offsets relative to `value`,
    /// best first: specific rules before generic ones. The pair is judged as
    /// the assignment `key=value`, so the key-name rules apply; a multi-line
    /// value (a PEM key, a JSON document) is also searched as text.
    pub fn classify(&self, key: &str, value: &str) -> Vec<Candidate> {
        self.classify_in(key, value, false)
    }

    /// `classify` for a pair read from a file; `test_data`: the file holds
    /// tests or fixtures.
    pub(super) fn classify_in(&self, key: &str, value: &str, test_data: bool) -> Vec<Candidate> {
        let mut found = Vec::new();
        if value.trim().is_empty() || filters::is_reference(value) {
            return found;
        }
        let file = FileKind { format: Format::Dotenv, test_data, ..FileKind::default() };
        if value.contains('\n') {
            let inner = FileKind { format: Format::Text, name: key.to_string(), test_data, ..FileKind::default() };
            found.extend(self.scan(value.as_bytes(), &inner));
        } else {
            let line = format!("{key}={value}");
            let offset = key.len() + 1;
            for mut c in self.scan(line.as_bytes(), &file) {
                if c.start < offset {
                    continue;
                }
                c.start -= offset;
                c.end -= offset;
                c.match_start = c.match_start.saturating_sub(offset);
                found.push(c);
            }
        }
        found.sort_by_key(|c| (c.generic, c.start, c.rule));
        found
    }

    /// `classify`, and for a value stored in a Kubernetes Secret (where
    /// every value is meant to be secret), a random-looking value counts
    /// even when its key's name says nothing: judged as if named `secret`.
    pub fn classify_stored_secret(&self, key: &str, value: &str, test_data: bool) -> Vec<Candidate> {
        let found = self.classify_in(key, value, test_data);
        if !found.is_empty() || value.contains('\n') || matches!(words::role(key), KeyRole::Naming | KeyRole::TestData)
        {
            return found;
        }
        let mut found = self.classify_in("secret", value, test_data);
        for c in &mut found {
            c.key = Some(key.to_string());
        }
        found
    }
}

impl Compiled {
    fn key_has_words(&self, key: &str) -> bool {
        let words = words::key_words(key);
        self.key_words.iter().any(|seq| words.windows(seq.len()).any(|w| w == seq.as_slice()))
    }

    fn applies(&self, file: &FileKind) -> bool {
        if self.generic && (file.lock_file || file.locale) {
            return false;
        }
        self.files.is_empty() || self.files.iter().any(|p| name_matches(p, &file.name))
    }

    fn find(&self, rule: usize, text: &[u8], from: usize, to: usize, file: &FileKind, out: &mut Vec<Candidate>) {
        let Some(hay) = text.get(from..to) else { return };
        for caps in self.regex.captures_iter(hay) {
            let secret = match self.secret_group {
                Some(g) => caps.get(g),
                None => (1..caps.len()).filter(|&g| Some(g) != self.key_group).find_map(|g| caps.get(g)),
            };
            let Some(secret) = secret else { continue };
            let whole = caps.get(0).map_or(secret.range(), |m| m.range());
            let site = Site {
                text,
                match_start: from + whole.start,
                match_end: from + whole.end,
                start: from + secret.start(),
                end: from + secret.end(),
            };
            let value = String::from_utf8_lossy(secret.as_bytes()).into_owned();
            let key_match = self.key_group.and_then(|g| caps.get(g));
            let key = match key_match {
                Some(k) => Some(String::from_utf8_lossy(k.as_bytes()).into_owned()),
                None => key_before(site.before(site.start)),
            };
            let key_start = key_match.map(|k| from + k.start());
            if !self.accepts(&site, key.as_deref(), key_start, &value, file) {
                continue;
            }
            out.push(Candidate {
                rule,
                generic: self.generic,
                match_start: site.match_start,
                start: site.start,
                end: site.end,
                key,
                value: SecretValue(value),
            });
        }
    }

    fn accepts(
        &self,
        site: &Site<'_>,
        key: Option<&str>,
        key_start: Option<usize>,
        value: &str,
        file: &FileKind,
    ) -> bool {
        let v = value.trim();
        if v.is_empty() || filters::is_reference(v) {
            return false;
        }
        let before_match = site.before(site.match_start);
        if !self.comments && in_comment(before_match, site.at_line_start(site.match_start)) {
            return false;
        }
        if self.generic && file.source_code() && !matches!(site.byte_before(site.start), Some(b'"' | b'\'' | b'`')) {
            return false;
        }
        // `"example.io/secret-type": …`: a label key, not a setting.
        if self.generic && key_start.is_some_and(|k| site.byte_before(k) == Some(b'/')) {
            return false;
        }
        if !self.key_words.is_empty() && !key.is_some_and(|k| self.key_has_words(k)) {
            return false;
        }
        let mut role = key.map(words::role);
        // Documentation, code and tests show weak example passwords
        // (`docker run -e POSTGRES_PASSWORD=mysecretpassword`, `json!({"password":
        // "secret123"})`): there a password setting needs a value that looks
        // chosen to be secret.
        if !file.takes_weak_passwords() && role == Some(KeyRole::PasswordSetting) {
            role = Some(KeyRole::MaybeSecret);
        }
        // A key the rule itself captured that only names a secret
        // (`discord_client_id`, `WEBHOOK_SECRET_NAME`).
        if key_start.is_some() && role == Some(KeyRole::Naming) {
            return false;
        }
        let password_setting = self.generic && role == Some(KeyRole::PasswordSetting);
        if filters::is_placeholder(v, !password_setting)
            || site.truncated()
            || site.has_placeholder_hint()
            || site.documentation_host()
        {
            return false;
        }
        if let Some(validator) = self.validator {
            if !validator.accepts(site.whole(), value) {
                return false;
            }
        }
        if !self.generic {
            return self.entropy.is_none_or(|min| filters::entropy(v) >= min);
        }
        let Some(key) = key else { return false };
        let full = site.full_value();
        let shared = words::names_itself(key, v)
            || filters::is_percent_encoded(v)
            || filters::is_password_hash(v)
            || filters::is_path(v)
            || filters::is_plain_url(v)
            || filters::is_code(v, role != Some(KeyRole::PasswordSetting))
            || filters::is_prose(&full);
        if shared {
            return false;
        }
        match role {
            Some(KeyRole::Naming | KeyRole::TestData) | None => false,
            Some(KeyRole::PasswordSetting) => {
                // `SOME_CONSTANT`: a name in capitals, not a password.
                let constant = filters::is_identifier(v) && !v.bytes().any(|b| b.is_ascii_lowercase());
                v.chars().count() >= 4 && !filters::is_label_word(v) && !constant
            }
            Some(KeyRole::MaybeSecret) => {
                v.len() >= 8
                    && !(filters::is_uuid(v)
                        || filters::is_numbered_placeholder(v)
                        || filters::is_checksum(v)
                        || filters::is_number(v)
                        || filters::is_word(v)
                        || filters::is_identifier(v)
                        || self.entropy.is_some_and(|min| filters::entropy(v) < min))
            }
        }
    }
}

/// A match in its text, with bounded views of what surrounds it.
struct Site<'t> {
    text: &'t [u8],
    match_start: usize,
    match_end: usize,
    start: usize,
    end: usize,
}

impl<'t> Site<'t> {
    fn whole(&self) -> &'t [u8] {
        self.text.get(self.match_start..self.match_end).unwrap_or_default()
    }

    fn byte_before(&self, at: usize) -> Option<u8> {
        at.checked_sub(1).and_then(|i| self.text.get(i).copied())
    }

    /// The text before `at` on its line, at most `LOOK_AROUND` bytes.
    fn before(&self, at: usize) -> &'t [u8] {
        let window = at.saturating_sub(LOOK_AROUND);
        let slice = self.text.get(window..at).unwrap_or_default();
        match memchr::memrchr(b'\n', slice) {
            Some(i) => slice.get(i + 1..).unwrap_or_default(),
            None => slice,
        }
    }

    fn at_line_start(&self, at: usize) -> bool {
        let window = at.saturating_sub(LOOK_AROUND);
        window == 0 || memchr::memrchr(b'\n', self.text.get(window..at).unwrap_or_default()).is_some()
    }

    /// The text after the secret on its line, at most `LOOK_AROUND` bytes.
    fn after(&self) -> &'t [u8] {
        let slice = self.text.get(self.end..(self.end + LOOK_AROUND).min(self.text.len())).unwrap_or_default();
        match memchr::memchr(b'\n', slice) {
            Some(i) => slice.get(..i).unwrap_or_default(),
            None => slice,
        }
    }

    /// `sk-proj-abc...`: the match stops before an ellipsis.
    fn truncated(&self) -> bool {
        let after = self.after();
        after.starts_with(b"...") || after.starts_with("…".as_bytes())
    }

    /// A credential for a documentation host (`ftp://rms:secret123@example.com`,
    /// RFC 2606): an example.
    fn documentation_host(&self) -> bool {
        let after = self.text.get(self.end..(self.end + 80).min(self.text.len())).unwrap_or_default();
        let Some(host) = after.strip_prefix(b"@") else { return false };
        let host: Vec<u8> = host
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
            .map(u8::to_ascii_lowercase)
            .collect();
        [&b"example.com"[..], b"example.org", b"example.net"].iter().any(|d| host.ends_with(d))
            || host.ends_with(b".example")
            || host.ends_with(b".test")
            || host.ends_with(b".invalid")
    }

    /// A comment after the value, or on the line above, that says to
    /// replace it.
    fn has_placeholder_hint(&self) -> bool {
        let after = String::from_utf8_lossy(self.after());
        let trailing = after.find(" #").or_else(|| after.find(" //")).and_then(|i| after.get(i..));
        if trailing.is_some_and(filters::is_placeholder_hint) {
            return true;
        }
        let line = line_start_near(self.text, self.match_start);
        if line == 0 || self.text.get(line - 1) != Some(&b'\n') {
            return false;
        }
        let above_start = line_start_near(self.text, line - 1).max((line - 1).saturating_sub(LOOK_AROUND));
        let above = String::from_utf8_lossy(self.text.get(above_start..line - 1).unwrap_or_default());
        let t = above.trim_start();
        (t.starts_with('#') || t.starts_with("//") || t.starts_with(';')) && filters::is_placeholder_hint(t)
    }

    /// The value as written: the whole quoted string when the secret starts
    /// a quoted one, else the rest of the line up to a comment. Prose is
    /// told from a credential on this, not on the token the regex took.
    fn full_value(&self) -> String {
        let after = self.after();
        let secret = self.text.get(self.start..self.end).unwrap_or_default();
        let rest = match self.byte_before(self.start) {
            Some(q @ (b'"' | b'\'' | b'`')) => {
                let close = memchr::memchr(q, after).unwrap_or(after.len());
                after.get(..close).unwrap_or_default()
            }
            _ => {
                let cut = after.windows(2).position(|w| w == b" #").unwrap_or(after.len());
                let rest = after.get(..cut).unwrap_or_default();
                // `ENV A=x B=y`, `export P=x && run`: what follows is more
                // syntax, not more words of the value.
                let syntax = rest.iter().any(|b| matches!(b, b'=' | b'&' | b'|' | b';' | b'\\' | b'$' | b'"' | b'\''));
                if syntax {
                    &[][..]
                } else {
                    rest
                }
            }
        };
        let mut full = String::from_utf8_lossy(secret).into_owned();
        full.push_str(&String::from_utf8_lossy(rest));
        full.trim_end().trim_end_matches([',', ';']).to_string()
    }
}

/// Whether one rule, alone, finds a secret in `text` (a rule's inline
/// examples): the same keyword prefilter, regex and filters as a scan. A
/// rule limited to some files is tried as if `text` were such a file.
pub fn example_fires(spec: &PatternSpec, text: &str) -> bool {
    let (matcher, errors) = Matcher::new([("example", spec)]);
    let name = spec.files.first().map(|f| f.replace('*', "example")).unwrap_or_default();
    let file = FileKind { name, ..FileKind::default() };
    errors.is_empty() && !matcher.scan(text.as_bytes(), &file).is_empty()
}
