//! Request and non-stream response rows.

use serde_json::{json, Value};

use super::super::*;
use super::{base, ctx, req};
use crate::profile_for;

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
            "json_object → system instruction",
            json!({"model":"m","response_format":{"type":"json_object"},"messages":[{"role":"system","content":"S"},{"role":"user","content":"hi"}]}),
            "/system/1/text",
            json!("Respond only with a single valid JSON object."),
        ),
        (
            "legacy functions → tools",
            json!({"model":"m","functions":[{"name":"f","parameters":{"type":"object"}}],"function_call":{"name":"f"},"messages":[{"role":"user","content":"hi"}]}),
            "/tools/0/name",
            json!("f"),
        ),
        (
            "legacy function_call → named tool_choice",
            json!({"model":"m","functions":[{"name":"f"}],"function_call":{"name":"f"},"messages":[{"role":"user","content":"hi"}]}),
            "/tool_choice",
            json!({"type":"tool","name":"f"}),
        ),
        (
            "file part with inline PDF → document",
            base(
                json!([{"role":"user","content":[{"type":"file","file":{"filename":"a.pdf","file_data":"data:application/pdf;base64,JVBE"}}]}]),
            ),
            "/messages/0/content/0",
            json!({"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBE"}}),
        ),
        (
            "assistant first gets a user turn before it",
            base(json!([{"role":"assistant","content":"hello"},{"role":"user","content":"hi"}])),
            "/messages/0/role",
            json!("user"),
        ),
        (
            "safety_identifier → metadata.user_id",
            json!({"model":"m","safety_identifier":"s1","messages":[{"role":"user","content":"hi"}]}),
            "/metadata/user_id",
            json!("s1"),
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
        json!({"type":"tool_result","tool_use_id":"a","content":crate::INTERRUPTED_TOOL_RESULT})
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
