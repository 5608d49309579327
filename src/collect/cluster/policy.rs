//! NetworkPolicy semantics, as the API documents them: a pod is isolated for
//! ingress (egress) once a policy of its namespace selects it with that
//! policy type, and then only what some selecting policy allows gets in
//! (out). A connection happens when the target's ingress and the client's
//! egress both allow it. Judged here per workload rather than per pod: the
//! pods of one controller share their labels.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::inventory::Group;
use crate::facts::kubernetes_reachability::{KubernetesReachability, Peer};

/// Every policy of the cluster, and the namespaces' labels (for namespace
/// selectors).
pub struct Policies<'a> {
    pub policies: &'a [NetworkPolicy],
    pub namespace_labels: &'a BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Clone, Copy, PartialEq)]
enum Direction {
    Ingress,
    Egress,
}

impl Policies<'_> {
    fn labels_of_namespace(&self, ns: &str) -> BTreeMap<String, String> {
        let mut labels = self.namespace_labels.get(ns).cloned().unwrap_or_default();
        // Set by the API server on every namespace since 1.21.
        labels.entry("kubernetes.io/metadata.name".into()).or_insert_with(|| ns.to_string());
        labels
    }

    /// Policies of `group`'s namespace that select it for `direction`.
    fn selecting<'p>(&'p self, group: &'p Group, direction: Direction) -> impl Iterator<Item = &'p NetworkPolicy> + 'p {
        self.policies.iter().filter(move |p| {
            p.metadata.namespace.as_deref() == Some(group.namespace.as_str())
                && p.spec.as_ref().is_some_and(|s| {
                    has_type(s.policy_types.as_deref(), s.egress.is_some(), direction)
                        && matches(s.pod_selector.as_ref(), &group.labels)
                })
        })
    }

    /// Whether `client` may open a connection to `target`.
    fn allowed(&self, client: &Group, target: &Group) -> bool {
        let ingress_ok = {
            let mut selecting = self.selecting(target, Direction::Ingress).peekable();
            selecting.peek().is_none()
                || selecting.any(|p| {
                    let rules = p.spec.as_ref().and_then(|s| s.ingress.as_deref()).unwrap_or_default();
                    let ns = p.metadata.namespace.as_deref().unwrap_or_default();
                    rules.iter().any(|r| {
                        ports_match(r.ports.as_deref(), target) && peers_match(self, r.from.as_deref(), ns, client)
                    })
                })
        };
        let egress_ok = || {
            let mut selecting = self.selecting(client, Direction::Egress).peekable();
            selecting.peek().is_none()
                || selecting.any(|p| {
                    let rules = p.spec.as_ref().and_then(|s| s.egress.as_deref()).unwrap_or_default();
                    let ns = p.metadata.namespace.as_deref().unwrap_or_default();
                    rules.iter().any(|r| {
                        ports_match(r.ports.as_deref(), target) && peers_match(self, r.to.as_deref(), ns, target)
                    })
                })
        };
        ingress_ok && egress_ok()
    }

    /// Why any pod (or any address) may reach `target`, if one may.
    fn open_reason(&self, target: &Group) -> Option<String> {
        for p in self.selecting(target, Direction::Ingress) {
            let name = p.metadata.name.clone().unwrap_or_default();
            for rule in p.spec.as_ref().and_then(|s| s.ingress.as_deref()).unwrap_or_default() {
                if !ports_match(rule.ports.as_deref(), target) {
                    continue;
                }
                let from = rule.from.as_deref().unwrap_or_default();
                if from.is_empty() {
                    return Some(format!("NetworkPolicy {name} allows ingress from everywhere (no `from`)"));
                }
                for peer in from {
                    if let Some(block) = &peer.ip_block {
                        if block.cidr == "0.0.0.0/0" || block.cidr == "::/0" {
                            return Some(format!("NetworkPolicy {name} allows ingress from {}", block.cidr));
                        }
                    }
                    let every_namespace = peer.namespace_selector.as_ref().is_some_and(is_empty_selector);
                    let every_pod = peer.pod_selector.as_ref().is_none_or(is_empty_selector);
                    if every_namespace && every_pod {
                        return Some(format!("NetworkPolicy {name} allows ingress from every pod of every namespace"));
                    }
                }
            }
        }
        None
    }

    /// Who can reach `target` among `groups`.
    pub fn reachability(&self, cluster: &str, target: &Group, groups: &[&Group]) -> KubernetesReachability {
        let policies: Vec<String> =
            self.selecting(target, Direction::Ingress).filter_map(|p| p.metadata.name.clone()).collect();
        let isolated = !policies.is_empty();
        let open_reason = if isolated { self.open_reason(target) } else { None };
        let mut reachable_from: Vec<Peer> = if isolated && open_reason.is_none() {
            groups
                .iter()
                .filter(|g| !(g.namespace == target.namespace && g.workload == target.workload))
                .filter(|g| self.allowed(g, target))
                .map(|g| Peer { namespace: g.namespace.clone(), workload: g.workload.clone(), role: g.role })
                .collect()
        } else {
            Vec::new()
        };
        reachable_from.sort_by(|a, b| (&a.namespace, &a.workload).cmp(&(&b.namespace, &b.workload)));
        KubernetesReachability {
            cluster: cluster.to_string(),
            namespace: target.namespace.clone(),
            workload: target.workload.clone(),
            role: target.role,
            ports: target.ports.iter().copied().collect(),
            isolated,
            policies,
            open_to_all: !isolated || open_reason.is_some(),
            open_reason,
            reachable_from,
        }
    }

    /// Whether a policy of `ns` denies every ingress (egress) by default: it
    /// selects every pod and allows nothing in (out).
    pub fn default_deny(&self, ns: &str) -> (bool, bool) {
        let mut ingress = false;
        let mut egress = false;
        for p in self.policies.iter().filter(|p| p.metadata.namespace.as_deref() == Some(ns)) {
            let Some(spec) = &p.spec else { continue };
            if !spec.pod_selector.as_ref().is_none_or(is_empty_selector) {
                continue;
            }
            let types = spec.policy_types.as_deref();
            if has_type(types, spec.egress.is_some(), Direction::Ingress)
                && spec.ingress.as_deref().unwrap_or_default().is_empty()
            {
                ingress = true;
            }
            if has_type(types, spec.egress.is_some(), Direction::Egress)
                && spec.egress.as_deref().unwrap_or_default().is_empty()
            {
                egress = true;
            }
        }
        (ingress, egress)
    }
}

