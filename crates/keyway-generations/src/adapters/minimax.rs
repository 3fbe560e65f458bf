//! MiniMax image (`POST /v1/image_generation`, synchronous) and Hailuo video
//! (`POST /v1/video_generation`, polled at `GET /v1/query/video_generation`,
//! then `GET /v1/files/retrieve` for the download URL), protocols.md §4.7.
//! Errors arrive as `base_resp` even with HTTP 200; `vendor_error::check` reads them.

use serde_json::{json, Map, Value};

use super::{finish, json, output, put, str_at, Call, Ctx, Progress, Reply, Task, VendorError};
use crate::job::{JobError, Status};
use crate::request::{GenRequest, MediaType, ResponseFormat, Role};

const OPTIONS: &[&str] = &["minimax"];

pub fn image(ctx: &Ctx, req: &GenRequest) -> Call {
    let mut b = Map::new();
    b.insert("model".into(), json!(ctx.upstream_model));
    b.insert("prompt".into(), json!(req.prompt_text()));
    put(&mut b, "aspect_ratio", req.aspect_ratio.as_deref());
    put(
        &mut b,
        "response_format",
        req.response_format.map(|f| match f {
            ResponseFormat::Url => "url",
            ResponseFormat::B64Json => "base64",
        }),
    );
    put(&mut b, "n", req.n);
    put(&mut b, "seed", req.seed);
    put(&mut b, "prompt_optimizer", req.prompt_extend);
    let subjects: Vec<Value> = req
        .images()
        .filter(|i| matches!(i.role, Some(Role::Subject) | Some(Role::Reference) | None))
        .map(|i| json!({"type": "character", "image_file": i.url}))
        .collect();
    if !subjects.is_empty() {
        b.insert("subject_reference".into(), Value::Array(subjects));
    }
    Call::post(ctx.url("/v1/image_generation"), finish(b, req, OPTIONS))
}

/// `{id, data:{image_urls|image_base64}, metadata:{success_count, failed_count}, base_resp}`.
pub fn parse_image(reply: &Reply) -> Result<Progress, VendorError> {
    let v = json(reply)?;
    let urls = v.pointer("/data/image_urls").and_then(Value::as_array);
    let b64 = v.pointer("/data/image_base64").and_then(Value::as_array);
    let outputs: Vec<Value> = match (urls, b64) {
        (Some(urls), _) => urls
            .iter()
            .filter_map(Value::as_str)
            .enumerate()
            .map(|(i, u)| json!({"index": i, "type": "image", "url": u}))
            .collect(),
        (None, Some(b64)) => b64
            .iter()
            .filter_map(Value::as_str)
            .enumerate()
            .map(|(i, b)| json!({"index": i, "type": "image", "b64_json": b, "mime_type": "image/jpeg"}))
            .collect(),
        (None, None) => return Err(VendorError::bad_body(reply, "image response without data")),
    };
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
    let usage = json!({"images": outputs.len()});
    Ok(Progress::succeeded(outputs, Some(usage)))
}

pub fn video(ctx: &Ctx, req: &GenRequest) -> Call {
    let mut b = Map::new();
    b.insert("model".into(), json!(ctx.upstream_model));
    put(&mut b, "prompt", req.prompt.as_deref());
    put(&mut b, "prompt_optimizer", req.prompt_extend);
    put(&mut b, "duration", req.duration);
    put(
        &mut b,
        "resolution",
        req.resolution.as_deref().map(str::to_ascii_uppercase),
    );
    if let Some(f) = req
        .input(MediaType::Image, Role::FirstFrame)
        .or_else(|| req.input(MediaType::Image, Role::Reference))
    {
        b.insert("first_frame_image".into(), json!(f.url));
    }
    if let Some(l) = req.input(MediaType::Image, Role::LastFrame) {
        b.insert("last_frame_image".into(), json!(l.url));
    }
    let subjects: Vec<&str> = req
        .images()
        .filter(|i| i.role == Some(Role::Subject))
        .map(|i| i.url.as_str())
        .collect();
    if !subjects.is_empty() {
        b.insert(
            "subject_reference".into(),
            json!([{"type": "character", "image": subjects}]),
        );
    }
    put(&mut b, "aigc_watermark", req.watermark);
    Call::post(ctx.url("/v1/video_generation"), finish(b, req, OPTIONS))
}

/// `{task_id, base_resp}`.
pub fn parse_submit(reply: &Reply) -> Result<Progress, VendorError> {
    let v = json(reply)?;
    match str_at(&v, "/task_id").filter(|t| !t.is_empty()) {
        Some(id) => Ok(Progress::pending(id, Status::Queued)),
        None => Err(VendorError::bad_body(
            reply,
            "video response without task_id",
        )),
    }
}

/// Status query until `Success`, then the file lookup for the URL.
pub fn poll(ctx: &Ctx, task: &Task) -> Call {
    match str_at(&task.state, "/file_id") {
        Some(file_id) => Call::get(ctx.url(&format!("/v1/files/retrieve?file_id={file_id}"))),
        None => Call::get(ctx.url(&format!("/v1/query/video_generation?task_id={}", task.id))),
    }
}

pub fn parse_poll(task: &Task, reply: &Reply) -> Result<Progress, VendorError> {
    let v = json(reply)?;
    if str_at(&task.state, "/file_id").is_some() {
        // `{file:{file_id, bytes, filename, download_url}, base_resp}`.
        let Some(url) = str_at(&v, "/file/download_url") else {
            return Err(VendorError::bad_body(reply, "file without download_url"));
        };
        let out = output(json!({
            "index": 0, "type": "video", "url": url, "mime_type": "video/mp4",
            "width": task.state.get("width"), "height": task.state.get("height"),
        }));
        return Ok(Progress::succeeded(vec![out], None));
    }
    let pending = |status| Progress::Pending {
        task: task.clone(),
        status,
        progress: None,
        again: false,
    };
    match str_at(&v, "/status") {
        Some("Preparing") | Some("Queueing") => Ok(pending(Status::Queued)),
        Some("Processing") => Ok(pending(Status::Running)),
        Some("Success") => {
            let Some(file_id) = v.get("file_id").and_then(|f| match f {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }) else {
                return Err(VendorError::bad_body(reply, "Success without file_id"));
            };
            Ok(Progress::Pending {
                task: Task {
                    id: task.id.clone(),
                    state: json!({
                        "file_id": file_id,
                        "width": v.get("video_width"), "height": v.get("video_height"),
                    }),
                },
                status: Status::Running,
                progress: None,
                again: true,
            })
        }
        Some("Fail") => Ok(Progress::ended(
            Status::Failed,
            JobError {
                kind: "upstream_error".into(),
                code: "generation_failed".into(),
                message: str_at(&v, "/base_resp/status_msg")
                    .filter(|m| !m.is_empty() && *m != "success")
                    .unwrap_or("the video generation failed")
                    .into(),
                provider_code: None,
            },
        )),
        _ => Err(VendorError::bad_body(reply, "unknown video status")),
    }
}
