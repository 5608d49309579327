//! `matches()` with its regular expressions compiled once per thread.
//!
//! The cel crate compiles the pattern on every call (a third of a
//! microsecond of work becomes tens of microseconds), and the built-in
//! rules call `matches` with constant patterns on every workload, image and
//! HTTP endpoint. After compilation each `matches` call is rewritten into a
//! call to a function only this module can name (`@` cannot start an
//! identifier in CEL source), which keeps compiled patterns in a bounded
//! per-thread cache. Results and errors are the crate's own: the same
//! `regex` syntax, the same "not a valid regex" message, and "no such
//! overload" for operands that are not strings.

use std::cell::RefCell;
use std::collections::HashMap;

use cel::common::ast::{CallExpr, Expr};
use cel::common::types::{CelBool, CelString};
use cel::common::value::CowVal;
use cel::{Env, ExecutionError, IdedExpr};

const FUNCTION: &str = "@stackaudit_matches";

/// Patterns kept per thread. Built-in rules use a dozen; a user rule that
/// builds patterns from fact values could make many, so the cache is
/// emptied when full rather than growing with the input.
const CAPACITY: usize = 256;

thread_local! {
    static CACHE: RefCell<HashMap<String, regex::Regex>> = RefCell::new(HashMap::new());
}

/// Registers the cached function in the rules' environment.
pub fn register(env: &mut Env) {
    use cel::common::types::DYN_TYPE;
    // Fails only on a name clash, which the `@` prefix rules out.
    let _ = env.add_overload(FUNCTION, FUNCTION, vec![DYN_TYPE, DYN_TYPE], cached_matches);
}

/// Rewrites `s.matches(p)` and `matches(s, p)` into the cached call.
pub fn rewrite(expr: &mut IdedExpr) {
    super::ast_walk::post_order(expr, &mut |node| {
        let Expr::Call(call) = &mut node.expr else { return };
        if call.func_name != "matches" {
            return;
        }
        let operands = match (call.target.take(), call.args.len()) {
            (Some(target), 1) => {
                let mut args = std::mem::take(&mut call.args);
                args.insert(0, *target);
                args
            }
            (None, 2) => std::mem::take(&mut call.args),
            (target, _) => {
                // Not a shape the crate defines: leave it to fail as it would.
                call.target = target;
                return;
            }
        };
        *call = CallExpr { func_name: FUNCTION.into(), target: None, args: operands };
    });
}

fn cached_matches<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let (Some(text), Some(pattern)) = (args.first(), args.get(1)) else {
        return Err(ExecutionError::function_error("matches", "expects a string and a pattern"));
    };
    let (Some(text), Some(pattern)) = (text.downcast_ref::<CelString>(), pattern.downcast_ref::<CelString>()) else {
        let types = args.iter().map(|a| a.get_type().name().to_owned()).collect();
        return Err(ExecutionError::no_such_member_overload("matches", types));
    };
    let matched = CACHE.with(|cache| -> Result<bool, ExecutionError> {
        let mut cache = cache.borrow_mut();
        if let Some(re) = cache.get(pattern.inner()) {
            return Ok(re.is_match(text.inner()));
        }
        let re = regex::Regex::new(pattern.inner()).map_err(|err| ExecutionError::FunctionError {
            function: "matches".to_string(),
            message: format!("'{}' not a valid regex:\n{err}", pattern.inner()),
        })?;
        let matched = re.is_match(text.inner());
        if cache.len() >= CAPACITY {
            cache.clear();
        }
        cache.insert(pattern.inner().to_owned(), re);
        Ok(matched)
    })?;
    Ok(CowVal::owned(CelBool::from(matched)))
}

#[cfg(test)]
mod tests {
    use cel::{Context, Value};

    fn run(expr: &str) -> Result<Value, String> {
        let program = crate::rules::eval::environment().compile(expr).map_err(|e| e.to_string())?;
        let budgeted = crate::rules::budget::Budgeted::new(&program);
        let mut ctx = Context::with_env(crate::rules::eval::environment());
        ctx.add_variable_from_value("s", Value::String("nosniff".to_string().into()));
        ctx.add_variable_from_value("n", Value::Null);
        budgeted.execute(&ctx).map_err(|e| e.to_string())
    }

    #[test]
    fn gives_what_the_crate_gives() {
        let cases = [
            "s.matches('^nos')",
            "s.matches('^x')",
            "matches(s, 'sniff$')",
            "['a1', 'b', 'c2'].filter(x, x.matches('[0-9]')).size()",
            "s.matches('(foo')",
            "n.matches('a')",
            "s.matches('(?i)^\\\\s*NOSNIFF\\\\s*$') && s.matches('(?i)^\\\\s*NOSNIFF\\\\s*$')",
        ];
        for expr in cases {
            let program = crate::rules::eval::environment().compile(expr).unwrap();
            let mut ctx = Context::with_env(crate::rules::eval::environment());
            ctx.add_variable_from_value("s", Value::String("nosniff".to_string().into()));
            ctx.add_variable_from_value("n", Value::Null);
            let uncached = Value::resolve(program.expression(), &ctx).map_err(|e| e.to_string());
            let cached = run(expr);
            assert_eq!(cached, uncached, "{expr}");
        }
        assert_eq!(run("s.matches('^nos')"), Ok(Value::Bool(true)));
        assert!(run("s.matches('(foo')").unwrap_err().contains("not a valid regex"));
    }

    #[test]
    fn the_cache_stays_bounded() {
        for i in 0..(super::CAPACITY * 2) {
            let expr = format!("s.matches('^n{{1,{}}}os')", i + 1);
            assert_eq!(run(&expr), Ok(Value::Bool(true)), "{expr}");
        }
        super::CACHE.with(|c| assert!(c.borrow().len() <= super::CAPACITY));
    }
}
