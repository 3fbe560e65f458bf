//! The server-rendered web UI under `/admin`. Pages are maud templates
//! rendered from the store; every change goes through the JSON admin API from
//! a little vanilla JS (`assets/app.js`), so the UI and automation share one
//! code path, one validation and one CSRF rule.

mod chart;
mod groups;
mod i18n;
mod layout;
mod login;
mod logs;
mod providers;
mod route_form;
mod settings;
mod snippets;
mod usage;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, MethodRouter};

use crate::auth::{AppState, Auth};
use crate::error::ApiError;
use crate::session;
use i18n::Lang;

/// Everything a page needs besides its data.
pub struct Ctx {
    pub lang: Lang,
    pub username: String,
    pub csrf: String,
    pub base_url: String,
    pub path: String,
}

impl Ctx {
    pub fn t(&self, en: &'static str, zh: &'static str) -> &'static str {
        self.lang.pick(en, zh)
    }
}

fn lang_of(parts: &Parts) -> Lang {
    let cookie = parts
        .headers
        .get(header::COOKIE)
        .and_then(|c| c.to_str().ok())
        .and_then(|c| session::cookie_value(c, i18n::LANG_COOKIE));
    let accept = parts
        .headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    Lang::detect(cookie, accept)
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, PageError> {
        let auth = parts
            .extensions
            .get::<Auth>()
            .cloned()
            .ok_or(PageError(ApiError::Unauthorized))?;
        Ok(Ctx {
            lang: lang_of(parts),
            username: auth.username,
            csrf: auth.csrf.unwrap_or_default(),
            base_url: s.state.public_base_url.trim_end_matches('/').to_owned(),
            path: parts.uri.path().to_owned(),
        })
    }
}

/// An API error shown as a small HTML page.
pub struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError(e)
    }
}

impl From<keyway_store::StoreError> for PageError {
    fn from(e: keyway_store::StoreError) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if matches!(self.0, ApiError::Unauthorized) {
            return Redirect::to("/admin/login").into_response();
        }
        if let ApiError::Internal(detail) = &self.0 {
            tracing::error!(error = %detail, "admin UI internal error");
        }
        let status = self.0.status();
        let body = maud::html! {
            (maud::DOCTYPE)
            html { head { title { "Keyway" } link rel="stylesheet" href="/admin/assets/style.css"; }
                body { main.narrow {
                    h1 { (status.as_u16()) " " (status.canonical_reason().unwrap_or("")) }
                    p { (self.0.to_string()) }
                    p { a href="/admin" { "← Keyway" } }
                } } }
        };
        (status, Html(body.into_string())).into_response()
    }
}

pub type PageResult = Result<Html<String>, PageError>;

const STYLE: &str = include_str!("../../assets/style.css");
const SCRIPT: &str = include_str!("../../assets/app.js");

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// Pages behind auth, as (path, handler). The router is built from this table
/// and `page_paths` reads it, so the auth test sees exactly what is served.
fn pages() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/admin", get(groups::groups_page)),
        ("/admin/groups", get(groups::groups_page)),
        ("/admin/groups/{id}", get(groups::group_page)),
        ("/admin/providers", get(providers::providers_page)),
        ("/admin/logs", get(logs::logs_page)),
        ("/admin/usage", get(usage::usage_page)),
        ("/admin/settings", get(settings::settings_page)),
    ]
}

/// Public pages: the login form and the compiled-in assets.
fn public_pages() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/admin/login", get(login::login_page)),
        (
            "/admin/assets/style.css",
            get(|| async { asset("text/css; charset=utf-8", STYLE) }),
        ),
        (
            "/admin/assets/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }),
        ),
    ]
}

pub fn page_paths() -> Vec<&'static str> {
    pages().into_iter().map(|(p, _)| p).collect()
}

pub fn public_page_paths() -> Vec<&'static str> {
    public_pages().into_iter().map(|(p, _)| p).collect()
}

pub fn router(shared: AppState) -> axum::Router {
    pages()
        .into_iter()
        .chain(public_pages())
        .fold(axum::Router::new(), |r, (path, h)| r.route(path, h))
        .with_state(shared)
}
