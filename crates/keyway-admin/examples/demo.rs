//! A throwaway admin server with sample data, for looking at the UI:
//! `cargo run -p keyway-admin --example demo -- 127.0.0.1:9300`
//! (login admin / demo-password). A fake gateway answers the E2E tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;

use keyway_admin::{AdminState, GatewayOps, ProviderHealth, RouteTestResult};
use keyway_store::{
    AuthStyle, Candidate, Id, KeyInput, MasterKey, Protocol, ProviderInput, RequestLog, Route,
    RouteInput, RouteMode, Timeouts,
};

struct Fake;

#[async_trait::async_trait]
impl GatewayOps for Fake {
    async fn test_route(&self, route: &Route) -> RouteTestResult {
        let ok = !route.alias.contains("glm");
        RouteTestResult {
            ok,
            status: if ok { 200 } else { 502 },
            latency_ms: 431,
            reply: ok.then(|| "OK".into()),
            upstream_status: Some(if ok { 200 } else { 401 }),
            error: (!ok).then(|| "upstream error: zhipu returned 401: {\"error\":{\"code\":\"1000\",\"message\":\"身份验证失败。\"}}".into()),
            provider: Some("deepseek".into()),
        }
    }
    fn provider_health(&self) -> Vec<ProviderHealth> {
        vec![
            ProviderHealth {
                provider_id: 1,
                state: "closed".into(),
                consecutive_failures: 0,
                total_failures: 2,
                total_successes: 310,
                last_error: None,
                last_failure_at: None,
                open_until: None,
            },
            ProviderHealth {
                provider_id: 2,
                state: "open".into(),
                consecutive_failures: 5,
                total_failures: 9,
                total_successes: 40,
                last_error: Some("connect timeout after 10s".into()),
                last_failure_at: Some(now() - 60_000),
                open_until: Some(now() + 30_000),
            },
        ]
    }
    fn reset_provider_health(&self, _: Id) {}
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn provider(
    name: &str,
    vendor: &str,
    protocol: Protocol,
    url: &str,
    managed: bool,
) -> ProviderInput {
    ProviderInput {
        name: name.into(),
        vendor: vendor.into(),
        protocol,
        base_url: url.into(),
        auth_style: if vendor == "anthropic" {
            AuthStyle::XApiKey
        } else {
            AuthStyle::Bearer
        },
        api_keys: Some(vec![format!("sk-{name}-0123456789abcdef").into()]),
        enabled: true,
        timeouts: Timeouts::default(),
        managed_by_config: managed,
    }
}

#[tokio::main]
async fn main() {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9300".into())
        .parse()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("keyway.db").display());
    let store = keyway_store::open(&url, MasterKey::generate())
        .await
        .unwrap();
    store
        .create_admin_user(
            "admin",
            &keyway_admin::hash_password("demo-password").unwrap(),
        )
        .await
        .unwrap();
    let ds = store
        .create_provider(provider(
            "deepseek",
            "deepseek",
            Protocol::Openai,
            "https://api.deepseek.com/v1",
            false,
        ))
        .await
        .unwrap();
    let zp = store
        .create_provider(provider(
            "zhipu",
            "zhipu",
            Protocol::Openai,
            "https://open.bigmodel.cn/api/paas/v4",
            true,
        ))
        .await
        .unwrap();
    let groups = store.list_groups().await.unwrap();
    let g = match groups.first() {
        Some(g) => g.clone(),
        None => store.create_group("default", false).await.unwrap(),
    };
    let team = store.create_group("team-a", false).await.unwrap();
    let cand = |p: Id, m: &str, prio| Candidate {
        provider_id: p,
        model: m.into(),
        priority: prio,
        weight: 1,
    };
    for (gid, alias, mode, cands) in [
        (
            g.id,
            "deepseek-v4-pro",
            RouteMode::Direct,
            vec![cand(ds.id, "deepseek-chat", 0)],
        ),
        (
            g.id,
            "glm-4-plus",
            RouteMode::Direct,
            vec![cand(zp.id, "glm-4-plus", 0)],
        ),
        (
            g.id,
            "smart",
            RouteMode::AutoSelect,
            vec![
                cand(ds.id, "deepseek-chat", 0),
                cand(zp.id, "glm-4-plus", 1),
            ],
        ),
        (
            team.id,
            "coder",
            RouteMode::Direct,
            vec![cand(ds.id, "deepseek-reasoner", 0)],
        ),
    ] {
        store
            .create_route(RouteInput {
                group_id: gid,
                alias: alias.into(),
                mode,
                enabled: true,
                bridge: true,
                candidates: cands,
                generation_path: None,
                managed_by_config: false,
            })
            .await
            .unwrap();
    }
    for (name, gid) in [("laptop", g.id), ("ci", g.id), ("alice", team.id)] {
        store
            .create_key(KeyInput {
                group_id: gid,
                name: name.into(),
                plaintext: None,
                enabled: true,
                expires_at: None,
                managed_by_config: false,
            })
            .await
            .unwrap();
    }
    let keys = store.list_keys(None).await.unwrap();
    let mut logs = Vec::new();
    let t0 = now() - 23 * 3_600_000;
    for i in 0..400i64 {
        let (gid, alias, kid) = match i % 4 {
            0 => (team.id, "coder", keys[2].id),
            1 => (g.id, "glm-4-plus", keys[1].id),
            _ => (g.id, "deepseek-v4-pro", keys[0].id),
        };
        let fail = i % 17 == 0;
        logs.push(RequestLog {
            ts: t0 + i * 200_000 + (i * 7919 % 100_000),
            request_id: format!("req_{i:05}"),
            key_id: Some(kid), group_id: Some(gid), alias: Some(alias.into()),
            provider: Some(if alias == "glm-4-plus" { "zhipu" } else { "deepseek" }.into()),
            upstream_model: Some("deepseek-chat".into()),
            client_protocol: if i % 3 == 0 { "anthropic" } else { "openai" }.into(),
            endpoint: "/v1/chat/completions".into(), stream: i % 2 == 0,
            status: if fail { 502 } else { 200 },
            upstream_status: Some(if fail { 401 } else { 200 }),
            upstream_error: fail.then(|| "{\"error\":{\"message\":\"Authentication Fails (auth header format should be Bearer sk-...)\",\"type\":\"authentication_error\"}}".into()),
            error: fail.then(|| "upstream error: deepseek returned 401: Authentication Fails".into()),
            latency_ms: 300 + (i * 37 % 900), ttfb_ms: Some(120 + (i * 13 % 200)),
            input_tokens: Some(200 + i % 50 * 10), output_tokens: Some(50 + i % 30 * 5),
            ..Default::default()
        });
    }
    store.insert_logs(&logs).await.unwrap();
    let state = AdminState {
        store,
        admin_token: Some("demo-token".to_owned().into()),
        session_secret: [9; 32],
        gateway: Arc::new(Fake),
        public_base_url: format!("http://{addr}"),
    };
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    println!("demo admin on http://{addr}/admin (admin / demo-password)");
    axum::serve(
        listener,
        keyway_admin::router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
    .unwrap();
}
