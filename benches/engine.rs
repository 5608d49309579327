//! Rule evaluation alone: every built-in rule over 10,000 generated
//! workload facts (plus their image facts), no files, no collectors.
//! `cargo bench --bench engine`; figures in scripts/bench-core.sh's output.

// Benchmark harness over generated input: a panic is a failed benchmark run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::string_slice,
    clippy::indexing_slicing,
    clippy::unreachable
)]

use std::time::{Duration, Instant};

use stackaudit::config::Policy;
use stackaudit::facts::image::{Image, ImageRef};
use stackaudit::facts::workload::{
    Capabilities, EnvValue, EnvVar, Healthcheck, Limits, Mount, MountKind, PortBinding, User, UserSource, Workload,
};
use stackaudit::facts::{Fact, FactData, FactKind, Location, Subject};
use stackaudit::rules::{Engine, RuleSet};

// The allocator the binary uses (src/main.rs), so figures match a scan.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const WORKLOADS: usize = 10_000;
const RUNS: usize = 10;

fn workload(i: usize) -> Workload {
    let secure = i.is_multiple_of(3);
    let mut w = Workload {
        image: Some(ImageRef::parse(&format!(
            "registry.example.test/app{}:{}",
            i % 50,
            if secure { "1.2" } else { "latest" }
        ))),
        ..Default::default()
    };
    if secure {
        w.user = User::from_declaration("1001:1001", UserSource::Workload);
        w.capabilities = Capabilities::new([], ["ALL".to_string()]);
        w.read_only_rootfs = true;
        w.no_new_privileges = true;
        w.limits = Limits { memory_bytes: Some(2 << 30), cpus: Some(2.0), pids: Some(200) };
        w.healthcheck = Healthcheck { defined: true, disabled: false, source: Some("workload".into()) };
    } else {
        w.user = User::default_root();
        w.capabilities = Capabilities::new(["NET_ADMIN".to_string(), "SYS_TIME".to_string()], []);
    }
    if i.is_multiple_of(7) {
        w.ports = vec![PortBinding {
            host_ip: None,
            host_port: Some("6379".into()),
            container_port: "6379".into(),
            protocol: "tcp".into(),
            all_interfaces: true,
        }];
    }
    if i.is_multiple_of(13) {
        w.mounts = vec![Mount {
            kind: MountKind::Bind,
            source: Some("/var/run/docker.sock".into()),
            target: "/var/run/docker.sock".into(),
            read_only: true,
            propagation: None,
        }];
    }
    w.privileged = i.is_multiple_of(17);
    w.host_namespaces.network = i.is_multiple_of(17);
    w.environment = vec![
        EnvVar { name: "NODE_ENV".into(), value: EnvValue::Literal, secret: None },
        EnvVar { name: "REDIS_PASSWORD".into(), value: EnvValue::Reference, secret: None },
    ];
    w
}

fn facts() -> Vec<Fact> {
    let mut facts = Vec::with_capacity(WORKLOADS * 2);
    for i in 0..WORKLOADS {
        let scope = format!("proj{:04}/docker-compose.yml", i / 10);
        let name = format!("svc{}", i % 10);
        let w = workload(i);
        let image = w.image.clone().unwrap_or_default();
        let mut fact = Fact::new(Subject::scoped(FactKind::Workload, &name, &scope), FactData::Workload(w));
        fact.origin = Some(Location::at(&scope, 3 + (i % 10) as u32 * 20, 3));
        facts.push(fact);
        facts.push(Fact::new(
            Subject::scoped(FactKind::Image, &name, &scope),
            FactData::Image(Image { reference: image, used_by: "compose".into(), final_stage: false }),
        ));
    }
    facts
}

fn main() {
    let rules = RuleSet::builtin();
    assert!(rules.errors.is_empty(), "built-in rules load: {:?}", rules.errors);
    let engine = Engine::new(&rules, &Policy::default()).expect("engine");
    let facts = facts();
    let mut times = Vec::with_capacity(RUNS);
    let mut findings = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let (f, errors) = engine.evaluate(&facts);
        times.push(start.elapsed());
        assert!(errors.is_empty(), "{errors:?}");
        findings = f.len();
    }
    times.sort();
    let mean: Duration = times.iter().sum::<Duration>() / RUNS as u32;
    println!(
        "engine: {WORKLOADS} workloads + {WORKLOADS} images, {} rules, {findings} findings: mean {:.3}s, min {:.3}s, max {:.3}s over {RUNS} runs ({} threads)",
        rules.rules.len(),
        mean.as_secs_f64(),
        times[0].as_secs_f64(),
        times[RUNS - 1].as_secs_f64(),
        rayon::current_num_threads(),
    );
}
