//! Server-rendered SVG line charts: no chart library, no JavaScript.

use maud::{html, Markup};

use super::layout::fmt_ms;

pub const PALETTE: &[&str] = &[
    "#2563eb", "#16a34a", "#dc2626", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777",
];

pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

const W: f64 = 640.0;
const H: f64 = 200.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 26.0;

fn compact(v: f64) -> String {
    match v {
        v if v >= 1e6 => format!("{:.1}M", v / 1e6),
        v if v >= 1e4 => format!("{:.0}k", v / 1e3),
        v if v >= 1e3 => format!("{:.1}k", v / 1e3),
        v if v.fract() == 0.0 => format!("{v:.0}"),
        v => format!("{v:.1}"),
    }
}

/// `MM-DD HH:MM` (UTC) for axis labels.
fn axis_time(ms: i64) -> String {
    let full = fmt_ms(ms);
    full.get(5..16).unwrap_or(&full).to_owned()
}

/// The axis maximum: the data maximum rounded up to 1, 2 or 5 × 10ⁿ.
pub fn nice_max(max: f64) -> f64 {
    if max <= 1.0 {
        return 1.0;
    }
    let mag = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|v| *v >= max)
        .unwrap_or(10.0 * mag)
}

/// Points of one series as an SVG `points` list; NaN (no data) is skipped,
/// so a line joins the buckets that have data instead of dropping to zero.
pub fn points(values: &[f64], max: f64) -> String {
    let n = values.len();
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .map(|(i, v)| {
            let x = if n > 1 {
                LEFT + plot_w * i as f64 / (n - 1) as f64
            } else {
                LEFT + plot_w / 2.0
            };
            let y = TOP + plot_h * (1.0 - v / max);
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn line_chart(title: &str, unit: &str, xs: &[i64], series: &[Series]) -> Markup {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max);
    let max = nice_max(max);
    let plot_h = H - TOP - BOTTOM;
    html! {
        figure.chart {
            figcaption { (title) @if !unit.is_empty() { span.muted { " (" (unit) ")" } } }
            svg viewBox={ "0 0 " (W) " " (H) } role="img" aria-label=(title) preserveAspectRatio="none" {
                @for frac in [0.0, 0.5, 1.0] {
                    @let y = TOP + plot_h * (1.0 - frac);
                    line x1=(LEFT) x2=(W - RIGHT) y1=(y) y2=(y) class="grid" {}
                    text x=(LEFT - 6.0) y=(y + 4.0) text-anchor="end" class="axis" { (compact(max * frac)) }
                }
                @if let (Some(first), Some(last)) = (xs.first(), xs.last()) {
                    text x=(LEFT) y=(H - 6.0) class="axis" { (axis_time(*first)) }
                    text x=(W - RIGHT) y=(H - 6.0) text-anchor="end" class="axis" { (axis_time(*last)) " UTC" }
                }
                @for (i, s) in series.iter().enumerate() {
                    @let color = PALETTE[i % PALETTE.len()];
                    @let pts = points(&s.values, max);
                    @if pts.contains(' ') {
                        polyline points=(pts) fill="none" stroke=(color) stroke-width="2" stroke-linejoin="round" {}
                    } @else if let Some((x, y)) = pts.split_once(',') {
                        circle cx=(x) cy=(y) r="3" fill=(color) {}
                    }
                }
            }
            @if series.is_empty() {
                p.empty.small { "—" }
            }
            ul.legend {
                @for (i, s) in series.iter().enumerate() {
                    li { span.swatch style={ "background:" (PALETTE[i % PALETTE.len()]) } {} (s.name) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_into_the_plot_area() {
        let p = points(&[0.0, 10.0], 10.0);
        assert_eq!(
            p,
            format!("{LEFT:.1},{:.1} {:.1},{TOP:.1}", H - BOTTOM, W - RIGHT)
        );
        assert_eq!(points(&[1.0, f64::NAN, 1.0], 1.0).split(' ').count(), 2);
        assert_eq!(
            (
                nice_max(0.0),
                nice_max(7.0),
                nice_max(14.0),
                nice_max(951.0)
            ),
            (1.0, 10.0, 20.0, 1000.0)
        );
        assert_eq!(compact(1500.0), "1.5k");
        assert_eq!(compact(25_000.0), "25k");
        assert_eq!(compact(3.0), "3");
        let svg = line_chart(
            "t",
            "",
            &[0, 60_000],
            &[Series {
                name: "a".into(),
                values: vec![1.0, 2.0],
            }],
        )
        .into_string();
        assert!(svg.contains("<polyline"));
        assert!(svg.contains("01-01 00:01 UTC"));
    }
}
