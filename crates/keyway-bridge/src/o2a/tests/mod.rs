//! OpenAI client → Anthropic upstream: mapping rows and pitfalls.

use keyway_protocol::sse::SseParser;
use serde_json::{json, Value};

use super::*;
use crate::{profile_for, Ctx};

mod request;
mod stream;

pub(super) fn req(body: Value) -> Value {
    request(&body, "claude-up", profile_for("anthropic"))
        .unwrap()
        .0
}

pub(super) fn base(messages: Value) -> Value {
    json!({"model":"gpt-alias","messages":messages})
}

pub(super) fn ctx(include_usage: bool) -> Ctx {
    let mut c = Ctx::new(
        "gpt-alias",
        "claude-up",
        profile_for("anthropic"),
        "chatcmpl-",
    );
    c.include_usage = include_usage;
    c.created = 1;
    c
}

pub(super) fn run(ctx: Ctx, bytes: &[u8]) -> Vec<u8> {
    let mut parser = SseParser::new();
    let mut s = Stream::new(ctx);
    let mut out = Vec::new();
    parser.push(bytes);
    while let Some(ev) = parser.next_event() {
        s.push(&ev, &mut out);
    }
    while let Some(ev) = parser.finish() {
        s.push(&ev, &mut out);
    }
    s.finish(&mut out);
    out
}

pub(super) fn anthropic_sse(events: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in events {
        out.extend_from_slice(
            format!("event: {}\ndata: {e}\n\n", e["type"].as_str().unwrap()).as_bytes(),
        );
    }
    out
}

pub(super) fn sample() -> Vec<Value> {
    vec![
        json!({"type":"message_start","message":{"id":"msg_9","type":"message","role":"assistant","content":[],"model":"claude","usage":{"input_tokens":12,"output_tokens":1,"cache_read_input_tokens":4}}}),
        json!({"type":"ping"}),
        json!({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}),
        json!({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me"}}),
        json!({"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQB"}}),
        json!({"type":"content_block_stop","index":0}),
        json!({"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}),
        json!({"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hello"}}),
        json!({"type":"content_block_stop","index":1}),
        json!({"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_a","name":"get","input":{}}}),
        json!({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":""}}),
        json!({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"c\":"}}),
        json!({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"1}"}}),
        json!({"type":"content_block_stop","index":2}),
        json!({"type":"content_block_start","index":3,"content_block":{"type":"tool_use","id":"toolu_b","name":"put","input":{}}}),
        json!({"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":"{}"}}),
        json!({"type":"content_block_stop","index":3}),
        json!({"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":30}}),
        json!({"type":"message_stop"}),
    ]
}
