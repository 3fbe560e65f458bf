//! MiniMax: image generation and Hailuo video (task, query, files/retrieve).
//! Failures come as `base_resp` inside HTTP 200, as the real API does.

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

fn base_error(code: i64, msg: &str) -> Response {
    json(
        StatusCode::OK,
        json!({"id": "", "base_resp": {"status_code": code, "status_msg": msg}}),
    )
}

fn ok() -> serde_json::Value {
    json!({"status_code": 0, "status_msg": "success"})
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
        return base_error(
            1004,
            "login fail: Please carry the API secret key in the 'Authorization' field",
        );
    }
    let prompt = prompt_of(&seen.body);
    let query = seen.query.clone().unwrap_or_default();
    match (method.as_str(), seen.path.as_str()) {
        ("POST", "/v1/image_generation") => match script(&prompt) {
            Script::Reject => base_error(1026, "input new_sensitive"),
            Script::Hang => {
                hang().await;
                garbage()
            }
            Script::Garbage => garbage(),
            Script::Normal => json(
                StatusCode::OK,
                json!({"id": "03ff3cd0820949eb8a410056b5f21d38",
                       "data": {"image_urls": ["https://minimax.example/a.jpeg", "https://minimax.example/b.jpeg"]},
                       "metadata": {"failed_count": "0", "success_count": "2"}, "base_resp": ok()}),
            ),
        },
        ("POST", "/v1/video_generation") => match script(&prompt) {
            Script::Reject => base_error(2013, "invalid params, duration"),
            _ => {
                let id = s.new_task("10678", &prompt);
                json(StatusCode::OK, json!({"task_id": id, "base_resp": ok()}))
            }
        },
        ("GET", "/v1/query/video_generation") => {
            let id = query.strip_prefix("task_id=").unwrap_or_default();
            let body = |status: &str| json!({"task_id": id, "status": status, "file_id": "", "base_resp": ok()});
            match s.poll(id) {
                None => base_error(2013, "task not found"),
                Some(Stage::Garbage) => garbage(),
                Some(Stage::Queued) => json(StatusCode::OK, body("Queueing")),
                Some(Stage::Running) => json(StatusCode::OK, body("Processing")),
                Some(Stage::Succeeded) => {
                    let mut v = body("Success");
                    v["file_id"] = json!("205258526306433");
                    v["video_width"] = json!(1366);
                    v["video_height"] = json!(768);
                    json(StatusCode::OK, v)
                }
                Some(Stage::Failed | Stage::Canceled) => json(StatusCode::OK, body("Fail")),
            }
        }
        ("GET", "/v1/files/retrieve") if query == "file_id=205258526306433" => json(
            StatusCode::OK,
            json!({"file": {"file_id": 205258526306433u64, "bytes": 5896337, "created_at": 1700469398,
                            "filename": "output_aigc.mp4", "purpose": "video_generation",
                            "download_url": "https://minimax.example/output_aigc.mp4"},
                   "base_resp": ok()}),
        ),
        _ => base_error(1000, "unknown path"),
    }
}
