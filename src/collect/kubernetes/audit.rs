//! Objects to facts: a `kubernetes_object` fact for every object, and a
//! `workload` (plus `image`) fact for every container of the pod-running
//! ones. The same for a plain manifest and for a Kustomize rendering; only
//! where the facts point (`Where`) differs.

use crate::collect::secrets::Detector;
use crate::collect::yaml::Node;
use crate::facts::Fact;

use super::container::{self, ContainerInput, Where};
use super::exposure::ServicePort;
use super::objects::{Object, ObjectError};
use super::{detect, object_fact, pod};

pub struct Audit<'a, 'b> {
    pub at: Where<'b>,
    pub detector: &'b Detector,
    pub helm_sources: &'b [(u32, String)],
    /// Externally published Service ports among the objects deployed
    /// together with these.
    pub services: &'b [ServicePort<'a>],
}

/// Facts of one object, and what is wrong with it.
pub fn object(audit: &Audit<'_, '_>, obj: &Object<'_>, problems: &mut Vec<ObjectError>) -> Vec<Fact> {
    let helm_source = detect::helm_source_for(audit.helm_sources, obj.line);
    let pod = match pod::pod_template(obj) {
        Ok(pod) => pod,
        Err(e) => {
            problems.push(e);
            None
        }
    };
    let mut facts = vec![object_fact::object_fact(audit.at, obj, pod.as_ref(), helm_source)];
    let Some(pod) = pod else { return facts };
    let labels = pod.meta.and_then(|m| m.get("labels"));
    let services: Vec<ServicePort<'_>> =
        audit.services.iter().filter(|s| s.selects(obj.namespace.as_deref(), labels)).cloned().collect();
    let mut containers = 0;
    for (container_type, key) in pod::ContainerType::ALL {
        let Some(list) = pod.spec.get(key).filter(|n| !n.is_null()) else { continue };
        let Some(items) = list.as_seq() else {
            problems.push(ObjectError::at(list, format!("{key} of {} must be a sequence", obj.reference())));
            continue;
        };
        for node in items {
            containers += usize::from(container_type == pod::ContainerType::Container);
            let input = ContainerInput {
                at: audit.at,
                object: obj,
                pod: &pod,
                node,
                container_type,
                detector: audit.detector,
                helm_source,
                services: &services,
            };
            facts.extend(container::container_facts(&input, problems));
        }
    }
    if containers == 0 {
        problems.push(ObjectError::at(position_of(pod.spec), format!("{} has no containers", obj.reference())));
    }
    facts
}

fn position_of(node: &Node) -> &Node {
    super::place::position(node)
}
