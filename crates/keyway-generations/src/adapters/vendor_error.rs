//! Vendor errors, normalized. Vendors report failure in several shapes:
//! the OpenAI envelope (OpenAI, Ark, Zhipu, DashScope compatible mode),
//! DashScope's native `{"code","message","request_id"}`, and MiniMax's
//! `base_resp` — which may arrive inside an HTTP 200.

use serde_json::Value;

use super::Reply;
use crate::job::JobError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The vendor refused the request's content or parameters.
    InvalidRequest,
    /// Moderation refused the prompt or the output.
    ContentPolicy,
    /// The provider key was refused (the gateway's problem, not the client's).
    Auth,
    RateLimited,
    /// The vendor does not know the task (expired record or wrong id).
    NotFound,
    Overloaded,
    /// 5xx or an unknown vendor failure.
    Server,
    /// A 2xx answer we cannot read.
    BadBody,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct VendorError {
    pub kind: ErrorKind,
    /// The HTTP status the vendor answered (200 for MiniMax `base_resp` errors).
    pub http_status: u16,
    /// The vendor's own code, as text.
    pub code: Option<String>,
    pub message: String,
}

impl VendorError {
    pub fn bad_body(reply: &Reply, what: &str) -> Self {
        VendorError {
            kind: ErrorKind::BadBody,
            http_status: reply.status,
            code: None,
            message: format!("{what}: {}", snippet(&reply.body)),
        }
    }

    /// Worth polling again later (the task may still be fine upstream).
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::RateLimited | ErrorKind::Overloaded | ErrorKind::Server | ErrorKind::BadBody
        )
    }

    /// The job error for a job this failure ends.
    pub fn to_job_error(&self) -> JobError {
        let (kind, code) = match self.kind {
            ErrorKind::ContentPolicy => ("content_policy_violation", "content_policy_violation"),
            ErrorKind::InvalidRequest => ("invalid_request_error", "invalid_request"),
            ErrorKind::RateLimited => ("upstream_error", "rate_limited"),
            ErrorKind::Auth => ("upstream_error", "upstream_auth_failed"),
            ErrorKind::NotFound => ("upstream_error", "task_not_found"),
            ErrorKind::Overloaded | ErrorKind::Server => ("upstream_error", "upstream_error"),
            ErrorKind::BadBody => ("upstream_error", "bad_upstream_response"),
        };
        JobError {
            kind: kind.into(),
            code: code.into(),
            message: self.message.clone(),
            provider_code: self.code.clone(),
        }
    }
}

/// Codes vendors use for moderation refusals.
const CONTENT_POLICY_CODES: &[&str] = &[
    "content_policy_violation",
    "moderation_blocked",
    "DataInspectionFailed",
    "data_inspection_failed",
    "1026",
    "1027",
    "1301",
];

/// MiniMax `base_resp.status_code` → the HTTP status it stands for.
fn minimax_status(code: i64) -> u16 {
    match code {
        1002 | 1039 => 429,
        1004 | 2049 => 401,
        1008 => 402,
        1026 | 1027 | 2013 => 400,
        _ => 500,
    }
}

/// Accepts a 2xx reply carrying JSON without an embedded error; anything
/// else becomes a `VendorError`.
pub fn check(reply: &Reply) -> Result<Value, VendorError> {
    let parsed: Option<Value> = serde_json::from_slice(&reply.body).ok();
    let ok = (200..300).contains(&reply.status);
    match parsed {
        None if ok => Err(VendorError::bad_body(reply, "upstream answered non-JSON")),
        None => Err(classify(reply.status, None, snippet(&reply.body))),
        Some(v) => {
            if let Some(e) = embedded(&v) {
                let (status, code, message) = e;
                return Err(classify(
                    if ok { status } else { reply.status },
                    code,
                    message,
                ));
            }
            if ok {
                Ok(v)
            } else {
                let message = match &v {
                    Value::Object(_) => v
                        .get("message")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .unwrap_or_else(|| snippet(&reply.body)),
                    _ => snippet(&reply.body),
                };
                Err(classify(reply.status, None, message))
            }
        }
    }
}

/// An error reported inside the body: (status it implies, code, message).
fn embedded(v: &Value) -> Option<(u16, Option<String>, String)> {
    // MiniMax: base_resp with a non-zero status code, whatever the HTTP status.
    if let Some(code) = v.pointer("/base_resp/status_code").and_then(Value::as_i64) {
        if code != 0 {
            let msg = v
                .pointer("/base_resp/status_msg")
                .and_then(Value::as_str)
                .unwrap_or("MiniMax error");
            return Some((minimax_status(code), Some(code.to_string()), msg.into()));
        }
    }
    // OpenAI envelope (also Ark, Zhipu, DashScope compatible mode).
    if let Some(e) = v.get("error").filter(|e| e.is_object()) {
        // A task object that failed carries `error` beside its id and status;
        // that is a result to read, not a failed call.
        let has_result = v.get("data").is_some_and(|d| !d.is_null())
            || ["output", "id", "status", "task_status"]
                .iter()
                .any(|k| v.get(*k).is_some());
        if !has_result {
            let code = e.get("code").and_then(code_text);
            let message = e
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("upstream error")
                .to_string();
            return Some((500, code, message));
        }
    }
    // DashScope native: top-level code + message and no output.
    if v.get("output").is_none() {
        if let (Some(code), Some(msg)) = (
            v.get("code").and_then(code_text).filter(|c| !c.is_empty()),
            v.get("message").and_then(Value::as_str),
        ) {
            return Some((500, Some(code), msg.to_string()));
        }
    }
    None
}

fn code_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn classify(status: u16, code: Option<String>, message: String) -> VendorError {
    let policy = code
        .as_deref()
        .is_some_and(|c| CONTENT_POLICY_CODES.contains(&c) || c.contains("SensitiveContent"));
    let kind = if policy {
        ErrorKind::ContentPolicy
    } else {
        match status {
            400 | 402 | 409 | 413 | 415 | 422 => ErrorKind::InvalidRequest,
            401 | 403 => ErrorKind::Auth,
            404 => ErrorKind::NotFound,
            429 => ErrorKind::RateLimited,
            503 | 529 => ErrorKind::Overloaded,
            _ => ErrorKind::Server,
        }
    };
    VendorError {
        kind,
        http_status: status,
        code,
        message,
    }
}

/// The start of a body, for error messages.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "(empty body)".into();
    }
    let mut cut = text.len().min(300);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text[..cut].to_string()
}
