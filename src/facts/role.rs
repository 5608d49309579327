//! What part a workload plays in its stack, judged from its image: the
//! reverse proxy that faces the outside, a datastore that only the app may
//! reach, or an application.
//!
//! Port verdicts depend on it. The deployment guide publishes nginx's 80/443
//! on purpose, keeps Redis reachable by the app only, and puts the app behind
//! nginx; port numbers alone cannot tell these apart (Grafana, Gitea and
//! React dev servers use 3000 as their public port), the role can.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::image::ImageRef;
use super::{Fact, FactData};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Anything that is neither of the others, including images built from
    /// a local Dockerfile.
    #[default]
    App,
    /// A reverse proxy or load balancer: its job is to face the outside.
    Proxy,
    /// A database, cache or broker: never meant to face the outside.
    Datastore,
}

/// Image names (the last path component, so `bitnami/redis` and
/// `docker.io/library/redis` both count) of reverse proxies.
const PROXIES: &[&str] = &[
    "nginx",
    "nginx-unprivileged",
    "nginx-ingress",
    "openresty",
    "traefik",
    "caddy",
    "haproxy",
    "envoy",
    "httpd",
    "apache2",
    "varnish",
    "swag",
    "nginx-proxy",
    "nginx-proxy-manager",
    // Ingress controllers: `registry.k8s.io/ingress-nginx/controller` is
    // matched by its `ingress-nginx` path segment.
    "ingress-nginx",
    "nginx-ingress-controller",
    "kong",
    "contour",
    "emissary",
    "apisix",
];

/// Image names of datastores, caches and brokers.
const DATASTORES: &[&str] = &[
    "redis",
    "redis-stack-server",
    "valkey",
    "keydb",
    "dragonfly",
    "memcached",
    "postgres",
    "postgresql",
    "postgis",
    "timescaledb",
    "mysql",
    "mariadb",
    "percona-server",
    "mongo",
    "mongodb",
    "elasticsearch",
    "opensearch",
    "rabbitmq",
    "etcd",
    "zookeeper",
    "kafka",
    "cassandra",
    "scylla",
    "clickhouse-server",
    "influxdb",
    "couchdb",
    "nats",
];

impl Role {
    /// The role an image's name says: its last path component, or for
    /// proxies any component (`ingress-nginx/controller`).
    pub fn of_image(image: &ImageRef) -> Role {
        if image.interpolated {
            return Role::App;
        }
        let name = image.short_name().to_ascii_lowercase();
        let repository = image.repository.to_ascii_lowercase();
        if PROXIES.contains(&name.as_str()) || repository.split('/').any(|part| PROXIES.contains(&part)) {
            Role::Proxy
        } else if DATASTORES.contains(&name.as_str()) {
            Role::Datastore
        } else {
            Role::App
        }
    }
}

/// Sets every workload's `role`, and `behind_proxy` for the workloads that
/// share a deployment with a reverse proxy: the services of one compose
/// project, the containers of one compose project on one Docker host, the
/// services of one swarm stack, the objects of one manifest file or namespace.
pub fn assign_roles(facts: &mut [Fact]) {
    let bases = dockerfile_bases(facts);
    assign_roles_with(facts, &bases);
}

/// The role each scanned Dockerfile's final stage gives the image built
/// from it, by the Dockerfile's path: an image built here takes the role of
/// the base its final stage starts from (a gateway built `FROM
/// openresty/openresty`).
pub fn dockerfile_bases(facts: &[Fact]) -> BTreeMap<String, Role> {
    facts
        .iter()
        .filter_map(|f| match &f.data {
            FactData::Image(i) if i.used_by == "dockerfile" && i.final_stage => {
                Some((f.subject.scope.clone()?, Role::of_image(&i.reference)))
            }
            _ => None,
        })
        .collect()
}

/// [`assign_roles`] with the Dockerfile roles known beforehand (a streamed
/// scan reads the Dockerfiles before the files that build from them).
pub fn assign_roles_with(facts: &mut [Fact], bases: &BTreeMap<String, Role>) {
    let mut proxied: BTreeMap<String, bool> = BTreeMap::new();
    for fact in facts.iter_mut() {
        let group = deployment(fact);
        if let FactData::Workload(w) = &mut fact.data {
            let own = w.image.as_ref().map(Role::of_image).unwrap_or_default();
            let base = w.build_dockerfile.as_ref().and_then(|d| bases.get(d)).copied().unwrap_or_default();
            w.role = if own == Role::App { base } else { own };
            if let Some(group) = group {
                *proxied.entry(group).or_default() |= w.role == Role::Proxy;
            }
        }
    }
    for fact in facts.iter_mut() {
        let group = deployment(fact);
        if let FactData::Workload(w) = &mut fact.data {
            w.behind_proxy = w.role != Role::Proxy && group.is_some_and(|g| proxied.get(&g).copied().unwrap_or(false));
        }
    }
}

