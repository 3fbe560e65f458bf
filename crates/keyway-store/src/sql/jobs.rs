//! Generation jobs (image/video/3D tasks polled upstream).

use sqlx::{Pool, Row};

use super::{touched, Db, DbRow};
use crate::error::conflict_on_unique;
use crate::model::{GenerationJob, Id};
use crate::{Result, StoreError};

const SELECT: &str = "SELECT id, group_id, key_id, alias, provider_id, upstream_model, modality, \
     status, upstream_task_id, request, outputs, error, created_at, updated_at, next_poll_at, \
     deadline_at FROM generation_jobs";

/// Statuses after which a job is never polled again.
const FINAL: &str = "('succeeded', 'failed', 'canceled', 'expired')";

fn json_text(value: &serde_json::Value) -> String {
    value.to_string()
}

fn parse_json(text: &str) -> Result<serde_json::Value> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Invalid(format!("stored generation job JSON is invalid: {e}")))
}

fn from_row(row: &DbRow) -> Result<GenerationJob> {
    let request: String = row.try_get("request")?;
    let outputs: String = row.try_get("outputs")?;
    let error: Option<String> = row.try_get("error")?;
    Ok(GenerationJob {
        id: row.try_get("id")?,
        group_id: row.try_get("group_id")?,
        key_id: row.try_get("key_id")?,
        alias: row.try_get("alias")?,
        provider_id: row.try_get("provider_id")?,
        upstream_model: row.try_get("upstream_model")?,
        modality: row.try_get("modality")?,
        status: row.try_get("status")?,
        upstream_task_id: row.try_get("upstream_task_id")?,
        request: parse_json(&request)?,
        outputs: parse_json(&outputs)?,
        error: error.as_deref().map(parse_json).transpose()?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        next_poll_at: row.try_get("next_poll_at")?,
        deadline_at: row.try_get("deadline_at")?,
    })
}

pub(super) async fn insert(pool: &Pool<Db>, job: &GenerationJob) -> Result<()> {
    sqlx::query(
        "INSERT INTO generation_jobs (id, group_id, key_id, alias, provider_id, upstream_model, \
         modality, status, upstream_task_id, request, outputs, error, created_at, updated_at, \
         next_poll_at, deadline_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(&job.id)
    .bind(job.group_id)
    .bind(job.key_id)
    .bind(&job.alias)
    .bind(job.provider_id)
    .bind(&job.upstream_model)
    .bind(&job.modality)
    .bind(&job.status)
    .bind(&job.upstream_task_id)
    .bind(json_text(&job.request))
    .bind(json_text(&job.outputs))
    .bind(job.error.as_ref().map(json_text))
    .bind(job.created_at)
    .bind(job.updated_at)
    .bind(job.next_poll_at)
    .bind(job.deadline_at)
    .execute(pool)
    .await
    .map_err(|e| conflict_on_unique(e, || format!("generation job '{}' already exists", job.id)))?;
    Ok(())
}

pub(super) async fn get(pool: &Pool<Db>, id: &str) -> Result<GenerationJob> {
    let row = sqlx::query(&format!("{SELECT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound("generation job"))?;
    from_row(&row)
}

/// Replaces the job's mutable state; identity fields (group, key, alias,
/// provider, creation time) stay as inserted.
pub(super) async fn update(pool: &Pool<Db>, job: &GenerationJob) -> Result<()> {
    let updated = sqlx::query(
        "UPDATE generation_jobs SET upstream_model = $1, status = $2, upstream_task_id = $3, \
         request = $4, outputs = $5, error = $6, updated_at = $7, next_poll_at = $8, \
         deadline_at = $9 WHERE id = $10",
    )
    .bind(&job.upstream_model)
    .bind(&job.status)
    .bind(&job.upstream_task_id)
    .bind(json_text(&job.request))
    .bind(json_text(&job.outputs))
    .bind(job.error.as_ref().map(json_text))
    .bind(job.updated_at)
    .bind(job.next_poll_at)
    .bind(job.deadline_at)
    .bind(&job.id)
    .execute(pool)
    .await?;
    touched(updated, "generation job")
}

pub(super) async fn list_unfinished(pool: &Pool<Db>) -> Result<Vec<GenerationJob>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE status NOT IN {FINAL} ORDER BY created_at, id"
    ))
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Newest first.
pub(super) async fn list(pool: &Pool<Db>, group_id: Id, limit: i64) -> Result<Vec<GenerationJob>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE group_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
    ))
    .bind(group_id)
    .bind(limit.max(0))
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}
