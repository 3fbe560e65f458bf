//! Providers, presets and health.

use keyway_store::{Id, Millis, Provider};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{mask_key, TimeoutsView};
use crate::ProviderHealth;

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
