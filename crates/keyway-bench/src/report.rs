//! The Markdown report: latency at each fixed rate (with the latency added
//! over calling the fake directly), saturation throughput as ratios to
//! direct and nginx, CPU per 1,000 requests and peak RSS.

use std::fmt::Write as _;

use crate::run::{Phase, Row};
use crate::scenario::Scenario;

pub fn find<'a>(rows: &'a [Row], s: Scenario, target: &str, phase: Phase) -> Option<&'a Row> {
    rows.iter()
        .find(|r| r.scenario == s && r.target == target && r.phase == phase)
}

fn ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

fn signed_ms(v: f64) -> String {
    if v >= 0.0 {
        format!("+{}", ms(v))
    } else {
        format!("−{}", ms(-v))
    }
}

fn opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map_or_else(|| "—".to_owned(), f)
}

fn scenarios_in(rows: &[Row]) -> Vec<Scenario> {
    let mut out: Vec<Scenario> = Vec::new();
    for r in rows {
        if !out.contains(&r.scenario) {
            out.push(r.scenario);
        }
    }
    out
}

fn phases_in(rows: &[Row]) -> Vec<Phase> {
    let mut out: Vec<Phase> = Vec::new();
    for r in rows {
        if !out.contains(&r.phase) {
            out.push(r.phase);
        }
    }
    out
}

/// Latency tables, one per scenario, every fixed-rate phase.
pub fn latency_tables(rows: &[Row]) -> String {
    let mut s = String::new();
    for sc in scenarios_in(rows) {
        let _ = writeln!(s, "### {}\n", sc.title());
        let ttfb = sc.is_stream();
        let _ = write!(
            s,
            "| target | rate | achieved req/s | p50 ms | p90 ms | p99 ms | max ms | added p50 | added p99 |"
        );
        if ttfb {
            s.push_str(" TTFB p50 | TTFB p99 |");
        }
        s.push_str(" CPU s / 1k req | errors |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        if ttfb {
            s.push_str("---:|---:|");
        }
        s.push_str("---:|---:|\n");
        for phase in phases_in(rows)
            .into_iter()
            .filter(|p| matches!(p, Phase::Rate(_)))
        {
            for r in rows.iter().filter(|r| r.scenario == sc && r.phase == phase) {
                let direct = find(rows, sc, "direct", phase);
                let added = |f: fn(&Row) -> f64| {
                    opt(
                        direct.filter(|_| r.target != "direct").map(|d| f(r) - f(d)),
                        signed_ms,
                    )
                };
                let _ = write!(
                    s,
                    "| {} | {} | {:.0} | {} | {} | {} | {} | {} | {} |",
                    r.target,
                    phase.label(),
                    r.throughput,
                    ms(r.latency.p50),
                    ms(r.latency.p90),
                    ms(r.latency.p99),
                    ms(r.latency.max),
                    added(|r| r.latency.p50),
                    added(|r| r.latency.p99),
                );
                if ttfb {
                    let _ = write!(s, " {} | {} |", ms(r.ttfb.p50), ms(r.ttfb.p99));
                }
                let _ = writeln!(
                    s,
                    " {} | {} |",
                    opt(r.cpu_per_1k, |c| format!("{c:.3}")),
                    r.errors
                );
            }
        }
        s.push('\n');
    }
    s
}

/// Saturation: throughput and its ratios, CPU, peak RSS.
pub fn saturation_table(rows: &[Row]) -> String {
    let mut s = String::from(
        "| scenario | target | req/s | × direct | × nginx | p50 ms | p99 ms | CPU s / 1k req | peak RSS MiB | errors |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for sc in scenarios_in(rows) {
        for r in rows
            .iter()
            .filter(|r| r.scenario == sc && r.phase == Phase::Saturate)
        {
            let ratio = |to: &str| {
                opt(
                    find(rows, sc, to, Phase::Saturate)
                        .filter(|b| b.throughput > 0.0 && r.target != to)
                        .map(|b| r.throughput / b.throughput),
                    |x| format!("{x:.2}"),
                )
            };
            let _ = writeln!(
                s,
                "| {} | {} | {:.0} | {} | {} | {} | {} | {} | {} | {} |",
                sc.title(),
                r.target,
                r.throughput,
                ratio("direct"),
                ratio("nginx"),
                ms(r.latency.p50),
                ms(r.latency.p99),
                opt(r.cpu_per_1k, |c| format!("{c:.3}")),
                opt(r.peak_rss, |m| format!("{m:.1}")),
                r.errors
            );
        }
    }
    s
}

/// The first error of every cell that had any.
pub fn errors(rows: &[Row]) -> String {
    let mut s = String::new();
    for r in rows.iter().filter(|r| r.errors > 0) {
        let _ = writeln!(
            s,
            "- {} / {} / {}: {} errors ({} answered); first: {}",
            r.scenario.title(),
            r.target,
            r.phase.label(),
            r.errors,
            r.ok,
            r.first_error
                .as_deref()
                .unwrap_or("?")
                .chars()
                .take(200)
                .collect::<String>()
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hist::Summary;

    fn row(target: &str, phase: Phase, p50: f64, thr: f64) -> Row {
        Row {
            scenario: Scenario::Chat,
            target: target.into(),
            phase,
            latency: Summary {
                count: 10,
                p50,
                p90: p50,
                p99: p50 * 2.0,
                max: p50 * 3.0,
            },
            ttfb: Summary::default(),
            throughput: thr,
            ok: 10,
            errors: 0,
            first_error: None,
            cpu_per_1k: None,
            peak_rss: None,
        }
    }

    #[test]
    fn added_latency_and_ratios_are_against_the_same_phase() {
        let rows = vec![
            row("direct", Phase::Rate(500.0), 0.100, 500.0),
            row("keyway", Phase::Rate(500.0), 0.250, 500.0),
            row("direct", Phase::Saturate, 1.0, 40_000.0),
            row("nginx", Phase::Saturate, 1.0, 20_000.0),
            row("keyway", Phase::Saturate, 1.0, 10_000.0),
        ];
        let lat = latency_tables(&rows);
        assert!(
            lat.contains(
                "| keyway | 500 req/s | 500 | 0.250 | 0.250 | 0.500 | 0.750 | +0.150 | +0.300 |"
            ),
            "{lat}"
        );
        let sat = saturation_table(&rows);
        assert!(sat.contains("| keyway | 10000 | 0.25 | 0.50 |"), "{sat}");
        assert!(sat.contains("| direct | 40000 | — | 2.00 |"), "{sat}");
    }
}
