//! Splits a Dockerfile into instructions the way BuildKit's parser does:
//! parser directives at the top, comment lines dropped (also inside a
//! continued instruction), lines joined at the escape character, and
//! heredoc bodies (`RUN <<EOF ... EOF`) attached to their instruction.

/// One instruction with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Upper-cased keyword (`FROM`, `RUN`, ...).
    pub keyword: String,
    /// Everything after the keyword, continuation lines joined with a space.
    pub args: String,
    /// Heredoc bodies, in order, without their terminators.
    pub heredocs: Vec<String>,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    pub line: u32,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Lexed {
    pub instructions: Vec<Instruction>,
    pub errors: Vec<LexError>,
    /// `# escape=` directive (default backslash).
    pub escape: char,
}

/// Instructions whose heredocs BuildKit expands (`RUN`, `COPY`, `ADD`).
const HEREDOC_KEYWORDS: &[&str] = &["RUN", "COPY", "ADD"];

pub fn lex(text: &str) -> Lexed {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Lexed { escape: '\\', ..Default::default() };
    let mut i = 0;
    // Parser directives: `# key=value` lines before anything else.
    while let Some((key, value)) = lines.get(i).and_then(|line| directive(line)) {
        if key == "escape" {
            match value.as_str() {
                "`" => out.escape = '`',
                "\\" => out.escape = '\\',
                other => out.errors.push(LexError {
                    line: i as u32 + 1,
                    message: format!("invalid escape directive {other:?}: must be ` or \\"),
                }),
            }
        }
        i += 1;
    }
    while let Some(line) = lines.get(i) {
        let start = i;
        let first = line.trim();
        i += 1;
        if first.is_empty() || first.starts_with('#') {
            continue;
        }
        let mut joined = String::new();
        let mut current = first.to_string();
        // Continuations: a line ending in the escape character goes on with
        // the next non-comment line.
        loop {
            let trimmed = current.trim_end();
            match trimmed.strip_suffix(out.escape) {
                Some(head) => {
                    joined.push_str(head);
                    joined.push(' ');
                    // Skip comments and blank lines inside the continuation.
                    while lines.get(i).is_some_and(|line| {
                        let t = line.trim_start();
                        t.starts_with('#') || t.is_empty()
                    }) {
                        i += 1;
                    }
                    let Some(next) = lines.get(i) else { break };
                    current = next.trim_start().to_string();
                    i += 1;
                }
                _ => {
                    joined.push_str(trimmed);
                    break;
                }
            }
        }
        let joined = joined.trim().to_string();
        let (keyword, args) = match joined.split_once(char::is_whitespace) {
            Some((k, a)) => (k.to_ascii_uppercase(), a.trim().to_string()),
            None => (joined.to_ascii_uppercase(), String::new()),
        };
        let mut heredocs = Vec::new();
        if HEREDOC_KEYWORDS.contains(&keyword.as_str()) {
            for (delimiter, strip_tabs) in heredoc_markers(&args) {
                let mut body = String::new();
                let mut closed = false;
                while let Some(&line) = lines.get(i) {
                    i += 1;

                    let candidate = if strip_tabs { line.trim_start_matches('\t') } else { line };
                    if candidate == delimiter {
                        closed = true;
                        break;
                    }
                    body.push_str(candidate);
                    body.push('\n');
                }
                if !closed {
                    out.errors.push(LexError {
                        line: start as u32 + 1,
                        message: format!("heredoc <<{delimiter} is never closed"),
                    });
                }
                heredocs.push(body);
            }
        }
        out.instructions.push(Instruction { keyword, args, heredocs, line: start as u32 + 1 });
    }
    out
}

/// `# syntax=docker/dockerfile:1` → (`syntax`, `docker/dockerfile:1`).
fn directive(line: &str) -> Option<(String, String)> {
    let body = line.trim().strip_prefix('#')?.trim();
    let (key, value) = body.split_once('=')?;
    let key = key.trim().to_ascii_lowercase();
    let known = ["syntax", "escape", "check"];
    known.contains(&key.as_str()).then(|| (key, value.trim().to_string()))
}

/// The heredoc delimiters named in an instruction's arguments: `<<EOF`,
/// `<<-EOF` (strip leading tabs), `<<"EOF"` / `<<'EOF'` (no expansion).
pub fn heredoc_markers(args: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = args;
    while let Some(pos) = rest.find("<<") {
        let after = rest.get(pos + 2..).unwrap_or_default();
        let (strip_tabs, after) = match after.strip_prefix('-') {
            Some(a) => (true, a),
            None => (false, after),
        };
        let (word, consumed) = match after.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let inner = after.get(1..).unwrap_or_default();
                match inner.find(q) {
                    Some(end) => (inner.get(..end).unwrap_or_default().to_string(), end + 2),
                    None => (String::new(), after.len()),
                }
            }
            _ => {
                let end =
                    after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).unwrap_or(after.len());
                (after.get(..end).unwrap_or_default().to_string(), end)
            }
        };
        // A word must start like a name: `$((1<<2))` is a shift, not a heredoc.
        if word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            out.push((word, strip_tabs));
        }
        // Move past what was read, or past one whole character when nothing
        // was (`<<é` must not cut inside the `é`).
        let step = match consumed {
            0 => after.chars().next().map_or(0, char::len_utf8),
            n => n,
        };
        if step == 0 {
            break;
        }
        rest = after.get(step..).unwrap_or_default();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_continuations_and_skips_comments_inside() {
        let text = "# syntax=docker/dockerfile:1\nFROM node:20 AS build\nRUN apt-get update \\\n# a comment\n  && apt-get install -y curl\n\nUSER 1001\n";
        let lexed = lex(text);
        let kw: Vec<_> = lexed.instructions.iter().map(|i| (i.keyword.as_str(), i.line)).collect();
        assert_eq!(kw, vec![("FROM", 2), ("RUN", 3), ("USER", 7)]);
        assert_eq!(lexed.instructions[1].args, "apt-get update  && apt-get install -y curl");
    }

    #[test]
    fn escape_directive_and_heredocs() {
        let text = "# escape=`\nFROM mcr.microsoft.com/windows\nRUN dir `\n  c:\\\nRUN <<-EOF bash\n\tcurl -fsSL https://x | sh\n\tEOF\nUSER app\n";
        let lexed = lex(text);
        assert_eq!(lexed.escape, '`');
        assert_eq!(lexed.instructions[1].args, "dir  c:\\");
        assert_eq!(lexed.instructions[2].heredocs, vec!["curl -fsSL https://x | sh\n".to_string()]);
        assert_eq!(lexed.instructions[3].line, 8);
        assert!(lexed.errors.is_empty());
    }

    #[test]
    fn heredoc_marker_followed_by_non_ascii_does_not_panic() {
        assert!(heredoc_markers("echo a <<é b").is_empty());
        assert!(heredoc_markers("<<-ü").is_empty());
        assert_eq!(heredoc_markers("<<ÉOF <<EOF"), vec![("EOF".to_string(), false)]);
        let lexed = lex("FROM alpine:3.20\nRUN cat <<é\nUSER 1001\n");
        assert_eq!(lexed.instructions.len(), 3);
    }

    #[test]
    fn heredoc_markers_quoted_and_several() {
        assert_eq!(heredoc_markers("<<\"A\" <<-B cat"), vec![("A".to_string(), false), ("B".to_string(), true)]);
        assert!(heredoc_markers("echo hi").is_empty());
    }
}
