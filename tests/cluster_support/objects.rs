//! Objects as the API server returns them in list responses: the fields it
//! fills in itself (uid, resourceVersion, creationTimestamp, managedFields,
//! defaults such as `terminationMessagePath` and `dnsPolicy`, the projected
//! service-account token volume the admission plugin adds, a status with
//! container states) besides what the manifest said. Shaped after the
//! examples of the Kubernetes API reference; written for these tests.

use serde_json::{json, Value};

fn uid(seed: &str) -> String {
    let h = blake3::hash(seed.as_bytes()).to_hex();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

fn meta(ns: Option<&str>, name: &str, labels: Value) -> Value {
    let mut m = json!({
        "name": name,
        "uid": uid(&format!("{ns:?}/{name}")),
        "resourceVersion": "1523",
        "creationTimestamp": "2025-03-14T09:26:53Z",
        "labels": labels,
        "managedFields": [{
            "manager": "kubectl-client-side-apply",
            "operation": "Update",
            "apiVersion": "v1",
            "time": "2025-03-14T09:26:53Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:metadata": {"f:labels": {".": {}}}}
        }]
    });
    if let Some(ns) = ns {
        m["namespace"] = json!(ns);
    }
    m
}

pub fn namespace(name: &str) -> Value {
    json!({
        "metadata": meta(None, name, json!({"kubernetes.io/metadata.name": name})),
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"}
    })
}

fn owner(api_version: &str, kind: &str, name: &str, ns: &str) -> Value {
    json!([{
        "apiVersion": api_version,
        "kind": kind,
        "name": name,
        "uid": uid(&format!("{ns}/{kind}/{name}")),
        "controller": true,
        "blockOwnerDeletion": true
    }])
}

/// A container as the API server returns it: the manifest's fields plus
/// the defaults it fills in.
pub fn container(name: &str, image: &str, extra: Value) -> Value {
    let mut c = json!({
        "name": name,
        "image": image,
        "resources": {},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "imagePullPolicy": "IfNotPresent",
        "volumeMounts": [{
            "name": "kube-api-access-7xk2p",
            "readOnly": true,
            "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"
        }]
    });
    if let (Some(c), Some(extra)) = (c.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            c.insert(k.clone(), v.clone());
        }
    }
    c
}

/// A pod template: its labels, pod-level spec fields and containers.
#[derive(Clone)]
pub struct Template {
    pub labels: Value,
    pub spec: Value,
    pub containers: Vec<Value>,
}

