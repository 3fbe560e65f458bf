//! A real SQLite store in a temp dir, a small `GenGateway`, and the
//! generation router served on 127.0.0.1:0.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use keyway_generations::{router, GenConfig, GenGateway, GenState, GenTarget};
use keyway_store::{
    AuthStyle, MasterKey, Protocol, Provider, ProviderInput, RequestLog, Store, Timeouts,
};
use secrecy::SecretString;
use serde_json::Value;

use crate::fakes::KEY;

/// Group 1's key and group 2's key.
pub const KEY_A: &str = "db_sk_group_one";
pub const KEY_B: &str = "db_sk_group_two";

#[derive(Default)]
pub struct TestGateway {
    routes: Mutex<HashMap<(i64, String), GenTarget>>,
    pub logs: Mutex<Vec<RequestLog>>,
}

impl GenGateway for TestGateway {
    fn authenticate(&self, headers: &http::HeaderMap) -> Option<(i64, i64)> {
        let bearer = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let x = headers.get("x-api-key").and_then(|v| v.to_str().ok());
        match bearer.or(x)? {
            KEY_A => Some((11, 1)),
            KEY_B => Some((22, 2)),
            _ => None,
        }
    }
    fn resolve(&self, group_id: i64, alias: &str) -> Result<GenTarget, String> {
        self.routes
            .lock()
            .unwrap()
            .get(&(group_id, alias.to_string()))
            .cloned()
            .ok_or_else(|| format!("model '{alias}' not found"))
    }
    fn log(&self, row: RequestLog) {
        self.logs.lock().unwrap().push(row);
    }
}

pub fn test_config() -> GenConfig {
    GenConfig {
        poll_initial: Duration::from_millis(20),
        poll_max: Duration::from_millis(100),
        tick: Duration::from_millis(20),
        get_cache: Duration::ZERO,
        deadline_image: Duration::from_secs(20),
        deadline_video: Duration::from_secs(20),
        deadline_3d: Duration::from_secs(20),
        max_wait: Duration::from_secs(10),
        max_body_bytes: 1 << 20,
    }
}

pub struct Harness {
    pub store: Arc<dyn Store>,
    pub gw: Arc<TestGateway>,
    pub state: GenState,
    pub base: String,
    pub client: reqwest::Client,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.server.abort();
    }
}

pub struct Db {
    pub url: String,
    pub master: MasterKey,
    _dir: tempfile::TempDir,
}

impl Db {
    pub fn new() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("k.db").display());
        Db {
            url,
            master: MasterKey::generate(),
            _dir: dir,
        }
    }
}

impl Harness {
    pub async fn new() -> (Harness, Db) {
        let db = Db::new();
        let h = Harness::open(&db, test_config()).await;
        (h, db)
    }

    pub async fn open(db: &Db, config: GenConfig) -> Harness {
        let store = keyway_store::open(&db.url, db.master.clone())
            .await
            .unwrap();
        let gw = Arc::new(TestGateway::default());
        let state =
            GenState::with_config(store.clone(), gw.clone(), reqwest::Client::new(), config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = router(state.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Harness {
            store,
            gw,
            state,
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            server,
        }
    }

    /// A provider in the store (the poller reads it back from there).
    pub async fn provider(&self, vendor: &str, base_url: &str, timeouts: Timeouts) -> Provider {
        let name = format!(
            "{vendor}-{}",
            self.store.list_providers().await.unwrap().len()
        );
        self.store
            .create_provider(ProviderInput {
                name,
                vendor: vendor.into(),
                protocol: Protocol::Openai,
                base_url: base_url.into(),
                auth_style: AuthStyle::Bearer,
                api_keys: Some(vec![SecretString::from(KEY)]),
                enabled: true,
                timeouts,
                managed_by_config: false,
            })
            .await
            .unwrap()
    }

    pub fn route(
        &self,
        group: i64,
        alias: &str,
        p: &Provider,
        model: &str,
        generation_path: Option<&str>,
    ) {
        self.gw.routes.lock().unwrap().insert(
            (group, alias.to_string()),
            GenTarget {
                provider_id: p.id,
                provider_name: p.name.clone(),
                vendor: p.vendor.clone(),
                base_url: p.base_url.clone(),
                api_key: p.api_keys.first().cloned(),
                upstream_model: model.into(),
                generation_path: generation_path.map(str::to_string),
                timeouts: p.timeouts,
            },
        );
    }

    /// A provider plus a route `alias` in group 1.
    pub async fn setup(&self, vendor: &str, base_url: &str, alias: &str, model: &str) -> Provider {
        let p = self.provider(vendor, base_url, fast_timeouts()).await;
        self.route(1, alias, &p, model, None);
        p
    }

    pub async fn post(&self, key: &str, path: &str, body: &Value, prefer: Option<&str>) -> Resp {
        let mut rb = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(key)
            .json(body);
        if let Some(p) = prefer {
            rb = rb.header("prefer", p);
        }
        Resp::of(rb.send().await.unwrap()).await
    }

    pub async fn post_raw(&self, key: &str, path: &str, body: &'static str) -> Resp {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(key)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        Resp::of(r).await
    }

    pub async fn get(&self, key: &str, path: &str) -> Resp {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        Resp::of(r).await
    }

    /// GETs the job until its status is `want` (each GET polls the upstream).
    pub async fn get_until(&self, id: &str, want: &str) -> Value {
        let mut last = Value::Null;
        for _ in 0..20 {
            let r = self.get(KEY_A, &format!("/v1/generations/{id}")).await;
            assert_eq!(r.status, 200, "{}", r.body);
            if r.body["status"] == want {
                return r.body;
            }
            last = r.body;
        }
        panic!("job {id} never reached {want}; last: {last}");
    }
}

pub fn fast_timeouts() -> Timeouts {
    Timeouts {
        connect_ms: 2_000,
        first_byte_ms: 2_000,
        idle_ms: 2_000,
    }
}

pub struct Resp {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Value,
    pub bytes: bytes::Bytes,
}

impl Resp {
    async fn of(r: reqwest::Response) -> Resp {
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let bytes = r.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            bytes,
        }
    }
}
