//! Volcengine Ark: Seedream images and content-generation tasks (Seedance, Seed3D).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use axum::Router;
use serde_json::json;

use super::*;

const TASKS: &str = "/api/v3/contents/generations/tasks";

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    json(
        status,
        json!({"error": {"code": code, "message": message, "param": "", "type": "BadRequest"}}),
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
            "AuthenticationError",
            "the API key is invalid",
        );
    }
    let prompt = prompt_of(&seen.body);
    let path = seen.path.as_str();
    match (method.as_str(), path) {
        ("POST", "/api/v3/images/generations") => match script(&prompt) {
            Script::Reject => error(
                StatusCode::BAD_REQUEST,
                "InputTextSensitiveContentDetected",
                "The request failed because the input text may contain sensitive information.",
            ),
            Script::Hang => {
                hang().await;
                garbage()
            }
            Script::Garbage => garbage(),
            Script::Normal => json(
                StatusCode::OK,
                json!({"model": seen.body["model"], "created_at": 1_767_000_000,
                       "data": [{"url": "https://ark.example/img0.jpeg", "size": "2048x2048"}],
                       "usage": {"generated_images": 1, "output_tokens": 16384, "total_tokens": 16384}}),
            ),
        },
        ("POST", TASKS) => match script(&prompt) {
            Script::Reject => error(
                StatusCode::BAD_REQUEST,
                "InvalidParameter",
                "The parameter `duration` specified in the request is not valid",
            ),
            Script::Hang => {
                hang().await;
                garbage()
            }
            Script::Garbage => garbage(),
            Script::Normal => {
                let model = seen.body["model"].as_str().unwrap_or_default().to_string();
                let id = s.new_task("cgt-20250612172542-", &format!("{prompt} {model}"));
                json(StatusCode::OK, json!({"id": id}))
            }
        },
        ("GET", p) if p.starts_with(TASKS) => {
            let id = p[TASKS.len()..].trim_start_matches('/');
            let model = s
                .tasks
                .lock()
                .unwrap()
                .get(id)
                .map(|t| t.prompt.clone())
                .unwrap_or_default();
            let three_d = model.contains("seed3d");
            let base = json!({"id": id, "model": "doubao-seedance-2-0-260128", "created_at": 1, "updated_at": 2});
            let with = |status: &str| {
                let mut v = base.clone();
                v["status"] = json!(status);
                v
            };
            match s.poll(id) {
                None => error(
                    StatusCode::NOT_FOUND,
                    "ResourceNotFound",
                    "The specified task is not found",
                ),
                Some(Stage::Garbage) => garbage(),
                Some(Stage::Queued) => json(StatusCode::OK, with("queued")),
                Some(Stage::Running) => json(StatusCode::OK, with("running")),
                Some(Stage::Succeeded) => {
                    let mut v = with("succeeded");
                    if three_d {
                        v["content"] = json!({"file_url": "https://ark.example/model.glb?sig=1"});
                    } else {
                        v["content"] = json!({"video_url": "https://ark.example/video.mp4"});
                        v["duration"] = json!(5);
                        v["framespersecond"] = json!(24);
                        v["seed"] = json!(42);
                        v["usage"] = json!({"completion_tokens": 108900, "total_tokens": 108900});
                    }
                    json(StatusCode::OK, v)
                }
                Some(Stage::Failed) => {
                    let mut v = with("failed");
                    v["error"] = json!({"code": "OutputVideoSensitiveContentDetected", "message": "The output video may contain sensitive information."});
                    json(StatusCode::OK, v)
                }
                Some(Stage::Canceled) => json(StatusCode::OK, with("cancelled")),
            }
        }
        ("DELETE", p) if p.starts_with(TASKS) => {
            let id = p[TASKS.len()..].trim_start_matches('/');
            let mut tasks = s.tasks.lock().unwrap();
            match tasks.get_mut(id) {
                Some(t) if t.polls <= 1 => {
                    t.canceled = true;
                    json(StatusCode::OK, json!({}))
                }
                Some(_) => error(
                    StatusCode::CONFLICT,
                    "InvalidAction.TaskNotCancelable",
                    "only queued tasks can be cancelled",
                ),
                None => error(
                    StatusCode::NOT_FOUND,
                    "ResourceNotFound",
                    "The specified task is not found",
                ),
            }
        }
        _ => error(StatusCode::NOT_FOUND, "NotFound", "unknown path"),
    }
}
