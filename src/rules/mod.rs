//! Rules are data: TOML files under `rules/` (built in) and any folder given
//! with `--rules`. Each holds metadata, either a CEL expression over one kind
//! of fact or a secret pattern, and inline tests that must pass.

mod ast_walk;
mod budget;
mod cached_regex;
mod cel_val;
mod eval;
mod load;
mod model;
pub mod pattern;
mod secret_findings;
mod selftest;
mod template;

pub use budget::MAX_STEPS as MAX_EVAL_STEPS;
pub use eval::{id_root, make_finding, Engine, FindingShape, Hit, RuleErrors};
pub use load::{builtin_sources, load_dir, load_rule_source, RuleSet};
pub use model::{Check, CheckFile, Logic, Rule, RuleFile, RuleMeta, RuleTest};
pub use selftest::{run_all as self_test_all, self_test, TestFailure};
