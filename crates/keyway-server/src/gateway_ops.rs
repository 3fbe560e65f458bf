//! What the admin UI asks of the live gateway: E2E tests through the real
//! pipeline, and provider health from the circuit breakers.

use std::time::Instant;

use async_trait::async_trait;
use http::HeaderMap;
use http_body_util::BodyExt;
use keyway_admin::{GatewayOps, ProviderHealth, RouteTestResult};
use keyway_store::{Protocol, Route};
use serde_json::{json, Value};

use crate::error::ClientProtocol;
use crate::proxy::{dispatch_for_test, now_ms};
use crate::state::SharedState;

pub struct Ops {
    pub state: SharedState,
}

#[async_trait]
impl GatewayOps for Ops {
    async fn test_route(&self, route: &Route) -> RouteTestResult {
        let snap = self.state.snapshot.load_full();
        let entry = snap.route(route.group_id, &route.alias).cloned();
        // Speak the first candidate's own protocol, so the test checks the upstream rather than the bridge.
        let client = match entry
            .as_ref()
            .and_then(|r| r.candidates.first())
            .map(|c| c.provider.protocol)
        {
            Some(Protocol::Anthropic) => ClientProtocol::Anthropic,
            _ => ClientProtocol::OpenAi,
        };
        let body = json!({
            "model": route.alias,
            "max_tokens": 64,
            "messages": [{"role": "user", "content": "Reply with OK."}],
        });
        let started = Instant::now();
        let (resp, provider) = dispatch_for_test(
            &self.state,
            client,
            HeaderMap::new(),
            body.to_string().into(),
            route.group_id,
        )
        .await;
        let status = resp.status().as_u16();
        let upstream_status = resp
            .headers()
            .get("x-keyway-upstream-status")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let bytes = resp
            .into_body()
            .collect()
            .await
            .map(|c| c.to_bytes())
            .unwrap_or_default();
        let latency_ms = started.elapsed().as_millis() as u64;
        let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status == 200 {
            RouteTestResult {
                ok: true,
                status,
                latency_ms,
                reply: Some(reply_text(&v, client)),
                upstream_status: upstream_status.or(Some(200)),
                error: None,
                provider,
            }
        } else {
            let error = v
                .pointer("/error/message")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| String::from_utf8_lossy(&bytes).into_owned());
            RouteTestResult {
                ok: false,
                status,
                latency_ms,
                reply: None,
                upstream_status,
                error: Some(error),
                provider,
            }
        }
    }

    fn provider_health(&self) -> Vec<ProviderHealth> {
        let snap = self.state.snapshot.load();
        let mut ids: Vec<i64> = snap.providers.keys().copied().collect();
        ids.sort_unstable();
        let now = now_ms();
        self.state
            .breakers
            .snapshot(&ids)
            .into_iter()
            .map(|h| ProviderHealth {
                provider_id: h.provider_id,
                state: h.state.as_str().to_owned(),
                consecutive_failures: h.consecutive_failures,
                total_failures: h.total_failures,
                total_successes: h.total_successes,
                last_error: h.last_error,
                last_failure_at: h.last_failure_at,
                open_until: h.open_for.map(|d| now + d.as_millis() as i64),
            })
            .collect()
    }

    fn reset_provider_health(&self, provider_id: i64) {
        self.state.breakers.reset(provider_id);
    }
}

fn reply_text(v: &Value, client: ClientProtocol) -> String {
    match client {
        ClientProtocol::OpenAi => v
            .pointer("/choices/0/message/content")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        ClientProtocol::Anthropic => v
            .get("content")
            .and_then(Value::as_array)
            .map(|blocks| {
                blocks
                    .iter()
                    .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
                    .filter_map(|b| b.get("text").and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join("")
            })
            .unwrap_or_default(),
    }
}
