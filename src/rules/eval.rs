//! Evaluating expression rules over facts.
//!
//! A fact is converted to a CEL value once and every rule for its kind runs
//! against it; facts are spread over the cores with rayon. An expression that
//! fails, or returns something other than a boolean or a list, is an error:
//! a rule that cannot be evaluated never passes silently.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use cel::objects::Key;
use cel::{Context, Env, Value};
use rayon::prelude::*;

use crate::config::Policy;
use crate::diagnostics::{ErrorKind, ScanError};
use crate::facts::{Fact, FactData, FactKind, Location, Subject};
use crate::findings::{fingerprint, Finding};

use super::load::RuleSet;
use super::model::{Check, Logic, Rule};
use super::secret_findings::secret_finding;
use super::template::{fill, Fill};

/// The CEL environment rules compile and run in: the standard library plus
/// the string, list and math extensions.
pub fn environment() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Env::stdlib();
        // Registering the bundled extensions can only fail on a name clash
        // inside the cel crate itself; without them rules still work.
        let _ = env.add_extension(cel::extensions::strings);
        let _ = env.add_extension(cel::extensions::lists);
        let _ = env.add_extension(cel::extensions::math);
        super::budget::register(&mut env);
        super::cached_regex::register(&mut env);
        Arc::new(env)
    })
    .clone()
}

/// Findings of one fact, and evaluation errors keyed by rule ID.
type FactOutcome = (Vec<Finding>, Vec<(String, ScanError)>);

/// One reason a rule fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub key: Option<String>,
    pub evidence: Option<String>,
}

/// Rules grouped by the kind of fact they read, ready to run.
pub struct Engine {
    by_kind: HashMap<FactKind, Vec<(Arc<Rule>, usize)>>,
    /// Secret rules by ID: a secret fact names the one that recognised it.
    secret_rules: HashMap<String, Arc<Rule>>,
    policy: Value,
    /// The scanned folder as findings' scopes spell it (`stack`,
    /// `/abs/stack`): IDs hash scopes relative to it, so a tree gives the
    /// same IDs whether it was scanned as `.`, `./stack`, `stack/` or by
    /// absolute path, and a baseline made one way holds the other way.
    id_root: Option<String>,
    /// Whether findings carry the IDs earlier versions gave them: only a
    /// baseline or a previous report is matched against those.
    legacy_ids: bool,
}

impl Engine {
    pub fn new(rules: &RuleSet, policy: &Policy) -> Result<Self, ScanError> {
        let policy = cel::to_value(policy).map_err(|e| {
            ScanError::new("rules", "policy", ErrorKind::Config, format!("policy cannot be converted: {e}"))
        })?;
        let secret_rules = rules
            .rules
            .iter()
            .filter(|r| matches!(r.logic, Logic::Secret(_)))
            .map(|r| (r.meta.id.to_string(), r.clone()))
            .collect();
        Ok(Self { by_kind: rules.by_kind(), secret_rules, policy, id_root: None, legacy_ids: true })
    }

    /// Hashes finding scopes relative to `root`, the one scanned folder in
    /// display form (see [`id_root`]).
    pub fn with_id_root(mut self, root: Option<String>) -> Self {
        self.id_root = root.filter(|r| !r.is_empty());
        self
    }

    /// Leaves out the IDs earlier versions gave findings, for a scan that
    /// compares with no baseline or previous report: on a large tree they
    /// were a tenth of the findings' memory.
    pub fn without_legacy_ids(mut self) -> Self {
        self.legacy_ids = false;
        self
    }

