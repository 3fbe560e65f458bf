//! Anthropic `system` + `messages` → OpenAI `messages` (protocols.md §3.1).

use std::collections::HashSet;

use serde_json::{json, Map, Value};

use crate::ctx::Ctx;
use crate::ids::sanitize_tool_id;
use crate::profile::{MidSystem, ReasoningEcho};
use crate::{BridgeError, INTERRUPTED_TOOL_RESULT};

/// Joined text of a string or an array of text blocks.
pub(crate) fn text_of(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .filter_map(|b| match b.get("type").and_then(Value::as_str) {
                Some("text") => b.get("text").and_then(Value::as_str),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n\n"),
        _ => String::new(),
    }
}

fn image_url(block: &Value) -> Option<String> {
    let src = block.get("source")?;
    match src.get("type").and_then(Value::as_str) {
        Some("base64") => Some(format!(
            "data:{};base64,{}",
            src.get("media_type")
                .and_then(Value::as_str)
                .unwrap_or("image/png"),
            src.get("data").and_then(Value::as_str).unwrap_or_default()
        )),
        Some("url") => src.get("url").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

/// An `image` block as an OpenAI part; a short note for vendors that take
/// no images (DeepSeek 400s on `image_url` parts, which would break every
/// later turn of a conversation that once read a screenshot).
fn image_part(block: &Value, ctx: &Ctx) -> Option<Value> {
    let url = image_url(block)?;
    Some(if ctx.profile.images {
        json!({"type": "image_url", "image_url": {"url": url}})
    } else {
        json!({"type": "text", "text": "[image omitted: not supported by this model]"})
    })
}

/// A `document` block as OpenAI content parts: text sources become text,
/// base64 PDFs become a `file` part for OpenAI itself, anything else a
/// short note (failing the whole conversation over an old attachment would
/// be worse than losing it).
fn document_part(block: &Value, ctx: &Ctx) -> Value {
    let src = block.get("source").cloned().unwrap_or(Value::Null);
    let kind = src.get("type").and_then(Value::as_str);
    let media = src.get("media_type").and_then(Value::as_str).unwrap_or("");
    if kind == Some("text") {
        let text = src.get("data").and_then(Value::as_str).unwrap_or_default();
        return json!({"type": "text", "text": text});
    }
    if kind == Some("content") {
        return json!({"type": "text", "text": text_of(src.get("content").unwrap_or(&Value::Null))});
    }
    if kind == Some("base64") && ctx.profile.name == "openai" {
        let data = src.get("data").and_then(Value::as_str).unwrap_or_default();
        let filename = block
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or("document.pdf");
        return json!({"type": "file", "file": {"filename": filename, "file_data": format!("data:{media};base64,{data}")}});
    }
    let what = if media.is_empty() { "document" } else { media };
    json!({"type": "text", "text": format!("[{what} attachment omitted: not supported by this model]")})
}

/// OpenAI content from parts: a plain string when all parts are text (many
/// vendors accept only strings), else the parts array.
fn content_from_parts(parts: Vec<Value>) -> Value {
    if parts
        .iter()
        .all(|p| p.get("type").and_then(Value::as_str) == Some("text"))
    {
        let texts: Vec<&str> = parts.iter().filter_map(|p| p["text"].as_str()).collect();
        Value::String(texts.join("\n\n"))
    } else {
        Value::Array(parts)
    }
}

/// Content of a `tool_result`: text for the tool message, plus images that
/// must travel in a user message (tool messages are text-only on most
/// vendors).
fn tool_result_content(block: &Value, ctx: &Ctx) -> (String, Vec<Value>) {
    let mut texts = Vec::new();
    let mut images = Vec::new();
    match block.get("content") {
        Some(Value::String(s)) => texts.push(s.clone()),
        Some(Value::Array(items)) => {
            for item in items {
                match item.get("type").and_then(Value::as_str) {
                    Some("text") => {
                        texts.push(item["text"].as_str().unwrap_or_default().to_owned())
                    }
                    Some("image") | Some("document") => {
                        let part = if item["type"] == "image" {
                            image_part(item, ctx)
                        } else {
                            Some(document_part(item, ctx))
                        };
                        if let Some(p) = part {
                            match p["text"].as_str() {
                                Some(t) => texts.push(t.to_owned()),
                                None => images.push(p),
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    let mut text = texts.join("\n\n");
    if text.is_empty() {
        // Several vendors reject empty tool content.
        text = if block.get("is_error").and_then(Value::as_bool) == Some(true) {
            "(error)"
        } else {
            "(empty)"
        }
        .into();
    }
    (text, images)
}

fn user_turn(content: &Value, out: &mut Vec<Value>, ctx: &Ctx) {
    let Value::Array(blocks) = content else {
        let text = text_of(content);
        if !text.is_empty() {
            out.push(json!({"role": "user", "content": text}));
        }
        return;
    };
    let mut parts = Vec::new();
    // Tool results go first, as separate tool messages, whatever their
    // position among the blocks.
    for b in blocks {
        match b.get("type").and_then(Value::as_str) {
            Some("tool_result") => {
                let id = sanitize_tool_id(
                    b.get("tool_use_id")
                        .and_then(Value::as_str)
                        .unwrap_or_default(),
                );
                let (text, images) = tool_result_content(b, ctx);
                out.push(json!({"role": "tool", "tool_call_id": id, "content": text}));
                parts.extend(images);
            }
            Some("text") => {
                let t = b.get("text").and_then(Value::as_str).unwrap_or_default();
                if !t.is_empty() {
                    parts.push(json!({"type": "text", "text": t}));
                }
            }
            Some("image") => parts.extend(image_part(b, ctx)),
            Some("document") => parts.push(document_part(b, ctx)),
            _ => {} // thinking, server-tool results, search results: nothing to send
        }
    }
    if !parts.is_empty() {
        out.push(json!({"role": "user", "content": content_from_parts(parts)}));
    }
}

fn assistant_turn(content: &Value, out: &mut Vec<Value>, ctx: &mut Ctx) {
    let mut text = String::new();
    let mut thinking = String::new();
    let mut calls = Vec::new();
    match content {
        Value::String(s) => text.push_str(s),
        Value::Array(blocks) => {
            for b in blocks {
                match b.get("type").and_then(Value::as_str) {
                    Some("text") => {
                        text.push_str(b.get("text").and_then(Value::as_str).unwrap_or_default())
                    }
                    Some("thinking") => thinking.push_str(
                        b.get("thinking")
                            .and_then(Value::as_str)
                            .unwrap_or_default(),
                    ),
                    Some("tool_use") => {
                        let name = b.get("name").and_then(Value::as_str).unwrap_or_default();
                        let input = b.get("input").cloned().unwrap_or_else(|| json!({}));
                        calls.push(json!({
                            "id": sanitize_tool_id(b.get("id").and_then(Value::as_str).unwrap_or_default()),
                            "type": "function",
                            "function": {"name": ctx.upstream_tool_name(name), "arguments": input.to_string()},
                        }));
                    }
                    _ => {} // redacted_thinking and server tools cannot be expressed
                }
            }
        }
        _ => {}
    }
    let mut msg = Map::new();
    msg.insert("role".into(), json!("assistant"));
    match ctx.profile.reasoning_echo {
        ReasoningEcho::ToolCallTurns { placeholder }
            if !calls.is_empty() && (placeholder || !thinking.is_empty()) =>
        {
            msg.insert("reasoning_content".into(), json!(thinking));
        }
        ReasoningEcho::InlineThinkTags if !thinking.is_empty() => {
            text = format!("<think>\n{thinking}\n</think>\n\n{text}");
        }
        _ => {}
    }
    if text.is_empty() && calls.is_empty() {
        return; // e.g. a turn that held only thinking: nothing to send
    }
    msg.insert(
        "content".into(),
        if text.is_empty() {
            Value::Null
        } else {
            json!(text)
        },
    );
    if !calls.is_empty() {
        msg.insert("tool_calls".into(), Value::Array(calls));
    }
    out.push(Value::Object(msg));
}

/// OpenAI messages for the Anthropic `system` and `messages`.
pub(crate) fn convert(body: &Value, ctx: &mut Ctx) -> Result<Vec<Value>, BridgeError> {
    let messages = body
        .get("messages")
        .and_then(Value::as_array)
        .ok_or_else(|| BridgeError::new("`messages` must be an array"))?;
    let mut system = body.get("system").map(text_of).unwrap_or_default();
    let mut out = Vec::new();
    for m in messages {
        let content = m.get("content").unwrap_or(&Value::Null);
        match m.get("role").and_then(Value::as_str) {
            Some("user") => user_turn(content, &mut out, ctx),
            Some("assistant") => assistant_turn(content, &mut out, ctx),
            Some("system") => {
                let text = text_of(content);
                match ctx.profile.mid_system {
                    MidSystem::InPlace => out.push(json!({"role": "system", "content": text})),
                    MidSystem::Hoist => {
                        if !system.is_empty() {
                            system.push_str("\n\n");
                        }
                        system.push_str(&text);
                    }
                }
            }
            other => {
                return Err(BridgeError::new(format!(
                    "unsupported message role {}",
                    other
                        .map(|r| format!("'{r}'"))
                        .unwrap_or_else(|| "(missing)".into())
                )))
            }
        }
    }
    let mut all = Vec::with_capacity(out.len() + 1);
    if !system.is_empty() {
        all.push(json!({"role": "system", "content": system}));
    }
    all.extend(out);
    Ok(repair_tool_sequence(all))
}

/// Make the tool-call protocol valid for OpenAI: every call id answered by
/// a tool message right after its assistant message (placeholders for
/// interrupted calls), and tool messages with no matching call turned into
/// user text.
pub(crate) fn repair_tool_sequence(msgs: Vec<Value>) -> Vec<Value> {
    let mut out = Vec::with_capacity(msgs.len());
    let mut iter = msgs.into_iter().peekable();
    while let Some(m) = iter.next() {
        let role = m
            .get("role")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if role == "tool" {
            out.push(orphan_to_user(&m));
            continue;
        }
        let ids: Vec<String> = m
            .get("tool_calls")
            .and_then(Value::as_array)
            .map(|calls| {
                calls
                    .iter()
                    .filter_map(|c| c["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        out.push(m);
        if ids.is_empty() {
            continue;
        }
        let mut answered = HashSet::new();
        let mut orphans = Vec::new();
        while iter
            .peek()
            .and_then(|n| n.get("role"))
            .and_then(Value::as_str)
            == Some("tool")
        {
            let Some(t) = iter.next() else { break };
            let id = t
                .get("tool_call_id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            if ids.contains(&id) && answered.insert(id) {
                out.push(t);
            } else {
                orphans.push(orphan_to_user(&t));
            }
        }
        for id in ids.iter().filter(|id| !answered.contains(*id)) {
            out.push(
                json!({"role": "tool", "tool_call_id": id, "content": INTERRUPTED_TOOL_RESULT}),
            );
        }
        out.extend(orphans);
    }
    out
}

fn orphan_to_user(tool_msg: &Value) -> Value {
    let id = tool_msg
        .get("tool_call_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let content = tool_msg
        .get("content")
        .and_then(Value::as_str)
        .unwrap_or_default();
    json!({"role": "user", "content": format!("[result of tool call {id}]\n{content}")})
}
