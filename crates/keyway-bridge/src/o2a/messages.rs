//! OpenAI `messages` → Anthropic `system` + `messages` (protocols.md §3.4).

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::ids::{is_genuine_signature, random_id, sanitize_tool_id};
use crate::{BridgeError, INTERRUPTED_TOOL_RESULT};

/// Text of an OpenAI content value (string or parts).
pub(crate) fn text_of(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n\n"),
        _ => String::new(),
    }
}

fn text_block(t: &str) -> Option<Value> {
    // Anthropic rejects empty text blocks.
    (!t.is_empty()).then(|| json!({"type": "text", "text": t}))
}

/// `data:<media>;base64,<data>` → (media, data).
fn parse_data_uri(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("data:")?;
    let (meta, data) = rest.split_once(',')?;
    let media = meta.strip_suffix(";base64")?;
    Some((media, data))
}

fn image_block(part: &Value) -> Option<Value> {
    let url = part
        .pointer("/image_url/url")
        .or_else(|| part.get("image_url"))
        .and_then(Value::as_str)?;
    Some(match parse_data_uri(url) {
        Some((media, data)) => {
            json!({"type": "image", "source": {"type": "base64", "media_type": media, "data": data}})
        }
        None => json!({"type": "image", "source": {"type": "url", "url": url}}),
    })
}

fn user_blocks(content: &Value) -> Result<Vec<Value>, BridgeError> {
    let Value::Array(parts) = content else {
        return Ok(text_block(&text_of(content)).into_iter().collect());
    };
    let mut out = Vec::new();
    for p in parts {
        match p.get("type").and_then(Value::as_str) {
            Some("text") => out.extend(text_block(p["text"].as_str().unwrap_or_default())),
            Some("image_url") => out.extend(image_block(p)),
            Some("file") => {
                let data = p.pointer("/file/file_data").and_then(Value::as_str);
                let Some((media, data)) = data.and_then(parse_data_uri) else {
                    return Err(BridgeError::new(
                        "file parts need inline file_data on this model",
                    ));
                };
                out.push(json!({"type": "document", "source": {"type": "base64", "media_type": media, "data": data}}));
            }
            Some(other) => {
                return Err(BridgeError::new(format!(
                    "content part type '{other}' is not supported on this model"
                )))
            }
            None => {}
        }
    }
    Ok(out)
}

fn assistant_blocks(m: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    // Thinking only travels with a genuine signature (our own responses put
    // it in `thinking_blocks`); Anthropic rejects unsigned or altered
    // thinking, so bare `reasoning_content` is dropped.
    for b in m
        .get("thinking_blocks")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match b.get("type").and_then(Value::as_str) {
            Some("thinking") if b["signature"].as_str().is_some_and(is_genuine_signature) => {
                out.push(json!({"type": "thinking", "thinking": b["thinking"], "signature": b["signature"]}));
            }
            Some("redacted_thinking") if b.get("data").is_some() => {
                out.push(json!({"type": "redacted_thinking", "data": b["data"]}));
            }
            _ => {}
        }
    }
    match m.get("content") {
        Some(Value::Array(parts)) => {
            for p in parts {
                let t = p
                    .get("text")
                    .or_else(|| p.get("refusal"))
                    .and_then(Value::as_str);
                out.extend(t.and_then(text_block));
            }
        }
        Some(c) => out.extend(text_block(&text_of(c))),
        None => {}
    }
    for call in m
        .get("tool_calls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let id = call
            .get("id")
            .and_then(Value::as_str)
            .map(sanitize_tool_id)
            .filter(|s| !s.is_empty());
        let args = call
            .pointer("/function/arguments")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let input = match serde_json::from_str::<Value>(args) {
            Ok(v @ Value::Object(_)) => v,
            _ => json!({}),
        };
        out.push(json!({
            "type": "tool_use",
            "id": id.unwrap_or_else(|| random_id("toolu_")),
            "name": call.pointer("/function/name").and_then(Value::as_str).unwrap_or_default(),
            "input": input,
        }));
    }
    out
}

fn tool_result_block(m: &Value) -> Value {
    let id = sanitize_tool_id(
        m.get("tool_call_id")
            .and_then(Value::as_str)
            .unwrap_or_default(),
    );
    let text = text_of(m.get("content").unwrap_or(&Value::Null));
    let content = if text.is_empty() {
        "(empty)".to_owned()
    } else {
        text
    };
    json!({"type": "tool_result", "tool_use_id": id, "content": content})
}

