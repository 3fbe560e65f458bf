//! Following upstream tasks: one refresh per call, and the long-poll loop.

use std::time::{Duration, Instant};

use keyway_store::{GenerationJob, StoreError};

use super::{apply, backoff, call_upstream, fail, internal, now_ms, provider_of, save};
use crate::adapters::{self, Ctx, Kind, Progress, Task};
use crate::error::ApiError;
use crate::job::{JobError, Meta, Status};
use crate::GenState;

/// Polls the upstream once (more when an adapter needs a follow-up call) and
/// stores what it says. Transient failures keep the job and back off; the
/// deadline fails it.
pub async fn refresh(state: &GenState, id: &str) -> Result<GenerationJob, StoreError> {
    let lock = state.local.lock_for(id);
    let _held = lock.lock().await;
    let mut job = state.store.get_job(id).await?;
    let status = Status::parse(&job.status).unwrap_or(Status::Failed);
    if status.is_final() {
        return Ok(job);
    }
    let mut meta = Meta::of(&job);
    let now = now_ms();
    let kind = Kind::from_name(&meta.adapter).filter(|k| !k.is_sync());
    let (Some(kind), Some(task_id)) = (kind, job.upstream_task_id.clone()) else {
        fail(
            &mut job,
            &mut meta,
            now,
            JobError::internal("the job has no upstream task to follow"),
        );
        return save(state, job, meta).await;
    };
    if job.deadline_at.is_some_and(|d| now >= d) {
        let secs = (now - job.created_at) / 1000;
        fail(
            &mut job,
            &mut meta,
            now,
            JobError::timeout(format!("the upstream did not finish within {secs} s")),
        );
        return save(state, job, meta).await;
    }
    let (provider, key) = match provider_of(state, &job).await {
        Ok(p) => p,
        Err(StoreError::NotFound(_)) => {
            fail(
                &mut job,
                &mut meta,
                now,
                JobError::internal("the job's provider was deleted"),
            );
            return save(state, job, meta).await;
        }
        Err(e) => return Err(e),
    };
    let upstream_model = job.upstream_model.clone();
    let ctx = Ctx {
        base_url: &provider.base_url,
        upstream_model: &upstream_model,
        generation_path: None,
    };
    let mut task = Task {
        id: task_id,
        state: meta.task_state.clone(),
    };
    // A follow-up call (MiniMax files/retrieve) runs at once, a few at most.
    for _ in 0..3 {
        let Some(call) = adapters::poll(kind, &ctx, &task) else {
            break;
        };
        let result = call_upstream(
            state,
            &provider.name,
            key.as_ref(),
            poll_timeouts(provider.timeouts),
            &call,
        )
        .await;
        state.local.mark_polled(id);
        let now = now_ms();
        let progress = match result {
            Err(e) => Err((true, e.to_string(), None)),
            Ok(reply) => adapters::parse_poll(kind, &task, &reply)
                .map_err(|e| (e.is_transient(), e.message.clone(), Some(e))),
        };
        match progress {
            Ok(p) => {
                let again = matches!(p, Progress::Pending { again: true, .. });
                if let Progress::Pending { task: t, .. } = &p {
                    task.state = t.state.clone();
                }
                meta.polls += 1;
                meta.last_poll_error = None;
                apply(state, &mut job, &mut meta, p, now);
                if !again {
                    break;
                }
            }
            Err((true, message, _)) => {
                tracing::warn!(job = %job.id, provider = %provider.name, error = %message, "generation poll failed; will retry");
                meta.polls += 1;
                meta.last_poll_error = Some(message);
                job.next_poll_at = Some(now + backoff(state, meta.polls).as_millis() as i64);
                break;
            }
            Err((false, _, Some(e))) => {
                fail(&mut job, &mut meta, now, e.to_job_error());
                break;
            }
            Err((false, message, None)) => {
                fail(&mut job, &mut meta, now, JobError::internal(&message));
                break;
            }
        }
    }
    save(state, job, meta).await
}

/// Returns the job once `done(job)` holds or `wait` has passed, polling the
/// upstream at most once per `get_cache`.
pub async fn wait_for(
    state: &GenState,
    mut job: GenerationJob,
    wait: Duration,
    done: impl Fn(&GenerationJob) -> bool,
) -> Result<GenerationJob, ApiError> {
    let until = Instant::now() + wait.min(state.config.max_wait);
    let settled =
        |j: &GenerationJob| Status::parse(&j.status).is_some_and(Status::is_final) || done(j);
    loop {
        if settled(&job) {
            return Ok(job);
        }
        // At most one upstream poll per pass, and per `get_cache` per job.
        if !state.local.polled_within(&job.id, state.config.get_cache) {
            job = refresh(state, &job.id).await.map_err(internal)?;
            if settled(&job) {
                return Ok(job);
            }
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(job);
        }
        let nap = (state.config.get_cache / 2).max(Duration::from_millis(10));
        tokio::time::sleep(left.min(nap)).await;
        if !state.local.polled_within(&job.id, state.config.get_cache) {
            continue;
        }
        // Another request or the poller polled meanwhile: read what it stored.
        job = state.store.get_job(&job.id).await.map_err(internal)?;
    }
}

/// A status query is small and quick; a hung one must not hold a poller
/// slot for the provider's whole first-byte budget (300 s by default).
fn poll_timeouts(t: keyway_store::Timeouts) -> keyway_store::Timeouts {
    const CAP_MS: u64 = 30_000;
    keyway_store::Timeouts {
        connect_ms: t.connect_ms.min(CAP_MS),
        first_byte_ms: t.first_byte_ms.min(CAP_MS),
        idle_ms: t.idle_ms.min(CAP_MS),
    }
}
