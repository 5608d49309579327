//! Word splitting and `${VAR}` substitution as Dockerfile instructions do
//! them (a small subset of shell: quotes, backslash escapes, `${VAR:-x}`).

use std::collections::HashMap;

use crate::collect::interpolate::Malformed;

/// Splits on unquoted whitespace, removing quotes and backslash escapes.
pub fn shell_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => match chars.next() {
                Some(n @ ('"' | '\\' | '$')) => current.push(n),
                Some(n) => {
                    current.push('\\');
                    current.push(n);
                }
                None => current.push('\\'),
            },
            (Some(_), c) => current.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                if let Some(n) = chars.next() {
                    current.push(n);
                }
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            (None, c) => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(current);
    }
    words
}

/// The first word (unquoted, as [`shell_words`] gives it) and the text after
/// it as written: the split happens at the first whitespace outside quotes,
/// wherever the word's quotes and escapes make it end.
pub fn split_first_word(text: &str) -> (String, &str) {
    let text = text.trim_start();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut end = text.len();
    for (i, c) in text.char_indices() {
        match (quote, c) {
            _ if escaped => escaped = false,
            (Some('"') | None, '\\') => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => quote = Some(c),
            (None, c) if c.is_whitespace() => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    let (word, rest) = text.split_at(end);
    (shell_words(word).into_iter().next().unwrap_or_default(), rest.trim())
}

/// Replaces `$VAR`, `${VAR}`, `${VAR:-default}` and the other shell forms
/// with known values; unknown variables without a default are left as
/// written, so callers can tell the value is not known. Compose's
/// interpolator, with the Dockerfile's rules for `$`. Also gives the first
/// `${...}` that `docker build` refuses to process (`${TAG` with no `}`,
/// `${}`, `${TAG:x}`).
pub fn substitute_checked(text: &str, vars: &HashMap<String, String>) -> (String, Option<Malformed>) {
    crate::collect::interpolate::interpolate_checked(text, vars, crate::collect::interpolate::Dialect::Dockerfile)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn substitute(text: &str, vars: &HashMap<String, String>) -> String {
        substitute_checked(text, vars).0
    }

    #[test]
    fn words_and_quotes() {
        assert_eq!(shell_words(r#"A="x y" B='$z' C=a\ b"#), vec!["A=x y", "B=$z", "C=a b"]);
    }

    #[test]
    fn first_word_as_written() {
        assert_eq!(split_first_word("\"KEY\" value  x"), ("KEY".to_string(), "value  x"));
        assert_eq!(split_first_word("'CLÉ' valeur"), ("CLÉ".to_string(), "valeur"));
        assert_eq!(split_first_word("a\\ b c"), ("a b".to_string(), "c"));
        assert_eq!(split_first_word("only"), ("only".to_string(), ""));
    }

    #[test]
    fn substitution() {
        let vars: HashMap<String, String> = [("V".to_string(), "20".to_string())].into();
        assert_eq!(substitute("node:${V}-alpine", &vars), "node:20-alpine");
        assert_eq!(substitute("node:$V", &vars), "node:20");
        assert_eq!(substitute("${X:-nginx}:${Y}", &vars), "nginx:${Y}");
        assert_eq!(substitute("é$Vé${V}é$é", &vars), "é20é20é$é");
        assert_eq!(substitute("node:${V", &vars), "node:${V");
    }
}
