//! `POST /v1/generations/{id}/cancel`, where the vendor has a cancel call.

use keyway_store::GenerationJob;

use super::{call_upstream, internal, load, now_ms, provider_of, Caller};
use crate::adapters::{self, Ctx, ErrorKind, Kind, Task};
use crate::error::ApiError;
use crate::job::{Meta, Status};
use crate::GenState;

/// Asks the vendor to cancel. 409 when the job is final or the vendor cannot.
pub async fn cancel(state: &GenState, caller: Caller, id: &str) -> Result<GenerationJob, ApiError> {
    let lock = state.local.lock_for(id);
    let _held = lock.lock().await;
    let mut job = load(state, caller, id).await?;
    let status = Status::parse(&job.status).unwrap_or(Status::Failed);
    if status.is_final() {
        return Err(ApiError::NotCancelable(format!(
            "generation '{id}' is already {}",
            status.as_str()
        )));
    }
    let mut meta = Meta::of(&job);
    let kind = Kind::from_name(&meta.adapter);
    let (provider, key) = provider_of(state, &job).await.map_err(internal)?;
    let ctx = Ctx {
        base_url: &provider.base_url,
        upstream_model: &job.upstream_model,
        generation_path: None,
    };
    let call = match (kind, &job.upstream_task_id) {
        (Some(kind), Some(task_id)) => adapters::cancel(
            kind,
            &ctx,
            &Task {
                id: task_id.clone(),
                state: meta.task_state.clone(),
            },
        ),
        _ => None,
    };
    let Some(call) = call else {
        return Err(ApiError::NotCancelable(format!(
            "{} generations cannot be canceled",
            provider.vendor
        )));
    };
    let reply = call_upstream(
        state,
        &provider.name,
        key.as_ref(),
        provider.timeouts,
        &call,
    )
    .await
    .map_err(|e| ApiError::from_exec(&e))?;
    adapters::parse_cancel(&reply).map_err(|e| match e.kind {
        // Vendors cancel only queued tasks; a refusal means "too late".
        ErrorKind::InvalidRequest => ApiError::NotCancelable(format!(
            "upstream {} refused to cancel: {}",
            provider.name, e.message
        )),
        _ => ApiError::from_vendor(&provider.name, &e),
    })?;
    let now = now_ms();
    job.status = Status::Canceled.as_str().to_string();
    job.updated_at = now;
    job.next_poll_at = None;
    meta.completed_at = Some(now);
    job.request = meta.to_value();
    state.store.update_job(&job).await.map_err(internal)?;
    Ok(job)
}
