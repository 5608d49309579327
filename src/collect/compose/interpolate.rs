//! `${VAR}` interpolation as Compose does it, from the project's `.env`
//! file only: the scan must not depend on the environment of whoever runs
//! it. A variable with neither a value nor a default stays as written, so an
//! image such as `app:${TAG}` is still recognisable as "set at deploy time".

use std::collections::HashMap;

/// How deep `${VAR:-${OTHER:-...}}` defaults may nest.
const MAX_NESTING: usize = 16;

#[derive(Debug, Default, Clone)]
pub struct Interpolator {
    vars: HashMap<String, String>,
}

impl Interpolator {
    pub fn new(vars: HashMap<String, String>) -> Self {
        Self { vars }
    }

    pub fn interpolate(&self, text: &str) -> String {
        self.interpolate_at(text, 0)
    }

    /// The vars this interpolator knows.
    pub fn vars(&self) -> &HashMap<String, String> {
        &self.vars
    }

    fn interpolate_at(&self, text: &str, depth: usize) -> String {
        if !text.contains('$') {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some((before, after)) = rest.split_once('$') {
            out.push_str(before);
            if let Some(stripped) = after.strip_prefix('$') {
                // `$$` is a literal dollar.
                out.push('$');
                rest = stripped;
            } else if let Some(body) = after.strip_prefix('{') {
                // `matching_brace` gives the index of an ASCII `}`, so both
                // halves exist; an unmatched brace leaves the rest as written.
                let split = matching_brace(body).and_then(|end| Some((body.get(..end)?, body.get(end + 1..)?)));
                let Some((expr, tail)) = split else {
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
        let value = self.vars.get(name);
        let set_non_empty = value.is_some_and(|v| !v.is_empty());
        let (operator, arg) = [":-", ":?", ":+", "-", "?", "+"]
            .iter()
            .find_map(|o| op.strip_prefix(o).map(|a| (*o, a)))
            .unwrap_or(("", op));
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

fn matching_brace(body: &str) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
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
    fn non_ascii_and_unterminated_text_is_kept_as_written() {
        let env = Interpolator::new([("TAG".to_string(), "7.2".to_string())].into());
        assert_eq!(env.interpolate("é$TAGé${TAG}é"), "é7.2é7.2é");
        assert_eq!(env.interpolate("é$é$"), "é$é$");
        assert_eq!(env.interpolate("x:${TAG"), "x:${TAG");
        assert_eq!(env.interpolate("${UNSETé}"), "${UNSETé}");
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
