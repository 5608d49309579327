//! A container's effective security settings: the pod's `securityContext`
//! applies unless the container's own overrides it, and the deprecated
//! annotations still count where no field is set.

use crate::collect::yaml::Node;
use crate::facts::workload::{User, UserSource};

use super::pod::PodTemplate;

/// A setting and the node it was read from (for the finding's line).
pub struct Sourced<'a, T> {
    pub value: T,
    pub node: Option<&'a Node>,
}

/// Looks a key up in the container's securityContext, then the pod's.
pub fn inherited<'a>(container: &'a Node, pod: &PodTemplate<'a>, key: &str) -> Option<&'a Node> {
    container
        .get("securityContext")
        .and_then(|sc| sc.get(key))
        .filter(|n| !n.is_null())
        .or_else(|| pod.security_context().and_then(|sc| sc.get(key)).filter(|n| !n.is_null()))
}

/// Who the container runs as. Without `runAsUser` or `runAsNonRoot` it runs
/// as its image's user, which a manifest cannot show: unknown until an
/// engine that has the image says.
pub fn user<'a>(container: &'a Node, pod: &PodTemplate<'a>) -> Sourced<'a, User> {
    let uid_node = inherited(container, pod, "runAsUser");
    let non_root_node = inherited(container, pod, "runAsNonRoot");
    if let Some(node) = uid_node {
        if let Some(uid) = node.as_i64() {
            let user = User {
                declared: Some(uid.to_string()),
                uid: Some(uid),
                source: UserSource::Workload,
                runs_as_root: uid == 0,
                image: None,
            };
            return Sourced { value: user, node: Some(node) };
        }
    }
    if let Some(node) = non_root_node.filter(|n| n.as_bool() == Some(true)) {
        // The kubelet refuses to start the container if the image's user is
        // root, so it never runs as root.
        let user = User { declared: None, uid: None, source: UserSource::Workload, runs_as_root: false, image: None };
        return Sourced { value: user, node: Some(node) };
    }
    // Nothing set: the image's USER decides (read from an engine later when one has it).
    let image = container.get("image").and_then(Node::as_str);
    Sourced { value: User::decided_by_image(image), node: non_root_node.or_else(|| container.get("securityContext")) }
}

/// A profile as the `type`/`localhostProfile` fields or the annotation
/// value, normalised to Docker's words: `unconfined`, `runtime/default`,
/// `localhost/<file>`.
fn profile(node: &Node) -> Option<String> {
    if let Some(text) = node.as_str() {
        return Some(text.trim().to_string());
    }
    let kind = node.get("type").and_then(Node::as_str)?;
    Some(match kind {
        "Unconfined" => "unconfined".to_string(),
        "RuntimeDefault" => "runtime/default".to_string(),
        "Localhost" => format!("localhost/{}", node.get("localhostProfile").and_then(Node::as_str).unwrap_or("")),
        other => other.to_string(),
    })
}

/// Seccomp: the container's field, its annotation, the pod's field, the
/// pod's annotation. With none of them Kubernetes runs the container
/// `Unconfined` (unless the kubelet's `seccompDefault` is turned on, which a
/// manifest cannot show).
pub fn seccomp<'a>(container: &'a Node, name: &str, pod: &PodTemplate<'a>) -> Sourced<'a, String> {
    let container_field = container.get("securityContext").and_then(|sc| sc.get("seccompProfile"));
    let container_annotation = pod.annotation(&format!("container.seccomp.security.alpha.kubernetes.io/{name}"));
    let pod_field = pod.security_context().and_then(|sc| sc.get("seccompProfile"));
    let pod_annotation = pod.annotation("seccomp.security.alpha.kubernetes.io/pod");
    for node in [container_field, container_annotation, pod_field, pod_annotation].into_iter().flatten() {
        if let Some(value) = profile(node) {
            return Sourced { value, node: Some(node) };
        }
    }
    Sourced { value: "unconfined".to_string(), node: None }
}

