//! Jobs against the store: create (submit upstream), refresh (poll upstream),
//! cancel. The HTTP handlers and the poller both come through here.

use std::time::{Duration, Instant};

use keyway_store::{GenerationJob, Provider, RequestLog, StoreError};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

use crate::adapters::{self, Call, Ctx, Kind, Progress, Reply, Task};
use crate::error::ApiError;
use crate::exec::{self, ExecError, Upstream};
use crate::job::{JobError, Meta, Status};
use crate::request::{self, Invalid, Modality};
use crate::{GenState, GenTarget};

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

fn deadline(state: &GenState, modality: Modality) -> Duration {
    match modality {
        Modality::Image => state.config.deadline_image,
        Modality::Video => state.config.deadline_video,
        Modality::Model3d => state.config.deadline_3d,
    }
}

fn new_job_id() -> String {
    format!("gen_{}", uuid::Uuid::new_v4().simple())
}

/// Parses a body into a JSON object.
pub fn json_body(body: &[u8]) -> Result<Value, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| Invalid {
        message: format!("request body is not valid JSON: {e}"),
        param: None,
    })?;
    if !value.is_object() {
        return Err(Invalid {
            message: "request body must be a JSON object".into(),
            param: None,
        }
        .into());
    }
    Ok(value)
}

/// Routes, submits and stores a job; `custom_body` is what a `custom`
/// provider receives instead of `value` (the shim forwards the OpenAI body). Request-time failures
/// (validation, routing, the vendor refusing the submit) create no job.
pub async fn create(
    state: &GenState,
    caller: Caller,
    value: Value,
    custom_body: Option<Value>,
    log: &mut LogRow,
) -> Result<GenerationJob, ApiError> {
    let alias = request::model_of(&value)?;
    log.row.alias = Some(alias.clone());
    let target = state
        .gateway
        .resolve(caller.group_id, &alias)
        .map_err(|_| ApiError::ModelNotFound(alias.clone()))?;
    log.row.provider = Some(target.provider_name.clone());
    log.row.upstream_model = Some(target.upstream_model.clone());
    let ctx = Ctx {
        base_url: &target.base_url,
        upstream_model: &target.upstream_model,
        generation_path: target.generation_path.as_deref(),
    };
    let (kind, call, modality, metadata) = if target.vendor == "custom" {
        let modality = value
            .get("modality")
            .and_then(Value::as_str)
            .and_then(Modality::parse)
            .unwrap_or(Modality::Image);
        let call = adapters::submit_custom(&ctx, custom_body.unwrap_or_else(|| value.clone()))?;
        (Kind::Custom, call, modality, None)
    } else {
        let req = request::from_value(value.clone())?;
        let kind = adapters::select(&target.vendor, &target.upstream_model, req.modality)?;
        let call = adapters::submit(kind, &ctx, &req)?;
        (kind, call, kind.modality(), req.metadata.clone())
    };

    let reply = call_upstream(
        state,
        &target.provider_name,
        target.api_key.as_ref(),
        target.timeouts,
        &call,
    )
    .await
    .map_err(|e| {
        log.row.upstream_error = Some(e.to_string());
        ApiError::from_exec(&e)
    })?;
    log.row.upstream_status = Some(i32::from(reply.status));
    let progress = adapters::parse_submit(kind, &reply).map_err(|e| {
        log.row.upstream_error = Some(e.message.clone());
        ApiError::from_vendor(&target.provider_name, &e)
    })?;

    let now = now_ms();
    let key_index = if kind.is_sync() {
        0
    } else {
        key_index(state, &target).await
    };
    let mut job = GenerationJob {
        id: new_job_id(),
        group_id: caller.group_id,
        key_id: Some(caller.key_id),
        alias,
        provider_id: target.provider_id,
        upstream_model: target.upstream_model.clone(),
        modality: modality.as_str().to_string(),
        status: Status::Queued.as_str().to_string(),
        upstream_task_id: None,
        request: Value::Null,
        outputs: json!([]),
        error: None,
        created_at: now,
        updated_at: now,
        next_poll_at: None,
        deadline_at: Some(now + deadline(state, modality).as_millis() as i64),
    };
    let mut meta = Meta {
        params: value,
        adapter: kind.name().to_string(),
        key_index,
        metadata,
        ..Meta::default()
    };
    apply(state, &mut job, &mut meta, progress, now);
    job.request = meta.to_value();
    state.store.insert_job(&job).await.map_err(internal)?;
    if let Some(e) = &job.error {
        log.row.upstream_error = e.get("message").and_then(Value::as_str).map(str::to_string);
    }
    Ok(job)
}

/// Which of the provider's keys the target carries, so polls use the same account.
async fn key_index(state: &GenState, target: &GenTarget) -> usize {
    let (Some(key), Ok(p)) = (
        target.api_key.as_ref(),
        state.store.get_provider(target.provider_id).await,
    ) else {
        return 0;
    };
    p.api_keys
        .iter()
        .position(|k| k.expose_secret() == key.expose_secret())
        .unwrap_or(0)
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
            provider.timeouts,
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
    adapters::parse_cancel(&reply).map_err(|e| ApiError::from_vendor(&provider.name, &e))?;
    let now = now_ms();
    job.status = Status::Canceled.as_str().to_string();
    job.updated_at = now;
    job.next_poll_at = None;
    meta.completed_at = Some(now);
    job.request = meta.to_value();
    state.store.update_job(&job).await.map_err(internal)?;
    Ok(job)
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
