//! What a document with `apiVersion` and `kind` is, before judging it: an
//! object the API server serves, a custom resource, Kustomize input, or the
//! configuration file of a Kubernetes component. Only the first is audited;
//! the others are not errors.

/// The class of a document, from its `apiVersion` and `kind`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocClass {
    /// An object of one of Kubernetes' own API groups.
    Api,
    /// A kind Kubernetes' own API group does not have (a typo the API
    /// server would reject): the kinds it does have.
    UnknownKind(&'static [&'static str]),
    /// Kustomize input: a `Kustomization` or `Component`.
    Kustomization,
    /// Not audited, with the reason shown under `skipped`.
    Skip(String),
}

pub fn classify(api_version: &str, kind: &str) -> DocClass {
    let group = match api_version.rsplit_once('/') {
        Some((group, _)) => group,
        None if is_core_version(api_version) => "",
        None if api_version == "builtin" => {
            return DocClass::Skip(format!("Kustomize built-in plugin configuration ({kind})"));
        }
        None => {
            return DocClass::Skip(format!(
                "apiVersion {api_version:?} is not a Kubernetes API version ({kind}); not a manifest stackaudit audits"
            ))
        }
    };
    if is_kustomize_group(group) {
        return match kind {
            "Kustomization" | "Component" => DocClass::Kustomization,
            _ => DocClass::Skip(format!("Kustomize or KRM function configuration ({api_version} {kind})")),
        };
    }
    if let Some(what) = component_config(group, kind) {
        return DocClass::Skip(format!(
            "{what} ({api_version} {kind}): configuration of a Kubernetes component, not an API object"
        ));
    }
    if let Some(known) = builtin_kinds(group) {
        return if known.contains(&kind) { DocClass::Api } else { DocClass::UnknownKind(known) };
    }
    if group.ends_with(".k8s.io") && !is_crd_group(group) {
        return DocClass::Api;
    }
    DocClass::Skip(format!("custom resource ({api_version} {kind}): its controller defines what it does"))
}

/// `v1`, and the versions the core group had before it.
fn is_core_version(api_version: &str) -> bool {
    matches!(api_version, "v1" | "v1beta1" | "v1beta2" | "v1beta3")
}

fn is_kustomize_group(group: &str) -> bool {
    group == "kustomize.config.k8s.io"
        || group.ends_with(".kustomize.config.k8s.io")
        || matches!(group, "config.kubernetes.io" | "fn.kpt.dev" | "kpt.dev")
}

/// Component configuration files: the kubelet's, kube-proxy's, the
/// scheduler's, kubeadm's, audit policies, kubeconfig.
fn component_config(group: &str, kind: &str) -> Option<&'static str> {
    Some(match (group, kind) {
        ("", "Config") => "kubeconfig",
        ("", "Policy") => "kube-scheduler policy",
        ("audit.k8s.io", _) => "audit policy",
        ("kubeadm.k8s.io", _) => "kubeadm configuration",
        ("client.authentication.k8s.io", _) => "client credential plugin data",
        ("apiserver.k8s.io", _) | ("eventratelimit.admission.k8s.io", _) => "API server configuration",
        (g, _) if g.ends_with(".config.k8s.io") => "component configuration",
        _ => return None,
    })
}

/// Kinds of the API groups built into Kubernetes whose kinds are all known
/// here: a kind outside these lists is a typo the API server would reject.
fn builtin_kinds(group: &str) -> Option<&'static [&'static str]> {
    Some(match group {
        "" => &[
            "Binding",
            "ComponentStatus",
            "ConfigMap",
            "Endpoints",
            "Event",
            "LimitRange",
            "Namespace",
            "Node",
            "PersistentVolume",
            "PersistentVolumeClaim",
            "Pod",
            "PodTemplate",
            "ReplicationController",
            "ResourceQuota",
            "Secret",
            "Service",
            "ServiceAccount",
        ],
        "apps" => &["ControllerRevision", "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"],
        "batch" => &["CronJob", "Job"],
        "autoscaling" => &["HorizontalPodAutoscaler"],
        "policy" => &["PodDisruptionBudget", "PodSecurityPolicy", "Eviction"],
        "networking.k8s.io" => &["Ingress", "IngressClass", "NetworkPolicy", "IPAddress", "ServiceCIDR"],
        "rbac.authorization.k8s.io" => &["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"],
        "extensions" => &["DaemonSet", "Deployment", "Ingress", "NetworkPolicy", "PodSecurityPolicy", "ReplicaSet"],
        _ => return None,
    })
}

/// `*.k8s.io` groups that are defined by CustomResourceDefinitions (Gateway
/// API, snapshots...), not by the API server.
fn is_crd_group(group: &str) -> bool {
    matches!(group, "gateway.networking.k8s.io" | "snapshot.storage.k8s.io" | "metrics.k8s.io" | "cluster.x-k8s.io")
        || group.ends_with(".x-k8s.io")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(classify("apps/v1", "Deployment"), DocClass::Api);
        assert_eq!(classify("v1", "ConfigMap"), DocClass::Api);
        assert_eq!(classify("storage.k8s.io/v1", "StorageClass"), DocClass::Api);
        assert!(matches!(classify("apps/v1", "Deploymnet"), DocClass::UnknownKind(_)));
        assert_eq!(classify("kustomize.config.k8s.io/v1beta1", "Kustomization"), DocClass::Kustomization);
        assert_eq!(classify("kustomize.config.k8s.io/v1alpha1", "Component"), DocClass::Kustomization);
        for (api, kind, says) in [
            ("builtin", "PatchTransformer", "Kustomize built-in plugin"),
            ("v1", "Config", "kubeconfig"),
            ("v1", "Policy", "kube-scheduler policy"),
            ("kubelet.config.k8s.io/v1beta1", "KubeletConfiguration", "component configuration"),
            ("kubescheduler.config.k8s.io/v1", "KubeSchedulerConfiguration", "component configuration"),
            ("audit.k8s.io/v1", "Policy", "audit policy"),
            ("kubeadm.k8s.io/v1beta3", "ClusterConfiguration", "kubeadm"),
            ("cert-manager.io/v1", "Certificate", "custom resource"),
            ("gateway.networking.k8s.io/v1", "HTTPRoute", "custom resource"),
            ("v2", "Chart", "\"v2\" is not a Kubernetes API version"),
        ] {
            match classify(api, kind) {
                DocClass::Skip(reason) => assert!(reason.contains(says), "{api} {kind}: {reason}"),
                other => panic!("{api} {kind}: {other:?}"),
            }
        }
    }
}
