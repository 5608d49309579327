//! nginx's configuration language: words (bare, or quoted with `"` or `'`
//! and backslash escapes), `;`-terminated directives, `{ }` blocks and `#`
//! comments, read the way nginx's own `ngx_conf_read_token` reads them: a
//! `{` right after `$` belongs to a `${variable}`, and a quoted word must be
//! followed by a space, `;` or `{`.

/// One directive: `name arg...;` or `name arg... { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Directive {
    pub name: String,
    pub args: Vec<String>,
    /// 1-based line of the directive's name.
    pub line: u32,
    /// Index of the file it was read from (see `config::Files`).
    pub file: usize,
    pub block: Option<Vec<Directive>>,
}

impl Directive {
    pub fn arg(&self, i: usize) -> Option<&str> {
        self.args.get(i).map(String::as_str)
    }

    pub fn children(&self) -> &[Directive] {
        self.block.as_deref().unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct SyntaxError {
    pub line: u32,
    pub message: String,
}

/// Parses a whole file into its top-level directives.
pub fn parse(text: &str, file: usize) -> Result<Vec<Directive>, SyntaxError> {
    let mut lexer = Lexer { chars: text.chars().peekable(), line: 1 };
    // Open blocks: the directive that opened each one, with its children so far.
    let mut stack: Vec<(Directive, Vec<Directive>)> = Vec::new();
    let mut current: Vec<Directive> = Vec::new();
    let mut words: Vec<(String, u32)> = Vec::new();
    loop {
        let token = lexer.next_token()?;
        match token {
            Token::Word(text, line) => words.push((text, line)),
            Token::Semicolon(line) => {
                let directive = take_directive(&mut words, file, line, ";")?;
                current.push(directive);
            }
            Token::Open(line) => {
                let directive = take_directive(&mut words, file, line, "{")?;
                stack.push((directive, std::mem::take(&mut current)));
            }
            Token::Close(line) => {
                if !words.is_empty() {
                    return Err(SyntaxError {
                        line,
                        message: "unexpected \"}\": the directive before it has no \";\"".into(),
                    });
                }
                let Some((mut directive, parent)) = stack.pop() else {
                    return Err(SyntaxError { line, message: "unexpected \"}\" with no open block".into() });
                };
                directive.block = Some(std::mem::replace(&mut current, parent));
                current.push(directive);
            }
            Token::End(line) => {
                if let Some((open, _)) = stack.last() {
                    return Err(SyntaxError {
                        line: open.line,
                        message: format!(
                            "unexpected end of file (line {line}): the \"{}\" block opened here is never closed with \"}}\"",
                            open.name
                        ),
                    });
                }
                if let Some((name, word_line)) = words.first() {
                    return Err(SyntaxError {
                        line: *word_line,
                        message: format!("unexpected end of file: directive \"{name}\" is not terminated by \";\""),
                    });
                }
                return Ok(current);
            }
        }
    }
}

fn take_directive(
    words: &mut Vec<(String, u32)>,
    file: usize,
    line: u32,
    terminator: &str,
) -> Result<Directive, SyntaxError> {
    if words.is_empty() {
        return Err(SyntaxError { line, message: format!("unexpected \"{terminator}\"") });
    }
    let mut iter = std::mem::take(words).into_iter();
    let (name, name_line) = iter.next().expect("checked non-empty");
    Ok(Directive { name, args: iter.map(|(w, _)| w).collect(), line: name_line, file, block: None })
}

enum Token {
    Word(String, u32),
    Semicolon(u32),
    Open(u32),
    Close(u32),
    End(u32),
}

struct Lexer<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: u32,
}

impl Lexer<'_> {
    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn next_token(&mut self) -> Result<Token, SyntaxError> {
        // Skip blanks and comments.
        loop {
            match self.chars.peek() {
                None => return Ok(Token::End(self.line)),
                Some(c) if c.is_whitespace() => {
                    self.bump();
                }
                Some('#') => {
                    while self.chars.peek().is_some_and(|c| *c != '\n') {
                        self.bump();
                    }
                }
                Some(_) => break,
            }
        }
        let line = self.line;
        match self.bump().expect("peeked") {
            ';' => Ok(Token::Semicolon(line)),
            '{' => Ok(Token::Open(line)),
            '}' => Ok(Token::Close(line)),
            quote @ ('"' | '\'') => {
                let text = self.quoted(quote, line)?;
                match self.chars.peek() {
                    None => Ok(Token::Word(text, line)),
                    Some(c) if c.is_whitespace() || matches!(c, ';' | '{' | ')') => Ok(Token::Word(text, line)),
                    Some(c) => Err(SyntaxError {
                        line: self.line,
                        message: format!("unexpected \"{c}\" after a quoted string"),
                    }),
                }
            }
            first => Ok(Token::Word(self.bare(first), line)),
        }
    }

