//! Keyway's HTTP surface: the public API (OpenAI and Anthropic protocols),
//! health and metrics, with the admin router mounted beside it.

pub mod auth;
pub mod body;
pub mod error;
mod gateway_ops;
pub mod generations;
pub mod logs;
pub mod metrics;
pub mod proxy;
pub mod snapshot;
pub mod state;
pub mod tokens;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tower_http::decompression::RequestDecompressionLayer;

use error::{ApiError, ClientProtocol};
pub use gateway_ops::Ops;
use proxy::Operation;
use state::SharedState;

/// The generations API's state, backed by this gateway.
pub fn generations_state(state: &SharedState) -> keyway_generations::GenState {
    keyway_generations::GenState::new(
        state.store.clone(),
        Arc::new(generations::Gateway(state.clone())),
        keyway_generations::reqwest::Client::new(),
    )
}

/// The public API, generations, health, metrics; `admin` is merged in as given.
pub fn router(state: SharedState, admin: Router, gen: keyway_generations::GenState) -> Router {
    let public = Router::new()
        .route("/v1/chat/completions", post(chat))
        .route("/v1/messages", post(messages))
        .route("/v1/messages/count_tokens", post(count_tokens))
        .route("/v1/models", get(proxy::models::list))
        .route("/v1/models/{id}", get(proxy::models::get))
        // Anthropic SDK clients configured with a `/v1` base URL call `/v1/v1/messages`; accept it.
        .route("/v1/v1/messages", post(messages))
        .route("/v1/v1/messages/count_tokens", post(count_tokens))
        .layer(RequestDecompressionLayer::new())
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state);
    public
        .merge(keyway_generations::router(gen))
        .merge(admin)
        .fallback(not_found)
        .layer(axum::middleware::map_response(ensure_request_id))
}

/// Every response carries `x-request-id`; the proxy sets its own, others get one here.
async fn ensure_request_id(mut resp: Response) -> Response {
    if !resp.headers().contains_key("x-request-id") {
        if let Ok(v) = http::HeaderValue::from_str(&proxy::new_request_id()) {
            resp.headers_mut().insert("x-request-id", v);
        }
    }
    resp
}

async fn chat(State(s): State<SharedState>, headers: HeaderMap, body: Body) -> Response {
    proxy::handle(s, ClientProtocol::OpenAi, Operation::Chat, headers, body).await
}

async fn messages(State(s): State<SharedState>, headers: HeaderMap, body: Body) -> Response {
    proxy::handle(
        s,
        ClientProtocol::Anthropic,
        Operation::Messages,
        headers,
        body,
    )
    .await
}

async fn count_tokens(State(s): State<SharedState>, headers: HeaderMap, body: Body) -> Response {
    proxy::handle(
        s,
        ClientProtocol::Anthropic,
        Operation::CountTokens,
        headers,
        body,
    )
    .await
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(s): State<SharedState>) -> Response {
    match s.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

async fn metrics(State(s): State<SharedState>) -> Response {
    let snap = s.snapshot.load();
    let mut ids: Vec<i64> = snap.providers.keys().copied().collect();
    ids.sort_unstable();
    let mut extra = String::from("# HELP keyway_provider_circuit_open 1 when the provider's circuit breaker is open.\n# TYPE keyway_provider_circuit_open gauge\n");
    for h in s.breakers.snapshot(&ids) {
        let name = snap
            .providers
            .get(&h.provider_id)
            .map(|p| p.name.as_str())
            .unwrap_or("");
        let open = u8::from(h.state != keyway_upstream::breaker::BreakerState::Closed);
        extra.push_str(&format!(
            "keyway_provider_circuit_open{{provider=\"{}\"}} {open}\n",
            metrics::escape(name)
        ));
    }
    let mut r = s.metrics.render(&extra).into_response();
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    r
}

/// Unknown paths: an OpenAI-shaped 404 under /v1, plain otherwise.
async fn not_found(headers: HeaderMap, uri: http::Uri) -> Response {
    let proto = proxy::protocol_of(&headers);
    let mut r =
        ApiError::BadRequest(format!("unknown endpoint {}", uri.path())).into_response_for(proto);
    *r.status_mut() = StatusCode::NOT_FOUND;
    r
}

/// Builds the shared state with its log writer.
pub fn new_state(
    store: Arc<dyn keyway_store::Store>,
    snapshot: snapshot::Snapshot,
    limits: state::Limits,
    breakers: keyway_upstream::breaker::Breakers,
) -> (SharedState, logs::LogWriter) {
    let (sink, writer) = logs::spawn(store.clone());
    let state = Arc::new(state::AppState {
        snapshot: arc_swap::ArcSwap::from_pointee(snapshot),
        store,
        upstream: keyway_upstream::UpstreamClient::new(),
        breakers,
        logs: sink,
        metrics: metrics::Metrics::default(),
        limits,
    });
    (state, writer)
}
