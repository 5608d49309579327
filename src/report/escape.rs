//! Text from scanned input (file, service and container names, messages
//! quoting them) shown on a terminal or in a CI log: control characters are
//! written as visible escapes, so a crafted name cannot retitle the terminal,
//! clear the screen, move the cursor or forge log lines.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal raw: C0 and C1 controls, DEL, and
/// the bidirectional overrides that reorder what a reader sees.
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// `text` with every unsafe character escaped (`\n`, `\x1b`, `\u{202e}`).
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) && (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if is_unsafe(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Escapes every string inside a JSON value, keys included.
pub fn escape_json(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            if let Cow::Owned(escaped) = escape_controls(s) {
                *s = escaped;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(escape_json),
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (k, mut v) in entries {
                escape_json(&mut v);
                map.insert(escape_controls(&k).into_owned(), v);
            }
        }
        _ => {}
    }
}

/// A writer for log lines: control bytes other than the line end are
/// escaped on the way out.
pub struct EscapingWriter<W>(pub W);

impl<W: std::io::Write> std::io::Write for EscapingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let (body, newline) = match text.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (&*text, ""),
        };
        // URL credentials and registered secrets are masked first: a
        // library's trace line may quote a URL or a client's address whole.
        let scrubbed = crate::mask::scrub(body);
        let escaped = escape_controls(&scrubbed);
        self.0.write_all(escaped.as_bytes())?;
        self.0.write_all(newline.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_a_terminal_would_interpret() {
        assert_eq!(escape_controls("web"), "web");
        assert_eq!(escape_controls("a\x1b]0;pwned\x07b"), "a\\x1b]0;pwned\\x07b");
        assert_eq!(escape_controls("x\nFAKE LINE"), "x\\nFAKE LINE");
        assert_eq!(escape_controls("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(escape_controls("c1\u{9b}2J"), "c1\\x9b2J");
        assert_eq!(escape_controls("héllo wörld ✓"), "héllo wörld ✓");
    }

    #[test]
    fn escapes_inside_json() {
        let mut v = serde_json::json!({"a\x1b": ["x\x07", {"b": "ok"}]});
        escape_json(&mut v);
        assert_eq!(v, serde_json::json!({"a\\x1b": ["x\\x07", {"b": "ok"}]}));
    }
}
