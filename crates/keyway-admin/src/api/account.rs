//! Login, logout, who-am-I and password change.

use std::sync::OnceLock;

use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};

use super::extract::{parse_json, JsonBody};
use crate::auth::{client_ip, new_session, now_ms, AppState, Auth};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::password::{hash_password, verify_password};
use crate::session;
use crate::views::{LoginBody, PasswordBody, SessionView};

pub const MIN_PASSWORD: usize = 8;

/// A real Argon2 hash to verify against when the user does not exist, so a
/// missing account takes as long to reject as a wrong password.
fn dummy_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| hash_password("keyway-dummy-password").unwrap_or_default())
}

#[utoipa::path(post, path = "/admin/api/login", tag = "account", request_body = LoginBody,
    responses((status = 200, description = "Sets the HttpOnly session cookie", body = SessionView),
        (status = 401, body = ErrorBody), (status = 429, description = "Too many failed attempts; see retry-after", body = ErrorBody)))]
pub async fn login(State(s): State<AppState>, req: Request) -> Response {
    match login_inner(&s, req).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn login_inner(s: &AppState, req: Request) -> ApiResult<Response> {
    let ip = client_ip(&req);
    // Only JSON is accepted: a cross-site HTML form cannot send it (login CSRF).
    let JsonBody(b) = <JsonBody<LoginBody> as FromRequest<()>>::from_request(req, &()).await?;
    let username = b.username.trim().to_owned();
    // Without the peer address there is no per-IP key: one shared "unknown"
    // key would let anyone lock every account out.
    let mut keys = vec![format!("user:{username}")];
    if let Some(ip) = &ip {
        keys.push(format!("ip:{ip}"));
    }
    let now = now_ms();
    if let Err(retry_after) = s.throttle.check(&keys, now) {
        return Err(ApiError::Throttled { retry_after });
    }
    let user = s.state.store.get_admin_user(&username).await?;
    let password = b.password;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || {
        verify_password(&password, hash.as_deref().unwrap_or_else(|| dummy_hash()))
            && hash.is_some()
    })
    .await
    .unwrap_or(false);
    let Some(user) = user.filter(|_| ok) else {
        s.throttle.failure(&keys, now);
        tracing::warn!(%username, ip = ip.as_deref().unwrap_or("?"), "admin login failed");
        return Err(ApiError::BadCredentials);
    };
    s.throttle.success(&keys);
    let (cookie, csrf) = new_session(s, &user.username, &user.password_hash);
    let mut resp = Json(SessionView {
        username: user.username,
        csrf_token: Some(csrf),
        via: "session".into(),
    })
    .into_response();
    set_cookie(&mut resp, &cookie);
    Ok(resp)
}

fn set_cookie(resp: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
}

#[utoipa::path(post, path = "/admin/api/logout", tag = "account",
    responses((status = 204, description = "Clears the session cookie")))]
pub async fn logout() -> Response {
    let mut resp = StatusCode::NO_CONTENT.into_response();
    set_cookie(&mut resp, &session::clear_cookie());
    resp
}

#[utoipa::path(get, path = "/admin/api/me", tag = "account",
    responses((status = 200, body = SessionView), (status = 401, body = ErrorBody)))]
pub async fn me(Extension(auth): Extension<Auth>) -> Json<SessionView> {
    Json(SessionView {
        via: if auth.csrf.is_some() {
            "session"
        } else {
            "token"
        }
        .into(),
        username: auth.username,
        csrf_token: auth.csrf,
    })
}

#[utoipa::path(post, path = "/admin/api/password", tag = "account", request_body = PasswordBody,
    responses((status = 200, description = "Changed; other sessions end, this one gets a fresh cookie", body = SessionView),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change_password(
    State(s): State<AppState>,
    Extension(auth): Extension<Auth>,
    body: bytes::Bytes,
) -> ApiResult<Response> {
    let b: PasswordBody = parse_json(&body)?;
    let via_session = auth.csrf.is_some();
    let username = match (via_session, b.username) {
        (true, _) => auth.username.clone(),
        (false, Some(u)) => u,
        (false, None) => "admin".to_owned(),
    };
    if b.new_password.chars().count() < MIN_PASSWORD {
        return Err(ApiError::invalid(
            "new_password",
            format!("new_password must be at least {MIN_PASSWORD} characters"),
        ));
    }
    let user = s
        .state
        .store
        .get_admin_user(&username)
        .await?
        .ok_or_else(|| ApiError::invalid("username", format!("no admin user '{username}'")))?;
    let (current, stored, new) = (
        b.current_password,
        user.password_hash.clone(),
        b.new_password,
    );
    let hashed = tokio::task::spawn_blocking(move || {
        if !verify_password(&current, &stored) {
            return Ok(None);
        }
        hash_password(&new).map(Some)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    let Some(hash) = hashed else {
        return Err(ApiError::invalid(
            "current_password",
            "current_password is wrong",
        ));
    };
    s.state.store.set_admin_password(&username, &hash).await?;
    tracing::info!(%username, "admin password changed");
    let (cookie, csrf) = new_session(&s, &username, &hash);
    let mut resp = Json(SessionView {
        username,
        csrf_token: via_session.then_some(csrf),
        via: if via_session { "session" } else { "token" }.into(),
    })
    .into_response();
    if via_session {
        set_cookie(&mut resp, &cookie);
    }
    Ok(resp)
}
