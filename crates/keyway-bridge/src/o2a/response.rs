//! Anthropic `message` → OpenAI `chat.completion` (protocols.md §3.4b).

use keyway_protocol::{anthropic, openai, Usage};
use serde_json::{json, Map, Value};

use crate::ctx::Ctx;

/// OpenAI `finish_reason` for an Anthropic `stop_reason` (§3.5).
pub(super) fn finish_reason(stop: Option<&str>, has_tools: bool) -> &'static str {
    match stop {
        Some("max_tokens") | Some("model_context_window_exceeded") => "length",
        Some("refusal") => "content_filter",
        Some("tool_use") => "tool_calls",
        _ if has_tools => "tool_calls",
        _ => "stop",
    }
}

/// OpenAI usage, with reasoning tokens when the upstream reports them.
pub(super) fn usage_value(u: &Usage, raw: Option<&Value>) -> Value {
    let mut v = openai::usage_json(u);
    if let Some(t) = raw
        .and_then(|r| r.pointer("/output_tokens_details/thinking_tokens"))
        .and_then(Value::as_i64)
    {
        v["completion_tokens_details"] = json!({"reasoning_tokens": t});
    }
    v
}

/// The chat-completion id for an upstream message id.
pub(super) fn completion_id(upstream: Option<&str>, ctx: &Ctx) -> String {
    match upstream.filter(|s| !s.is_empty()) {
        Some(id) => format!("chatcmpl-{id}"),
        None => ctx.message_id.clone(),
    }
}

/// Translate a non-stream Anthropic response body.
pub fn response(body: &Value, ctx: &Ctx) -> Value {
    let mut text = String::new();
    let mut reasoning = String::new();
    let mut thinking_blocks = Vec::new();
    let mut calls = Vec::new();
    for b in body
        .get("content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match b.get("type").and_then(Value::as_str) {
            Some("text") => text.push_str(b["text"].as_str().unwrap_or_default()),
            Some("thinking") => {
                reasoning.push_str(b["thinking"].as_str().unwrap_or_default());
                thinking_blocks.push(b.clone());
            }
            Some("redacted_thinking") => thinking_blocks.push(b.clone()),
            Some("tool_use") => {
                let input = b.get("input").cloned().unwrap_or_else(|| json!({}));
                calls.push(json!({
                    "id": b["id"],
                    "type": "function",
                    "function": {"name": b["name"], "arguments": input.to_string()},
                }));
            }
            _ => {}
        }
    }
    let mut message = Map::new();
    message.insert("role".into(), json!("assistant"));
    let content = if text.is_empty() && !calls.is_empty() {
        Value::Null
    } else {
        json!(text)
    };
    message.insert("content".into(), content);
    if !reasoning.is_empty() {
        message.insert("reasoning_content".into(), json!(reasoning));
    }
    if !thinking_blocks.is_empty() {
        // Lets a client that echoes the message back keep signed thinking.
        message.insert("thinking_blocks".into(), Value::Array(thinking_blocks));
    }
    if !calls.is_empty() {
        message.insert("tool_calls".into(), Value::Array(calls.clone()));
    }
    message.insert("refusal".into(), Value::Null);
    let stop = body.get("stop_reason").and_then(Value::as_str);
    let usage = anthropic::usage_from_event(body);
    json!({
        "id": completion_id(body.get("id").and_then(Value::as_str), ctx),
        "object": "chat.completion",
        "created": ctx.created,
        "model": ctx.client_model,
        "choices": [{
            "index": 0,
            "message": message,
            "finish_reason": finish_reason(stop, !calls.is_empty()),
            "logprobs": null,
        }],
        "usage": usage_value(&usage, body.get("usage")),
    })
}
