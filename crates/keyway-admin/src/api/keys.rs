//! Self-issued `db_sk_` keys. The plaintext leaves the process in exactly two
//! places: the create response and the explicit `/secret` re-retrieval.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use keyway_store::{ApiKey, KeyInput, KeyPatch, Millis};
use secrecy::ExposeSecret;

use super::extract::{JsonBody, PathId};
use super::validate;
use crate::auth::{now_ms, AppState};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::views::{KeyCreate, KeyCreated, KeyPatchBody, KeySecret, KeyView};

fn check_expiry(at: Option<Millis>) -> ApiResult<Option<Millis>> {
    match at {
        Some(t) if t <= now_ms() => Err(ApiError::invalid(
            "expires_at",
            "expires_at must be in the future",
        )),
        other => Ok(other),
    }
}

#[utoipa::path(get, path = "/admin/api/groups/{id}/keys", tag = "keys",
    params(("id" = i64, Path, description = "Group id")),
    responses((status = 200, description = "The group's keys, never their plaintext", body = Vec<KeyView>), (status = 404, body = ErrorBody)))]
pub async fn list_keys(
    State(s): State<AppState>,
    PathId(id): PathId,
) -> ApiResult<Json<Vec<KeyView>>> {
    s.state.store.get_group(id).await?;
    let now = now_ms();
    let keys = s.state.store.list_keys(Some(id)).await?;
    Ok(Json(keys.iter().map(|k| KeyView::new(k, now)).collect()))
}

#[utoipa::path(post, path = "/admin/api/groups/{id}/keys", tag = "keys", request_body = KeyCreate,
    params(("id" = i64, Path, description = "Group id")),
    responses((status = 201, description = "The new key; `key` is the plaintext, shown this once", body = KeyCreated),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_key(
    State(s): State<AppState>,
    PathId(group_id): PathId,
    JsonBody(b): JsonBody<KeyCreate>,
) -> ApiResult<(StatusCode, Json<KeyCreated>)> {
    s.state.store.get_group(group_id).await?;
    let input = KeyInput {
        group_id,
        name: validate::name("name", &b.name)?,
        plaintext: None,
        enabled: b.enabled.unwrap_or(true),
        expires_at: check_expiry(b.expires_at)?,
        managed_by_config: false,
    };
    let (key, plaintext) = s
        .state
        .store
        .create_key(input)
        .await
        .map_err(|e| validate::on_field(e, "name"))?;
    Ok((
        StatusCode::CREATED,
        Json(KeyCreated {
            view: KeyView::new(&key, now_ms()),
            key: plaintext.expose_secret().to_owned(),
        }),
    ))
}

#[utoipa::path(get, path = "/admin/api/keys/{id}", tag = "keys",
    params(("id" = i64, Path, description = "Key id")),
    responses((status = 200, body = KeyView), (status = 404, body = ErrorBody)))]
pub async fn get_key(State(s): State<AppState>, PathId(id): PathId) -> ApiResult<Json<KeyView>> {
    let k = s.state.store.get_key(id).await?;
    Ok(Json(KeyView::new(&k, now_ms())))
}

#[utoipa::path(get, path = "/admin/api/keys/{id}/secret", tag = "keys",
    params(("id" = i64, Path, description = "Key id")),
    responses((status = 200, description = "Re-retrieves the plaintext", body = KeySecret), (status = 404, body = ErrorBody)))]
pub async fn key_secret(
    State(s): State<AppState>,
    PathId(id): PathId,
) -> ApiResult<Json<KeySecret>> {
    let secret = s.state.store.key_secret(id).await?;
    tracing::info!(key_id = id, "admin re-retrieved a key's plaintext");
    Ok(Json(KeySecret {
        key: secret.expose_secret().to_owned(),
    }))
}

fn editable(k: &ApiKey) -> ApiResult<()> {
    if k.managed_by_config {
        return Err(ApiError::ManagedByConfig(format!("key '{}'", k.name)));
    }
    Ok(())
}

#[utoipa::path(patch, path = "/admin/api/keys/{id}", tag = "keys", request_body = KeyPatchBody,
    params(("id" = i64, Path, description = "Key id")),
    responses((status = 200, body = KeyView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_key(
    State(s): State<AppState>,
    PathId(id): PathId,
    JsonBody(b): JsonBody<KeyPatchBody>,
) -> ApiResult<Json<KeyView>> {
    let cur = s.state.store.get_key(id).await?;
    editable(&cur)?;
    let patch = KeyPatch {
        name: b
            .name
            .as_deref()
            .map(|n| validate::name("name", n))
            .transpose()?,
        enabled: b.enabled,
        expires_at: match b.expires_at {
            Some(at) => Some(check_expiry(at)?),
            None => None,
        },
    };
    let k = s
        .state
        .store
        .update_key(id, patch)
        .await
        .map_err(|e| validate::on_field(e, "name"))?;
    Ok(Json(KeyView::new(&k, now_ms())))
}

#[utoipa::path(delete, path = "/admin/api/keys/{id}", tag = "keys",
    params(("id" = i64, Path, description = "Key id")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_key(State(s): State<AppState>, PathId(id): PathId) -> ApiResult<StatusCode> {
    let cur = s.state.store.get_key(id).await?;
    editable(&cur)?;
    s.state.store.delete_key(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