/// A running pod of the template, owned by `owner` (`(apiVersion, kind,
/// name)`), or by nothing.
pub fn pod(ns: &str, name: &str, owned_by: Option<(&str, &str, &str)>, t: &Template, extra_labels: Value) -> Value {
    let mut labels = t.labels.clone();
    if let (Some(l), Some(x)) = (labels.as_object_mut(), extra_labels.as_object()) {
        for (k, v) in x {
            l.insert(k.clone(), v.clone());
        }
    }
    let mut m = meta(Some(ns), name, labels);
    if let Some((api, kind, owner_name)) = owned_by {
        m["ownerReferences"] = owner(api, kind, owner_name, ns);
        m["generateName"] = json!(format!("{owner_name}-"));
    }
    let mut spec = json!({
        "volumes": [{
            "name": "kube-api-access-7xk2p",
            "projected": {
                "sources": [
                    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                    {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                    {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}
                ],
                "defaultMode": 420
            }
        }],
        "containers": t.containers,
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
        "serviceAccountName": "default",
        "serviceAccount": "default",
        "nodeName": "worker-1",
        "securityContext": {},
        "schedulerName": "default-scheduler",
        "tolerations": [
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
        ],
        "priority": 0,
        "enableServiceLinks": true,
        "preemptionPolicy": "PreemptLowerPriority"
    });
    if let (Some(s), Some(x)) = (spec.as_object_mut(), t.spec.as_object()) {
        for (k, v) in x {
            if k == "volumes" {
                if let (Some(vols), Some(more)) = (s.get_mut("volumes").and_then(Value::as_array_mut), v.as_array()) {
                    vols.extend(more.iter().cloned());
                }
            } else {
                s.insert(k.clone(), v.clone());
            }
        }
    }
    let statuses: Vec<Value> = t
        .containers
        .iter()
        .map(|c| {
            json!({
                "name": c["name"],
                "state": {"running": {"startedAt": "2025-03-14T09:27:02Z"}},
                "lastState": {},
                "ready": true,
                "restartCount": 0,
                "image": c["image"],
                "imageID": format!("docker.io/library/{}@sha256:{}", c["image"].as_str().unwrap_or(""), blake3::hash(c["image"].to_string().as_bytes()).to_hex()),
                "containerID": format!("containerd://{}", blake3::hash(name.as_bytes()).to_hex()),
                "started": true
            })
        })
        .collect();
    json!({
        "metadata": m,
        "spec": spec,
        "status": {
            "phase": "Running",
            "conditions": [
                {"type": "Initialized", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2025-03-14T09:26:53Z"},
                {"type": "Ready", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2025-03-14T09:27:03Z"},
                {"type": "ContainersReady", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2025-03-14T09:27:03Z"},
                {"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2025-03-14T09:26:53Z"}
            ],
            "hostIP": "10.0.0.11",
            "hostIPs": [{"ip": "10.0.0.11"}],
            "podIP": "10.244.1.17",
            "podIPs": [{"ip": "10.244.1.17"}],
            "startTime": "2025-03-14T09:26:53Z",
            "containerStatuses": statuses,
            "qosClass": "BestEffort"
        }
    })
}

/// A Deployment's ReplicaSet and `replicas` pods of it.
pub fn deployment(ns: &str, name: &str, hash: &str, replicas: usize, t: &Template) -> (Value, Vec<Value>) {
    let rs_name = format!("{name}-{hash}");
    let mut rs_meta = meta(Some(ns), &rs_name, t.labels.clone());
    rs_meta["ownerReferences"] = owner("apps/v1", "Deployment", name, ns);
    rs_meta["annotations"] = json!({"deployment.kubernetes.io/desired-replicas": replicas.to_string(), "deployment.kubernetes.io/revision": "1"});
    let rs = json!({
        "metadata": rs_meta,
        "spec": {"replicas": replicas, "selector": {"matchLabels": t.labels}, "template": {"metadata": {"labels": t.labels}, "spec": {"containers": t.containers}}},
        "status": {"replicas": replicas, "fullyLabeledReplicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas, "observedGeneration": 1}
    });
    let pods = (0..replicas)
        .map(|i| {
            // Five characters like the API server's, unique per replica.
            let alphabet = b"bcdfghjklmnpqrstvwxz2456789";
            let suffix: String =
                (0..5).map(|k| alphabet[(i / alphabet.len().pow(k)) % alphabet.len()] as char).collect();
            pod(
                ns,
                &format!("{rs_name}-{suffix}"),
                Some(("apps/v1", "ReplicaSet", &rs_name)),
                t,
                json!({"pod-template-hash": hash}),
            )
        })
        .collect();
    (rs, pods)
}

/// A StatefulSet's pods (`name-0`, `name-1`, ...), owned by it directly.
pub fn statefulset(ns: &str, name: &str, replicas: usize, t: &Template) -> Vec<Value> {
    (0..replicas)
        .map(|i| {
            pod(
                ns,
                &format!("{name}-{i}"),
                Some(("apps/v1", "StatefulSet", name)),
                t,
                json!({"statefulset.kubernetes.io/pod-name": format!("{name}-{i}"), "controller-revision-hash": format!("{name}-6d8f7c9b5"), "apps.kubernetes.io/pod-index": i.to_string()}),
            )
        })
        .collect()
}

/// A CronJob's Job (owned by it) and the Job's running pod.
pub fn cronjob_run(ns: &str, cronjob: &str, run: &str, t: &Template) -> (Value, Value) {
    let job_name = format!("{cronjob}-{run}");
    let mut job_meta = meta(Some(ns), &job_name, json!({}));
    job_meta["ownerReferences"] = owner("batch/v1", "CronJob", cronjob, ns);
    let job = json!({"metadata": job_meta, "spec": {"parallelism": 1, "completions": 1, "backoffLimit": 0}, "status": {"active": 1}});
    let mut t = t.clone();
    t.spec["restartPolicy"] = json!("Never");
    let p = pod(
        ns,
        &format!("{job_name}-x7k2q"),
        Some(("batch/v1", "Job", &job_name)),
        &t,
        json!({"job-name": job_name, "batch.kubernetes.io/job-name": job_name}),
    );
    (job, p)
}

pub fn network_policy(ns: &str, name: &str, spec: Value) -> Value {
    json!({"metadata": meta(Some(ns), name, json!({})), "spec": spec})
}

pub fn service(ns: &str, name: &str, kind: &str, selector: Value, ports: Value) -> Value {
    json!({
        "metadata": meta(Some(ns), name, json!({"app": name})),
        "spec": {
            "ports": ports,
            "selector": selector,
            "clusterIP": "10.96.113.24",
            "clusterIPs": ["10.96.113.24"],
            "type": kind,
            "sessionAffinity": "None",
            "externalTrafficPolicy": "Cluster",
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "internalTrafficPolicy": "Cluster"
        },
        "status": {"loadBalancer": {}}
    })
}

pub fn service_account(ns: &str, name: &str, automount: Option<bool>) -> Value {
    let mut sa = json!({"metadata": meta(Some(ns), name, json!({}))});
    if let Some(a) = automount {
        sa["automountServiceAccountToken"] = json!(a);
    }
    sa
}

pub fn cluster_role(name: &str, rules: Value) -> Value {
    json!({"metadata": meta(None, name, json!({"kubernetes.io/bootstrapping": "rbac-defaults"})), "rules": rules})
}

pub fn cluster_role_binding(name: &str, role: &str, subjects: Value) -> Value {
    json!({
        "metadata": meta(None, name, json!({})),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": subjects
    })
}

pub fn role(ns: &str, name: &str, rules: Value) -> Value {
    json!({"metadata": meta(Some(ns), name, json!({})), "rules": rules})
}

pub fn role_binding(ns: &str, name: &str, kind: &str, role: &str, subjects: Value) -> Value {
    json!({
        "metadata": meta(Some(ns), name, json!({})),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": role},
        "subjects": subjects
    })
}
