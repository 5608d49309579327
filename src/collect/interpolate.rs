//! `${VAR}` interpolation, one implementation for Compose files (from the
//! project's `.env` file only: the scan must not depend on the environment
//! of whoever runs it) and Dockerfiles (from `ARG` and `ENV`). A variable
//! with neither a value nor a default stays as written, so an image such as
//! `app:${TAG}` is still recognisable as "set at deploy time".
//!
//! The forms are the shell's that both support: `$VAR`, `${VAR}`,
//! `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}`, `${VAR+alt}`,
//! `${VAR:?err}`, with nested defaults. They differ in one thing: Compose
//! writes a literal dollar as `$$`; a Dockerfile has no such escape.
//!
//! A `${` that is not one of those forms (`${TAG` with no `}`, `${ }`,
//! `${1X}`, `${VAR:x}`) makes Docker Compose reject the whole file
//! ("invalid interpolation format"); [`Interpolator::interpolate_checked`]
//! says which of these it met, without quoting the value.

use std::cell::Cell;
use std::collections::HashMap;

/// How deep `${VAR:-${OTHER:-...}}` defaults may nest.
const MAX_NESTING: usize = 16;

/// Whose rules for `$`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `$$` is a literal `$`.
    #[default]
    Compose,
    /// `$$` is a `$` followed by whatever comes next.
    Dockerfile,
}

/// Why a `${...}` is not a reference Docker Compose accepts. It names the
/// defect only: the text around it may be a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// `${` with no `}` closing it.
    Unterminated,
    /// `${}`, `${ }`, `${1X}`: no variable name (names start with a letter or `_`).
    NoName,
    /// `${VAR:x}`, `${VARé}`: the name is followed by something other than
    /// `}`, `:-`, `-`, `:?`, `?`, `:+` or `+`.
    BadModifier,
}

impl Malformed {
    pub fn describe(self) -> &'static str {
        match self {
            Malformed::Unterminated => "`${` has no closing `}`",
            Malformed::NoName => "`${...}` does not start with a variable name",
            Malformed::BadModifier => {
                "a variable name in `${...}` is followed by something other than `}`, `:-`, `-`, `:?`, `?`, `:+` or `+`"
            }
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct Interpolator {
    vars: HashMap<String, String>,
}

impl Interpolator {
    pub fn new(vars: HashMap<String, String>) -> Self {
        Self { vars }
    }

    pub fn interpolate(&self, text: &str) -> String {
        interpolate(text, &self.vars, Dialect::Compose)
    }

    /// [`Self::interpolate`], and the first malformed `${...}` met on the
    /// way. Like Docker Compose, a default that is not used is not looked
    /// into. A malformed reference stays as written in the result.
    pub fn interpolate_checked(&self, text: &str) -> (String, Option<Malformed>) {
        interpolate_checked(text, &self.vars, Dialect::Compose)
    }

    /// The vars this interpolator knows.
    pub fn vars(&self) -> &HashMap<String, String> {
        &self.vars
    }
}

/// `text` with every known reference replaced.
pub fn interpolate(text: &str, vars: &HashMap<String, String>, dialect: Dialect) -> String {
    Engine { vars, dialect, malformed: Cell::new(None) }.interpolate_at(text, 0)
}

/// [`interpolate`], and the first malformed `${...}` met on the way.
pub fn interpolate_checked(
    text: &str,
    vars: &HashMap<String, String>,
    dialect: Dialect,
) -> (String, Option<Malformed>) {
    let engine = Engine { vars, dialect, malformed: Cell::new(None) };
    let out = engine.interpolate_at(text, 0);
    (out, engine.malformed.get())
}

struct Engine<'a> {
    vars: &'a HashMap<String, String>,
    dialect: Dialect,
    /// The first malformed reference met.
    malformed: Cell<Option<Malformed>>,
}

impl Engine<'_> {
    fn malformed(&self, what: Malformed) {
        if self.malformed.get().is_none() {
            self.malformed.set(Some(what));
        }
    }

