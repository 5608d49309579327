//! `.env` files (compose `env_file`, the guide's secrets file): `KEY=value`
//! lines with optional `export`, quotes and comments, as Docker Compose reads
//! them.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    /// 1-based line of the entry.
    pub line: u32,
    /// Quoted with single quotes: no interpolation applies.
    pub single_quoted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: u32,
    pub message: String,
}

/// Parses every entry; lines that are not `KEY=value`, comments or blank are
/// reported, the rest still parsed.
pub fn parse(text: &str) -> (Vec<Entry>, Vec<LineError>) {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, raw)) = lines.next() {
        let line = i as u32 + 1;
        let trimmed = raw.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let body = trimmed.strip_prefix("export ").map(str::trim_start).unwrap_or(trimmed);
        let Some((key, rest)) = body.split_once('=') else {
            errors.push(LineError { line, message: "expected KEY=value".into() });
            continue;
        };
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
            errors.push(LineError { line, message: format!("invalid variable name {key:?}") });
            continue;
        }
        let rest = rest.trim_start();
        let (value, single_quoted) = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => {
                // Quoted values may span lines.
                let mut buf = rest[1..].to_string();
                loop {
                    if let Some(end) = closing_quote(&buf, q) {
                        buf.truncate(end);
                        break;
                    }
                    match lines.next() {
                        Some((_, next)) => {
                            buf.push('\n');
                            buf.push_str(next);
                        }
                        None => {
                            errors.push(LineError { line, message: "unterminated quoted value".into() });
                            break;
                        }
                    }
                }
                let value = if q == '"' { unescape(&buf) } else { buf };
                (value, q == '\'')
            }
            _ => {
                // An unquoted value ends at ` #` (an inline comment).
                let value = match rest.find(" #") {
                    Some(i) => &rest[..i],
                    None => rest,
                };
                (value.trim_end().to_string(), false)
            }
        };
        entries.push(Entry { key: key.to_string(), value, line, single_quoted });
    }
    (entries, errors)
}

fn closing_quote(s: &str, q: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            '\\' if q == '"' && !escaped => escaped = true,
            c if c == q && !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_compose_env_file_syntax() {
        let text = "# comment\nexport A=1\nB = \"two words\" \nC='${NOT_EXPANDED}'\nD=x # note\nbroken line\nE=\"multi\nline\"\n";
        let (entries, errors) = parse(text);
        let kv: Vec<(&str, &str, u32)> = entries.iter().map(|e| (e.key.as_str(), e.value.as_str(), e.line)).collect();
        assert_eq!(
            kv,
            vec![
                ("A", "1", 2),
                ("B", "two words", 3),
                ("C", "${NOT_EXPANDED}", 4),
                ("D", "x", 5),
                ("E", "multi\nline", 7)
            ]
        );
        assert!(entries[2].single_quoted);
        assert_eq!(errors, vec![LineError { line: 6, message: "expected KEY=value".into() }]);
    }
}
