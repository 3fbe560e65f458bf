//! OpenAI images (`POST /v1/images/generations`) and videos (`/v1/videos`),
//! plus an images endpoint at `/custom/draw` for `custom` providers.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};

use super::*;

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    json(
        status,
        json!({"error": {"message": message, "type": "invalid_request_error", "param": null, "code": code}}),
    )
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
        return error(
            StatusCode::UNAUTHORIZED,
            "invalid_api_key",
            "Incorrect API key provided",
        );
    }
    let path = seen.path.as_str();
    let prompt = prompt_of(&seen.body);
    match (method.as_str(), path) {
        ("POST", "/v1/images/generations" | "/custom/draw") => match script(&prompt) {
            Script::Reject => error(
                StatusCode::BAD_REQUEST,
                "content_policy_violation",
                "Your request was rejected as a result of our safety system.",
            ),
            Script::Hang => {
                hang().await;
                garbage()
            }
            Script::Garbage => garbage(),
            Script::Normal => {
                let n = seen.body["n"].as_u64().unwrap_or(1);
                let url = seen.body["response_format"] == "url";
                let data: Vec<Value> = (0..n)
                    .map(|i| {
                        if url {
                            json!({"url": format!("https://img.example/{i}.png"), "revised_prompt": prompt})
                        } else {
                            json!({"b64_json": "aGVsbG8=", "revised_prompt": prompt})
                        }
                    })
                    .collect();
                json(
                    StatusCode::OK,
                    json!({"created": 1_767_000_000, "data": data, "size": "1024x1024", "output_format": "png",
                           "usage": {"input_tokens": 10, "output_tokens": 4160, "total_tokens": 4170,
                                     "input_tokens_details": {"image_tokens": 0, "text_tokens": 10}}}),
                )
            }
        },
        ("POST", "/v1/videos") => match script(&prompt) {
            Script::Reject => error(
                StatusCode::BAD_REQUEST,
                "invalid_value",
                "Invalid 'seconds'",
            ),
            _ => {
                let id = s.new_task("video_", &prompt);
                json(StatusCode::OK, video(&id, "queued", &seen.body))
            }
        },
        ("GET", p) if p.starts_with("/v1/videos/") => {
            let rest = &p["/v1/videos/".len()..];
            if let Some(id) = rest.strip_suffix("/content") {
                return match s.tasks.lock().unwrap().get(id) {
                    Some(t) if t.polls >= 3 => (
                        [("content-type", "video/mp4")],
                        Bytes::from_static(b"MP4DATA"),
                    )
                        .into_response(),
                    _ => error(StatusCode::NOT_FOUND, "not_found", "video not ready"),
                };
            }
            let req = json!({"model": "sora-2", "seconds": "8", "size": "1280x720"});
            match s.poll(rest) {
                None => error(StatusCode::NOT_FOUND, "not_found", "No video found"),
                Some(Stage::Garbage) => garbage(),
                Some(Stage::Queued) => json(StatusCode::OK, video(rest, "queued", &req)),
                Some(Stage::Running) => {
                    let mut v = video(rest, "in_progress", &req);
                    v["progress"] = json!(45);
                    json(StatusCode::OK, v)
                }
                Some(Stage::Succeeded) => json(StatusCode::OK, video(rest, "completed", &req)),
                Some(Stage::Failed | Stage::Canceled) => {
                    let mut v = video(rest, "failed", &req);
                    v["error"] =
                        json!({"code": "moderation_blocked", "message": "blocked by moderation"});
                    json(StatusCode::OK, v)
                }
            }
        }
        _ => error(StatusCode::NOT_FOUND, "unknown_url", "Unknown request URL"),
    }
}

fn video(id: &str, status: &str, req: &Value) -> Value {
    json!({
        "id": id, "object": "video", "status": status, "progress": 0,
        "created_at": 1_767_000_000, "completed_at": null, "expires_at": null,
        "model": req["model"].as_str().unwrap_or("sora-2"),
        "seconds": req["seconds"].as_str().unwrap_or("4"),
        "size": req["size"].as_str().unwrap_or("720x1280"),
        "error": null, "remixed_from_video_id": null,
    })
}
