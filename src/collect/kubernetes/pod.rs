//! Where each kind keeps its pod template, and what the template's pod spec
//! says that applies to every container in it.

use crate::collect::yaml::Node;

use super::objects::{Object, ObjectError};

/// The pod an object runs: its metadata (annotations, labels) and spec.
#[derive(Debug, Clone, Copy)]
pub struct PodTemplate<'a> {
    pub meta: Option<&'a Node>,
    pub spec: &'a Node,
    /// The pods run to completion (Jobs, CronJobs, bare Pods that never
    /// restart): health probes do not apply to them.
    pub run_to_completion: bool,
    /// A StatefulSet's `volumeClaimTemplates`: each one a volume of every
    /// pod, named by its `metadata.name`.
    pub claim_templates: &'a [Node],
}

impl<'a> PodTemplate<'a> {
    pub fn annotation(&self, key: &str) -> Option<&'a Node> {
        self.meta?.get("annotations")?.get(key)
    }

    pub fn security_context(&self) -> Option<&'a Node> {
        self.spec.get("securityContext")
    }
}

/// The pod template of a pod-running kind; `Ok(None)` for other kinds.
pub fn pod_template<'a>(obj: &Object<'a>) -> Result<Option<PodTemplate<'a>>, ObjectError> {
    let path: &[&str] = match obj.kind.as_str() {
        "Pod" => &[],
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "ReplicationController" | "Job" => {
            &["spec", "template"]
        }
        "CronJob" => &["spec", "jobTemplate", "spec", "template"],
        "PodTemplate" => &["template"],
        _ => return Ok(None),
    };
    let missing = |what: &str| ObjectError::at(obj.kind_node, format!("{} has no {what}", obj.reference()));
    let mut template = obj.node;
    let mut walked = Vec::new();
    for key in path {
        walked.push(*key);
        template = template.get(key).filter(|n| n.as_map().is_some()).ok_or_else(|| missing(&walked.join(".")))?;
    }
    walked.push("spec");
    let spec = template.get("spec").filter(|n| n.as_map().is_some()).ok_or_else(|| missing(&walked.join(".")))?;
    let restart = spec.get("restartPolicy").and_then(Node::as_str);
    let run_to_completion = matches!(obj.kind.as_str(), "Job" | "CronJob")
        || (obj.kind == "Pod" && matches!(restart, Some("Never") | Some("OnFailure")));
    let claim_templates = match obj.kind.as_str() {
        "StatefulSet" => obj.node.path(&["spec", "volumeClaimTemplates"]).and_then(Node::as_seq).unwrap_or_default(),
        _ => &[],
    };
    Ok(Some(PodTemplate { meta: template.get("metadata"), spec, run_to_completion, claim_templates }))
}

/// The kind of container list an entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerType {
    Container,
    Init,
    Ephemeral,
}

impl ContainerType {
    pub const ALL: [(ContainerType, &'static str); 3] = [
        (ContainerType::Init, "initContainers"),
        (ContainerType::Container, "containers"),
        (ContainerType::Ephemeral, "ephemeralContainers"),
    ];

    pub fn label(self) -> &'static str {
        match self {
            ContainerType::Container => "container",
            ContainerType::Init => "init",
            ContainerType::Ephemeral => "ephemeral",
        }
    }
}