    fn interpolate_at(&self, text: &str, depth: usize) -> String {
        if !text.contains('$') {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some((before, after)) = rest.split_once('$') {
            out.push_str(before);
            if let Some(stripped) = after.strip_prefix('$').filter(|_| self.dialect == Dialect::Compose) {
                // `$$` is a literal dollar.
                out.push('$');
                rest = stripped;
            } else if let Some(body) = after.strip_prefix('{') {
                // `matching_brace` gives the index of an ASCII `}`, so both
                // halves exist; an unmatched brace leaves the rest as written.
                let split = matching_brace(body).and_then(|end| Some((body.get(..end)?, body.get(end + 1..)?)));
                let Some((expr, tail)) = split else {
                    self.malformed(Malformed::Unterminated);
                    out.push('$');
                    out.push_str(after);
                    return out;
                };
                // Defaults nest (`${A:-${B:-x}}`); past the limit the
                // expression is left as written, i.e. unresolved.
                let expanded = if depth < MAX_NESTING { self.expand(expr, depth) } else { None };
                match expanded {
                    Some(v) => out.push_str(&v),
                    None => {
                        out.push_str("${");
                        out.push_str(expr);
                        out.push('}');
                    }
                }
                rest = tail;
            } else {
                let (name, tail) = after.split_at_checked(name_len(after)).unwrap_or(("", after));
                match self.vars.get(name) {
                    Some(v) if !name.is_empty() => out.push_str(v),
                    _ => {
                        out.push('$');
                        out.push_str(name);
                    }
                }
                rest = tail;
            }
        }

        out.push_str(rest);
        out
    }

    /// `VAR`, `VAR:-default`, `VAR-default`, `VAR:?err`, `VAR:+alt`.
    fn expand(&self, expr: &str, depth: usize) -> Option<String> {
        let len = name_len(expr);
        let (name, op) = expr.split_at(len);
        if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            self.malformed(Malformed::NoName);
            return None;
        }
        let value = self.vars.get(name);
        let set_non_empty = value.is_some_and(|v| !v.is_empty());
        let (operator, arg) = [":-", ":?", ":+", "-", "?", "+"]
            .iter()
            .find_map(|o| op.strip_prefix(o).map(|a| (*o, a)))
            .unwrap_or(("", op));
        if operator.is_empty() && !op.is_empty() {
            self.malformed(Malformed::BadModifier);
            return None;
        }
        match operator {
            "" => value.cloned(),
            ":-" => Some(if set_non_empty {
                value.cloned().unwrap_or_default()
            } else {
                self.interpolate_at(arg, depth + 1)
            }),
            "-" => Some(value.cloned().unwrap_or_else(|| self.interpolate_at(arg, depth + 1))),
            ":+" => Some(if set_non_empty { self.interpolate_at(arg, depth + 1) } else { String::new() }),
            "+" => Some(if value.is_some() { self.interpolate_at(arg, depth + 1) } else { String::new() }),
            // `:?` / `?`: required; unknown here, keep as written.
            _ => value.cloned().filter(|v| operator == "?" || !v.is_empty()),
        }
    }
}

fn name_len(text: &str) -> usize {
    text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(text.len())
}

