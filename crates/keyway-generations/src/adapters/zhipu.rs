//! Zhipu CogView images (synchronous, OpenAI shape) and CogVideoX video
//! (`POST /api/paas/v4/videos/generations`, polled at
//! `GET /api/paas/v4/async-result/{id}`), protocols.md §4.5.

use serde_json::{json, Map, Value};

use super::{finish, json, output, put, str_at, Call, Ctx, Progress, Reply, VendorError};
use crate::job::{JobError, Status};
use crate::request::{GenRequest, MediaType, Role};

const OPTIONS: &[&str] = &["zhipu"];

pub fn image(ctx: &Ctx, req: &GenRequest) -> Call {
    let mut b = Map::new();
    b.insert("model".into(), json!(ctx.upstream_model));
    b.insert("prompt".into(), json!(req.prompt_text()));
    put(&mut b, "size", req.size.as_deref());
    put(&mut b, "quality", req.quality.as_deref().map(quality));
    put(&mut b, "watermark_enabled", req.watermark);
    Call::post(
        ctx.url("/api/paas/v4/images/generations"),
        finish(b, req, OPTIONS),
    )
}

/// Keyway's `draft | standard | high` in Zhipu's words; other values pass as given.
fn quality(q: &str) -> &str {
    match q {
        "high" => "hd",
        other => other,
    }
}

pub fn video(ctx: &Ctx, req: &GenRequest) -> Call {
    let mut b = Map::new();
    b.insert("model".into(), json!(ctx.upstream_model));
    put(&mut b, "prompt", req.prompt.as_deref());
    let first = req.input(MediaType::Image, Role::FirstFrame);
    let last = req.input(MediaType::Image, Role::LastFrame);
    let reference = req.input(MediaType::Image, Role::Reference);
    match (first.or(reference), last) {
        (Some(f), Some(l)) => {
            b.insert("image_url".into(), json!([f.url, l.url]));
        }
        (Some(f), None) => {
            b.insert("image_url".into(), json!(f.url));
        }
        _ => {}
    }
    put(
        &mut b,
        "quality",
        req.quality.as_deref().and_then(|q| match q {
            "draft" => Some("speed"),
            "high" => Some("quality"),
            _ => None,
        }),
    );
    put(&mut b, "with_audio", req.generate_audio);
    put(&mut b, "size", req.size.as_deref());
    put(&mut b, "duration", req.duration);
    put(&mut b, "fps", req.fps);
    put(&mut b, "aspect_ratio", req.aspect_ratio.as_deref());
    put(&mut b, "watermark_enabled", req.watermark);
    Call::post(
        ctx.url("/api/paas/v4/videos/generations"),
        finish(b, req, OPTIONS),
    )
}

/// `{id, model, request_id, task_status:"PROCESSING"}`.
pub fn parse_submit(reply: &Reply) -> Result<Progress, VendorError> {
    let v = json(reply)?;
    let Some(id) = str_at(&v, "/id") else {
        return Err(VendorError::bad_body(reply, "video task without 'id'"));
    };
    match str_at(&v, "/task_status") {
        Some("FAIL") => Ok(failed(&v)),
        _ => Ok(Progress::pending(id, Status::Running)),
    }
}

/// `{task_status: PROCESSING|SUCCESS|FAIL, video_result:[{url, cover_image_url}]}`.
pub fn parse_result(reply: &Reply) -> Result<Progress, VendorError> {
    let v = json(reply)?;
    match str_at(&v, "/task_status") {
        Some("PROCESSING") => {
            let id = str_at(&v, "/id").unwrap_or_default();
            Ok(Progress::pending(id, Status::Running))
        }
        Some("SUCCESS") => {
            let outputs: Vec<Value> = v
                .get("video_result")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(i, r)| {
                    output(json!({
                        "index": i, "type": "video", "mime_type": "video/mp4",
                        "url": r.get("url"), "thumbnail_url": r.get("cover_image_url"),
                    }))
                })
                .collect();
            if outputs.is_empty() {
                return Err(VendorError::bad_body(reply, "SUCCESS without video_result"));
            }
            Ok(Progress::succeeded(outputs, None))
        }
        Some("FAIL") => Ok(failed(&v)),
        _ => Err(VendorError::bad_body(reply, "unknown task_status")),
    }
}

fn failed(v: &Value) -> Progress {
    Progress::ended(
        Status::Failed,
        JobError {
            kind: "upstream_error".into(),
            code: "generation_failed".into(),
            message: str_at(v, "/error/message")
                .unwrap_or("the video generation failed")
                .into(),
            provider_code: str_at(v, "/error/code").map(str::to_string),
        },
    )
}
