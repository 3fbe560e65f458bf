//! Log retention and database size.

use axum::extract::State;
use axum::Json;

use super::extract::JsonBody;
use crate::auth::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::retention::{retention_days, RETENTION_KEY};
use crate::views::{SettingsBody, SettingsView};

pub const MAX_RETENTION_DAYS: i64 = 3650;

pub async fn settings_view(s: &AppState) -> ApiResult<SettingsView> {
    let store = &s.state.store;
    Ok(SettingsView {
        log_retention_days: retention_days(store.as_ref()).await?,
        db_size_bytes: store.size_bytes().await?,
        backend: store.backend().to_owned(),
    })
}

#[utoipa::path(get, path = "/admin/api/settings", tag = "settings",
    responses((status = 200, body = SettingsView)))]
pub async fn get_settings(State(s): State<AppState>) -> ApiResult<Json<SettingsView>> {
    Ok(Json(settings_view(&s).await?))
}

#[utoipa::path(put, path = "/admin/api/settings", tag = "settings", request_body = SettingsBody,
    responses((status = 200, body = SettingsView), (status = 422, body = ErrorBody)))]
pub async fn put_settings(
    State(s): State<AppState>,
    JsonBody(b): JsonBody<SettingsBody>,
) -> ApiResult<Json<SettingsView>> {
    if !(1..=MAX_RETENTION_DAYS).contains(&b.log_retention_days) {
        return Err(ApiError::invalid(
            "log_retention_days",
            format!("log_retention_days must be between 1 and {MAX_RETENTION_DAYS}"),
        ));
    }
    s.state
        .store
        .set_setting(RETENTION_KEY, &b.log_retention_days.to_string())
        .await?;
    Ok(Json(settings_view(&s).await?))
}
