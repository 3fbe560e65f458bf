//! Groups: the isolation boundary owning routes and keys.

use sqlx::{Pool, Row};

use super::{delete_by_id, require_name, Db, DbRow};
use crate::error::conflict_on_unique;
use crate::model::{Group, Id};
use crate::{now_ms, Result, StoreError};

const SELECT: &str = "SELECT id, name, managed_by_config, created_at FROM groups";

fn from_row(row: &DbRow) -> Result<Group> {
    Ok(Group {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        managed_by_config: row.try_get("managed_by_config")?,
        created_at: row.try_get("created_at")?,
    })
}

fn name_taken(name: &str) -> impl FnOnce() -> String + '_ {
    move || format!("group name '{name}' already exists")
}

pub(super) async fn list(pool: &Pool<Db>) -> Result<Vec<Group>> {
    let rows = sqlx::query(&format!("{SELECT} ORDER BY id"))
        .fetch_all(pool)
        .await?;
    rows.iter().map(from_row).collect()
}

pub(super) async fn get(pool: &Pool<Db>, id: Id) -> Result<Group> {
    let row = sqlx::query(&format!("{SELECT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound("group"))?;
    from_row(&row)
}

pub(super) async fn create(pool: &Pool<Db>, name: &str, managed_by_config: bool) -> Result<Group> {
    require_name(name, "group name")?;
    let row = sqlx::query(
        "INSERT INTO groups (name, managed_by_config, created_at) VALUES ($1, $2, $3) \
         RETURNING id, name, managed_by_config, created_at",
    )
    .bind(name)
    .bind(managed_by_config)
    .bind(now_ms())
    .fetch_one(pool)
    .await
    .map_err(|e| conflict_on_unique(e, name_taken(name)))?;
    from_row(&row)
}

pub(super) async fn rename(pool: &Pool<Db>, id: Id, name: &str) -> Result<Group> {
    require_name(name, "group name")?;
    let row = sqlx::query(
        "UPDATE groups SET name = $1 WHERE id = $2 \
         RETURNING id, name, managed_by_config, created_at",
    )
    .bind(name)
    .bind(id)
    .fetch_optional(pool)
    .await
    .map_err(|e| conflict_on_unique(e, name_taken(name)))?
    .ok_or(StoreError::NotFound("group"))?;
    from_row(&row)
}

/// Routes (with their candidates) and keys go with the group, by foreign-key
/// cascade; logs and generation jobs keep the bare id.
pub(super) async fn delete(pool: &Pool<Db>, id: Id) -> Result<()> {
    delete_by_id(pool, "groups", id, "group").await
}

/// `NotFound("group")` unless the group exists (checked inside `tx`).
pub(super) async fn ensure_exists(
    conn: &mut <Db as sqlx::Database>::Connection,
    id: Id,
) -> Result<()> {
    let found: Option<Id> = sqlx::query_scalar("SELECT id FROM groups WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    found.map(|_| ()).ok_or(StoreError::NotFound("group"))
}
