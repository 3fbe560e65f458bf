//! Checkers for the streams the bridge emits, used by the tests of every
//! layer: they enforce the client SDKs' ordering rules and reassemble the
//! final message so tests can assert on content.

use keyway_protocol::sse::{SseEvent, SseParser};
use serde_json::{json, Map, Value};

/// All events of an SSE body.
pub fn parse_sse(bytes: &[u8]) -> Vec<SseEvent> {
    let mut p = SseParser::new();
    p.push(bytes);
    let mut out = Vec::new();
    while let Some(e) = p.next_event() {
        out.push(e);
    }
    while let Some(e) = p.finish() {
        out.push(e);
    }
    out
}

#[derive(Default)]
struct Block {
    value: Map<String, Value>,
    kind: String,
    partial_json: String,
}

/// Check an Anthropic Messages stream against protocols.md §2.6 and return
/// the reassembled message (with an `"error"` member if it ended with an
/// `error` event). Rules: `message_start` first; each event's name equals
/// `data.type`; block indices 0,1,2… with no two blocks open; deltas match
/// their block's type; each block stopped exactly once; thinking blocks
/// carry a signature; tool input is a JSON object; exactly one
/// `message_delta` (non-null `stop_reason`) after the last block, then
/// `message_stop` as the last event.
pub fn check_anthropic_stream(bytes: &[u8]) -> Result<Value, String> {
    let events = parse_sse(bytes);
    let mut message: Option<Map<String, Value>> = None;
    let mut content: Vec<Value> = Vec::new();
    let mut open: Option<(usize, Block)> = None;
    let mut got_delta = false;
    let mut stopped = false;
    for (n, ev) in events.iter().enumerate() {
        let at = format!("event #{n} ({:?})", ev.event);
        if stopped {
            return Err(format!("{at}: event after message_stop/error"));
        }
        let data: Value =
            serde_json::from_str(&ev.data).map_err(|e| format!("{at}: bad JSON: {e}"))?;
        let name = ev
            .event
            .as_deref()
            .ok_or_else(|| format!("{at}: missing event: line"))?;
        if data.get("type").and_then(Value::as_str) != Some(name) {
            return Err(format!("{at}: data.type differs from event name"));
        }
        if n == 0 && name != "message_start" && name != "error" {
            return Err(format!("first event is {name}, not message_start"));
        }
        match name {
            "message_start" => {
                if n != 0 {
                    return Err(format!("{at}: second message_start"));
                }
                let m = data
                    .get("message")
                    .and_then(Value::as_object)
                    .ok_or(format!("{at}: no message"))?;
                message = Some(m.clone());
            }
            "ping" => {}
            "content_block_start" => {
                if got_delta {
                    return Err(format!("{at}: block after message_delta"));
                }
                if open.is_some() {
                    return Err(format!("{at}: block started while another is open"));
                }
                let index = data["index"].as_u64().ok_or(format!("{at}: no index"))? as usize;
                if index != content.len() {
                    return Err(format!("{at}: index {index}, expected {}", content.len()));
                }
                let block = data["content_block"]
                    .as_object()
                    .ok_or(format!("{at}: no content_block"))?;
                let kind = block
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                open = Some((
                    index,
                    Block {
                        value: block.clone(),
                        kind,
                        partial_json: String::new(),
                    },
                ));
            }
            "content_block_delta" => {
                let index = data["index"].as_u64().map(|i| i as usize);
                let Some((open_index, block)) = open.as_mut() else {
                    return Err(format!("{at}: delta with no open block"));
                };
                if index != Some(*open_index) {
                    return Err(format!(
                        "{at}: delta for index {index:?}, open is {open_index}"
                    ));
                }
                apply_delta(block, &data["delta"]).map_err(|e| format!("{at}: {e}"))?;
            }
            "content_block_stop" => {
                let index = data["index"].as_u64().map(|i| i as usize);
                let Some((open_index, block)) = open.take() else {
                    return Err(format!("{at}: stop with no open block"));
                };
                if index != Some(open_index) {
                    return Err(format!("{at}: stop for {index:?}, open is {open_index}"));
                }
                content.push(close_block(block).map_err(|e| format!("{at}: {e}"))?);
            }
            "message_delta" => {
                if open.is_some() {
                    return Err(format!("{at}: message_delta while a block is open"));
                }
                if got_delta {
                    return Err(format!("{at}: second message_delta"));
                }
                got_delta = true;
                let stop = data.pointer("/delta/stop_reason").and_then(Value::as_str);
                let stop = stop.ok_or(format!("{at}: message_delta without stop_reason"))?;
                if data
                    .pointer("/usage/output_tokens")
                    .and_then(Value::as_i64)
                    .is_none()
                {
                    return Err(format!("{at}: message_delta usage without output_tokens"));
                }
                let m = message.get_or_insert_with(Map::new);
                m.insert("stop_reason".into(), json!(stop));
                if let (Some(Value::Object(u)), Some(Value::Object(d))) =
                    (m.get_mut("usage"), data.get("usage"))
                {
                    for (k, v) in d {
                        u.insert(k.clone(), v.clone());
                    }
                }
            }
            "message_stop" => {
                if !got_delta {
                    return Err(format!("{at}: message_stop before message_delta"));
                }
                stopped = true;
            }
            "error" => {
                let m = message.get_or_insert_with(Map::new);
                m.insert("error".into(), data["error"].clone());
                stopped = true;
            }
            other => return Err(format!("{at}: unknown event {other}")),
        }
    }
    if !stopped {
        return Err("stream ended without message_stop or error".into());
    }
    let mut m = message.unwrap_or_default();
    m.insert("content".into(), Value::Array(content));
    Ok(Value::Object(m))
}

