//! Loading rule files: parse, validate, compile. A broken file is an error
//! naming the file and line; the other rules still load.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use crate::config::line_col;
use crate::diagnostics::{ErrorKind, ScanError};
use crate::facts::{FactKind, Location};

use super::model::{Check, Logic, Rule, RuleFile, RuleMeta};
use super::pattern::CompiledPattern;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
}

/// The rule files compiled into the binary, as `(path, contents)`.
pub fn builtin_sources() -> &'static [(&'static str, &'static str)] {
    embedded::BUILTIN_RULES
}

/// Every loaded rule, with the problems met while loading.
#[derive(Debug, Default)]
pub struct RuleSet {
    pub rules: Vec<Arc<Rule>>,
    pub errors: Vec<ScanError>,
}

/// When a rule's expressions and secret pattern are compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compile {
    /// While loading, so a mistake is a load error pointing into the file:
    /// rules from `--rules` folders.
    AtLoad,
    /// When first evaluated: the built-in rules, which the test suite
    /// compiles (`tests::every_builtin_rule_compiles`). Compiling all 176 of
    /// them was most of a scan's start-up, and a run needs those of the
    /// fact kinds it sees (a TLS audit: the `tls_endpoint` rules, and no
    /// secret pattern unless there is text to scan).
    OnFirstUse,
}

impl RuleSet {
    /// The built-in rules.
    pub fn builtin() -> Self {
        let mut set = RuleSet::default();
        for (path, text) in builtin_sources() {
            set.add_source_compiled(path, text, Compile::OnFirstUse);
        }
        set
    }

    /// Adds a rule from text; a rule with an ID already loaded is an error
    /// (IDs are what suppressions and baselines refer to).
    pub fn add_source(&mut self, path: &str, text: &str) {
        self.add_source_compiled(path, text, Compile::AtLoad);
    }

    fn add_source_compiled(&mut self, path: &str, text: &str, compile: Compile) {
        match load_rule_source_compiled(path, text, compile) {
            Ok(rule) => {
                if let Some(existing) = self.get(&rule.meta.id) {
                    self.errors.push(
                        ScanError::new(
                            "rules",
                            path,
                            ErrorKind::Rule,
                            format!("duplicate rule id {:?}, already defined in {}", rule.meta.id, existing.meta.path),
                        )
                        .at(Location::line(path, 1)),
                    );
                } else {
                    self.rules.push(Arc::new(rule));
                }
            }
            Err(e) => self.errors.push(e),
        }
    }

    /// Adds every `*.toml` under `dir`, recursively, in path order.
    pub fn add_dir(&mut self, dir: &Path) {
        let (sources, errors) = load_dir(dir);
        self.errors.extend(errors);
        for (path, text) in sources {
            self.add_source(&path, &text);
        }
    }

    pub fn get(&self, id: &str) -> Option<&Arc<Rule>> {
        self.rules.iter().find(|r| *r.meta.id == *id)
    }

    /// The `[secret]` specs of the secret rules with their IDs: what the
    /// pipeline builds the secret matcher from.
    pub fn secret_specs(&self) -> impl Iterator<Item = (&str, &super::pattern::SecretPatternSpec)> {
        self.rules.iter().filter_map(|r| match &r.logic {
            Logic::Secret(p) => Some((&*r.meta.id, &p.spec)),
            Logic::Expression(_) => None,
        })
    }

    /// Compiles now the expressions of the checks that read `kind` (the
    /// built-in ones are otherwise compiled when first evaluated), so that a
    /// run whose facts are still being collected does not compile them after.
    pub fn precompile(&self, kind: FactKind) {
        for rule in &self.rules {
            if let Logic::Expression(checks) = &rule.logic {
                // A failure is reported where the check is evaluated.
                checks.iter().filter(|c| c.kind == kind).for_each(|c| drop(c.program()));
            }
        }
    }

    /// Expression checks grouped by the kind of fact they read, as
    /// `(rule, index of the check)`.
    pub fn by_kind(&self) -> HashMap<FactKind, Vec<(Arc<Rule>, usize)>> {
        let mut map: HashMap<FactKind, Vec<(Arc<Rule>, usize)>> = HashMap::new();
        for rule in &self.rules {
            if let Logic::Expression(checks) = &rule.logic {
                for (i, check) in checks.iter().enumerate() {
                    map.entry(check.kind).or_default().push((rule.clone(), i));
                }
            }
        }
        map
    }
}

