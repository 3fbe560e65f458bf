//! DashScope native API: Wan image/video tasks (`X-DashScope-Async`), task
//! polling and cancel, and synchronous Qwen-Image. Errors use the native
//! `{"code","message","request_id"}` body.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use axum::Router;
use serde_json::json;

use super::*;

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    json(
        status,
        json!({"code": code, "message": message, "request_id": "7574ee8f-38a3-4b1e-9280-11c33ab46e51"}),
    )
}

const ASYNC_PATHS: &[&str] = &[
    "/api/v1/services/aigc/text2image/image-synthesis",
    "/api/v1/services/aigc/image2image/image-synthesis",
    "/api/v1/services/aigc/video-generation/video-synthesis",
];

async fn handle(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let seen = s.record(&method, &uri, &headers, &body);
    if !authorized(&seen) {
        return error(
            StatusCode::UNAUTHORIZED,
            "InvalidApiKey",
            "Invalid API-key provided.",
        );
    }
    let prompt = prompt_of(&seen.body);
    let path = seen.path.clone();
    match (method.as_str(), path.as_str()) {
        ("POST", p) if ASYNC_PATHS.contains(&p) => {
            if headers
                .get("x-dashscope-async")
                .and_then(|v| v.to_str().ok())
                != Some("enable")
            {
                return error(
                    StatusCode::FORBIDDEN,
                    "AccessDenied",
                    "current user api does not support synchronous calls",
                );
            }
            match script(&prompt) {
                Script::Reject => error(
                    StatusCode::BAD_REQUEST,
                    "InvalidParameter",
                    "The size is not match the allowed size ['1024*1024', '720*1280', '1280*720']",
                ),
                Script::Hang => {
                    hang().await;
                    garbage()
                }
                Script::Garbage => garbage(),
                Script::Normal => {
                    let video = p.contains("video");
                    let id = s.new_task(
                        "0385dc79-5ff8-4d82-bcb6-",
                        &format!("{prompt}{}", if video { " #video" } else { "" }),
                    );
                    json(
                        StatusCode::OK,
                        json!({"output": {"task_id": id, "task_status": "PENDING"}, "request_id": "r-submit"}),
                    )
                }
            }
        }
        ("POST", "/api/v1/services/aigc/multimodal-generation/generation") => match script(&prompt)
        {
            Script::Reject => error(
                StatusCode::BAD_REQUEST,
                "DataInspectionFailed",
                "Input data may contain inappropriate content.",
            ),
            Script::Garbage => garbage(),
            _ => json(
                StatusCode::OK,
                json!({"output": {"choices": [{"finish_reason": "stop", "message": {"role": "assistant",
                        "content": [{"image": "https://dashscope.example/qwen.png"}]}}]},
                       "usage": {"width": 1328, "height": 1328, "image_count": 1}, "request_id": "r-q"}),
            ),
        },
        ("POST", p) if p.starts_with("/api/v1/tasks/") && p.ends_with("/cancel") => {
            let id = &p["/api/v1/tasks/".len()..p.len() - "/cancel".len()];
            let mut tasks = s.tasks.lock().unwrap();
            match tasks.get_mut(id) {
                Some(t) if t.polls == 0 => {
                    t.canceled = true;
                    json(StatusCode::OK, json!({"request_id": "r-cancel"}))
                }
                _ => error(
                    StatusCode::BAD_REQUEST,
                    "UnsupportedOperation",
                    "task can not be canceled",
                ),
            }
        }
        ("GET", p) if p.starts_with("/api/v1/tasks/") => {
            let id = &p["/api/v1/tasks/".len()..];
            let video = s
                .tasks
                .lock()
                .unwrap()
                .get(id)
                .is_some_and(|t| t.prompt.contains("#video"));
            let out = |status: &str| json!({"request_id": "r-poll", "output": {"task_id": id, "task_status": status, "submit_time": "2025-01-01 00:00:00.000"}});
            match s.poll(id) {
                None => json(StatusCode::OK, out("UNKNOWN")),
                Some(Stage::Garbage) => garbage(),
                Some(Stage::Queued) => json(StatusCode::OK, out("PENDING")),
                Some(Stage::Running) => json(StatusCode::OK, out("RUNNING")),
                Some(Stage::Succeeded) => {
                    let mut v = out("SUCCEEDED");
                    if video {
                        v["output"]["video_url"] = json!("https://dashscope.example/wan.mp4");
                        v["usage"] = json!({"duration": 5, "video_count": 1, "SR": 480});
                    } else {
                        v["output"]["results"] = json!([{"orig_prompt": "p", "actual_prompt": "p, extended", "url": "https://dashscope.example/wan.png"}]);
                        v["output"]["task_metrics"] =
                            json!({"TOTAL": 1, "SUCCEEDED": 1, "FAILED": 0});
                        v["usage"] = json!({"image_count": 1});
                    }
                    json(StatusCode::OK, v)
                }
                Some(Stage::Failed) => {
                    let mut v = out("FAILED");
                    v["output"]["code"] = json!("InternalError.Timeout");
                    v["output"]["message"] =
                        json!("An internal timeout error has occured during execution");
                    json(StatusCode::OK, v)
                }
                Some(Stage::Canceled) => json(StatusCode::OK, out("CANCELED")),
            }
        }
        _ => error(StatusCode::NOT_FOUND, "NotFound", "unknown path"),
    }
}
