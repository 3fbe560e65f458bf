//! The routing table the hot path reads: keys by digest, routes by
//! (group, alias), providers by id. Built from the store in one pass and
//! swapped atomically (`ArcSwap`) whenever the store reports a change, so a
//! request never waits on the database.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
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
}

impl ProviderEntry {
    /// The next upstream key of the pool (round robin); `None` when the pool is empty.
    pub fn pick_key(&self) -> Option<&SecretString> {
        if self.api_keys.is_empty() {
            return None;
        }
        let i = self.next_key.fetch_add(1, Ordering::Relaxed) % self.api_keys.len();
        self.api_keys.get(i)
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
