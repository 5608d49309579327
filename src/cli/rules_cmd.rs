//! `stackaudit rules list | explain | test`.

use std::path::PathBuf;

use anyhow::bail;

use super::args::RulesCommand;
use crate::gate::{EXIT_ERROR, EXIT_FINDINGS};
use crate::rules::{self_test_all, Logic, RuleSet};

fn load(dirs: &[PathBuf]) -> RuleSet {
    let mut set = RuleSet::builtin();
    for dir in dirs {
        set.add_dir(dir);
    }
    set
}

fn report_load_errors(set: &RuleSet) -> bool {
    for e in &set.errors {
        match &e.location {
            Some(loc) => eprintln!("error: {loc}: {}", e.message),
            None => eprintln!("error: {}: {}", e.target, e.message),
        }
    }
    !set.errors.is_empty()
}

pub fn run(cmd: RulesCommand) -> anyhow::Result<u8> {
    match cmd {
        RulesCommand::List(src) => {
            let set = load(&src.rule_dirs);
            let broken = report_load_errors(&set);
            let mut rules: Vec<_> = set.rules.iter().collect();
            rules.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
            let width = rules.iter().map(|r| r.meta.id.len()).max().unwrap_or(0);
            for r in rules {
                let kinds: Vec<&str> = r.kinds().iter().map(|k| k.as_str()).collect();
                println!("{:<width$}  {:<8}  {:<17}  {}", r.meta.id, r.meta.severity, kinds.join(","), r.meta.title);
            }
            Ok(if broken { EXIT_ERROR } else { 0 })
        }
        RulesCommand::Explain { id, source } => {
            let set = load(&source.rule_dirs);
            let Some(rule) = set.get(&id) else {
                bail!("no rule {id:?}; `stackaudit rules list` shows every rule");
            };
            let m = &rule.meta;
            println!("{} — {}\n", m.id, m.title);
            let kinds: Vec<&str> = rule.kinds().iter().map(|k| k.as_str()).collect();
            println!("severity:   {}\napplies to: {} facts\ndefined in: {}\n", m.severity, kinds.join(", "), m.path);
            println!("Why it matters\n  {}\n", m.rationale.trim().replace('\n', "\n  "));
            println!("How to fix\n  {}\n", m.remediation.trim().replace('\n', "\n  "));
            if !m.references.is_empty() {
                println!("References");
                for r in m.references.iter() {
                    println!("  - {r}");
                }
                println!();
            }
            match &rule.logic {
                Logic::Expression(checks) => {
                    for c in checks {
                        println!("Expression over {} facts\n  {}\n", c.kind, c.source.trim().replace('\n', "\n  "));
                    }
                }
                Logic::Secret(p) => println!("Pattern\n  {}", p.spec.pattern),
            }
            Ok(0)
        }
        RulesCommand::Test { dir } => {
            let set = match &dir {
                Some(d) => {
                    let mut s = RuleSet::default();
                    s.add_dir(d);
                    s
                }
                None => RuleSet::builtin(),
            };
            let broken = report_load_errors(&set);
            let failures = self_test_all(&set);
            for f in &failures {
                eprintln!("FAIL {f}");
            }
            let tests: usize = set.rules.iter().map(|r| r.test_count()).sum();
            println!("{} rules, {} tests, {} failures", set.rules.len(), tests, failures.len());
            Ok(if broken || failures.iter().any(|f| f.broken) {
                EXIT_ERROR
            } else if failures.is_empty() {
                0
            } else {
                EXIT_FINDINGS
            })
        }
    }
}
