//! The admin API's request and response bodies. Store rows are never
//! serialized directly: these views decide what leaves the process (masked
//! upstream keys, no key digests) and carry the OpenAPI schemas.

use keyway_store::{ApiKey, Candidate, Group, Id, Millis, Provider, RequestLog, Route, Timeouts};
use secrecy::ExposeSecret;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::{ProviderHealth, RouteTestResult};

/// `sk-…abcd`: the vendor-style head and the last four characters.
pub fn mask_key(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() < 12 {
        return "…****".to_owned();
    }
    let head: String = match key.find('-') {
        Some(i) if i <= 8 => key[..=i].to_owned(),
        _ => chars[..3].iter().collect(),
    };
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, Debug)]
pub struct TimeoutsView {
    pub connect_ms: u64,
    pub first_byte_ms: u64,
    pub idle_ms: u64,
}

impl From<Timeouts> for TimeoutsView {
    fn from(t: Timeouts) -> Self {
        TimeoutsView {
            connect_ms: t.connect_ms,
            first_byte_ms: t.first_byte_ms,
            idle_ms: t.idle_ms,
        }
    }
}

impl From<TimeoutsView> for Timeouts {
    fn from(t: TimeoutsView) -> Self {
        Timeouts {
            connect_ms: t.connect_ms,
            first_byte_ms: t.first_byte_ms,
            idle_ms: t.idle_ms,
        }
    }
}

#[derive(Serialize, ToSchema, Debug)]
pub struct ProviderView {
    pub id: Id,
    pub name: String,
    pub vendor: String,
    /// `openai` | `anthropic`
    pub protocol: String,
    pub base_url: String,
    /// `bearer` | `x-api-key`
    pub auth_style: String,
    /// Upstream keys, masked (`sk-…abcd`); the plaintext is never returned.
    pub api_keys_masked: Vec<String>,
    pub enabled: bool,
    pub timeouts: TimeoutsView,
    pub managed_by_config: bool,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl From<&Provider> for ProviderView {
    fn from(p: &Provider) -> Self {
        ProviderView {
            id: p.id,
            name: p.name.clone(),
            vendor: p.vendor.clone(),
            protocol: p.protocol.as_str().to_owned(),
            base_url: p.base_url.clone(),
            auth_style: p.auth_style.as_str().to_owned(),
            api_keys_masked: p
                .api_keys
                .iter()
                .map(|k| mask_key(k.expose_secret()))
                .collect(),
            enabled: p.enabled,
            timeouts: p.timeouts.into(),
            managed_by_config: p.managed_by_config,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// Create a provider. `vendor` names a preset that fills `protocol`,
/// `base_url` and `auth_style` when they are omitted.
#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct ProviderCreate {
    pub name: String,
    #[serde(default)]
    pub vendor: Option<String>,
    #[serde(default)]
    pub protocol: Option<String>,
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub auth_style: Option<String>,
    /// The upstream API key (write-only).
    #[serde(default)]
    pub api_key: Option<String>,
    /// Several keys form a round-robin pool (write-only).
    #[serde(default)]
    pub api_keys: Option<Vec<String>>,
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub timeouts: Option<TimeoutsView>,
}

/// Partial update; omitted fields keep their value, omitted keys keep the stored keys.
#[derive(Deserialize, ToSchema, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct ProviderPatch {
    pub name: Option<String>,
    pub vendor: Option<String>,
    pub protocol: Option<String>,
    pub base_url: Option<String>,
    pub auth_style: Option<String>,
    pub api_key: Option<String>,
    pub api_keys: Option<Vec<String>>,
    pub enabled: Option<bool>,
    pub timeouts: Option<TimeoutsView>,
}

#[derive(Serialize, ToSchema, Debug)]
pub struct PresetView {
    pub vendor: String,
    pub display_name: String,
    pub protocol: String,
    pub base_url: String,
    pub auth_style: String,
    pub anthropic_base_url: Option<String>,
}

#[derive(Serialize, ToSchema, Debug)]
pub struct HealthView {
    pub provider_name: Option<String>,
    #[serde(flatten)]
    pub health: ProviderHealth,
}

#[derive(Serialize, ToSchema, Debug)]
pub struct GroupView {
    pub id: Id,
    pub name: String,
    pub managed_by_config: bool,
    pub created_at: Millis,
    pub route_count: usize,
    pub key_count: usize,
}

impl GroupView {
    pub fn new(g: &Group, route_count: usize, key_count: usize) -> Self {
        GroupView {
            id: g.id,
            name: g.name.clone(),
            managed_by_config: g.managed_by_config,
            created_at: g.created_at,
            route_count,
            key_count,
        }
    }
}

#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct GroupBody {
    pub name: String,
}

/// Copy a group with its routes; the copy's keys are freshly generated.
#[derive(Deserialize, ToSchema, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct GroupCopyBody {
    /// Name of the copy; default `<name>-copy`.
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Serialize, Deserialize, ToSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct CandidateBody {
    pub provider_id: Id,
    pub model: String,
    #[serde(default)]
    pub priority: i32,
    #[serde(default = "one")]
    pub weight: u32,
}

fn one() -> u32 {
    1
}

#[derive(Serialize, ToSchema, Debug)]
pub struct CandidateView {
    pub provider_id: Id,
    pub provider_name: Option<String>,
    pub model: String,
    pub priority: i32,
    pub weight: u32,
}

#[derive(Serialize, ToSchema, Debug)]
pub struct RouteView {
    pub id: Id,
    pub group_id: Id,
    pub alias: String,
    /// `direct` | `auto-select`
    pub mode: String,
    pub enabled: bool,
    pub bridge: bool,
    pub candidates: Vec<CandidateView>,
    pub generation_path: Option<String>,
    pub managed_by_config: bool,
    pub created_at: Millis,
}

impl RouteView {
    pub fn new(r: &Route, provider_name: impl Fn(Id) -> Option<String>) -> Self {
        RouteView {
            id: r.id,
            group_id: r.group_id,
            alias: r.alias.clone(),
            mode: r.mode.as_str().to_owned(),
            enabled: r.enabled,
            bridge: r.bridge,
            candidates: r
                .candidates
                .iter()
                .map(|c: &Candidate| CandidateView {
                    provider_id: c.provider_id,
                    provider_name: provider_name(c.provider_id),
                    model: c.model.clone(),
                    priority: c.priority,
                    weight: c.weight,
                })
                .collect(),
            generation_path: r.generation_path.clone(),
            managed_by_config: r.managed_by_config,
            created_at: r.created_at,
        }
    }
}

/// Create a route. Direct mode takes `provider_id` + `model` (or one
/// candidate); auto-select takes `candidates`.
#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct RouteCreate {
    pub alias: String,
    /// `direct` (default) | `auto-select`
    #[serde(default)]
    pub mode: Option<String>,
    #[serde(default)]
    pub provider_id: Option<Id>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub candidates: Option<Vec<CandidateBody>>,
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub bridge: Option<bool>,
    #[serde(default)]
    pub generation_path: Option<String>,
}

