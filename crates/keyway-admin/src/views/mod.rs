//! The admin API's request and response bodies. Store rows are never
//! serialized directly: these views decide what leaves the process (masked
//! upstream keys, no key digests) and carry the OpenAPI schemas.

mod group;
mod provider;
mod report;

pub use group::*;
pub use provider::*;
pub use report::*;

use keyway_store::Timeouts;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

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
pub(crate) fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
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
