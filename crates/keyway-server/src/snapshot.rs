//! The routing table the hot path reads: keys by digest, routes by
//! (group, alias), providers by id. Built from the store in one pass and
//! swapped atomically (`ArcSwap`) whenever the store reports a change, so a
//! request never waits on the database.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;

use keyway_store::{
    AuthStyle, Id, Millis, Protocol, Provider, Route, RouteMode, Store, StoreError, Timeouts,
};
use secrecy::SecretString;

#[derive(Debug)]
pub struct KeyEntry {
    pub id: Id,
    pub group_id: Id,
    pub digest: [u8; 32],
    pub enabled: bool,
    pub expires_at: Option<Millis>,
}

#[derive(Debug)]
pub struct ProviderEntry {
    pub id: Id,
    pub name: String,
    pub vendor: String,
    pub protocol: Protocol,
    pub base_url: String,
    pub auth_style: AuthStyle,
    pub api_keys: Vec<SecretString>,
    pub enabled: bool,
    pub timeouts: Timeouts,
    /// Round-robin position in the key pool.
    next_key: AtomicUsize,
    /// Per key: cooling down until this Unix ms (after a 401/402/429 on it).
    cooldown_until: Vec<AtomicI64>,
}

/// How long a pooled upstream key rests after the upstream refused it.
pub const KEY_COOLDOWN_MS: i64 = 60_000;

impl ProviderEntry {
    /// The next usable upstream key of the pool (round robin), skipping keys
    /// that are cooling down — unless all are, then plain round robin.
    /// Returns the key and its index; `None` when the pool is empty.
    pub fn pick_key(&self, now_ms: i64) -> Option<(usize, &SecretString)> {
        let n = self.api_keys.len();
        if n == 0 {
            return None;
        }
        let start = self.next_key.fetch_add(1, Ordering::Relaxed);
        for k in 0..n {
            let i = (start + k) % n;
            if self.cooldown_until[i].load(Ordering::Relaxed) <= now_ms {
                return self.api_keys.get(i).map(|s| (i, s));
            }
        }
        self.api_keys.get(start % n).map(|s| (start % n, s))
    }

    /// The upstream refused key `index` (401/402/429): skip it for a while.
    pub fn cool_down_key(&self, index: usize, now_ms: i64) {
        if let Some(slot) = self.cooldown_until.get(index) {
            slot.store(now_ms + KEY_COOLDOWN_MS, Ordering::Relaxed);
        }
    }
}

#[derive(Debug, Clone)]
pub struct CandidateEntry {
    pub provider: Arc<ProviderEntry>,
    pub model: String,
    pub priority: i32,
    pub weight: u32,
}

#[derive(Debug)]
pub struct RouteEntry {
    pub id: Id,
    pub group_id: Id,
    pub alias: String,
    pub mode: RouteMode,
    pub enabled: bool,
    pub bridge: bool,
    pub candidates: Vec<CandidateEntry>,
    /// Upstream path for `custom` generation routes.
    pub generation_path: Option<String>,
    pub created_at: Millis,
}

#[derive(Debug, Default)]
pub struct Snapshot {
    pub keys: HashMap<[u8; 32], KeyEntry>,
    pub routes: HashMap<Id, HashMap<String, Arc<RouteEntry>>>,
    pub providers: HashMap<Id, Arc<ProviderEntry>>,
    pub group_names: HashMap<Id, String>,
}

impl Snapshot {
    pub async fn load(store: &dyn Store) -> Result<Snapshot, StoreError> {
        let providers = store.list_providers().await?;
        let groups = store.list_groups().await?;
        let routes = store.list_routes(None).await?;
        let keys = store.list_keys(None).await?;
        Ok(Self::build(providers, routes, keys, groups))
    }

