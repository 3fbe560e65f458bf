//! Logs, usage, settings and the session.

use keyway_store::{Id, Millis, RequestLog};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct LogView {
    pub id: Id,
    pub ts: Millis,
    pub request_id: String,
    pub attempt: i32,
    pub key_id: Option<Id>,
    pub key_name: Option<String>,
    pub group_id: Option<Id>,
    pub group_name: Option<String>,
    pub alias: Option<String>,
    pub provider: Option<String>,
    pub upstream_model: Option<String>,
    pub client_protocol: String,
    pub endpoint: String,
    pub stream: bool,
    pub status: i32,
    pub upstream_status: Option<i32>,
    pub upstream_error: Option<String>,
    pub error: Option<String>,
    pub latency_ms: i64,
    pub ttfb_ms: Option<i64>,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    /// Prompt tokens read from the upstream's cache (not included in `input_tokens`).
    pub cache_read_tokens: Option<i64>,
    /// Prompt tokens written to the upstream's cache.
    pub cache_creation_tokens: Option<i64>,
    pub client_disconnected: bool,
}

impl LogView {
    pub fn new(l: RequestLog, group_name: Option<String>, key_name: Option<String>) -> Self {
        LogView {
            id: l.id,
            ts: l.ts,
            request_id: l.request_id,
            attempt: l.attempt,
            key_id: l.key_id,
            key_name,
            group_id: l.group_id,
            group_name,
            alias: l.alias,
            provider: l.provider,
            upstream_model: l.upstream_model,
            client_protocol: l.client_protocol,
            endpoint: l.endpoint,
            stream: l.stream,
            status: l.status,
            upstream_status: l.upstream_status,
            upstream_error: l.upstream_error,
            error: l.error,
            latency_ms: l.latency_ms,
            ttfb_ms: l.ttfb_ms,
            input_tokens: l.input_tokens,
            output_tokens: l.output_tokens,
            cache_read_tokens: l.cache_read_tokens,
            cache_creation_tokens: l.cache_creation_tokens,
            client_disconnected: l.client_disconnected,
        }
    }
}

#[derive(Serialize, ToSchema, Debug)]
pub struct LogPage {
    pub items: Vec<LogView>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct UsageRow {
    pub bucket_start: Millis,
    pub group_id: Option<Id>,
    pub group_name: Option<String>,
    pub alias: Option<String>,
    pub requests: i64,
    pub errors: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub avg_latency_ms: f64,
}

#[derive(Serialize, ToSchema, Debug)]
pub struct UsageReport {
    pub since: Millis,
    pub bucket_ms: i64,
    pub rows: Vec<UsageRow>,
}

#[derive(Serialize, ToSchema, Debug)]
pub struct SettingsView {
    /// Request logs older than this many days are purged in the background.
    pub log_retention_days: i64,
    pub db_size_bytes: Option<i64>,
    /// `sqlite` | `postgres`
    pub backend: String,
}

#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct SettingsBody {
    pub log_retention_days: i64,
}

#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema, Debug)]
pub struct SessionView {
    pub username: String,
    /// Send as `x-csrf-token` on state-changing requests (session auth only).
    pub csrf_token: Option<String>,
    /// `session` | `token`
    pub via: String,
}

#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    pub current_password: String,
    pub new_password: String,
    /// Whose password (token auth only); a session changes its own user's.
    #[serde(default)]
    pub username: Option<String>,
}
