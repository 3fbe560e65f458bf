//! Volcengine Ark: Seedream images (`POST /api/v3/images/generations`,
//! synchronous) and content-generation tasks for Seedance video and Seed3D
//! (`POST /api/v3/contents/generations/tasks`, polled by id), protocols.md §4.4.

use serde_json::{json, Map, Value};

use super::{finish, json, output, put, str_at, Call, Ctx, Progress, Reply, VendorError};
use crate::job::{JobError, Status};
use crate::request::{GenRequest, Invalid, MediaType, Modality, ResponseFormat, Role};

const OPTIONS: &[&str] = &["volcengine", "ark"];

pub fn image(ctx: &Ctx, req: &GenRequest) -> Call {
    let mut b = Map::new();
    b.insert("model".into(), json!(ctx.upstream_model));
    b.insert("prompt".into(), json!(req.prompt_text()));
    let refs: Vec<&str> = req.images().map(|i| i.url.as_str()).collect();
    match refs.as_slice() {
        [] => {}
        [one] => {
            b.insert("image".into(), json!(one));
        }
        many => {
            b.insert("image".into(), json!(many));
        }
    }
    // Seedream takes exact pixels or a tier such as "2K".
    let size = req
        .size
        .clone()
        .or_else(|| req.resolution.as_deref().map(str::to_ascii_uppercase));
    put(&mut b, "size", size);
    put(
        &mut b,
        "response_format",
        req.response_format.map(|f| match f {
            ResponseFormat::Url => "url",
            ResponseFormat::B64Json => "b64_json",
        }),
    );
    put(&mut b, "seed", req.seed);
    put(&mut b, "watermark", req.watermark);
    put(&mut b, "output_format", req.output_format.as_deref());
    if let Some(n) = req.n.filter(|n| *n > 1) {
        b.insert("sequential_image_generation".into(), json!("auto"));
        b.insert(
            "sequential_image_generation_options".into(),
            json!({"max_images": n}),
        );
    }
    Call::post(
        ctx.url("/api/v3/images/generations"),
        finish(b, req, OPTIONS),
    )
}

/// `{model, created_at, data:[{url|b64_json, size}], usage:{generated_images, output_tokens, total_tokens}}`.
pub fn parse_image(reply: &Reply) -> Result<Progress, VendorError> {
    let v = json(reply)?;
    let Some(data) = v.get("data").and_then(Value::as_array) else {
        return Err(VendorError::bad_body(
            reply,
            "image response without 'data'",
        ));
    };
    let outputs: Vec<Value> = data
        .iter()
        .filter(|d| d.get("url").is_some() || d.get("b64_json").is_some())
        .enumerate()
        .map(|(i, d)| {
            let (w, h) = d
                .get("size")
                .and_then(Value::as_str)
                .and_then(crate::request::pixels)
                .unzip();
            output(json!({
                "index": i, "type": "image", "url": d.get("url"), "b64_json": d.get("b64_json"),
                "width": w, "height": h,
            }))
        })
        .collect();
    if outputs.is_empty() {
        let err = data.iter().find_map(|d| d.get("error"));
        return Ok(Progress::ended(
            Status::Failed,
            JobError {
                kind: "upstream_error".into(),
                code: "no_output".into(),
                message: err
                    .and_then(|e| str_at(e, "/message"))
                    .unwrap_or("the upstream returned no images")
                    .into(),
                provider_code: err.and_then(|e| str_at(e, "/code")).map(str::to_string),
            },
        ));
    }
    let mut usage = json!({"images": outputs.len()});
    if let Some(t) = v.pointer("/usage/total_tokens") {
        usage["total_tokens"] = t.clone();
    }
    Ok(Progress::succeeded(outputs, Some(usage)))
}

