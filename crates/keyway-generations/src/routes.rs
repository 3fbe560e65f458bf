//! The HTTP surface: `/v1/generations` (create, get, list, cancel, content)
//! and the OpenAI images shim. Every response carries `x-request-id`.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::{HeaderMap, HeaderValue, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::adapters::{self, Ctx, Kind};
use crate::engine::{self, Caller, LogRow};
use crate::error::ApiError;
use crate::exec::{self, Upstream};
use crate::job::{self, Meta, Status};
use crate::{shim, GenState};

/// Largest request body (reference images may come as data: URIs).
pub const MAX_BODY: usize = 32 << 20;

pub fn router(state: GenState) -> Router {
    Router::new()
        .route("/v1/generations", post(create).get(list))
        .route("/v1/generations/{id}", get(fetch))
        .route("/v1/generations/{id}/cancel", post(cancel))
        .route("/v1/generations/{id}/content", get(content))
        .route("/v1/images/generations", post(shim::images))
        .with_state(state)
}

pub fn new_request_id() -> String {
    format!("req_{}", uuid::Uuid::new_v4().simple())
}

pub fn with_request_id(mut resp: Response, rid: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(rid) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

pub fn authenticate(state: &GenState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    state
        .gateway
        .authenticate(headers)
        .map(|(key_id, group_id)| Caller { key_id, group_id })
        .ok_or(ApiError::Unauthorized)
}

pub async fn read_body(body: Body) -> Result<bytes::Bytes, ApiError> {
    axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| ApiError::TooLarge { limit: MAX_BODY })
}

/// `Prefer: wait=N` (RFC 7240).
fn prefer_wait(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split([',', ';']))
        .find_map(|p| p.trim().strip_prefix("wait=")?.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

fn is_final(job: &keyway_store::GenerationJob) -> bool {
    Status::parse(&job.status).is_some_and(Status::is_final)
}

async fn create(State(state): State<GenState>, headers: HeaderMap, body: Body) -> Response {
    let rid = new_request_id();
    let caller = match authenticate(&state, &headers) {
        Ok(c) => c,
        Err(e) => return with_request_id(e.into_response(), &rid),
    };
    let mut log = LogRow::new(&rid, "/v1/generations", Some(caller));
    let result = async {
        let body = read_body(body).await?;
        let value = engine::json_body(&body)?;
        let job = engine::create(&state, caller, value, None, &mut log).await?;
        match prefer_wait(&headers) {
            Some(wait) if !is_final(&job) => engine::wait_for(&state, job, wait, |_| false).await,
            _ => Ok(job),
        }
    }
    .await;
    let resp = match result {
        Ok(job) => {
            let status = if is_final(&job) {
                StatusCode::OK
            } else {
                StatusCode::ACCEPTED
            };
            log.finish(&state, status.as_u16(), None);
            (status, Json(job::view(&job))).into_response()
        }
        Err(e) => {
            log.finish(&state, e.status().as_u16(), Some(&e));
            e.into_response()
        }
    };
    with_request_id(resp, &rid)
}

#[derive(Deserialize)]
struct WaitQuery {
    wait: Option<u64>,
}

async fn fetch(
    State(state): State<GenState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<WaitQuery>,
) -> Response {
    let rid = new_request_id();
    let result = async {
        let caller = authenticate(&state, &headers)?;
        let job = engine::load(&state, caller, &id).await?;
        let wait = q
            .wait
            .map(Duration::from_secs)
            .or_else(|| prefer_wait(&headers))
            .unwrap_or_default();
        let before = job.status.clone();
        engine::wait_for(&state, job, wait, move |j| j.status != before).await
    }
    .await;
    let resp = match result {
        Ok(job) => Json(job::view(&job)).into_response(),
        Err(e) => e.into_response(),
    };
    with_request_id(resp, &rid)
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    model: Option<String>,
    after: Option<String>,
    limit: Option<i64>,
}

/// Newest first; `after` is the id of the last job of the previous page.
async fn list(
    State(state): State<GenState>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    let rid = new_request_id();
    let result = async {
        let caller = authenticate(&state, &headers)?;
        let limit = q.limit.unwrap_or(20).clamp(1, 100) as usize;
        let jobs = state
            .store
            .list_jobs(caller.group_id, 1000)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "listing generation jobs");
                ApiError::Internal
            })?;
        let mut matching = jobs
            .iter()
            .skip_while(|j| q.after.as_deref().is_some_and(|a| a != j.id))
            .skip(usize::from(q.after.is_some()))
            .filter(|j| q.status.as_deref().is_none_or(|s| s == j.status))
            .filter(|j| q.model.as_deref().is_none_or(|m| m == j.alias));
        let data: Vec<Value> = matching.by_ref().take(limit).map(job::view).collect();
        let has_more = matching.next().is_some();
        Ok::<_, ApiError>(json!({"object": "list", "data": data, "has_more": has_more}))
    }
    .await;
    let resp = match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    };
    with_request_id(resp, &rid)
}

