//! Providers and their sealed pool of upstream keys.

use std::collections::HashMap;

use secrecy::SecretString;
use sqlx::{Pool, Row, Transaction};

use super::{bad_stored, begin, require_name, to_i64, to_u64, touched, Db, DbRow, Query};
use crate::crypto::{ad_provider_key, MasterKey};
use crate::error::conflict_on_unique;
use crate::model::{AuthStyle, Id, Protocol, Provider, ProviderInput, Timeouts};
use crate::{now_ms, Result, StoreError};

const SELECT: &str = "SELECT id, name, vendor, protocol, base_url, auth_style, enabled, \
     connect_timeout_ms, first_byte_timeout_ms, idle_timeout_ms, managed_by_config, \
     created_at, updated_at FROM providers";

fn from_row(row: &DbRow) -> Result<Provider> {
    let protocol: String = row.try_get("protocol")?;
    let auth_style: String = row.try_get("auth_style")?;
    Ok(Provider {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        vendor: row.try_get("vendor")?,
        protocol: Protocol::parse(&protocol).ok_or_else(|| bad_stored("protocol", &protocol))?,
        base_url: row.try_get("base_url")?,
        auth_style: AuthStyle::parse(&auth_style)
            .ok_or_else(|| bad_stored("auth style", &auth_style))?,
        api_keys: Vec::new(),
        enabled: row.try_get("enabled")?,
        timeouts: Timeouts {
            connect_ms: to_u64(row.try_get("connect_timeout_ms")?),
            first_byte_ms: to_u64(row.try_get("first_byte_timeout_ms")?),
            idle_ms: to_u64(row.try_get("idle_timeout_ms")?),
        },
        managed_by_config: row.try_get("managed_by_config")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Opens the sealed keys of the given providers (all when `only` is `None`),
/// grouped by provider id, in pool order.
async fn load_keys(
    pool: &Pool<Db>,
    master: &MasterKey,
    only: Option<Id>,
) -> Result<HashMap<Id, Vec<SecretString>>> {
    let rows = sqlx::query(
        "SELECT provider_id, position, sealed_key FROM provider_keys \
         WHERE ($1 IS NULL OR provider_id = $1) ORDER BY provider_id, position",
    )
    .bind(only)
    .fetch_all(pool)
    .await?;
    let mut keys: HashMap<Id, Vec<SecretString>> = HashMap::new();
    for row in rows {
        let provider_id: Id = row.try_get("provider_id")?;
        let position: i32 = row.try_get("position")?;
        let sealed: String = row.try_get("sealed_key")?;
        let index = usize::try_from(position).unwrap_or_default();
        let secret = master.open_secret(&sealed, &ad_provider_key(provider_id, index))?;
        keys.entry(provider_id).or_default().push(secret);
    }
    Ok(keys)
}

pub(super) async fn list(pool: &Pool<Db>, master: &MasterKey) -> Result<Vec<Provider>> {
    let rows = sqlx::query(&format!("{SELECT} ORDER BY id"))
        .fetch_all(pool)
        .await?;
    let mut keys = load_keys(pool, master, None).await?;
    rows.iter()
        .map(|row| {
            let mut provider = from_row(row)?;
            provider.api_keys = keys.remove(&provider.id).unwrap_or_default();
            Ok(provider)
        })
        .collect()
}

pub(super) async fn get(pool: &Pool<Db>, master: &MasterKey, id: Id) -> Result<Provider> {
    let row = sqlx::query(&format!("{SELECT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound("provider"))?;
    let mut provider = from_row(&row)?;
    provider.api_keys = load_keys(pool, master, Some(id))
        .await?
        .remove(&id)
        .unwrap_or_default();
    Ok(provider)
}

/// Replaces the provider's key pool, sealing each key to its slot.
async fn write_keys(
    tx: &mut Transaction<'static, Db>,
    master: &MasterKey,
    id: Id,
    keys: &[SecretString],
) -> Result<()> {
    sqlx::query("DELETE FROM provider_keys WHERE provider_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for (index, key) in keys.iter().enumerate() {
        let sealed = master.seal_secret(key, &ad_provider_key(id, index))?;
        let position = i32::try_from(index)
            .map_err(|_| StoreError::Invalid("too many provider keys".into()))?;
        sqlx::query(
            "INSERT INTO provider_keys (provider_id, position, sealed_key) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(position)
        .bind(sealed)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Binds `$1`..`$10`, the fields insert and update share.
fn bind_fields<'q>(query: Query<'q>, input: &'q ProviderInput) -> Result<Query<'q>> {
    Ok(query
        .bind(&input.name)
        .bind(&input.vendor)
        .bind(input.protocol.as_str())
        .bind(&input.base_url)
        .bind(input.auth_style.as_str())
        .bind(input.enabled)
        .bind(to_i64(input.timeouts.connect_ms, "connect timeout")?)
        .bind(to_i64(input.timeouts.first_byte_ms, "first-byte timeout")?)
        .bind(to_i64(input.timeouts.idle_ms, "idle timeout")?)
        .bind(input.managed_by_config))
}

fn name_taken(name: &str) -> impl FnOnce() -> String + '_ {
    move || format!("provider name '{name}' already exists")
}

pub(super) async fn create(
    pool: &Pool<Db>,
    master: &MasterKey,
    input: ProviderInput,
) -> Result<Provider> {
    require_name(&input.name, "provider name")?;
    let mut tx = begin(pool).await?;
    let insert = sqlx::query(
        "INSERT INTO providers (name, vendor, protocol, base_url, auth_style, enabled, \
         connect_timeout_ms, first_byte_timeout_ms, idle_timeout_ms, managed_by_config, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) \
         RETURNING id",
    );
    let id: Id = bind_fields(insert, &input)?
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| conflict_on_unique(e, name_taken(&input.name)))?
        .try_get("id")?;
    write_keys(
        &mut tx,
        master,
        id,
        input.api_keys.as_deref().unwrap_or_default(),
    )
    .await?;
    tx.commit().await?;
    get(pool, master, id).await
}

pub(super) async fn update(
    pool: &Pool<Db>,
    master: &MasterKey,
    id: Id,
    input: ProviderInput,
) -> Result<Provider> {
    require_name(&input.name, "provider name")?;
    let mut tx = begin(pool).await?;
    let update = sqlx::query(
        "UPDATE providers SET name = $1, vendor = $2, protocol = $3, base_url = $4, \
         auth_style = $5, enabled = $6, connect_timeout_ms = $7, first_byte_timeout_ms = $8, \
         idle_timeout_ms = $9, managed_by_config = $10, updated_at = $11 WHERE id = $12",
    );
    let updated = bind_fields(update, &input)?
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_on_unique(e, name_taken(&input.name)))?;
    touched(updated, "provider")?;
    if let Some(keys) = &input.api_keys {
        write_keys(&mut tx, master, id, keys).await?;
    }
    tx.commit().await?;
    get(pool, master, id).await
}

/// Refuses while a route still names the provider, listing those routes.
pub(super) async fn delete(pool: &Pool<Db>, id: Id) -> Result<()> {
    let mut tx = begin(pool).await?;
    let name: String = sqlx::query_scalar("SELECT name FROM providers WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("provider"))?;
    let users: Vec<(String, String)> = sqlx::query_as(
        "SELECT DISTINCT g.name, r.alias FROM route_candidates c \
         JOIN routes r ON r.id = c.route_id JOIN groups g ON g.id = r.group_id \
         WHERE c.provider_id = $1 ORDER BY g.name, r.alias",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    if !users.is_empty() {
        let routes: Vec<String> = users.iter().map(|(g, a)| format!("{g}/{a}")).collect();
        return Err(StoreError::Conflict(format!(
            "provider '{name}' is used by routes: {}",
            routes.join(", ")
        )));
    }
    sqlx::query("DELETE FROM providers WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await
        // A route that started using it since the check above (another replica).
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::Conflict(format!("provider '{name}' is used by a route"))
            }
            _ => StoreError::Database(e),
        })?;
    tx.commit().await?;
    Ok(())
}