/// The `}` closing a `${` whose body starts `body`. Only a nested `${`
/// opens another level, as in Docker Compose and BuildKit: a lone `{` in a
/// default (`${JSON:-{}}`) is text.
fn matching_brace(body: &str) -> Option<usize> {
    let mut depth = 0;
    let mut after_dollar = false;
    for (i, c) in body.char_indices() {
        match c {
            '{' if after_dollar => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
        after_dollar = c == '$';
    }
    None
}

/// The value holds a `${VAR}` / `$VAR` reference (not a `$$` escape): it is
/// filled in at deploy time, so it is not a literal secret.
pub fn has_reference(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'$' {
            match bytes.get(i + 1) {
                Some(b'$') => i += 2,
                Some(c) if *c == b'{' || c.is_ascii_alphabetic() || *c == b'_' => return true,
                _ => i += 1,
            }
        } else {
            i += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_forms() {
        let env = Interpolator::new([("TAG".to_string(), "7.2".to_string()), ("EMPTY".into(), String::new())].into());
        assert_eq!(env.interpolate("redis:${TAG}"), "redis:7.2");
        assert_eq!(env.interpolate("redis:$TAG"), "redis:7.2");
        assert_eq!(env.interpolate("${BIND:-127.0.0.1}:6379:6379"), "127.0.0.1:6379:6379");
        assert_eq!(env.interpolate("${EMPTY:-x}${EMPTY-y}"), "x");
        assert_eq!(env.interpolate("${A:-${B:-nested}}"), "nested");
        assert_eq!(env.interpolate("app:${UNSET}"), "app:${UNSET}");
        assert_eq!(env.interpolate("$$HOME"), "$HOME");
        assert!(has_reference("${REDIS_PASSWORD}") && has_reference("pre$X"));
        assert!(!has_reference("pa$$word") && !has_reference("cost: 5$"));
    }

    #[test]
    fn dockerfile_dialect_has_no_dollar_escape() {
        let vars: HashMap<String, String> = [("V".to_string(), "20".to_string())].into();
        let docker = |t: &str| interpolate(t, &vars, Dialect::Dockerfile);
        assert_eq!(docker("node:${V}-alpine"), "node:20-alpine");
        assert_eq!(docker("$$V"), "$20");
        assert_eq!(docker("${X:-${Y:-nginx}}:${Z}"), "nginx:${Z}");
        assert_eq!(docker("${V:+set}${X:+unset}"), "set");
        assert_eq!(interpolate("$$V", &vars, Dialect::Compose), "$V");
    }

    #[test]
    fn non_ascii_and_unterminated_text_is_kept_as_written() {
        let env = Interpolator::new([("TAG".to_string(), "7.2".to_string())].into());
        assert_eq!(env.interpolate("é$TAGé${TAG}é"), "é7.2é7.2é");
        assert_eq!(env.interpolate("é$é$"), "é$é$");
        assert_eq!(env.interpolate("x:${TAG"), "x:${TAG");
        assert_eq!(env.interpolate("${UNSETé}"), "${UNSETé}");
    }

    #[test]
    fn references_compose_rejects_are_named_and_kept_as_written() {
        let env = Interpolator::new([("TAG".to_string(), "7.2".to_string())].into());
        let check = |t: &str| env.interpolate_checked(t);
        assert_eq!(check("nginx:${TAG"), ("nginx:${TAG".to_string(), Some(Malformed::Unterminated)));
        assert_eq!(check("${VAR:?"), ("${VAR:?".to_string(), Some(Malformed::Unterminated)));
        assert_eq!(check("${A:-${B}").1, Some(Malformed::Unterminated));
        assert_eq!(check("${ }").1, Some(Malformed::NoName));
        assert_eq!(check("${}").1, Some(Malformed::NoName));
        assert_eq!(check("${1TAG}").1, Some(Malformed::NoName));
        assert_eq!(check("${TAG:x}"), ("${TAG:x}".to_string(), Some(Malformed::BadModifier)));
        assert_eq!(check("${UNSETé}").1, Some(Malformed::BadModifier));
        // The first defect is the one named.
        assert_eq!(check("${ } ${TAG").1, Some(Malformed::NoName));
    }

    #[test]
    fn every_form_compose_accepts_is_well_formed() {
        let env = Interpolator::new([("TAG".to_string(), "7.2".to_string())].into());
        for ok in [
            "${TAG}",
            "$TAG",
            "${_X-d}",
            "${X:-d}",
            "${X:?need it}",
            "${X?}",
            "${TAG:+alt}",
            "${X+alt}",
            "${A:-${B:-${C}}}",
            "$$",
            "$${not a ref",
            "cost: 5$",
            "$1",
            "${JSON:-{}}",
            "no dollar",
            // A default that is not used is not looked into, as in Compose.
            "${TAG:-${ }}",
        ] {
            assert_eq!(env.interpolate_checked(ok).1, None, "{ok:?}");
        }
        assert_eq!(env.interpolate("${JSON:-{}}"), "{}");
        assert_eq!(env.interpolate_checked("${NOPE:-${ }}").1, Some(Malformed::NoName));
    }

    #[test]
    fn nested_defaults_are_bounded() {
        let env = Interpolator::default();
        let deep = format!("{}x{}", "${A:-".repeat(10_000), "}".repeat(10_000));
        let out = env.interpolate(&deep);
        assert!(out.starts_with("${A:-"), "left unresolved past the limit");
        assert_eq!(env.interpolate("${A:-${B:-${C:-ok}}}"), "ok");
    }
}