pub fn task(ctx: &Ctx, req: &GenRequest, modality: Modality) -> Result<Call, Invalid> {
    let mut content = Vec::new();
    let mut b = Map::new();
    b.insert("model".into(), json!(ctx.upstream_model));
    if modality == Modality::Model3d {
        let Some(image) = req.images().next() else {
            return Err(Invalid::new("inputs", "Seed3D needs an image in 'inputs'"));
        };
        let format = req.output_format.as_deref().unwrap_or("glb");
        let level = match req.quality.as_deref() {
            Some("draft") => "low",
            Some("high") => "high",
            _ => "medium",
        };
        let mut text = format!("--subdivisionlevel {level} --fileformat {format}");
        if let Some(p) = req.prompt.as_deref().filter(|p| !p.is_empty()) {
            text = format!("{p} {text}");
        }
        content.push(json!({"type": "text", "text": text}));
        content.push(json!({"type": "image_url", "image_url": {"url": image.url}}));
    } else {
        if let Some(p) = req.prompt.as_deref().filter(|p| !p.is_empty()) {
            content.push(json!({"type": "text", "text": p}));
        }
        for input in &req.inputs {
            content.push(match input.kind {
                MediaType::Image => {
                    let role = match input.role {
                        Some(Role::FirstFrame) => "first_frame",
                        Some(Role::LastFrame) => "last_frame",
                        _ => "reference_image",
                    };
                    json!({"type": "image_url", "image_url": {"url": input.url}, "role": role})
                }
                MediaType::Video => json!({"type": "video_url", "video_url": {"url": input.url}}),
                MediaType::Audio => json!({"type": "audio_url", "audio_url": {"url": input.url}}),
            });
        }
        put(&mut b, "resolution", req.resolution.as_deref());
        put(&mut b, "ratio", req.aspect_ratio.as_deref());
        put(&mut b, "duration", req.duration);
        put(&mut b, "seed", req.seed);
        put(&mut b, "watermark", req.watermark);
        put(&mut b, "generate_audio", req.generate_audio);
    }
    b.insert("content".into(), Value::Array(content));
    Ok(Call::post(
        ctx.url("/api/v3/contents/generations/tasks"),
        finish(b, req, OPTIONS),
    ))
}

/// `{"id":"cgt-…"}`.
pub fn parse_submit(reply: &Reply) -> Result<Progress, VendorError> {
    let v = json(reply)?;
    match str_at(&v, "/id") {
        Some(id) => Ok(Progress::pending(id, Status::Queued)),
        None => Err(VendorError::bad_body(reply, "task response without 'id'")),
    }
}

/// `{id, status, content:{video_url|file_url, last_frame_url}, usage, error, duration, framespersecond}`.
pub fn parse_task(reply: &Reply) -> Result<Progress, VendorError> {
    let v = json(reply)?;
    let id = str_at(&v, "/id").unwrap_or_default();
    let ended = |status: Status, code: &str, default: &str| {
        Progress::ended(
            status,
            JobError {
                kind: "upstream_error".into(),
                code: code.into(),
                message: str_at(&v, "/error/message").unwrap_or(default).into(),
                provider_code: str_at(&v, "/error/code").map(str::to_string),
            },
        )
    };
    match str_at(&v, "/status") {
        Some("queued") => Ok(Progress::pending(id, Status::Queued)),
        Some("running") => Ok(Progress::pending(id, Status::Running)),
        Some("succeeded") => succeeded(&v, reply),
        Some("failed") => Ok(ended(
            Status::Failed,
            "generation_failed",
            "the task failed",
        )),
        Some("cancelled") => Ok(ended(Status::Canceled, "canceled", "the task was canceled")),
        Some("expired") => Ok(ended(
            Status::Expired,
            "expired",
            "the task expired upstream",
        )),
        _ => Err(VendorError::bad_body(reply, "unknown task status")),
    }
}

fn succeeded(v: &Value, reply: &Reply) -> Result<Progress, VendorError> {
    let duration = v.get("duration").and_then(Value::as_u64);
    let mut usage = json!({});
    if let Some(t) = v.pointer("/usage/completion_tokens") {
        usage["output_tokens"] = t.clone();
    }
    if let Some(t) = v.pointer("/usage/total_tokens") {
        usage["total_tokens"] = t.clone();
    }
    // Seed3D's file URL nesting is unverified (protocols.md §6): accept both.
    let file = str_at(v, "/content/file_url").or_else(|| str_at(v, "/file_url"));
    let out = if let Some(video) = str_at(v, "/content/video_url") {
        if let Some(d) = duration {
            usage["video_seconds"] = json!(d);
        }
        output(json!({
            "index": 0, "type": "video", "url": video, "mime_type": "video/mp4",
            "duration": duration, "fps": v.get("framespersecond"),
            "last_frame_url": v.pointer("/content/last_frame_url"),
            "seed": v.get("seed"),
        }))
    } else if let Some(file) = file {
        let format = file
            .split('?')
            .next()
            .and_then(|p| p.rsplit('.').next())
            .filter(|e| e.len() <= 5)
            .map(str::to_ascii_lowercase);
        output(json!({
            "index": 0, "type": "model3d", "url": file, "format": format,
            "preview_url": v.pointer("/content/preview_url"),
        }))
    } else {
        return Err(VendorError::bad_body(
            reply,
            "succeeded task without content",
        ));
    };
    Ok(Progress::succeeded(vec![out], Some(usage)))
}
