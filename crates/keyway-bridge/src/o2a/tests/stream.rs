//! Stream translation: events, usage chunk, finalization, errors, signed
//! thinking round trips.

use serde_json::{json, Value};

use super::super::*;
use super::{anthropic_sse, ctx, req, run, sample};
use crate::validate::check_openai_stream;

#[test]
fn stream_with_thinking_text_and_two_tools() {
    let out = run(ctx(true), &anthropic_sse(&sample()));
    let got = check_openai_stream(&out).unwrap();
    assert_eq!(got["content"], "Hello");
    assert_eq!(got["reasoning_content"], "Let me");
    assert_eq!(
        got["tool_calls"],
        json!([
            {"id":"toolu_a","type":"function","function":{"name":"get","arguments":"{\"c\":1}"}},
            {"id":"toolu_b","type":"function","function":{"name":"put","arguments":"{}"}},
        ])
    );
    assert_eq!(got["finish_reason"], "tool_calls");
    assert_eq!(
        got["usage"],
        json!({"prompt_tokens":16,"completion_tokens":30,"total_tokens":46,"prompt_tokens_details":{"cached_tokens":4}})
    );
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("\"id\":\"chatcmpl-msg_9\""));
    assert!(text.ends_with("data: [DONE]\n\n"));
}

#[test]
fn usage_chunk_only_when_asked() {
    let out = run(ctx(false), &anthropic_sse(&sample()));
    let got = check_openai_stream(&out).unwrap();
    assert_eq!(got["usage"], Value::Null);
    assert!(!String::from_utf8_lossy(&out).contains("\"usage\""));
}

#[test]
fn eof_without_message_stop_still_ends_with_done_once() {
    let events = &sample()[..9];
    let out = run(ctx(true), &anthropic_sse(events));
    let got = check_openai_stream(&out).unwrap();
    assert_eq!(got["finish_reason"], "stop");
    assert_eq!(String::from_utf8_lossy(&out).matches("[DONE]").count(), 1);
}

#[test]
fn mid_stream_error_becomes_error_chunk() {
    let mut events = sample()[..8].to_vec();
    events.push(json!({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}));
    let out = run(ctx(false), &anthropic_sse(&events));
    let got = check_openai_stream(&out).unwrap();
    assert_eq!(
        got["error"],
        json!({"message":"Overloaded","type":"overloaded_error","param":null,"code":null})
    );
    assert!(!String::from_utf8_lossy(&out).contains("[DONE]"));
}

#[test]
fn streamed_signed_thinking_round_trips_unchanged() {
    // Turn 1: the stream hands the client its signed thinking.
    let out = run(ctx(false), &anthropic_sse(&sample()));
    let got = check_openai_stream(&out).unwrap();
    assert_eq!(
        got["thinking_blocks"],
        json!([{"type":"thinking","thinking":"Let me","signature":"EqQB"}])
    );
    // Turn 2: the client echoes the assistant message back with tool results.
    let assistant = json!({"role":"assistant","content":got["content"],"reasoning_content":got["reasoning_content"],
        "thinking_blocks":got["thinking_blocks"],"tool_calls":got["tool_calls"]});
    let body = json!({"model":"m","reasoning_effort":"high","messages":[
        {"role":"user","content":"go"}, assistant,
        {"role":"tool","tool_call_id":"toolu_a","content":"1"},
        {"role":"tool","tool_call_id":"toolu_b","content":"2"}]});
    let up = req(body);
    assert_eq!(
        up["messages"][1]["content"][0],
        json!({"type":"thinking","thinking":"Let me","signature":"EqQB"})
    );
    assert_eq!(
        up["thinking"],
        json!({"type":"enabled","budget_tokens":4096})
    );
    assert_eq!(up["messages"][2]["content"][1]["tool_use_id"], "toolu_b");
}

#[test]
fn redacted_thinking_is_passed_to_the_client_for_round_trip() {
    let events = vec![
        json!({"type":"message_start","message":{"id":"m","usage":{"input_tokens":1,"output_tokens":1}}}),
        json!({"type":"content_block_start","index":0,"content_block":{"type":"redacted_thinking","data":"opaque"}}),
        json!({"type":"content_block_stop","index":0}),
        json!({"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}),
        json!({"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"ok"}}),
        json!({"type":"content_block_stop","index":1}),
        json!({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}),
        json!({"type":"message_stop"}),
    ];
    let got = check_openai_stream(&run(ctx(false), &anthropic_sse(&events))).unwrap();
    assert_eq!(
        got["thinking_blocks"],
        json!([{"type":"redacted_thinking","data":"opaque"}])
    );
    assert_eq!(got["content"], "ok");
    assert_eq!(got["finish_reason"], "stop");
}

#[test]
fn upstream_finished_tracks_message_delta() {
    let mut s = Stream::new(ctx(false));
    let mut out = Vec::new();
    let events = sample();
    for e in &events[..17] {
        let ev = keyway_protocol::sse::SseEvent {
            event: e["type"].as_str().map(str::to_owned),
            data: e.to_string(),
        };
        s.push(&ev, &mut out);
    }
    assert!(!s.upstream_finished());
    let ev = keyway_protocol::sse::SseEvent {
        event: Some("message_delta".into()),
        data: events[17].to_string(),
    };
    s.push(&ev, &mut out);
    assert!(s.upstream_finished() && !s.is_finished());
}
