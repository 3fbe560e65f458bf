//! Routes and their ordered candidates.

use std::collections::HashMap;

use sqlx::{Pool, Row, Transaction};

use super::groups::ensure_exists as ensure_group;
use super::{bad_stored, begin, delete_by_id, require_name, touched, Db, DbRow, Query};
use crate::error::conflict_on_unique;
use crate::model::{Candidate, Id, Route, RouteInput, RouteMode};
use crate::{now_ms, Result, StoreError};

const SELECT: &str = "SELECT id, group_id, alias, mode, enabled, bridge, generation_path, \
     managed_by_config, created_at FROM routes";

fn from_row(row: &DbRow) -> Result<Route> {
    let mode: String = row.try_get("mode")?;
    Ok(Route {
        id: row.try_get("id")?,
        group_id: row.try_get("group_id")?,
        alias: row.try_get("alias")?,
        mode: RouteMode::parse(&mode).ok_or_else(|| bad_stored("route mode", &mode))?,
        enabled: row.try_get("enabled")?,
        bridge: row.try_get("bridge")?,
        candidates: Vec::new(),
        generation_path: row.try_get("generation_path")?,
        managed_by_config: row.try_get("managed_by_config")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Candidates of the routes selected by `filter` (`r.group_id = $1` or
/// `r.id = $1`, or all with `None`), keyed by route id, in (priority, position) order.
async fn load_candidates(
    pool: &Pool<Db>,
    filter: &str,
    value: Option<Id>,
) -> Result<HashMap<Id, Vec<Candidate>>> {
    let rows = sqlx::query(&format!(
        "SELECT c.route_id, c.provider_id, c.model, c.priority, c.weight \
         FROM route_candidates c JOIN routes r ON r.id = c.route_id \
         WHERE ($1 IS NULL OR {filter} = $1) ORDER BY c.route_id, c.priority, c.position"
    ))
    .bind(value)
    .fetch_all(pool)
    .await?;
    let mut map: HashMap<Id, Vec<Candidate>> = HashMap::new();
    for row in rows {
        let weight: i64 = row.try_get("weight")?;
        map.entry(row.try_get("route_id")?)
            .or_default()
            .push(Candidate {
                provider_id: row.try_get("provider_id")?,
                model: row.try_get("model")?,
                priority: row.try_get("priority")?,
                weight: u32::try_from(weight).unwrap_or_default(),
            });
    }
    Ok(map)
}

pub(super) async fn list(pool: &Pool<Db>, group_id: Option<Id>) -> Result<Vec<Route>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE ($1 IS NULL OR group_id = $1) ORDER BY group_id, alias"
    ))
    .bind(group_id)
    .fetch_all(pool)
    .await?;
    let mut candidates = load_candidates(pool, "r.group_id", group_id).await?;
    rows.iter()
        .map(|row| {
            let mut route = from_row(row)?;
            route.candidates = candidates.remove(&route.id).unwrap_or_default();
            Ok(route)
        })
        .collect()
}

pub(super) async fn get(pool: &Pool<Db>, id: Id) -> Result<Route> {
    let row = sqlx::query(&format!("{SELECT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound("route"))?;
    let mut route = from_row(&row)?;
    route.candidates = load_candidates(pool, "r.id", Some(id))
        .await?
        .remove(&id)
        .unwrap_or_default();
    Ok(route)
}

/// Binds `$1`..`$7`, the fields insert and update share.
fn bind_fields<'q>(query: Query<'q>, input: &'q RouteInput) -> Query<'q> {
    query
        .bind(input.group_id)
        .bind(&input.alias)
        .bind(input.mode.as_str())
        .bind(input.enabled)
        .bind(input.bridge)
        .bind(&input.generation_path)
        .bind(input.managed_by_config)
}

fn alias_taken(alias: &str) -> impl FnOnce() -> String + '_ {
    move || format!("alias '{alias}' already exists in this group")
}

/// Checks the group and every candidate's provider, then replaces the candidates.
async fn write_candidates(
    tx: &mut Transaction<'static, Db>,
    route_id: Id,
    candidates: &[Candidate],
) -> Result<()> {
    sqlx::query("DELETE FROM route_candidates WHERE route_id = $1")
        .bind(route_id)
        .execute(&mut **tx)
        .await?;
    for (position, candidate) in candidates.iter().enumerate() {
        let exists: Option<Id> = sqlx::query_scalar("SELECT id FROM providers WHERE id = $1")
            .bind(candidate.provider_id)
            .fetch_optional(&mut **tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::Invalid(format!(
                "candidate provider id {} does not exist",
                candidate.provider_id
            )));
        }
        require_name(&candidate.model, "candidate model")?;
        sqlx::query(
            "INSERT INTO route_candidates (route_id, position, provider_id, model, priority, weight) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(route_id)
        .bind(i32::try_from(position).unwrap_or(i32::MAX))
        .bind(candidate.provider_id)
        .bind(&candidate.model)
        .bind(candidate.priority)
        .bind(i64::from(candidate.weight))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

pub(super) async fn create(pool: &Pool<Db>, input: RouteInput) -> Result<Route> {
    require_name(&input.alias, "route alias")?;
    let mut tx = begin(pool).await?;
    ensure_group(&mut tx, input.group_id).await?;
    let insert = sqlx::query(
        "INSERT INTO routes (group_id, alias, mode, enabled, bridge, generation_path, \
         managed_by_config, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    );
    let id: Id = bind_fields(insert, &input)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| conflict_on_unique(e, alias_taken(&input.alias)))?
        .try_get("id")?;
    write_candidates(&mut tx, id, &input.candidates).await?;
    tx.commit().await?;
    get(pool, id).await
}

pub(super) async fn update(pool: &Pool<Db>, id: Id, input: RouteInput) -> Result<Route> {
    require_name(&input.alias, "route alias")?;
    let mut tx = begin(pool).await?;
    ensure_group(&mut tx, input.group_id).await?;
    let update = sqlx::query(
        "UPDATE routes SET group_id = $1, alias = $2, mode = $3, enabled = $4, bridge = $5, \
         generation_path = $6, managed_by_config = $7 WHERE id = $8",
    );
    let updated = bind_fields(update, &input)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_on_unique(e, alias_taken(&input.alias)))?;
    touched(updated, "route")?;
    write_candidates(&mut tx, id, &input.candidates).await?;
    tx.commit().await?;
    get(pool, id).await
}

pub(super) async fn delete(pool: &Pool<Db>, id: Id) -> Result<()> {
    delete_by_id(pool, "routes", id, "route").await
}
