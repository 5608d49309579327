//! Live Kubernetes clusters, through the API server (kube-rs), read-only:
//! only `get` and `list`, never a Secret. Each cluster (kubeconfig context,
//! or the pod's service account) is audited concurrently with the others,
//! each within its own time limit; one that cannot be reached is an error
//! naming it, and the others go on.
//!
//! Every container of every pod (init and ephemeral ones too) becomes the
//! same `workload` fact manifests and running containers give, with the
//! owning controller as the subject, so a finding is reported once per
//! Deployment rather than once per replica. Around them: the controllers as
//! `kubernetes_object` facts (service account tokens), and what only a live
//! cluster can answer (`kubernetes_namespace`, `kubernetes_reachability`,
//! `kubernetes_service`, `kubernetes_service_account`). Drift between a
//! cluster and the scanned manifests is found once both are collected
//! (`drift`).

mod audit;
mod client;
pub mod drift;
mod errors;
mod facts;
mod inventory;
mod list;
mod owner;
mod pod;
mod policy;
mod rbac;
mod services;

use std::time::Duration;

use futures::future::join_all;

use super::{CollectContext, Collected};
use crate::collect::Progress;
use crate::diagnostics::{ErrorKind, ScanError};

pub use facts::CLUSTER_LABEL;

pub async fn collect(ctx: &CollectContext<'_>, progress: &dyn Progress) -> Collected {
    let config = ctx.config;
    let cfg = &config.kubernetes;
    let mut out = Collected::default();
    if !cfg.enabled {
        return out;
    }
    let declared_in = config.declared_at(config.target_lines.kubernetes);
    let (targets, errors) = client::targets(cfg, |p| config.resolve_path(p)).await;
    for e in errors {
        out.error(e.at_declared(declared_in.as_ref()));
    }
    let secs = cfg.timeout_secs.max(1);
    let audits = targets.into_iter().map(|target| {
        let name = target.name.clone();
        async move {
            let audit = super::contained_future(errors::SOURCE, &name, audit::audit(target, ctx, progress));
            match tokio::time::timeout(Duration::from_secs(secs), audit).await {
                Ok(collected) => collected,
                Err(_) => {
                    let mut c = Collected::default();
                    c.error(ScanError::new(
                        errors::SOURCE,
                        name,
                        ErrorKind::Timeout,
                        format!("the audit of this cluster did not finish within {secs} s"),
                    ));
                    c
                }
            }
        }
    });
    out.extend(join_all(audits).await);
    out.errors = out.errors.into_iter().map(|e| e.at_declared(declared_in.as_ref())).collect();
    out
}