    /// A finding's ID from its scope relative to the scanned folder; the ID
    /// its scope as typed gave stays as a legacy ID, so baselines written
    /// before still match.
    fn rebase_ids(&self, fact: &Fact, findings: &mut [Finding]) {
        let Some(root) = &self.id_root else { return };
        for f in findings {
            let Some(relative) = f.subject.scope.as_deref().and_then(|s| relative_scope(s, root)) else { continue };
            let subject = Subject { scope: Some(relative.to_string()), ..(*f.subject).clone() };
            let key = match &fact.data {
                FactData::Secret(secret) => Some(super::secret_findings::structure_key(secret)),
                _ => f.key.clone(),
            };
            let id = fingerprint(&f.rule_id, &subject, key.as_deref());
            if !self.legacy_ids {
                f.id = id;
            } else if id != f.id {
                // Usually its only legacy ID: room for one, not the four a
                // first push makes room for.
                f.legacy_ids.reserve_exact(1);
                f.legacy_ids.push(std::mem::replace(&mut f.id, id));
            }
        }
    }

    /// Runs every expression rule over every fact.
    pub fn evaluate(&self, facts: &[Fact]) -> (Vec<Finding>, Vec<ScanError>) {
        let (findings, errors) = self.evaluate_counted(facts);
        (findings, errors.finish())
    }

    /// [`evaluate`](Self::evaluate) with the errors still counted per rule,
    /// so the results of parts of a scan add up to those of the whole.
    pub fn evaluate_counted(&self, facts: &[Fact]) -> (Vec<Finding>, RuleErrors) {
        let env = environment();
        let per_fact: Vec<FactOutcome> = facts
            .par_iter()
            .map_init(
                || {
                    let mut root = Context::with_env(env.clone());
                    root.add_variable_from_value("policy", self.policy.clone());
                    root
                },
                |root, fact| {
                    crate::contain::catch(|| {
                        let (mut findings, errors) = self.evaluate_fact(root, fact);
                        self.rebase_ids(fact, &mut findings);
                        (findings, errors)
                    })
                    .unwrap_or_else(|description| {
                        let error = ScanError::new(
                            "rules",
                            fact.subject.display(),
                            ErrorKind::Internal,
                            crate::contain::message(&format!("evaluating {}", fact.subject.display()), &description),
                        );
                        (Vec::new(), vec![(String::new(), error)])
                    })
                },
            )
            .collect();

        // Sized once: growing a 70,000-finding vector by doubling showed in
        // the profile as page faults on each copy.
        let mut findings = Vec::with_capacity(per_fact.iter().map(|(f, _)| f.len()).sum());
        let mut errors = RuleErrors::default();
        for (f, e) in per_fact {
            findings.extend(f);
            for (rule_id, err) in e {
                errors.add(rule_id, err, 1);
            }
        }
        (findings, errors)
    }

    fn evaluate_fact(&self, root: &Context, fact: &Fact) -> FactOutcome {
        let mut findings = Vec::new();
        let mut errors = Vec::new();
        let rules = match self.by_kind.get(&fact.kind()) {
            Some(rules) => rules.as_slice(),
            // A secret fact has its pattern rule even without context rules.
            None if fact.kind() == FactKind::Secret => &[],
            None => return (findings, errors),
        };
        let value = match super::cel_val::fact_val(&fact.data) {
            Ok(v) => v,
            Err(e) => {
                errors.push((
                    String::new(),
                    ScanError::new(
                        "rules",
                        fact.subject.display(),
                        ErrorKind::Rule,
                        format!("fact cannot be evaluated: {e}"),
                    ),
                ));
                return (findings, errors);
            }
        };
        let mut ctx = root.new_inner_scope();
        ctx.add_variable_as_val(fact.kind().as_str(), value);
        if let FactData::Secret(secret) = &fact.data {
            let pattern = self.secret_rules.get(&secret.rule_id);
            let mut found = secret_finding(&ctx, rules, pattern, fact, secret, &mut errors);
            if let Some(finding) = found.as_mut().filter(|_| self.legacy_ids) {
                finding.legacy_ids = super::secret_findings::legacy_ids(fact, secret, pattern);
            }
            findings.extend(found);
            return (findings, errors);
        }
        // One subject for all the fact's findings, made at the first.
        let subject = std::cell::OnceCell::new();
        let subject = || subject.get_or_init(|| Arc::new(fact.subject.clone())).clone();
        for (rule, index) in rules {
            let Logic::Expression(checks) = &rule.logic else { continue };
            // `index` was taken from this rule's own checks when it was indexed.
            let Some(check) = checks.get(*index) else { continue };
            // One rule's fault costs that rule: caught here, reported under
            // its ID, and every other rule still runs on this fact.
            let outcome = crate::contain::catch(|| {
                crate::contain::test_trigger(&rule.meta.id);
                run_check(check, &ctx).map(|hits| {
                    hits.into_iter()
                        .map(|hit| make_finding(rule, check_field(check), fact, subject(), hit))
                        .collect::<Vec<_>>()
                })
            });
            match outcome {
                Ok(Ok(found)) => findings.extend(found),
                Err(description) => errors.push((
                    rule.meta.id.to_string(),
                    ScanError::new(
                        "rules",
                        &*rule.meta.id,
                        ErrorKind::Internal,
                        crate::contain::message(
                            &format!("evaluating rule {} on {}", rule.meta.id, fact.subject.display()),
                            &description,
                        ),
                    )
                    .at(Location::line(&rule.meta.path, check.line)),
                )),
                Ok(Err(msg)) => errors.push(rule_error(rule, check, fact, &msg)),
            }
        }
        (findings, errors)
    }
}

