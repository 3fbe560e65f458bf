//! Error bodies translated between protocols (protocols.md §3.8).

use keyway_protocol::{anthropic, openai};
use serde_json::Value;

/// Anthropic `error.type` for an error object found inside an OpenAI-style
/// stream chunk (no HTTP status there, so read its type / code).
pub fn anthropic_type_for_openai_error(err: &Value) -> &'static str {
    if let Some(status) = err
        .get("status")
        .or_else(|| err.get("code"))
        .and_then(Value::as_u64)
    {
        if (400..600).contains(&status) {
            return anthropic::error_type_for_status(status as u16);
        }
    }
    let words = [err.get("type"), err.get("code")]
        .iter()
        .filter_map(|v| v.and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    let table = [
        ("rate_limit", "rate_limit_error"),
        ("overload", "overloaded_error"),
        ("authentication", "authentication_error"),
        ("invalid_api_key", "authentication_error"),
        ("permission", "permission_error"),
        ("not_found", "not_found_error"),
        ("insufficient", "billing_error"),
        ("context_length", "invalid_request_error"),
        ("invalid_request", "invalid_request_error"),
        ("timeout", "timeout_error"),
    ];
    table
        .iter()
        .find(|(needle, _)| words.contains(needle))
        .map(|(_, t)| *t)
        .unwrap_or("api_error")
}

/// OpenAI `error.type` for an HTTP status.
pub fn openai_type_for_status(status: u16) -> &'static str {
    match status {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        429 => "rate_limit_error",
        400..=499 => "invalid_request_error",
        _ => "server_error",
    }
}

/// An OpenAI-protocol (or vendor-native) upstream error → the Anthropic
/// client's status and body. 503 becomes 529 `overloaded_error`, the
/// status Anthropic clients retry as "overloaded".
pub fn openai_to_anthropic(status: u16, body: &[u8]) -> (u16, Vec<u8>) {
    let message = openai::extract_error_message(body);
    let status = if status == 503 { 529 } else { status };
    (
        status,
        anthropic::error_body(anthropic::error_type_for_status(status), &message),
    )
}

/// An Anthropic-protocol upstream error → the OpenAI client's status and
/// body; 529 becomes 503, which OpenAI SDKs know.
pub fn anthropic_to_openai(status: u16, body: &[u8]) -> (u16, Vec<u8>) {
    let message = openai::extract_error_message(body);
    let upstream_type = serde_json::from_slice::<Value>(body).ok().and_then(|v| {
        v.pointer("/error/type")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let status = if status == 529 { 503 } else { status };
    let type_ = upstream_type.unwrap_or_else(|| openai_type_for_status(status).to_owned());
    (status, openai::error_body(&message, &type_, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(b: &[u8]) -> Value {
        serde_json::from_slice(b).unwrap()
    }

    #[test]
    fn openai_to_anthropic_table() {
        let cases: Vec<(u16, &[u8], u16, &str, &str)> = vec![
            (
                400,
                br#"{"error":{"message":"bad param","type":"invalid_request_error"}}"#,
                400,
                "invalid_request_error",
                "bad param",
            ),
            (
                401,
                br#"{"error":{"message":"no key"}}"#,
                401,
                "authentication_error",
                "no key",
            ),
            (
                402,
                br#"{"error":{"message":"Insufficient Balance"}}"#,
                402,
                "billing_error",
                "Insufficient Balance",
            ),
            (
                422,
                br#"{"message":"flat","type":"x"}"#,
                422,
                "invalid_request_error",
                "flat",
            ),
            (
                429,
                br#"{"error":{"message":"slow down"}}"#,
                429,
                "rate_limit_error",
                "slow down",
            ),
            (
                503,
                br#"{"error":{"message":"busy"}}"#,
                529,
                "overloaded_error",
                "busy",
            ),
            (
                504,
                b"gateway timeout",
                504,
                "timeout_error",
                "gateway timeout",
            ),
            (
                500,
                br#"{"base_resp":{"status_code":1000,"status_msg":"unknown"}}"#,
                500,
                "api_error",
                "unknown",
            ),
        ];
        for (status, body, want_status, want_type, want_msg) in cases {
            let (s, b) = openai_to_anthropic(status, body);
            assert_eq!(s, want_status);
            assert_eq!(
                parse(&b),
                json!({"type":"error","error":{"type":want_type,"message":want_msg}})
            );
        }
    }

    #[test]
    fn anthropic_to_openai_table() {
        let (s, b) = anthropic_to_openai(
            529,
            br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
        );
        assert_eq!(s, 503);
        assert_eq!(
            parse(&b),
            json!({"error":{"message":"Overloaded","type":"overloaded_error","param":null,"code":null}})
        );
        let (s, b) = anthropic_to_openai(400, br#"{"type":"error","error":{"type":"invalid_request_error","message":"messages: bad signature"}}"#);
        assert_eq!(s, 400);
        assert_eq!(parse(&b)["error"]["message"], "messages: bad signature");
        let (s, b) = anthropic_to_openai(502, b"<html>bad gateway</html>");
        assert_eq!(s, 502);
        assert_eq!(parse(&b)["error"]["type"], "server_error");
    }

    #[test]
    fn stream_error_type_table() {
        let cases = [
            (
                json!({"message":"x","type":"rate_limit_exceeded"}),
                "rate_limit_error",
            ),
            (
                json!({"message":"x","code":"server_overloaded"}),
                "overloaded_error",
            ),
            (json!({"message":"x","code":429}), "rate_limit_error"),
            (
                json!({"message":"x","type":"invalid_request_error","code":"context_length_exceeded"}),
                "invalid_request_error",
            ),
            (json!({"message":"x"}), "api_error"),
        ];
        for (err, want) in cases {
            assert_eq!(anthropic_type_for_openai_error(&err), want, "{err}");
        }
    }
}
