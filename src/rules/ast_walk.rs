//! A bounded post-order walk over a compiled CEL expression, for the
//! rewrites applied after compilation (the evaluation budget, cached
//! regular expressions).

use cel::common::ast::{EntryExpr, Expr, IdedEntryExpr};
use cel::IdedExpr;

/// The parser bounds expression depth (96); this bound only keeps the walk
/// safe should that change.
const MAX_DEPTH: usize = 256;

/// Calls `visit` on every node, children before their parent.
pub fn post_order(e: &mut IdedExpr, visit: &mut impl FnMut(&mut IdedExpr)) {
    walk(e, 0, visit);
}

fn walk(e: &mut IdedExpr, depth: usize, visit: &mut impl FnMut(&mut IdedExpr)) {
    if depth > MAX_DEPTH {
        return;
    }
    let d = depth + 1;
    match &mut e.expr {
        Expr::Comprehension(c) => {
            for part in [&mut c.iter_range, &mut c.accu_init, &mut c.loop_cond, &mut c.loop_step, &mut c.result] {
                walk(part, d, visit);
            }
        }
        Expr::Call(call) => {
            if let Some(t) = &mut call.target {
                walk(t, d, visit);
            }
            for a in &mut call.args {
                walk(a, d, visit);
            }
        }
        Expr::List(list) => {
            for el in &mut list.elements {
                walk(el, d, visit);
            }
        }
        Expr::Map(map) => {
            for entry in &mut map.entries {
                walk_entry(entry, d, visit);
            }
        }
        Expr::Select(select) => walk(&mut select.operand, d, visit),
        Expr::Struct(s) => {
            for entry in &mut s.entries {
                walk_entry(entry, d, visit);
            }
        }
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
    visit(e);
}

fn walk_entry(entry: &mut IdedEntryExpr, depth: usize, visit: &mut impl FnMut(&mut IdedExpr)) {
    match &mut entry.expr {
        EntryExpr::StructField(f) => walk(&mut f.value, depth, visit),
        EntryExpr::MapEntry(m) => {
            walk(&mut m.key, depth, visit);
            walk(&mut m.value, depth, visit);
        }
    }
}