    pub fn build(
        providers: Vec<Provider>,
        routes: Vec<Route>,
        keys: Vec<keyway_store::ApiKey>,
        groups: Vec<keyway_store::Group>,
    ) -> Snapshot {
        let providers: HashMap<Id, Arc<ProviderEntry>> = providers
            .into_iter()
            .map(|p| {
                (
                    p.id,
                    Arc::new(ProviderEntry {
                        id: p.id,
                        name: p.name,
                        vendor: p.vendor,
                        protocol: p.protocol,
                        base_url: p.base_url,
                        auth_style: p.auth_style,
                        cooldown_until: p.api_keys.iter().map(|_| AtomicI64::new(0)).collect(),
                        api_keys: p.api_keys,
                        enabled: p.enabled,
                        timeouts: p.timeouts,
                        next_key: AtomicUsize::new(0),
                    }),
                )
            })
            .collect();
        let mut by_group: HashMap<Id, HashMap<String, Arc<RouteEntry>>> = HashMap::new();
        for r in routes {
            let mut candidates: Vec<CandidateEntry> = r
                .candidates
                .iter()
                .filter_map(|c| {
                    providers.get(&c.provider_id).map(|p| CandidateEntry {
                        provider: p.clone(),
                        model: c.model.clone(),
                        priority: c.priority,
                        weight: c.weight,
                    })
                })
                .collect();
            candidates.sort_by_key(|c| c.priority);
            by_group.entry(r.group_id).or_default().insert(
                r.alias.clone(),
                Arc::new(RouteEntry {
                    id: r.id,
                    group_id: r.group_id,
                    alias: r.alias,
                    mode: r.mode,
                    enabled: r.enabled,
                    bridge: r.bridge,
                    candidates,
                    generation_path: r.generation_path,
                    created_at: r.created_at,
                }),
            );
        }
        let keys = keys
            .into_iter()
            .map(|k| {
                (
                    k.digest,
                    KeyEntry {
                        id: k.id,
                        group_id: k.group_id,
                        digest: k.digest,
                        enabled: k.enabled,
                        expires_at: k.expires_at,
                    },
                )
            })
            .collect();
        Snapshot {
            keys,
            routes: by_group,
            providers,
            group_names: groups.into_iter().map(|g| (g.id, g.name)).collect(),
        }
    }

    pub fn route(&self, group_id: Id, alias: &str) -> Option<&Arc<RouteEntry>> {
        self.routes.get(&group_id)?.get(alias)
    }

    /// The group's enabled routes, sorted by alias.
    pub fn enabled_routes(&self, group_id: Id) -> Vec<&Arc<RouteEntry>> {
        let mut v: Vec<_> = self
            .routes
            .get(&group_id)
            .map(|m| m.values().filter(|r| r.enabled).collect())
            .unwrap_or_default();
        v.sort_by(|a, b| a.alias.cmp(&b.alias));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(keys: &[&str]) -> ProviderEntry {
        ProviderEntry {
            id: 1,
            name: "p".into(),
            vendor: "openai".into(),
            protocol: Protocol::Openai,
            base_url: "http://x".into(),
            auth_style: AuthStyle::Bearer,
            cooldown_until: keys.iter().map(|_| AtomicI64::new(0)).collect(),
            api_keys: keys
                .iter()
                .map(|k| SecretString::from(k.to_string()))
                .collect(),
            enabled: true,
            timeouts: Timeouts::default(),
            next_key: AtomicUsize::new(0),
        }
    }

    #[test]
    fn key_pool_rotates_and_skips_cooling_keys() {
        use secrecy::ExposeSecret;
        let p = provider(&["a", "b", "c"]);
        let picks: Vec<String> = (0..6)
            .map(|_| p.pick_key(0).expect("key").1.expose_secret().to_owned())
            .collect();
        assert_eq!(picks, ["a", "b", "c", "a", "b", "c"]);
        p.cool_down_key(1, 1_000);
        let picks: Vec<String> = (0..4)
            .map(|_| p.pick_key(2_000).expect("key").1.expose_secret().to_owned())
            .collect();
        assert!(!picks.contains(&"b".to_owned()), "{picks:?}");
        // After the cool-down, b is back.
        let later = 1_000 + KEY_COOLDOWN_MS + 1;
        let picks: Vec<String> = (0..3)
            .map(|_| p.pick_key(later).expect("key").1.expose_secret().to_owned())
            .collect();
        assert!(picks.contains(&"b".to_owned()), "{picks:?}");
        // All cooling: still answers (round robin) rather than failing.
        for i in 0..3 {
            p.cool_down_key(i, later);
        }
        assert!(p.pick_key(later + 1).is_some());
        assert!(provider(&[]).pick_key(0).is_none());
    }
}
