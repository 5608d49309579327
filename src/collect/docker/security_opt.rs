//! `HostConfig.SecurityOpt` entries: `no-new-privileges[:true]`,
//! `seccomp=unconfined`, `apparmor=...`, `label=...`. Docker accepts both
//! `=` and the older `:` as separator.

#[derive(Debug, Default, PartialEq)]
pub struct SecurityOpts {
    pub no_new_privileges: bool,
    /// `unconfined`, or `custom` for a profile the CLI sent inline as JSON.
    pub seccomp: Option<String>,
    pub apparmor: Option<String>,
    pub selinux: Option<String>,
}

pub fn parse(opts: &[String]) -> SecurityOpts {
    let mut out = SecurityOpts::default();
    let mut labels = Vec::new();
    for opt in opts {
        let opt = opt.trim();
        let (key, value) = match opt.split_once(['=', ':']) {
            Some((key, value)) => (key, Some(value.trim())),
            None => (opt, None),
        };

        match key {
            "no-new-privileges" => out.no_new_privileges = value.is_none_or(|v| v.eq_ignore_ascii_case("true")),
            "seccomp" => {
                out.seccomp = value.map(|v| {
                    // `--security-opt seccomp=profile.json` reaches the daemon
                    // as the file's content.
                    if v.starts_with('{') {
                        "custom".to_string()
                    } else {
                        v.to_string()
                    }
                })
            }
            "apparmor" => out.apparmor = value.map(str::to_string),
            "label" => labels.extend(value.map(str::to_string)),
            _ => {}
        }
    }
    if !labels.is_empty() {
        out.selinux = Some(labels.join(","));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(opts: &[&str]) -> SecurityOpts {
        parse(&opts.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn both_separators_and_values() {
        assert!(p(&["no-new-privileges"]).no_new_privileges);
        assert!(p(&["no-new-privileges:true"]).no_new_privileges);
        assert!(p(&["no-new-privileges=true"]).no_new_privileges);
        assert!(!p(&["no-new-privileges=false"]).no_new_privileges);
        assert_eq!(p(&["seccomp=unconfined"]).seccomp.as_deref(), Some("unconfined"));
        assert_eq!(p(&["seccomp:unconfined"]).seccomp.as_deref(), Some("unconfined"));
        assert_eq!(p(&["seccomp={\"defaultAction\":\"SCMP_ACT_ERRNO\"}"]).seccomp.as_deref(), Some("custom"));
        assert_eq!(p(&["apparmor=unconfined"]).apparmor.as_deref(), Some("unconfined"));
        assert_eq!(p(&["label=disable"]).selinux.as_deref(), Some("disable"));
        assert_eq!(p(&[]), SecurityOpts::default());
    }
}
