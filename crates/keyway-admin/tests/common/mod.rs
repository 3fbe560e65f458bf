//! A real admin server for tests: SQLite in a temp dir, a fake gateway,
//! axum on 127.0.0.1:0, and reqwest clients for token and session auth.
#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use keyway_admin::{AdminState, GatewayOps, ProviderHealth, RouteTestResult};
use keyway_store::{Id, MasterKey, Route, Store};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use serde_json::{json, Value};

pub const TOKEN: &str = "test-admin-token-0123456789";
pub const PASSWORD: &str = "admin-password-1";

/// Answers OK unless the route's alias contains "fail".
#[derive(Default)]
pub struct FakeGateway {
    pub resets: Mutex<Vec<Id>>,
    pub tested: Mutex<Vec<String>>,
}

#[async_trait::async_trait]
impl GatewayOps for FakeGateway {
    async fn test_route(&self, route: &Route) -> RouteTestResult {
        self.tested.lock().unwrap().push(route.alias.clone());
        let ok = !route.alias.contains("fail");
        RouteTestResult {
            ok,
            status: if ok { 200 } else { 502 },
            latency_ms: 12,
            reply: ok.then(|| "OK".to_owned()),
            upstream_status: Some(if ok { 200 } else { 401 }),
            error: (!ok).then(|| "upstream error: fake returned 401: bad key".to_owned()),
            provider: Some("fake".to_owned()),
        }
    }

    fn provider_health(&self) -> Vec<ProviderHealth> {
        vec![ProviderHealth {
            provider_id: 1,
            state: "open".into(),
            consecutive_failures: 5,
            total_failures: 7,
            total_successes: 3,
            last_error: Some("connection refused".into()),
            last_failure_at: Some(1),
            open_until: Some(2),
        }]
    }

    fn reset_provider_health(&self, provider_id: Id) {
        self.resets.lock().unwrap().push(provider_id);
    }
}

pub struct Server {
    pub base: String,
    pub store: Arc<dyn Store>,
    pub gateway: Arc<FakeGateway>,
    _dir: tempfile::TempDir,
}

pub async fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("keyway.db").display());
    let store = keyway_store::open(&url, MasterKey::generate())
        .await
        .unwrap();
    let hash = keyway_admin::hash_password(PASSWORD).unwrap();
    store.create_admin_user("admin", &hash).await.unwrap();
    let gateway = Arc::new(FakeGateway::default());
    let state = AdminState {
        store: store.clone(),
        admin_token: Some(TOKEN.to_owned().into()),
        session_secret: [42; 32],
        gateway: gateway.clone(),
        public_base_url: "http://127.0.0.1:9233".into(),
    };
    let app = keyway_admin::router(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    Server {
        base: format!("http://{addr}"),
        store,
        gateway,
        _dir: dir,
    }
}

pub fn plain_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn token_client() -> reqwest::Client {
    let mut h = HeaderMap::new();
    h.insert(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {TOKEN}")).unwrap(),
    );
    reqwest::Client::builder()
        .default_headers(h)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A browser-like client: cookie jar, logged in; returns it with its CSRF token.
pub async fn session_client(s: &Server) -> (reqwest::Client, String) {
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = c
        .post(format!("{}/admin/api/login", s.base))
        .json(&json!({"username": "admin", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    (c, v["csrf_token"].as_str().unwrap().to_owned())
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Bearer-token JSON request; returns status and body (Null when empty).
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let c = token_client();
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = c.request(m, self.url(path));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        let v = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, v)
    }

    pub async fn provider(&self, name: &str) -> i64 {
        let (st, v) = self
            .call(
                "POST",
                "/admin/api/providers",
                Some(json!({"name": name, "vendor": "deepseek", "api_key": "sk-test-1234567890abcd"})),
            )
            .await;
        assert_eq!(st, 201, "{v}");
        v["id"].as_i64().unwrap()
    }

    pub async fn group(&self, name: &str) -> i64 {
        let (st, v) = self
            .call("POST", "/admin/api/groups", Some(json!({"name": name})))
            .await;
        assert_eq!(st, 201, "{v}");
        v["id"].as_i64().unwrap()
    }

    pub async fn route(&self, group: i64, alias: &str, provider: i64) -> i64 {
        let (st, v) = self
            .call(
                "POST",
                &format!("/admin/api/groups/{group}/routes"),
                Some(json!({"alias": alias, "provider_id": provider, "model": "deepseek-chat"})),
            )
            .await;
        assert_eq!(st, 201, "{v}");
        v["id"].as_i64().unwrap()
    }
}

/// Asserts an error body's status and blamed field.
pub fn assert_err(got: &(u16, Value), status: u16, field: Option<&str>) {
    assert_eq!(got.0, status, "body: {}", got.1);
    assert_eq!(got.1["error"]["field"].as_str(), field, "body: {}", got.1);
    assert!(got.1["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
}
