//! `POST /v1/images/generations`: the OpenAI images API on top of the
//! generation engine, so `client.images.generate(...)` of the OpenAI SDK
//! works on any image route. The call is synchronous: asynchronous vendors
//! (DashScope Wan) are polled until the job finishes.

use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::HeaderMap;
use serde_json::{json, Map, Value};

use crate::engine::{self, LogRow};
use crate::error::ApiError;
use crate::job::{JobError, Status};
use crate::request::Invalid;
use crate::routes::{authenticate, read_body, with_request_id};
use crate::GenState;

/// OpenAI fields with a unified equivalent; the rest go to OpenAI upstreams only.
const MAPPED: &[&str] = &[
    "model",
    "prompt",
    "n",
    "size",
    "quality",
    "response_format",
    "output_format",
];

/// The OpenAI images request as a unified generation request.
pub fn to_unified(openai: &Value) -> Result<Value, Invalid> {
    let Some(obj) = openai.as_object() else {
        return Err(Invalid {
            message: "request body must be a JSON object".into(),
            param: None,
        });
    };
    if obj.get("stream").and_then(Value::as_bool) == Some(true) {
        return Err(Invalid::new(
            "stream",
            "streaming image generation is not supported",
        ));
    }
    let mut out = Map::new();
    for key in MAPPED {
        if let Some(v) = obj.get(*key).filter(|v| !v.is_null()) {
            out.insert((*key).to_string(), v.clone());
        }
    }
    // "auto" means "let the model choose": the same as leaving it out.
    for key in ["size", "quality"] {
        if out.get(key).and_then(Value::as_str) == Some("auto") {
            out.remove(key);
        }
    }
    out.insert("modality".into(), json!("image"));
    let rest: Map<String, Value> = obj
        .iter()
        .filter(|(k, v)| !MAPPED.contains(&k.as_str()) && !v.is_null())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !rest.is_empty() {
        out.insert("provider_options".into(), json!({"openai": rest}));
    }
    Ok(Value::Object(out))
}

/// A finished job as an OpenAI `ImagesResponse`.
pub fn to_openai(created_ms: i64, outputs: &Value) -> Value {
    let data: Vec<Value> = outputs
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| {
            let mut d = Map::new();
            for key in ["url", "b64_json", "revised_prompt"] {
                if let Some(v) = o.get(key) {
                    d.insert(key.into(), v.clone());
                }
            }
            Value::Object(d)
        })
        .collect();
    json!({"created": created_ms.div_euclid(1000), "data": data})
}

pub async fn images(State(state): State<GenState>, headers: HeaderMap, body: Body) -> Response {
    let rid = crate::routes::new_request_id();
    let caller = match authenticate(&state, &headers) {
        Ok(c) => c,
        Err(e) => return with_request_id(e.into_response(), &rid),
    };
    let mut log = LogRow::new(&rid, "/v1/images/generations", Some(caller));
    let result = async {
        let body = read_body(body).await?;
        let original = engine::json_body(&body)?;
        let unified = to_unified(&original)?;
        let job = engine::create(&state, caller, unified, Some(original), &mut log).await?;
        let wait = state.config.deadline_image;
        let job = engine::wait_for(&state, job, wait, |_| false).await?;
        let provider = log.row.provider.clone().unwrap_or_default();
        match Status::parse(&job.status) {
            Some(Status::Succeeded) => Ok(to_openai(job.created_at, &job.outputs)),
            Some(Status::Queued | Status::Running) => Err(ApiError::UpstreamTimeout {
                provider,
                detail: format!(
                    "image still running; follow it at GET /v1/generations/{}",
                    job.id
                ),
            }),
            _ => {
                let e: Option<JobError> = job
                    .error
                    .clone()
                    .and_then(|e| serde_json::from_value(e).ok());
                let e = e.unwrap_or_else(|| {
                    JobError::internal(&format!("the job ended {}", job.status))
                });
                Err(ApiError::from_job_error(&provider, &e))
            }
        }
    }
    .await;
    let resp = match result {
        Ok(v) => {
            log.finish(&state, 200, None);
            Json(v).into_response()
        }
        Err(e) => {
            log.finish(&state, e.status().as_u16(), Some(&e));
            e.into_response()
        }
    };
    with_request_id(resp, &rid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openai_request_maps_to_unified() {
        let u = to_unified(&json!({
            "model": "draw", "prompt": "a cat", "n": 2, "size": "auto", "quality": "hd",
            "response_format": "b64_json", "style": "vivid", "user": "u1", "background": null
        }))
        .unwrap();
        assert_eq!(
            u,
            json!({
                "model": "draw", "prompt": "a cat", "n": 2, "quality": "hd",
                "response_format": "b64_json", "modality": "image",
                "provider_options": {"openai": {"style": "vivid", "user": "u1"}}
            })
        );
        assert_eq!(
            to_unified(&json!({"model": "m", "prompt": "p", "stream": true}))
                .unwrap_err()
                .param
                .as_deref(),
            Some("stream")
        );
    }

    #[test]
    fn outputs_map_to_images_response() {
        let r = to_openai(
            1_700_000_000_500,
            &json!([
                {"index": 0, "type": "image", "url": "https://x/0.png", "width": 5},
                {"index": 1, "type": "image", "b64_json": "AAAA", "revised_prompt": "p"}
            ]),
        );
        assert_eq!(
            r,
            json!({"created": 1_700_000_000, "data": [
                {"url": "https://x/0.png"}, {"b64_json": "AAAA", "revised_prompt": "p"}
            ]})
        );
    }
}
