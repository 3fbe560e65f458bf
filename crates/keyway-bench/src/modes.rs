//! The two long modes: many concurrent slow streams, and a soak at a fixed
//! rate; both sample the server's memory and CPU while the load runs.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::load::{self, Mode, Outcome, Spec};
use crate::procstat;
use crate::run::Target;
use crate::scenario::Scenario;

#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub at: Duration,
    pub rss_mib: f64,
    /// Anonymous, file-backed and shared resident MiB.
    pub parts: (f64, f64, f64),
    pub cpu_s: f64,
}

/// Runs `spec` against the target while sampling its RSS and CPU every `every`.
pub async fn sampled(target: &Target, spec: &Spec, every: Duration) -> (Outcome, Vec<Sample>) {
    let Some(pid) = target.pid else {
        return (load::run(target.addr, spec).await, Vec::new());
    };
    let t0 = Instant::now();
    let cpu0 = procstat::cpu_seconds(pid);
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let sampler = tokio::spawn(async move {
        let mut out = Vec::new();
        let mut tick = tokio::time::interval(every);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = &mut stopped => return out,
            }
            out.push(Sample {
                at: t0.elapsed(),
                rss_mib: procstat::rss_mib(pid),
                parts: procstat::rss_parts_mib(pid),
                cpu_s: procstat::cpu_seconds(pid) - cpu0,
            });
        }
    });
    let outcome = load::run(target.addr, spec).await;
    let _ = stop.send(());
    let mut samples = sampler.await.unwrap_or_default();
    samples.push(Sample {
        at: t0.elapsed(),
        rss_mib: procstat::rss_mib(pid),
        parts: procstat::rss_parts_mib(pid),
        cpu_s: procstat::cpu_seconds(pid) - cpu0,
    });
    (outcome, samples)
}

/// `n` connections, each running slow streams back to back.
pub async fn streams(target: &Target, n: usize, secs: u64) -> String {
    let spec = Spec {
        mode: Mode::Saturate,
        connections: n,
        duration: Duration::from_secs(secs),
        templates: Arc::new(vec![target.template(Scenario::Stream)]),
        timeout: Duration::from_secs(120),
    };
    let (out, samples) = sampled(target, &spec, Duration::from_secs(1)).await;
    let lat = out.latency.summary();
    let ttfb = out.ttfb.summary();
    let peak = target.pid.map(procstat::peak_rss_mib);
    let max_rss = samples.iter().map(|s| s.rss_mib).reduce(f64::max);
    let cpu = samples.last().map_or(0.0, |s| s.cpu_s);
    let wall = samples.last().map_or(out.elapsed, |s| s.at).as_secs_f64();
    format!(
        "| {} | {n} | {} | {} | {:.3} / {:.3} | {:.0} / {:.0} | {} | {} | {} |\n",
        target.name,
        out.ok,
        out.errors,
        ttfb.p50,
        ttfb.p99,
        lat.p50,
        lat.max,
        max_rss.map_or("—".into(), |m| format!("{m:.1}")),
        peak.map_or("—".into(), |p| format!("{p:.1}")),
        if target.pid.is_some() {
            format!("{cpu:.2} ({:.0} % of a core)", cpu / wall.max(1e-9) * 100.0)
        } else {
            "—".into()
        },
    )
}

pub const STREAMS_HEADER: &str = "| target | concurrent | streams done | errors | TTFB p50 / p99 ms | duration p50 / max ms | max RSS MiB (sampled) | peak RSS MiB (VmHWM) | CPU s (share) |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";

/// A soak at `rate` req/s over all four scenarios; RSS every 10 s.
pub async fn soak(target: &Target, rate: f64, connections: usize, secs: u64) -> String {
    let templates = Scenario::ALL.iter().map(|&s| target.template(s)).collect();
    let spec = Spec {
        mode: Mode::Rate(rate),
        connections,
        duration: Duration::from_secs(secs),
        templates: Arc::new(templates),
        timeout: Duration::from_secs(30),
    };
    let (out, samples) = sampled(target, &spec, Duration::from_secs(10)).await;
    let lat = out.latency.summary();
    let mut s = format!(
        "{}: {} requests at {rate} req/s (all four scenarios in turn), {} errors; latency p50 {:.3} ms, p99 {:.3} ms, max {:.1} ms.\n\n",
        target.name, out.ok, out.errors, lat.p50, lat.p99, lat.max
    );
    s.push_str(
        "| t (s) | RSS MiB | anon / file / shmem MiB | CPU s so far |\n|---:|---:|---:|---:|\n",
    );
    for x in &samples {
        let _ = writeln!(
            s,
            "| {:.0} | {:.1} | {:.1} / {:.1} / {:.1} | {:.1} |",
            x.at.as_secs_f64(),
            x.rss_mib,
            x.parts.0,
            x.parts.1,
            x.parts.2,
            x.cpu_s
        );
    }
    let end = samples.last().map_or(Duration::ZERO, |x| x.at);
    // Whole run after warm-up, then the second half alone (after a plateau).
    let second_half: Vec<Sample> = samples
        .iter()
        .filter(|x| x.at >= end / 2)
        .copied()
        .collect();
    for (label, part) in [
        ("after the first sample", &samples[..]),
        ("over the second half", &second_half[..]),
    ] {
        if let Some(f) = flatness(part) {
            let _ = writeln!(
                s,
                "\nRSS {label}: {:.1}–{:.1} MiB, {:+.1} % from first to last, spread ±{:.1} % around the mean ({}).",
                f.min,
                f.max,
                f.drift_pct,
                f.spread_pct,
                if f.spread_pct <= 10.0 { "flat within ±10 %" } else { "NOT flat within ±10 %" }
            );
        }
    }
    s
}

#[derive(Debug, PartialEq)]
pub struct Flatness {
    pub min: f64,
    pub max: f64,
    pub drift_pct: f64,
    pub spread_pct: f64,
}

/// How flat RSS stayed, ignoring the first sample (start-up and warm-up).
pub fn flatness(samples: &[Sample]) -> Option<Flatness> {
    let rest: Vec<f64> = samples.iter().skip(1).map(|s| s.rss_mib).collect();
    let (first, last) = (*rest.first()?, *rest.last()?);
    let min = rest.iter().copied().fold(f64::MAX, f64::min);
    let max = rest.iter().copied().fold(0.0, f64::max);
    let mean = rest.iter().sum::<f64>() / rest.len() as f64;
    Some(Flatness {
        min,
        max,
        drift_pct: (last - first) / first * 100.0,
        spread_pct: (max - min) / 2.0 / mean * 100.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64, rss: f64) -> Sample {
        Sample {
            at: Duration::from_secs(secs),
            rss_mib: rss,
            parts: (rss, 0.0, 0.0),
            cpu_s: 0.0,
        }
    }

    #[test]
    fn flatness_ignores_warm_up_and_measures_spread() {
        let s = [at(0, 5.0), at(10, 20.0), at(20, 22.0), at(30, 21.0)];
        let f = flatness(&s).expect("samples");
        assert_eq!((f.min, f.max), (20.0, 22.0));
        assert!((f.drift_pct - 5.0).abs() < 1e-9);
        assert!((f.spread_pct - 1.0 / 21.0 * 100.0).abs() < 1e-9);
        assert!(flatness(&[at(0, 1.0)]).is_none());
    }
}
