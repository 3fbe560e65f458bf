//! Rows as the rest of Keyway sees them. Secrets are already decrypted here and
//! live in `SecretString`, which redacts itself in `Debug`.
//!
//! Times are Unix milliseconds (`i64`) on both backends, so SQLite and
//! PostgreSQL round-trip them identically.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

pub type Id = i64;
/// Unix time in milliseconds.
pub type Millis = i64;

/// Which wire protocol an upstream speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Openai,
    Anthropic,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Openai => "openai",
            Protocol::Anthropic => "anthropic",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "openai" => Some(Protocol::Openai),
            "anthropic" => Some(Protocol::Anthropic),
            _ => None,
        }
    }
}

/// How the upstream key is presented to the upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthStyle {
    /// `Authorization: Bearer <key>`
    Bearer,
    /// `x-api-key: <key>`
    XApiKey,
}

impl AuthStyle {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthStyle::Bearer => "bearer",
            AuthStyle::XApiKey => "x-api-key",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "bearer" => Some(AuthStyle::Bearer),
            "x-api-key" => Some(AuthStyle::XApiKey),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RouteMode {
    Direct,
    AutoSelect,
}

impl RouteMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RouteMode::Direct => "direct",
            RouteMode::AutoSelect => "auto-select",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "direct" => Some(RouteMode::Direct),
            "auto-select" => Some(RouteMode::AutoSelect),
            _ => None,
        }
    }
}

/// Per-provider timeouts in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeouts {
    pub connect_ms: u64,
    pub first_byte_ms: u64,
    pub idle_ms: u64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect_ms: 10_000,
            first_byte_ms: 300_000,
            idle_ms: 120_000,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Provider {
    pub id: Id,
    pub name: String,
    /// Preset name: deepseek | openai | anthropic | ark | zhipu | qwen | minimax | custom.
    pub vendor: String,
    pub protocol: Protocol,
    pub base_url: String,
    pub auth_style: AuthStyle,
    /// Decrypted upstream key(s). Usually one; several form a round-robin pool.
    pub api_keys: Vec<SecretString>,
    pub enabled: bool,
    pub timeouts: Timeouts,
    pub managed_by_config: bool,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// Fields to create or replace a provider. `api_keys: None` on update keeps the stored keys.
#[derive(Debug, Clone)]
pub struct ProviderInput {
    pub name: String,
    pub vendor: String,
    pub protocol: Protocol,
    pub base_url: String,
    pub auth_style: AuthStyle,
    pub api_keys: Option<Vec<SecretString>>,
    pub enabled: bool,
    pub timeouts: Timeouts,
    pub managed_by_config: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Group {
    pub id: Id,
    pub name: String,
    pub managed_by_config: bool,
    pub created_at: Millis,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Candidate {
    pub provider_id: Id,
    pub model: String,
    pub priority: i32,
    pub weight: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Route {
    pub id: Id,
    pub group_id: Id,
    pub alias: String,
    pub mode: RouteMode,
    pub enabled: bool,
    /// Translate for clients of the other protocol (true) or answer 404 (false).
    pub bridge: bool,
    /// Ordered by (priority, position).
    pub candidates: Vec<Candidate>,
    /// Upstream path for `custom` generation routes (e.g. `/v1/images/generations`).
    pub generation_path: Option<String>,
    pub managed_by_config: bool,
    pub created_at: Millis,
}

#[derive(Debug, Clone)]
pub struct RouteInput {
    pub group_id: Id,
    pub alias: String,
    pub mode: RouteMode,
    pub enabled: bool,
    pub bridge: bool,
    pub candidates: Vec<Candidate>,
    pub generation_path: Option<String>,
    pub managed_by_config: bool,
}

/// A self-issued `db_sk_` key, without its plaintext.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ApiKey {
    pub id: Id,
    pub group_id: Id,
    pub name: String,
    /// SHA-256 of the plaintext key; what the hot path looks up.
    #[serde(skip)]
    pub digest: [u8; 32],
    /// First characters of the key for display, e.g. `db_sk_Ab3x…`.
    pub prefix: String,
    pub enabled: bool,
    pub expires_at: Option<Millis>,
    pub last_used_at: Option<Millis>,
    pub managed_by_config: bool,
    pub created_at: Millis,
}

#[derive(Debug, Clone)]
pub struct KeyInput {
    pub group_id: Id,
    pub name: String,
    /// A fixed plaintext (from config); `None` generates a fresh key.
    pub plaintext: Option<SecretString>,
    pub enabled: bool,
    pub expires_at: Option<Millis>,
    pub managed_by_config: bool,
}

/// Partial update of a key; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct KeyPatch {
    pub name: Option<String>,
    pub enabled: Option<bool>,
    /// `Some(None)` clears the expiry.
    pub expires_at: Option<Option<Millis>>,
}

#[derive(Debug, Clone)]
pub struct AdminUser {
    pub id: Id,
    pub username: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub created_at: Millis,
}

/// One row per client request (and one per failover attempt, tied by `request_id`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct RequestLog {
    pub id: Id,
    pub ts: Millis,
    pub request_id: String,
    pub attempt: i32,
    pub key_id: Option<Id>,
    pub group_id: Option<Id>,
    pub alias: Option<String>,
    pub provider: Option<String>,
    pub upstream_model: Option<String>,
    /// `openai` | `anthropic` | `generations`
    pub client_protocol: String,
    pub endpoint: String,
    pub stream: bool,
    /// Status Keyway answered the client with.
    pub status: i32,
    pub upstream_status: Option<i32>,
    /// The upstream's error text in full (or the transport error).
    pub upstream_error: Option<String>,
    /// Keyway's own error message to the client, if any.
    pub error: Option<String>,
    pub latency_ms: i64,
    pub ttfb_ms: Option<i64>,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub cache_read_tokens: Option<i64>,
    pub cache_creation_tokens: Option<i64>,
    /// True when the client went away before the response ended.
    pub client_disconnected: bool,
}

#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    pub group_id: Option<Id>,
    pub key_id: Option<Id>,
    pub alias: Option<String>,
    pub status: Option<i32>,
    pub since: Option<Millis>,
    pub until: Option<Millis>,
    pub limit: i64,
    pub offset: i64,
}

/// Aggregates for one time bucket (and optionally one group/alias).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct UsageBucket {
    pub bucket_start: Millis,
    pub group_id: Option<Id>,
    pub alias: Option<String>,
    pub requests: i64,
    pub errors: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub avg_latency_ms: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GenerationJob {
    /// Keyway's own job id (`gen_…`), never the upstream's.
    pub id: String,
    pub group_id: Id,
    pub key_id: Option<Id>,
    pub alias: String,
    pub provider_id: Id,
    pub upstream_model: String,
    pub modality: String,
    /// queued | running | succeeded | failed | canceled | expired
    pub status: String,
    /// The upstream's task id (kept server-side only).
    pub upstream_task_id: Option<String>,
    pub request: serde_json::Value,
    pub outputs: serde_json::Value,
    pub error: Option<serde_json::Value>,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub next_poll_at: Option<Millis>,
    pub deadline_at: Option<Millis>,
}
