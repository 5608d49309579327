//! Kubernetes manifests: every container of every pod-running object becomes
//! a `workload` fact (the same model as compose services, so the same rules
//! fire), its image an `image` fact, and every object a `kubernetes_object`
//! fact for the checks only Kubernetes has.
//!
//! Files are read in parallel; objects that refer to each other (an
//! autoscaler and its Deployment, a pod and its ServiceAccount) are matched
//! once every file is read.

mod container;
mod detect;
mod object_fact;
mod objects;
mod pod;
mod quantity;
mod security;

use rayon::prelude::*;

use super::files::{DiscoveredFile, Discovery};
use super::text::{read_text, ReadError};
use super::yaml::{self, Node};
use super::{CollectContext, Collected};
use crate::diagnostics::{ErrorKind, ScanError, Skipped};
use crate::facts::Location;

pub use detect::is_compose_name;

const SOURCE: &str = "kubernetes";
/// What is read of an oversized file to decide whether it is a manifest.
const SNIFF_BYTES: usize = 64 * 1024;
const STDIN: &str = "<stdin>";

pub fn collect(discovery: &Discovery, ctx: &CollectContext<'_>) -> Collected {
    let limit = ctx.config.scan.max_config_bytes;
    let candidates: Vec<&DiscoveredFile> = discovery.files.iter().filter(|f| detect::is_candidate(f)).collect();
    let parts: Vec<Collected> = candidates.par_iter().map(|f| collect_file(f, limit, ctx)).collect();
    let mut out = Collected::default();
    for part in parts {
        out.merge(part);
    }
    if let Some(text) = &discovery.stdin {
        if text.trim().is_empty() {
            out.error(ScanError::new(
                SOURCE,
                STDIN,
                ErrorKind::Malformed,
                "standard input is empty: nothing to audit (did the command piping into `stackaudit scan -` fail?)",
            ));
        } else {
            out.merge(collect_text(STDIN, text, ctx));
        }
    }
    object_fact::resolve(&mut out.facts);
    out
}

fn collect_file(file: &DiscoveredFile, limit: u64, ctx: &CollectContext<'_>) -> Collected {
    let mut out = Collected::default();
    match read_text(&file.path, limit) {
        Ok(text) => out = collect_text(&file.display, &text, ctx),
        Err(ReadError::TooLarge { size, limit }) => {
            // Only a manifest is worth an error; a large data file is not ours.
            if sniff(&file.path).is_some_and(|head| detect::looks_like_manifest(&head)) {
                out.error(ReadError::TooLarge { size, limit }.into_scan_error(SOURCE, &file.display));
            }
        }
        Err(e @ (ReadError::Binary | ReadError::NotUtf8(_))) => {
            if file.explicit {
                out.error(e.into_scan_error(SOURCE, &file.display));
            }
        }
        Err(e) => out.error(e.into_scan_error(SOURCE, &file.display)),
    }
    out
}

fn sniff(path: &std::path::Path) -> Option<String> {
    use std::io::Read;
    let mut buf = vec![0; SNIFF_BYTES];
    let n = std::fs::File::open(path).and_then(|mut f| f.read(&mut buf)).ok()?;
    buf.truncate(n);
    Some(String::from_utf8_lossy(&buf).into_owned())
}

