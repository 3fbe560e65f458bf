//! Fake vendor servers speaking each vendor's generation wire format
//! (protocols.md §4), on 127.0.0.1 with an OS-chosen port.
//!
//! The prompt scripts the behaviour: `reject` → the vendor refuses the
//! submit in its own error shape; `hang` → no answer for 30 s; `garbage` →
//! a 200 that is not JSON; `fail` → the task fails upstream; `flaky` → the
//! first poll answers garbage. Tasks advance one state per poll:
//! queued → running → finished. Every request is recorded.

pub mod ark;
pub mod dashscope;
pub mod minimax;
pub mod openai;
pub mod zhipu;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::Value;

pub const KEY: &str = "sk-vendor-test";

#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub auth: Option<String>,
    pub headers: HeaderMap,
    pub body: Value,
}

#[derive(Debug, Clone)]
pub struct Sim {
    pub prompt: String,
    pub polls: u32,
    pub canceled: bool,
}

impl Sim {
    /// 0 queued, 1 running, 2 finished; `flaky` answers garbage on its first poll.
    pub fn advance(&mut self) -> Stage {
        self.polls += 1;
        if self.canceled {
            return Stage::Canceled;
        }
        if self.prompt.contains("flaky") && self.polls == 1 {
            return Stage::Garbage;
        }
        match self.polls {
            1 => Stage::Queued,
            2 => Stage::Running,
            _ if self.prompt.contains("fail") => Stage::Failed,
            _ => Stage::Succeeded,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Queued,
    Running,
    Succeeded,
    Failed,
    Canceled,
    Garbage,
}

#[derive(Default)]
pub struct Shared {
    pub requests: Mutex<Vec<Seen>>,
    pub tasks: Mutex<HashMap<String, Sim>>,
    next: AtomicU64,
}

impl Shared {
    pub fn record(&self, method: &Method, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Seen {
        let seen = Seen {
            method: method.clone(),
            path: uri.path().to_string(),
            query: uri.query().map(str::to_string),
            auth: headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            headers: headers.clone(),
            body: serde_json::from_slice(body).unwrap_or(Value::Null),
        };
        self.requests.lock().unwrap().push(seen.clone());
        seen
    }

    pub fn new_task(&self, prefix: &str, prompt: &str) -> String {
        let id = format!("{prefix}{}", self.next.fetch_add(1, Ordering::Relaxed) + 1);
        self.tasks.lock().unwrap().insert(
            id.clone(),
            Sim {
                prompt: prompt.to_string(),
                polls: 0,
                canceled: false,
            },
        );
        id
    }

    /// Advances the task; None when the id is unknown.
    pub fn poll(&self, id: &str) -> Option<Stage> {
        self.tasks.lock().unwrap().get_mut(id).map(Sim::advance)
    }

    pub fn paths(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .map(|s| format!("{} {}", s.method, s.path))
            .collect()
    }

    pub fn last(&self) -> Seen {
        self.requests.lock().unwrap().last().cloned().unwrap()
    }
}

/// What a prompt asks the fake to do at submit time.
pub enum Script {
    Normal,
    Reject,
    Hang,
    Garbage,
}

pub fn script(prompt: &str) -> Script {
    if prompt.contains("reject") {
        Script::Reject
    } else if prompt.contains("hang") {
        Script::Hang
    } else if prompt.contains("garbage") {
        Script::Garbage
    } else {
        Script::Normal
    }
}

pub async fn hang() {
    tokio::time::sleep(Duration::from_secs(30)).await;
}

pub fn garbage() -> Response {
    (StatusCode::OK, "<html>upstream proxy error</html>").into_response()
}

pub fn json(status: StatusCode, v: Value) -> Response {
    (status, axum::Json(v)).into_response()
}

pub fn authorized(seen: &Seen) -> bool {
    seen.auth.as_deref() == Some(&format!("Bearer {KEY}"))
}

pub fn prompt_of(body: &Value) -> String {
    body.pointer("/prompt")
        .or_else(|| body.pointer("/input/prompt"))
        .or_else(|| body.pointer("/content/0/text"))
        .or_else(|| body.pointer("/input/messages/0/content/0/text"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

pub struct Fake {
    pub addr: SocketAddr,
    pub shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Fake {
    pub async fn start(router: fn(Arc<Shared>) -> Router) -> Fake {
        let shared = Arc::new(Shared::default());
        let app = router(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Fake { addr, shared, task }
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.task.abort();
    }
}
