//! Which container ports reach the outside through a Service. A
//! `containerPort` alone publishes nothing (it is documentation); a Service
//! of type NodePort opens the port on every node's interfaces, and a
//! LoadBalancer does that and puts a public address in front. Those become
//! port bindings of the workloads the Service selects, pointing at the
//! Service's port entry.

use crate::collect::yaml::Node;
use crate::facts::workload::PortBinding;

use super::objects::Object;

#[derive(Debug, Clone)]
pub struct ServicePort<'a> {
    namespace: Option<String>,
    selector: Vec<(String, String)>,
    load_balancer: bool,
    port: i64,
    target: Target,
    node_port: Option<i64>,
    protocol: String,
    /// The port's entry in the Service, where findings point.
    pub node: &'a Node,
}

#[derive(Debug, Clone, PartialEq)]
enum Target {
    Number(i64),
    Name(String),
}

/// The externally published ports of the Services among `objects`.
pub fn gather<'a>(objects: &[Object<'a>]) -> Vec<ServicePort<'a>> {
    let mut out = Vec::new();
    for obj in objects.iter().filter(|o| o.kind == "Service") {
        let Some(spec) = obj.node.get("spec") else { continue };
        let load_balancer = match spec.get("type").and_then(Node::as_str) {
            Some("NodePort") => false,
            Some("LoadBalancer") => true,
            _ => continue,
        };
        let selector: Vec<(String, String)> = spec
            .get("selector")
            .map(|s| s.entries().filter_map(|(k, v)| Some((k.to_string(), v.as_str()?.to_string()))).collect())
            .unwrap_or_default();
        // Without a selector the Service has hand-made endpoints: no pod of
        // the scan is known to be behind it.
        if selector.is_empty() {
            continue;
        }
        for entry in spec.get("ports").and_then(Node::as_seq).unwrap_or_default() {
            let Some(port) = entry.get("port").and_then(Node::as_i64) else { continue };
            let target = match entry.get("targetPort") {
                Some(t) if t.as_i64().is_some() => Target::Number(t.as_i64().unwrap_or(port)),
                Some(t) if t.as_str().is_some() => Target::Name(t.as_str().unwrap_or_default().to_string()),
                _ => Target::Number(port),
            };
            out.push(ServicePort {
                namespace: obj.namespace.clone(),
                selector: selector.clone(),
                load_balancer,
                port,
                target,
                node_port: entry.get("nodePort").and_then(Node::as_i64),
                protocol: entry.get("protocol").and_then(Node::as_str).unwrap_or("TCP").to_ascii_lowercase(),
                node: entry,
            });
        }
    }
    out
}

impl ServicePort<'_> {
    /// Whether the Service selects pods with these labels in this namespace
    /// (a manifest without a namespace goes wherever it is applied, so two
    /// such objects meet).
    pub fn selects(&self, namespace: Option<&str>, pod_labels: Option<&Node>) -> bool {
        self.namespace.as_deref() == namespace
            && self.selector.iter().all(|(k, v)| pod_labels.and_then(|l| l.get(k)).and_then(Node::as_str) == Some(v))
    }

    /// The binding this port gives `container` (one of `containers` regular
    /// containers of the pod): the container that declares the target port,
    /// or the pod's only container for a number nobody declares.
    pub fn binding_for(&self, container: &Node, containers: usize) -> Option<PortBinding> {
        let declared = container.get("ports").and_then(Node::as_seq).unwrap_or_default();
        let container_port = match &self.target {
            Target::Name(name) => declared
                .iter()
                .find(|p| p.get("name").and_then(Node::as_str) == Some(name))
                .and_then(|p| p.get("containerPort").and_then(Node::as_i64))?,
            Target::Number(n) => {
                let declares = declared.iter().any(|p| p.get("containerPort").and_then(Node::as_i64) == Some(*n));
                if !declares && containers != 1 {
                    return None;
                }
                *n
            }
        };
        let host_port = if self.load_balancer { Some(self.port) } else { self.node_port };
        Some(PortBinding {
            host_ip: None,
            host_port: host_port.map(|p| p.to_string()),
            container_port: container_port.to_string(),
            protocol: self.protocol.clone(),
            all_interfaces: true,
        })
    }
}
