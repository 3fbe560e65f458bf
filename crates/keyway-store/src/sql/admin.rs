//! Admin users and the small settings table.

use sqlx::{Pool, Row};

use super::{require_name, touched, Db, DbRow};
use crate::error::conflict_on_unique;
use crate::model::AdminUser;
use crate::{now_ms, Result};

fn user_from_row(row: &DbRow) -> Result<AdminUser> {
    Ok(AdminUser {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        password_hash: row.try_get("password_hash")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(super) async fn get_user(pool: &Pool<Db>, username: &str) -> Result<Option<AdminUser>> {
    let row = sqlx::query(
        "SELECT id, username, password_hash, created_at FROM admin_users WHERE username = $1",
    )
    .bind(username)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(user_from_row).transpose()
}

pub(super) async fn create_user(
    pool: &Pool<Db>,
    username: &str,
    password_hash: &str,
) -> Result<AdminUser> {
    require_name(username, "username")?;
    let row = sqlx::query(
        "INSERT INTO admin_users (username, password_hash, created_at) VALUES ($1, $2, $3) \
         RETURNING id, username, password_hash, created_at",
    )
    .bind(username)
    .bind(password_hash)
    .bind(now_ms())
    .fetch_one(pool)
    .await
    .map_err(|e| conflict_on_unique(e, || format!("username '{username}' already exists")))?;
    user_from_row(&row)
}

pub(super) async fn set_password(
    pool: &Pool<Db>,
    username: &str,
    password_hash: &str,
) -> Result<()> {
    let updated = sqlx::query("UPDATE admin_users SET password_hash = $1 WHERE username = $2")
        .bind(password_hash)
        .bind(username)
        .execute(pool)
        .await?;
    touched(updated, "admin user")
}

pub(super) async fn get_setting(pool: &Pool<Db>, key: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(pool)
            .await?,
    )
}

pub(super) async fn set_setting(pool: &Pool<Db>, key: &str, value: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(pool)
    .await?;
    Ok(())
}
