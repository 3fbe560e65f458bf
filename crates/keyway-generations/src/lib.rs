//! Image, video and 3D generation behind one Keyway API (product.md §5,
//! protocols.md §4–§5): `POST /v1/generations` creates a job with a Keyway id,
//! vendor adapters map it onto each vendor's native API, and a poller follows
//! asynchronous upstream tasks until they finish.
//!
//! Layers, from pure to I/O:
//! - `request` (the unified request) and `job` (the job object, statuses,
//!   normalized errors) — pure;
//! - `adapters` — one module per vendor, pure request/response mapping;
//! - `exec` — the one HTTP executor for an adapter's `Call`;
//! - `engine` — submit / refresh / cancel against the store;
//! - `routes`, `shim`, `poller` — the HTTP surface and the background loop.
//!
//! Mounting (in the server): build one `GenState::new(store, gateway, client)`,
//! merge `router(state.clone())` into the public router, and keep the
//! `spawn_poller(state)` handle to abort at shutdown before closing the store.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod adapters;
mod engine;
pub mod error;
mod exec;
pub mod job;
mod poller;
pub mod request;
mod routes;
mod shim;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use secrecy::SecretString;

pub use poller::spawn_poller;
/// The HTTP client type `GenState` holds, re-exported so callers need no own dependency.
pub use reqwest;
pub use routes::router;

/// What the generation API needs from the gateway: key checks, route
/// resolution from the in-memory snapshot, and the batched log writer.
#[async_trait]
pub trait GenGateway: Send + Sync + 'static {
    /// `Authorization: Bearer db_sk_…` or `x-api-key` → (key_id, group_id); None = 401 `invalid API key`.
    fn authenticate(&self, headers: &http::HeaderMap) -> Option<(i64, i64)>;
    /// The route's first enabled candidate: Err(message) → 404 `model 'X' not found`.
    fn resolve(&self, group_id: i64, alias: &str) -> Result<GenTarget, String>;
    /// Hand over a request-log row (written in batches by the gateway).
    fn log(&self, row: keyway_store::RequestLog);
}

/// Where a generation request goes.
#[derive(Debug, Clone)]
pub struct GenTarget {
    pub provider_id: i64,
    pub provider_name: String,
    pub vendor: String,
    pub base_url: String,
    pub api_key: Option<SecretString>,
    pub upstream_model: String,
    pub generation_path: Option<String>,
    pub timeouts: keyway_store::Timeouts,
}

/// Polling cadence and limits. The defaults suit real vendors; tests shrink them.
#[derive(Debug, Clone)]
pub struct GenConfig {
    /// First background poll after submit; doubles up to `poll_max`.
    pub poll_initial: Duration,
    pub poll_max: Duration,
    /// How often the background loop looks for due jobs.
    pub tick: Duration,
    /// A GET polls the upstream at most this often per job (the rest is served from the store).
    pub get_cache: Duration,
    /// Hard deadlines per modality, counted from creation.
    pub deadline_image: Duration,
    pub deadline_video: Duration,
    pub deadline_3d: Duration,
    /// Longest `Prefer: wait=N` / `?wait=N` honoured.
    pub max_wait: Duration,
    /// Largest upstream response body read (base64 images are big).
    pub max_body_bytes: usize,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            poll_initial: Duration::from_secs(2),
            poll_max: Duration::from_secs(15),
            tick: Duration::from_millis(500),
            get_cache: Duration::from_secs(1),
            deadline_image: Duration::from_secs(5 * 60),
            deadline_video: Duration::from_secs(60 * 60),
            deadline_3d: Duration::from_secs(60 * 60),
            max_wait: Duration::from_secs(120),
            max_body_bytes: 64 << 20,
        }
    }
}

/// Everything the generation routes and the poller share. Cheap to clone.
#[derive(Clone)]
pub struct GenState {
    pub store: Arc<dyn keyway_store::Store>,
    pub gateway: Arc<dyn GenGateway>,
    pub http: reqwest::Client,
    pub config: Arc<GenConfig>,
    pub(crate) local: Arc<Local>,
}

impl GenState {
    pub fn new(
        store: Arc<dyn keyway_store::Store>,
        gateway: Arc<dyn GenGateway>,
        http: reqwest::Client,
    ) -> Self {
        Self::with_config(store, gateway, http, GenConfig::default())
    }

    pub fn with_config(
        store: Arc<dyn keyway_store::Store>,
        gateway: Arc<dyn GenGateway>,
        http: reqwest::Client,
        config: GenConfig,
    ) -> Self {
        GenState {
            store,
            gateway,
            http,
            config: Arc::new(config),
            local: Arc::default(),
        }
    }
}

/// Per-process bookkeeping: one poll at a time per job, and when each job
/// was last polled (the GET cache).
#[derive(Default)]
pub(crate) struct Local {
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    last_poll: Mutex<HashMap<String, std::time::Instant>>,
}

impl Local {
    pub(crate) fn lock_for(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self.locks.lock().unwrap_or_else(|e| e.into_inner());
        // Forget locks nobody holds so the map does not grow with every job ever seen.
        if map.len() > 1024 {
            map.retain(|_, l| Arc::strong_count(l) > 1);
        }
        map.entry(id.to_string()).or_default().clone()
    }

    pub(crate) fn polled_within(&self, id: &str, window: Duration) -> bool {
        let map = self.last_poll.lock().unwrap_or_else(|e| e.into_inner());
        map.get(id).is_some_and(|t| t.elapsed() < window)
    }

    pub(crate) fn mark_polled(&self, id: &str) {
        let mut map = self.last_poll.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 4096 {
            map.retain(|_, t| t.elapsed() < Duration::from_secs(60));
        }
        map.insert(id.to_string(), std::time::Instant::now());
    }

    pub(crate) fn forget(&self, id: &str) {
        self.last_poll
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }
}