/// `policyTypes`, or its default: Ingress always, Egress when egress rules
/// are written.
fn has_type(types: Option<&[String]>, has_egress_rules: bool, direction: Direction) -> bool {
    match types {
        Some(t) if !t.is_empty() => t.iter().any(|t| match direction {
            Direction::Ingress => t == "Ingress",
            Direction::Egress => t == "Egress",
        }),
        _ => direction == Direction::Ingress || has_egress_rules,
    }
}

fn is_empty_selector(s: &LabelSelector) -> bool {
    s.match_labels.as_ref().is_none_or(|m| m.is_empty()) && s.match_expressions.as_ref().is_none_or(|e| e.is_empty())
}

/// A label selector against labels; an absent selector selects everything.
pub fn matches(selector: Option<&LabelSelector>, labels: &BTreeMap<String, String>) -> bool {
    let Some(s) = selector else { return true };
    let by_label = s.match_labels.as_ref().is_none_or(|m| m.iter().all(|(k, v)| labels.get(k) == Some(v)));
    let by_expression = s.match_expressions.as_deref().unwrap_or_default().iter().all(|e| {
        let values = e.values.as_deref().unwrap_or_default();
        match e.operator.as_str() {
            "In" => labels.get(&e.key).is_some_and(|v| values.contains(v)),
            "NotIn" => labels.get(&e.key).is_none_or(|v| !values.contains(v)),
            "Exists" => labels.contains_key(&e.key),
            "DoesNotExist" => !labels.contains_key(&e.key),
            // An operator the API would reject: match nothing rather than
            // everything.
            _ => false,
        }
    });
    by_label && by_expression
}

/// Whether a rule's peers include `group` (the policy lives in `policy_ns`).
fn peers_match(policies: &Policies<'_>, peers: Option<&[NetworkPolicyPeer]>, policy_ns: &str, group: &Group) -> bool {
    let peers = peers.unwrap_or_default();
    if peers.is_empty() {
        return true;
    }
    peers.iter().any(|peer| {
        if peer.ip_block.is_some() {
            // Pod traffic is matched by selectors; IP blocks are meant for
            // addresses outside the cluster.
            return false;
        }
        let namespace_ok = match &peer.namespace_selector {
            None => group.namespace == policy_ns,
            Some(sel) => matches(Some(sel), &policies.labels_of_namespace(&group.namespace)),
        };
        namespace_ok && matches(peer.pod_selector.as_ref(), &group.labels)
    })
}