    fn quoted(&mut self, quote: char, line: u32) -> Result<String, SyntaxError> {
        let mut text = String::new();
        loop {
            match self.bump() {
                None => {
                    return Err(SyntaxError {
                        line,
                        message: format!("unexpected end of file: the string opened with {quote} here is never closed"),
                    })
                }
                Some(c) if c == quote => return Ok(text),
                Some('\\') => match self.bump() {
                    Some(c @ ('"' | '\'' | '\\')) => text.push(c),
                    Some('t') => text.push('\t'),
                    Some('r') => text.push('\r'),
                    Some('n') => text.push('\n'),
                    Some(c) => {
                        text.push('\\');
                        text.push(c);
                    }
                    None => {}
                },
                Some(c) => text.push(c),
            }
        }
    }

    fn bare(&mut self, first: char) -> String {
        let mut text = String::new();
        let mut prev = first;
        if first == '\\' {
            if let Some(c) = self.bump() {
                text.push('\\');
                text.push(c);
                prev = c;
            }
        } else {
            text.push(first);
        }
        while let Some(&c) = self.chars.peek() {
            if c.is_whitespace() || c == ';' || (c == '{' && prev != '$') {
                break;
            }
            self.bump();
            text.push(c);
            if c == '\\' {
                if let Some(next) = self.bump() {
                    text.push(next);
                    prev = next;
                    continue;
                }
            }
            prev = c;
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dirs: &[Directive]) -> Vec<String> {
        dirs.iter().map(|d| format!("{}@{}[{}]", d.name, d.line, d.args.join("|"))).collect()
    }

    #[test]
    fn blocks_quotes_comments_and_variables() {
        let text = "http { # comment\n  server {\n    add_header Strict-Transport-Security \"max-age=31536000; includeSubDomains\" always;\n    return 301 https://${host}$request_uri;\n    location ~ \"^/a{2}\" { return 'it''s'; }\n  }\n}\n";
        let dirs = parse(text, 0).unwrap_err();
        // nginx rejects 'it''s' too: a quoted word must be followed by a space.
        assert_eq!(dirs.line, 5);
        let text = text.replace("'it''s'", "'it\\'s'");
        let dirs = parse(&text, 0).unwrap();
        let server = &dirs[0].children()[0];
        assert_eq!(
            names(server.children()),
            [
                "add_header@3[Strict-Transport-Security|max-age=31536000; includeSubDomains|always]",
                "return@4[301|https://${host}$request_uri]",
                "location@5[~|^/a{2}]"
            ]
        );
        assert_eq!(server.children()[2].children()[0].args, ["it's"]);
    }

    #[test]
    fn unbalanced_braces_name_the_line() {
        let err = parse("http {\n  server {\n    listen 80;\n}\n", 0).unwrap_err();
        assert_eq!(err.line, 1, "{err}");
        assert!(err.message.contains("never closed"), "{err}");
        let err = parse("server { }\n}\n", 0).unwrap_err();
        assert_eq!(err.line, 2);
        let err = parse("server {\n  listen 80\n}\n", 0).unwrap_err();
        assert_eq!(err.line, 3);
        let err = parse("listen 80", 0).unwrap_err();
        assert!(err.message.contains("not terminated"), "{err}");
    }
}
