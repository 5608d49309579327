//! The `kubernetes_object` fact of one object: replicas, autoscaler, service
//! account token, Secret data. Settings that depend on other objects are
//! filled in afterwards by `resolve`.

use std::collections::{BTreeMap, HashMap};

use crate::collect::yaml::Node;
use crate::facts::kubernetes::{Autoscaler, KubernetesObject, SecretEntry, ServiceAccountToken};
use crate::facts::{Fact, FactData, FactKind, Subject};

use super::container::Where;
use super::objects::Object;
use super::pod::PodTemplate;

pub fn object_fact(w: Where<'_>, obj: &Object<'_>, pod: Option<&PodTemplate<'_>>, helm_source: Option<&str>) -> Fact {
    let node = obj.node;
    let spec = node.get("spec");
    let mut locations = BTreeMap::new();
    let mut at = |key: &str, n: Option<&Node>| {
        locations.insert(key.to_string(), w.place.of(n.unwrap_or(obj.kind_node)));
    };
    at("namespace", node.path(&["metadata", "namespace"]));

    let mut data = KubernetesObject {
        api_version: obj.api_version.clone(),
        kind: obj.kind.clone(),
        name: obj.name.clone(),
        namespace: obj.namespace.clone(),
        ..Default::default()
    };

    if matches!(obj.kind.as_str(), "Deployment" | "StatefulSet" | "ReplicaSet" | "ReplicationController") {
        let replicas = spec.and_then(|s| s.get("replicas"));
        at("replicas", replicas);
        data.replicas = replicas.and_then(Node::as_i64);
        data.effective_replicas = Some(data.replicas.unwrap_or(1));
    }

    if obj.kind == "HorizontalPodAutoscaler" {
        let min = spec.and_then(|s| s.get("minReplicas"));
        at("autoscaler.min_replicas", min);
        let target = spec
            .and_then(|s| s.get("scaleTargetRef"))
            .and_then(|t| Some(format!("{}/{}", t.get("kind")?.as_str()?, t.get("name")?.as_str()?)));
        let min_replicas = min.and_then(Node::as_i64);
        data.autoscaler = Some(Autoscaler {
            min_replicas,
            effective_min_replicas: min_replicas.unwrap_or(1),
            max_replicas: spec.and_then(|s| s.get("maxReplicas")).and_then(Node::as_i64),
            target,
        });
    }

    if let Some(pod) = pod {
        let setting = pod.spec.get("automountServiceAccountToken");
        at("service_account_token", setting.or(pod.spec.get("serviceAccountName")));
        let account = pod
            .spec
            .get("serviceAccountName")
            .or(pod.spec.get("serviceAccount"))
            .and_then(Node::as_str)
            .unwrap_or("default");
        data.service_account_token = Some(match setting.and_then(Node::as_bool) {
            Some(v) => ServiceAccountToken { service_account: account.into(), automounted: v, source: "pod".into() },
            None => {
                ServiceAccountToken { service_account: account.into(), automounted: true, source: "default".into() }
            }
        });
        data.pod_labels = labels(pod.meta.and_then(|m| m.get("labels")));
    }

    if obj.kind == "ServiceAccount" {
        let setting = node.get("automountServiceAccountToken");
        at("service_account_token", setting);
        data.service_account_token = Some(ServiceAccountToken {
            service_account: obj.name.clone(),
            automounted: setting.and_then(Node::as_bool).unwrap_or(true),
            source: if setting.is_some() { "service_account".into() } else { "default".into() },
        });
    }

    if obj.kind == "Secret" {
        // Only the keys: the secrets scan decodes and judges the values.
        data.secret_type = node.get("type").and_then(Node::as_str).map(str::to_string);
        for field in ["data", "stringData"] {
            for (key, value_node) in node.get(field).map(|d| d.entries().collect::<Vec<_>>()).unwrap_or_default() {
                let value = value_node.as_str().unwrap_or("");
                let literal = !value.trim().is_empty() && !is_reference(value);
                at(&format!("secret_data.{key}"), Some(value_node));
                data.secret_data.push(SecretEntry {
                    key: key.to_string(),
                    field: field.into(),
                    literal,
                    ..SecretEntry::default()
                });
            }
        }
    }

    let mut subject = Subject::scoped(FactKind::KubernetesObject, obj.reference(), w.scope);
    if let Some(overlay) = w.overlay {
        subject = subject.with_label("overlay", overlay);
    }
    if let Some(ns) = &obj.namespace {
        subject = subject.with_label("namespace", ns);
    }
    if let Some(src) = helm_source {
        subject = subject.with_label("helm_source", src);
    }
    let mut fact = Fact::new(subject, FactData::KubernetesObject(data));
    fact.origin = Some(w.place.of(obj.kind_node));
    fact.locations = locations;
    fact
}

fn labels(node: Option<&Node>) -> BTreeMap<String, String> {
    node.map(|l| l.entries().filter_map(|(k, v)| Some((k.to_string(), v.as_str()?.to_string()))).collect())
        .unwrap_or_default()
}

/// Settings that depend on other objects of the scan: an autoscaler that
/// targets an object takes over its replica count, and a pod that does not
/// say whether to mount its token follows its ServiceAccount.
pub fn resolve(facts: &mut [Fact]) {
    type Key = (Option<String>, String);
    let mut autoscaled: HashMap<Key, String> = HashMap::new();
    let mut accounts: HashMap<Key, bool> = HashMap::new();
    for fact in facts.iter() {
        let FactData::KubernetesObject(o) = &fact.data else { continue };
        if let Some(target) = o.autoscaler.as_ref().and_then(|a| a.target.clone()) {
            autoscaled.insert((o.namespace.clone(), target), format!("{}/{}", o.kind, o.name));
        }
        if o.kind == "ServiceAccount" {
            if let Some(t) = o.service_account_token.as_ref().filter(|t| t.source == "service_account") {
                accounts.insert((o.namespace.clone(), o.name.clone()), t.automounted);
            }
        }
    }
    for fact in facts.iter_mut() {
        let FactData::KubernetesObject(o) = &mut fact.data else { continue };
        let own = (o.namespace.clone(), format!("{}/{}", o.kind, o.name));
        if let Some(hpa) = autoscaled.get(&own) {
            o.autoscaled_by = Some(hpa.clone());
        }
        if o.kind == "ServiceAccount" {
            continue;
        }
        if let Some(token) = o.service_account_token.as_mut().filter(|t| t.source == "default") {
            if let Some(&mounted) = accounts.get(&(o.namespace.clone(), token.service_account.clone())) {
                token.automounted = mounted;
                token.source = "service_account".into();
            }
        }
    }
}

/// `${VAR}`, `$VAR`, `{{ .Values.x }}`: filled in at deploy time.
fn is_reference(value: &str) -> bool {
    let v = value.trim();
    (v.starts_with("${") && v.ends_with('}'))
        || (v.starts_with("{{") && v.ends_with("}}"))
        || v.strip_prefix('$')
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}
