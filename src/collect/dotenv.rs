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
                // Quoted values may span lines. Each line is scanned once for
                // the closing quote, never the whole growing value again.
                let mut buf = rest.get(1..).unwrap_or_default().to_string();
                let mut scan = QuoteScan::default();
                loop {
                    if let Some(end) = scan.closing_quote(&buf, q) {
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
                let value = rest.split_once(" #").map_or(rest, |(value, _comment)| value);

                (value.trim_end().to_string(), false)
            }
        };
        entries.push(Entry { key: key.to_string(), value, line, single_quoted });
    }
    (entries, errors)
}

/// Where a quoted value ends, scanning only what was appended since the
/// last call.
#[derive(Default)]
struct QuoteScan {
    scanned: usize,
    escaped: bool,
}

impl QuoteScan {
    fn closing_quote(&mut self, s: &str, q: char) -> Option<usize> {
        let start = self.scanned;
        self.scanned = s.len();
        for (i, c) in s.get(start..).unwrap_or_default().char_indices() {
            match c {
                '\\' if q == '"' && !self.escaped => self.escaped = true,
                c if c == q && !self.escaped => return Some(start + i),
                _ => self.escaped = false,
            }
        }
        None
    }
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

    #[test]
    fn escapes_and_quotes_across_lines() {
        let (entries, errors) = parse("A=\"one \\\"two\\\"\nthree\"\nB='x\ny'\n");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(entries[0].value, "one \"two\"\nthree");
        assert_eq!(entries[1].value, "x\ny");
    }

    #[test]
    fn an_unterminated_quote_over_many_lines_is_linear() {
        // 50,000 lines after an opening quote: scanned once, not once per line.
        let text = format!("A=\"{}", "line\n".repeat(50_000));
        let (entries, errors) = parse(&text);
        assert_eq!(errors.len(), 1);
        assert_eq!(entries.len(), 1);
    }
}
