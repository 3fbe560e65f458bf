//! DashScope native API (protocols.md §4.6): Wan images and video as async
//! tasks (`X-DashScope-Async: enable`, polled at `GET /api/v1/tasks/{id}`),
//! Qwen-Image synchronous. These live under `/api/v1/...` on the host of the
//! provider's `compatible-mode/v1` base URL.

use serde_json::{json, Map, Value};

use super::{finish, json, output, put, str_at, Call, Ctx, Progress, Reply, VendorError};
use crate::job::{JobError, Status};
use crate::request::{pixels, GenRequest, MediaType, Role};

const OPTIONS: &[&str] = &["dashscope", "qwen"];

/// "1280x720" → "1280*720", DashScope's spelling.
fn star_size(size: &str) -> Option<String> {
    pixels(size).map(|(w, h)| format!("{w}*{h}"))
}

fn async_call(url: String, body: Value) -> Call {
    let mut c = Call::post(url, body);
    c.headers.push(("x-dashscope-async", "enable"));
    c
}

fn common_parameters(req: &GenRequest) -> Map<String, Value> {
    let mut p = Map::new();
    put(&mut p, "size", req.size.as_deref().and_then(star_size));
    put(&mut p, "seed", req.seed);
    put(&mut p, "prompt_extend", req.prompt_extend);
    put(&mut p, "watermark", req.watermark);
    p
}

pub fn wan_image(ctx: &Ctx, req: &GenRequest) -> Call {
    let mut input = Map::new();
    put(&mut input, "prompt", req.prompt.as_deref());
    put(
        &mut input,
        "negative_prompt",
        req.negative_prompt.as_deref(),
    );
    let images: Vec<&str> = req.images().map(|i| i.url.as_str()).collect();
    let path = if images.is_empty() {
        "/api/v1/services/aigc/text2image/image-synthesis"
    } else {
        input.insert("images".into(), json!(images));
        "/api/v1/services/aigc/image2image/image-synthesis"
    };
    let mut parameters = common_parameters(req);
    put(&mut parameters, "n", req.n);
    let b = Map::from_iter([
        ("model".to_string(), json!(ctx.upstream_model)),
        ("input".to_string(), Value::Object(input)),
        ("parameters".to_string(), Value::Object(parameters)),
    ]);
    async_call(ctx.url(path), finish(b, req, OPTIONS))
}

pub fn wan_video(ctx: &Ctx, req: &GenRequest) -> Call {
    let mut input = Map::new();
    put(&mut input, "prompt", req.prompt.as_deref());
    put(
        &mut input,
        "negative_prompt",
        req.negative_prompt.as_deref(),
    );
    let first = req
        .input(MediaType::Image, Role::FirstFrame)
        .or_else(|| req.input(MediaType::Image, Role::Reference));
    match (first, req.input(MediaType::Image, Role::LastFrame)) {
        (Some(f), Some(l)) => {
            input.insert("first_frame_url".into(), json!(f.url));
            input.insert("last_frame_url".into(), json!(l.url));
        }
        (Some(f), None) => {
            input.insert("img_url".into(), json!(f.url));
        }
        _ => {}
    }
    if let Some(a) = req.inputs.iter().find(|i| i.kind == MediaType::Audio) {
        input.insert("audio_url".into(), json!(a.url));
    }
    let mut parameters = common_parameters(req);
    put(
        &mut parameters,
        "resolution",
        req.resolution.as_deref().map(str::to_ascii_uppercase),
    );
    put(&mut parameters, "duration", req.duration);
    put(&mut parameters, "audio", req.generate_audio);
    let b = Map::from_iter([
        ("model".to_string(), json!(ctx.upstream_model)),
        ("input".to_string(), Value::Object(input)),
        ("parameters".to_string(), Value::Object(parameters)),
    ]);
    async_call(
        ctx.url("/api/v1/services/aigc/video-generation/video-synthesis"),
        finish(b, req, OPTIONS),
    )
}

/// `{"output":{"task_id","task_status":"PENDING"},"request_id"}`.
pub fn parse_submit(reply: &Reply) -> Result<Progress, VendorError> {
    let v = json(reply)?;
    match str_at(&v, "/output/task_id") {
        Some(id) => Ok(Progress::pending(id, Status::Queued)),
        None => Err(VendorError::bad_body(
            reply,
            "task response without output.task_id",
        )),
    }
}