fn apply_delta(block: &mut Block, delta: &Value) -> Result<(), String> {
    let dtype = delta
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let append = |block: &mut Block, field: &str, piece: &Value| {
        let s = block
            .value
            .get(field)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        block
            .value
            .insert(field.into(), json!(s + piece.as_str().unwrap_or_default()));
    };
    match (block.kind.as_str(), dtype) {
        ("text", "text_delta") => append(block, "text", &delta["text"]),
        ("text", "citations_delta") => {}
        ("thinking", "thinking_delta") => append(block, "thinking", &delta["thinking"]),
        ("thinking", "signature_delta") => append(block, "signature", &delta["signature"]),
        ("tool_use", "input_json_delta") => block
            .partial_json
            .push_str(delta["partial_json"].as_str().unwrap_or_default()),
        (kind, d) => return Err(format!("{d} in a {kind} block")),
    }
    Ok(())
}

fn close_block(mut block: Block) -> Result<Value, String> {
    match block.kind.as_str() {
        "thinking" => {
            let sig = block
                .value
                .get("signature")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if sig.is_empty() {
                return Err("thinking block without signature".into());
            }
        }
        "tool_use" => {
            let input = if block.partial_json.is_empty() {
                json!({})
            } else {
                serde_json::from_str::<Value>(&block.partial_json)
                    .map_err(|e| format!("tool input is not JSON ({e}): {}", block.partial_json))?
            };
            if !input.is_object() {
                return Err("tool input is not an object".into());
            }
            let id = block
                .value
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if id.is_empty()
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(format!("bad tool_use id {id:?}"));
            }
            block.value.insert("input".into(), input);
        }
        _ => {}
    }
    Ok(Value::Object(block.value))
}

