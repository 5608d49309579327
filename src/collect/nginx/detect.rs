//! Is this file nginx configuration? Decided from the content alone, never
//! from the folder it sits in: the same tree gives the same answer however
//! it is addressed, and a `supervisord.conf` or php-fpm pool in a `conf.d`
//! folder is not taken for nginx.
//!
//! The file is read with nginx's own tokenizer; a statement is the words up
//! to a `;` or `{`. It is nginx when its statements are, by a clear
//! majority, nginx directives (known names, or names of the common module
//! families such as `proxy_*`), with at least one of them. A file that is
//! nginx but broken (an unclosed brace, a missing `;`) still passes, so its
//! error is reported rather than the file being silently passed over.

use super::syntax::{is_lua_block, Lexer, Token};

/// What a file is, as far as the nginx collector cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Not nginx configuration.
    Other,
    /// A main file: `events`, `http`, `stream` or another main-context
    /// directive at the top level.
    Main,
    /// A file meant to be included (`conf.d`, `sites-*`, snippets).
    Include,
    /// nginx configuration with template placeholders (`{{ }}`, `{% %}`):
    /// only the rendered file is configuration.
    Template,
}

/// Statements read before deciding; enough for any real file's header.
const SAMPLE_STATEMENTS: usize = 400;

/// Directives of nginx's main context that only a main file has.
const MAIN_ONLY: &[&str] = &[
    "events",
    "http",
    "stream",
    "mail",
    "worker_processes",
    "worker_rlimit_nofile",
    "worker_connections",
    "pid",
    "daemon",
    "master_process",
    "load_module",
    "user",
    "env",
    "pcre_jit",
    "thread_pool",
    "worker_cpu_affinity",
    "worker_priority",
    "worker_shutdown_timeout",
];

/// Names of nginx directives (core, the standard modules, and widespread
/// third-party ones), for telling nginx files from other `.conf` files.
const NAMES: &[&str] = &[
    "absolute_redirect",
    "accept_mutex",
    "access_log",
    "add_after_body",
    "add_before_body",
    "add_header",
    "add_trailer",
    "aio",
    "alias",
    "allow",
    "ancient_browser",
    "autoindex",
    "autoindex_exact_size",
    "autoindex_format",
    "autoindex_localtime",
    "break",
    "charset",
    "charset_map",
    "chunked_transfer_encoding",
    "connection_pool_size",
    "create_full_put_path",
    "dav_access",
    "dav_methods",
    "default_type",
    "deny",
    "directio",
    "disable_symlinks",
    "echo",
    "empty_gif",
    "error_log",
    "error_page",
    "etag",
    "events",
    "expires",
    "geo",
    "geoip_city",
    "geoip_country",
    "gunzip",
    "hash",
    "http",
    "http2",
    "if",
    "if_modified_since",
    "ignore_invalid_headers",
    "image_filter",
    "include",
    "index",
    "internal",
    "ip_hash",
    "keepalive",
    "keepalive_requests",
    "keepalive_timeout",
    "large_client_header_buffers",
    "least_conn",
    "limit_except",
    "lingering_close",
    "lingering_time",
    "lingering_timeout",
    "listen",
    "location",
    "log_format",
    "log_not_found",
    "log_subrequest",
    "map",
    "map_hash_bucket_size",
    "map_hash_max_size",
    "max_ranges",
    "merge_slashes",
    "min_delete_depth",
    "mirror",
    "mirror_request_body",
    "more_clear_headers",
    "more_set_headers",
    "msie_padding",
    "msie_refresh",
    "multi_accept",
    "open_file_cache",
    "open_file_cache_errors",
    "open_file_cache_min_uses",
    "open_file_cache_valid",
    "open_log_file_cache",
    "output_buffers",
    "port_in_redirect",
    "postpone_output",
    "random",
    "random_index",
    "read_ahead",
    "real_ip_header",
    "real_ip_recursive",
    "recursive_error_pages",
    "referer_hash_bucket_size",
    "referer_hash_max_size",
    "request_pool_size",
    "reset_timedout_connection",
    "resolver",
    "resolver_timeout",
    "return",
    "rewrite",
    "rewrite_log",
    "root",
    "satisfy",
    "send_lowat",
    "send_timeout",
    "sendfile",
    "sendfile_max_chunk",
    "server",
    "server_name",
    "server_name_in_redirect",
    "server_names_hash_bucket_size",
    "server_names_hash_max_size",
    "server_tokens",
    "set",
    "set_real_ip_from",
    "slice",
    "source_charset",
    "split_clients",
    "ssi",
    "ssi_types",
    "stub_status",
    "sub_filter",
    "sub_filter_once",
    "sub_filter_types",
    "subrequest_output_buffer_size",
    "tcp_nodelay",
    "tcp_nopush",
    "timer_resolution",
    "try_files",
    "types",
    "types_hash_bucket_size",
    "types_hash_max_size",
    "underscores_in_headers",
    "uninitialized_variable_warn",
    "upstream",
    "use",
    "userid",
    "valid_referers",
    "variables_hash_bucket_size",
    "variables_hash_max_size",
    "vhost_traffic_status_zone",
    "worker_aio_requests",
    "xml_entities",
    "xslt_stylesheet",
    "zone",
];

/// Module families: every directive of theirs starts like this.
const PREFIXES: &[&str] = &[
    "auth_",
    "brotli",
    "client_",
    "fastcgi_",
    "geoip2",
    "grpc_",
    "gzip",
    "headers_more",
    "hls",
    "http2_",
    "http3_",
    "js_",
    "limit_conn",
    "limit_rate",
    "limit_req",
    "lua_",
    "memcached_",
    "modsecurity",
    "mp4",
    "njs_",
    "ocsp_",
    "pagespeed",
    "perl",
    "proxy_",
    "quic_",
    "scgi_",
    "secure_link",
    "ssl_",
    "uwsgi_",
    "vhost_traffic_status",
    "worker_",
];

