//! Local token counting for `count_tokens` when the upstream cannot count:
//! a real BPE (`cl100k_base`) over everything the model reads — system,
//! message text, tool_use inputs, tool_result content, tool definitions —
//! plus a fixed estimate per image. Claude's own tokenizer is not public, so
//! this is an estimate of the same order, never a made-up zero.

use serde_json::Value;

/// Tokens charged per image. Anthropic bills about width×height/750 and
/// scales images down to ~1.15 megapixels, so a full-size image is ~1,600.
pub const TOKENS_PER_IMAGE: u64 = 1_600;
/// Tokens per document block we cannot read (e.g. base64 PDF pages).
pub const TOKENS_PER_DOCUMENT: u64 = 3_000;
/// Role and framing tokens per message.
const PER_MESSAGE: u64 = 4;

#[derive(Debug, thiserror::Error)]
pub enum CountError {
    #[error("field `messages` must be an array")]
    NoMessages,
}

pub fn count(body: &Value) -> Result<u64, CountError> {
    let bpe = tiktoken_rs::cl100k_base_singleton();
    let mut text = String::new();
    let mut fixed: u64 = 0;
    match body.get("system") {
        Some(Value::String(s)) => text.push_str(s),
        Some(Value::Array(blocks)) => collect_blocks(blocks, &mut text, &mut fixed),
        _ => {}
    }
    let messages = body
        .get("messages")
        .and_then(Value::as_array)
        .ok_or(CountError::NoMessages)?;
    for m in messages {
        fixed += PER_MESSAGE;
        match m.get("content") {
            Some(Value::String(s)) => {
                text.push('\n');
                text.push_str(s);
            }
            Some(Value::Array(blocks)) => collect_blocks(blocks, &mut text, &mut fixed),
            _ => {}
        }
    }
    if let Some(tools) = body.get("tools").and_then(Value::as_array) {
        for t in tools {
            for key in ["name", "description"] {
                if let Some(s) = t.get(key).and_then(Value::as_str) {
                    text.push('\n');
                    text.push_str(s);
                }
            }
            if let Some(schema) = t.get("input_schema") {
                text.push('\n');
                text.push_str(&schema.to_string());
            }
        }
    }
    let tokens = bpe.encode_ordinary(&text).len() as u64;
    Ok(tokens + fixed)
}

fn collect_blocks(blocks: &[Value], text: &mut String, fixed: &mut u64) {
    for b in blocks {
        match b.get("type").and_then(Value::as_str) {
            Some("text") => push_str(text, b.get("text")),
            Some("thinking") => push_str(text, b.get("thinking")),
            Some("image") => *fixed += TOKENS_PER_IMAGE,
            Some("document") => match b.pointer("/source/data").and_then(Value::as_str) {
                Some(d) if b.pointer("/source/type").and_then(Value::as_str) == Some("text") => {
                    text.push('\n');
                    text.push_str(d);
                }
                _ => *fixed += TOKENS_PER_DOCUMENT,
            },
            Some("tool_use") => {
                push_str(text, b.get("name"));
                if let Some(input) = b.get("input") {
                    text.push('\n');
                    text.push_str(&input.to_string());
                }
            }
            Some("tool_result") => match b.get("content") {
                Some(Value::String(s)) => {
                    text.push('\n');
                    text.push_str(s);
                }
                Some(Value::Array(inner)) => collect_blocks(inner, text, fixed),
                _ => {}
            },
            _ => {}
        }
    }
}

fn push_str(text: &mut String, v: Option<&Value>) {
    if let Some(s) = v.and_then(Value::as_str) {
        text.push('\n');
        text.push_str(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counts_every_part_the_model_reads() {
        let base = json!({"messages":[{"role":"user","content":"Hello, world"}]});
        let n_base = count(&base).expect("count");
        assert!(n_base > 3 && n_base < 20, "{n_base}");

        let with_system = json!({"system":[{"type":"text","text":"You are a careful assistant who answers briefly."}],"messages":[{"role":"user","content":"Hello, world"}]});
        assert!(count(&with_system).expect("count") > n_base + 5);

        let with_tools = json!({"messages":[{"role":"user","content":"Hello, world"}],
            "tools":[{"name":"get_weather","description":"Get the weather for a city","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}]});
        assert!(count(&with_tools).expect("count") > n_base + 15);

        let with_image = json!({"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}},{"type":"text","text":"Hello, world"}]}]});
        assert_eq!(
            count(&with_image).expect("count"),
            n_base + TOKENS_PER_IMAGE
        );

        let tool_loop = json!({"messages":[
            {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"ls -la /tmp"}}]},
            {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"total 0\ndrwx 2 root root 40 ."}]}]});
        assert!(count(&tool_loop).expect("count") > 15);
    }

    #[test]
    fn no_messages_is_an_error_not_zero() {
        assert!(count(&json!({"model":"m"})).is_err());
    }
}
