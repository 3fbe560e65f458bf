//! Writing a validated config into the store. Objects are matched by name
//! (providers, groups), alias (routes) and key name within the group, marked
//! managed-by-config, and managed objects the file no longer declares are
//! removed, so a SIGHUP after an edit leaves exactly what the file says.

use std::collections::HashMap;

use keyway_store::{key_digest, Candidate, KeyInput, ProviderInput, RouteInput, Store, StoreError};
use secrecy::ExposeSecret;

use super::Config;

#[derive(Debug, Default)]
pub struct Applied {
    pub providers: usize,
    pub groups: usize,
    pub routes: usize,
    pub keys: usize,
}

pub async fn apply(store: &dyn Store, cfg: &Config) -> Result<Applied, StoreError> {
    let mut applied = Applied::default();
    let existing: HashMap<String, keyway_store::Provider> = store
        .list_providers()
        .await?
        .into_iter()
        .map(|p| (p.name.clone(), p))
        .collect();
    let mut provider_ids = HashMap::new();
    for p in &cfg.providers {
        let input = ProviderInput {
            name: p.name.clone(),
            vendor: p.vendor.clone(),
            protocol: p.protocol,
            base_url: p.base_url.clone(),
            auth_style: p.auth_style,
            api_keys: Some(p.api_keys.clone()),
            enabled: p.enabled,
            timeouts: p.timeouts,
            managed_by_config: true,
        };
        let row = match existing.get(&p.name) {
            Some(old) => store.update_provider(old.id, input).await?,
            None => store.create_provider(input).await?,
        };
        provider_ids.insert(p.name.clone(), row.id);
        applied.providers += 1;
    }

    let groups: HashMap<String, keyway_store::Group> = store
        .list_groups()
        .await?
        .into_iter()
        .map(|g| (g.name.clone(), g))
        .collect();
    let mut declared_groups = Vec::new();
    for g in &cfg.groups {
        let group = match groups.get(&g.name) {
            Some(gr) => gr.clone(),
            None => store.create_group(&g.name, true).await?,
        };
        declared_groups.push(group.id);
        applied.groups += 1;

        let routes: HashMap<String, keyway_store::Route> = store
            .list_routes(Some(group.id))
            .await?
            .into_iter()
            .map(|r| (r.alias.clone(), r))
            .collect();
        for r in &g.routes {
            let input = RouteInput {
                group_id: group.id,
                alias: r.alias.clone(),
                mode: r.mode,
                enabled: r.enabled,
                bridge: r.bridge,
                candidates: r
                    .candidates
                    .iter()
                    .map(|(p, m, prio, w)| Candidate {
                        provider_id: provider_ids.get(p).copied().unwrap_or_default(),
                        model: m.clone(),
                        priority: *prio,
                        weight: *w,
                    })
                    .collect(),
                generation_path: r.generation_path.clone(),
                managed_by_config: true,
            };
            match routes.get(&r.alias) {
                Some(old) => store.update_route(old.id, input).await?,
                None => store.create_route(input).await?,
            };
            applied.routes += 1;
        }
        for (alias, old) in &routes {
            if old.managed_by_config && !g.routes.iter().any(|r| &r.alias == alias) {
                store.delete_route(old.id).await?;
            }
        }

        let keys = store.list_keys(Some(group.id)).await?;
        for k in &g.keys {
            let current = keys
                .iter()
                .find(|e| e.managed_by_config && e.name == k.name);
            let wanted_digest = k.key.as_ref().map(|s| key_digest(s.expose_secret()));
            match (current, wanted_digest) {
                (Some(cur), Some(d)) if cur.digest != d => {
                    store.delete_key(cur.id).await?;
                    create_key(store, group.id, k).await?;
                }
                (Some(cur), _) => {
                    if cur.enabled != k.enabled {
                        store
                            .update_key(
                                cur.id,
                                keyway_store::KeyPatch {
                                    enabled: Some(k.enabled),
                                    ..Default::default()
                                },
                            )
                            .await?;
                    }
                }
                (None, _) => create_key(store, group.id, k).await?,
            }
            applied.keys += 1;
        }
        for old in keys.iter().filter(|e| e.managed_by_config) {
            if !g.keys.iter().any(|k| k.name == old.name) {
                store.delete_key(old.id).await?;
            }
        }
    }
    for (_, g) in groups {
        if g.managed_by_config && !declared_groups.contains(&g.id) {
            store.delete_group(g.id).await?;
        }
    }
    for (name, p) in existing {
        if p.managed_by_config && !provider_ids.contains_key(&name) {
            if let Err(e) = store.delete_provider(p.id).await {
                tracing::warn!(provider = %name, error = %e, "provider removed from the config is still in use; keeping it");
            }
        }
    }
    store.notify_change().await?;
    Ok(applied)
}

async fn create_key(
    store: &dyn Store,
    group_id: i64,
    k: &super::KeyConfig,
) -> Result<(), StoreError> {
    store
        .create_key(KeyInput {
            group_id,
            name: k.name.clone(),
            plaintext: k.key.clone(),
            enabled: k.enabled,
            expires_at: None,
            managed_by_config: true,
        })
        .await?;
    Ok(())
}