fn is_nginx_name(name: &str) -> bool {
    NAMES.binary_search(&name).is_ok()
        || MAIN_ONLY.contains(&name)
        || PREFIXES.iter().any(|p| name.starts_with(p))
        || name.contains("_by_lua")
}

/// Classifies a file's text. A file named `nginx.conf` is nginx whatever
/// it holds (a broken one is reported, not passed over), and a main file
/// unless its content says it is an include.
pub fn classify(text: &str, named_nginx: bool) -> Kind {
    let mut lexer = Lexer::new(text);
    let mut statements = 0usize;
    let mut known = 0usize;
    let mut main = false;
    let mut template = false;
    let mut depth = 0usize;
    let mut words: Vec<String> = Vec::new();
    let mut after_open = false;
    while statements < SAMPLE_STATEMENTS {
        // A lexical error ends the sample; what came before decides.
        let Ok(token) = lexer.next_token() else { break };
        let end = match token {
            Token::Word(w, _) => {
                template |= after_open && (w.starts_with('{') || w.starts_with('%'));
                template |= w.contains("{{") || w.contains("{%");
                words.push(w);
                after_open = false;
                continue;
            }
            Token::Semicolon(_) => false,
            Token::Open(line) => {
                if let Some(name) = words.first().filter(|n| is_lua_block(n)) {
                    if lexer.skip_lua_block(line, name).is_err() {
                        break;
                    }
                    statements += 1;
                    known += 1;
                    words.clear();
                    continue;
                }
                // `{{` as two tokens: a Go or Jinja template.
                template |= after_open && words.is_empty();
                after_open = true;
                true
            }
            Token::Close(_) => {
                depth = depth.saturating_sub(1);
                after_open = false;
                words.clear();
                continue;
            }
            Token::End(_) => break,
        };
        if let Some(name) = words.first() {
            statements += 1;
            // `listen = 9000` (php-fpm) is not nginx's `listen`.
            let nginx_shape = words.get(1).is_none_or(|a| a != "=") || name == "location" || name == "if";
            if is_nginx_name(name) && nginx_shape {
                known += 1;
                main |= depth == 0 && MAIN_ONLY.contains(&name.as_str());
            }
        }
        if end {
            depth += 1;
        }
        words.clear();
    }
    let nginx = known > 0 && known * 3 >= statements * 2;
    match (template, nginx || named_nginx) {
        // Template syntax garbles the statements around it: a third will do.
        (true, _) if named_nginx || (known > 0 && known * 3 >= statements) => Kind::Template,
        (false, true) if main || (named_nginx && !nginx) => Kind::Main,
        (false, true) => Kind::Include,
        _ => Kind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify_text(text: &str) -> Kind {
        classify(text, false)
    }

    #[test]
    fn a_file_named_nginx_conf_is_nginx_even_when_broken() {
        assert_eq!(classify("a{a{a{}}}", true), Kind::Main);
        assert_eq!(classify("a{a{a{}}}", false), Kind::Other);
        assert_eq!(classify("server { listen 80; }", true), Kind::Include);
        assert_eq!(classify("server {\n  listen {{ .Values.port }};\n}\n", true), Kind::Template);
    }

    #[test]
    fn names_are_sorted_for_binary_search() {
        assert!(NAMES.windows(2).all(|w| w[0] < w[1]), "NAMES must stay sorted");
    }

    #[test]
    fn nginx_files_by_their_role() {
        assert_eq!(classify_text("user nginx;\nevents {}\nhttp { include conf.d/*.conf; }\n"), Kind::Main);
        assert_eq!(
            classify_text("server {\n  listen 80;\n  location / { proxy_pass http://app; }\n}\n"),
            Kind::Include
        );
        assert_eq!(classify_text("ssl_protocols TLSv1.2;\nssl_ciphers HIGH;\n"), Kind::Include);
        let lua = "location /t {\n  content_by_lua_block {\n    local a = 1; local b = 2; local c = 3; print(a, b, c)\n  }\n}\n";
        assert_eq!(classify_text(lua), Kind::Include);
        // Broken nginx is still nginx: its error must be reported.
        assert_eq!(classify_text("server {\n  listen 80;\n  server_name a.test\n"), Kind::Include);
        assert_eq!(classify_text("server {\n  listen {{ .Values.port }};\n}\n"), Kind::Template);
        assert_eq!(classify_text("{% for s in servers %}\nserver { listen 80; }\n{% endfor %}\n"), Kind::Template);
    }

    #[test]
    fn other_programs_conf_files_are_not_nginx() {
        let supervisord = "[supervisord]\nnodaemon=true\n\n[program:nginx]\ncommand=/usr/sbin/nginx -g \"daemon off;\"\nautorestart=true ; restart it\n\n[program:php-fpm]\ncommand=php-fpm -F\n";
        assert_eq!(classify_text(supervisord), Kind::Other);
        let php_fpm = "[www]\nuser = www-data\ngroup = www-data\nlisten = 127.0.0.1:9000\n;listen.owner = www-data\npm = dynamic\npm.max_children = 5\n";
        assert_eq!(classify_text(php_fpm), Kind::Other);
        let bind = "options {\n  directory \"/var/cache/bind\";\n  listen-on { any; };\n  allow-query { any; };\n};\ninclude \"/etc/bind/zones.conf\";\n";
        assert_eq!(classify_text(bind), Kind::Other);
        let redis = "bind 127.0.0.1\nport 6379\nrequirepass foo\n";
        assert_eq!(classify_text(redis), Kind::Other);
        assert_eq!(classify_text(""), Kind::Other);
    }
}
