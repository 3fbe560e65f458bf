//! Groups, their routes and their keys, and E2E test reports.

use keyway_store::{ApiKey, Candidate, Group, Id, Millis, Route};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::double_option;
use crate::RouteTestResult;

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
