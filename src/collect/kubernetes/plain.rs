//! A plain manifest file, audited as `kubectl apply -f` would send it:
//! its objects, its errors, what it holds that is not audited, and the
//! limit on how many containers one file may bring.

use crate::collect::yaml::Node;
use crate::collect::{CollectContext, Collected};
use crate::diagnostics::{ErrorKind, ScanError, Skipped};

use super::container::Where;
use super::exposure::ServicePort;
use super::objects::{self, Flattened, Object};
use super::place::Place;
use super::source::{self, Source};
use super::{audit, pod};

/// Containers audited from one file. Each becomes a workload fact that
/// every workload rule reads (about 60 KB with its findings); 100,000 in
/// one manifest took 3.5 GB. Rendered charts hold a few hundred.
pub const MAX_CONTAINERS_PER_FILE: usize = 2_000;

/// Facts and errors of one plain file.
pub fn audit(s: &Source, flat: &Flattened<'_>, ctx: &CollectContext<'_>, services: &[ServicePort<'_>]) -> Collected {
    let mut out = Collected::default();
    out.errors.extend(s.out.errors.iter().cloned());
    let syntax: Vec<ScanError> =
        s.syntax_errors.iter().map(|e| s.error(e.line, e.col, format!("invalid YAML: {}", e.message))).collect();
    if s.templated && !syntax.is_empty() {
        out.skipped.push(source::template_skip(&s.display));
        return out;
    }
    out.stats = s.out.stats;
    out.errors.extend(syntax);
    if flat.objects.is_empty()
        && flat.errors.is_empty()
        && flat.skipped.is_empty()
        && flat.kustomizations.is_empty()
        && out.errors.is_empty()
    {
        // YAML that merely mentions apiVersion and kind somewhere.
        out.stats = Default::default();
        return out;
    }
    let nameless = flat.objects.iter().any(|o| o.name == objects::NO_NAME);
    if s.templated && (!flat.errors.is_empty() || !flat.foreign.is_empty() || nameless) {
        out.skipped.push(source::template_skip(&s.display));
        out.stats = Default::default();
        return out;
    }
    let containers: usize = flat.objects.iter().map(count_containers).sum();
    if containers > MAX_CONTAINERS_PER_FILE {
        let mut error = s.error(
            1,
            1,
            format!(
                "{containers} containers in one file, over the limit of {MAX_CONTAINERS_PER_FILE} per file; \
                 the file is not audited (split it)"
            ),
        );
        error.kind = ErrorKind::Unsupported;
        out.error(error);
        return out;
    }
    for line in &flat.foreign {
        out.error(s.error(*line, 1, "document is not a Kubernetes object (no apiVersion or kind)".into()));
    }
    out.errors.extend(flat.errors.iter().map(|e| s.error(e.line, e.col, e.message.clone())));
    // kubectl (go-yaml through sigs.k8s.io/yaml) refuses a repeated key:
    // the object would never reach the cluster as written.
    for doc in &s.docs {
        for dup in doc.duplicate_keys() {
            out.error(s.error(
                dup.line,
                dup.col,
                format!(
                    "key {:?} is written twice in one mapping (first at line {}); kubectl rejects it",
                    dup.key, dup.first_line
                ),
            ));
        }
    }
    let mut not_audited = flat.skipped.clone();
    not_audited.extend(
        flat.kustomizations.iter().map(|d| {
            format!("Kustomization outside a kustomization.yaml: Kustomize does not read it (line {})", d.line)
        }),
    );
    if !not_audited.is_empty() {
        out.skipped
            .push(Skipped { path: s.display.clone(), reason: format!("not audited: {}", not_audited.join("; ")) });
    }
    let own: std::sync::Arc<str> = std::sync::Arc::from(s.display.as_str());
    let a = audit::Audit {
        at: Where { place: Place::file(&own), scope: &s.display, overlay: None },
        detector: ctx.detector,
        helm_sources: &s.helm_sources,
        services,
    };
    let mut problems = Vec::new();
    for obj in &flat.objects {
        out.facts.extend(audit::object(&a, obj, &mut problems));
    }
    out.errors.extend(problems.into_iter().map(|e| s.error(e.line, e.col, e.message)));
    out
}

/// Containers, init and ephemeral containers of an object's pod template.
pub fn count_containers(obj: &Object<'_>) -> usize {
    let Ok(Some(pod)) = pod::pod_template(obj) else { return 0 };
    pod::ContainerType::ALL
        .iter()
        .filter_map(|(_, key)| pod.spec.get(key).and_then(Node::as_seq))
        .map(<[Node]>::len)
        .sum()
}
