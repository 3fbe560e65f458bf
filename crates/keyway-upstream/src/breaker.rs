//! Per-provider health: a circuit breaker that opens after `threshold`
//! consecutive failures for `cooldown`, then lets one probe through
//! (half-open) and closes on its success. State stays in this process;
//! replicas each keep their own.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use keyway_store::Id;
use parking_lot::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

impl BreakerState {
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half-open",
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Entry {
    consecutive_failures: u32,
    total_failures: u64,
    total_successes: u64,
    last_error: Option<String>,
    last_failure_at: Option<i64>,
    open_until: Option<Instant>,
    probe_in_flight: bool,
}

/// A provider's health as shown to admins.
#[derive(Debug, Clone)]
pub struct HealthSnapshot {
    pub provider_id: Id,
    pub state: BreakerState,
    pub consecutive_failures: u32,
    pub total_failures: u64,
    pub total_successes: u64,
    pub last_error: Option<String>,
    pub last_failure_at: Option<i64>,
    pub open_for: Option<Duration>,
}

pub struct Breakers {
    threshold: u32,
    cooldown: Duration,
    entries: Mutex<HashMap<Id, Entry>>,
}

impl Breakers {
    pub fn new(threshold: u32, cooldown: Duration) -> Self {
        Breakers {
            threshold: threshold.max(1),
            cooldown,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// May a request go to this provider now? In half-open state only one
    /// probe at a time is admitted.
    pub fn admit(&self, provider: Id) -> bool {
        let mut map = self.entries.lock();
        let Some(e) = map.get_mut(&provider) else {
            return true;
        };
        match e.open_until {
            None => true,
            Some(until) if Instant::now() < until => false,
            Some(_) if e.probe_in_flight => false,
            Some(_) => {
                e.probe_in_flight = true;
                true
            }
        }
    }

    pub fn record_success(&self, provider: Id) {
        let mut map = self.entries.lock();
        let e = map.entry(provider).or_default();
        e.consecutive_failures = 0;
        e.total_successes += 1;
        e.open_until = None;
        e.probe_in_flight = false;
    }

    pub fn record_failure(&self, provider: Id, error: String, now_ms: i64) {
        let mut map = self.entries.lock();
        let e = map.entry(provider).or_default();
        e.consecutive_failures += 1;
        e.total_failures += 1;
        e.last_error = Some(error);
        e.last_failure_at = Some(now_ms);
        let was_probe = e.probe_in_flight;
        e.probe_in_flight = false;
        if was_probe || e.consecutive_failures >= self.threshold {
            e.open_until = Some(Instant::now() + self.cooldown);
        }
    }

    pub fn reset(&self, provider: Id) {
        self.entries.lock().remove(&provider);
    }

    pub fn state(&self, provider: Id) -> BreakerState {
        let map = self.entries.lock();
        state_of(map.get(&provider))
    }

    pub fn snapshot(&self, providers: &[Id]) -> Vec<HealthSnapshot> {
        let map = self.entries.lock();
        let now = Instant::now();
        providers
            .iter()
            .map(|id| {
                let e = map.get(id);
                HealthSnapshot {
                    provider_id: *id,
                    state: state_of(e),
                    consecutive_failures: e.map_or(0, |e| e.consecutive_failures),
                    total_failures: e.map_or(0, |e| e.total_failures),
                    total_successes: e.map_or(0, |e| e.total_successes),
                    last_error: e.and_then(|e| e.last_error.clone()),
                    last_failure_at: e.and_then(|e| e.last_failure_at),
                    open_for: e
                        .and_then(|e| e.open_until)
                        .and_then(|u| u.checked_duration_since(now)),
                }
            })
            .collect()
    }
}

fn state_of(e: Option<&Entry>) -> BreakerState {
    match e.and_then(|e| e.open_until) {
        None => BreakerState::Closed,
        Some(until) if Instant::now() < until => BreakerState::Open,
        Some(_) => BreakerState::HalfOpen,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_threshold_half_opens_and_closes() {
        let b = Breakers::new(3, Duration::from_millis(30));
        for _ in 0..2 {
            b.record_failure(1, "boom".into(), 0);
            assert!(b.admit(1));
        }
        b.record_failure(1, "boom".into(), 0);
        assert_eq!(b.state(1), BreakerState::Open);
        assert!(!b.admit(1));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(b.state(1), BreakerState::HalfOpen);
        assert!(b.admit(1), "one probe admitted");
        assert!(!b.admit(1), "second probe refused while the first runs");
        b.record_success(1);
        assert_eq!(b.state(1), BreakerState::Closed);
        assert!(b.admit(1));
    }

    #[test]
    fn failed_probe_reopens() {
        let b = Breakers::new(1, Duration::from_millis(20));
        b.record_failure(7, "x".into(), 0);
        std::thread::sleep(Duration::from_millis(25));
        assert!(b.admit(7));
        b.record_failure(7, "y".into(), 0);
        assert_eq!(b.state(7), BreakerState::Open);
        b.reset(7);
        assert_eq!(b.state(7), BreakerState::Closed);
    }
}
