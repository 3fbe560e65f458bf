//! Vendor adapters: pure functions from the unified request to a vendor
//! `Call`, and from the vendor's `Reply` to a `Progress`. No I/O here; the
//! executor (`exec`) runs the calls.
//!
//! Adapters reach a vendor's native endpoints on the scheme and host of the
//! provider's `base_url` (product.md §5), so a provider pointed at a proxy or
//! a test server keeps working.

mod ark;
mod custom;
mod dashscope;
mod kind;
mod minimax;
mod openai;
mod vendor_error;
mod zhipu;

#[cfg(test)]
mod tests;

use bytes::Bytes;
use http::Method;
use serde_json::{Map, Value};

use crate::job::{JobError, Status};
use crate::request::{GenRequest, Invalid};
pub use kind::{select, Kind};
pub use vendor_error::{ErrorKind, VendorError};

/// One HTTP request to the vendor. The provider key is added by the executor.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub method: Method,
    pub url: String,
    /// Extra headers (never credentials).
    pub headers: Vec<(&'static str, &'static str)>,
    pub body: Option<Value>,
}

impl Call {
    fn post(url: String, body: Value) -> Self {
        Call {
            method: Method::POST,
            url,
            headers: Vec::new(),
            body: Some(body),
        }
    }
    fn get(url: String) -> Self {
        Call {
            method: Method::GET,
            url,
            headers: Vec::new(),
            body: None,
        }
    }
}

/// The vendor's answer as received.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Bytes,
}

/// An upstream task that is not finished: its id and the adapter's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub id: String,
    pub state: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// A final state with outputs (succeeded) or an error (failed/canceled/expired).
    Done {
        status: Status,
        outputs: Vec<Value>,
        usage: Option<Value>,
        error: Option<JobError>,
    },
    /// Still queued or running upstream. `again`: poll right away (a second
    /// call is needed, e.g. MiniMax's `files/retrieve`).
    Pending {
        task: Task,
        status: Status,
        progress: Option<u32>,
        again: bool,
    },
}

impl Progress {
    fn succeeded(outputs: Vec<Value>, usage: Option<Value>) -> Self {
        Progress::Done {
            status: Status::Succeeded,
            outputs,
            usage,
            error: None,
        }
    }
    fn ended(status: Status, error: JobError) -> Self {
        Progress::Done {
            status,
            outputs: Vec::new(),
            usage: None,
            error: Some(error),
        }
    }
    fn pending(id: &str, status: Status) -> Self {
        Progress::Pending {
            task: Task {
                id: id.to_string(),
                state: Value::Null,
            },
            status,
            progress: None,
            again: false,
        }
    }
}

/// Where the adapter sends calls: the provider's scheme and host, and the
/// route's upstream model.
#[derive(Debug, Clone)]
pub struct Ctx<'a> {
    pub base_url: &'a str,
    pub upstream_model: &'a str,
    pub generation_path: Option<&'a str>,
}

impl Ctx<'_> {
    /// `scheme://host[:port]` of the base URL, without a trailing slash.
    pub fn origin(&self) -> &str {
        let b = self.base_url.trim_end_matches('/');
        let after_scheme = b.find("://").map(|i| i + 3).unwrap_or(0);
        match b[after_scheme..].find('/') {
            Some(i) => &b[..after_scheme + i],
            None => b,
        }
    }
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin())
    }
}

/// The submit call for a parsed request.
pub fn submit(kind: Kind, ctx: &Ctx, req: &GenRequest) -> Result<Call, Invalid> {
    match kind {
        Kind::OpenAiImage => Ok(openai::image(ctx, req)),
        Kind::OpenAiVideo => openai::video(ctx, req),
        Kind::ArkImage => Ok(ark::image(ctx, req)),
        Kind::ArkTask(m) => ark::task(ctx, req, m),
        Kind::ZhipuImage => Ok(zhipu::image(ctx, req)),
        Kind::ZhipuVideo => Ok(zhipu::video(ctx, req)),
        Kind::WanImage => Ok(dashscope::wan_image(ctx, req)),
        Kind::WanVideo => Ok(dashscope::wan_video(ctx, req)),
        Kind::QwenImage => Ok(dashscope::qwen_image(ctx, req)),
        Kind::MiniMaxImage => Ok(minimax::image(ctx, req)),
        Kind::MiniMaxVideo => Ok(minimax::video(ctx, req)),
        Kind::Custom => Err(Invalid::new("model", "custom routes forward raw bodies")),
    }
}

/// The submit call for a `custom` provider: the body unchanged except
/// `model`, sent to the route's generation path.
pub fn submit_custom(ctx: &Ctx, body: Value) -> Result<Call, Invalid> {
    custom::submit(ctx, body)
}

