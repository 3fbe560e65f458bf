//! The public request pipeline: authenticate, read and probe the body,
//! resolve the route, try candidates in order (failing over only before the
//! client has seen a byte), and answer — relaying streams as they arrive.

mod attempts;
mod count_tokens;
pub mod models;
mod nonstream;
mod plan;
mod prepare;
mod record;
mod relay;
mod upstream_error;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue};
use http_body_util::{BodyExt, Limited};

use crate::auth::{authenticate, Caller};
use crate::body::{probe, Required};
use crate::error::{ApiError, ClientProtocol};
use crate::state::SharedState;
use attempts::Outcome;
pub use plan::Flavor;
use prepare::Inbound;
pub use prepare::Operation;
pub use record::{now_ms, Record};

pub fn new_request_id() -> String {
    format!("req_{}", uuid::Uuid::new_v4().simple())
}

/// Reads the body under the size limit (after any gzip/deflate decoding).
pub async fn read_body(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    match Limited::new(body, limit).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Err(ApiError::TooLarge { limit })
        }
        Err(e) => Err(ApiError::BadRequest(format!(
            "could not read the request body: {e}"
        ))),
    }
}

pub fn with_request_id(mut resp: Response, request_id: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(request_id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

/// `POST /v1/chat/completions`, `POST /v1/messages`, `POST /v1/messages/count_tokens`.
pub async fn handle(
    state: SharedState,
    client: ClientProtocol,
    op: Operation,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let request_id = new_request_id();
    let endpoint = match op {
        Operation::Chat => "/v1/chat/completions",
        Operation::Messages => "/v1/messages",
        Operation::CountTokens => "/v1/messages/count_tokens",
    };
    let mut rec = Record::new(request_id.clone(), client, endpoint);
    let resp = match run(&state, client, op, &headers, body, &mut rec).await {
        Ok(resp) => resp,
        Err(err) => rec.fail(&state, err, client),
    };
    with_request_id(resp, &request_id)
}

async fn run(
    state: &SharedState,
    client: ClientProtocol,
    op: Operation,
    headers: &HeaderMap,
    body: Body,
    rec: &mut Record,
) -> Result<Response, ApiError> {
    let snap = state.snapshot.load_full();
    let Caller { key_id, group_id } = authenticate(headers, &snap, rec.log.ts)?;
    rec.log.key_id = Some(key_id);
    rec.log.group_id = Some(group_id);
    rec.group_name = snap.group_names.get(&group_id).cloned().unwrap_or_default();

    let raw = read_body(body, state.limits.max_body_bytes).await?;
    dispatch(state, client, op, headers, raw, group_id, rec).await
}

/// Everything after authentication: also the entry point of admin E2E tests.
pub(crate) async fn dispatch(
    state: &SharedState,
    client: ClientProtocol,
    op: Operation,
    headers: &HeaderMap,
    raw: Bytes,
    group_id: i64,
    rec: &mut Record,
) -> Result<Response, ApiError> {
    let snap = state.snapshot.load_full();
    let required = Required { messages: true };
    let probe = probe(&raw, required)?;
    rec.log.alias = Some(probe.model.clone());
    rec.log.stream = probe.stream && op != Operation::CountTokens;

    let route = snap
        .route(group_id, &probe.model)
        .cloned()
        .ok_or_else(|| ApiError::ModelNotFound(probe.model.clone()))?;
    let candidates = plan::plan(&route, client, &state.breakers);
    let candidates = match (candidates, op) {
        (Ok(c), _) => c,
        // count_tokens on a strict route of the other protocol is still answerable locally.
        (Err(ApiError::ProtocolMismatch { .. }), Operation::CountTokens) => Vec::new(),
        (Err(e), _) => return Err(e),
    };

    if op == Operation::CountTokens {
        return count_tokens::answer(state, headers, &raw, &probe, candidates, rec).await;
    }

    let mut parsed = None;
    let mut inbound = Inbound {
        client,
        op,
        headers,
        raw: &raw,
        probe: &probe,
        parsed: &mut parsed,
    };
    let total = candidates.len().min(state.limits.max_attempts.max(1));
    let mut last_err = ApiError::NoHealthyProvider(probe.model.clone());
    for (n, (cand, flavor)) in candidates.into_iter().take(total).enumerate() {
        rec.log.provider = Some(cand.provider.name.clone());
        rec.log.upstream_model = Some(cand.model.clone());
        let may_retry = n + 1 < total && rec.started.elapsed() < state.limits.failover_deadline;
        match attempts::attempt(state, &mut inbound, &cand, flavor, rec).await? {
            Outcome::Done(resp) => return Ok(resp),
            Outcome::Retryable {
                upstream_status,
                error,
                api,
            } if may_retry => {
                rec.attempt_failed(state, upstream_status, error);
                last_err = api;
            }
            Outcome::Retryable {
                upstream_status,
                error,
                api,
            } => {
                rec.log.upstream_status = upstream_status;
                rec.log.upstream_error = Some(error);
                return Err(api);
            }
        }
    }
    Err(last_err)
}

/// Serializes a translated body; failure here is our bug, not the client's.
pub(crate) fn to_bytes(v: &serde_json::Value) -> Result<Bytes, ApiError> {
    serde_json::to_vec(v)
        .map(Bytes::from)
        .map_err(|_| ApiError::Internal)
}

/// The client's protocol where the path alone does not say (models, unknown paths):
/// Anthropic SDKs always send `anthropic-version`.
pub(crate) fn protocol_of(headers: &HeaderMap) -> ClientProtocol {
    if headers.contains_key("anthropic-version") {
        ClientProtocol::Anthropic
    } else {
        ClientProtocol::OpenAi
    }
}

/// Upstream response headers worth passing on (rate-limit state, request ids).
pub fn passthrough_headers(from: &HeaderMap, to: &mut HeaderMap) {
    for (name, value) in from {
        let n = name.as_str();
        if n.starts_with("x-ratelimit-")
            || n.starts_with("anthropic-ratelimit-")
            || n == "retry-after"
        {
            to.append(name.clone(), value.clone());
        } else if n == "request-id" || n == "x-request-id" {
            to.insert("x-upstream-request-id", value.clone());
        }
    }
}

pub fn json_response(status: http::StatusCode, body: Bytes) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// Runs a request through the pipeline on behalf of the admin E2E test
/// (no client key); returns the response and the provider that answered.
pub async fn dispatch_for_test(
    state: &SharedState,
    client: ClientProtocol,
    headers: HeaderMap,
    raw: Bytes,
    group_id: i64,
) -> (Response, Option<String>) {
    let op = match client {
        ClientProtocol::OpenAi => Operation::Chat,
        ClientProtocol::Anthropic => Operation::Messages,
    };
    let mut rec = Record::new(new_request_id(), client, "admin:e2e-test");
    rec.log.group_id = Some(group_id);
    let result = dispatch(state, client, op, &headers, raw, group_id, &mut rec).await;
    let mut resp = match result {
        Ok(r) => r,
        Err(err) => rec.fail(state, err, client),
    };
    let provider = rec.final_provider.clone();
    if let Some(s) = rec
        .final_upstream_status
        .and_then(|s| HeaderValue::from_str(&s.to_string()).ok())
    {
        resp.headers_mut().insert("x-keyway-upstream-status", s);
    }
    (resp, provider)
}