/// Whether a rule's ports include one the target listens on (a target that
/// declares no port matches any rule).
fn ports_match(ports: Option<&[NetworkPolicyPort]>, target: &Group) -> bool {
    let ports = ports.unwrap_or_default();
    if ports.is_empty() || target.ports.is_empty() {
        return true;
    }
    ports.iter().any(|p| {
        if p.protocol.as_deref().is_some_and(|proto| !proto.eq_ignore_ascii_case("TCP")) {
            return false;
        }
        match &p.port {
            None => true,
            Some(IntOrString::Int(n)) => {
                let end = p.end_port.unwrap_or(*n);
                target.ports.iter().any(|t| *t >= i64::from(*n) && *t <= i64::from(end))
            }
            Some(IntOrString::String(name)) => target.named_ports.contains_key(name),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::role::Role;
    use std::collections::BTreeSet;

    fn group(ns: &str, workload: &str, role: Role, labels: &[(&str, &str)], ports: &[i64]) -> Group {
        Group {
            namespace: ns.into(),
            workload: workload.into(),
            controller: None,
            labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            role,
            ports: ports.iter().copied().collect::<BTreeSet<_>>(),
            named_ports: BTreeMap::new(),
            service_account: "default".into(),
            automount: None,
            pods: 1,
        }
    }

    fn policy(ns: &str, json: serde_json::Value) -> NetworkPolicy {
        let mut p: NetworkPolicy = serde_json::from_value(json).unwrap();
        p.metadata.namespace = Some(ns.into());
        p
    }

    #[test]
    fn redis_reachable_only_from_the_app() {
        let redis = group("shop", "StatefulSet/redis", Role::Datastore, &[("app", "redis")], &[6379]);
        let app = group("shop", "Deployment/web", Role::App, &[("app", "web")], &[3000]);
        let nginx = group("shop", "Deployment/nginx", Role::Proxy, &[("app", "nginx")], &[80]);
        let other = group("tools", "Deployment/debug", Role::App, &[("app", "debug")], &[]);
        let groups = [&redis, &app, &nginx, &other];
        let ns_labels = BTreeMap::new();

        // No policy: everyone.
        let none: Vec<NetworkPolicy> = vec![];
        let r = Policies { policies: &none, namespace_labels: &ns_labels }.reachability("c", &redis, &groups);
        assert!(!r.isolated && r.open_to_all);

        // Only app=web on 6379.
        let only_app = vec![policy(
            "shop",
            serde_json::json!({"metadata": {"name": "redis-from-web"}, "spec": {
                "podSelector": {"matchLabels": {"app": "redis"}},
                "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}], "ports": [{"port": 6379}]}]
            }}),
        )];
        let r = Policies { policies: &only_app, namespace_labels: &ns_labels }.reachability("c", &redis, &groups);
        assert!(r.isolated && !r.open_to_all);
        let from: Vec<&str> = r.reachable_from.iter().map(|p| p.workload.as_str()).collect();
        assert_eq!(from, ["Deployment/web"]);

        // Every namespace's `app` pods (a namespaceSelector): the debug app
        // of another namespace gets in too.
        let wide = vec![policy(
            "shop",
            serde_json::json!({"metadata": {"name": "redis-wide"}, "spec": {
                "podSelector": {"matchLabels": {"app": "redis"}},
                "ingress": [{"from": [{"namespaceSelector": {}, "podSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "debug"]}]}}]}]
            }}),
        )];
        let r = Policies { policies: &wide, namespace_labels: &ns_labels }.reachability("c", &redis, &groups);
        let from: Vec<&str> = r.reachable_from.iter().map(|p| p.workload.as_str()).collect();
        assert_eq!(from, ["Deployment/web", "Deployment/debug"]);

        // An ingress rule without `from`: open.
        let open = vec![policy(
            "shop",
            serde_json::json!({"metadata": {"name": "allow-all"}, "spec": {
                "podSelector": {}, "ingress": [{}]
            }}),
        )];
        let r = Policies { policies: &open, namespace_labels: &ns_labels }.reachability("c", &redis, &groups);
        assert!(r.isolated && r.open_to_all && r.open_reason.unwrap().contains("allow-all"));

        // The client's egress counts too: nginx may only talk to web.
        let egress = vec![
            only_app[0].clone(),
            policy(
                "shop",
                serde_json::json!({"metadata": {"name": "redis-from-nginx"}, "spec": {
                    "podSelector": {"matchLabels": {"app": "redis"}},
                    "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "nginx"}}}]}]
                }}),
            ),
            policy(
                "shop",
                serde_json::json!({"metadata": {"name": "nginx-egress"}, "spec": {
                    "podSelector": {"matchLabels": {"app": "nginx"}}, "policyTypes": ["Egress"],
                    "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "web"}}}]}]
                }}),
            ),
        ];
        let r = Policies { policies: &egress, namespace_labels: &ns_labels }.reachability("c", &redis, &groups);
        let from: Vec<&str> = r.reachable_from.iter().map(|p| p.workload.as_str()).collect();
        assert_eq!(from, ["Deployment/web"]);
    }

    #[test]
    fn default_deny_needs_every_pod_and_no_rule() {
        let ns_labels = BTreeMap::new();
        let deny = vec![policy(
            "shop",
            serde_json::json!({"metadata": {"name": "deny"}, "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}),
        )];
        assert_eq!(Policies { policies: &deny, namespace_labels: &ns_labels }.default_deny("shop"), (true, true));
        assert_eq!(Policies { policies: &deny, namespace_labels: &ns_labels }.default_deny("other"), (false, false));
        let partial = vec![policy(
            "shop",
            serde_json::json!({"metadata": {"name": "p"}, "spec": {"podSelector": {"matchLabels": {"app": "x"}}}}),
        )];
        assert_eq!(Policies { policies: &partial, namespace_labels: &ns_labels }.default_deny("shop"), (false, false));
    }
}