/// What groups workloads deployed together, when anything does.
fn deployment(fact: &Fact) -> Option<String> {
    let FactData::Workload(w) = &fact.data else {
        return None;
    };
    Some(match w.platform {
        super::workload::Platform::Docker => {
            let project = w.labels.get("com.docker.compose.project")?;
            let host = w.runtime.as_ref().map(|r| r.host.as_str()).unwrap_or_default();
            format!("docker\u{0}{host}\u{0}{project}")
        }
        // `docker stack deploy` takes the compose file: one stack, one group.
        super::workload::Platform::Swarm => {
            let stack = w.labels.get("com.docker.stack.namespace")?;
            format!("swarm\u{0}{}\u{0}{stack}", fact.subject.scope.as_deref().unwrap_or_default())
        }
        _ => format!("{:?}\u{0}{}", w.platform, fact.subject.scope.as_deref()?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::workload::Workload;
    use crate::facts::{FactKind, Subject};

    fn service(name: &str, image: Option<&str>) -> Fact {
        let workload = Workload { image: image.map(ImageRef::parse), ..Workload::default() };
        Fact::new(Subject::scoped(FactKind::Workload, name, "docker-compose.yml"), FactData::Workload(workload))
    }

    fn role_of(fact: &Fact) -> (Role, bool) {
        match &fact.data {
            FactData::Workload(w) => (w.role, w.behind_proxy),
            _ => unreachable!(),
        }
    }

    #[test]
    fn roles_come_from_the_image_name_whatever_the_registry() {
        assert_eq!(Role::of_image(&ImageRef::parse("nginx:1.27-alpine")), Role::Proxy);
        assert_eq!(Role::of_image(&ImageRef::parse("docker.io/bitnami/redis:7.4")), Role::Datastore);
        assert_eq!(Role::of_image(&ImageRef::parse("grafana/grafana:11.2.0")), Role::App);
        assert_eq!(Role::of_image(&ImageRef::parse("${REDIS_IMAGE}")), Role::App);
        assert_eq!(Role::of_image(&ImageRef::parse("registry.k8s.io/ingress-nginx/controller:v1.11.2")), Role::Proxy);
    }

    #[test]
    fn an_image_built_here_takes_its_base_images_role() {
        let mut gateway = service("gateway", Some("registry.example.com/edge/gateway:2.1.0"));
        if let FactData::Workload(w) = &mut gateway.data {
            w.build_dockerfile = Some("gateway/Dockerfile".into());
        }
        let base = crate::facts::image::Image {
            reference: ImageRef::parse("openresty/openresty:1.25.3.1-alpine"),
            used_by: "dockerfile".into(),
            final_stage: true,
        };
        let from = Fact::new(Subject::scoped(FactKind::Image, "stage 0", "gateway/Dockerfile"), FactData::Image(base));
        let mut facts = vec![gateway, from, service("api", None)];
        assign_roles(&mut facts);
        assert_eq!(role_of(&facts[0]), (Role::Proxy, false));
        assert_eq!(role_of(&facts[2]), (Role::App, true));
    }

    #[test]
    fn an_app_is_behind_a_proxy_only_in_a_deployment_that_has_one() {
        let mut facts =
            vec![service("nginx", Some("nginx:1.27")), service("app", None), service("redis", Some("redis:7"))];
        let mut alone = service("grafana", Some("grafana/grafana:11.2.0"));
        alone.subject.scope = Some("monitoring/compose.yaml".into());
        facts.push(alone);
        assign_roles(&mut facts);
        assert_eq!(role_of(&facts[0]), (Role::Proxy, false));
        assert_eq!(role_of(&facts[1]), (Role::App, true));
        assert_eq!(role_of(&facts[2]), (Role::Datastore, true));
        assert_eq!(role_of(&facts[3]), (Role::App, false));
    }
}
