//! Jobs against the store: create (submit upstream), refresh (poll upstream),
//! cancel. The HTTP handlers and the poller both come through here.

mod cancel;
mod create;
mod poll;

use std::time::{Duration, Instant};

use keyway_store::{GenerationJob, Provider, RequestLog, StoreError};
use secrecy::SecretString;
use serde_json::{json, Value};

use crate::adapters::{Call, Progress, Reply};
use crate::error::ApiError;
use crate::exec::{self, ExecError, Upstream};
use crate::job::{JobError, Meta, Status};
use crate::GenState;

pub use cancel::cancel;
pub use create::{create, json_body};
pub use poll::{refresh, wait_for};

#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub key_id: i64,
    pub group_id: i64,
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn internal(e: StoreError) -> ApiError {
    tracing::error!(error = %e, "generation job store failure");
    ApiError::Internal
}

/// One request-log row for a generation call, filled in as it goes.
pub struct LogRow {
    pub row: RequestLog,
    started: Instant,
}

impl LogRow {
    pub fn new(request_id: &str, endpoint: &str, caller: Option<Caller>) -> Self {
        LogRow {
            row: RequestLog {
                ts: now_ms(),
                request_id: request_id.to_string(),
                attempt: 1,
                key_id: caller.map(|c| c.key_id),
                group_id: caller.map(|c| c.group_id),
                client_protocol: "generations".into(),
                endpoint: endpoint.to_string(),
                ..RequestLog::default()
            },
            started: Instant::now(),
        }
    }

    pub fn finish(mut self, state: &GenState, status: u16, error: Option<&ApiError>) {
        self.row.status = i32::from(status);
        self.row.error = error.map(ToString::to_string);
        self.row.latency_ms = self.started.elapsed().as_millis() as i64;
        state.gateway.log(self.row);
    }
}

async fn call_upstream(
    state: &GenState,
    provider: &str,
    key: Option<&SecretString>,
    timeouts: keyway_store::Timeouts,
    call: &Call,
) -> Result<Reply, ExecError> {
    let up = Upstream {
        provider,
        api_key: key,
        timeouts,
        max_body: state.config.max_body_bytes,
    };
    exec::run(&state.http, &up, call).await
}

/// Folds an adapter's progress into the job.
fn apply(state: &GenState, job: &mut GenerationJob, meta: &mut Meta, progress: Progress, now: i64) {
    job.updated_at = now;
    match progress {
        Progress::Done {
            status,
            outputs,
            usage,
            error,
        } => {
            job.status = status.as_str().to_string();
            job.outputs = Value::Array(content_urls(&job.id, outputs));
            job.error = error.map(|e| serde_json::to_value(e).unwrap_or(Value::Null));
            meta.usage = usage;
            meta.completed_at = Some(now);
            meta.progress = (status == Status::Succeeded)
                .then_some(100)
                .or(meta.progress);
            job.next_poll_at = None;
        }
        Progress::Pending {
            task,
            status,
            progress,
            again,
        } => {
            if job.upstream_task_id.is_none() && !task.id.is_empty() {
                job.upstream_task_id = Some(task.id);
            }
            job.status = status.as_str().to_string();
            meta.task_state = task.state;
            meta.progress = progress.or(meta.progress);
            let delay = if again {
                Duration::ZERO
            } else {
                backoff(state, meta.polls)
            };
            job.next_poll_at = Some(now + delay.as_millis() as i64);
        }
    }
}

/// Outputs whose bytes Keyway serves (OpenAI video) get a Keyway URL.
fn content_urls(job_id: &str, outputs: Vec<Value>) -> Vec<Value> {
    outputs
        .into_iter()
        .enumerate()
        .map(|(i, mut o)| {
            if let Some(obj) = o.as_object_mut() {
                if obj.remove("keyway_content").is_some() {
                    obj.insert(
                        "url".into(),
                        json!(format!("/v1/generations/{job_id}/content?index={i}")),
                    );
                }
            }
            o
        })
        .collect()
}

/// Delay before the next poll: doubling from `poll_initial` to `poll_max`, ±10 % jitter.
fn backoff(state: &GenState, polls: u32) -> Duration {
    let base = state
        .config
        .poll_initial
        .saturating_mul(1u32 << polls.min(16))
        .min(state.config.poll_max);
    let jitter = rand::random::<f64>() * 0.2 - 0.1;
    base.mul_f64(1.0 + jitter)
}

/// A job of the caller's group, or 404 (also for other groups' jobs).
pub async fn load(state: &GenState, caller: Caller, id: &str) -> Result<GenerationJob, ApiError> {
    match state.store.get_job(id).await {
        Ok(job) if job.group_id == caller.group_id => Ok(job),
        Ok(_) | Err(StoreError::NotFound(_)) => Err(ApiError::JobNotFound(id.to_string())),
        Err(e) => Err(internal(e)),
    }
}

/// The provider a job was submitted to, with the key it used.
async fn provider_of(
    state: &GenState,
    job: &GenerationJob,
) -> Result<(Provider, Option<SecretString>), StoreError> {
    let p = state.store.get_provider(job.provider_id).await?;
    let idx = Meta::of(job).key_index;
    let key = p.api_keys.get(idx).or_else(|| p.api_keys.first()).cloned();
    Ok((p, key))
}

fn fail(job: &mut GenerationJob, meta: &mut Meta, now: i64, error: JobError) {
    job.status = Status::Failed.as_str().to_string();
    job.error = serde_json::to_value(error).ok();
    job.updated_at = now;
    job.next_poll_at = None;
    meta.completed_at = Some(now);
}

async fn save(
    state: &GenState,
    mut job: GenerationJob,
    meta: Meta,
) -> Result<GenerationJob, StoreError> {
    job.request = meta.to_value();
    state.store.update_job(&job).await?;
    if Status::parse(&job.status).is_some_and(Status::is_final) {
        state.local.forget(&job.id);
    }
    Ok(job)
}

impl JobError {
    pub fn internal(message: &str) -> Self {
        JobError {
            kind: "upstream_error".into(),
            code: "internal".into(),
            message: message.to_string(),
            provider_code: None,
        }
    }
}
