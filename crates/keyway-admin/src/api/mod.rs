//! The JSON admin API under `/admin/api/…`. Routes are registered through
//! `utoipa_axum`, so the OpenAPI document is generated from the same list
//! the router is built from and cannot drift from it.

mod account;
pub(crate) mod extract;
mod groups;
mod keys;
pub(crate) mod logs;
mod providers;
mod routes;
pub(crate) mod settings;
mod validate;

use std::sync::Arc;

use axum::routing::get;
use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Keyway admin API",
        description = "Manage providers, groups, routes and self-issued keys; read logs and usage.\n\n\
            Auth: `Authorization: Bearer $KEYWAY_ADMIN_TOKEN`, or the session cookie set by \
            `POST /admin/api/login`. Session requests that change state must send the \
            `x-csrf-token` header (its value comes from the login response or `GET /admin/api/me`).\n\n\
            Errors: `{\"error\":{\"code\",\"message\",\"field\"}}`; 400 unparseable input, \
            409 conflicts and config-managed objects, 422 invalid fields."
    ),
    modifiers(&Security),
    security(("admin_token" = []), ("session" = []))
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut OpenApiDoc) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "admin_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::session::COOKIE_NAME,
            ))),
        );
    }
}

fn parts() -> (axum::Router<AppState>, OpenApiDoc) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(account::login))
        .routes(routes!(account::logout))
        .routes(routes!(account::me))
        .routes(routes!(account::change_password))
        .routes(routes!(providers::list_presets))
        .routes(routes!(
            providers::list_providers,
            providers::create_provider
        ))
        .routes(routes!(providers::provider_health))
        .routes(routes!(
            providers::get_provider,
            providers::update_provider,
            providers::delete_provider
        ))
        .routes(routes!(providers::reset_health))
        .routes(routes!(groups::list_groups, groups::create_group))
        .routes(routes!(
            groups::get_group,
            groups::rename_group,
            groups::delete_group
        ))
        .routes(routes!(groups::copy_group))
        .routes(routes!(groups::test_group))
        .routes(routes!(routes::list_routes, routes::create_route))
        .routes(routes!(
            routes::get_route,
            routes::update_route,
            routes::delete_route
        ))
        .routes(routes!(routes::test_route))
        .routes(routes!(keys::list_keys, keys::create_key))
        .routes(routes!(keys::get_key, keys::update_key, keys::delete_key))
        .routes(routes!(keys::key_secret))
        .routes(routes!(logs::list_logs))
        .routes(routes!(logs::usage))
        .routes(routes!(settings::get_settings, settings::put_settings))
        .split_for_parts()
}

/// The OpenAPI 3 document of the admin API, as served at `/admin/api/openapi.json`.
pub fn openapi() -> OpenApiDoc {
    let (_, mut doc) = parts();
    doc.paths.paths.insert(
        "/admin/api/openapi.json".to_owned(),
        utoipa::openapi::path::PathItem::new(
            utoipa::openapi::HttpMethod::Get,
            utoipa::openapi::path::OperationBuilder::new()
                .summary(Some("This document"))
                .tag("meta")
                .response("200", utoipa::openapi::Response::new("OpenAPI 3 JSON")),
        ),
    );
    doc
}

pub fn router(shared: AppState) -> axum::Router {
    let (api, _) = parts();
    let doc = Arc::new(openapi());
    api.route(
        "/admin/api/openapi.json",
        get(move || {
            let doc = doc.clone();
            async move { Json(doc.as_ref().clone()) }
        }),
    )
    .with_state(shared)
}
