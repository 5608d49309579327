//! Auditing one cluster: the namespaces, then (concurrently) what the pods
//! are judged against (ReplicaSets and Jobs for ownership, NetworkPolicies,
//! Services, ServiceAccounts, RBAC), then the pods a page at a time. Every
//! request is a `get` or `list`; Secrets are never read.

use std::collections::{BTreeMap, HashMap};

use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Namespace, Pod, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::client::Target;
use super::errors::SOURCE;
use super::inventory::{Group, Inventory};
use super::list::{Denied, Lister, Outcome, Scope};
use super::owner::Owners;
use super::policy::Policies;
use super::rbac::{is_system_namespace, Rbac};
use super::{facts, services};
use crate::collect::Progress;
use crate::collect::{CollectContext, Collected};
use crate::diagnostics::{ErrorKind, ScanError, Skipped};
use crate::facts::role::Role as WorkloadRole;

pub async fn audit(target: Target, ctx: &CollectContext<'_>, progress: &dyn Progress) -> Collected {
    let cfg = &ctx.config.kubernetes;
    let cluster = target.name.clone();
    let mut out = Collected::default();
    let client = match super::client::client(target.config, cfg) {
        Ok(c) => c,
        Err(e) => {
            out.error(super::errors::api_error(&cluster, "cannot create a client", &e));
            return out;
        }
    };
    // One cheap call first: a cluster that cannot be reached, or that
    // refuses the credentials, is one clear error rather than one per list.
    let version = match client.apiserver_version().await {
        Ok(v) => v.git_version,
        Err(e) => {
            out.error(super::errors::api_error(&cluster, "cannot reach the API server", &e));
            return out;
        }
    };
    let lister = Lister { client: &client, cluster: &cluster, page_size: cfg.page_size, concurrency: cfg.concurrency };
    let wanted = |ns: &str| {
        !cfg.exclude_namespaces.iter().any(|x| x == ns) && (cfg.include_system_namespaces || !is_system_namespace(ns))
    };

    // Namespaces: their labels (for namespace selectors) and the list to
    // fall back on when an object kind cannot be listed cluster-wide.
    let mut namespace_labels: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let ns_outcome = lister
        .cluster_scoped::<Namespace>("namespaces", |items, _| {
            for n in items {
                if let Some(name) = n.metadata.name {
                    namespace_labels.insert(name, n.metadata.labels.unwrap_or_default());
                }
            }
        })
        .await;
    let only = (!cfg.namespaces.is_empty()).then(|| cfg.namespaces.clone());
    let scope = Scope { only: only.clone(), known: namespace_labels.keys().filter(|n| wanted(n)).cloned().collect() };
    let mut outcomes = vec![ns_outcome];
    if let (Some(_), Some(first)) = (&only, outcomes.first_mut()) {
        // Listing namespaces is not needed when the config names them.
        first.errors.clear();
    }

    let mut owned_by: Vec<(&'static str, ObjectMeta)> = Vec::new();
    let mut jobs_owned_by: Vec<(&'static str, ObjectMeta)> = Vec::new();
    let mut policies: Vec<NetworkPolicy> = Vec::new();
    let mut service_list: Vec<Service> = Vec::new();
    let mut accounts: HashMap<(String, String), Option<bool>> = HashMap::new();
    let mut rbac = Rbac::default();
    let (rs, jobs, np, svc, sa, roles, rbs, croles, crbs) = tokio::join!(
        lister.namespaced::<ReplicaSet>("replicasets", &scope, |items, _| {
            owned_by.extend(items.into_iter().map(|r| ("ReplicaSet", ownership(r.metadata))))
        }),
        lister.namespaced::<Job>("jobs", &scope, |items, _| {
            jobs_owned_by.extend(items.into_iter().map(|j| ("Job", ownership(j.metadata))))
        }),
        lister.namespaced::<NetworkPolicy>("networkpolicies", &scope, |items, _| policies.extend(items)),
        lister.namespaced::<Service>("services", &scope, |items, _| {
            service_list.extend(items.into_iter().filter(services::exposed))
        }),
        lister.namespaced::<ServiceAccount>("serviceaccounts", &scope, |items, _| {
            for a in items {
                if let (Some(ns), Some(name)) = (a.metadata.namespace, a.metadata.name) {
                    accounts.insert((ns, name), a.automount_service_account_token);
                }
            }
        }),
        lister.namespaced::<Role>("roles", &scope, |items, _| rbac.roles.extend(items)),
        lister.namespaced::<RoleBinding>("rolebindings", &scope, |items, _| rbac.role_bindings.extend(items)),
        lister.cluster_scoped::<ClusterRole>("clusterroles", |items, _| rbac.cluster_roles.extend(items)),
        lister.cluster_scoped::<ClusterRoleBinding>("clusterrolebindings", |items, _| {
            rbac.cluster_role_bindings.extend(items)
        }),
    );
    outcomes.extend([rs, jobs, np, svc, sa, roles, rbs, croles, crbs]);
    let mut owners = Owners::default();
    for (kind, meta) in owned_by.iter().chain(&jobs_owned_by) {
        owners.add(kind, meta);
    }
    drop((owned_by, jobs_owned_by));

    // The pods, a page at a time.
    let mut inventory = Inventory::default();
    let mut done: u64 = 0;
    let mut skipped_system: BTreeMap<String, usize> =
        namespace_labels.keys().filter(|n| is_system_namespace(n) && !wanted(n)).map(|n| (n.clone(), 0)).collect();
    // Pod environments are classified by the secret matcher: built before,
    // off the async workers.
    ctx.detector.ready().await;
    let pods_outcome = lister
        .namespaced::<Pod>("pods", &scope, |items, remaining| {
            done += items.len() as u64;
            let total = remaining.and_then(|r| u64::try_from(r).ok()).map(|r| r + done);
            progress.count(&format!("kubernetes {cluster}: pods"), done, total);
            let (kept, dropped): (Vec<Pod>, Vec<Pod>) =
                items.into_iter().partition(|p| p.metadata.namespace.as_deref().is_some_and(wanted));
            for p in dropped {
                if let Some(ns) = p.metadata.namespace {
                    *skipped_system.entry(ns).or_default() += 1;
                }
            }
            inventory.add_pods(kept, &owners, ctx.detector);
        })
        .await;
    outcomes.push(pods_outcome);

    for (ns, _) in skipped_system {
        if is_system_namespace(&ns) && !cfg.exclude_namespaces.contains(&ns) {
            out.skipped.push(Skipped {
                path: format!("{cluster}/{ns}"),
                reason: "the cluster's own components: not audited (include_system_namespaces = true audits them)"
                    .into(),
            });
        }
    }
    report_outcomes(&cluster, outcomes, &mut out);

    let groups: Vec<&Group> = inventory.groups.values().collect();
    let proxy_in_cluster = groups.iter().any(|g| g.role == WorkloadRole::Proxy);
    let policy_view = Policies { policies: &policies, namespace_labels: &namespace_labels };
    let mut namespaces: Vec<String> = match &only {
        Some(o) => o.clone(),
        None => namespace_labels.keys().filter(|n| wanted(n)).cloned().collect(),
    };
    for ns in inventory.pods_per_namespace.keys() {
        if !namespaces.contains(ns) {
            namespaces.push(ns.clone());
        }
    }
    let denied: Vec<&str> =
        out.errors.iter().filter(|e| e.kind == ErrorKind::Denied).map(|e| e.target.as_str()).collect();
    let readable = |ns: &str| !denied.iter().any(|t| *t == format!("{cluster}/{ns}"));
    let namespaces: Vec<String> = namespaces.into_iter().filter(|n| readable(n)).collect();

    let build = facts::Builder {
        cluster: &cluster,
        version: &version,
        declared_in: ctx.config.declared_at(ctx.config.target_lines.kubernetes),
    };
    out.facts.extend(inventory.containers.iter().map(|c| build.workload(c)));
    out.facts.extend(groups.iter().map(|g| build.object(g, &accounts)));
    for ns in &namespaces {
        let (deny_in, deny_out) = policy_view.default_deny(ns);
        let names = policies
            .iter()
            .filter(|p| p.metadata.namespace.as_deref() == Some(ns.as_str()))
            .filter_map(|p| p.metadata.name.clone())
            .collect();
        let unowned = inventory.unowned.get(ns).cloned().unwrap_or_default();
        let pods = inventory.pods_per_namespace.get(ns).copied().unwrap_or(0);
        out.facts.push(build.namespace(ns, pods, names, deny_in, deny_out, unowned));
    }
    for g in groups.iter().filter(|g| g.role == WorkloadRole::Datastore) {
        out.facts.push(build.reachability(policy_view.reachability(&cluster, g, &groups)));
    }
    for s in service_list.iter().filter(|s| s.metadata.namespace.as_deref().is_some_and(wanted)) {
        out.facts.push(build.service(services::service_fact(&cluster, s, &groups, proxy_in_cluster)));
    }
    let mut used_by: HashMap<(String, String), Vec<String>> = HashMap::new();
    for g in &groups {
        used_by.entry((g.namespace.clone(), g.service_account.clone())).or_default().push(g.workload.clone());
    }
    for account in rbac.service_accounts(&cluster, &used_by) {
        if account.namespace == "*" || wanted(&account.namespace) || account.system {
            out.facts.push(build.service_account(account));
        }
    }
    out
}

/// What ownership needs of an object's metadata: the rest (managed fields,
/// annotations) is dropped as the pages arrive.
fn ownership(meta: ObjectMeta) -> ObjectMeta {
    ObjectMeta {
        name: meta.name,
        namespace: meta.namespace,
        owner_references: meta.owner_references,
        ..Default::default()
    }
}

/// Errors as they are, and one error per namespace the account may not read,
/// naming it and every kind of object it was refused.
fn report_outcomes(cluster: &str, outcomes: Vec<Outcome>, out: &mut Collected) {
    let mut denied: BTreeMap<String, Vec<Denied>> = BTreeMap::new();
    for o in outcomes {
        out.errors.extend(o.errors);
        for d in o.denied {
            denied.entry(d.namespace.clone()).or_default().push(d);
        }
    }
    for (namespace, list) in denied {
        let resources: Vec<&str> = list.iter().map(|d| d.resource).collect();
        let detail = list.first().map(|d| d.error.message.clone()).unwrap_or_default();
        out.error(ScanError::new(
            SOURCE,
            format!("{cluster}/{namespace}"),
            ErrorKind::Denied,
            format!(
                "namespace {namespace} could not be audited: listing {} was refused ({detail})",
                resources.join(", ")
            ),
        ));
    }
}