/// Where a finished OpenAI video's bytes are.
pub fn openai_content_url(ctx: &Ctx, task_id: &str) -> String {
    openai::content_url(ctx, task_id)
}

/// Reads the submit reply.
pub fn parse_submit(kind: Kind, reply: &Reply) -> Result<Progress, VendorError> {
    match kind {
        Kind::OpenAiImage | Kind::ZhipuImage => openai::parse_image(reply),
        Kind::OpenAiVideo => openai::parse_video(reply),
        Kind::ArkImage => ark::parse_image(reply),
        Kind::ArkTask(_) => ark::parse_submit(reply),
        Kind::ZhipuVideo => zhipu::parse_submit(reply),
        Kind::WanImage | Kind::WanVideo => dashscope::parse_submit(reply),
        Kind::QwenImage => dashscope::parse_qwen_image(reply),
        Kind::MiniMaxImage => minimax::parse_image(reply),
        Kind::MiniMaxVideo => minimax::parse_submit(reply),
        Kind::Custom => custom::parse(reply),
    }
}

/// The next poll call for an unfinished task.
pub fn poll(kind: Kind, ctx: &Ctx, task: &Task) -> Option<Call> {
    match kind {
        Kind::OpenAiVideo => Some(Call::get(ctx.url(&format!("/v1/videos/{}", task.id)))),
        Kind::ArkTask(_) => Some(Call::get(
            ctx.url(&format!("/api/v3/contents/generations/tasks/{}", task.id)),
        )),
        Kind::ZhipuVideo => Some(Call::get(
            ctx.url(&format!("/api/paas/v4/async-result/{}", task.id)),
        )),
        Kind::WanImage | Kind::WanVideo => {
            Some(Call::get(ctx.url(&format!("/api/v1/tasks/{}", task.id))))
        }
        Kind::MiniMaxVideo => Some(minimax::poll(ctx, task)),
        _ => None,
    }
}

pub fn parse_poll(kind: Kind, task: &Task, reply: &Reply) -> Result<Progress, VendorError> {
    match kind {
        Kind::OpenAiVideo => openai::parse_video(reply),
        Kind::ArkTask(_) => ark::parse_task(reply),
        Kind::ZhipuVideo => zhipu::parse_result(reply),
        Kind::WanImage | Kind::WanVideo => dashscope::parse_task(reply),
        Kind::MiniMaxVideo => minimax::parse_poll(task, reply),
        _ => Err(VendorError::bad_body(reply, "this adapter has no polling")),
    }
}

/// The cancel call, where the vendor has one (Ark DELETE on a queued task,
/// DashScope task cancel).
pub fn cancel(kind: Kind, ctx: &Ctx, task: &Task) -> Option<Call> {
    match kind {
        Kind::ArkTask(_) => Some(Call {
            method: Method::DELETE,
            url: ctx.url(&format!("/api/v3/contents/generations/tasks/{}", task.id)),
            headers: Vec::new(),
            body: None,
        }),
        Kind::WanImage | Kind::WanVideo => Some(Call::post(
            ctx.url(&format!("/api/v1/tasks/{}/cancel", task.id)),
            Value::Object(Map::new()),
        )),
        _ => None,
    }
}

/// The cancel reply: Ok when the vendor accepted the cancellation.
pub fn parse_cancel(reply: &Reply) -> Result<(), VendorError> {
    vendor_error::check(reply).map(|_| ())
}

// ---- helpers shared by the adapters -------------------------------------

/// Sets `key` when `value` is present.
fn put<T: serde::Serialize>(body: &mut Map<String, Value>, key: &str, value: Option<T>) {
    if let Some(v) = value {
        if let Ok(v) = serde_json::to_value(v) {
            body.insert(key.to_string(), v);
        }
    }
}

/// Merges `extra` into `body`: objects merge key by key, anything else replaces.
fn merge(body: &mut Map<String, Value>, extra: &Map<String, Value>) {
    for (k, v) in extra {
        match (body.get_mut(k), v) {
            (Some(Value::Object(dst)), Value::Object(src)) => merge(dst, src),
            _ => {
                body.insert(k.clone(), v.clone());
            }
        }
    }
}

/// The request's unknown top-level fields, then the vendor's `provider_options`.
fn finish(mut body: Map<String, Value>, req: &GenRequest, option_names: &[&str]) -> Value {
    merge(&mut body, &req.extra);
    if let Some(Value::Object(opts)) = req.options_for(option_names) {
        merge(&mut body, opts);
    }
    Value::Object(body)
}

/// An output object without null fields.
fn output(fields: Value) -> Value {
    match fields {
        Value::Object(m) => Value::Object(m.into_iter().filter(|(_, v)| !v.is_null()).collect()),
        v => v,
    }
}

/// The JSON body of a reply that `check` accepted.
fn json(reply: &Reply) -> Result<Value, VendorError> {
    vendor_error::check(reply)
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}