/// Audits the manifests in one text (a file or standard input).
fn collect_text(display: &str, text: &str, ctx: &CollectContext<'_>) -> Collected {
    let mut out = Collected::default();
    if !detect::looks_like_manifest(text) {
        return out;
    }
    let error = |line: u32, col: u32, message: String| {
        ScanError::new(SOURCE, display, ErrorKind::Malformed, message).at(Location::at(display, line, col))
    };
    // Helm/Go templates are YAML only once rendered; a template that happens
    // to parse still holds `{{ }}` where names and values should be.
    let templated = display != STDIN && detect::has_template_syntax(text);
    let skip_template = |out: &mut Collected| {
        out.skipped.push(Skipped {
            path: display.to_string(),
            reason: "Helm/Go template syntax: render it first (`helm template CHART | stackaudit scan -`)".into(),
        });
    };
    let docs = match yaml::parse_documents(text) {
        Ok(docs) => docs,
        Err(_) if templated => {
            skip_template(&mut out);
            return out;
        }
        // One broken document should not hide the others: parse them one
        // by one and report the broken ones.
        Err(_) => {
            let (docs, errors) = parse_each_document(text);
            out.errors.extend(errors.into_iter().map(|e| error(e.line, e.col, format!("invalid YAML: {}", e.message))));
            docs
        }
    };
    out.stats.files = 1;
    out.stats.bytes = text.len() as u64;

    let mut flat = objects::Flattened::default();
    for doc in &docs {
        objects::flatten(doc, &mut flat);
    }
    if flat.objects.is_empty() && flat.errors.is_empty() && flat.custom.is_empty() && out.errors.is_empty() {
        // YAML that merely mentions apiVersion and kind somewhere.
        out.stats = Default::default();
        return out;
    }
    if templated && (!flat.errors.is_empty() || !flat.foreign.is_empty()) {
        skip_template(&mut out);
        out.stats = Default::default();
        return out;
    }
    for line in &flat.foreign {
        out.error(error(*line, 1, "document is not a Kubernetes object (no apiVersion or kind)".into()));
    }
    out.errors.extend(flat.errors.iter().map(|e| error(e.line, e.col, e.message.clone())));
    if !flat.custom.is_empty() {
        out.skipped.push(Skipped {
            path: display.to_string(),
            reason: format!("custom resources are not audited: {}", flat.custom.join(", ")),
        });
    }

    let helm_sources = detect::helm_sources(text);
    let mut problems = Vec::new();
    for obj in &flat.objects {
        let helm_source = detect::helm_source_for(&helm_sources, obj.line);
        let pod = match pod::pod_template(obj) {
            Ok(pod) => pod,
            Err(e) => {
                problems.push(e);
                None
            }
        };
        out.facts.push(object_fact::object_fact(display, obj, pod.as_ref(), helm_source));
        let Some(pod) = pod else { continue };
        let mut containers = 0;
        for (container_type, key) in pod::ContainerType::ALL {
            let Some(list) = pod.spec.get(key).filter(|n| !n.is_null()) else { continue };
            let Some(items) = list.as_seq() else {
                problems.push(objects::ObjectError {
                    line: list.line,
                    col: list.col,
                    message: format!("{key} of {} must be a sequence", obj.reference()),
                });
                continue;
            };
            for node in items {
                containers += usize::from(container_type == pod::ContainerType::Container);
                let input = container::ContainerInput {
                    display,
                    object: obj,
                    pod: &pod,
                    node,
                    container_type,
                    detector: ctx.detector,
                    helm_source,
                };
                out.facts.extend(container::container_facts(&input, &mut problems));
            }
        }
        if containers == 0 {
            problems.push(objects::ObjectError {
                line: pod.spec.line,
                col: pod.spec.col,
                message: format!("{} has no containers", obj.reference()),
            });
        }
    }
    out.errors.extend(problems.into_iter().map(|e| error(e.line, e.col, e.message)));
    out
}

/// Parses the documents of a stream one at a time (split at `---` lines),
/// keeping the good ones and the error of each bad one, with file lines.
fn parse_each_document(text: &str) -> (Vec<Node>, Vec<yaml::YamlError>) {
    let mut docs = Vec::new();
    let mut errors = Vec::new();
    let mut start = 0usize;
    let mut first_line = 1u32;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut offset = 0usize;
    let mut chunks = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if i > 0 && (line.trim_end() == "---" || line.starts_with("--- ")) {
            chunks.push((first_line, &text[start..offset]));
            start = offset;
            first_line = i as u32 + 1;
        }
        offset += line.len();
    }
    chunks.push((first_line, &text[start..]));
    for (line, chunk) in chunks {
        match yaml::parse_documents(chunk) {
            Ok(parsed) => docs.extend(parsed.into_iter().map(|mut d| {
                shift_lines(&mut d, line - 1);
                d
            })),
            Err(mut e) => {
                e.line += line - 1;
                errors.push(e);
            }
        }
    }
    (docs, errors)
}

fn shift_lines(node: &mut Node, by: u32) {
    node.line += by;
    match &mut node.kind {
        yaml::NodeKind::Scalar(_) => {}
        yaml::NodeKind::Seq(items) => items.iter_mut().for_each(|n| shift_lines(n, by)),
        yaml::NodeKind::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            shift_lines(k, by);
            shift_lines(v, by);
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_documents_do_not_hide_good_ones() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\napiVersion: v1\nkind: [unclosed\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\n";
        let (docs, errors) = parse_each_document(text);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].get("kind").unwrap().line, 9);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].line >= 6, "{:?}", errors[0]);
    }
}
