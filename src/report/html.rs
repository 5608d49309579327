//! The HTML report: one self-contained page (inline CSS and JS, no fonts,
//! images or scripts from elsewhere) that works offline and can be attached to
//! a ticket or a CI run.
//!
//! Safety: the template engine escapes every value (HTML auto-escaping is
//! forced on, whatever the template's name), and data handed to the script
//! goes through [`script_json`]. On top of that, a Content-Security-Policy
//! allows exactly the page's own style and script elements (by SHA-256 hash)
//! and nothing else: no network access, and no script an escaping bug could
//! smuggle in would run.
//!
//! Extending: add a section to `reports/report.html.j2` (each section is a
//! `{% block %}`), put its data in [`view::View`], keep all JavaScript in the
//! one `<script id="stackaudit-js">` element and all CSS in the one
//! `<style id="stackaudit-css">` element: a second one would be blocked by the
//! policy.

mod view;

use anyhow::Context as _;
use base64::Engine as _;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};

use super::Report;

const TEMPLATE_NAME: &str = "report.html.j2";
const TEMPLATE: &str = include_str!("../../reports/report.html.j2");
const SCRIPT_HASH_SLOT: &str = "__STACKAUDIT_SCRIPT_HASH__";
const STYLE_HASH_SLOT: &str = "__STACKAUDIT_STYLE_HASH__";
const SCRIPT_OPEN: &str = "<script id=\"stackaudit-js\">";
const STYLE_OPEN: &str = "<style id=\"stackaudit-css\">";

pub fn render(report: &Report) -> anyhow::Result<String> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.add_filter("script_json", script_json);
    env.add_template(TEMPLATE_NAME, TEMPLATE).context("the HTML report template does not parse")?;
    let view = view::build(report);
    let html = env
        .get_template(TEMPLATE_NAME)?
        .render(minijinja::context! { r => view })
        .context("cannot render the HTML report")?;
    seal(html)
}

/// Fills the Content-Security-Policy with the hashes of the page's own style
/// and script elements. Values in the page are escaped, so the first
/// occurrence of each marker is the template's own.
fn seal(html: String) -> anyhow::Result<String> {
    let script = element_body(&html, SCRIPT_OPEN, "</script>").context("the template has no stackaudit-js script")?;
    let style = element_body(&html, STYLE_OPEN, "</style>").context("the template has no stackaudit-css style")?;
    let (script_hash, style_hash) = (csp_hash(script), csp_hash(style));
    Ok(html.replacen(SCRIPT_HASH_SLOT, &script_hash, 1).replacen(STYLE_HASH_SLOT, &style_hash, 1))
}

fn element_body<'a>(html: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let (_, after_open) = html.split_once(open)?;
    let (body, _) = after_open.split_once(close)?;
    Some(body)
}

/// `sha256-<base64>` as CSP expects it.
fn csp_hash(text: &str) -> String {
    format!("sha256-{}", base64::engine::general_purpose::STANDARD.encode(sha256(text.as_bytes())))
}

/// SHA-256 from the ring provider rustls already links, rather than one more
/// crate for a single hash.
fn sha256(data: &[u8]) -> Vec<u8> {
    let suite = rustls::crypto::ring::cipher_suite::TLS13_AES_128_GCM_SHA256;
    match suite.tls13() {
        Some(s) => s.common.hash_provider.hash(data).as_ref().to_vec(),
        // A TLS 1.3 suite always is one; unreachable.
        None => Vec::new(),
    }
}

/// Serialises a value as JSON that is safe inside a `<script>` element: `<`,
/// `>` and `&` cannot close the element or open a comment, and U+2028/U+2029
/// (line terminators in older JavaScript) are escaped too. Use as
/// `{{ value|script_json }}` inside `<script type="application/json">`.
pub fn script_json(value: Value) -> Result<Value, minijinja::Error> {
    let json = serde_json::to_string(&value)
        .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string()))?;
    Ok(Value::from_safe_string(escape_script_json(&json)))
}

fn escape_script_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_script_element() {
        let v = script_json(Value::from("</script><!--&\u{2028}\u{2029}")).unwrap();
        let text = v.to_string();
        assert_eq!(text, r#""\u003c/script\u003e\u003c!--\u0026\u2028\u2029""#);
        let back: String = serde_json::from_str(&text).unwrap();
        assert_eq!(back, "</script><!--&\u{2028}\u{2029}");
    }

    #[test]
    fn sha256_matches_the_standard_test_vector() {
        let hex: String = sha256(b"abc").iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