/// Evaluation errors, one per rule with a count: a broken rule over 10,000
/// workloads should read as one problem, not 10,000.
#[derive(Debug, Default)]
pub struct RuleErrors(BTreeMap<String, (ScanError, usize)>);

impl RuleErrors {
    fn add(&mut self, rule_id: String, error: ScanError, count: usize) {
        self.0.entry(rule_id).and_modify(|(_, n)| *n += count).or_insert((error, count));
    }

    /// `later`'s errors after these: the first error of a rule is kept.
    pub fn merge(&mut self, later: RuleErrors) {
        for (rule_id, (error, count)) in later.0 {
            self.add(rule_id, error, count);
        }
    }

    /// The errors as reported: the first of each rule, with how many more
    /// subjects it failed on.
    pub fn finish(self) -> Vec<ScanError> {
        self.0
            .into_values()
            .map(|(mut err, n)| {
                if n > 1 {
                    err.message = format!("{} (and {} more subjects)", err.message, n - 1);
                }
                err
            })
            .collect()
    }
}

/// A check that cannot be evaluated on a fact: the error, keyed by rule ID
/// so one broken rule reads as one problem.
pub(super) fn rule_error(rule: &Rule, check: &Check, fact: &Fact, message: &str) -> (String, ScanError) {
    let error = ScanError::new(
        "rules",
        format!("{} on {}", rule.meta.id, fact.subject.display()),
        ErrorKind::Rule,
        format!("rule cannot be evaluated: {message}"),
    )
    .at(Location::line(&rule.meta.path, check.line));
    (rule.meta.id.to_string(), error)
}

/// Runs one check against a fact value bound in `ctx`.
pub(super) fn run_check(check: &Check, ctx: &Context) -> Result<Vec<Hit>, String> {
    let value = check.program()?.execute(ctx).map_err(|e| e.to_string())?;
    hits_from_value(value)
}

/// Evaluates a single fact against a single check (inline tests).
pub(super) fn evaluate_one(check: &Check, data: &FactData, policy: &Policy) -> Result<Vec<Hit>, String> {
    let mut ctx = Context::with_env(environment());
    ctx.add_variable_from_value("policy", cel::to_value(policy).map_err(|e| e.to_string())?);
    // The conversion the engine uses, so inline tests exercise it too.
    ctx.add_variable_as_val(data.kind().as_str(), super::cel_val::fact_val(data).map_err(|e| e.to_string())?);
    run_check(check, &ctx)
}

/// Where and how a check's findings are placed and worded.
pub struct FindingShape<'a> {
    pub field: Option<&'a str>,
    pub message: Option<&'a str>,
}

fn check_field(check: &Check) -> FindingShape<'_> {
    FindingShape { field: check.field.as_deref(), message: check.message.as_deref() }
}

