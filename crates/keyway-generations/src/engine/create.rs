//! `POST /v1/generations`: route, submit, store.

use std::time::Duration;

use keyway_store::GenerationJob;
use secrecy::ExposeSecret;
use serde_json::{json, Value};

use super::{apply, call_upstream, internal, now_ms, Caller, LogRow};
use crate::adapters::{self, Ctx, Kind};
use crate::error::ApiError;
use crate::job::{Meta, Status};
use crate::request::{self, Invalid, Modality};
use crate::{GenState, GenTarget};

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
    // Token-billed vendors (OpenAI images, Ark) report tokens; the log keeps them.
    if let Some(usage) = &meta.usage {
        let tokens = |k: &str| {
            usage
                .get(k)
                .or_else(|| usage.pointer(&format!("/upstream/{k}")))
                .and_then(Value::as_i64)
        };
        log.row.input_tokens = tokens("input_tokens");
        log.row.output_tokens = tokens("output_tokens").or_else(|| tokens("total_tokens"));
    }
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
