//! Client authentication: a `db_sk_` key in `Authorization: Bearer` or
//! `x-api-key`, looked up by SHA-256 digest in the snapshot and compared in
//! constant time. Every failure is the same 401, so callers cannot probe
//! which keys exist, are disabled or expired.

use http::HeaderMap;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::snapshot::Snapshot;

#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub key_id: i64,
    pub group_id: i64,
}

pub fn authenticate(headers: &HeaderMap, snap: &Snapshot, now_ms: i64) -> Result<Caller, ApiError> {
    let bearer = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let x_api_key = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    // Claude Code may send both; either one being valid is enough.
    for candidate in [bearer, x_api_key].into_iter().flatten() {
        if let Some(caller) = lookup(candidate, snap, now_ms) {
            return Ok(caller);
        }
    }
    Err(ApiError::Unauthorized)
}

fn lookup(presented: &str, snap: &Snapshot, now_ms: i64) -> Option<Caller> {
    if !presented.starts_with("db_sk_") {
        return None;
    }
    let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
    let entry = snap.keys.get(&digest)?;
    // The map lookup already matched; the constant-time check keeps the
    // final comparison independent of how many bytes agree.
    if !bool::from(entry.digest.ct_eq(&digest)) {
        return None;
    }
    if !entry.enabled || entry.expires_at.is_some_and(|t| t <= now_ms) {
        return None;
    }
    Some(Caller {
        key_id: entry.id,
        group_id: entry.group_id,
    })
}
