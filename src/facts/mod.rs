//! The fact model: what collectors observed, typed and serialisable, with no
//! judgement attached. Rules read facts; collectors write them.
//!
//! Every kind of fact is one struct in its own file. `FactData` ties each
//! struct to the name rules use for it (`kind = "workload"` in a rule file
//! binds the fact to the CEL variable `workload`).

mod location;
pub mod secret_ref;

pub mod dns;
pub mod docker_daemon;
pub mod docker_host_file;
pub mod dockerfile;
pub mod firewall;
pub mod http;
pub mod image;
pub mod image_drift;
pub mod kubernetes;
pub mod kubernetes_namespace;
pub mod kubernetes_reachability;
pub mod kubernetes_service;
pub mod kubernetes_service_account;
pub mod nginx;
pub mod port_scan;
pub mod role;
pub mod secret;
pub mod swarm;
pub mod swarm_node;
pub mod tls;
pub mod workload;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use location::Location;
pub use secret_ref::SecretRef;

/// One observation about one subject.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Fact {
    pub subject: Subject,
    /// Where the subject is defined in a file: the line of a compose service,
    /// a manifest, a Dockerfile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Location>,
    /// For subjects that live outside files (an endpoint, a container, a
    /// domain): the config entry or manifest that named the target. Reports
    /// that need a file position (SARIF) point here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_in: Option<Location>,
    /// Where individual settings came from, keyed by the fact field they fill
    /// (`user`, `capabilities.drop`, `ports`, ...). Rules name one of these keys
    /// in `field` so a finding points at the offending line, not just the
    /// service.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub locations: BTreeMap<String, Location>,
    #[serde(flatten)]
    pub data: FactData,
}

impl Fact {
    pub fn new(subject: Subject, data: FactData) -> Self {
        Self { subject, origin: None, declared_in: None, locations: BTreeMap::new(), data }
    }

    pub fn kind(&self) -> FactKind {
        self.data.kind()
    }

    /// For subjects named in a config entry (an endpoint, a domain): records
    /// the entry and points each of `fields` that has no line of its own at
    /// it, so findings on those fields still have a file position.
    pub fn declare_in(&mut self, entry: Option<Location>, fields: &[&str]) {
        if let Some(entry) = &entry {
            for field in fields {
                self.locations.entry(field.to_string()).or_insert_with(|| entry.clone());
            }
        }
        self.declared_in = entry;
    }

    /// The location of a setting, falling back to the subject's origin.
    pub fn location_of(&self, field: Option<&str>) -> Option<&Location> {
        field.and_then(|f| self.locations.get(f)).or(self.origin.as_ref())
    }
}

/// What a fact is about. `kind` + `scope` + `name` identify a subject across
/// runs, which is what finding fingerprints are built from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct Subject {
    pub kind: FactKind,
    /// Human name: a compose service, a container, `host:port`, a domain.
    pub name: String,
    /// What tells two subjects with the same name apart: the file a service
    /// was declared in, the Docker host a container runs on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Extra identification shown in reports (container ID, image, host...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

impl Subject {
    pub fn new(kind: FactKind, name: impl Into<String>) -> Self {
        Self { kind, name: name.into(), scope: None, labels: BTreeMap::new() }
    }

    pub fn scoped(kind: FactKind, name: impl Into<String>, scope: impl Into<String>) -> Self {
        Self { scope: Some(scope.into()), ..Self::new(kind, name) }
    }

    pub fn with_label(mut self, key: &str, value: impl Into<String>) -> Self {
        self.labels.insert(key.to_string(), value.into());
        self
    }

    /// `scope › name`, or just the name.
    pub fn display(&self) -> String {
        match &self.scope {
            Some(scope) => format!("{scope} › {}", self.name),
            None => self.name.clone(),
        }
    }
}

macro_rules! fact_kinds {
    ($( $variant:ident ( $ty:ty ) => $name:literal ),+ $(,)?) => {
        /// The kinds of fact, named as rules refer to them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum FactKind { $( $variant ),+ }

        impl FactKind {
            pub const ALL: &'static [FactKind] = &[ $( FactKind::$variant ),+ ];

            /// The name used in rule files and as the CEL variable.
            pub fn as_str(self) -> &'static str {
                match self { $( FactKind::$variant => $name ),+ }
            }

            pub fn parse(name: &str) -> Option<Self> {
                match name { $( $name => Some(FactKind::$variant), )+ _ => None }
            }
        }

        /// The observation itself, one typed struct per kind.
        #[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
        #[serde(tag = "kind", content = "data", rename_all = "snake_case")]
        // Facts are built once and read many times; boxing each variant
        // would cost an allocation per fact for no measurable gain.
        #[allow(clippy::large_enum_variant)]
        pub enum FactData { $( $variant($ty) ),+ }

        impl FactData {
            pub fn kind(&self) -> FactKind {
                match self { $( FactData::$variant(_) => FactKind::$variant ),+ }
            }

            /// Converts to the value a CEL expression sees.
            pub fn to_cel(&self) -> Result<cel::Value, cel::SerializationError> {
                match self { $( FactData::$variant(d) => cel::to_value(d) ),+ }
            }

            /// Serialises the observation alone, without the `kind` tag: the
            /// shape rules read (`workload.user`, not `workload.data.user`).
            pub fn serialize_data<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self { $( FactData::$variant(d) => d.serialize(serializer) ),+ }
            }

            /// Builds a fact of `kind` from a partial description (rule inline
            /// tests): absent fields take their defaults, unknown fields are
            /// an error so a typo in a test cannot make it pass vacuously.
            pub fn from_partial(kind: FactKind, value: toml::Value) -> Result<Self, toml::de::Error> {
                Ok(match kind { $( FactKind::$variant => FactData::$variant(value.try_into()?) ),+ })
            }
        }
    };
}

fact_kinds! {
    Workload(workload::Workload) => "workload",
    Image(image::Image) => "image",
    Dockerfile(dockerfile::Dockerfile) => "dockerfile",
    KubernetesObject(kubernetes::KubernetesObject) => "kubernetes_object",
    NginxServer(nginx::NginxServer) => "nginx_server",
    TlsEndpoint(tls::TlsEndpoint) => "tls_endpoint",
    HttpEndpoint(http::HttpEndpoint) => "http_endpoint",
    DnsDomain(dns::DnsDomain) => "dns_domain",
    Firewall(firewall::Firewall) => "firewall",
    PortScan(port_scan::PortScan) => "port_scan",
    DockerDaemon(docker_daemon::DockerDaemon) => "docker_daemon",
    Secret(secret::Secret) => "secret",
    DockerHostFile(docker_host_file::DockerHostFile) => "docker_host_file",
    Swarm(swarm::Swarm) => "swarm",
    SwarmNode(swarm_node::SwarmNode) => "swarm_node",
    KubernetesNamespace(kubernetes_namespace::KubernetesNamespace) => "kubernetes_namespace",
    KubernetesService(kubernetes_service::KubernetesService) => "kubernetes_service",
    KubernetesServiceAccount(kubernetes_service_account::KubernetesServiceAccount) => "kubernetes_service_account",
    KubernetesReachability(kubernetes_reachability::KubernetesReachability) => "kubernetes_reachability",
    ImageDrift(image_drift::ImageDrift) => "image_drift",
}

impl std::fmt::Display for FactKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}
