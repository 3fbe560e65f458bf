//! Latency histograms (microsecond resolution, 3 significant digits) and
//! the open-loop schedule that keeps them honest.

use std::time::Duration;

use hdrhistogram::Histogram;

/// Longest latency the histogram holds; larger values are clamped.
const MAX_MICROS: u64 = 120_000_000;

#[derive(Clone)]
pub struct Latencies {
    hist: Histogram<u64>,
}

impl Default for Latencies {
    fn default() -> Self {
        Self::new()
    }
}

/// Percentiles in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Summary {
    pub count: u64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

impl Latencies {
    pub fn new() -> Self {
        // Bounds and precision are constants inside hdrhistogram's limits.
        #[allow(clippy::expect_used)]
        let hist = Histogram::new_with_bounds(1, MAX_MICROS, 3).expect("valid histogram bounds");
        Latencies { hist }
    }

    pub fn record(&mut self, d: Duration) {
        let us = (d.as_micros() as u64).clamp(1, MAX_MICROS);
        self.hist.saturating_record(us);
    }

    pub fn merge(&mut self, other: &Latencies) {
        // Same bounds on both sides, so adding cannot fail.
        let _ = self.hist.add(&other.hist);
    }

    pub fn count(&self) -> u64 {
        self.hist.len()
    }

    /// The latency at quantile `q` (0..=1), in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.hist.is_empty() {
            return 0.0;
        }
        self.hist.value_at_quantile(q) as f64 / 1000.0
    }

    pub fn summary(&self) -> Summary {
        Summary {
            count: self.count(),
            p50: self.quantile_ms(0.50),
            p90: self.quantile_ms(0.90),
            p99: self.quantile_ms(0.99),
            max: if self.hist.is_empty() {
                0.0
            } else {
                self.hist.max() as f64 / 1000.0
            },
        }
    }
}

/// When request `k` of connection `conn` is due, as an offset from the start
/// of the run: the connections share `rate` requests per second, interleaved
/// evenly. Latency is measured from this time, not from when the request
/// actually left, so a stalled connection cannot hide its queueing
/// (no coordinated omission).
pub fn scheduled_offset(rate: f64, connections: usize, conn: usize, k: u64) -> Duration {
    let slot = k as f64 * connections as f64 + conn as f64;
    Duration::from_secs_f64(slot / rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_uniform_spread() {
        let mut l = Latencies::new();
        for us in 1..=1000u64 {
            l.record(Duration::from_micros(us));
        }
        let s = l.summary();
        assert_eq!(s.count, 1000);
        assert!((s.p50 - 0.500).abs() < 0.002, "p50 {}", s.p50);
        assert!((s.p90 - 0.900).abs() < 0.002, "p90 {}", s.p90);
        assert!((s.p99 - 0.990).abs() < 0.002, "p99 {}", s.p99);
        assert!((s.max - 1.000).abs() < 0.002, "max {}", s.max);
    }

    #[test]
    fn a_slow_tail_shows_in_p99_not_p50() {
        let mut l = Latencies::new();
        for _ in 0..980 {
            l.record(Duration::from_micros(100));
        }
        for _ in 0..20 {
            l.record(Duration::from_millis(50));
        }
        let s = l.summary();
        assert!((s.p50 - 0.1).abs() < 0.001);
        assert!((s.p99 - 50.0).abs() < 0.1, "p99 {}", s.p99);
    }

    #[test]
    fn merge_adds_counts_and_keeps_extremes() {
        let mut a = Latencies::new();
        let mut b = Latencies::new();
        a.record(Duration::from_micros(10));
        b.record(Duration::from_secs(2));
        b.record(Duration::from_secs(1000)); // clamped, not lost
        a.merge(&b);
        assert_eq!(a.count(), 3);
        assert!((a.summary().max - 120_000.0).abs() < 200.0);
        assert_eq!(Latencies::new().summary(), Summary::default());
    }

    #[test]
    fn schedule_interleaves_connections_at_the_rate() {
        // 4 connections sharing 1000 req/s: one request every millisecond overall.
        let at = |c, k| scheduled_offset(1000.0, 4, c, k);
        assert_eq!(at(0, 0), Duration::ZERO);
        assert_eq!(at(1, 0), Duration::from_millis(1));
        assert_eq!(at(3, 0), Duration::from_millis(3));
        assert_eq!(at(0, 1), Duration::from_millis(4));
        assert_eq!(at(2, 10), Duration::from_millis(42));
    }
}
