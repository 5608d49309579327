//! Finding messages from a rule's template: `{subject}`, `{key}` and
//! `{evidence}` filled in.

/// What a message's placeholders stand for.
pub struct Fill<'a> {
    pub subject: &'a str,
    pub key: &'a str,
    pub evidence: &'a str,
}

/// `template` with its placeholders filled in, in one pass: three
/// `str::replace` calls (three scans and three strings a finding) were a
/// tenth of rule evaluation. Text filled in is not searched again, so a
/// subject or key that itself reads `{evidence}` stays as it is.
pub fn fill(template: &str, with: &Fill<'_>) -> String {
    let mut out = String::with_capacity(template.len() + with.subject.len() + with.key.len() + with.evidence.len());
    let mut rest = template;
    while let Some((before, from)) = rest.find('{').and_then(|at| rest.split_at_checked(at)) {
        out.push_str(before);
        let (value, placeholder) = [("{subject}", with.subject), ("{key}", with.key), ("{evidence}", with.evidence)]
            .into_iter()
            .find(|(placeholder, _)| from.starts_with(placeholder))
            .map_or(("{", "{"), |(placeholder, value)| (value, placeholder));
        out.push_str(value);
        rest = from.get(placeholder.len()..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_once_and_other_braces_kept() {
        let with = Fill { subject: "web {key}", key: "SYS_ADMIN", evidence: "cap_add: [SYS_ADMIN]" };
        assert_eq!(
            fill("{subject} adds {key} ({evidence}); {other} {", &with),
            "web {key} adds SYS_ADMIN (cap_add: [SYS_ADMIN]); {other} {"
        );
        assert_eq!(fill("{key}{key}", &with), "SYS_ADMINSYS_ADMIN");
        assert_eq!(fill("", &with), "");
        assert_eq!(fill("no placeholders — ünïcode", &with), "no placeholders — ünïcode");
        assert_eq!(fill("{subject", &with), "{subject");
    }
}
