//! Anthropic Messages helpers: usage, error types and envelopes.

use serde_json::{json, Value};

use crate::Usage;

fn int(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))
}

/// Usage from a stream event (`message_start` → `message.usage`,
/// `message_delta` → `usage`), a non-stream message body, or a bare usage
/// object. Absent or null fields stay `None` so that merging keeps the
/// earlier snapshot.
pub fn usage_from_event(v: &Value) -> Usage {
    let u = if let Some(u) = v.get("message").and_then(|m| m.get("usage")) {
        u
    } else if let Some(u) = v.get("usage") {
        u
    } else if v.get("input_tokens").is_some() || v.get("output_tokens").is_some() {
        v
    } else {
        return Usage::default();
    };
    Usage {
        input_tokens: u.get("input_tokens").and_then(int),
        output_tokens: u.get("output_tokens").and_then(int),
        cache_read_tokens: u.get("cache_read_input_tokens").and_then(int),
        cache_creation_tokens: u.get("cache_creation_input_tokens").and_then(int),
    }
}

/// The Anthropic `usage` object for a [`Usage`] (unknown counts as 0).
pub fn usage_json(u: &Usage) -> Value {
    json!({
        "input_tokens": u.input_tokens.unwrap_or(0),
        "output_tokens": u.output_tokens.unwrap_or(0),
        "cache_creation_input_tokens": u.cache_creation_tokens.unwrap_or(0),
        "cache_read_input_tokens": u.cache_read_tokens.unwrap_or(0),
    })
}

/// `error.type` for an HTTP status (protocols.md §2.7, §3.8).
pub fn error_type_for_status(status: u16) -> &'static str {
    match status {
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        503 | 529 => "overloaded_error",
        504 => "timeout_error",
        400..=499 => "invalid_request_error",
        _ => "api_error",
    }
}

/// `{"type":"error","error":{"type","message"}}`.
pub fn error_value(type_: &str, message: &str) -> Value {
    json!({"type": "error", "error": {"type": type_, "message": message}})
}

/// Serialized [`error_value`].
pub fn error_body(type_: &str, message: &str) -> Vec<u8> {
    error_value(type_, message).to_string().into_bytes()
}

/// A complete `event: error` SSE frame, for failures after the 200 went out.
pub fn stream_error_event(type_: &str, message: &str) -> Vec<u8> {
    let mut out = Vec::new();
    crate::sse::write_event(&mut out, Some("error"), &error_body(type_, message));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_table() {
        let cases: &[(Value, Usage)] = &[
            (
                json!({"type":"message_start","message":{"usage":{"input_tokens":25,"output_tokens":1,
                    "cache_creation_input_tokens":0,"cache_read_input_tokens":7}}}),
                Usage {
                    input_tokens: Some(25),
                    output_tokens: Some(1),
                    cache_read_tokens: Some(7),
                    cache_creation_tokens: Some(0),
                },
            ),
            (
                json!({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":89}}),
                Usage {
                    output_tokens: Some(89),
                    ..Usage::default()
                },
            ),
            (
                json!({"type":"message","content":[],"usage":{"input_tokens":3,"output_tokens":4}}),
                Usage {
                    input_tokens: Some(3),
                    output_tokens: Some(4),
                    ..Usage::default()
                },
            ),
            (json!({"type":"ping"}), Usage::default()),
        ];
        for (v, want) in cases {
            assert_eq!(&usage_from_event(v), want, "{v}");
        }
    }

    #[test]
    fn status_table() {
        let cases = [
            (400, "invalid_request_error"),
            (401, "authentication_error"),
            (402, "billing_error"),
            (403, "permission_error"),
            (404, "not_found_error"),
            (409, "invalid_request_error"),
            (413, "request_too_large"),
            (422, "invalid_request_error"),
            (429, "rate_limit_error"),
            (500, "api_error"),
            (502, "api_error"),
            (503, "overloaded_error"),
            (504, "timeout_error"),
            (529, "overloaded_error"),
        ];
        for (status, want) in cases {
            assert_eq!(error_type_for_status(status), want, "{status}");
        }
    }

    #[test]
    fn error_frames() {
        let v: Value = serde_json::from_slice(&error_body("api_error", "x")).unwrap();
        assert_eq!(
            v,
            json!({"type":"error","error":{"type":"api_error","message":"x"}})
        );
        let s = String::from_utf8(stream_error_event("overloaded_error", "Overloaded")).unwrap();
        let data = s.strip_prefix("event: error\ndata: ").unwrap();
        let data = data.strip_suffix("\n\n").unwrap();
        let v: Value = serde_json::from_str(data).unwrap();
        assert_eq!(
            v,
            json!({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})
        );
    }
}
