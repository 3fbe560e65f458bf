//! Groups: list, create, rename, delete, copy (with fresh keys) and the
//! whole-group E2E test.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use futures_util::future::join_all;
use keyway_store::{Group, Id, KeyInput, RouteInput};

use bytes::Bytes;

use super::extract::{parse_json, JsonBody, PathId};
use super::validate;
use crate::auth::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::views::{GroupBody, GroupCopyBody, GroupTestReport, GroupView, RouteTestEntry};

async fn counts(s: &AppState) -> ApiResult<(HashMap<Id, usize>, HashMap<Id, usize>)> {
    let mut routes = HashMap::new();
    for r in s.state.store.list_routes(None).await? {
        *routes.entry(r.group_id).or_insert(0) += 1;
    }
    let mut keys = HashMap::new();
    for k in s.state.store.list_keys(None).await? {
        *keys.entry(k.group_id).or_insert(0) += 1;
    }
    Ok((routes, keys))
}

pub async fn group_view(s: &AppState, g: &Group) -> ApiResult<GroupView> {
    let routes = s.state.store.list_routes(Some(g.id)).await?.len();
    let keys = s.state.store.list_keys(Some(g.id)).await?.len();
    Ok(GroupView::new(g, routes, keys))
}

#[utoipa::path(get, path = "/admin/api/groups", tag = "groups",
    responses((status = 200, body = Vec<GroupView>)))]
