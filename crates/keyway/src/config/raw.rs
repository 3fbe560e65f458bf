//! The config file as written: every table rejects unknown fields, and names
//! keep their spans so validation errors can point at the line.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    #[serde(default)]
    pub providers: Vec<RawProvider>,
    #[serde(default)]
    pub groups: Vec<RawGroup>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProvider {
    pub name: Spanned<String>,
    pub vendor: Option<Spanned<String>>,
    pub protocol: Option<Spanned<String>>,
    pub base_url: Option<Spanned<String>>,
    /// `bearer` | `x-api-key` (default per vendor).
    pub auth: Option<Spanned<String>>,
    pub api_key: Option<Spanned<String>>,
    /// A pool of keys used round robin (instead of, or with, `api_key`).
    pub api_keys: Option<Vec<Spanned<String>>>,
    pub enabled: Option<bool>,
    pub timeouts: Option<RawTimeouts>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTimeouts {
    pub connect: Option<Spanned<String>>,
    pub first_byte: Option<Spanned<String>>,
    pub idle: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGroup {
    pub name: Spanned<String>,
    #[serde(default)]
    pub routes: Vec<RawRoute>,
    #[serde(default)]
    pub keys: Vec<RawKey>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRoute {
    pub alias: Spanned<String>,
    pub mode: Option<Spanned<String>>,
    pub provider: Option<Spanned<String>>,
    pub model: Option<Spanned<String>>,
    pub candidates: Option<Vec<RawCandidate>>,
    pub enabled: Option<bool>,
    pub bridge: Option<bool>,
    pub generation_path: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCandidate {
    pub provider: Spanned<String>,
    pub model: Spanned<String>,
    pub priority: Option<i32>,
    pub weight: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKey {
    pub name: Spanned<String>,
    pub key: Option<Spanned<String>>,
    pub enabled: Option<bool>,
}
