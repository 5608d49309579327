//! Running the inline tests every rule carries. `stackaudit rules test` and
//! the test suite both use this, so a rule that ships has been shown to fire
//! on its examples and stay quiet on its counter-examples.

use std::collections::BTreeSet;

use crate::config::Policy;
use crate::facts::FactData;

use super::eval::evaluate_one;
use super::model::{Check, Logic, Rule};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestFailure {
    pub rule_id: String,
    pub path: String,
    pub test: String,
    pub message: String,
    /// The rule could not be evaluated (over its evaluation budget, a
    /// runtime error): a broken rule, not a wrong verdict.
    pub broken: bool,
}

impl std::fmt::Display for TestFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}: {}", self.rule_id, self.path, self.test, self.message)
    }
}

/// Runs one rule's tests. A rule must have at least one example that fires
/// and one that does not.
pub fn self_test(rule: &Rule) -> Vec<TestFailure> {
    let fail = |test: &str, message: String| TestFailure {
        rule_id: rule.meta.id.to_string(),
        path: rule.meta.path.clone(),
        test: test.to_string(),
        message,
        broken: false,
    };
    let mut failures = Vec::new();
    match &rule.logic {
        Logic::Secret(pattern) => {
            if pattern.spec.examples.is_empty() || pattern.spec.negative_examples.is_empty() {
                failures.push(fail("coverage", "a secret rule needs `examples` and `negative_examples`".into()));
            }
            failures.extend(pattern.self_test().into_iter().map(|m| fail("examples", m)));
        }
        Logic::Expression(checks) => {
            for check in checks {
                let (mut positive, mut negative) = (false, false);
                for test in &check.tests {
                    match run_test(check, test) {
                        Ok(fired) => {
                            positive |= fired;
                            negative |= !fired;
                        }
                        Err(TestError::Wrong(message)) => failures.push(fail(&test.name, message)),
                        Err(TestError::Broken(message)) => {
                            failures.push(TestFailure { broken: true, ..fail(&test.name, message) })
                        }
                    }
                }
                if !positive || !negative {
                    failures.push(fail(
                        &format!("coverage ({})", check.kind),
                        "each check needs at least one test where it fires and one where it does not".into(),
                    ));
                }
            }
        }
    }
    failures
}

/// Runs one test; `Ok(fired)` when the verdict is as expected.
fn run_test(check: &Check, test: &super::model::RuleTest) -> Result<bool, TestError> {
    let hits = match evaluate_test(check, test)? {
        Ok(hits) => hits,
        Err(e) => return Err(TestError::Broken(format!("evaluation failed: {e}"))),
    };
    verdict(test, &hits).map_err(TestError::Wrong)
}

enum TestError {
    Wrong(String),
    Broken(String),
}

/// The test's hits; the outer error is a test that cannot be set up, the
/// inner one an expression that cannot be evaluated.
fn evaluate_test(
    check: &Check,
    test: &super::model::RuleTest,
) -> Result<Result<Vec<super::eval::Hit>, String>, TestError> {
    let data = FactData::from_partial(check.kind, test.fact.clone())
        .map_err(|e| TestError::Wrong(format!("test fact is not a valid {}: {}", check.kind, e.message())))?;
    let policy = match &test.policy {
        None => Policy::default(),
        Some(overrides) => merged_policy(overrides).map_err(TestError::Wrong)?,
    };
    Ok(evaluate_one(check, &data, &policy))
}

fn verdict(test: &super::model::RuleTest, hits: &[super::eval::Hit]) -> Result<bool, String> {
    let fired = !hits.is_empty();
    if let Some(expected) = &test.expect_keys {
        let got: BTreeSet<String> = hits.iter().filter_map(|h| h.key.clone()).collect();
        let want: BTreeSet<String> = expected.iter().cloned().collect();
        if got != want {
            return Err(format!("expected keys {want:?}, got {got:?}"));
        }
        return Ok(fired);
    }
    match test.expect {
        Some(expect) if expect == fired => Ok(fired),
        Some(expect) => Err(format!(
            "expected the rule to {}fire, it did{}",
            if expect { "" } else { "not " },
            if fired { "" } else { " not" }
        )),
        None => Err("a test needs `expect` or `expect_keys`".into()),
    }
}

fn merged_policy(overrides: &toml::Value) -> Result<Policy, String> {
    let mut base = toml::Value::try_from(Policy::default()).map_err(|e| e.to_string())?;
    if let (Some(base), Some(over)) = (base.as_table_mut(), overrides.as_table()) {
        for (k, v) in over {
            base.insert(k.clone(), v.clone());
        }
    }
    base.try_into().map_err(|e: toml::de::Error| format!("test policy is invalid: {}", e.message()))
}

/// Runs the tests of every rule in the set.
pub fn run_all(rules: &super::RuleSet) -> Vec<TestFailure> {
    rules.rules.iter().flat_map(|r| self_test(r)).collect()
}
