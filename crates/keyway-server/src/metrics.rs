//! Prometheus metrics, kept by hand: a few counters and two histograms
//! behind one short-held mutex. Labels are low-cardinality on purpose
//! (group, route alias, provider, status) — never key ids or request ids.

use std::collections::HashMap;
use std::fmt::Write;

use parking_lot::Mutex;

const OVERHEAD_BUCKETS: &[f64] = &[
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.05,
];
const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
];

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Labels {
    group: String,
    route: String,
    provider: String,
    status: u16,
}

#[derive(Debug)]
struct Histogram {
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn new(buckets: &[f64]) -> Self {
        Histogram {
            counts: vec![0; buckets.len()],
            sum: 0.0,
            count: 0,
        }
    }
    fn observe(&mut self, buckets: &[f64], v: f64) {
        for (i, b) in buckets.iter().enumerate() {
            if v <= *b {
                self.counts[i] += 1;
            }
        }
        self.sum += v;
        self.count += 1;
    }
    fn render(&self, out: &mut String, name: &str, labels: &str, buckets: &[f64]) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (i, b) in buckets.iter().enumerate() {
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {}",
                self.counts[i]
            );
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let braced = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braced} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braced} {}", self.count);
    }
}

#[derive(Debug)]
struct Series {
    requests: u64,
    input_tokens: u64,
    output_tokens: u64,
    latency: Histogram,
}

/// One finished request, as metrics see it.
pub struct Observation<'a> {
    pub group: &'a str,
    pub route: &'a str,
    pub provider: &'a str,
    pub status: u16,
    pub latency_s: f64,
    /// Total time minus time spent waiting on the upstream.
    pub overhead_s: Option<f64>,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

/// group → route → provider → status → series.
type SeriesTree = HashMap<String, HashMap<String, HashMap<String, HashMap<u16, Series>>>>;

fn series_mut<'a>(
    tree: &'a mut SeriesTree,
    group: &str,
    route: &str,
    provider: &str,
    status: u16,
) -> &'a mut Series {
    fn level<'m, V: Default>(m: &'m mut HashMap<String, V>, k: &str) -> &'m mut V {
        if !m.contains_key(k) {
            m.insert(k.to_owned(), V::default());
        }
        m.get_mut(k).expect("inserted above")
    }
    level(level(level(tree, group), route), provider)
        .entry(status)
        .or_insert_with(|| Series {
            requests: 0,
            input_tokens: 0,
            output_tokens: 0,
            latency: Histogram::new(LATENCY_BUCKETS),
        })
}

#[derive(Default)]
struct Inner {
    series: SeriesTree,
    overhead: Option<Histogram>,
    client_disconnects: u64,
}

impl Metrics {
    pub fn observe(&self, o: Observation<'_>) {
        let mut inner = self.inner.lock();
        // Nested maps looked up by &str: no allocation once a series exists.
        let s = series_mut(&mut inner.series, o.group, o.route, o.provider, o.status);
        s.requests += 1;
        s.input_tokens += o.input_tokens;
        s.output_tokens += o.output_tokens;
        s.latency.observe(LATENCY_BUCKETS, o.latency_s);
        if let Some(ov) = o.overhead_s {
            inner
                .overhead
                .get_or_insert_with(|| Histogram::new(OVERHEAD_BUCKETS))
                .observe(OVERHEAD_BUCKETS, ov);
        }
    }

    pub fn client_disconnected(&self) {
        self.inner.lock().client_disconnects += 1;
    }

    /// Prometheus text exposition; `extra` lines (breaker state) are appended as given.
    pub fn render(&self, extra: &str) -> String {
        let inner = self.inner.lock();
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP keyway_requests_total Requests answered, by group, route, provider and status.\n# TYPE keyway_requests_total counter\n");
        let mut flat: Vec<(Labels, &Series)> = Vec::new();
        for (g, routes) in &inner.series {
            for (r, providers) in routes {
                for (p, statuses) in providers {
                    for (st, series) in statuses {
                        flat.push((
                            Labels {
                                group: g.clone(),
                                route: r.clone(),
                                provider: p.clone(),
                                status: *st,
                            },
                            series,
                        ));
                    }
                }
            }
        }
        flat.sort_by(|(a, _), (b, _)| {
            (&a.group, &a.route, &a.provider, a.status).cmp(&(
                &b.group,
                &b.route,
                &b.provider,
                b.status,
            ))
        });
        for (l, s) in &flat {
            let _ = writeln!(
                out,
                "keyway_requests_total{{{}}} {}",
                fmt_labels(l),
                s.requests
            );
        }
        out.push_str("# HELP keyway_tokens_total Tokens reported by upstreams.\n# TYPE keyway_tokens_total counter\n");
        for (l, s) in &flat {
            let _ = writeln!(
                out,
                "keyway_tokens_total{{{},direction=\"input\"}} {}",
                fmt_labels(l),
                s.input_tokens
            );
            let _ = writeln!(
                out,
                "keyway_tokens_total{{{},direction=\"output\"}} {}",
                fmt_labels(l),
                s.output_tokens
            );
        }
        out.push_str("# HELP keyway_request_duration_seconds Time from request to the end of the response.\n# TYPE keyway_request_duration_seconds histogram\n");
        for (l, s) in &flat {
            s.latency.render(
                &mut out,
                "keyway_request_duration_seconds",
                &fmt_labels(l),
                LATENCY_BUCKETS,
            );
        }
        out.push_str("# HELP keyway_overhead_seconds Time Keyway added: total time minus time waiting on the upstream.\n# TYPE keyway_overhead_seconds histogram\n");
        match &inner.overhead {
            Some(h) => h.render(&mut out, "keyway_overhead_seconds", "", OVERHEAD_BUCKETS),
            None => Histogram::new(OVERHEAD_BUCKETS).render(
                &mut out,
                "keyway_overhead_seconds",
                "",
                OVERHEAD_BUCKETS,
            ),
        }
        out.push_str("# HELP keyway_client_disconnects_total Streams the client abandoned before the end.\n# TYPE keyway_client_disconnects_total counter\n");
        let _ = writeln!(
            out,
            "keyway_client_disconnects_total {}",
            inner.client_disconnects
        );
        out.push_str(extra);
        out
    }
}

fn fmt_labels(l: &Labels) -> String {
    format!(
        "group=\"{}\",route=\"{}\",provider=\"{}\",status=\"{}\"",
        escape(&l.group),
        escape(&l.route),
        escape(&l.provider),
        l.status
    )
}

pub fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histograms() {
        let m = Metrics::default();
        m.observe(Observation {
            group: "g",
            route: "r\"x",
            provider: "p",
            status: 200,
            latency_s: 0.02,
            overhead_s: Some(0.0002),
            input_tokens: 3,
            output_tokens: 4,
        });
        let text = m.render("");
        assert!(
            text.contains(
                r#"keyway_requests_total{group="g",route="r\"x",provider="p",status="200"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"keyway_overhead_seconds_bucket{le="0.00025"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"keyway_overhead_seconds_bucket{le="0.0001"} 0"#),
            "{text}"
        );
        assert!(text.contains(r#"direction="output"} 4"#), "{text}");
    }
}
