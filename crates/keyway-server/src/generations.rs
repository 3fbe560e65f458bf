//! What the generations API (`keyway-generations`) needs from the gateway:
//! client authentication, route resolution from the live snapshot, and the
//! request-log sink.

use keyway_generations::{GenGateway, GenTarget};

use crate::state::SharedState;

pub struct Gateway(pub SharedState);

impl GenGateway for Gateway {
    fn authenticate(&self, headers: &http::HeaderMap) -> Option<(i64, i64)> {
        let snap = self.0.snapshot.load();
        crate::auth::authenticate(headers, &snap, crate::proxy::now_ms())
            .ok()
            .map(|c| (c.key_id, c.group_id))
    }

    fn resolve(&self, group_id: i64, alias: &str) -> Result<GenTarget, String> {
        let snap = self.0.snapshot.load();
        let not_found = || format!("model '{alias}' not found");
        let route = snap
            .route(group_id, alias)
            .filter(|r| r.enabled)
            .ok_or_else(not_found)?;
        let c = route
            .candidates
            .iter()
            .find(|c| c.provider.enabled)
            .ok_or_else(not_found)?;
        let p = &c.provider;
        Ok(GenTarget {
            provider_id: p.id,
            provider_name: p.name.clone(),
            vendor: p.vendor.clone(),
            base_url: p.base_url.clone(),
            api_key: p.pick_key(crate::proxy::now_ms()).map(|(_, k)| k.clone()),
            upstream_model: c.model.clone(),
            generation_path: route.generation_path.clone(),
            timeouts: p.timeouts,
        })
    }

    fn log(&self, row: keyway_store::RequestLog) {
        self.0.logs.send(row);
    }
}
