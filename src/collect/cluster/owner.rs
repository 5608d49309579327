//! Which controller a pod belongs to, so its containers are audited once per
//! controller rather than once per replica: the pod's controlling owner,
//! followed through a ReplicaSet to its Deployment and through a Job to its
//! CronJob.

use std::collections::HashMap;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

/// A pod's controller, as `Kind/name` in its namespace.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Controller {
    pub kind: String,
    pub name: String,
    pub api_version: String,
}

impl Controller {
    pub fn reference(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }
}

/// Who owns the ReplicaSets and Jobs of the cluster.
#[derive(Debug, Default)]
pub struct Owners {
    /// `(namespace, kind, name)` of a ReplicaSet or Job → its own controller.
    parents: HashMap<(String, String, String), Controller>,
}

impl Owners {
    /// Records the controller of a ReplicaSet or Job (`kind`).
    pub fn add(&mut self, kind: &str, meta: &ObjectMeta) {
        let (Some(ns), Some(name)) = (&meta.namespace, &meta.name) else { return };
        if let Some(parent) = controlling(meta.owner_references.as_deref()) {
            self.parents.insert((ns.clone(), kind.to_string(), name.clone()), parent);
        }
    }

    /// The controller of a pod, `None` when nothing controls it.
    pub fn controller_of(&self, pod: &Pod) -> Option<Controller> {
        let ns = pod.metadata.namespace.clone().unwrap_or_default();
        let direct = controlling(pod.metadata.owner_references.as_deref())?;
        if direct.kind == "ReplicaSet" || direct.kind == "Job" {
            if let Some(parent) = self.parents.get(&(ns, direct.kind.clone(), direct.name.clone())) {
                return Some(parent.clone());
            }
        }
        Some(direct)
    }
}

/// The owner reference marked `controller: true` (or the only one).
fn controlling(refs: Option<&[OwnerReference]>) -> Option<Controller> {
    let refs = refs?;
    let r = refs.iter().find(|r| r.controller == Some(true)).or(if refs.len() == 1 { refs.first() } else { None })?;
    Some(Controller { kind: r.kind.clone(), name: r.name.clone(), api_version: r.api_version.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(ns: &str, name: &str, kind: &str, owner: &str) -> ObjectMeta {
        ObjectMeta {
            namespace: Some(ns.into()),
            name: Some(name.into()),
            owner_references: Some(vec![OwnerReference {
                api_version: "apps/v1".into(),
                kind: kind.into(),
                name: owner.into(),
                uid: "u".into(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }]),
            ..Default::default()
        }
    }

    #[test]
    fn replicaset_to_deployment_job_to_cronjob_and_unowned() {
        let mut owners = Owners::default();
        owners.add("ReplicaSet", &owned("shop", "web-7d4b9c", "Deployment", "web"));
        owners.add("Job", &owned("shop", "report-2890", "CronJob", "report"));
        let pod = |meta| Pod { metadata: meta, ..Default::default() };
        let c = owners.controller_of(&pod(owned("shop", "web-7d4b9c-x2x", "ReplicaSet", "web-7d4b9c"))).unwrap();
        assert_eq!(c.reference(), "Deployment/web");
        let c = owners.controller_of(&pod(owned("shop", "report-2890-abc", "Job", "report-2890"))).unwrap();
        assert_eq!(c.reference(), "CronJob/report");
        let c = owners.controller_of(&pod(owned("shop", "redis-0", "StatefulSet", "redis"))).unwrap();
        assert_eq!(c.reference(), "StatefulSet/redis");
        // A ReplicaSet nobody owns is the controller itself.
        let c = owners.controller_of(&pod(owned("shop", "lone-abc", "ReplicaSet", "lone"))).unwrap();
        assert_eq!(c.reference(), "ReplicaSet/lone");
        assert!(owners
            .controller_of(&pod(ObjectMeta { namespace: Some("shop".into()), ..Default::default() }))
            .is_none());
    }
}
