//! Login throttling, per username and per client IP: after `FREE_ATTEMPTS`
//! failures inside `WINDOW_MS`, each further failure locks that key for a
//! doubling period (capped), so guessing stays slow even from many IPs
//! against one account, or one IP against many accounts. In memory, per
//! replica: good enough to make online guessing impractical.

use std::collections::HashMap;
use std::sync::Mutex;

pub const FREE_ATTEMPTS: u32 = 5;
const WINDOW_MS: i64 = 15 * 60 * 1000;
const BASE_LOCK_MS: i64 = 30 * 1000;
const MAX_LOCK_MS: i64 = 15 * 60 * 1000;
/// Past this many tracked keys, stale entries are dropped on insert.
const PRUNE_AT: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    window_start: i64,
    locked_until: i64,
}

#[derive(Debug, Default)]
pub struct Throttle {
    entries: Mutex<HashMap<String, Entry>>,
}

impl Throttle {
    /// `Err(seconds to wait)` while any of `keys` is locked.
    pub fn check(&self, keys: &[String], now: i64) -> Result<(), u64> {
        let map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let wait = keys
            .iter()
            .filter_map(|k| map.get(k))
            .map(|e| e.locked_until - now)
            .max()
            .unwrap_or(0);
        if wait > 0 {
            Err(((wait + 999) / 1000) as u64)
        } else {
            Ok(())
        }
    }

    pub fn failure(&self, keys: &[String], now: i64) {
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > PRUNE_AT {
            map.retain(|_, e| now - e.window_start < WINDOW_MS || e.locked_until > now);
        }
        for k in keys {
            let e = map.entry(k.clone()).or_insert(Entry {
                failures: 0,
                window_start: now,
                locked_until: 0,
            });
            if now - e.window_start > WINDOW_MS && e.locked_until <= now {
                *e = Entry {
                    failures: 0,
                    window_start: now,
                    locked_until: 0,
                };
            }
            e.failures += 1;
            if e.failures >= FREE_ATTEMPTS {
                let doublings = (e.failures - FREE_ATTEMPTS).min(10);
                let lock = (BASE_LOCK_MS << doublings).min(MAX_LOCK_MS);
                e.locked_until = now + lock;
            }
        }
    }

    pub fn success(&self, keys: &[String]) {
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        for k in keys {
            map.remove(k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Vec<String> {
        vec!["user:admin".into(), "ip:1.2.3.4".into()]
    }

    #[test]
    fn locks_after_free_attempts_and_doubles() {
        let t = Throttle::default();
        for _ in 0..FREE_ATTEMPTS - 1 {
            t.failure(&keys(), 0);
            assert!(t.check(&keys(), 0).is_ok());
        }
        t.failure(&keys(), 0);
        assert_eq!(t.check(&keys(), 0), Err(30));
        assert!(t.check(&keys(), 30_000).is_ok());
        t.failure(&keys(), 30_000);
        assert_eq!(t.check(&keys(), 30_000), Err(60));
        // Another IP for the same user is locked too.
        assert!(t.check(&["user:admin".into()], 30_000).is_err());
        assert!(t.check(&["user:other".into()], 30_000).is_ok());
    }

    #[test]
    fn success_clears_and_window_expires() {
        let t = Throttle::default();
        for _ in 0..FREE_ATTEMPTS {
            t.failure(&keys(), 0);
        }
        t.success(&keys());
        assert!(t.check(&keys(), 0).is_ok());
        for _ in 0..FREE_ATTEMPTS - 1 {
            t.failure(&keys(), 0);
        }
        // Outside the window the count starts over.
        t.failure(&keys(), WINDOW_MS + 1);
        assert!(t.check(&keys(), WINDOW_MS + 1).is_ok());
    }
}