pub async fn list_groups(State(s): State<AppState>) -> ApiResult<Json<Vec<GroupView>>> {
    let groups = s.state.store.list_groups().await?;
    let (routes, keys) = counts(&s).await?;
    Ok(Json(
        groups
            .iter()
            .map(|g| {
                GroupView::new(
                    g,
                    routes.get(&g.id).copied().unwrap_or(0),
                    keys.get(&g.id).copied().unwrap_or(0),
                )
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/admin/api/groups", tag = "groups", request_body = GroupBody,
    responses((status = 201, body = GroupView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_group(
    State(s): State<AppState>,
    JsonBody(b): JsonBody<GroupBody>,
) -> ApiResult<(StatusCode, Json<GroupView>)> {
    let name = validate::name("name", &b.name)?;
    let g = s
        .state
        .store
        .create_group(&name, false)
        .await
        .map_err(|e| validate::on_field(e, "name"))?;
    Ok((StatusCode::CREATED, Json(GroupView::new(&g, 0, 0))))
}

#[utoipa::path(get, path = "/admin/api/groups/{id}", tag = "groups",
    params(("id" = i64, Path, description = "Group id")),
    responses((status = 200, body = GroupView), (status = 404, body = ErrorBody)))]
pub async fn get_group(
    State(s): State<AppState>,
    PathId(id): PathId,
) -> ApiResult<Json<GroupView>> {
    let g = s.state.store.get_group(id).await?;
    Ok(Json(group_view(&s, &g).await?))
}

fn editable(g: &Group) -> ApiResult<()> {
    if g.managed_by_config {
        return Err(ApiError::ManagedByConfig(format!("group '{}'", g.name)));
    }
    Ok(())
}

#[utoipa::path(patch, path = "/admin/api/groups/{id}", tag = "groups", request_body = GroupBody,
    params(("id" = i64, Path, description = "Group id")),
    responses((status = 200, body = GroupView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rename_group(
    State(s): State<AppState>,
    PathId(id): PathId,
    JsonBody(b): JsonBody<GroupBody>,
) -> ApiResult<Json<GroupView>> {
    let cur = s.state.store.get_group(id).await?;
    editable(&cur)?;
    let name = validate::name("name", &b.name)?;
    let g = s
        .state
        .store
        .rename_group(id, &name)
        .await
        .map_err(|e| validate::on_field(e, "name"))?;
    Ok(Json(group_view(&s, &g).await?))
}

#[utoipa::path(delete, path = "/admin/api/groups/{id}", tag = "groups",
    params(("id" = i64, Path, description = "Group id")),
    responses((status = 204, description = "Deleted with its routes and keys"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_group(State(s): State<AppState>, PathId(id): PathId) -> ApiResult<StatusCode> {
    let cur = s.state.store.get_group(id).await?;
    editable(&cur)?;
    s.state.store.delete_group(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `base-copy`, then `base-copy-2`, … until a name is free.
fn free_name(base: &str, taken: &[Group]) -> String {
    let first = format!("{base}-copy");
    if !taken.iter().any(|g| g.name == first) {
        return first;
    }
    (2..)
        .map(|n| format!("{base}-copy-{n}"))
        .find(|c| !taken.iter().any(|g| &g.name == c))
        .unwrap_or(first)
}

#[utoipa::path(post, path = "/admin/api/groups/{id}/copy", tag = "groups", request_body = GroupCopyBody,
    params(("id" = i64, Path, description = "Group to copy")),
    responses((status = 201, description = "The copy: same routes, freshly generated keys", body = GroupView),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn copy_group(
    State(s): State<AppState>,
    PathId(id): PathId,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<GroupView>)> {
    let store = &s.state.store;
    let src = store.get_group(id).await?;
    // The body is optional: an empty POST copies under a generated name.
    let body: GroupCopyBody = match body.iter().all(u8::is_ascii_whitespace) {
        true => GroupCopyBody::default(),
        false => parse_json(&body)?,
    };
    let name = match body.name {
        Some(n) => validate::name("name", &n)?,
        None => free_name(&src.name, &store.list_groups().await?),
    };
    let copy = store
        .create_group(&name, false)
        .await
        .map_err(|e| validate::on_field(e, "name"))?;
    if let Err(e) = fill_copy(&s, src.id, copy.id).await {
        // Leave no half-made group behind.
        let _ = store.delete_group(copy.id).await;
        return Err(e);
    }
    Ok((StatusCode::CREATED, Json(group_view(&s, &copy).await?)))
}

async fn fill_copy(s: &AppState, from: Id, to: Id) -> ApiResult<()> {
    let store = &s.state.store;
    for r in store.list_routes(Some(from)).await? {
        store
            .create_route(RouteInput {
                group_id: to,
                alias: r.alias,
                mode: r.mode,
                enabled: r.enabled,
                bridge: r.bridge,
                candidates: r.candidates,
                generation_path: r.generation_path,
                managed_by_config: false,
            })
            .await?;
    }
    for k in store.list_keys(Some(from)).await? {
        store
            .create_key(KeyInput {
                group_id: to,
                name: k.name,
                plaintext: None,
                enabled: k.enabled,
                expires_at: k.expires_at,
                managed_by_config: false,
            })
            .await?;
    }
    Ok(())
}

#[utoipa::path(post, path = "/admin/api/groups/{id}/test", tag = "groups",
    params(("id" = i64, Path, description = "Group id")),
    responses((status = 200, description = "E2E test of every enabled route: `PASS (n/m)`", body = GroupTestReport),
        (status = 404, body = ErrorBody)))]
pub async fn test_group(
    State(s): State<AppState>,
    PathId(id): PathId,
) -> ApiResult<Json<GroupTestReport>> {
    s.state.store.get_group(id).await?;
    let routes: Vec<_> = s
        .state
        .store
        .list_routes(Some(id))
        .await?
        .into_iter()
        .filter(|r| r.enabled)
        .collect();
    let gateway = &s.state.gateway;
    let results = join_all(routes.iter().map(|r| gateway.test_route(r))).await;
    let results: Vec<RouteTestEntry> = routes
        .iter()
        .zip(results)
        .map(|(r, result)| RouteTestEntry {
            route_id: r.id,
            alias: r.alias.clone(),
            result,
        })
        .collect();
    let passed = results.iter().filter(|r| r.result.ok).count();
    let total = results.len();
    Ok(Json(GroupTestReport {
        summary: format!("PASS ({passed}/{total})"),
        passed,
        total,
        all_passed: passed == total,
        results,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(name: &str) -> Group {
        Group {
            id: 1,
            name: name.into(),
            managed_by_config: false,
            created_at: 0,
        }
    }

    #[test]
    fn copy_names_avoid_collisions() {
        assert_eq!(free_name("a", &[g("a")]), "a-copy");
        assert_eq!(free_name("a", &[g("a"), g("a-copy")]), "a-copy-2");
        assert_eq!(free_name("a", &[g("a-copy"), g("a-copy-2")]), "a-copy-3");
    }
}