fn hits_from_value(value: Value) -> Result<Vec<Hit>, String> {
    match value {
        Value::Bool(true) => Ok(vec![Hit { key: None, evidence: None }]),
        Value::Bool(false) | Value::Null => Ok(Vec::new()),
        Value::List(items) => items.iter().map(hit_from_item).collect(),
        other => Err(format!("expression returned {}, expected a bool or a list", type_name(&other))),
    }
}

fn hit_from_item(item: &Value) -> Result<Hit, String> {
    match item {
        Value::Map(map) => {
            let get = |name: &str| map.map.get(&Key::String(Arc::new(name.to_string()))).map(scalar_text);
            let key = get("key").flatten();
            if key.is_none() {
                return Err("a list element map needs a `key`".into());
            }
            Ok(Hit { key, evidence: get("evidence").flatten() })
        }
        other => Ok(Hit { key: scalar_text(other), evidence: None }),
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::UInt(u) => Some(u.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => None,
        other => Some(format!("{other:?}")),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::List(_) => "a list",
        Value::Map(_) => "a map",
        Value::Int(_) | Value::UInt(_) => "an integer",
        Value::Float(_) => "a float",
        Value::String(_) => "a string",
        Value::Bytes(_) => "bytes",
        _ => "a value of another type",
    }
}

/// The display form of the folder a scan of `paths` is rooted at, for
/// [`Engine::with_id_root`]: `None` unless exactly one folder or file is
/// scanned (with several, stripping would make `a/x` and `b/x` one ID).
pub fn id_root(paths: &[std::path::PathBuf]) -> Option<String> {
    let [path] = paths else { return None };
    if path.as_os_str() == "-" {
        return None;
    }
    let folder = if path.is_file() { path.parent()?.to_path_buf() } else { path.clone() };
    let shown = crate::input::display_path(&folder);
    let trimmed = shown.trim_end_matches('/');
    // `.` is what scopes are already relative to; `/` strips nothing.
    (!matches!(trimmed, "" | ".")).then(|| trimmed.to_string())
}

/// `scope` relative to `root` when it lies under it.
fn relative_scope<'a>(scope: &'a str, root: &str) -> Option<&'a str> {
    scope.strip_prefix(root)?.strip_prefix('/').map(|rest| rest.trim_start_matches('/'))
}

/// Turns a hit into a finding: message filled in, located at the offending
/// setting when the collector recorded where it is. `subject` is what the
/// finding is reported under, shared with the fact's other findings; the
/// message and ID are made from the fact's own subject.
pub fn make_finding(rule: &Rule, shape: FindingShape<'_>, fact: &Fact, subject: Arc<Subject>, hit: Hit) -> Finding {
    let meta = &rule.meta;
    let location = locate(fact, shape.field, hit.key.as_deref());
    let with = Fill {
        subject: &fact.subject.display(),
        key: hit.key.as_deref().unwrap_or(""),
        evidence: hit.evidence.as_deref().unwrap_or(""),
    };
    let message = fill(shape.message.unwrap_or(&meta.message), &with);
    Finding {
        id: fingerprint(&meta.id, &fact.subject, hit.key.as_deref()),
        rule_id: meta.id.clone(),
        severity: meta.severity,
        title: meta.title.clone(),
        message,
        subject,
        key: hit.key,
        location,
        declared_in: fact.declared_in.clone(),
        evidence: hit.evidence,
        references: meta.references.clone(),
        remediation: meta.remediation.clone(),
        suppressed: false,
        suppression: None,
        baseline: false,
        legacy_ids: Vec::new(),
    }
}

/// `<field>.<key>`, then `<field>`, then where the subject was declared.
fn locate(fact: &Fact, field: Option<&str>, key: Option<&str>) -> Option<Location> {
    if let (Some(field), Some(key)) = (field, key) {
        if let Some(loc) = fact.locations.get(&format!("{field}.{key}")) {
            return Some(loc.clone());
        }
    }
    fact.location_of(field).cloned()
}
