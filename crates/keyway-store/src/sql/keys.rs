//! Self-issued keys: digest for lookup, sealed plaintext for re-retrieval.

use secrecy::{ExposeSecret, SecretString};
use sqlx::{Pool, Row};

use super::groups::ensure_exists as ensure_group;
use super::{begin, delete_by_id, require_name, touched, Db, DbRow};
use crate::crypto::{ad_api_key, display_prefix, generate_api_key, key_digest, MasterKey};
use crate::error::conflict_on_unique;
use crate::model::{ApiKey, Id, KeyInput, KeyPatch, Millis};
use crate::{now_ms, Result, StoreError};

const SELECT: &str = "SELECT id, group_id, name, digest, prefix, enabled, expires_at, \
     last_used_at, managed_by_config, created_at FROM api_keys";

fn from_row(row: &DbRow) -> Result<ApiKey> {
    let digest: Vec<u8> = row.try_get("digest")?;
    Ok(ApiKey {
        id: row.try_get("id")?,
        group_id: row.try_get("group_id")?,
        name: row.try_get("name")?,
        digest: digest
            .try_into()
            .map_err(|_| StoreError::Invalid("stored key digest is not 32 bytes".into()))?,
        prefix: row.try_get("prefix")?,
        enabled: row.try_get("enabled")?,
        expires_at: row.try_get("expires_at")?,
        last_used_at: row.try_get("last_used_at")?,
        managed_by_config: row.try_get("managed_by_config")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(super) async fn list(pool: &Pool<Db>, group_id: Option<Id>) -> Result<Vec<ApiKey>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE ($1 IS NULL OR group_id = $1) ORDER BY id"
    ))
    .bind(group_id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

pub(super) async fn get(pool: &Pool<Db>, id: Id) -> Result<ApiKey> {
    let row = sqlx::query(&format!("{SELECT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound("key"))?;
    from_row(&row)
}

/// The row is inserted first so the plaintext can be sealed to its id.
pub(super) async fn create(
    pool: &Pool<Db>,
    master: &MasterKey,
    input: KeyInput,
) -> Result<(ApiKey, SecretString)> {
    let plaintext = input.plaintext.unwrap_or_else(generate_api_key);
    let text = plaintext.expose_secret();
    if text.trim().is_empty() {
        return Err(StoreError::Invalid("key must not be empty".into()));
    }
    let mut tx = begin(pool).await?;
    ensure_group(&mut tx, input.group_id).await?;
    let id: Id = sqlx::query_scalar(
        "INSERT INTO api_keys (group_id, name, digest, prefix, sealed_key, enabled, expires_at, \
         managed_by_config, created_at) VALUES ($1, $2, $3, $4, '', $5, $6, $7, $8) RETURNING id",
    )
    .bind(input.group_id)
    .bind(&input.name)
    .bind(key_digest(text).to_vec())
    .bind(display_prefix(text))
    .bind(input.enabled)
    .bind(input.expires_at)
    .bind(input.managed_by_config)
    .bind(now_ms())
    .fetch_one(&mut *tx)
    .await
    // Never name the key itself: the message may reach logs.
    .map_err(|e| conflict_on_unique(e, || "this key already exists".into()))?;
    sqlx::query("UPDATE api_keys SET sealed_key = $1 WHERE id = $2")
        .bind(master.seal_secret(&plaintext, &ad_api_key(id))?)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((get(pool, id).await?, plaintext))
}

pub(super) async fn secret(pool: &Pool<Db>, master: &MasterKey, id: Id) -> Result<SecretString> {
    let sealed: String = sqlx::query_scalar("SELECT sealed_key FROM api_keys WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound("key"))?;
    master.open_secret(&sealed, &ad_api_key(id))
}

pub(super) async fn update(pool: &Pool<Db>, id: Id, patch: KeyPatch) -> Result<ApiKey> {
    if let Some(name) = &patch.name {
        require_name(name, "key name")?;
    }
    let updated = sqlx::query(
        "UPDATE api_keys SET name = COALESCE($1, name), enabled = COALESCE($2, enabled), \
         expires_at = CASE WHEN $3 THEN $4 ELSE expires_at END WHERE id = $5",
    )
    .bind(&patch.name)
    .bind(patch.enabled)
    .bind(patch.expires_at.is_some())
    .bind(patch.expires_at.flatten())
    .bind(id)
    .execute(pool)
    .await?;
    touched(updated, "key")?;
    get(pool, id).await
}

pub(super) async fn delete(pool: &Pool<Db>, id: Id) -> Result<()> {
    delete_by_id(pool, "api_keys", id, "key").await
}

/// Only ever moves `last_used_at` forward; unknown ids are ignored (the key
/// may have been deleted since it was used).
pub(super) async fn touch(pool: &Pool<Db>, used: &[(Id, Millis)]) -> Result<()> {
    if used.is_empty() {
        return Ok(());
    }
    let mut tx = begin(pool).await?;
    for (id, at) in used {
        sqlx::query(
            "UPDATE api_keys SET last_used_at = $1 \
             WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)",
        )
        .bind(at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
