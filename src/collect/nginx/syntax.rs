//! nginx's configuration language: words (bare, or quoted with `"` or `'`
//! and backslash escapes), `;`-terminated directives, `{ }` blocks and `#`
//! comments, read the way nginx's own `ngx_conf_read_token` reads them: a
//! `{` right after `$` belongs to a `${variable}`, and a quoted word must be
//! followed by a space, `;` or `{`.
//!
//! OpenResty's `*_by_lua_block { ... }` holds Lua, not directives: its body
//! is skipped as OpenResty's own reader does, by balancing braces outside Lua
//! strings, comments and long brackets (`[[ ... ]]`, `[==[ ... ]==]`).
//!
//! Input is hostile: the parser works on bytes without recursion, never
//! panics, and refuses blocks nested deeper than [`MAX_BLOCK_DEPTH`].

/// Deepest block nesting accepted. Real configurations stay under ten
/// (`http` > `server` > `location` > `if`); the limit keeps every later
/// walk of the tree (recursive by nature) far from the stack's end.
pub const MAX_BLOCK_DEPTH: usize = 64;

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

    /// Directives in this one's block, nested ones included (a Lua block
    /// counts as one).
    pub fn count(directives: &[Directive]) -> usize {
        let mut n = 0;
        let mut pending: Vec<&[Directive]> = vec![directives];
        while let Some(list) = pending.pop() {
            n += list.len();
            pending.extend(list.iter().filter_map(|d| d.block.as_deref()));
        }
        n
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct SyntaxError {
    pub line: u32,
    pub message: String,
}

/// Whether a block directive's body is Lua (OpenResty).
pub fn is_lua_block(name: &str) -> bool {
    name.ends_with("_by_lua_block")
}

/// Parses a whole file into its top-level directives.
pub fn parse(text: &str, file: usize) -> Result<Vec<Directive>, SyntaxError> {
    let mut lexer = Lexer { bytes: text.as_bytes(), pos: 0, line: 1 };
    // Open blocks: the directive that opened each one, with its parent's
    // children so far.
    let mut stack: Vec<(Directive, Vec<Directive>)> = Vec::new();
    let mut current: Vec<Directive> = Vec::new();
    let mut words: Vec<(String, u32)> = Vec::new();
    loop {
        match lexer.next_token()? {
            Token::Word(text, line) => words.push((text, line)),
            Token::Semicolon(line) => {
                let directive = take_directive(&mut words, file, line, ";")?;
                current.push(directive);
            }
            Token::Open(line) => {
                let mut directive = take_directive(&mut words, file, line, "{")?;
                if is_lua_block(&directive.name) {
                    lexer.skip_lua_block(directive.line, &directive.name)?;
                    directive.block = Some(Vec::new());
                    current.push(directive);
                    continue;
                }
                if stack.len() >= MAX_BLOCK_DEPTH {
                    return Err(SyntaxError {
                        line,
                        message: format!(
                            "blocks nested deeper than {MAX_BLOCK_DEPTH} levels (stackaudit's limit for nginx configuration)"
                        ),
                    });
                }
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
    let mut iter = std::mem::take(words).into_iter();
    let Some((name, name_line)) = iter.next() else {
        return Err(SyntaxError { line, message: format!("unexpected \"{terminator}\"") });
    };
    Ok(Directive { name, args: iter.map(|(w, _)| w).collect(), line: name_line, file, block: None })
}

pub(super) enum Token {
    Word(String, u32),
    Semicolon(u32),
    Open(u32),
    Close(u32),
    End(u32),
}

pub(super) struct Lexer<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u32,
}

/// nginx's blanks (`ngx_conf_read_token`): space, tab, CR, LF.
fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn word(bytes: Vec<u8>) -> String {
    // Split only at ASCII bytes of valid UTF-8, so this is lossless.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

impl<'a> Lexer<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Lexer { bytes: text.as_bytes(), pos: 0, line: 1 }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.pos.saturating_add(offset)).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        if b == b'\n' {
            self.line = self.line.saturating_add(1);
        }
        Some(b)
    }

    pub(super) fn next_token(&mut self) -> Result<Token, SyntaxError> {
        // Skip blanks and comments.
        loop {
            match self.peek() {
                None => return Ok(Token::End(self.line)),
                Some(b) if is_blank(b) => {
                    self.bump();
                }
                Some(b'#') => {
                    while self.peek().is_some_and(|b| b != b'\n') {
                        self.bump();
                    }
                }
                Some(_) => break,
            }
        }
        let line = self.line;
        let Some(first) = self.bump() else { return Ok(Token::End(line)) };
        match first {
            b';' => Ok(Token::Semicolon(line)),
            b'{' => Ok(Token::Open(line)),
            b'}' => Ok(Token::Close(line)),
            quote @ (b'"' | b'\'') => {
                let text = self.quoted(quote, line)?;
                match self.peek() {
                    None => Ok(Token::Word(text, line)),
                    Some(b) if is_blank(b) || matches!(b, b';' | b'{' | b')') => Ok(Token::Word(text, line)),
                    Some(b) => Err(SyntaxError {
                        line: self.line,
                        message: format!("unexpected \"{}\" after a quoted string", char::from(b).escape_default()),
                    }),
                }
            }
            first => Ok(Token::Word(self.bare(first), line)),
        }
    }

    fn quoted(&mut self, quote: u8, line: u32) -> Result<String, SyntaxError> {
        let mut text = Vec::new();
        loop {
            match self.bump() {
                None => {
                    return Err(SyntaxError {
                        line,
                        message: format!(
                            "unexpected end of file: the string opened with {} here is never closed",
                            char::from(quote)
                        ),
                    })
                }
                Some(b) if b == quote => return Ok(word(text)),
                Some(b'\\') => match self.bump() {
                    Some(b @ (b'"' | b'\'' | b'\\')) => text.push(b),
                    Some(b't') => text.push(b'\t'),
                    Some(b'r') => text.push(b'\r'),
                    Some(b'n') => text.push(b'\n'),
                    Some(b) => text.extend([b'\\', b]),
                    None => {}
                },
                Some(b) => text.push(b),
            }
        }
    }

    fn bare(&mut self, first: u8) -> String {
        let mut text = vec![first];
        let mut prev = first;
        if first == b'\\' {
            if let Some(b) = self.bump() {
                text.push(b);
                prev = b;
            }
        }
        while let Some(b) = self.peek() {
            if is_blank(b) || b == b';' || (b == b'{' && prev != b'$') {
                break;
            }
            self.bump();
            text.push(b);
            if b == b'\\' {
                if let Some(next) = self.bump() {
                    text.push(next);
                    prev = next;
                    continue;
                }
            }
            prev = b;
        }
        word(text)
    }

    /// Skips a Lua body up to the `}` that closes it, the `{` being already
    /// read. Braces inside Lua strings, comments and long brackets do not
    /// count, as in OpenResty's `ngx_http_lua_conf_lua_block_parse`.
    pub(super) fn skip_lua_block(&mut self, open_line: u32, name: &str) -> Result<(), SyntaxError> {
        let mut depth: usize = 1;
        let unclosed = |what: &str| SyntaxError {
            line: open_line,
            message: format!("unexpected end of file: {what} in the \"{name}\" block opened here is never closed"),
        };
        while let Some(b) = self.bump() {
            match b {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                b'"' | b'\'' => loop {
                    match self.bump() {
                        None => return Err(unclosed("a Lua string")),
                        Some(b'\\') => {
                            self.bump();
                        }
                        Some(c) if c == b => break,
                        Some(_) => {}
                    }
                },
                b'[' => {
                    if let Some(level) = self.long_bracket_level() {
                        self.skip_long_bracket(level).map_err(|()| unclosed("a Lua long string"))?;
                    }
                }
                b'-' if self.peek() == Some(b'-') => {
                    self.bump();
                    if self.peek() == Some(b'[') {
                        self.bump();
                        if let Some(level) = self.long_bracket_level() {
                            self.skip_long_bracket(level).map_err(|()| unclosed("a Lua long comment"))?;
                            continue;
                        }
                    }
                    while self.peek().is_some_and(|c| c != b'\n') {
                        self.bump();
                    }
                }
                _ => {}
            }
        }
        Err(unclosed("the Lua code"))
    }

    /// After a `[`: the level of a long bracket opening here (`[[` is 0,
    /// `[==[` is 2), consuming it; `None` (consuming nothing) otherwise.
    fn long_bracket_level(&mut self) -> Option<usize> {
        let mut level = 0;
        while self.peek_at(level) == Some(b'=') {
            level += 1;
        }
        if self.peek_at(level) != Some(b'[') {
            return None;
        }
        for _ in 0..=level {
            self.bump();
        }
        Some(level)
    }

    /// Skips to the `]`, `level` times `=`, `]` that closes a long bracket.
    fn skip_long_bracket(&mut self, level: usize) -> Result<(), ()> {
        while let Some(b) = self.bump() {
            if b != b']' {
                continue;
            }
            let mut n = 0;
            while self.peek_at(n) == Some(b'=') {
                n += 1;
            }
            if n == level && self.peek_at(n) == Some(b']') {
                for _ in 0..=n {
                    self.bump();
                }
                return Ok(());
            }
        }
        Err(())
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

    #[test]
    fn lua_blocks_are_skipped_with_their_strings_comments_and_long_brackets() {
        let text = r#"http {
    init_by_lua_block {
        local t = { a = "}", b = '{{' }  -- a comment with } in it
        --[==[ a long comment
           with } and ]] inside ]==]
        local s = [[ long } string ]] .. [=[ ]] } ]=]
        if t then ngx.log(ngx.ERR, "\"}") end
    }
    server {
        set_by_lua_block $x { return "}" }
        location / { content_by_lua_block { ngx.say("{") } }
        listen 443 ssl;
    }
}
"#;
        let dirs = parse(text, 0).unwrap();
        let http = dirs[0].children();
        assert_eq!(names(http), ["init_by_lua_block@2[]", "server@9[]"]);
        assert_eq!(names(http[1].children()), ["set_by_lua_block@10[$x]", "location@11[/]", "listen@12[443|ssl]"]);
        assert_eq!(names(http[1].children()[1].children()), ["content_by_lua_block@11[]"]);
        let err = parse("http {\n  access_by_lua_block {\n    local s = [[ never closed\n  }\n}\n", 0).unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        assert!(err.message.contains("long string"), "{err}");
    }

    #[test]
    fn nesting_is_limited_and_reported_with_the_limit() {
        let deep = "a{".repeat(5000) + &"}".repeat(5000);
        let err = parse(&deep, 0).unwrap_err();
        assert!(err.message.contains("deeper than 64"), "{err}");
        let ok = "a{".repeat(MAX_BLOCK_DEPTH) + &"}".repeat(MAX_BLOCK_DEPTH);
        assert!(parse(&ok, 0).is_ok());
    }

    #[test]
    fn lines_count_across_multibyte_text() {
        let dirs = parse("# é\nserver_name \"é\u{1F600}\";\nlisten 80;", 0).unwrap();
        assert_eq!(names(&dirs), ["server_name@2[é\u{1F600}]", "listen@3[80]"]);
    }
}
