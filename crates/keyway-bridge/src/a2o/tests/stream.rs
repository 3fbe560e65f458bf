//! Stream state machine: production bugs (a)–(c), finalization, tools,
//! errors, reasoning.

use keyway_protocol::sse::SseParser;
use keyway_protocol::Usage;
use serde_json::{json, Value};

use super::super::*;
use super::ctx;
use crate::validate::check_anthropic_stream;
use crate::Ctx;

pub(crate) fn run(ctx: Ctx, chunks: &[&[u8]]) -> (Vec<u8>, Usage) {
    let mut parser = SseParser::new();
    let mut s = Stream::new(ctx);
    let mut out = Vec::new();
    for c in chunks {
        parser.push(c);
        while let Some(ev) = parser.next_event() {
            s.push(&ev, &mut out);
        }
    }
    while let Some(ev) = parser.finish() {
        s.push(&ev, &mut out);
    }
    s.finish(&mut out);
    (out, s.usage())
}

fn sse(chunks: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for c in chunks {
        out.extend_from_slice(format!("data: {c}\n\n").as_bytes());
    }
    out
}

fn chunk(delta: Value, finish: Value) -> Value {
    json!({"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":delta,"finish_reason":finish}]})
}

#[test]
fn stream_reasoning_text_and_tools() {
    let mut bytes = b": keep-alive\n\n".to_vec();
    bytes.extend(sse(&[
        chunk(json!({"role":"assistant","content":""}), Value::Null),
        chunk(json!({"reasoning_content":"Let me "}), Value::Null),
        chunk(json!({"reasoning_content":"think"}), Value::Null),
        chunk(json!({"content":"Sure."}), Value::Null),
        chunk(json!({"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"Bash","arguments":""}}]}), Value::Null),
        chunk(json!({"tool_calls":[{"index":0,"function":{"arguments":"{\"cmd\":"}}]}), Value::Null),
        chunk(json!({"tool_calls":[{"index":0,"function":{"arguments":"\"ls\"}"}}]}), Value::Null),
        chunk(json!({}), json!("tool_calls")),
        json!({"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":50,"completion_tokens":9,"prompt_cache_hit_tokens":20}}),
    ]));
    bytes.extend_from_slice(b"data: [DONE]\n\n");
    let (out, usage) = run(ctx("deepseek"), &[&bytes]);
    let msg = check_anthropic_stream(&out).unwrap();
    assert_eq!(msg["content"][0]["thinking"], "Let me think");
    assert!(msg["content"][0]["signature"]
        .as_str()
        .unwrap()
        .starts_with("keyway:"));
    assert_eq!(msg["content"][1]["text"], "Sure.");
    assert_eq!(msg["content"][2]["input"], json!({"cmd":"ls"}));
    assert_eq!(msg["content"][2]["id"], "call_1");
    assert_eq!(msg["stop_reason"], "tool_use");
    assert_eq!(msg["usage"]["input_tokens"], 30);
    assert_eq!(msg["usage"]["cache_read_input_tokens"], 20);
    assert_eq!(msg["usage"]["output_tokens"], 9);
    assert_eq!(msg["model"], "claude-sonnet-4-5");
    assert_eq!(usage.output_tokens, Some(9));
}

#[test]
fn bug_a_usage_in_chunk_with_nonempty_choices_finalizes() {
    let mut c = chunk(json!({"content":"hi"}), json!("stop"));
    c["usage"] = json!({"prompt_tokens":5,"completion_tokens":1});
    let (out, _) = run(ctx("deepseek"), &[&sse(&[c])]);
    let msg = check_anthropic_stream(&out).unwrap();
    assert_eq!(msg["usage"]["input_tokens"], 5);
    assert_eq!(msg["stop_reason"], "end_turn");
}

#[test]
fn bug_b_metadata_chunk_after_usage_keeps_usage() {
    let bytes = sse(&[
        chunk(json!({"content":"hi"}), json!("stop")),
        json!({"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2}}),
        json!({"id":"c","object":"chat.completion.chunk","choices":[],"usage":null,"meta":{"x":1}}),
    ]);
    let (out, usage) = run(ctx("deepseek"), &[&bytes]);
    let msg = check_anthropic_stream(&out).unwrap();
    assert_eq!(msg["usage"]["output_tokens"], 2);
    assert_eq!(usage.input_tokens, Some(5));
}

#[test]
fn bug_c_tools_force_tool_use_even_with_stop() {
    let bytes = sse(&[
        chunk(
            json!({"tool_calls":[{"index":0,"id":"x","function":{"name":"T","arguments":"{}"}}]}),
            Value::Null,
        ),
        chunk(json!({}), json!("stop")),
    ]);
    let (out, _) = run(ctx("deepseek"), &[&bytes]);
    assert_eq!(
        check_anthropic_stream(&out).unwrap()["stop_reason"],
        "tool_use"
    );
}

#[test]
fn eof_without_finish_reason_or_done_still_finalizes_once() {
    let bytes = sse(&[chunk(json!({"content":"partial"}), Value::Null)]);
    let ctx = ctx("deepseek");
    let mut parser = SseParser::new();
    parser.push(&bytes);
    let mut s = Stream::new(ctx);
    let mut out = Vec::new();
    while let Some(ev) = parser.next_event() {
        s.push(&ev, &mut out);
    }
    s.finish(&mut out);
    let len = out.len();
    s.finish(&mut out);
    s.push(&parser.finish().unwrap_or_default(), &mut out);
    assert_eq!(out.len(), len, "finish is idempotent, later input ignored");
    let msg = check_anthropic_stream(&out).unwrap();
    assert_eq!(msg["content"][0]["text"], "partial");
    assert_eq!(msg["stop_reason"], "end_turn");
    // An entirely empty upstream stream still gives a valid message.
    let (out, _) = run(ctx_for_empty(), &[b""]);
    let msg = check_anthropic_stream(&out).unwrap();
    assert_eq!(msg["content"], json!([]));
}

fn ctx_for_empty() -> Ctx {
    ctx("generic")
}

#[test]
fn interleaved_parallel_tool_calls_keep_all_arguments() {
    let bytes = sse(&[
        chunk(
            json!({"tool_calls":[{"index":0,"id":"a","function":{"name":"Read","arguments":"{\"p\":"}}]}),
            Value::Null,
        ),
        chunk(
            json!({"tool_calls":[{"index":1,"id":"b","function":{"name":"Grep","arguments":"{\"q\":"}}]}),
            Value::Null,
        ),
        chunk(
            json!({"tool_calls":[{"index":0,"function":{"arguments":"\"x\"}"}}]}),
            Value::Null,
        ),
        chunk(
            json!({"tool_calls":[{"index":1,"function":{"arguments":"\"y\"}"}}]}),
            Value::Null,
        ),
        chunk(json!({}), json!("tool_calls")),
    ]);
    let (out, _) = run(ctx("deepseek"), &[&bytes]);
    let msg = check_anthropic_stream(&out).unwrap();
    assert_eq!(
        msg["content"][0],
        json!({"type":"tool_use","id":"a","name":"Read","input":{"p":"x"}})
    );
    assert_eq!(
        msg["content"][1],
        json!({"type":"tool_use","id":"b","name":"Grep","input":{"q":"y"}})
    );
    assert_eq!(msg["stop_reason"], "tool_use");
}

#[test]
fn tool_calls_without_ids_or_with_bad_ids_get_valid_ids() {
    let bytes = sse(&[
        chunk(
            json!({"tool_calls":[{"index":0,"function":{"name":"A","arguments":"{}"}}]}),
            Value::Null,
        ),
        chunk(
            json!({"tool_calls":[{"index":1,"id":"functions.B:1","function":{"name":"B","arguments":"{}"}}]}),
            Value::Null,
        ),
    ]);
    let (out, _) = run(ctx("deepseek"), &[&bytes]);
    let msg = check_anthropic_stream(&out).unwrap();
    assert_eq!(msg["content"][0]["id"], "toolu_test_0");
    assert_eq!(
        msg["content"][1]["id"],
        crate::sanitize_tool_id("functions.B:1")
    );
}

#[test]
fn mid_stream_errors_become_error_events() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            [
                sse(&[chunk(json!({"content":"a"}), Value::Null)]),
                b"data: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}\n\n".to_vec(),
            ]
            .concat(),
            "api_error",
        ),
        (
            [
                sse(&[chunk(json!({"content":"a"}), Value::Null)]),
                b"data: {\"error\":{\"message\":\"slow\",\"code\":\"rate_limit_exceeded\"}}\n\n"
                    .to_vec(),
            ]
            .concat(),
            "rate_limit_error",
        ),
        (
            b"data: {\"base_resp\":{\"status_code\":1002,\"status_msg\":\"rate limited\"}}\n\n"
                .to_vec(),
            "api_error",
        ),
    ];
    for (bytes, want) in cases {
        let (out, _) = run(ctx("minimax"), &[&bytes]);
        let msg = check_anthropic_stream(&out).unwrap();
        assert_eq!(msg["error"]["type"], want);
        assert!(!String::from_utf8_lossy(&out).contains("message_stop"));
    }
    // fail() after output started, then finish() does nothing more.
    let mut s = Stream::new(ctx("deepseek"));
    let mut out = Vec::new();
    s.start(&mut out);
    s.fail("overloaded_error", "Overloaded", &mut out);
    s.finish(&mut out);
    let msg = check_anthropic_stream(&out).unwrap();
    assert_eq!(
        msg["error"],
        json!({"type":"overloaded_error","message":"Overloaded"})
    );
}

#[test]
fn minimax_think_tags_split_across_chunks() {
    let bytes = sse(&[
        chunk(json!({"content":"<thi"}), Value::Null),
        chunk(json!({"content":"nk>\nweigh options"}), Value::Null),
        chunk(json!({"content":"</th"}), Value::Null),
        chunk(json!({"content":"ink>\n\nDone <b>"}), json!("stop")),
    ]);
    let (out, _) = run(ctx("minimax"), &[&bytes]);
    let msg = check_anthropic_stream(&out).unwrap();
    assert_eq!(msg["content"][0]["thinking"], "weigh options");
    assert_eq!(msg["content"][1]["text"], "Done <b>");
}

#[test]
fn reasoning_field_spellings_and_non_json_error_events() {
    let bytes = sse(&[
        chunk(json!({"reasoning":"a"}), Value::Null),
        chunk(
            json!({"reasoning_details":[{"type":"reasoning.text","text":"b"}]}),
            Value::Null,
        ),
        chunk(json!({"content":"c"}), json!("stop")),
    ]);
    let (out, _) = run(ctx("generic"), &[&bytes]);
    let msg = check_anthropic_stream(&out).unwrap();
    assert_eq!(msg["content"][0]["thinking"], "ab");
    assert_eq!(msg["content"][1]["text"], "c");

    let bytes = b"data: {\"id\":\"c\",\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\nevent: error\ndata: upstream exploded\n\n";
    let (out, _) = run(ctx("generic"), &[bytes]);
    let msg = check_anthropic_stream(&out).unwrap();
    assert_eq!(
        msg["error"],
        json!({"type":"api_error","message":"upstream exploded"})
    );
}

#[test]
fn upstream_finished_tracks_finish_reason() {
    let mut s = Stream::new(ctx("deepseek"));
    let mut out = Vec::new();
    let ev = |v: Value| keyway_protocol::sse::SseEvent {
        event: None,
        data: v.to_string(),
    };
    s.push(&ev(chunk(json!({"content":"a"}), Value::Null)), &mut out);
    assert!(!s.upstream_finished() && !s.is_finished());
    s.push(&ev(chunk(json!({}), json!("stop"))), &mut out);
    assert!(s.upstream_finished() && !s.is_finished());
    s.finish(&mut out);
    assert!(s.is_finished());
}