async fn cancel(
    State(state): State<GenState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let rid = new_request_id();
    let caller = match authenticate(&state, &headers) {
        Ok(c) => c,
        Err(e) => return with_request_id(e.into_response(), &rid),
    };
    let mut log = LogRow::new(&rid, "/v1/generations/{id}/cancel", Some(caller));
    let resp = match engine::cancel(&state, caller, &id).await {
        Ok(job) => {
            log.row.alias = Some(job.alias.clone());
            log.finish(&state, 200, None);
            Json(job::view(&job)).into_response()
        }
        Err(e) => {
            log.finish(&state, e.status().as_u16(), Some(&e));
            e.into_response()
        }
    };
    with_request_id(resp, &rid)
}

#[derive(Deserialize)]
struct ContentQuery {
    index: Option<usize>,
}

/// The bytes of an output: proxied for outputs behind the provider key
/// (OpenAI video), a redirect for outputs with a public URL.
async fn content(
    State(state): State<GenState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<ContentQuery>,
) -> Response {
    let rid = new_request_id();
    let resp = match content_inner(&state, &headers, &id, q.index.unwrap_or(0)).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    with_request_id(resp, &rid)
}

async fn content_inner(
    state: &GenState,
    headers: &HeaderMap,
    id: &str,
    index: usize,
) -> Result<Response, ApiError> {
    let caller = authenticate(state, headers)?;
    let job = engine::load(state, caller, id).await?;
    let out = job
        .outputs
        .get(index)
        .ok_or_else(|| ApiError::JobNotFound(format!("{id}/content?index={index}")))?;
    let kind = Kind::from_name(&Meta::of(&job).adapter);
    if let (Some(Kind::OpenAiVideo), Some(task_id)) = (kind, &job.upstream_task_id) {
        let p = state
            .store
            .get_provider(job.provider_id)
            .await
            .map_err(|_| ApiError::Internal)?;
        let key = p
            .api_keys
            .get(Meta::of(&job).key_index)
            .or(p.api_keys.first());
        let ctx = Ctx {
            base_url: &p.base_url,
            upstream_model: &job.upstream_model,
            generation_path: None,
        };
        let call = adapters::Call {
            method: http::Method::GET,
            url: adapters::openai_content_url(&ctx, task_id),
            headers: Vec::new(),
            body: None,
        };
        let up = Upstream {
            provider: &p.name,
            api_key: key,
            timeouts: p.timeouts,
            max_body: state.config.max_body_bytes,
        };
        let r = exec::send(&state.http, &up, &call)
            .await
            .map_err(|e| ApiError::from_exec(&e))?;
        if !r.status().is_success() {
            return Err(ApiError::UpstreamFailed {
                provider: p.name.clone(),
                status: r.status().as_u16().to_string(),
                message: "could not fetch the generated content".into(),
            });
        }
        let ctype = r
            .headers()
            .get(http::header::CONTENT_TYPE)
            .cloned()
            .unwrap_or(HeaderValue::from_static("video/mp4"));
        let mut resp = Body::from_stream(r.bytes_stream()).into_response();
        resp.headers_mut().insert(http::header::CONTENT_TYPE, ctype);
        return Ok(resp);
    }
    match out.get("url").and_then(Value::as_str) {
        Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
            let mut resp = StatusCode::FOUND.into_response();
            if let Ok(v) = HeaderValue::from_str(url) {
                resp.headers_mut().insert(http::header::LOCATION, v);
            }
            Ok(resp)
        }
        _ => Err(ApiError::JobNotFound(format!("{id}/content?index={index}"))),
    }
}