/// Partial update of a route; omitted fields keep their value.
#[derive(Deserialize, ToSchema, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct RoutePatch {
    pub alias: Option<String>,
    pub mode: Option<String>,
    pub provider_id: Option<Id>,
    pub model: Option<String>,
    pub candidates: Option<Vec<CandidateBody>>,
    pub enabled: Option<bool>,
    pub bridge: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub generation_path: Option<Option<String>>,
}

#[derive(Serialize, ToSchema, Debug)]
pub struct KeyView {
    pub id: Id,
    pub group_id: Id,
    pub name: String,
    /// The first characters of the key, e.g. `db_sk_Ab3x…`.
    pub prefix: String,
    pub enabled: bool,
    pub expires_at: Option<Millis>,
    /// True when `expires_at` has passed.
    pub expired: bool,
    pub last_used_at: Option<Millis>,
    pub managed_by_config: bool,
    pub created_at: Millis,
}

impl KeyView {
    pub fn new(k: &ApiKey, now: Millis) -> Self {
        KeyView {
            id: k.id,
            group_id: k.group_id,
            name: k.name.clone(),
            prefix: k.prefix.clone(),
            enabled: k.enabled,
            expires_at: k.expires_at,
            expired: k.expires_at.is_some_and(|e| e <= now),
            last_used_at: k.last_used_at,
            managed_by_config: k.managed_by_config,
            created_at: k.created_at,
        }
    }
}

#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct KeyCreate {
    pub name: String,
    /// Unix ms; omitted or null = never expires.
    #[serde(default)]
    pub expires_at: Option<Millis>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// The new key with its plaintext, which this response shows once.
#[derive(Serialize, ToSchema, Debug)]
pub struct KeyCreated {
    #[serde(flatten)]
    pub view: KeyView,
    /// The plaintext `db_sk_…` key.
    pub key: String,
}

#[derive(Deserialize, ToSchema, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct KeyPatchBody {
    pub name: Option<String>,
    pub enabled: Option<bool>,
    /// Unix ms; `null` clears the expiry.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub expires_at: Option<Option<Millis>>,
}

#[derive(Serialize, ToSchema, Debug)]
pub struct KeySecret {
    pub key: String,
}

#[derive(Serialize, ToSchema, Debug)]
pub struct RouteTestEntry {
    pub route_id: Id,
    pub alias: String,
    #[serde(flatten)]
    pub result: RouteTestResult,
}

#[derive(Serialize, ToSchema, Debug)]
pub struct GroupTestReport {
    /// `PASS (n/m)`: n of the m enabled routes answered OK.
    pub summary: String,
    pub passed: usize,
    pub total: usize,
    pub all_passed: bool,
    pub results: Vec<RouteTestEntry>,
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keys() {
        assert_eq!(mask_key("sk-abcdefghijklmnop1234"), "sk-…1234");
        assert_eq!(mask_key("abcdefghijklmnopqrst"), "abc…qrst");
        assert_eq!(mask_key("short"), "…****");
        assert!(!mask_key("sk-ant-api03-secretsecret-wxyz").contains("secret"));
    }

    #[test]
    fn key_patch_distinguishes_null_from_absent() {
        let p: KeyPatchBody = serde_json::from_str(r#"{"expires_at":null}"#).unwrap();
        assert_eq!(p.expires_at, Some(None));
        let p: KeyPatchBody = serde_json::from_str(r#"{}"#).unwrap();
        assert_eq!(p.expires_at, None);
        let p: KeyPatchBody = serde_json::from_str(r#"{"expires_at":5}"#).unwrap();
        assert_eq!(p.expires_at, Some(Some(5)));
    }
}
