//! A hand-written SVG: latency percentiles (p50, p90, p99) per target at
//! one fixed rate, one panel per scenario, on a log scale so a 0.1 ms proxy
//! and a 100 ms one fit on the same axis.

use std::fmt::Write as _;

use crate::run::{Phase, Row};
use crate::scenario::Scenario;

/// Width per target group in a panel; panels grow with the number of targets.
const GROUP_W: f64 = 62.0;
const PLOT_H: f64 = 260.0;
const TOP: f64 = 60.0;
const LEFT: f64 = 60.0;
const COLORS: [(&str, &str); 3] = [("p50", "#4c78a8"), ("p90", "#f58518"), ("p99", "#e45756")];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Decades spanned: from the floor below the smallest value to the ceiling above the largest.
pub fn decades(min: f64, max: f64) -> (i32, i32) {
    let lo = min.max(1e-3).log10().floor() as i32;
    let hi = max.max(1e-3).log10().ceil() as i32;
    (lo, hi.max(lo + 1))
}

pub fn plot(rows: &[Row], phase: Phase, title: &str) -> String {
    let scenarios: Vec<Scenario> = Scenario::ALL
        .into_iter()
        .filter(|s| rows.iter().any(|r| r.scenario == *s && r.phase == phase))
        .collect();
    let picked: Vec<&Row> = rows
        .iter()
        .filter(|r| r.phase == phase && r.latency.count > 0)
        .collect();
    let values = picked.iter().flat_map(|r| [r.latency.p50, r.latency.p99]);
    let (min, max) = values.fold((f64::MAX, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    let (lo, hi) = decades(min, max);
    let most = scenarios
        .iter()
        .map(|sc| picked.iter().filter(|r| r.scenario == *sc).count())
        .max()
        .unwrap_or(1);
    let panel_w = (most as f64 * GROUP_W + 30.0).max(250.0);
    let y = |v: f64| TOP + PLOT_H - (v.max(1e-3).log10() - lo as f64) / (hi - lo) as f64 * PLOT_H;
    let width = LEFT + panel_w * scenarios.len().max(1) as f64 + 20.0;
    let height = TOP + PLOT_H + 90.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{LEFT}" y="20" font-size="14" font-weight="bold">{}</text>"#,
        esc(title)
    );
    for (i, (name, color)) in COLORS.iter().enumerate() {
        let x = LEFT + i as f64 * 60.0;
        let _ = writeln!(
            s,
            r#"<rect x="{x}" y="32" width="10" height="10" fill="{color}"/><text x="{}" y="41">{name}</text>"#,
            x + 14.0
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="41">latency in ms, log scale</text>"#,
        LEFT + 200.0
    );
    // Grid and axis labels, one line per decade.
    for d in lo..=hi {
        let v = 10f64.powi(d);
        let yy = y(v);
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" x2="{}" y1="{yy:.1}" y2="{yy:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
            width - 20.0,
            LEFT - 6.0,
            yy + 4.0,
            if d < 0 {
                format!("{v:.*}", (-d) as usize)
            } else {
                format!("{v:.0}")
            }
        );
    }
    for (pi, sc) in scenarios.iter().enumerate() {
        let x0 = LEFT + pi as f64 * panel_w;
        let cells: Vec<&&Row> = picked.iter().filter(|r| r.scenario == *sc).collect();
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-weight="bold">{}</text>"#,
            x0 + panel_w / 2.0,
            TOP + PLOT_H + 60.0,
            esc(sc.title())
        );
        let group_w = (panel_w - 30.0) / cells.len().max(1) as f64;
        let bar_w = (group_w - 8.0) / 3.0;
        for (ti, r) in cells.iter().enumerate() {
            let gx = x0 + 15.0 + ti as f64 * group_w;
            for (bi, v) in [r.latency.p50, r.latency.p90, r.latency.p99]
                .into_iter()
                .enumerate()
            {
                let top = y(v);
                let _ = writeln!(
                    s,
                    r#"<rect x="{:.1}" y="{top:.1}" width="{bar_w:.1}" height="{:.1}" fill="{}"><title>{} {}: {v:.3} ms</title></rect>"#,
                    gx + 4.0 + bi as f64 * bar_w,
                    (TOP + PLOT_H - top).max(0.5),
                    COLORS[bi].1,
                    esc(&r.target),
                    COLORS[bi].0
                );
            }
            let _ = writeln!(
                s,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                gx + group_w / 2.0,
                TOP + PLOT_H + 16.0,
                esc(&r.target)
            );
        }
        let _ = writeln!(
            s,
            r##"<line x1="{x0}" x2="{x0}" y1="{TOP}" y2="{}" stroke="#999"/>"##,
            TOP + PLOT_H
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panels_widen_so_target_labels_do_not_overlap() {
        use crate::hist::Summary;
        let row = |t: &str| Row {
            scenario: Scenario::Chat,
            target: t.into(),
            phase: Phase::Rate(500.0),
            latency: Summary {
                count: 1,
                p50: 0.1,
                p90: 0.2,
                p99: 0.3,
                max: 0.4,
            },
            ttfb: Summary::default(),
            throughput: 500.0,
            ok: 1,
            errors: 0,
            first_error: None,
            cpu_per_1k: None,
            peak_rss: None,
        };
        let rows: Vec<Row> = [
            "direct",
            "nginx",
            "keyway",
            "litellm",
            "portkey",
            "keyway-py",
        ]
        .iter()
        .map(|t| row(t))
        .collect();
        let svg = plot(&rows, Phase::Rate(500.0), "t");
        let width: f64 = svg
            .split("width=\"")
            .nth(1)
            .and_then(|w| w.split('"').next())
            .and_then(|w| w.parse().ok())
            .expect("width");
        assert!(width >= LEFT + 6.0 * GROUP_W + 30.0, "{width}");
        assert_eq!(svg.matches("<title>keyway-py p99").count(), 1);
    }

    #[test]
    fn decades_cover_the_values() {
        assert_eq!(decades(0.05, 0.9), (-2, 0));
        assert_eq!(decades(0.1, 0.1), (-1, 0));
        assert_eq!(decades(0.2, 150.0), (-1, 3));
    }
}