fn is_tool_result(b: &Value) -> bool {
    b.get("type").and_then(Value::as_str) == Some("tool_result")
}

/// Append blocks as a turn, merging with the previous turn of the same role
/// (tool results and user text merge into ONE user turn, results first).
fn push_turn(turns: &mut Vec<(String, Vec<Value>)>, role: &str, blocks: Vec<Value>) {
    if blocks.is_empty() {
        return;
    }
    match turns.last_mut() {
        Some((r, existing)) if r == role => {
            for b in blocks {
                if is_tool_result(&b) {
                    let at = existing.iter().take_while(|x| is_tool_result(x)).count();
                    existing.insert(at, b);
                } else {
                    existing.push(b);
                }
            }
        }
        _ => turns.push((role.to_owned(), blocks)),
    }
}

/// Anthropic requires each assistant `tool_use` to be answered at the start
/// of the next user turn: add placeholders for unanswered calls and turn
/// results without a matching call into text.
fn repair_tool_results(turns: &mut Vec<(String, Vec<Value>)>) {
    let mut i = 0;
    while i < turns.len() {
        let ids: Vec<String> = if turns[i].0 == "assistant" {
            turns[i]
                .1
                .iter()
                .filter(|b| b["type"] == "tool_use")
                .filter_map(|b| b["id"].as_str().map(str::to_owned))
                .collect()
        } else {
            Vec::new()
        };
        let next_is_user = turns.get(i + 1).is_some_and(|t| t.0 == "user");
        if !ids.is_empty() && !next_is_user {
            turns.insert(i + 1, ("user".to_owned(), Vec::new()));
        }
        if turns[i].0 == "user" {
            let prev_ids: HashSet<String> = match i.checked_sub(1).and_then(|p| turns.get(p)) {
                Some((r, blocks)) if r == "assistant" => blocks
                    .iter()
                    .filter(|b| b["type"] == "tool_use")
                    .filter_map(|b| b["id"].as_str().map(str::to_owned))
                    .collect(),
                _ => HashSet::new(),
            };
            let blocks = std::mem::take(&mut turns[i].1);
            let mut results = Vec::new();
            let mut rest = Vec::new();
            let mut answered = HashSet::new();
            for b in blocks {
                let id = b["tool_use_id"].as_str().unwrap_or_default().to_owned();
                if is_tool_result(&b) && prev_ids.contains(&id) && answered.insert(id.clone()) {
                    results.push(b);
                } else if is_tool_result(&b) {
                    let text = format!(
                        "[result of tool call {id}]\n{}",
                        b["content"].as_str().unwrap_or_default()
                    );
                    rest.push(json!({"type": "text", "text": text}));
                } else {
                    rest.push(b);
                }
            }
            let mut missing: Vec<&String> = prev_ids
                .iter()
                .filter(|id| !answered.contains(*id))
                .collect();
            missing.sort();
            for id in missing {
                results.push(json!({"type": "tool_result", "tool_use_id": id, "content": INTERRUPTED_TOOL_RESULT}));
            }
            results.extend(rest);
            turns[i].1 = results;
        }
        i += 1;
    }
}

/// (system text blocks, Anthropic messages).
pub(crate) fn convert(messages: &[Value]) -> Result<(Vec<Value>, Vec<Value>), BridgeError> {
    let mut system = Vec::new();
    let mut turns: Vec<(String, Vec<Value>)> = Vec::new();
    for m in messages {
        let content = m.get("content").unwrap_or(&Value::Null);
        match m.get("role").and_then(Value::as_str) {
            Some("system") | Some("developer") => system.extend(text_block(&text_of(content))),
            Some("user") => push_turn(&mut turns, "user", user_blocks(content)?),
            Some("tool") => push_turn(&mut turns, "user", vec![tool_result_block(m)]),
            Some("assistant") => push_turn(&mut turns, "assistant", assistant_blocks(m)),
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
    if turns.is_empty() {
        return Err(BridgeError::new(
            "messages must contain at least one user message",
        ));
    }
    if turns[0].0 != "user" {
        turns.insert(
            0,
            (
                "user".to_owned(),
                vec![json!({"type": "text", "text": "(conversation start)"})],
            ),
        );
    }
    repair_tool_results(&mut turns);
    let messages = turns
        .into_iter()
        .filter(|(_, blocks)| !blocks.is_empty())
        .map(|(role, content)| json!({"role": role, "content": content}))
        .collect();
    Ok((system, messages))
}
