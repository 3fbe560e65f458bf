//! OpenAI Chat Completions helpers: usage, error envelopes, error text.

use serde_json::{json, Value};

use crate::Usage;

/// Longest raw upstream text echoed back when a body has no recognisable
/// error message.
const MAX_RAW_ERROR: usize = 2000;

fn int(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))
}

/// Usage from a `chat.completion` body, a `chat.completion.chunk`, or a bare
/// `usage` object. Cached prompt tokens (`prompt_tokens_details.cached_tokens`,
/// DeepSeek `prompt_cache_hit_tokens`) are split out of `prompt_tokens`, so
/// `input_tokens` is the uncached part (see [`Usage`]).
pub fn usage_from_body(v: &Value) -> Usage {
    let u = match v.get("usage") {
        Some(u) if u.is_object() => u,
        Some(_) => return Usage::default(),
        None if v.get("prompt_tokens").is_some() || v.get("completion_tokens").is_some() => v,
        None => return Usage::default(),
    };
    let details = u.get("prompt_tokens_details");
    let cache_read = details
        .and_then(|d| d.get("cached_tokens"))
        .and_then(int)
        .or_else(|| u.get("prompt_cache_hit_tokens").and_then(int));
    let cache_creation = details
        .and_then(|d| {
            d.get("cache_write_tokens")
                .or_else(|| d.get("cache_creation_tokens"))
        })
        .and_then(int)
        .or_else(|| u.get("cache_creation_input_tokens").and_then(int));
    let input = u
        .get("prompt_tokens")
        .and_then(int)
        .map(|p| (p - cache_read.unwrap_or(0) - cache_creation.unwrap_or(0)).max(0));
    Usage {
        input_tokens: input,
        output_tokens: u.get("completion_tokens").and_then(int),
        cache_read_tokens: cache_read,
        cache_creation_tokens: cache_creation,
    }
}

/// The OpenAI `usage` object for a [`Usage`]: `prompt_tokens` includes the
/// cached tokens again.
pub fn usage_json(u: &Usage) -> Value {
    let prompt = u.total_input_tokens();
    let completion = u.output_tokens.unwrap_or(0);
    let mut v = json!({
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    });
    if u.cache_read_tokens.is_some() || u.cache_creation_tokens.is_some() {
        v["prompt_tokens_details"] = json!({"cached_tokens": u.cache_read_tokens.unwrap_or(0)});
    }
    v
}

/// `{"error":{"message","type","param":null,"code"}}`.
pub fn error_value(message: &str, type_: &str, code: Option<&str>) -> Value {
    json!({"error": {"message": message, "type": type_, "param": null, "code": code}})
}

/// Serialized [`error_value`].
pub fn error_body(message: &str, type_: &str, code: Option<&str>) -> Vec<u8> {
    error_value(message, type_, code).to_string().into_bytes()
}

/// A complete SSE frame carrying an error; the OpenAI SDK raises on any
/// `data:` JSON with a top-level `error`.
pub fn stream_error_chunk(message: &str, type_: &str, code: Option<&str>) -> Vec<u8> {
    let mut out = Vec::new();
    crate::sse::write_event(&mut out, None, &error_body(message, type_, code));
    out
}

