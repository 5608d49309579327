//! JSON 6902 patches (`- op: replace`, `path: /spec/replicas`, `value:
//! 3`), the other patch format Kustomize applies: add, remove, replace,
//! move, copy and test on JSON pointers. Values keep the positions they
//! have in the patch, so findings point at the operation that set them.

use crate::collect::yaml::{Node, NodeKind};

/// Applies `ops` (a sequence of operations) to `target`; on an operation
/// Kustomize would refuse, nothing is changed and the reason is returned.
pub fn apply(target: &Node, ops: &Node) -> Result<Node, String> {
    let Some(ops) = ops.as_seq() else { return Err("a JSON 6902 patch is a list of operations".into()) };
    let mut out = target.clone();
    for op in ops {
        let name = op.get("op").and_then(Node::as_str).ok_or("an operation without `op`")?;
        let path = pointer(op.get("path").and_then(Node::as_str).ok_or_else(|| format!("`{name}` without `path`"))?)?;
        let from = || -> Result<Vec<String>, String> {
            pointer(op.get("from").and_then(Node::as_str).ok_or_else(|| format!("`{name}` without `from`"))?)
        };
        let value = || op.get("value").cloned().ok_or_else(|| format!("`{name}` without `value`"));
        match name {
            "add" => add(&mut out, &path, value()?)?,
            "remove" => {
                remove(&mut out, &path)?;
            }
            "replace" => {
                remove(&mut out, &path)?;
                add(&mut out, &path, value()?)?;
            }
            "move" => {
                let moved = remove(&mut out, &from()?)?;
                add(&mut out, &path, moved)?;
            }
            "copy" => {
                let copied = get(&out, &from()?).cloned().ok_or("`copy` from a path that does not exist")?;
                add(&mut out, &path, copied)?;
            }
            "test" => {
                let here = get(&out, &path).map(Node::to_json);
                if here != Some(value()?.to_json()) {
                    return Err(format!("`test` failed at {}", path.join("/")));
                }
            }
            other => return Err(format!("unknown operation {other:?}")),
        }
    }
    Ok(out)
}

/// `/spec/containers/0/image` as its tokens (`~1` is `/`, `~0` is `~`).
fn pointer(text: &str) -> Result<Vec<String>, String> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let rest = text.strip_prefix('/').ok_or_else(|| format!("JSON pointer {text:?} does not start with /"))?;
    Ok(rest.split('/').map(|t| t.replace("~1", "/").replace("~0", "~")).collect())
}

fn get<'n>(node: &'n Node, path: &[String]) -> Option<&'n Node> {
    path.iter().try_fold(node, |n, token| match &n.kind {
        NodeKind::Map(_) => n.get(token),
        NodeKind::Seq(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
        NodeKind::Scalar(_) => None,
    })
}

fn get_mut<'n>(node: &'n mut Node, path: &[String]) -> Option<&'n mut Node> {
    let Some((first, rest)) = path.split_first() else { return Some(node) };
    let child = match &mut node.kind {
        NodeKind::Map(entries) => entries.iter_mut().rev().find(|(k, _)| k.as_str() == Some(first)).map(|(_, v)| v),
        NodeKind::Seq(items) => first.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
        NodeKind::Scalar(_) => None,
    }?;
    get_mut(child, rest)
}

fn add(root: &mut Node, path: &[String], value: Node) -> Result<(), String> {
    let Some((last, parent_path)) = path.split_last() else {
        *root = value;
        return Ok(());
    };
    let parent = get_mut(root, parent_path).ok_or_else(|| format!("no {} to add to", parent_path.join("/")))?;
    let at = (parent.line, parent.col, parent.source);
    match &mut parent.kind {
        NodeKind::Map(entries) => {
            match entries.iter_mut().rev().find(|(k, _)| k.as_str() == Some(last)) {
                Some((_, v)) => *v = value,
                None => {
                    let mut key = Node::null(value.line, value.col);
                    key.source = value.source;
                    key.kind = NodeKind::Scalar(crate::collect::yaml::Scalar {
                        text: last.clone(),
                        plain: true,
                        style: crate::collect::yaml::Style::Plain,
                    });
                    entries.push((key, value));
                }
            }
            Ok(())
        }
        NodeKind::Seq(items) => {
            let index = if last == "-" {
                items.len()
            } else {
                last.parse::<usize>().map_err(|_| format!("{last:?} is not an index"))?
            };
            if index > items.len() {
                return Err(format!("index {index} is past the end of {}", parent_path.join("/")));
            }
            items.insert(index, value);
            Ok(())
        }
        NodeKind::Scalar(_) => Err(format!("cannot add under a scalar (line {})", at.0)),
    }
}

fn remove(root: &mut Node, path: &[String]) -> Result<Node, String> {
    let (last, parent_path) = path.split_last().ok_or("cannot remove the whole object")?;
    let parent = get_mut(root, parent_path).ok_or_else(|| format!("no {} to remove from", parent_path.join("/")))?;
    match &mut parent.kind {
        NodeKind::Map(entries) => {
            let i = entries
                .iter()
                .rposition(|(k, _)| k.as_str() == Some(last))
                .ok_or_else(|| format!("no {last:?} to remove"))?;
            Ok(entries.remove(i).1)
        }
        NodeKind::Seq(items) => {
            let i = last
                .parse::<usize>()
                .ok()
                .filter(|i| *i < items.len())
                .ok_or_else(|| format!("no item {last} to remove"))?;
            Ok(items.remove(i))
        }
        NodeKind::Scalar(_) => Err("cannot remove under a scalar".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::yaml::parse_single;

    #[test]
    fn operations() {
        let target = parse_single(
            "spec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: app\n        image: app:1\n",
        )
        .unwrap();
        let mut ops = parse_single(
            "- op: replace\n  path: /spec/replicas\n  value: 3\n- op: add\n  path: /spec/template/spec/containers/0/securityContext\n  value: {privileged: true}\n- op: add\n  path: /metadata\n  value: {annotations: {a~b: c}}\n- op: test\n  path: /spec/replicas\n  value: 3\n- op: copy\n  from: /spec/template/spec/containers/0\n  path: /spec/template/spec/containers/-\n- op: remove\n  path: /spec/template/spec/containers/1/image\n",
        )
        .unwrap();
        ops.set_source(3);
        let out = apply(&target, &ops).unwrap();
        let replicas = out.path(&["spec", "replicas"]).unwrap();
        assert_eq!((replicas.as_i64(), replicas.source, replicas.line), (Some(3), 3, 3));
        let containers = out.path(&["spec", "template", "spec", "containers"]).unwrap().as_seq().unwrap();
        assert_eq!(containers[0].path(&["securityContext", "privileged"]).unwrap().as_bool(), Some(true));
        assert!(containers[1].get("image").is_none());
        assert_eq!(containers[0].get("image").unwrap().as_str(), Some("app:1"));
        let bad = parse_single("- op: replace\n  path: /spec/nothing/here\n  value: 1\n").unwrap();
        assert!(apply(&target, &bad).is_err());
        let failing_test = parse_single("- op: test\n  path: /spec/replicas\n  value: 2\n").unwrap();
        assert!(apply(&target, &failing_test).is_err());
    }
}
