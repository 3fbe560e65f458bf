//! Providers: upstream accounts shared by all groups, plus vendor presets
//! and circuit-breaker health.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use keyway_store::{presets, AuthStyle, Protocol, Provider, ProviderInput, Timeouts};
use secrecy::SecretString;

use super::extract::{JsonBody, PathId};
use super::validate;
use crate::auth::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::views::{
    HealthView, PresetView, ProviderCreate, ProviderPatch, ProviderView, TimeoutsView,
};

#[utoipa::path(get, path = "/admin/api/presets", tag = "providers",
    responses((status = 200, description = "Vendor presets", body = Vec<PresetView>)))]
pub async fn list_presets() -> Json<Vec<PresetView>> {
    Json(
        presets::PRESETS
            .iter()
            .map(|p| PresetView {
                vendor: p.vendor.to_owned(),
                display_name: p.display_name.to_owned(),
                protocol: p.protocol.as_str().to_owned(),
                base_url: p.base_url.to_owned(),
                auth_style: p.auth_style.as_str().to_owned(),
                anthropic_base_url: p.anthropic_base_url.map(str::to_owned),
            })
            .collect(),
    )
}

#[utoipa::path(get, path = "/admin/api/providers", tag = "providers",
    responses((status = 200, body = Vec<ProviderView>)))]
pub async fn list_providers(State(s): State<AppState>) -> ApiResult<Json<Vec<ProviderView>>> {
    let providers = s.state.store.list_providers().await?;
    Ok(Json(providers.iter().map(ProviderView::from).collect()))
}

#[utoipa::path(get, path = "/admin/api/providers/{id}", tag = "providers",
    params(("id" = i64, Path, description = "Provider id")),
    responses((status = 200, body = ProviderView), (status = 404, body = ErrorBody)))]
pub async fn get_provider(
    State(s): State<AppState>,
    PathId(id): PathId,
) -> ApiResult<Json<ProviderView>> {
    let p = s.state.store.get_provider(id).await?;
    Ok(Json(ProviderView::from(&p)))
}

fn parse_protocol(s: &str) -> ApiResult<Protocol> {
    Protocol::parse(s)
        .ok_or_else(|| ApiError::invalid("protocol", "protocol must be `openai` or `anthropic`"))
}

fn parse_auth_style(s: &str) -> ApiResult<AuthStyle> {
    AuthStyle::parse(s).ok_or_else(|| {
        ApiError::invalid("auth_style", "auth_style must be `bearer` or `x-api-key`")
    })
}

fn check_vendor(vendor: &str) -> ApiResult<&'static presets::VendorPreset> {
    presets::preset(vendor).ok_or_else(|| {
        let names: Vec<&str> = presets::PRESETS.iter().map(|p| p.vendor).collect();
        ApiError::invalid(
            "vendor",
            format!(
                "unknown vendor `{vendor}`; expected one of {}",
                names.join(", ")
            ),
        )
    })
}

fn check_base_url(url: &str) -> ApiResult<String> {
    let url = url.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => Ok(url.to_owned()),
        _ => Err(ApiError::invalid(
            "base_url",
            "base_url must be an http:// or https:// URL",
        )),
    }
}

fn check_timeouts(t: TimeoutsView) -> ApiResult<Timeouts> {
    for (name, v) in [
        ("connect_ms", t.connect_ms),
        ("first_byte_ms", t.first_byte_ms),
        ("idle_ms", t.idle_ms),
    ] {
        if v == 0 || v > 3_600_000 {
            return Err(ApiError::invalid(
                &format!("timeouts.{name}"),
                format!("timeouts.{name} must be between 1 and 3600000 ms"),
            ));
        }
    }
    Ok(t.into())
}

/// `api_key` and `api_keys` merged; `None` when neither was sent.
fn collect_keys(
    one: Option<String>,
    many: Option<Vec<String>>,
) -> ApiResult<Option<Vec<SecretString>>> {
    if one.is_none() && many.is_none() {
        return Ok(None);
    }
    let mut keys = Vec::new();
    for (i, k) in one.into_iter().chain(many.unwrap_or_default()).enumerate() {
        let k = k.trim().to_owned();
        if k.is_empty() {
            continue;
        }
        if k.chars().any(|c| c.is_whitespace() || c.is_control()) {
            let field = if i == 0 { "api_key" } else { "api_keys" };
            return Err(ApiError::invalid(
                field,
                format!("{field} must not contain whitespace"),
            ));
        }
        keys.push(SecretString::from(k));
    }
    Ok(Some(keys))
}

