//! The default run: every scenario against every target, at each fixed rate
//! and at saturation, with the target process's CPU time and peak RSS.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::hist::Summary;
use crate::load::Template;
use crate::load::{self, Mode, Spec};
use crate::procstat;
use crate::scenario::{template, Models, Scenario};

/// Something the load generator can call.
pub struct Target {
    pub name: String,
    pub addr: SocketAddr,
    /// The server process, for CPU and memory (None: in-process fake).
    pub pid: Option<u32>,
    pub models: Models,
    pub key: Option<String>,
    pub scenarios: Vec<Scenario>,
    /// Extra request headers for one scenario (peers' routing headers).
    pub headers: Vec<(Scenario, http::HeaderName, http::HeaderValue)>,
}

impl Target {
    pub fn new(
        name: &str,
        addr: SocketAddr,
        pid: Option<u32>,
        models: Models,
        key: Option<String>,
    ) -> Target {
        Target {
            name: name.to_owned(),
            addr,
            pid,
            models,
            key,
            scenarios: Scenario::ALL.to_vec(),
            headers: Vec::new(),
        }
    }

    /// The request this target gets for scenario `s`.
    pub fn template(&self, s: Scenario) -> Template {
        let mut t = template(s, &self.models, self.key.as_deref());
        for (_, k, v) in self.headers.iter().filter(|(hs, _, _)| *hs == s) {
            t.headers.retain(|(have, _)| have != k);
            t.headers.push((k.clone(), v.clone()));
        }
        t
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Phase {
    Rate(f64),
    Saturate,
}

impl Phase {
    pub fn label(self) -> String {
        match self {
            Phase::Rate(r) => format!("{r} req/s"),
            Phase::Saturate => "saturation".to_owned(),
        }
    }
}

/// One measured cell: a scenario, a target, a phase.
#[derive(Debug, Clone)]
pub struct Row {
    pub scenario: Scenario,
    pub target: String,
    pub phase: Phase,
    pub latency: Summary,
    pub ttfb: Summary,
    pub throughput: f64,
    pub ok: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    /// CPU seconds of the target's processes per 1,000 answered requests.
    pub cpu_per_1k: Option<f64>,
    /// Peak RSS of the target's processes so far (VmHWM), MiB.
    pub peak_rss: Option<f64>,
}

pub struct Plan {
    pub scenarios: Vec<Scenario>,
    pub rates: Vec<f64>,
    pub connections: usize,
    pub phase: Duration,
    pub warmup: Duration,
    pub timeout: Duration,
}

pub async fn measure(
    target: &Target,
    s: Scenario,
    phase: Phase,
    plan: &Plan,
    duration: Duration,
) -> Row {
    let spec = Spec {
        mode: match phase {
            Phase::Rate(r) => Mode::Rate(r),
            Phase::Saturate => Mode::Saturate,
        },
        connections: plan.connections,
        duration,
        templates: Arc::new(vec![target.template(s)]),
        timeout: plan.timeout,
    };
    let cpu_before = target.pid.map(procstat::cpu_seconds);
    let out = load::run(target.addr, &spec).await;
    let cpu = target
        .pid
        .map(procstat::cpu_seconds)
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    Row {
        scenario: s,
        target: target.name.clone(),
        phase,
        latency: out.latency.summary(),
        ttfb: out.ttfb.summary(),
        throughput: out.throughput(),
        ok: out.ok,
        errors: out.errors,
        first_error: out.first_error.clone(),
        cpu_per_1k: cpu
            .filter(|_| out.ok > 0)
            .map(|c| c / out.ok as f64 * 1000.0),
        peak_rss: target.pid.map(procstat::peak_rss_mib),
    }
}

/// Runs the plan; `progress` sees each row as it is measured.
pub async fn run_all(targets: &[Target], plan: &Plan, mut progress: impl FnMut(&Row)) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut phases: Vec<Phase> = plan.rates.iter().map(|&r| Phase::Rate(r)).collect();
    phases.push(Phase::Saturate);
    for &s in &plan.scenarios {
        for t in targets.iter().filter(|t| t.scenarios.contains(&s)) {
            // Warm connections, pools and caches; not recorded.
            let _ = measure(t, s, Phase::Saturate, plan, plan.warmup).await;
            for &p in &phases {
                let row = measure(t, s, p, plan, plan.phase).await;
                progress(&row);
                rows.push(row);
            }
        }
    }
    rows
}
