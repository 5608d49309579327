//! An evaluation budget for CEL expressions. A rule from `--rules` is code
//! from whoever wrote it: nested comprehensions over a big list (or over
//! `lists.range(1000000)`) would run for hours, and the cel crate has no
//! cost limit or cancellation of its own.
//!
//! Every comprehension's range is wrapped, after compilation, in a call to
//! a function only this module can name (`@` cannot start an identifier in
//! CEL source), which charges the range's length to a per-evaluation
//! counter before the loop runs. The sum of the ranges' lengths is the
//! number of loop steps, so nested loops are charged what they cost, and
//! the expression stops with an error before doing the work it cannot
//! afford. Wrapping the range leaves the loop itself as the crate compiled
//! it (its fast path for `map`/`filter` included).

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

use cel::common::ast::{CallExpr, Expr};
use cel::common::value::CowVal;
use cel::ExecutionError;
use cel::{Context, Env, IdedExpr, ResolveResult, Value};

/// Loop steps one expression may take over one fact: the built-in rules
/// take a few thousand at most on the largest real manifests; this lets a
/// user rule loop over 1,000 items twice nested, and stops three levels.
pub const MAX_STEPS: u64 = 1_000_000;

const FUNCTION: &str = "@stackaudit_budget";

thread_local! {
    /// Steps left to the evaluation running on this thread. Evaluation is
    /// synchronous, so one counter per thread is one per evaluation.
    static LEFT: Cell<u64> = const { Cell::new(MAX_STEPS) };
}

/// Registers the charging function in the rules' environment.
pub fn register(env: &mut Env) {
    // Fails only on a name clash, which the `@` prefix rules out.
    let _ = env.add_overload(FUNCTION, FUNCTION, vec![cel::common::types::DYN_TYPE], charge);
}

fn charge<'b, 'v>(mut args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let Some(range) = args.pop() else {
        return Err(ExecutionError::function_error(FUNCTION, "no range"));
    };
    let steps = range.as_sizer().map(|s| (*s.size().inner()).max(0) as u64).unwrap_or(1);
    LEFT.with(|left| match left.get().checked_sub(steps) {
        Some(rest) => {
            left.set(rest);
            Ok(range)
        }
        None => {
            left.set(0);
            Err(over_budget())
        }
    })
}

fn over_budget() -> ExecutionError {
    ExecutionError::function_error(
        "evaluation budget",
        format!(
            "the expression needs more than {MAX_STEPS} comprehension steps on one subject (nested loops over large lists?)"
        ),
    )
}

/// A compiled expression whose comprehensions charge the budget.
pub struct Budgeted {
    expr: IdedExpr,
    /// Set once the expression ran out of budget on one subject: it is not
    /// run again, so 10,000 subjects cost one budget, not 10,000.
    exhausted: AtomicBool,
}

impl Budgeted {
    pub fn new(program: &cel::Program) -> Self {
        let mut expr = program.expression().clone();
        wrap_ranges(&mut expr);
        super::cached_regex::rewrite(&mut expr);
        Self { expr, exhausted: AtomicBool::new(false) }
    }

    /// Evaluates with a full budget.
    pub fn execute(&self, ctx: &Context) -> ResolveResult {
        if self.exhausted.load(Ordering::Relaxed) {
            return Err(over_budget());
        }
        LEFT.with(|left| left.set(MAX_STEPS));
        let result = Value::resolve(&self.expr, ctx);
        if result.is_err() && LEFT.with(Cell::get) == 0 {
            self.exhausted.store(true, Ordering::Relaxed);
        }
        result
    }
}

fn wrap_ranges(e: &mut IdedExpr) {
    super::ast_walk::post_order(e, &mut |node| {
        if let Expr::Comprehension(c) = &mut node.expr {
            let range = std::mem::take(&mut c.iter_range);
            c.iter_range = IdedExpr {
                id: range.id,
                expr: Expr::Call(CallExpr { func_name: FUNCTION.into(), target: None, args: vec![range] }),
            };
        }
    });
}
