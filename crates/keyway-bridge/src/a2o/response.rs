//! OpenAI `chat.completion` → Anthropic `message` (protocols.md §3.2).

use keyway_protocol::{anthropic, openai};
use serde_json::{json, Value};

use crate::ctx::Ctx;
use crate::ids::{sanitize_tool_id, synthetic_signature};
use crate::profile::ReasoningOutput;
use crate::think_tags::{split_all, Piece};

/// Anthropic `stop_reason` for an OpenAI `finish_reason` (§3.5); a turn that
/// produced tool calls always ends with `tool_use`, or Claude Code would
/// stop instead of running the tool.
pub(super) fn stop_reason(finish: Option<&str>, emitted_tool: bool) -> &'static str {
    let mapped = match finish {
        Some("length") => "max_tokens",
        Some("tool_calls") | Some("function_call") => "tool_use",
        Some("content_filter") => "refusal",
        _ => "end_turn",
    };
    if emitted_tool && mapped == "end_turn" {
        "tool_use"
    } else {
        mapped
    }
}

/// Tool input from an OpenAI arguments string; not valid JSON → `{}`.
pub(super) fn parse_arguments(args: &str) -> Value {
    match serde_json::from_str::<Value>(args) {
        Ok(v @ Value::Object(_)) => v,
        _ => json!({}),
    }
}

/// Reasoning text on a message or delta: `reasoning_content` (DeepSeek,
/// Zhipu, Qwen, Ark), the `reasoning` / `thinking` spellings of other
/// servers, or MiniMax `reasoning_details: [{text}]` (with `reasoning_split`).
pub(super) fn reasoning_of(v: &Value) -> Option<String> {
    let plain = ["reasoning_content", "reasoning", "thinking"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str).filter(|s| !s.is_empty()));
    if let Some(s) = plain {
        return Some(s.to_owned());
    }
    let details: String = v
        .get("reasoning_details")
        .and_then(Value::as_array)?
        .iter()
        .filter_map(|d| d.get("text").and_then(Value::as_str))
        .collect();
    (!details.is_empty()).then_some(details)
}

/// Text of an OpenAI `content` (string or array of text parts).
pub(super) fn content_text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect(),
        _ => String::new(),
    }
}

/// The tool id sent to the client: sanitized upstream id, or one derived
/// from the message id when the upstream sent none.
pub(super) fn client_tool_id(upstream: Option<&str>, ctx: &Ctx, position: usize) -> String {
    match upstream.filter(|s| !s.is_empty()) {
        Some(id) => sanitize_tool_id(id),
        None => {
            let tail = ctx.message_id.trim_start_matches("msg_");
            format!("toolu_{tail}_{position}")
        }
    }
}

/// Translate a non-stream OpenAI response body.
pub fn response(body: &Value, ctx: &Ctx) -> Value {
    let choice = body.pointer("/choices/0").cloned().unwrap_or(Value::Null);
    let message = choice.get("message").cloned().unwrap_or(Value::Null);
    let mut thinking = reasoning_of(&message).unwrap_or_default();
    let mut text = String::new();
    let raw = content_text(message.get("content")).to_owned();
    if ctx.profile.reasoning_output == ReasoningOutput::ThinkTags {
        for piece in split_all(&raw) {
            match piece {
                Piece::Thinking(t) => thinking.push_str(&t),
                Piece::Text(t) => text.push_str(&t),
            }
        }
    } else {
        text = raw;
    }
    if text.is_empty() {
        text = message
            .get("refusal")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
    }

    let mut content = Vec::new();
    if !thinking.is_empty() {
        let signature = synthetic_signature(&thinking);
        content.push(json!({"type": "thinking", "thinking": thinking, "signature": signature}));
    }
    if !text.is_empty() {
        content.push(json!({"type": "text", "text": text}));
    }
    let calls = message
        .get("tool_calls")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, call) in calls.iter().enumerate() {
        let name = call
            .pointer("/function/name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let args = call
            .pointer("/function/arguments")
            .and_then(Value::as_str)
            .unwrap_or_default();
        content.push(json!({
            "type": "tool_use",
            "id": client_tool_id(call.get("id").and_then(Value::as_str), ctx, i),
            "name": ctx.original_tool_name(name),
            "input": parse_arguments(args),
        }));
    }
    let finish = choice.get("finish_reason").and_then(Value::as_str);
    let usage = openai::usage_from_body(body);
    json!({
        "id": ctx.message_id,
        "type": "message",
        "role": "assistant",
        "model": ctx.client_model,
        "content": content,
        "stop_reason": stop_reason(finish, !calls.is_empty()),
        "stop_sequence": null,
        "usage": anthropic::usage_json(&usage),
    })
}
