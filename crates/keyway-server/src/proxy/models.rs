//! `GET /v1/models` and `GET /v1/models/{id}`: the enabled aliases of the
//! caller's group, in Anthropic shape when the request carries
//! `anthropic-version`, OpenAI shape otherwise.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde_json::{json, Value};

use super::{json_response, new_request_id, protocol_of, with_request_id};
use crate::auth::authenticate;
use crate::error::{ApiError, ClientProtocol};
use crate::snapshot::RouteEntry;
use crate::state::SharedState;

fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}

fn object(route: &RouteEntry, proto: ClientProtocol) -> Value {
    match proto {
        ClientProtocol::OpenAi => json!({
            "id": route.alias,
            "object": "model",
            "created": route.created_at / 1000,
            "owned_by": route.candidates.first().map(|c| c.provider.vendor.as_str()).unwrap_or("keyway"),
        }),
        ClientProtocol::Anthropic => json!({
            "type": "model",
            "id": route.alias,
            "display_name": route.alias,
            "created_at": rfc3339(route.created_at),
        }),
    }
}

pub async fn list(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let rid = new_request_id();
    let proto = protocol_of(&headers);
    let snap = state.snapshot.load();
    let caller = match authenticate(&headers, &snap, super::now_ms()) {
        Ok(c) => c,
        Err(e) => return with_request_id(e.into_response_for(proto), &rid),
    };
    let routes: Vec<&Arc<RouteEntry>> = snap.enabled_routes(caller.group_id);
    let body = match proto {
        ClientProtocol::OpenAi => json!({
            "object": "list",
            "data": routes.iter().map(|r| object(r, proto)).collect::<Vec<_>>(),
        }),
        ClientProtocol::Anthropic => match paginate(&routes, &q) {
            Ok(page) => page,
            Err(e) => return with_request_id(e.into_response_for(proto), &rid),
        },
    };
    with_request_id(
        json_response(StatusCode::OK, Bytes::from(body.to_string())),
        &rid,
    )
}

/// Anthropic pagination: `limit` (1–1000, default 20), `after_id`, `before_id`.
fn paginate(routes: &[&Arc<RouteEntry>], q: &HashMap<String, String>) -> Result<Value, ApiError> {
    let limit = match q.get("limit") {
        None => 20,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                return Err(ApiError::BadRequest(format!(
                    "`limit` must be an integer from 1 to 1000, got '{s}'"
                )))
            }
        },
    };
    let pos = |id: &str| routes.iter().position(|r| r.alias == id);
    let (start, end) = match (q.get("after_id"), q.get("before_id")) {
        (Some(a), _) => {
            let s = pos(a).map(|p| p + 1).unwrap_or(routes.len());
            (s, (s + limit).min(routes.len()))
        }
        (None, Some(b)) => {
            let e = pos(b).unwrap_or(0);
            (e.saturating_sub(limit), e)
        }
        (None, None) => (0, limit.min(routes.len())),
    };
    let page = &routes[start..end];
    let has_more = if q.contains_key("before_id") && !q.contains_key("after_id") {
        start > 0
    } else {
        end < routes.len()
    };
    Ok(json!({
        "data": page.iter().map(|r| object(r, ClientProtocol::Anthropic)).collect::<Vec<_>>(),
        "has_more": has_more,
        "first_id": page.first().map(|r| r.alias.clone()),
        "last_id": page.last().map(|r| r.alias.clone()),
    }))
}

pub async fn get(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let rid = new_request_id();
    let proto = protocol_of(&headers);
    let snap = state.snapshot.load();
    let caller = match authenticate(&headers, &snap, super::now_ms()) {
        Ok(c) => c,
        Err(e) => return with_request_id(e.into_response_for(proto), &rid),
    };
    let resp = match snap.route(caller.group_id, &id).filter(|r| r.enabled) {
        Some(r) => json_response(StatusCode::OK, Bytes::from(object(r, proto).to_string())),
        None => ApiError::ModelNotFound(id).into_response_for(proto),
    };
    with_request_id(resp, &rid)
}
