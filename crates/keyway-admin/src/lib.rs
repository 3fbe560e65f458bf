//! Keyway's admin surface: the JSON admin API under `/admin/api/…` (described
//! by `/admin/api/openapi.json`) and the server-rendered web UI under
//! `/admin`. Both share one auth layer: a signed session cookie or
//! `Authorization: Bearer $KEYWAY_ADMIN_TOKEN`.
//!
//! CSRF: a session-authenticated request that changes state must carry the
//! header `x-csrf-token` with the token derived from its session (the UI reads
//! it from a `<meta>` tag). Login itself only accepts `application/json`, which
//! a cross-site form cannot send without a CORS preflight we never grant, and
//! the cookie is `SameSite=Strict` on top. Bearer-token requests carry no
//! ambient credential and need no CSRF token.

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod api;
mod auth;
mod error;
mod password;
mod retention;
mod session;
mod throttle;
mod ui;
mod views;

use std::sync::Arc;

use axum::response::Redirect;
use axum::routing::get;
use serde::Serialize;

pub use api::openapi;
pub use error::ApiError;
pub use password::{hash_password, verify_password, PasswordError};
pub use retention::{purge_expired_logs, spawn_retention_task, DEFAULT_RETENTION_DAYS};

/// Everything the admin router needs from the rest of the process.
#[derive(Clone)]
pub struct AdminState {
    pub store: Arc<dyn keyway_store::Store>,
    /// `KEYWAY_ADMIN_TOKEN`: `Authorization: Bearer` access to `/admin/api`.
    pub admin_token: Option<secrecy::SecretString>,
    /// HMAC key for the stateless signed session cookies, shared by replicas.
    pub session_secret: [u8; 32],
    pub gateway: Arc<dyn GatewayOps>,
    /// Base URL shown in snippets, e.g. `http://127.0.0.1:9233`.
    pub public_base_url: String,
}

/// What the admin needs from the live gateway.
#[async_trait::async_trait]
pub trait GatewayOps: Send + Sync + 'static {
    /// Send "Reply with OK." through the full gateway path of this route (the real upstream call).
    async fn test_route(&self, route: &keyway_store::Route) -> RouteTestResult;
    fn provider_health(&self) -> Vec<ProviderHealth>;
    fn reset_provider_health(&self, provider_id: keyway_store::Id);
}

/// Outcome of one end-to-end route test.
#[derive(Serialize, Clone, Debug, utoipa::ToSchema)]
pub struct RouteTestResult {
    pub ok: bool,
    /// Status the gateway answered with.
    pub status: u16,
    pub latency_ms: u64,
    pub reply: Option<String>,
    pub upstream_status: Option<u16>,
    pub error: Option<String>,
    /// Name of the provider that answered (or failed).
    pub provider: Option<String>,
}

/// Circuit-breaker state of one provider.
#[derive(Serialize, Clone, Debug, utoipa::ToSchema)]
pub struct ProviderHealth {
    pub provider_id: keyway_store::Id,
    /// `closed` | `open` | `half-open`
    pub state: String,
    pub consecutive_failures: u32,
    pub total_failures: u64,
    pub total_successes: u64,
    pub last_error: Option<String>,
    pub last_failure_at: Option<i64>,
    pub open_until: Option<i64>,
}

/// One route the admin router serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteEntry {
    pub method: &'static str,
    /// Path template, e.g. `/admin/api/keys/{id}`.
    pub path: String,
    /// Reachable without auth (login page and endpoint, assets, `/`).
    pub public: bool,
}

/// Every route [`router`] serves, read from the same tables the router is
/// built from (the OpenAPI-registered API routes and the UI page table).
pub fn route_table() -> Vec<RouteEntry> {
    let mut out = vec![RouteEntry {
        method: "GET",
        path: "/".into(),
        public: true,
    }];
    for (path, item) in openapi().paths.paths {
        let ops = [
            ("GET", item.get.is_some()),
            ("POST", item.post.is_some()),
            ("PUT", item.put.is_some()),
            ("PATCH", item.patch.is_some()),
            ("DELETE", item.delete.is_some()),
        ];
        for (method, present) in ops {
            if present {
                out.push(RouteEntry {
                    method,
                    public: auth::is_public(&path),
                    path: path.clone(),
                });
            }
        }
    }
    for path in ui::page_paths() {
        out.push(RouteEntry {
            method: "GET",
            path: path.into(),
            public: false,
        });
    }
    for path in ui::public_page_paths() {
        out.push(RouteEntry {
            method: "GET",
            path: path.into(),
            public: true,
        });
    }
    out
}

/// The whole admin surface: `/admin`, `/admin/…`, `/admin/api/…`, and `GET /`
/// redirecting to `/admin`. Every route except the login page, the login
/// endpoint and the static assets requires auth (see `auth::PUBLIC_PATHS`).
pub fn router(state: AdminState) -> axum::Router {
    let shared = Arc::new(auth::Shared::new(state));
    axum::Router::new()
        .route("/", get(|| async { Redirect::to("/admin") }))
        .merge(api::router(shared.clone()))
        .merge(ui::router(shared.clone()))
        .layer(axum::middleware::from_fn_with_state(
            shared,
            auth::require_auth,
        ))
}
