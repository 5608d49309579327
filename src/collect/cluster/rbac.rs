//! Which roles each ServiceAccount holds, from the cluster's bindings: the
//! account directly, or every account of a namespace (or of the cluster)
//! through the `system:serviceaccounts[:<namespace>]` groups.

use std::collections::{BTreeMap, HashMap};

use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject};

use crate::facts::kubernetes_service_account::{KubernetesServiceAccount, RoleGrant};

/// The RBAC objects of a cluster.
#[derive(Debug, Default)]
pub struct Rbac {
    pub cluster_roles: Vec<ClusterRole>,
    pub roles: Vec<Role>,
    pub cluster_role_bindings: Vec<ClusterRoleBinding>,
    pub role_bindings: Vec<RoleBinding>,
}

const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

pub fn is_system_namespace(ns: &str) -> bool {
    SYSTEM_NAMESPACES.contains(&ns)
}

impl Rbac {
    /// One fact per account (or account group) bound to at least one role.
    /// `used_by` maps `(namespace, account)` to the workloads running as it.
    pub fn service_accounts(
        &self,
        cluster: &str,
        used_by: &HashMap<(String, String), Vec<String>>,
    ) -> Vec<KubernetesServiceAccount> {
        let cluster_roles: HashMap<&str, &[PolicyRule]> = self
            .cluster_roles
            .iter()
            .filter_map(|r| Some((r.metadata.name.as_deref()?, r.rules.as_deref().unwrap_or_default())))
            .collect();
        let roles: HashMap<(&str, &str), &[PolicyRule]> = self
            .roles
            .iter()
            .filter_map(|r| {
                Some((
                    (r.metadata.namespace.as_deref()?, r.metadata.name.as_deref()?),
                    r.rules.as_deref().unwrap_or_default(),
                ))
            })
            .collect();
        let mut accounts: BTreeMap<(String, String), Vec<RoleGrant>> = BTreeMap::new();
        let mut grant = |binding: String, binding_ns: Option<&str>, role_ref: &RoleRef, subjects: &[Subject]| {
            let (role, rules) = match (role_ref.kind.as_str(), binding_ns) {
                ("Role", Some(ns)) => {
                    (format!("Role/{ns}/{}", role_ref.name), roles.get(&(ns, role_ref.name.as_str())).copied())
                }
                _ => (format!("ClusterRole/{}", role_ref.name), cluster_roles.get(role_ref.name.as_str()).copied()),
            };
            let cluster_admin = role_ref.kind == "ClusterRole" && role_ref.name == "cluster-admin";
            let rules = rules.unwrap_or_default();
            let base = RoleGrant {
                binding: binding.clone(),
                role,
                cluster_wide: binding_ns.is_none(),
                cluster_admin,
                wildcard_verbs: rules.iter().any(|r| r.verbs.iter().any(|v| v == "*")),
                wildcard_resources: rules
                    .iter()
                    .any(|r| r.resources.as_deref().unwrap_or_default().iter().any(|x| x == "*")),
                via_group: None,
                role_missing: !cluster_admin
                    && match (role_ref.kind.as_str(), binding_ns) {
                        ("Role", Some(ns)) => !roles.contains_key(&(ns, role_ref.name.as_str())),
                        _ => !cluster_roles.contains_key(role_ref.name.as_str()),
                    },
            };
            for s in subjects {
                let (key, via_group) = match s.kind.as_str() {
                    "ServiceAccount" => {
                        let ns = s.namespace.clone().or(binding_ns.map(str::to_string)).unwrap_or_default();
                        ((ns, s.name.clone()), None)
                    }
                    "Group" if s.name == "system:serviceaccounts" => {
                        (("*".to_string(), "*".to_string()), Some(s.name.clone()))
                    }
                    "Group" => match s.name.strip_prefix("system:serviceaccounts:") {
                        Some(ns) => ((ns.to_string(), "*".to_string()), Some(s.name.clone())),
                        None => continue,
                    },
                    _ => continue,
                };
                accounts.entry(key).or_default().push(RoleGrant { via_group, ..base.clone() });
            }
        };
        for b in &self.cluster_role_bindings {
            let name = format!("ClusterRoleBinding/{}", b.metadata.name.as_deref().unwrap_or_default());
            grant(name, None, &b.role_ref, b.subjects.as_deref().unwrap_or_default());
        }
        for b in &self.role_bindings {
            let ns = b.metadata.namespace.as_deref().unwrap_or_default();
            let name = format!("RoleBinding/{ns}/{}", b.metadata.name.as_deref().unwrap_or_default());
            grant(name, Some(ns), &b.role_ref, b.subjects.as_deref().unwrap_or_default());
        }
        accounts
            .into_iter()
            .map(|((namespace, name), grants)| {
                let mut users: Vec<String> = if name == "*" {
                    used_by
                        .iter()
                        .filter(|((ns, _), _)| namespace == "*" || *ns == namespace)
                        .flat_map(|((ns, _), w)| w.iter().map(move |w| format!("{ns}/{w}")))
                        .collect()
                } else {
                    used_by.get(&(namespace.clone(), name.clone())).cloned().unwrap_or_default()
                };
                users.sort();
                KubernetesServiceAccount {
                    cluster: cluster.to_string(),
                    system: is_system_namespace(&namespace),
                    namespace,
                    name,
                    grants,
                    used_by: users,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn direct_group_and_namespaced_grants() {
        let rbac = Rbac {
            cluster_roles: vec![
                from(
                    serde_json::json!({"metadata": {"name": "cluster-admin"}, "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}),
                ),
                from(
                    serde_json::json!({"metadata": {"name": "view"}, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]}),
                ),
            ],
            roles: vec![from(
                serde_json::json!({"metadata": {"name": "all-secrets", "namespace": "shop"}, "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["*"]}]}),
            )],
            cluster_role_bindings: vec![
                from(
                    serde_json::json!({"metadata": {"name": "ci-admin"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
                    "subjects": [{"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"}, {"kind": "User", "name": "alice"}]}),
                ),
                from(
                    serde_json::json!({"metadata": {"name": "all-view"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
                    "subjects": [{"kind": "Group", "name": "system:serviceaccounts:shop", "apiGroup": "rbac.authorization.k8s.io"}]}),
                ),
            ],
            role_bindings: vec![from(
                serde_json::json!({"metadata": {"name": "web-secrets", "namespace": "shop"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "all-secrets"},
                "subjects": [{"kind": "ServiceAccount", "name": "web"}]}),
            )],
        };
        let mut used_by = HashMap::new();
        used_by.insert(("shop".to_string(), "web".to_string()), vec!["Deployment/web".to_string()]);
        let facts = rbac.service_accounts("c", &used_by);
        let keys: Vec<(&str, &str)> = facts.iter().map(|f| (f.namespace.as_str(), f.name.as_str())).collect();
        assert_eq!(keys, [("ci", "deployer"), ("shop", "*"), ("shop", "web")]);
        assert!(facts[0].grants[0].cluster_admin && facts[0].grants[0].cluster_wide);
        assert_eq!(facts[1].grants[0].via_group.as_deref(), Some("system:serviceaccounts:shop"));
        assert!(!facts[1].grants[0].wildcard_verbs);
        let web = &facts[2];
        assert!(
            web.grants[0].wildcard_verbs
                && !web.grants[0].cluster_wide
                && web.grants[0].role == "Role/shop/all-secrets"
        );
        assert_eq!(web.used_by, ["Deployment/web"]);
    }
}
