//! Fake upstream providers for tests and the benchmark. One server answers
//! both protocols (`/chat/completions` and `/v1/messages`), and the request's
//! `model` picks the behaviour — so a test routes an alias to, say,
//! `die-mid-stream` and gets exactly that, over real HTTP. Every request is
//! recorded (headers and body as received) for assertions.

mod anthropic;
mod openai;
mod scenario;
pub mod sse;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use parking_lot::Mutex;

pub use anthropic::GENUINE_SIGNATURE;
pub use scenario::{Scenario, TEXT, TOOL_COMMAND};

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub json: serde_json::Value,
    pub at: Instant,
}

#[derive(Default)]
pub struct Shared {
    pub requests: Mutex<Vec<Recorded>>,
    /// Streams whose client (Keyway) went away before the stream ended.
    pub cancelled_streams: AtomicU64,
    /// Streams that ran to their end.
    pub finished_streams: AtomicU64,
    /// When false, requests are not recorded (benchmark mode).
    pub record: std::sync::atomic::AtomicBool,
}

pub struct FakeUpstream {
    pub addr: SocketAddr,
    pub shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeUpstream {
    /// Starts on 127.0.0.1 with an OS-chosen port.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_on("127.0.0.1:0".parse().map_err(std::io::Error::other)?, true).await
    }

    pub async fn start_on(addr: SocketAddr, record: bool) -> std::io::Result<Self> {
        let shared = Arc::new(Shared::default());
        shared.record.store(record, Ordering::Relaxed);
        let app = Router::new()
            .route("/chat/completions", post(openai_handler))
            .route("/v1/chat/completions", post(openai_handler))
            .route("/v1/messages", post(anthropic_handler))
            .route("/v1/messages/count_tokens", post(count_tokens_handler))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(FakeUpstream { addr, shared, task })
    }

    /// Base URL for an OpenAI-protocol provider (`…/v1`).
    pub fn openai_base(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Base URL for an Anthropic-protocol provider (no `/v1`).
    pub fn anthropic_base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().clone()
    }

    pub fn last_request(&self) -> Option<Recorded> {
        self.shared.requests.lock().last().cloned()
    }

    pub fn cancelled_streams(&self) -> u64 {
        self.shared.cancelled_streams.load(Ordering::SeqCst)
    }
}

impl Drop for FakeUpstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn record(shared: &Shared, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> serde_json::Value {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or(serde_json::Value::Null);
    if shared.record.load(Ordering::Relaxed) {
        shared.requests.lock().push(Recorded {
            path: uri.path().to_owned(),
            query: uri.query().map(str::to_owned),
            headers: headers.clone(),
            body: body.clone(),
            json: json.clone(),
            at: Instant::now(),
        });
    }
    json
}

async fn openai_handler(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let json = record(&shared, &uri, &headers, &body);
    openai::respond(shared, &json).await
}

async fn anthropic_handler(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let json = record(&shared, &uri, &headers, &body);
    anthropic::respond(shared, &headers, &json).await
}

async fn count_tokens_handler(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let json = record(&shared, &uri, &headers, &body);
    anthropic::count_tokens(&json)
}
