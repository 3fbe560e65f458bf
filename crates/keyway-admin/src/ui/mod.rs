//! The server-rendered web UI under `/admin`.

use crate::auth::AppState;

pub fn router(shared: AppState) -> axum::Router {
    axum::Router::new().with_state(shared)
}
