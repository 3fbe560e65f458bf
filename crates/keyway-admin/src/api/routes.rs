//! A group's model routes: alias → candidates (direct or auto-select), plus
//! the per-route E2E test.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use keyway_store::{Candidate, Id, Provider, Route, RouteInput, RouteMode};

use super::extract::{JsonBody, PathId};
use super::validate;
use crate::auth::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::views::{CandidateBody, RouteCreate, RoutePatch, RouteView};
use crate::RouteTestResult;

fn view(r: &Route, providers: &[Provider]) -> RouteView {
    RouteView::new(r, |id| {
        providers
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.name.clone())
    })
}

#[utoipa::path(get, path = "/admin/api/groups/{id}/routes", tag = "routes",
    params(("id" = i64, Path, description = "Group id")),
    responses((status = 200, body = Vec<RouteView>), (status = 404, body = ErrorBody)))]
pub async fn list_routes(
    State(s): State<AppState>,
    PathId(id): PathId,
) -> ApiResult<Json<Vec<RouteView>>> {
    s.state.store.get_group(id).await?;
    let providers = s.state.store.list_providers().await?;
    let routes = s.state.store.list_routes(Some(id)).await?;
    Ok(Json(routes.iter().map(|r| view(r, &providers)).collect()))
}

#[utoipa::path(get, path = "/admin/api/routes/{id}", tag = "routes",
    params(("id" = i64, Path, description = "Route id")),
    responses((status = 200, body = RouteView), (status = 404, body = ErrorBody)))]
pub async fn get_route(
    State(s): State<AppState>,
    PathId(id): PathId,
) -> ApiResult<Json<RouteView>> {
    let r = s.state.store.get_route(id).await?;
    let providers = s.state.store.list_providers().await?;
    Ok(Json(view(&r, &providers)))
}

/// Candidates from the `provider_id` + `model` shorthand or the `candidates` list.
fn candidates(
    provider_id: Option<Id>,
    model: Option<&str>,
    list: Option<&[CandidateBody]>,
    providers: &[Provider],
) -> ApiResult<Option<Vec<Candidate>>> {
    let (prefix, items): (Option<&str>, Vec<CandidateBody>) = match (provider_id, model, list) {
        (Some(_), _, Some(_)) | (_, Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "candidates",
                "send either provider_id + model or candidates, not both",
            ))
        }
        (Some(p), m, None) => (
            None,
            vec![CandidateBody {
                provider_id: p,
                model: m.unwrap_or_default().to_owned(),
                priority: 0,
                weight: 1,
            }],
        ),
        (None, Some(_), None) => {
            return Err(ApiError::invalid(
                "provider_id",
                "provider_id is required with model",
            ))
        }
        (None, None, Some(list)) => (Some("candidates"), list.to_vec()),
        (None, _, None) => return Ok(None),
    };
    let field = |i: usize, f: &str| match prefix {
        Some(p) => format!("{p}[{i}].{f}"),
        None => f.to_owned(),
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, c) in items.into_iter().enumerate() {
        if !providers.iter().any(|p| p.id == c.provider_id) {
            let f = field(i, "provider_id");
            return Err(ApiError::invalid(
                &f,
                format!("{f}: no provider with id {}", c.provider_id),
            ));
        }
        let model = c.model.trim();
        if model.is_empty() {
            let f = field(i, "model");
            return Err(ApiError::invalid(&f, format!("{f} must not be empty")));
        }
        out.push(Candidate {
            provider_id: c.provider_id,
            model: model.to_owned(),
            priority: c.priority,
            weight: c.weight.max(1),
        });
    }
    Ok(Some(out))
}

fn parse_mode(s: &str) -> ApiResult<RouteMode> {
    RouteMode::parse(s)
        .ok_or_else(|| ApiError::invalid("mode", "mode must be `direct` or `auto-select`"))
}

fn check_shape(mode: RouteMode, cands: &[Candidate]) -> ApiResult<()> {
    match (mode, cands.len()) {
        (_, 0) => Err(ApiError::invalid(
            "provider_id",
            "a route needs a provider and an upstream model",
        )),
        (RouteMode::Direct, n) if n > 1 => Err(ApiError::invalid(
            "candidates",
            "direct mode takes exactly one candidate; use mode auto-select for several",
        )),
        _ => Ok(()),
    }
}

fn check_generation_path(p: Option<String>) -> ApiResult<Option<String>> {
    match p.map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()) {
        Some(p) if !p.starts_with('/') => Err(ApiError::invalid(
            "generation_path",
            "generation_path must start with /",
        )),
        other => Ok(other),
    }
}

