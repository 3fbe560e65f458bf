//! Issue 8's targets and product.md §7's budget, checked against the rows
//! of one run. Reported, never asserted: numbers on a shared machine move.

use crate::report::find;
use crate::run::{Phase, Row};
use crate::scenario::Scenario;

const KEYWAY: &str = "keyway";

pub struct Check {
    pub name: String,
    /// None: not measured in this run.
    pub holds: Option<bool>,
    pub figures: String,
}

fn sat(rows: &[Row], s: Scenario, t: &str) -> Option<f64> {
    find(rows, s, t, Phase::Saturate).map(|r| r.throughput)
}

fn check(name: &str, holds: Option<bool>, figures: String) -> Check {
    Check {
        name: name.to_owned(),
        holds,
        figures,
    }
}

fn floor(name: &str, value: Option<f64>, min: f64, unit: &str) -> Check {
    check(
        name,
        value.map(|v| v >= min),
        value.map_or_else(|| "not measured".into(), |v| format!("{v:.0} {unit}")),
    )
}

pub fn evaluate(rows: &[Row], low_rate: f64, high_rate: f64) -> Vec<Check> {
    let mut out = vec![
        floor(
            "non-stream ≥ 20,000 req/s on one core",
            sat(rows, Scenario::Chat, KEYWAY),
            20_000.0,
            "req/s (OpenAI)",
        ),
        floor(
            "SSE streams ≥ 10,000 req/s",
            sat(rows, Scenario::Stream, KEYWAY),
            10_000.0,
            "streams/s",
        ),
    ];

    // Bridged cost: CPU per request and throughput, against pass-through streams.
    let cpu = |s| find(rows, s, KEYWAY, Phase::Saturate).and_then(|r| r.cpu_per_1k);
    let cost = cpu(Scenario::Bridged)
        .zip(cpu(Scenario::Stream))
        .map(|(b, p)| b / p);
    let thr = sat(rows, Scenario::Stream, KEYWAY)
        .zip(sat(rows, Scenario::Bridged, KEYWAY))
        .map(|(p, b)| p / b);
    out.push(check(
        "bridged streams cost ≤ 1.5× pass-through",
        cost.map(|c| c <= 1.5 && thr.is_none_or(|t| t <= 1.5)),
        format!(
            "CPU per stream {}×, throughput {}× lower",
            cost.map_or("?".into(), |c| format!("{c:.2}")),
            thr.map_or("?".into(), |t| format!("{t:.2}"))
        ),
    ));

    // Added latency at the low rate, against nginx's.
    let low = Phase::Rate(low_rate);
    let added = |t: &str, q: fn(&Row) -> f64| {
        let d = find(rows, Scenario::Chat, "direct", low)?;
        find(rows, Scenario::Chat, t, low).map(|r| q(r) - q(d))
    };
    let p50 = |r: &Row| r.latency.p50;
    let p99 = |r: &Row| r.latency.p99;
    let vs = |q: fn(&Row) -> f64| added(KEYWAY, q).zip(added("nginx", q));
    out.push(match (vs(p50), vs(p99)) {
        (Some((k50, n50)), Some((k99, n99))) => check(
            &format!("added latency at {low_rate} req/s within 0.05 ms (p50) / 0.5 ms (p99) of nginx"),
            Some(k50 - n50 <= 0.05 && k99 - n99 <= 0.5),
            format!(
                "keyway adds {k50:.3} / {k99:.3} ms, nginx {n50:.3} / {n99:.3} ms (p50 / p99): difference {:.3} / {:.3} ms",
                k50 - n50,
                k99 - n99
            ),
        ),
        _ => check("added latency within 0.05 / 0.5 ms of nginx", None, "nginx or direct not measured".into()),
    });
    out.push(match (added(KEYWAY, p50), added(KEYWAY, p99)) {
        (Some(a50), Some(a99)) => check(
            "product §7: added p50 ≤ 0.3 ms, p99 ≤ 2 ms",
            Some(a50 <= 0.3 && a99 <= 2.0),
            format!("+{a50:.3} ms p50, +{a99:.3} ms p99 at {low_rate} req/s (non-stream OpenAI)"),
        ),
        _ => check(
            "product §7: added p50 ≤ 0.3 ms, p99 ≤ 2 ms",
            None,
            "not measured".into(),
        ),
    });

    let high = find(rows, Scenario::Chat, KEYWAY, Phase::Rate(high_rate));
    out.push(check(
        &format!("{high_rate} req/s held"),
        high.map(|r| r.errors == 0 && r.throughput >= high_rate * 0.98),
        high.map_or_else(
            || "not measured".into(),
            |r| {
                format!(
                    "{:.0} req/s achieved, p99 {:.3} ms, {} errors",
                    r.throughput, r.latency.p99, r.errors
                )
            },
        ),
    ));

    let ratio = sat(rows, Scenario::Chat, KEYWAY)
        .zip(sat(rows, Scenario::Chat, "direct"))
        .map(|(k, d)| k / d);
    out.push(check(
        "product §7: throughput ≥ 80 % of direct",
        ratio.map(|r| r >= 0.8),
        ratio.map_or("not measured".into(), |r| {
            format!("{:.0} % (non-stream OpenAI)", r * 100.0)
        }),
    ));

    let rss = rows
        .iter()
        .filter(|r| r.target == KEYWAY)
        .filter_map(|r| r.peak_rss)
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
    out.push(check(
        "RSS ≤ 30 MiB during these runs",
        rss.map(|r| r <= 30.0),
        rss.map_or("not measured".into(), |r| {
            format!("peak {r:.1} MiB (VmHWM)")
        }),
    ));
    out
}

pub fn markdown(checks: &[Check]) -> String {
    let mut s = String::from("| target | holds | figures |\n|---|---|---|\n");
    for c in checks {
        let holds = match c.holds {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "—",
        };
        s.push_str(&format!("| {} | {holds} | {} |\n", c.name, c.figures));
    }
    s
}