/// Check an OpenAI chat-completions stream: JSON chunks of one id with
/// `object: chat.completion.chunk`, one `finish_reason`, tool-call
/// fragments whose first piece names the call, and `data: [DONE]` last (or
/// an error chunk last). Returns `{content, reasoning_content,
/// thinking_blocks, tool_calls, finish_reason, usage, error}` reassembled.
pub fn check_openai_stream(bytes: &[u8]) -> Result<Value, String> {
    let events = parse_sse(bytes);
    let mut content = String::new();
    let mut reasoning = String::new();
    let mut thinking_blocks: Vec<Value> = Vec::new();
    let mut calls: Vec<Value> = Vec::new();
    let mut finish: Option<String> = None;
    let mut usage = Value::Null;
    let mut id: Option<String> = None;
    let mut ended = false;
    let mut error = Value::Null;
    for (n, ev) in events.iter().enumerate() {
        let at = format!("chunk #{n}");
        if ended {
            return Err(format!("{at}: data after [DONE]/error"));
        }
        if ev.event.is_some() {
            return Err(format!("{at}: OpenAI streams carry no event: lines"));
        }
        if ev.data == "[DONE]" {
            ended = true;
            continue;
        }
        let v: Value =
            serde_json::from_str(&ev.data).map_err(|e| format!("{at}: bad JSON: {e}"))?;
        if v.get("error").is_some() {
            error = v["error"].clone();
            ended = true;
            continue;
        }
        if v["object"] != "chat.completion.chunk" {
            return Err(format!("{at}: object is {}", v["object"]));
        }
        let this_id = v["id"].as_str().unwrap_or_default().to_owned();
        if id.get_or_insert_with(|| this_id.clone()) != &this_id {
            return Err(format!("{at}: id changed"));
        }
        if v.get("usage").is_some_and(Value::is_object) {
            usage = v["usage"].clone();
        }
        let choices = v["choices"]
            .as_array()
            .ok_or(format!("{at}: no choices array"))?;
        for c in choices {
            let d = &c["delta"];
            content.push_str(d["content"].as_str().unwrap_or_default());
            reasoning.push_str(d["reasoning_content"].as_str().unwrap_or_default());
            thinking_blocks.extend(
                d["thinking_blocks"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .cloned(),
            );
            for tc in d["tool_calls"].as_array().into_iter().flatten() {
                let k = tc["index"]
                    .as_u64()
                    .ok_or(format!("{at}: tool call without index"))?
                    as usize;
                if k == calls.len() {
                    let (Some(cid), Some(name)) = (
                        tc["id"].as_str(),
                        tc.pointer("/function/name").and_then(Value::as_str),
                    ) else {
                        return Err(format!("{at}: first fragment of call {k} lacks id or name"));
                    };
                    calls.push(json!({"id": cid, "type": "function", "function": {"name": name, "arguments": ""}}));
                } else if k > calls.len() {
                    return Err(format!("{at}: tool index {k} skips ahead"));
                }
                let piece = tc
                    .pointer("/function/arguments")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let args = calls[k]
                    .pointer("/function/arguments")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                calls[k]["function"]["arguments"] = json!(args + piece);
            }
            if let Some(f) = c["finish_reason"].as_str() {
                if finish.replace(f.to_owned()).is_some() {
                    return Err(format!("{at}: second finish_reason"));
                }
            }
        }
    }
    if !ended {
        return Err("stream ended without [DONE] or error".into());
    }
    Ok(json!({"content": content, "reasoning_content": reasoning,
        "thinking_blocks": thinking_blocks, "tool_calls": calls,
        "finish_reason": finish, "usage": usage, "error": error}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(events: &[Value]) -> Vec<u8> {
        let mut out = Vec::new();
        for e in events {
            let name = e["type"].as_str().unwrap();
            out.extend_from_slice(format!("event: {name}\ndata: {e}\n\n").as_bytes());
        }
        out
    }

    fn start() -> Value {
        json!({"type":"message_start","message":{"id":"m","usage":{"input_tokens":1,"output_tokens":0}}})
    }
    fn bstart(i: u64, kind: &str) -> Value {
        json!({"type":"content_block_start","index":i,"content_block":{"type":kind,"text":"","id":"t1","name":"n","input":{}}})
    }
    fn delta(i: u64, d: Value) -> Value {
        json!({"type":"content_block_delta","index":i,"delta":d})
    }
    fn bstop(i: u64) -> Value {
        json!({"type":"content_block_stop","index":i})
    }
    fn mdelta() -> Value {
        json!({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":3}})
    }
    fn mstop() -> Value {
        json!({"type":"message_stop"})
    }
    fn text(t: &str) -> Value {
        json!({"type":"text_delta","text":t})
    }

    #[test]
    fn accepts_a_well_formed_stream() {
        let ok = frames(&[
            start(),
            json!({"type":"ping"}),
            bstart(0, "text"),
            delta(0, text("hi")),
            bstop(0),
            bstart(1, "tool_use"),
            delta(
                1,
                json!({"type":"input_json_delta","partial_json":"{\"a\":1}"}),
            ),
            bstop(1),
            mdelta(),
            mstop(),
        ]);
        let m = check_anthropic_stream(&ok).unwrap();
        assert_eq!(m["content"][0]["text"], "hi");
        assert_eq!(m["content"][1]["input"], json!({"a":1}));
        assert_eq!(m["stop_reason"], "end_turn");
        assert_eq!(m["usage"]["output_tokens"], 3);
    }

    #[test]
    fn rejects_each_rule_violation() {
        let thinking_no_sig = json!({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}});
        let cases: Vec<(&str, Vec<Value>)> = vec![
            (
                "no message_start first",
                vec![bstart(0, "text"), bstop(0), mdelta(), mstop()],
            ),
            (
                "index gap",
                vec![start(), bstart(1, "text"), bstop(1), mdelta(), mstop()],
            ),
            (
                "interleaved blocks",
                vec![
                    start(),
                    bstart(0, "text"),
                    bstart(1, "text"),
                    bstop(1),
                    bstop(0),
                    mdelta(),
                    mstop(),
                ],
            ),
            (
                "missing block stop",
                vec![start(), bstart(0, "text"), mdelta(), mstop()],
            ),
            (
                "double stop",
                vec![
                    start(),
                    bstart(0, "text"),
                    bstop(0),
                    bstop(0),
                    mdelta(),
                    mstop(),
                ],
            ),
            (
                "delta type mismatch",
                vec![
                    start(),
                    bstart(0, "text"),
                    delta(0, json!({"type":"thinking_delta","thinking":"x"})),
                    bstop(0),
                    mdelta(),
                    mstop(),
                ],
            ),
            (
                "delta for wrong index",
                vec![
                    start(),
                    bstart(0, "text"),
                    delta(1, text("x")),
                    bstop(0),
                    mdelta(),
                    mstop(),
                ],
            ),
            (
                "thinking without signature",
                vec![start(), thinking_no_sig, bstop(0), mdelta(), mstop()],
            ),
            (
                "bad tool json",
                vec![
                    start(),
                    bstart(0, "tool_use"),
                    delta(0, json!({"type":"input_json_delta","partial_json":"{"})),
                    bstop(0),
                    mdelta(),
                    mstop(),
                ],
            ),
            (
                "two message_delta",
                vec![start(), mdelta(), mdelta(), mstop()],
            ),
            ("no message_delta", vec![start(), mstop()]),
            (
                "block after message_delta",
                vec![start(), mdelta(), bstart(0, "text"), bstop(0), mstop()],
            ),
            (
                "event after message_stop",
                vec![start(), mdelta(), mstop(), json!({"type":"ping"})],
            ),
            (
                "no terminal event",
                vec![start(), bstart(0, "text"), bstop(0)],
            ),
        ];
        for (name, events) in cases {
            assert!(
                check_anthropic_stream(&frames(&events)).is_err(),
                "{name} accepted"
            );
        }
        // Event name must match data.type.
        let bad = b"event: ping\ndata: {\"type\":\"message_start\",\"message\":{}}\n\n";
        assert!(check_anthropic_stream(bad).is_err());
    }

    #[test]
    fn openai_checker_rules() {
        let c = |delta: Value, finish: Value| json!({"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":delta,"finish_reason":finish}]});
        let body = |chunks: &[Value], done: bool| {
            let mut out = Vec::new();
            for ch in chunks {
                out.extend_from_slice(format!("data: {ch}\n\n").as_bytes());
            }
            if done {
                out.extend_from_slice(b"data: [DONE]\n\n");
            }
            out
        };
        let ok = body(
            &[
                c(json!({"content":"a"}), Value::Null),
                c(json!({}), json!("stop")),
            ],
            true,
        );
        assert_eq!(check_openai_stream(&ok).unwrap()["content"], "a");
        let cases: Vec<(&str, Vec<u8>)> = vec![
            (
                "no [DONE]",
                body(&[c(json!({"content":"a"}), json!("stop"))], false),
            ),
            (
                "two finish reasons",
                body(
                    &[c(json!({}), json!("stop")), c(json!({}), json!("stop"))],
                    true,
                ),
            ),
            (
                "tool call without name",
                body(
                    &[c(
                        json!({"tool_calls":[{"index":0,"id":"a","function":{"arguments":"{}"}}]}),
                        json!("tool_calls"),
                    )],
                    true,
                ),
            ),
            (
                "tool index skips",
                body(
                    &[c(
                        json!({"tool_calls":[{"index":1,"id":"a","function":{"name":"f","arguments":"{}"}}]}),
                        json!("tool_calls"),
                    )],
                    true,
                ),
            ),
            (
                "data after [DONE]",
                [
                    body(&[c(json!({}), json!("stop"))], true),
                    b"data: {}\n\n".to_vec(),
                ]
                .concat(),
            ),
        ];
        for (name, bytes) in cases {
            assert!(check_openai_stream(&bytes).is_err(), "{name} accepted");
        }
    }
}