#[utoipa::path(post, path = "/admin/api/groups/{id}/routes", tag = "routes", request_body = RouteCreate,
    params(("id" = i64, Path, description = "Group id")),
    responses((status = 201, body = RouteView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_route(
    State(s): State<AppState>,
    PathId(group_id): PathId,
    JsonBody(b): JsonBody<RouteCreate>,
) -> ApiResult<(StatusCode, Json<RouteView>)> {
    s.state.store.get_group(group_id).await?;
    let alias = validate::alias(&b.alias)?;
    let providers = s.state.store.list_providers().await?;
    let cands = candidates(
        b.provider_id,
        b.model.as_deref(),
        b.candidates.as_deref(),
        &providers,
    )?
    .unwrap_or_default();
    let mode = match &b.mode {
        Some(m) => parse_mode(m)?,
        None if cands.len() > 1 => RouteMode::AutoSelect,
        None => RouteMode::Direct,
    };
    check_shape(mode, &cands)?;
    let input = RouteInput {
        group_id,
        alias,
        mode,
        enabled: b.enabled.unwrap_or(true),
        bridge: b.bridge.unwrap_or(true),
        candidates: cands,
        generation_path: check_generation_path(b.generation_path)?,
        managed_by_config: false,
    };
    let r = s
        .state
        .store
        .create_route(input)
        .await
        .map_err(|e| validate::on_field(e, "alias"))?;
    Ok((StatusCode::CREATED, Json(view(&r, &providers))))
}

fn editable(r: &Route) -> ApiResult<()> {
    if r.managed_by_config {
        return Err(ApiError::ManagedByConfig(format!("route '{}'", r.alias)));
    }
    Ok(())
}

#[utoipa::path(patch, path = "/admin/api/routes/{id}", tag = "routes", request_body = RoutePatch,
    params(("id" = i64, Path, description = "Route id")),
    responses((status = 200, body = RouteView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_route(
    State(s): State<AppState>,
    PathId(id): PathId,
    JsonBody(b): JsonBody<RoutePatch>,
) -> ApiResult<Json<RouteView>> {
    let cur = s.state.store.get_route(id).await?;
    editable(&cur)?;
    let providers = s.state.store.list_providers().await?;
    let alias = match &b.alias {
        Some(a) => validate::alias(a)?,
        None => cur.alias.clone(),
    };
    // `model` alone changes the model of a one-candidate route.
    let provider_id = match (b.provider_id, &b.model, cur.candidates.as_slice()) {
        (None, Some(_), [only]) if b.candidates.is_none() => Some(only.provider_id),
        (p, _, _) => p,
    };
    let cands = candidates(
        provider_id,
        b.model.as_deref(),
        b.candidates.as_deref(),
        &providers,
    )?
    .unwrap_or_else(|| cur.candidates.clone());
    let mode = match &b.mode {
        Some(m) => parse_mode(m)?,
        None if cands.len() > 1 => RouteMode::AutoSelect,
        None => cur.mode,
    };
    check_shape(mode, &cands)?;
    let generation_path = match b.generation_path {
        Some(p) => check_generation_path(p)?,
        None => cur.generation_path.clone(),
    };
    let input = RouteInput {
        group_id: cur.group_id,
        alias,
        mode,
        enabled: b.enabled.unwrap_or(cur.enabled),
        bridge: b.bridge.unwrap_or(cur.bridge),
        candidates: cands,
        generation_path,
        managed_by_config: false,
    };
    let r = s
        .state
        .store
        .update_route(id, input)
        .await
        .map_err(|e| validate::on_field(e, "alias"))?;
    Ok(Json(view(&r, &providers)))
}

#[utoipa::path(delete, path = "/admin/api/routes/{id}", tag = "routes",
    params(("id" = i64, Path, description = "Route id")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_route(State(s): State<AppState>, PathId(id): PathId) -> ApiResult<StatusCode> {
    let cur = s.state.store.get_route(id).await?;
    editable(&cur)?;
    s.state.store.delete_route(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/admin/api/routes/{id}/test", tag = "routes",
    params(("id" = i64, Path, description = "Route id")),
    responses((status = 200, description = "Sends \"Reply with OK.\" through the whole gateway path", body = RouteTestResult),
        (status = 404, body = ErrorBody)))]
pub async fn test_route(
    State(s): State<AppState>,
    PathId(id): PathId,
) -> ApiResult<Json<RouteTestResult>> {
    let r = s.state.store.get_route(id).await?;
    Ok(Json(s.state.gateway.test_route(&r).await))
}