/// `GET /api/v1/tasks/{id}`: `output.task_status` with `results` (images) or `video_url`.
pub fn parse_task(reply: &Reply) -> Result<Progress, VendorError> {
    let v = json(reply)?;
    let id = str_at(&v, "/output/task_id").unwrap_or_default();
    let ended = |status: Status, code: &str, default: &str| {
        Progress::ended(
            status,
            JobError {
                kind: "upstream_error".into(),
                code: code.into(),
                message: str_at(&v, "/output/message").unwrap_or(default).into(),
                provider_code: str_at(&v, "/output/code").map(str::to_string),
            },
        )
    };
    match str_at(&v, "/output/task_status") {
        Some("PENDING") => Ok(Progress::pending(id, Status::Queued)),
        Some("RUNNING") => Ok(Progress::pending(id, Status::Running)),
        Some("SUCCEEDED") => succeeded(&v, reply),
        Some("FAILED") => {
            let mut p = ended(Status::Failed, "generation_failed", "the task failed");
            // Moderation refusals keep their own type.
            if let Progress::Done { error: Some(e), .. } = &mut p {
                if e.provider_code.as_deref() == Some("DataInspectionFailed") {
                    e.kind = "content_policy_violation".into();
                    e.code = "content_policy_violation".into();
                }
            }
            Ok(p)
        }
        Some("CANCELED") => Ok(ended(Status::Canceled, "canceled", "the task was canceled")),
        // DashScope answers UNKNOWN for ids it no longer keeps (~24 h).
        Some("UNKNOWN") => Ok(ended(
            Status::Expired,
            "expired",
            "the task expired upstream",
        )),
        _ => Err(VendorError::bad_body(reply, "unknown task_status")),
    }
}

fn succeeded(v: &Value, reply: &Reply) -> Result<Progress, VendorError> {
    if let Some(url) = str_at(v, "/output/video_url") {
        let duration = v.pointer("/usage/duration").and_then(Value::as_f64);
        let out = output(json!({
            "index": 0, "type": "video", "url": url, "mime_type": "video/mp4",
            "duration": duration,
        }));
        let usage = duration.map(|d| json!({"video_seconds": d}));
        return Ok(Progress::succeeded(vec![out], usage));
    }
    let outputs: Vec<Value> = v
        .pointer("/output/results")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| str_at(r, "/url").map(|u| (u, r)))
        .enumerate()
        .map(|(i, (url, r))| {
            output(json!({
                "index": i, "type": "image", "url": url,
                "revised_prompt": r.get("actual_prompt"),
            }))
        })
        .collect();
    if outputs.is_empty() {
        return Err(VendorError::bad_body(reply, "SUCCEEDED without results"));
    }
    let usage = json!({"images": outputs.len()});
    Ok(Progress::succeeded(outputs, Some(usage)))
}

pub fn qwen_image(ctx: &Ctx, req: &GenRequest) -> Call {
    let mut content = vec![json!({"text": req.prompt_text()})];
    content.extend(req.images().map(|i| json!({"image": i.url})));
    let mut parameters = common_parameters(req);
    put(
        &mut parameters,
        "negative_prompt",
        req.negative_prompt.as_deref(),
    );
    put(&mut parameters, "n", req.n);
    let b = Map::from_iter([
        ("model".to_string(), json!(ctx.upstream_model)),
        (
            "input".to_string(),
            json!({"messages": [{"role": "user", "content": content}]}),
        ),
        ("parameters".to_string(), Value::Object(parameters)),
    ]);
    Call::post(
        ctx.url("/api/v1/services/aigc/multimodal-generation/generation"),
        finish(b, req, OPTIONS),
    )
}

/// `output.choices[0].message.content[].image`.
pub fn parse_qwen_image(reply: &Reply) -> Result<Progress, VendorError> {
    let v = json(reply)?;
    let outputs: Vec<Value> = v
        .pointer("/output/choices")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.pointer("/message/content").and_then(Value::as_array))
        .flatten()
        .filter_map(|part| str_at(part, "/image"))
        .enumerate()
        .map(|(i, url)| json!({"index": i, "type": "image", "url": url}))
        .collect();
    if outputs.is_empty() {
        return Err(VendorError::bad_body(reply, "no image in output.choices"));
    }
    let usage = json!({"images": outputs.len()});
    Ok(Progress::succeeded(outputs, Some(usage)))
}