/// Best-effort human message out of any upstream error body.
pub fn extract_error_message(body: &[u8]) -> String {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        if let Some(m) = message_in(&v) {
            return m;
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    truncate(text, MAX_RAW_ERROR)
}

/// The error hidden in a body that came with a 2xx status, if any: a
/// non-null top-level `error`, or MiniMax `base_resp.status_code != 0`
/// (MiniMax reports failures with HTTP 200). Returns the message.
pub fn embedded_error(v: &Value) -> Option<String> {
    let has_error = v.get("error").is_some_and(|e| !e.is_null());
    let base_failed = v
        .pointer("/base_resp/status_code")
        .and_then(int)
        .is_some_and(|c| c != 0);
    if !has_error && !base_failed {
        return None;
    }
    Some(message_in(v).unwrap_or_else(|| truncate(&v.to_string(), MAX_RAW_ERROR)))
}

fn nonempty(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn message_in(v: &Value) -> Option<String> {
    // OpenAI and Anthropic: {"error":{"message"}}; some proxies: {"error":"..."}.
    if let Some(e) = v.get("error") {
        if let Some(m) = nonempty(e.get("message")).or_else(|| nonempty(Some(e))) {
            return Some(m);
        }
    }
    // MiniMax reports failures in base_resp, sometimes with HTTP 200.
    if let Some(b) = v.get("base_resp") {
        let failed = b.get("status_code").and_then(int).is_some_and(|c| c != 0);
        if failed {
            if let Some(m) = nonempty(b.get("status_msg")) {
                return Some(m);
            }
        }
    }
    // DashScope native {code,message}, flat {message}, and other common keys.
    nonempty(v.get("message"))
        .or_else(|| nonempty(v.get("msg")))
        .or_else(|| nonempty(v.get("detail")))
        .or_else(|| nonempty(v.get("error_msg")))
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_table() {
        let cases: &[(Value, Usage)] = &[
            (
                json!({"usage":{"prompt_tokens":100,"completion_tokens":5,"total_tokens":105,
                    "prompt_tokens_details":{"cached_tokens":40}}}),
                Usage {
                    input_tokens: Some(60),
                    output_tokens: Some(5),
                    cache_read_tokens: Some(40),
                    cache_creation_tokens: None,
                },
            ),
            (
                json!({"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":2,
                    "prompt_cache_hit_tokens":8,"prompt_cache_miss_tokens":2}}),
                Usage {
                    input_tokens: Some(2),
                    output_tokens: Some(2),
                    cache_read_tokens: Some(8),
                    cache_creation_tokens: None,
                },
            ),
            (
                json!({"prompt_tokens":9,"completion_tokens":1}),
                Usage {
                    input_tokens: Some(9),
                    output_tokens: Some(1),
                    ..Usage::default()
                },
            ),
            (
                json!({"usage":{"prompt_tokens":10,"completion_tokens":1,
                    "prompt_tokens_details":{"cached_tokens":3,"cache_write_tokens":4}}}),
                Usage {
                    input_tokens: Some(3),
                    output_tokens: Some(1),
                    cache_read_tokens: Some(3),
                    cache_creation_tokens: Some(4),
                },
            ),
            (
                json!({"choices":[{"delta":{"content":"x"}}],"usage":null}),
                Usage::default(),
            ),
            (json!({"id":"x"}), Usage::default()),
        ];
        for (body, want) in cases {
            assert_eq!(&usage_from_body(body), want, "{body}");
        }
    }

    #[test]
    fn usage_json_adds_cache_back() {
        let u = Usage {
            input_tokens: Some(60),
            output_tokens: Some(5),
            cache_read_tokens: Some(40),
            cache_creation_tokens: None,
        };
        assert_eq!(
            usage_json(&u),
            json!({"prompt_tokens":100,"completion_tokens":5,"total_tokens":105,"prompt_tokens_details":{"cached_tokens":40}})
        );
    }

    #[test]
    fn error_envelopes() {
        let v: Value =
            serde_json::from_slice(&error_body("bad", "invalid_request_error", Some("x"))).unwrap();
        assert_eq!(
            v,
            json!({"error":{"message":"bad","type":"invalid_request_error","param":null,"code":"x"}})
        );
        let frame = stream_error_chunk("boom", "server_error", None);
        let s = String::from_utf8(frame).unwrap();
        assert!(s.starts_with("data: {"), "{s}");
        assert!(s.ends_with("}\n\n"), "{s}");
        let v: Value = serde_json::from_str(s.trim_start_matches("data: ").trim()).unwrap();
        assert_eq!(v["error"]["message"], "boom");
        assert_eq!(v["error"]["code"], Value::Null);
    }

    #[test]
    fn embedded_error_table() {
        let cases = [
            (
                json!({"choices":[],"base_resp":{"status_code":0,"status_msg":""}}),
                None,
            ),
            (
                json!({"id":"x","choices":[{"message":{"content":"hi"}}]}),
                None,
            ),
            (json!({"error":null,"choices":[]}), None),
            (
                json!({"base_resp":{"status_code":1008,"status_msg":"insufficient balance"}}),
                Some("insufficient balance"),
            ),
            (
                json!({"error":{"message":"quota","type":"x"}}),
                Some("quota"),
            ),
        ];
        for (v, want) in cases {
            assert_eq!(embedded_error(&v).as_deref(), want, "{v}");
        }
    }

    #[test]
    fn extract_error_message_table() {
        let long = "x".repeat(5000);
        let cases: Vec<(Vec<u8>, String)> = vec![
            (
                br#"{"error":{"message":"Invalid key","type":"invalid_request_error"}}"#.to_vec(),
                "Invalid key".into(),
            ),
            (
                br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#
                    .to_vec(),
                "Overloaded".into(),
            ),
            (br#"{"message":"flat"}"#.to_vec(), "flat".into()),
            (
                br#"{"base_resp":{"status_code":1004,"status_msg":"login fail"}}"#.to_vec(),
                "login fail".into(),
            ),
            (
                br#"{"code":"InvalidParameter","message":"bad top_p","request_id":"r"}"#.to_vec(),
                "bad top_p".into(),
            ),
            (
                br#"{"error":"plain string"}"#.to_vec(),
                "plain string".into(),
            ),
            (
                b"<html>502 Bad Gateway</html>\n".to_vec(),
                "<html>502 Bad Gateway</html>".into(),
            ),
            (long.clone().into_bytes(), "x".repeat(2000)),
        ];
        for (body, want) in cases {
            assert_eq!(
                extract_error_message(&body),
                want,
                "{}",
                String::from_utf8_lossy(&body)
            );
        }
        // Truncation never splits a UTF-8 character.
        let wide = "\u{4e2d}".repeat(1000);
        let got = extract_error_message(wide.as_bytes());
        assert!(got.len() <= 2000 && got.chars().all(|c| c == '\u{4e2d}'));
    }
}