/// Reads the rule files of a folder.
pub fn load_dir(dir: &Path) -> (Vec<(String, String)>, Vec<ScanError>) {
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    let display = dir.display().to_string();
    if !dir.is_dir() {
        errors.push(ScanError::new(
            "rules",
            display,
            ErrorKind::Config,
            "rule folder does not exist or is not a folder",
        ));
        return (sources, errors);
    }
    let mut paths = Vec::new();
    for entry in ignore::WalkBuilder::new(dir).standard_filters(false).build() {
        match entry {
            Ok(e)
                if e.file_type().is_some_and(|t| t.is_file()) && e.path().extension().is_some_and(|x| x == "toml") =>
            {
                paths.push(e.into_path())
            }
            Ok(_) => {}
            Err(e) => errors.push(ScanError::new("rules", &display, ErrorKind::Io, e.to_string())),
        }
    }
    paths.sort();
    for path in paths {
        let shown = path.display().to_string();
        match crate::input::read_text(&path, 1024 * 1024) {
            Ok(text) => sources.push((shown, text)),
            Err(e) => errors.push(e.into_scan_error("rules", &shown)),
        }
    }
    (sources, errors)
}

/// Parses and compiles one rule file.
pub fn load_rule_source(path: &str, text: &str) -> Result<Rule, ScanError> {
    load_rule_source_compiled(path, text, Compile::AtLoad)
}

/// Parses one rule file, compiling it now or on first use.
fn load_rule_source_compiled(path: &str, text: &str, compile: Compile) -> Result<Rule, ScanError> {
    let source = Source { path, text, compile };
    let file: RuleFile = toml::from_str(text).map_err(|e| {
        let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
        source.err_at(line, col, format!("invalid rule file: {}", e.message()))
    })?;
    if file.id.is_empty() || !file.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Err(source.err_at(
            source.key_line("id"),
            1,
            format!("rule id {:?} must be kebab-case (a-z, 0-9, -)", file.id),
        ));
    }

    // One builder per rule form.
    let single = file.kind.is_some() || file.expression.is_some();
    let logic = match (&file.secret, single, file.check.is_empty()) {
        (Some(spec), _, true) => source.secret_rule(&file, spec)?,
        (None, true, true) => source.single_check(&file)?,
        (None, false, false) => source.check_tables(&file)?,
        _ => {
            return Err(source.err_at(
                1,
                1,
                "a rule has exactly one of: `kind` + `expression`, `[[check]]` tables, or a `[secret]` table".into(),
            ))
        }
    };

    Ok(Rule {
        meta: RuleMeta {
            id: file.id.into(),
            title: file.title.into(),
            severity: file.severity,
            message: file.message,
            rationale: file.rationale,
            remediation: file.remediation.into(),
            references: file.references.into(),
            tags: file.tags,
            path: path.to_string(),
        },
        logic,
    })
}

/// A rule file's text, for errors that point into it.
struct Source<'a> {
    path: &'a str,
    text: &'a str,
    compile: Compile,
}

impl Source<'_> {
    fn err_at(&self, line: u32, col: u32, msg: String) -> ScanError {
        ScanError::new("rules", self.path, ErrorKind::Rule, msg).at(Location::at(self.path, line, col))
    }

    /// The line that sets `key` (`key =` or `[key]`), 1 when none does.
    fn key_line(&self, key: &str) -> u32 {
        self.text
            .lines()
            .position(|l| {
                let t = l.trim_start();
                t.strip_prefix(key).is_some_and(|after| after.trim_start().starts_with(['=', ']']))
            })
            .map_or(1, |i| i as u32 + 1)
    }

    fn parse_kind(&self, kind: &str, line: u32) -> Result<FactKind, ScanError> {
        FactKind::parse(kind).ok_or_else(|| {
            let known: Vec<&str> = FactKind::ALL.iter().map(|k| k.as_str()).collect();
            self.err_at(line, 1, format!("unknown fact kind {kind:?}; known kinds: {}", known.join(", ")))
        })
    }

    fn compile(&self, expr: &str, line: u32) -> Result<OnceLock<Result<super::budget::Budgeted, String>>, ScanError> {
        match self.compile {
            Compile::OnFirstUse => Ok(OnceLock::new()),
            Compile::AtLoad => compile_expression(expr)
                .map(|program| OnceLock::from(Ok(program)))
                .map_err(|msg| self.err_at(line, 1, format!("expression does not compile: {msg}"))),
        }
    }

    /// `[secret]`: a pattern the secrets engine runs.
    fn secret_rule(&self, file: &RuleFile, spec: &super::pattern::SecretPatternSpec) -> Result<Logic, ScanError> {
        if file.kind.as_deref().is_some_and(|k| k != "secret") || file.expression.is_some() {
            return Err(self.err_at(1, 1, "a secret rule has `kind = \"secret\"` (or none) and no expression".into()));
        }
        let line = self.key_line("[secret");
        let compiled = match self.compile {
            Compile::OnFirstUse => CompiledPattern::on_first_use(spec.clone()),
            Compile::AtLoad => CompiledPattern::compile(spec.clone())
                .map_err(|msg| self.err_at(line, 1, format!("invalid secret pattern: {msg}")))?,
        };
        Ok(Logic::Secret(Box::new(compiled)))
    }

    /// `kind` + `expression`: one check.
    fn single_check(&self, file: &RuleFile) -> Result<Logic, ScanError> {
        let (Some(kind), Some(expr)) = (&file.kind, &file.expression) else {
            return Err(self.err_at(1, 1, "a rule needs both `kind` and `expression`".into()));
        };
        let line = self.key_line("expression");
        Ok(Logic::Expression(vec![Check {
            kind: self.parse_kind(kind, self.key_line("kind"))?,
            field: file.field.clone(),
            message: None,
            source: expr.clone(),
            program: self.compile(expr, line)?,
            tests: file.tests.clone(),
            line,
        }]))
    }

    /// `[[check]]` tables: one check per fact kind.
    fn check_tables(&self, file: &RuleFile) -> Result<Logic, ScanError> {
        if !file.tests.is_empty() || file.field.is_some() {
            return Err(self.err_at(1, 1, "with [[check]] tables, `field` and `tests` go inside each check".into()));
        }
        let check_lines = lines_of(self.text, "[[check]]");
        let mut checks: Vec<Check> = Vec::new();
        for (i, c) in file.check.iter().enumerate() {
            let line = check_lines.get(i).copied().unwrap_or(1);
            if checks.iter().any(|x| x.kind.as_str() == c.kind) {
                return Err(self.err_at(line, 1, format!("two checks for kind {:?}", c.kind)));
            }
            checks.push(Check {
                kind: self.parse_kind(&c.kind, line)?,
                field: c.field.clone(),
                message: c.message.clone(),
                source: c.expression.clone(),
                program: self.compile(&c.expression, line)?,
                tests: c.tests.clone(),
                line,
            });
        }
        Ok(Logic::Expression(checks))
    }
}

