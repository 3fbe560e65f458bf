//! OpenAI client → Anthropic upstream: mapping rows and pitfalls.

use keyway_protocol::sse::SseParser;
use serde_json::{json, Value};

use super::*;
use crate::validate::check_openai_stream;
use crate::{profile_for, Ctx};

fn req(body: Value) -> Value {
    request(&body, "claude-up", profile_for("anthropic"))
        .unwrap()
        .0
}

fn base(messages: Value) -> Value {
    json!({"model":"gpt-alias","messages":messages})
}

#[test]
fn request_rows() {
    let rows: Vec<(&str, Value, &str, Value)> = vec![
        (
            "system + developer → system blocks",
            base(
                json!([{"role":"system","content":"A"},{"role":"developer","content":[{"type":"text","text":"B"}]},{"role":"user","content":"hi"}]),
            ),
            "/system",
            json!([{"type":"text","text":"A"},{"type":"text","text":"B"}]),
        ),
        (
            "max_tokens default when absent",
            base(json!([{"role":"user","content":"hi"}])),
            "/max_tokens",
            json!(8192),
        ),
        (
            "max_completion_tokens wins",
            json!({"model":"m","max_tokens":10,"max_completion_tokens":20,"messages":[{"role":"user","content":"hi"}]}),
            "/max_tokens",
            json!(20),
        ),
        (
            "stop string → stop_sequences",
            json!({"model":"m","stop":"END","messages":[{"role":"user","content":"hi"}]}),
            "/stop_sequences",
            json!(["END"]),
        ),
        (
            "temperature clamped to 1",
            json!({"model":"m","temperature":1.7,"messages":[{"role":"user","content":"hi"}]}),
            "/temperature",
            json!(1.0),
        ),
        (
            "user → metadata.user_id",
            json!({"model":"m","user":"u9","messages":[{"role":"user","content":"hi"}]}),
            "/metadata",
            json!({"user_id":"u9"}),
        ),
        (
            "model is upstream",
            base(json!([{"role":"user","content":"hi"}])),
            "/model",
            json!("claude-up"),
        ),
        (
            "image data URI → base64 image",
            base(
                json!([{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/"}}]}]),
            ),
            "/messages/0/content/0",
            json!({"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/"}}),
        ),
        (
            "image http URL → url source",
            base(
                json!([{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/a.png"}}]}]),
            ),
            "/messages/0/content/0/source",
            json!({"type":"url","url":"https://x/a.png"}),
        ),
        (
            "empty text parts skipped",
            base(
                json!([{"role":"user","content":[{"type":"text","text":""},{"type":"text","text":"q"}]}]),
            ),
            "/messages/0/content",
            json!([{"type":"text","text":"q"}]),
        ),
        (
            "tools → input_schema",
            json!({"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","description":"d","parameters":{"type":"object","properties":{"a":{"type":"string"}}}}}]}),
            "/tools/0",
            json!({"name":"f","description":"d","input_schema":{"type":"object","properties":{"a":{"type":"string"}}}}),
        ),
        (
            "tool without parameters gets empty object schema",
            json!({"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}]}),
            "/tools/0/input_schema",
            json!({"type":"object","properties":{}}),
        ),
        (
            "tool_choice required → any",
            json!({"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"required"}),
            "/tool_choice",
            json!({"type":"any"}),
        ),
        (
            "tool_choice named → tool",
            json!({"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":"f"}}}),
            "/tool_choice",
            json!({"type":"tool","name":"f"}),
        ),
        (
            "tool_choice none",
            json!({"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"none"}),
            "/tool_choice",
            json!({"type":"none"}),
        ),
        (
            "parallel_tool_calls false → disable_parallel_tool_use",
            json!({"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}],"parallel_tool_calls":false}),
            "/tool_choice",
            json!({"type":"auto","disable_parallel_tool_use":true}),
        ),
        (
            "reasoning_effort → thinking budget",
            json!({"model":"m","reasoning_effort":"medium","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}),
            "/thinking",
            json!({"type":"enabled","budget_tokens":2048}),
        ),
        (
            "max_tokens raised above the budget",
            json!({"model":"m","reasoning_effort":"high","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}),
            "/max_tokens",
            json!(4196),
        ),
        (
            "thinking drops temperature",
            json!({"model":"m","reasoning_effort":"low","temperature":0.2,"messages":[{"role":"user","content":"hi"}]}),
            "/temperature",
            Value::Null,
        ),
        (
            "thinking turns a forced tool into auto",
            json!({"model":"m","reasoning_effort":"low","tool_choice":"required","tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"hi"}]}),
            "/tool_choice",
            json!({"type":"auto"}),
        ),
        (
            "reasoning_effort none → no thinking",
            json!({"model":"m","reasoning_effort":"none","messages":[{"role":"user","content":"hi"}]}),
            "/thinking",
            Value::Null,
        ),
        (
            "json_schema → output_config.format",
            json!({"model":"m","response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object"}}},"messages":[{"role":"user","content":"hi"}]}),
            "/output_config",
            json!({"format":{"type":"json_schema","schema":{"type":"object"}}}),
        ),
        (
            "stream flag",
            json!({"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}),
            "/stream",
            json!(true),
        ),
    ];
    for (name, body, pointer, want) in rows {
        let out = req(body);
        assert_eq!(
            out.pointer(pointer).cloned().unwrap_or(Value::Null),
            want,
            "{name}: {out}"
        );
    }
}

#[test]
fn tool_messages_merge_into_one_user_turn_results_first() {
    let out = req(base(json!([
        {"role":"user","content":"go"},
        {"role":"assistant","content":"checking","tool_calls":[
            {"id":"call:1","type":"function","function":{"name":"a","arguments":"{\"x\":1}"}},
            {"id":"call_2","type":"function","function":{"name":"b","arguments":"oops"}}]},
        {"role":"tool","tool_call_id":"call:1","content":"r1"},
        {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"r2"}]},
        {"role":"user","content":"thanks"},
    ])));
    let msgs = out["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 3);
    let id1 = crate::sanitize_tool_id("call:1");
    assert_eq!(
        msgs[1]["content"],
        json!([
            {"type":"text","text":"checking"},
            {"type":"tool_use","id":id1,"name":"a","input":{"x":1}},
            {"type":"tool_use","id":"call_2","name":"b","input":{}},
        ])
    );
    assert_eq!(
        msgs[2]["content"],
        json!([
            {"type":"tool_result","tool_use_id":id1,"content":"r1"},
            {"type":"tool_result","tool_use_id":"call_2","content":"r2"},
            {"type":"text","text":"thanks"},
        ])
    );
}

#[test]
fn interrupted_calls_get_placeholder_results_and_orphans_become_text() {
    let out = req(base(json!([
        {"role":"user","content":"go"},
        {"role":"assistant","content":null,"tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{}"}}]},
        {"role":"user","content":"stop"},
        {"role":"tool","tool_call_id":"ghost","content":"boo"},
    ])));
    let msgs = out["messages"].as_array().unwrap();
    assert_eq!(
        msgs[2]["content"][0],
        json!({"type":"tool_result","tool_use_id":"a","content":messages::INTERRUPTED_TOOL_RESULT})
    );
    // The stray result (no matching call) became text in the same turn.
    let texts: Vec<&str> = msgs[2]["content"].as_array().unwrap()[1..]
        .iter()
        .map(|b| b["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts.len(), 2);
    assert!(texts.contains(&"stop"));
    assert!(texts.iter().any(|t| t.contains("boo")));
    // Calls at the very end of the history also get answered.
    let out = req(base(json!([
        {"role":"user","content":"go"},
        {"role":"assistant","tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{}"}}]},
    ])));
    assert_eq!(out["messages"][2]["content"][0]["tool_use_id"], "a");
}

#[test]
fn reasoning_round_trip_only_with_genuine_signatures() {
    let history = |blocks: Value| {
        base(json!([
            {"role":"user","content":"q"},
            {"role":"assistant","content":"a","reasoning_content":"thought","thinking_blocks":blocks},
            {"role":"user","content":"q2"},
        ]))
    };
    let out = req(history(
        json!([{"type":"thinking","thinking":"thought","signature":"EqQBreal"}]),
    ));
    assert_eq!(
        out["messages"][1]["content"][0],
        json!({"type":"thinking","thinking":"thought","signature":"EqQBreal"})
    );
    let out = req(history(
        json!([{"type":"thinking","thinking":"thought","signature":"keyway:0011"}]),
    ));
    assert_eq!(
        out["messages"][1]["content"],
        json!([{"type":"text","text":"a"}])
    );
    let out = req(history(Value::Null));
    assert_eq!(
        out["messages"][1]["content"],
        json!([{"type":"text","text":"a"}])
    );
    let out = req(history(
        json!([{"type":"redacted_thinking","data":"opaque"}]),
    ));
    assert_eq!(
        out["messages"][1]["content"][0],
        json!({"type":"redacted_thinking","data":"opaque"})
    );
}

#[test]
fn thinking_is_dropped_when_the_tool_turn_has_no_signed_thinking() {
    let body = json!({"model":"m","reasoning_effort":"high","messages":[
        {"role":"user","content":"go"},
        {"role":"assistant","content":null,"reasoning_content":"x","tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{}"}}]},
        {"role":"tool","tool_call_id":"a","content":"r"},
    ]});
    assert_eq!(req(body).get("thinking"), None);
}

#[test]
fn unsupported_inputs_are_bridge_errors() {
    let p = profile_for("anthropic");
    let cases = [
        json!({"model":"m","messages":[{"role":"system","content":"only system"}]}),
        json!({"model":"m","n":2,"messages":[{"role":"user","content":"x"}]}),
        json!({"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{}}]}]}),
        json!({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"custom","custom":{"name":"c"}}]}),
        json!({"model":"m"}),
    ];
    for body in cases {
        assert!(request(&body, "u", p).is_err(), "{body}");
    }
}

fn ctx(include_usage: bool) -> Ctx {
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

#[test]
fn response_rows() {
    let body = json!({"id":"msg_1","type":"message","role":"assistant","content":[
        {"type":"thinking","thinking":"hmm","signature":"EqQB"},
        {"type":"text","text":"Hi"},
        {"type":"tool_use","id":"toolu_1","name":"f","input":{"a":1}}],
        "stop_reason":"tool_use","usage":{"input_tokens":10,"output_tokens":5,"cache_read_input_tokens":90,"cache_creation_input_tokens":0,
        "output_tokens_details":{"thinking_tokens":3}}});
    let out = response(&body, &ctx(false));
    assert_eq!(out["id"], "chatcmpl-msg_1");
    assert_eq!(out["model"], "gpt-alias");
    let m = &out["choices"][0]["message"];
    assert_eq!(m["content"], "Hi");
    assert_eq!(m["reasoning_content"], "hmm");
    assert_eq!(m["thinking_blocks"][0]["signature"], "EqQB");
    assert_eq!(
        m["tool_calls"][0],
        json!({"id":"toolu_1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}})
    );
    assert_eq!(out["choices"][0]["finish_reason"], "tool_calls");
    assert_eq!(out["usage"]["prompt_tokens"], 100);
    assert_eq!(out["usage"]["total_tokens"], 105);
    assert_eq!(out["usage"]["prompt_tokens_details"]["cached_tokens"], 90);
    assert_eq!(
        out["usage"]["completion_tokens_details"]["reasoning_tokens"],
        3
    );

    let stops = [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("tool_use", "tool_calls"),
        ("pause_turn", "stop"),
        ("refusal", "content_filter"),
        ("model_context_window_exceeded", "length"),
    ];
    for (stop, want) in stops {
        let out = response(
            &json!({"content":[{"type":"text","text":"x"}],"stop_reason":stop}),
            &ctx(false),
        );
        assert_eq!(out["choices"][0]["finish_reason"], want, "{stop}");
    }
    // Only tools: content is null.
    let out = response(
        &json!({"content":[{"type":"tool_use","id":"t","name":"f","input":{}}],"stop_reason":"tool_use"}),
        &ctx(false),
    );
    assert_eq!(out["choices"][0]["message"]["content"], Value::Null);
}

fn run(ctx: Ctx, bytes: &[u8]) -> Vec<u8> {
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

fn anthropic_sse(events: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in events {
        out.extend_from_slice(
            format!("event: {}\ndata: {e}\n\n", e["type"].as_str().unwrap()).as_bytes(),
        );
    }
    out
}

fn sample() -> Vec<Value> {
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
