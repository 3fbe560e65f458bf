//! The one gate in front of every admin route: resolves a Bearer admin token
//! or a signed session cookie into an [`Auth`], enforces CSRF on
//! state-changing session requests, and turns everyone else away (401 JSON
//! for the API, a redirect to the login page for the UI).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::session::{self, Claims};
use crate::throttle::Throttle;
use crate::AdminState;

pub const CSRF_HEADER: &str = "x-csrf-token";

/// Paths anyone may reach: the login page and endpoint, static assets, and
/// the `/` redirect. Everything else under the admin router needs auth.
pub const PUBLIC_PATHS: &[&str] = &["/", "/admin/login", "/admin/api/login"];
pub const PUBLIC_PREFIXES: &[&str] = &["/admin/assets/"];

pub fn is_public(path: &str) -> bool {
    PUBLIC_PATHS.contains(&path) || PUBLIC_PREFIXES.iter().any(|p| path.starts_with(p))
}

/// State shared by all admin handlers.
pub struct Shared {
    pub state: AdminState,
    pub throttle: Throttle,
    /// Set the cookie's `Secure` flag when the public URL is HTTPS.
    pub secure_cookies: bool,
}

impl Shared {
    pub fn new(state: AdminState) -> Shared {
        let secure_cookies = state.public_base_url.starts_with("https://");
        Shared {
            state,
            throttle: Throttle::default(),
            secure_cookies,
        }
    }
}

pub type AppState = Arc<Shared>;

/// Who is making an authenticated admin request.
#[derive(Debug, Clone)]
pub struct Auth {
    pub username: String,
    /// The session's CSRF token; `None` for Bearer-token requests.
    pub csrf: Option<String>,
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The peer address, when the server was started with
/// `into_make_service_with_connect_info::<SocketAddr>()`.
pub fn client_ip(req: &Request) -> Option<String> {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

enum Outcome {
    Ok(Auth),
    /// Credentials were presented and are wrong.
    Rejected,
    /// No credentials at all.
    Missing,
}

async fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<Outcome, ApiError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let presented = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let ok = match (&shared.state.admin_token, presented) {
            (Some(expected), Some(given)) => {
                let expected = expected.expose_secret().as_bytes();
                !expected.is_empty() && bool::from(expected.ct_eq(given.as_bytes()))
            }
            _ => false,
        };
        return Ok(if ok {
            Outcome::Ok(Auth {
                username: "token".to_owned(),
                csrf: None,
            })
        } else {
            Outcome::Rejected
        });
    }
    let Some(token) = headers
        .get(header::COOKIE)
        .and_then(|c| c.to_str().ok())
        .and_then(|c| session::cookie_value(c, session::COOKIE_NAME))
        .filter(|t| !t.is_empty())
    else {
        return Ok(Outcome::Missing);
    };
    let secret = &shared.state.session_secret;
    let Some(claims) = session::decode(secret, token, now_ms()) else {
        return Ok(Outcome::Rejected);
    };
    // A password change (or a deleted user) ends the session.
    let user = shared.state.store.get_admin_user(&claims.u).await?;
    match user {
        Some(u) if session::password_fingerprint(&u.password_hash) == claims.pw => {
            Ok(Outcome::Ok(Auth {
                csrf: Some(session::csrf_token(secret, &claims)),
                username: claims.u,
            }))
        }
        _ => Ok(Outcome::Rejected),
    }
}

fn is_api(path: &str) -> bool {
    path.starts_with("/admin/api/") || path == "/admin/api"
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

pub async fn require_auth(
    State(shared): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    if is_public(&path) {
        return next.run(req).await;
    }
    let outcome = match authenticate(&shared, req.headers()).await {
        Ok(o) => o,
        Err(e) => return e.into_response(),
    };
    let auth = match outcome {
        Outcome::Ok(auth) => auth,
        Outcome::Rejected | Outcome::Missing if is_api(&path) => {
            return ApiError::Unauthorized.into_response()
        }
        Outcome::Rejected | Outcome::Missing => {
            let mut resp = Redirect::to("/admin/login").into_response();
            if let Ok(v) = session::clear_cookie().parse() {
                resp.headers_mut().insert(header::SET_COOKIE, v);
            }
            return resp;
        }
    };
    if let Some(expected) = &auth.csrf {
        if changes_state(req.method()) {
            let given = req
                .headers()
                .get(CSRF_HEADER)
                .map(|v| v.as_bytes())
                .unwrap_or_default();
            if !bool::from(expected.as_bytes().ct_eq(given)) {
                return ApiError::Csrf.into_response();
            }
        }
    }
    req.extensions_mut().insert(auth);
    next.run(req).await
}

/// Issue a session for `username` (whose current hash is `password_hash`).
pub fn new_session(shared: &Shared, username: &str, password_hash: &str) -> (String, String) {
    let claims = Claims::new(username, password_hash, now_ms());
    let token = session::encode(&shared.state.session_secret, &claims);
    let csrf = session::csrf_token(&shared.state.session_secret, &claims);
    (session::set_cookie(&token, shared.secure_cookies), csrf)
}
