//! The swarm's own settings (`GET /swarm`, `/nodes`, `/networks`) as one
//! `swarm` fact, and one `swarm_node` fact per node.

use bollard::models::{Network, Node, Swarm};

use crate::facts::swarm::{OverlayNetwork, Swarm as SwarmFact};
use crate::facts::swarm_node::SwarmNode;
use crate::facts::{Fact, FactData, FactKind, Subject};

/// What the swarm fact needs besides the API answers.
pub struct Settings<'a> {
    pub host: &'a str,
    pub intended: Option<bool>,
    pub services: usize,
    pub secrets: usize,
    /// Addresses listening on the control port, when read on the manager.
    pub listen: Option<Vec<String>>,
}

pub fn swarm_fact(swarm: &Swarm, nodes: &[Node], networks: &[Network], s: &Settings<'_>) -> Fact {
    let role = |n: &Node| n.spec.as_ref().and_then(|s| s.role).map(|r| r.to_string()).unwrap_or_default();
    let managers = nodes.iter().filter(|n| role(n) == "manager").count() as i64;
    let spec = swarm.spec.as_ref();
    let overlay_networks = networks
        .iter()
        .filter(|n| n.driver.as_deref() == Some("overlay"))
        .map(|n| OverlayNetwork {
            name: n.name.clone().unwrap_or_default(),
            encrypted: n.options.as_ref().is_some_and(|o| o.contains_key("encrypted")),
            ingress: n.ingress.unwrap_or(false),
        })
        .collect();
    let cluster_id = swarm.id.clone();
    let data = SwarmFact {
        host: s.host.to_string(),
        cluster_id: cluster_id.clone(),
        node_id: None,
        managers,
        workers: nodes.len() as i64 - managers,
        services: s.services as i64,
        secrets: s.secrets as i64,
        intended: s.intended,
        autolock: spec.and_then(|s| s.encryption_config.as_ref()).and_then(|e| e.auto_lock_managers).unwrap_or(false),
        node_cert_expiry_hours: spec
            .and_then(|s| s.ca_config.as_ref())
            .and_then(|c| c.node_cert_expiry)
            .map(|ns| ns / 3_600_000_000_000),
        ca_age_days: swarm.tls_info.as_ref().and_then(|t| t.trust_root.as_deref()).and_then(ca_age_days),
        overlay_networks,
        listen_known: s.listen.is_some(),
        management_listen: s.listen.clone().unwrap_or_default(),
    };
    let subject = Subject::scoped(FactKind::Swarm, "swarm", s.host)
        .with_label("cluster_id", cluster_id.unwrap_or_default().chars().take(12).collect::<String>());
    Fact::new(subject, FactData::Swarm(data))
}

pub fn node_fact(host: &str, node: &Node) -> Fact {
    let spec = node.spec.as_ref();
    let description = node.description.as_ref();
    let manager = node.manager_status.as_ref();
    let id = node.id.clone().unwrap_or_default();
    let hostname = description.and_then(|d| d.hostname.clone()).unwrap_or_else(|| id.clone());
    let data = SwarmNode {
        host: host.to_string(),
        id: id.clone(),
        hostname: hostname.clone(),
        role: spec.and_then(|s| s.role).map(|r| r.to_string()).unwrap_or_default(),
        availability: spec.and_then(|s| s.availability).map(|a| a.to_string()).unwrap_or_default(),
        state: node.status.as_ref().and_then(|s| s.state).map(|s| s.to_string()).unwrap_or_default(),
        leader: manager.and_then(|m| m.leader).unwrap_or(false),
        engine_version: description.and_then(|d| d.engine.as_ref()).and_then(|e| e.engine_version.clone()),
        manager_addr: manager.and_then(|m| m.addr.clone()),
        data_addr: node.status.as_ref().and_then(|s| s.addr.clone()),
    };
    // Hostnames can repeat across a swarm; the ID cannot.
    let subject = Subject::scoped(FactKind::SwarmNode, format!("{hostname} ({})", short(&id)), host);
    Fact::new(subject, FactData::SwarmNode(data))
}

fn short(id: &str) -> String {
    id.chars().take(12).collect()
}

/// Days since the root CA certificate's `notBefore`.
fn ca_age_days(pem: &str) -> Option<i64> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).ok()?;
    let cert = pem.parse_x509().ok()?;
    let issued = cert.validity().not_before.timestamp();
    Some((chrono::Utc::now().timestamp() - issued).max(0) / 86_400)
}
