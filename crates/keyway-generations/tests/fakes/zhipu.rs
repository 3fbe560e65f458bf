//! Zhipu: CogView images and CogVideoX video with `async-result` polling.

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
    json(status, json!({"error": {"code": code, "message": message}}))
}

async fn handle(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let seen = s.record(&method, &uri, &headers, &body);
    if !authorized(&seen) {
        return error(StatusCode::UNAUTHORIZED, "1000", "身份验证失败。");
    }
    let prompt = prompt_of(&seen.body);
    match (method.as_str(), seen.path.as_str()) {
        ("POST", "/api/paas/v4/images/generations") => match script(&prompt) {
            Script::Reject => error(
                StatusCode::BAD_REQUEST,
                "1301",
                "系统检测到输入或生成内容可能包含不安全或敏感内容",
            ),
            Script::Hang => {
                hang().await;
                garbage()
            }
            Script::Garbage => garbage(),
            Script::Normal => json(
                StatusCode::OK,
                json!({"created": 1_767_000_000, "data": [{"url": "https://zhipu.example/img.png"}],
                       "content_filter": [{"role": "assistant", "level": 3}]}),
            ),
        },
        ("POST", "/api/paas/v4/videos/generations") => match script(&prompt) {
            Script::Reject => error(StatusCode::BAD_REQUEST, "1214", "prompt 参数非法"),
            _ => {
                let id = s.new_task("8_", &prompt);
                json(
                    StatusCode::OK,
                    json!({"id": id, "model": seen.body["model"], "request_id": "r1", "task_status": "PROCESSING"}),
                )
            }
        },
        ("GET", p) if p.starts_with("/api/paas/v4/async-result/") => {
            let id = &p["/api/paas/v4/async-result/".len()..];
            let body = |status: &str| json!({"model": "cogvideox-3", "request_id": "r1", "task_status": status});
            match s.poll(id) {
                None => error(StatusCode::NOT_FOUND, "1210", "任务不存在"),
                Some(Stage::Garbage) => garbage(),
                Some(Stage::Queued | Stage::Running) => json(StatusCode::OK, body("PROCESSING")),
                Some(Stage::Succeeded) => {
                    let mut v = body("SUCCESS");
                    v["video_result"] = json!([{"url": "https://zhipu.example/v.mp4", "cover_image_url": "https://zhipu.example/v.jpg"}]);
                    json(StatusCode::OK, v)
                }
                Some(Stage::Failed | Stage::Canceled) => json(StatusCode::OK, body("FAIL")),
            }
        }
        _ => error(StatusCode::NOT_FOUND, "1211", "unknown path"),
    }
}
