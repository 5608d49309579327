//! Matching secret rules against text: one Aho-Corasick pass over the
//! rules' keywords, then each rule's regex only on the lines (or, for
//! multi-line rules, the windows) where one of its keywords occurs. Matches
//! then go through the placeholder and randomness filters.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::bytes::Regex;

use super::filters;
use super::keyname::key_before;
use crate::rules::pattern::SecretPatternSpec;

/// How far after a keyword a multi-line rule looks (a 16384-bit RSA key in
/// PEM is under 13 KiB).
const MULTILINE_WINDOW: usize = 64 * 1024;

/// A rule ready to run.
struct Matcher {
    regex: Regex,
    /// The group named `secret`; `None`: the first other group that took
    /// part in the match (so alternatives can each capture their secret).
    secret_group: Option<usize>,
    key_group: Option<usize>,
    entropy: Option<f64>,
    multiline: bool,
    generic: bool,
}

pub struct Engine {
    /// `None` for a rule whose regex did not compile.
    matchers: Vec<Option<Matcher>>,
    prefilter: Option<AhoCorasick>,
    /// For each keyword (Aho-Corasick pattern ID), the rules it triggers.
    keyword_rules: Vec<Vec<usize>>,
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
        write!(f, "SecretValue({})", crate::mask::preview(&self.0))
    }
}

/// One accepted match.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Index of the rule in the list the engine was built from.
    pub rule: usize,
    pub generic: bool,
    /// Byte offsets of the whole match and of the secret in the text.
    pub match_start: usize,
    pub start: usize,
    pub end: usize,
    pub key: Option<String>,
    pub value: SecretValue,
}

/// What the engine needs to know about the text being scanned.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextKind {
    /// Lock files: generic rules do not run (checksums everywhere).
    pub lock_file: bool,
    /// Source code: generic rules only accept quoted literals.
    pub source_code: bool,
}

impl Engine {
    /// Builds the engine from rule specs; a spec whose regex does not compile
    /// as a byte regex is left out and reported by index.
    pub fn new<'a>(specs: impl IntoIterator<Item = &'a SecretPatternSpec>) -> (Self, Vec<(usize, String)>) {
        let mut matchers = Vec::new();
        let mut keywords: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        let mut errors = Vec::new();
        for (index, spec) in specs.into_iter().enumerate() {
            let regex = match Regex::new(&spec.pattern) {
                Ok(r) => r,
                Err(e) => {
                    errors.push((index, e.to_string()));
                    // Keep indices aligned with the caller's rule list.
                    matchers.push(None);
                    continue;
                }
            };
            let names: Vec<Option<&str>> = regex.capture_names().collect();
            let position = |name: &str| names.iter().position(|n| *n == Some(name));
            let secret_group = position("secret");
            let key_group = position("key");
            matchers.push(Some(Matcher {
                regex,
                secret_group,
                key_group,
                entropy: spec.entropy,
                multiline: spec.multiline,
                generic: spec.generic,
            }));
            for kw in &spec.keywords {
                match keywords.iter().position(|k| k == kw) {
                    Some(i) => keyword_rules[i].push(index),
                    None => {
                        keywords.push(kw.clone());
                        keyword_rules.push(vec![index]);
                    }
                }
            }
        }
        let prefilter = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&keywords)
            .map_err(|e| errors.push((usize::MAX, format!("keyword prefilter: {e}"))))
            .ok();
        (Self { matchers, prefilter, keyword_rules }, errors)
    }

    /// Every accepted secret in `text`, in no particular order.
    pub fn scan(&self, text: &[u8], kind: TextKind) -> Vec<Candidate> {
        let mut out = Vec::new();
        let Some(prefilter) = &self.prefilter else { return out };
        // Per rule: the start of the last line searched, or the end of the
        // last window, so each line is searched at most once per rule.
        let mut line_done = vec![usize::MAX; self.matchers.len()];
        let mut window_done = vec![0usize; self.matchers.len()];
        let (mut line_start, mut line_end) = (0usize, 0usize);
        let mut have_line = false;
        for hit in prefilter.find_overlapping_iter(text) {
            let at = hit.start();
            if !have_line || at < line_start || at >= line_end {
                line_start = memchr::memrchr(b'\n', &text[..at]).map_or(0, |i| i + 1);
                line_end = memchr::memchr(b'\n', &text[at..]).map_or(text.len(), |i| at + i);
                have_line = true;
            }
            for &rule in &self.keyword_rules[hit.pattern().as_usize()] {
                let Some(m) = &self.matchers[rule] else { continue };
                if m.generic && kind.lock_file {
                    continue;
                }
                let (from, to) = if m.multiline {
                    if at < window_done[rule] {
                        continue;
                    }
                    let to = (at + MULTILINE_WINDOW).min(text.len());
                    window_done[rule] = to;
                    (line_start, to)
                } else {
                    if line_done[rule] == line_start {
                        continue;
                    }
                    line_done[rule] = line_start;
                    (line_start, line_end)
                };
                m.find(rule, text, from, to, kind, &mut out);
            }
        }
        out
    }
}

impl Matcher {
    fn find(&self, rule: usize, text: &[u8], from: usize, to: usize, kind: TextKind, out: &mut Vec<Candidate>) {
        let hay = &text[from..to];
        for caps in self.regex.captures_iter(hay) {
            let secret = match self.secret_group {
                Some(g) => caps.get(g),
                None => (1..caps.len()).filter(|&g| Some(g) != self.key_group).find_map(|g| caps.get(g)),
            };
            let Some(secret) = secret else { continue };
            if self.generic && kind.source_code && !matches!(hay[..secret.start()].last(), Some(b'"' | b'\'' | b'`')) {
                continue;
            }
            let whole = caps.get(0).map_or(secret.start(), |m| m.start());
            let value = String::from_utf8_lossy(secret.as_bytes()).into_owned();
            let key = match self.key_group.and_then(|g| caps.get(g)) {
                Some(k) => Some(String::from_utf8_lossy(k.as_bytes()).into_owned()),
                None => {
                    let line_start = memchr::memrchr(b'\n', &hay[..secret.start()]).map_or(0, |i| i + 1);
                    key_before(&hay[line_start..secret.start()])
                }
            };
            if !self.accepts(key.as_deref(), &value) {
                continue;
            }
            out.push(Candidate {
                rule,
                generic: self.generic,
                match_start: from + whole,
                start: from + secret.start(),
                end: from + secret.end(),
                key,
                value: SecretValue(value),
            });
        }
    }

    fn accepts(&self, key: Option<&str>, value: &str) -> bool {
        if value.trim().is_empty() || filters::is_reference(value) || filters::is_placeholder(value) {
            return false;
        }
        if self.entropy.is_some_and(|min| filters::entropy(value) < min) {
            return false;
        }
        !(self.generic && filters::is_not_a_credential(key, value))
    }
}

/// Whether one rule, alone, finds a secret in `text` (a rule's inline
/// examples): the same keyword prefilter, regex and filters as a scan.
pub fn example_fires(spec: &SecretPatternSpec, text: &str) -> bool {
    let (engine, errors) = Engine::new([spec]);
    errors.is_empty() && !engine.scan(text.as_bytes(), TextKind::default()).is_empty()
}