#[utoipa::path(post, path = "/admin/api/providers", tag = "providers", request_body = ProviderCreate,
    responses((status = 201, body = ProviderView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_provider(
    State(s): State<AppState>,
    JsonBody(b): JsonBody<ProviderCreate>,
) -> ApiResult<(StatusCode, Json<ProviderView>)> {
    let name = validate::name("name", &b.name)?;
    let vendor = b
        .vendor
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .unwrap_or("custom");
    let preset = check_vendor(vendor)?;
    let protocol = match &b.protocol {
        Some(p) => parse_protocol(p)?,
        None => preset.protocol,
    };
    let default_url = match protocol {
        p if p == preset.protocol => preset.base_url,
        _ => preset.anthropic_base_url.unwrap_or(""),
    };
    let base_url = check_base_url(b.base_url.as_deref().unwrap_or(default_url))?;
    let auth_style = match &b.auth_style {
        Some(a) => parse_auth_style(a)?,
        None => presets::default_auth_style(vendor, protocol),
    };
    let timeouts = b
        .timeouts
        .map(check_timeouts)
        .transpose()?
        .unwrap_or_default();
    let api_keys = collect_keys(b.api_key, b.api_keys)?.unwrap_or_default();
    let input = ProviderInput {
        name,
        vendor: vendor.to_owned(),
        protocol,
        base_url,
        auth_style,
        api_keys: Some(api_keys),
        enabled: b.enabled.unwrap_or(true),
        timeouts,
        managed_by_config: false,
    };
    let p = s
        .state
        .store
        .create_provider(input)
        .await
        .map_err(|e| validate::on_field(e, "name"))?;
    Ok((StatusCode::CREATED, Json(ProviderView::from(&p))))
}

fn editable(p: &Provider) -> ApiResult<()> {
    if p.managed_by_config {
        return Err(ApiError::ManagedByConfig(format!("provider '{}'", p.name)));
    }
    Ok(())
}

#[utoipa::path(patch, path = "/admin/api/providers/{id}", tag = "providers", request_body = ProviderPatch,
    params(("id" = i64, Path, description = "Provider id")),
    responses((status = 200, body = ProviderView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_provider(
    State(s): State<AppState>,
    PathId(id): PathId,
    JsonBody(b): JsonBody<ProviderPatch>,
) -> ApiResult<Json<ProviderView>> {
    let cur = s.state.store.get_provider(id).await?;
    editable(&cur)?;
    let vendor = match &b.vendor {
        Some(v) => check_vendor(v.trim())?.vendor.to_owned(),
        None => cur.vendor.clone(),
    };
    let input = ProviderInput {
        name: match &b.name {
            Some(n) => validate::name("name", n)?,
            None => cur.name.clone(),
        },
        vendor,
        protocol: b
            .protocol
            .as_deref()
            .map(parse_protocol)
            .transpose()?
            .unwrap_or(cur.protocol),
        base_url: match &b.base_url {
            Some(u) => check_base_url(u)?,
            None => cur.base_url.clone(),
        },
        auth_style: b
            .auth_style
            .as_deref()
            .map(parse_auth_style)
            .transpose()?
            .unwrap_or(cur.auth_style),
        api_keys: collect_keys(b.api_key, b.api_keys)?.filter(|k| !k.is_empty()),
        enabled: b.enabled.unwrap_or(cur.enabled),
        timeouts: b
            .timeouts
            .map(check_timeouts)
            .transpose()?
            .unwrap_or(cur.timeouts),
        managed_by_config: false,
    };
    let p = s
        .state
        .store
        .update_provider(id, input)
        .await
        .map_err(|e| validate::on_field(e, "name"))?;
    Ok(Json(ProviderView::from(&p)))
}

#[utoipa::path(delete, path = "/admin/api/providers/{id}", tag = "providers",
    params(("id" = i64, Path, description = "Provider id")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, description = "Managed by config, or still used by routes", body = ErrorBody)))]
pub async fn delete_provider(
    State(s): State<AppState>,
    PathId(id): PathId,
) -> ApiResult<StatusCode> {
    let cur = s.state.store.get_provider(id).await?;
    editable(&cur)?;
    let routes = s.state.store.list_routes(None).await?;
    let users: Vec<String> = routes
        .iter()
        .filter(|r| r.candidates.iter().any(|c| c.provider_id == id))
        .map(|r| r.alias.clone())
        .collect();
    if !users.is_empty() {
        return Err(ApiError::Conflict {
            field: None,
            message: format!(
                "provider '{}' is used by routes {}; remove it from them first",
                cur.name,
                users.join(", ")
            ),
        });
    }
    s.state.store.delete_provider(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/admin/api/providers/health", tag = "providers",
    responses((status = 200, description = "Circuit-breaker state per provider", body = Vec<HealthView>)))]
pub async fn provider_health(State(s): State<AppState>) -> ApiResult<Json<Vec<HealthView>>> {
    let providers = s.state.store.list_providers().await?;
    let views = s
        .state
        .gateway
        .provider_health()
        .into_iter()
        .map(|h| HealthView {
            provider_name: providers
                .iter()
                .find(|p| p.id == h.provider_id)
                .map(|p| p.name.clone()),
            health: h,
        })
        .collect();
    Ok(Json(views))
}

#[utoipa::path(post, path = "/admin/api/providers/{id}/health/reset", tag = "providers",
    params(("id" = i64, Path, description = "Provider id")),
    responses((status = 204, description = "Circuit closed, counters cleared"), (status = 404, body = ErrorBody)))]
pub async fn reset_health(State(s): State<AppState>, PathId(id): PathId) -> ApiResult<StatusCode> {
    s.state.store.get_provider(id).await?;
    s.state.gateway.reset_provider_health(id);
    Ok(StatusCode::NO_CONTENT)
}