/// 1-based lines whose trimmed text is `header`.
fn lines_of(text: &str, header: &str) -> Vec<u32> {
    text.lines().enumerate().filter(|(_, l)| l.trim() == header).map(|(i, _)| i as u32 + 1).collect()
}

pub(super) fn compile_expression(source: &str) -> Result<super::budget::Budgeted, String> {
    let program = super::eval::environment().compile(source).map_err(|e| e.to_string().replace('\n', "; "))?;
    Ok(super::budget::Budgeted::new(&program))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MULTI: &str = r#"
id = "hsts-missing"
title = "t"
severity = "medium"
message = "m"
rationale = "r"
remediation = "r"

[[check]]
kind = "workload"
expression = "workload.privileged"
field = "privileged"

[[check.tests]]
name = "fires"
expect = true
fact = { privileged = true }

[[check]]
kind = "image"
expression = "image.final_stage"
message = "other wording"
"#;

    #[test]
    fn one_rule_id_can_check_several_kinds() {
        let rule = load_rule_source("multi.toml", MULTI).unwrap();
        assert_eq!(rule.kinds(), vec![FactKind::Workload, FactKind::Image]);
        let Logic::Expression(checks) = &rule.logic else { panic!("expression rule") };
        assert_eq!(checks[1].line, 19);
        assert_eq!(checks[1].message.as_deref(), Some("other wording"));
        // The image check has no tests: the self-test says so.
        let failures = crate::rules::self_test(&rule);
        assert_eq!(failures.len(), 2, "{failures:?}");
    }

    /// The built-in rules are compiled on first use, so a mistake in one
    /// would show only in a run that meets its fact kind: every expression
    /// and secret pattern is compiled here instead.
    #[test]
    fn every_builtin_rule_compiles() {
        let set = RuleSet::builtin();
        assert!(set.errors.is_empty(), "{:?}", set.errors);
        assert!(set.rules.len() > 150, "{} rules", set.rules.len());
        for rule in &set.rules {
            match &rule.logic {
                Logic::Expression(checks) => {
                    for check in checks {
                        assert!(check.program().is_ok(), "{}: {:?}", rule.meta.id, check.program().err());
                    }
                }
                Logic::Secret(p) => assert_eq!(p.spec.check(), Ok(()), "{}", rule.meta.id),
            }
        }
    }

    #[test]
    fn a_broken_rule_from_a_folder_is_a_load_error() {
        let text = MULTI.replace("workload.privileged", "workload.privileged &&");
        let err = load_rule_source("multi.toml", &text).unwrap_err();
        assert!(err.message.contains("expression does not compile"), "{err}");
        let secret = "id = \"s\"\ntitle = \"t\"\nseverity = \"high\"\nmessage = \"m\"\nrationale = \"r\"\nremediation = \"r\"\n\n[secret]\npattern = \"(unclosed\"\nkeywords = [\"x\"]\n";
        let err = load_rule_source("s.toml", secret).unwrap_err();
        assert!(err.message.contains("invalid secret pattern"), "{err}");
    }

    #[test]
    fn mixing_forms_is_an_error() {
        let text = MULTI.replace("remediation = \"r\"\n", "remediation = \"r\"\nkind = \"workload\"\n");
        let err = load_rule_source("multi.toml", &text).unwrap_err();
        assert!(err.message.contains("exactly one of"), "{err}");
    }
}
