//! What an HTTP(S) URL answered: the status, the security headers (HSTS
//! parsed per RFC 6797), the same for an error page, the first redirect of a
//! plain-HTTP URL, and the cookies set.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct HttpEndpoint {
    /// The URL as given.
    pub url: String,
    /// When `url` is `http://`: its first answer.
    pub plain_http: Option<PlainHttpAnswer>,
    /// The HTTPS URL whose response is described below (the given URL, or
    /// where the plain one redirected to). Absent when none was reached.
    pub https_url: Option<String>,
    /// Response to the HTTPS URL (after same-site redirects).
    pub response: Option<Response>,
    /// Response to a path that does not exist on the same origin.
    pub error_page: Option<Response>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PlainHttpAnswer {
    pub status: u16,
    /// The `Location` header, resolved against the request URL.
    pub location: Option<String>,
    /// The redirect goes to `https://` on the same host.
    pub redirects_to_https_same_host: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Response {
    pub url: String,
    pub status: u16,
    pub hsts: Hsts,
    /// `Content-Security-Policy` (first value).
    pub content_security_policy: Option<String>,
    /// The CSP has a `frame-ancestors` directive.
    pub csp_frame_ancestors: bool,
    pub x_content_type_options: Option<String>,
    pub x_frame_options: Option<String>,
    pub referrer_policy: Option<String>,
    /// The `Server` header as sent.
    pub server: Option<String>,
    /// It carries a version number (`nginx/1.22.1`).
    pub server_discloses_version: bool,
    pub cookies: Vec<Cookie>,
}

/// The `Strict-Transport-Security` header per RFC 6797 §6.1: directives are
/// case-insensitive, each may appear once, `max-age` is required. A header
/// sent twice or that does not parse is treated as absent (§8.1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Hsts {
    /// A valid header was received.
    pub present: bool,
    /// Every value received (so an invalid one is visible in the report).
    pub raw: Vec<String>,
    pub max_age: Option<i64>,
    pub include_subdomains: bool,
    pub preload: bool,
    /// Why a received header was ignored: `sent 2 times`, `max-age missing`...
    pub invalid: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Cookie {
    /// The cookie's name (never its value).
    pub name: String,
    pub secure: bool,
    pub http_only: bool,
    /// `Strict`, `Lax`, `None` as sent, absent when not set.
    pub same_site: Option<String>,
}
