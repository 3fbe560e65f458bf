//! OpenAI request → Anthropic request (protocols.md §3.4).

use serde_json::{json, Map, Value};

use super::messages;
use crate::ctx::Ctx;
use crate::ids::is_genuine_signature;
use crate::profile::VendorProfile;
use crate::reasoning::budget_for_effort;
use crate::BridgeError;

fn convert_tools(body: &Value) -> Result<Vec<Value>, BridgeError> {
    let mut out = Vec::new();
    let tools = body
        .get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    // Legacy `functions` are plain function definitions.
    let legacy = body
        .get("functions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    for f in tools
        .map(|t| (t.get("type").and_then(Value::as_str), t.get("function")))
        .chain(legacy.map(|f| (Some("function"), Some(f))))
    {
        match f {
            (None | Some("function"), Some(func)) => {
                let name = func.get("name").and_then(Value::as_str).unwrap_or_default();
                let mut tool = Map::new();
                tool.insert("name".into(), json!(name));
                if let Some(d) = func.get("description").and_then(Value::as_str) {
                    tool.insert("description".into(), json!(d));
                }
                let schema = func
                    .get("parameters")
                    .filter(|p| p.is_object())
                    .cloned()
                    .unwrap_or_else(|| json!({"type": "object", "properties": {}}));
                tool.insert("input_schema".into(), schema);
                out.push(Value::Object(tool));
            }
            (Some(kind), _) => {
                return Err(BridgeError::new(format!(
                    "tools of type '{kind}' are not supported on this model"
                )))
            }
            (None, None) => return Err(BridgeError::new("tool without a function definition")),
        }
    }
    Ok(out)
}

fn convert_tool_choice(body: &Value) -> Option<Value> {
    let mut choice = match body
        .get("tool_choice")
        .or_else(|| body.get("function_call"))
    {
        Some(Value::String(s)) => match s.as_str() {
            "required" => json!({"type": "any"}),
            "none" => json!({"type": "none"}),
            _ => json!({"type": "auto"}),
        },
        Some(Value::Object(o)) => {
            let name = o
                .get("function")
                .and_then(|f| f.get("name"))
                .or_else(|| o.get("name"))
                .and_then(Value::as_str);
            match name {
                Some(n) => json!({"type": "tool", "name": n}),
                None => json!({"type": "auto"}),
            }
        }
        _ => Value::Null,
    };
    if body.get("parallel_tool_calls").and_then(Value::as_bool) == Some(false) {
        if choice.is_null() {
            choice = json!({"type": "auto"});
        }
        if choice["type"] != "none" {
            choice["disable_parallel_tool_use"] = json!(true);
        }
    }
    (!choice.is_null()).then_some(choice)
}

/// Anthropic `thinking` for the request: the client's own `thinking` object
/// if it sent one, else derived from `reasoning_effort`.
fn thinking_config(body: &Value) -> Option<Value> {
    if let Some(t) = body.get("thinking").filter(|t| t.is_object()) {
        return Some(t.clone());
    }
    let effort = body.get("reasoning_effort").and_then(Value::as_str)?;
    budget_for_effort(effort).map(|b| json!({"type": "enabled", "budget_tokens": b}))
}

/// With thinking on, Anthropic wants the latest assistant tool-call turn
/// to start with a signed thinking block; a history from elsewhere cannot
/// provide one, so thinking is switched off rather than getting a 400.
fn history_allows_thinking(msgs: &[Value]) -> bool {
    let Some(last_assistant) = msgs.iter().rev().find(|m| m["role"] == "assistant") else {
        return true;
    };
    let blocks = last_assistant["content"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let has_tool = blocks.iter().any(|b| b["type"] == "tool_use");
    let signed = blocks.first().is_some_and(|b| {
        b["type"] == "redacted_thinking"
            || (b["type"] == "thinking"
                && b["signature"].as_str().is_some_and(is_genuine_signature))
    });
    !has_tool || signed
}

/// Translate an OpenAI chat-completions request for an Anthropic-protocol
/// upstream.
pub fn request(
    body: &Value,
    upstream_model: &str,
    profile: &VendorProfile,
) -> Result<(Value, Ctx), BridgeError> {
    if !body.is_object() {
        return Err(BridgeError::new("request body must be a JSON object"));
    }
    let input = body
        .get("messages")
        .and_then(Value::as_array)
        .ok_or_else(|| BridgeError::new("`messages` must be an array"))?;
    if body.get("n").and_then(Value::as_i64).is_some_and(|n| n > 1) {
        return Err(BridgeError::new("n > 1 is not supported on this model"));
    }
    let client_model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut ctx = Ctx::new(client_model, upstream_model, profile, "chatcmpl-");
    ctx.stream = body.get("stream").and_then(Value::as_bool) == Some(true);
    ctx.include_usage = body
        .pointer("/stream_options/include_usage")
        .and_then(Value::as_bool)
        == Some(true);

    let (mut system, msgs) = messages::convert(input)?;
    let mut out = Map::new();
    out.insert("model".into(), json!(upstream_model));

    let mut max_tokens = body
        .get("max_completion_tokens")
        .or_else(|| body.get("max_tokens"))
        .and_then(Value::as_i64)
        .unwrap_or(profile.default_max_tokens);

    match body
        .pointer("/response_format/type")
        .and_then(Value::as_str)
    {
        Some("json_schema") => {
            let schema = body
                .pointer("/response_format/json_schema/schema")
                .cloned()
                .unwrap_or_else(|| json!({"type": "object"}));
            out.insert(
                "output_config".into(),
                json!({"format": {"type": "json_schema", "schema": schema}}),
            );
        }
        Some("json_object") => {
            system.push(
                json!({"type": "text", "text": "Respond only with a single valid JSON object."}),
            );
        }
        _ => {}
    }
    if !system.is_empty() {
        out.insert("system".into(), Value::Array(system));
    }

    let thinking = thinking_config(body).filter(|_| history_allows_thinking(&msgs));
    let thinking_on = thinking
        .as_ref()
        .is_some_and(|t| t["type"] == "enabled" || t["type"] == "adaptive");
    if let Some(budget) = thinking.as_ref().and_then(|t| t["budget_tokens"].as_i64()) {
        if max_tokens <= budget {
            max_tokens += budget; // Anthropic: budget_tokens < max_tokens
        }
    }
    out.insert("messages".into(), Value::Array(msgs));
    out.insert("max_tokens".into(), json!(max_tokens));

    match body.get("stop") {
        Some(Value::String(s)) => {
            out.insert("stop_sequences".into(), json!([s]));
        }
        Some(Value::Array(a)) if !a.is_empty() => {
            out.insert("stop_sequences".into(), Value::Array(a.clone()));
        }
        _ => {}
    }
    // With thinking on Anthropic accepts only the default temperature.
    if let Some(t) = body
        .get("temperature")
        .and_then(Value::as_f64)
        .filter(|_| !thinking_on)
    {
        out.insert("temperature".into(), json!(t.clamp(0.0, 1.0)));
    }
    if let Some(p) = body.get("top_p").filter(|p| p.is_number()) {
        out.insert("top_p".into(), p.clone());
    }
    if let Some(u) = body
        .get("user")
        .or_else(|| body.get("safety_identifier"))
        .and_then(Value::as_str)
    {
        out.insert("metadata".into(), json!({"user_id": u}));
    }

    let tools = convert_tools(body)?;
    if !tools.is_empty() {
        out.insert("tools".into(), Value::Array(tools));
        if let Some(mut choice) = convert_tool_choice(body) {
            // Thinking forbids forcing a tool.
            if thinking_on && (choice["type"] == "any" || choice["type"] == "tool") {
                choice = json!({"type": "auto"});
            }
            out.insert("tool_choice".into(), choice);
        }
    }
    if let Some(t) = thinking {
        out.insert("thinking".into(), t);
    }
    ctx.thinking = thinking_on;
    if ctx.stream {
        out.insert("stream".into(), json!(true));
    }
    Ok((Value::Object(out), ctx))
}
