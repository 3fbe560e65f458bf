//! OpenAI images (`POST /v1/images/generations`, synchronous) and videos
//! (`POST /v1/videos`, polled at `GET /v1/videos/{id}`), protocols.md §4.1.
//! Zhipu's CogView answers in the same image shape, so `parse_image` serves both.

use serde_json::{json, Map, Value};

use super::{finish, json, output, put, str_at, Call, Ctx, Progress, Reply, Task, VendorError};
use crate::job::{JobError, Status};
use crate::request::{pixels, GenRequest, Invalid, ResponseFormat};

const OPTIONS: &[&str] = &["openai"];

pub fn image(ctx: &Ctx, req: &GenRequest) -> Call {
    let mut b = Map::new();
    b.insert("model".into(), json!(ctx.upstream_model));
    b.insert("prompt".into(), json!(req.prompt_text()));
    put(&mut b, "n", req.n);
    put(&mut b, "size", req.size.as_deref());
    put(&mut b, "quality", req.quality.as_deref());
    put(&mut b, "output_format", req.output_format.as_deref());
    // gpt-image models always answer base64 and refuse the field; dall-e takes it.
    if !ctx.upstream_model.starts_with("gpt-image") {
        put(
            &mut b,
            "response_format",
            req.response_format.map(|f| match f {
                ResponseFormat::Url => "url",
                ResponseFormat::B64Json => "b64_json",
            }),
        );
    }
    Call::post(ctx.url("/v1/images/generations"), finish(b, req, OPTIONS))
}

/// `{created, data:[{url|b64_json, revised_prompt}], size?, output_format?, usage?}`.
pub fn parse_image(reply: &Reply) -> Result<Progress, VendorError> {
    let v = json(reply)?;
    let Some(data) = v.get("data").and_then(Value::as_array) else {
        return Err(VendorError::bad_body(
            reply,
            "image response without 'data'",
        ));
    };
    let (width, height) = v
        .get("size")
        .and_then(Value::as_str)
        .and_then(pixels)
        .unzip();
    let mime = v
        .get("output_format")
        .and_then(Value::as_str)
        .map(|f| format!("image/{f}"));
    let outputs: Vec<Value> = data
        .iter()
        .enumerate()
        .map(|(i, d)| {
            output(json!({
                "index": i, "type": "image",
                "url": d.get("url"), "b64_json": d.get("b64_json"),
                "mime_type": mime, "width": width, "height": height,
                "revised_prompt": d.get("revised_prompt"),
            }))
        })
        .collect();
    if outputs.is_empty() {
        return Ok(Progress::ended(
            Status::Failed,
            JobError {
                kind: "upstream_error".into(),
                code: "no_output".into(),
                message: "the upstream returned no images".into(),
                provider_code: None,
            },
        ));
    }
    let mut usage = json!({"images": outputs.len()});
    if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
        usage["upstream"] = u.clone();
    }
    Ok(Progress::succeeded(outputs, Some(usage)))
}

pub fn video(ctx: &Ctx, req: &GenRequest) -> Result<Call, Invalid> {
    if !req.inputs.is_empty() {
        // OpenAI takes reference images only as multipart file uploads.
        return Err(Invalid::new(
            "inputs",
            "OpenAI video routes take a text prompt only",
        ));
    }
    let mut b = Map::new();
    b.insert("model".into(), json!(ctx.upstream_model));
    b.insert("prompt".into(), json!(req.prompt_text()));
    put(&mut b, "seconds", req.duration.map(|d| d.to_string()));
    put(&mut b, "size", req.size.as_deref());
    Ok(Call::post(ctx.url("/v1/videos"), finish(b, req, OPTIONS)))
}

/// The Video object, from submit and from polls.
pub fn parse_video(reply: &Reply) -> Result<Progress, VendorError> {
    let v = json(reply)?;
    let Some(id) = str_at(&v, "/id") else {
        return Err(VendorError::bad_body(reply, "video response without 'id'"));
    };
    let progress = v
        .get("progress")
        .and_then(Value::as_u64)
        .map(|p| p.min(100) as u32);
    let status = match str_at(&v, "/status") {
        Some("queued") => Status::Queued,
        Some("in_progress") => Status::Running,
        Some("completed") => {
            let (width, height) = str_at(&v, "/size").and_then(pixels).unzip();
            let seconds = str_at(&v, "/seconds").and_then(|s| s.parse::<u32>().ok());
            // The bytes sit behind the provider key; Keyway serves them at
            // /v1/generations/{id}/content (the engine fills in `url`).
            let out = output(json!({
                "index": 0, "type": "video", "mime_type": "video/mp4",
                "width": width, "height": height, "duration": seconds,
                "keyway_content": true,
            }));
            let usage = seconds.map(|s| json!({"video_seconds": s}));
            return Ok(Progress::succeeded(vec![out], usage));
        }
        Some("failed") => {
            return Ok(Progress::ended(
                Status::Failed,
                JobError {
                    kind: "upstream_error".into(),
                    code: "generation_failed".into(),
                    message: str_at(&v, "/error/message")
                        .unwrap_or("the video generation failed")
                        .into(),
                    provider_code: str_at(&v, "/error/code").map(str::to_string),
                },
            ))
        }
        _ => return Err(VendorError::bad_body(reply, "unknown video status")),
    };
    Ok(Progress::Pending {
        task: Task {
            id: id.to_string(),
            state: Value::Null,
        },
        status,
        progress,
        again: false,
    })
}

/// Where the finished video's bytes are.
pub fn content_url(ctx: &Ctx, task_id: &str) -> String {
    ctx.url(&format!("/v1/videos/{task_id}/content"))
}
