//! The SQL both backends share. This directory is compiled twice — inside
//! `sqlite` and inside `postgres`, via `#[path]` — each time against that
//! backend's concrete `Db`, so every query is written once without generic
//! `sqlx` bounds. Both backends accept `$n` placeholders. The including module
//! provides `Db`, `BackendStore` (with `pool`, `master`, `changes`,
//! `announce_change` and `db_size`), `BACKEND` and `begin`.

mod admin;
mod groups;
mod jobs;
mod keys;
mod logs;
mod providers;
mod routes;
mod sentinel;
mod store_impl;

use super::{begin, BackendStore, Db, BACKEND};

pub(super) use sentinel::check_master_key;

type DbRow = <Db as sqlx::Database>::Row;
type Query<'q> = sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments<'q>>;

use crate::error::StoreError;
use crate::Result;

/// `NotFound(what)` when a statement touched no row.
fn touched(result: <Db as sqlx::Database>::QueryResult, what: &'static str) -> Result<()> {
    if result.rows_affected() == 0 {
        return Err(StoreError::NotFound(what));
    }
    Ok(())
}

/// Deletes row `id` of `table`; dependent rows follow by foreign-key cascade.
async fn delete_by_id(
    pool: &sqlx::Pool<Db>,
    table: &str,
    id: crate::model::Id,
    what: &'static str,
) -> Result<()> {
    let result = sqlx::query(&format!("DELETE FROM {table} WHERE id = $1"))
        .bind(id)
        .execute(pool)
        .await?;
    touched(result, what)
}

/// An `i32`/`i64` SQL value as the unsigned Rust type the model uses.
fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or_default()
}

/// An unsigned model value as the `i64` both databases store.
fn to_i64(v: u64, what: &str) -> Result<i64> {
    i64::try_from(v).map_err(|_| StoreError::Invalid(format!("{what} is too large")))
}

fn require_name(value: &str, what: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(StoreError::Invalid(format!("{what} must not be empty")));
    }
    Ok(())
}

fn bad_stored(what: &str, value: &str) -> StoreError {
    StoreError::Invalid(format!("stored {what} '{value}' is not recognised"))
}