/// AppArmor: `appArmorProfile` (container, then pod) or the beta annotation.
/// With none, the runtime's default profile applies: `None`.
pub fn apparmor<'a>(container: &'a Node, name: &str, pod: &PodTemplate<'a>) -> Option<Sourced<'a, String>> {
    let container_field = container.get("securityContext").and_then(|sc| sc.get("appArmorProfile"));
    let annotation = pod.annotation(&format!("container.apparmor.security.beta.kubernetes.io/{name}"));
    let pod_field = pod.security_context().and_then(|sc| sc.get("appArmorProfile"));
    [container_field, annotation, pod_field]
        .into_iter()
        .flatten()
        .find_map(|node| profile(node).map(|value| Sourced { value, node: Some(node) }))
}

/// SELinux type, when set.
pub fn selinux<'a>(container: &'a Node, pod: &PodTemplate<'a>) -> Option<Sourced<'a, String>> {
    let node = inherited(container, pod, "seLinuxOptions")?;
    let parts: Vec<&str> =
        ["user", "role", "type", "level"].iter().filter_map(|k| node.get(k).and_then(Node::as_str)).collect();
    (!parts.is_empty()).then(|| Sourced { value: parts.join(":"), node: Some(node) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::yaml::parse_single;

    fn template(doc: &Node) -> PodTemplate<'_> {
        PodTemplate {
            meta: doc.get("metadata"),
            spec: doc.get("spec").unwrap(),
            run_to_completion: false,
            claim_templates: &[],
        }
    }

    #[test]
    fn container_overrides_pod_user() {
        let doc = parse_single(
            "metadata: {}\nspec:\n  securityContext: {runAsUser: 1001, runAsNonRoot: true}\n  containers:\n  - name: a\n    securityContext: {runAsUser: 0}\n  - name: b\n",
        )
        .unwrap();
        let pod = template(&doc);
        let containers = pod.spec.get("containers").unwrap().as_seq().unwrap();
        let a = user(&containers[0], &pod);
        assert!(a.value.runs_as_root);
        assert_eq!(a.node.unwrap().line, 6);
        let b = user(&containers[1], &pod);
        assert!(!b.value.runs_as_root);
        assert_eq!(b.value.uid, Some(1001));
    }

    #[test]
    fn non_root_without_uid_and_nothing_at_all() {
        let doc =
            parse_single("spec:\n  containers:\n  - name: a\n    securityContext: {runAsNonRoot: true}\n  - name: b\n")
                .unwrap();
        let pod = template(&doc);
        let containers = pod.spec.get("containers").unwrap().as_seq().unwrap();
        assert!(!user(&containers[0], &pod).value.runs_as_root);
        let b = user(&containers[1], &pod).value;
        assert!(!b.runs_as_root, "the image decides: unknown, not root");
        assert_eq!(b.source, UserSource::Unknown);
    }

    #[test]
    fn seccomp_order_and_default() {
        let doc = parse_single(
            "metadata:\n  annotations:\n    seccomp.security.alpha.kubernetes.io/pod: runtime/default\n    container.seccomp.security.alpha.kubernetes.io/b: unconfined\nspec:\n  containers:\n  - name: a\n  - name: b\n  - name: c\n    securityContext:\n      seccompProfile: {type: Localhost, localhostProfile: p.json}\n",
        )
        .unwrap();
        let pod = template(&doc);
        let c = pod.spec.get("containers").unwrap().as_seq().unwrap();
        assert_eq!(seccomp(&c[0], "a", &pod).value, "runtime/default");
        assert_eq!(seccomp(&c[1], "b", &pod).value, "unconfined");
        assert_eq!(seccomp(&c[2], "c", &pod).value, "localhost/p.json");
        let bare = parse_single("spec:\n  containers:\n  - name: a\n").unwrap();
        let bare_pod = template(&bare);
        let a = &bare_pod.spec.get("containers").unwrap().as_seq().unwrap()[0];
        assert_eq!(seccomp(a, "a", &bare_pod).value, "unconfined");
    }
}
