//! Request and non-stream response rows.

use serde_json::{json, Value};

use super::super::*;
use super::ctx;
use crate::profile_for;

fn req(vendor: &str, body: Value) -> Value {
    request(&body, "up-model", profile_for(vendor)).unwrap().0
}

fn base(messages: Value) -> Value {
    json!({"model":"claude-x","max_tokens":1000,"messages":messages})
}

#[test]
fn request_rows() {
    // (name, vendor, anthropic body, JSON pointer into the OpenAI body, expected value)
    let long_user = "x".repeat(200);
    let rows: Vec<(&str, &str, Value, &str, Value)> = vec![
        (
            "system string",
            "deepseek",
            json!({"model":"m","max_tokens":5,"system":"be nice","messages":[{"role":"user","content":"hi"}]}),
            "/messages/0",
            json!({"role":"system","content":"be nice"}),
        ),
        (
            "system blocks joined, cache_control gone",
            "deepseek",
            json!({"model":"m","max_tokens":5,"system":[{"type":"text","text":"a"},{"type":"text","text":"b","cache_control":{"type":"ephemeral"}}],
                "messages":[{"role":"user","content":[{"type":"text","text":"hi","cache_control":{"type":"ephemeral"}}]}]}),
            "/messages",
            json!([{"role":"system","content":"a\n\nb"},{"role":"user","content":"hi"}]),
        ),
        (
            "user text blocks joined to a string",
            "deepseek",
            base(
                json!([{"role":"user","content":[{"type":"text","text":"<system-reminder>r</system-reminder>"},{"type":"text","text":"q"}]}]),
            ),
            "/messages/0/content",
            json!("<system-reminder>r</system-reminder>\n\nq"),
        ),
        (
            "mid-conversation system kept in place",
            "deepseek",
            base(
                json!([{"role":"user","content":"a"},{"role":"system","content":[{"type":"text","text":"note"}]},{"role":"user","content":"b"}]),
            ),
            "/messages/1",
            json!({"role":"system","content":"note"}),
        ),
        (
            "mid-conversation system hoisted for qwen",
            "qwen",
            json!({"model":"m","max_tokens":5,"system":"S","messages":[{"role":"user","content":"a"},{"role":"system","content":"note"}]}),
            "/messages",
            json!([{"role":"system","content":"S\n\nnote"},{"role":"user","content":"a"}]),
        ),
        (
            "image base64 → data URI",
            "openai",
            base(
                json!([{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}},{"type":"text","text":"what?"}]}]),
            ),
            "/messages/0/content",
            json!([{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}},{"type":"text","text":"what?"}]),
        ),
        (
            "image url",
            "openai",
            base(
                json!([{"role":"user","content":[{"type":"image","source":{"type":"url","url":"https://x/y.png"}}]}]),
            ),
            "/messages/0/content/0/image_url/url",
            json!("https://x/y.png"),
        ),
        (
            "document text source → text",
            "deepseek",
            base(
                json!([{"role":"user","content":[{"type":"document","source":{"type":"text","media_type":"text/plain","data":"doc body"}}]}]),
            ),
            "/messages/0/content",
            json!("doc body"),
        ),
        (
            "pdf on a vendor without files → note",
            "deepseek",
            base(
                json!([{"role":"user","content":[{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBE"}}]}]),
            ),
            "/messages/0/content",
            json!("[application/pdf attachment omitted: not supported by this model]"),
        ),
        (
            "pdf on openai → file part",
            "openai",
            base(
                json!([{"role":"user","content":[{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBE"}}]}]),
            ),
            "/messages/0/content/0",
            json!({"type":"file","file":{"filename":"document.pdf","file_data":"data:application/pdf;base64,JVBE"}}),
        ),
        (
            "max_tokens field for deepseek",
            "deepseek",
            base(json!([{"role":"user","content":"x"}])),
            "/max_tokens",
            json!(1000),
        ),
        (
            "max_completion_tokens for openai",
            "openai",
            base(json!([{"role":"user","content":"x"}])),
            "/max_completion_tokens",
            json!(1000),
        ),
        (
            "max_completion_tokens for minimax",
            "minimax",
            base(json!([{"role":"user","content":"x"}])),
            "/max_completion_tokens",
            json!(1000),
        ),
        (
            "at most 4 stop strings for openai",
            "openai",
            json!({"model":"m","max_tokens":5,"stop_sequences":["a","b","c","d","e"],"messages":[{"role":"user","content":"x"}]}),
            "/stop",
            json!(["a", "b", "c", "d"]),
        ),
        (
            "tool schema without type gets object",
            "deepseek",
            json!({"model":"m","max_tokens":5,"tools":[{"name":"t","input_schema":{"properties":{}}}],"messages":[{"role":"user","content":"x"}]}),
            "/tools/0/function/parameters",
            json!({"properties":{},"type":"object"}),
        ),
        (
            "image on a vendor without vision → note",
            "deepseek",
            base(
                json!([{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}},{"type":"text","text":"what?"}]}]),
            ),
            "/messages/0/content",
            json!("[image omitted: not supported by this model]\n\nwhat?"),
        ),
        (
            "tool_result image on a vendor without vision → note in the tool message",
            "deepseek",
            base(
                json!([{"role":"user","content":"go"},{"role":"assistant","content":[{"type":"tool_use","id":"a","name":"Read","input":{}}]},
                {"role":"user","content":[{"type":"tool_result","tool_use_id":"a","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"QQ"}}]}]}]),
            ),
            "/messages/2",
            json!({"role":"tool","tool_call_id":"a","content":"[image omitted: not supported by this model]"}),
        ),
        (
            "stop_sequences → stop",
            "deepseek",
            json!({"model":"m","max_tokens":5,"stop_sequences":["END"],"messages":[{"role":"user","content":"x"}]}),
            "/stop",
            json!(["END"]),
        ),
        (
            "temperature/top_p kept",
            "deepseek",
            json!({"model":"m","max_tokens":5,"temperature":0.3,"top_p":0.9,"messages":[{"role":"user","content":"x"}]}),
            "/temperature",
            json!(0.3),
        ),
        (
            "top_k dropped for deepseek",
            "deepseek",
            json!({"model":"m","max_tokens":5,"top_k":5,"messages":[{"role":"user","content":"x"}]}),
            "/top_k",
            Value::Null,
        ),
        (
            "top_k kept for qwen",
            "qwen",
            json!({"model":"m","max_tokens":5,"top_k":5,"messages":[{"role":"user","content":"x"}]}),
            "/top_k",
            json!(5),
        ),
        (
            "metadata.user_id → user",
            "deepseek",
            json!({"model":"m","max_tokens":5,"metadata":{"user_id":"u1"},"messages":[{"role":"user","content":"x"}]}),
            "/user",
            json!("u1"),
        ),
        (
            "no user field for zhipu",
            "zhipu",
            json!({"model":"m","max_tokens":5,"metadata":{"user_id":"u1"},"messages":[{"role":"user","content":"x"}]}),
            "/user",
            Value::Null,
        ),
        (
            "model is the upstream one",
            "deepseek",
            base(json!([{"role":"user","content":"x"}])),
            "/model",
            json!("up-model"),
        ),
        (
            "stream asks for usage",
            "deepseek",
            json!({"model":"m","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"x"}]}),
            "/stream_options",
            json!({"include_usage":true}),
        ),
        (
            "absent thinking disables deepseek default thinking",
            "deepseek",
            base(json!([{"role":"user","content":"x"}])),
            "/thinking",
            json!({"type":"disabled"}),
        ),
        (
            "json schema output on openai",
            "openai",
            json!({"model":"m","max_tokens":5,"output_config":{"format":{"type":"json_schema","schema":{"type":"object"}}},"messages":[{"role":"user","content":"x"}]}),
            "/response_format",
            json!({"type":"json_schema","json_schema":{"name":"structured_output","schema":{"type":"object"}}}),
        ),
        (
            "json schema output on deepseek → json_object",
            "deepseek",
            json!({"model":"m","max_tokens":5,"output_config":{"format":{"type":"json_schema","schema":{"type":"object"}}},"messages":[{"role":"user","content":"x"}]}),
            "/response_format",
            json!({"type":"json_object"}),
        ),
        (
            "tool_stream for zhipu streams with tools",
            "zhipu",
            json!({"model":"m","max_tokens":5,"stream":true,"tools":[{"name":"t","input_schema":{"type":"object"}}],"messages":[{"role":"user","content":"x"}]}),
            "/tool_stream",
            json!(true),
        ),
        (
            "tool_choice without tools dropped",
            "deepseek",
            json!({"model":"m","max_tokens":5,"tool_choice":{"type":"any"},"messages":[{"role":"user","content":"x"}]}),
            "/tool_choice",
            Value::Null,
        ),
    ];
    for (name, vendor, body, pointer, want) in rows {
        let out = req(vendor, body);
        assert_eq!(
            out.pointer(pointer).cloned().unwrap_or(Value::Null),
            want,
            "{name}: {out}"
        );
        assert!(
            !out.to_string().contains("cache_control"),
            "{name}: cache_control leaked"
        );
    }
    // Long user ids are hashed to a stable short value.
    let out = req(
        "deepseek",
        json!({"model":"m","max_tokens":5,"metadata":{"user_id":long_user},"messages":[{"role":"user","content":"x"}]}),
    );
    let u = out["user"].as_str().unwrap();
    assert!(u.starts_with("u_") && u.len() == 34, "{u}");
    // The JSON-object fallback tells the model the schema.
    let out = req(
        "deepseek",
        json!({"model":"m","max_tokens":5,"system":"S","output_config":{"format":{"type":"json_schema","schema":{"type":"object","properties":{"title":{"type":"string"}}}}},"messages":[{"role":"user","content":"x"}]}),
    );
    let sys = out["messages"][0]["content"].as_str().unwrap();
    assert!(
        sys.starts_with("S\n\n") && sys.contains("JSON schema") && sys.contains("\"title\""),
        "{sys}"
    );
}

#[test]
fn tool_result_goes_first_as_tool_message() {
    let out = req(
        "deepseek",
        base(json!([
            {"role":"user","content":"run it"},
            {"role":"assistant","content":[{"type":"text","text":"ok"},{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"cmd":"ls"}}]},
            {"role":"user","content":[{"type":"text","text":"and then?"},{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"a.txt"}],"is_error":false,"cache_control":{"type":"ephemeral"}}]},
        ])),
    );
    let msgs = out["messages"].as_array().unwrap();
    assert_eq!(
        msgs[1]["tool_calls"][0],
        json!({"id":"toolu_1","type":"function","function":{"name":"Bash","arguments":"{\"cmd\":\"ls\"}"}})
    );
    assert_eq!(msgs[1]["content"], "ok");
    assert_eq!(
        msgs[2],
        json!({"role":"tool","tool_call_id":"toolu_1","content":"a.txt"})
    );
    assert_eq!(msgs[3], json!({"role":"user","content":"and then?"}));
}

#[test]
fn interrupted_and_orphan_tool_calls_are_repaired() {
    let out = req(
        "deepseek",
        base(json!([
            {"role":"user","content":"go"},
            {"role":"assistant","content":[{"type":"tool_use","id":"a","name":"T","input":{}},{"type":"tool_use","id":"b","name":"T","input":{}}]},
            {"role":"user","content":[{"type":"tool_result","tool_use_id":"b","content":"done"},{"type":"tool_result","tool_use_id":"zzz","content":"stray"}]},
        ])),
    );
    let msgs = out["messages"].as_array().unwrap();
    assert_eq!(
        msgs[2],
        json!({"role":"tool","tool_call_id":"b","content":"done"})
    );
    assert_eq!(
        msgs[3],
        json!({"role":"tool","tool_call_id":"a","content":crate::INTERRUPTED_TOOL_RESULT})
    );
    assert_eq!(msgs[4]["role"], "user");
    assert!(msgs[4]["content"].as_str().unwrap().contains("stray"));
    // A history that ends right after the tool call (user pressed Esc, then typed).
    let out = req(
        "deepseek",
        base(json!([
            {"role":"user","content":"go"},
            {"role":"assistant","content":[{"type":"tool_use","id":"a","name":"T","input":{}}]},
            {"role":"user","content":"never mind"},
        ])),
    );
    let msgs = out["messages"].as_array().unwrap();
    assert_eq!(msgs[2]["role"], "tool");
    assert_eq!(msgs[3], json!({"role":"user","content":"never mind"}));
}

#[test]
fn empty_tool_result_gets_text_and_tool_result_images_follow() {
    let out = req(
        "openai",
        base(json!([
            {"role":"user","content":"go"},
            {"role":"assistant","content":[{"type":"tool_use","id":"a","name":"T","input":{}},{"type":"tool_use","id":"b","name":"T","input":{}}]},
            {"role":"user","content":[{"type":"tool_result","tool_use_id":"a","content":""},
                {"type":"tool_result","tool_use_id":"b","content":[{"type":"text","text":"shot"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"QQ"}}]}]},
        ])),
    );
    let msgs = out["messages"].as_array().unwrap();
    assert_eq!(msgs[2]["content"], "(empty)");
    assert_eq!(msgs[3]["content"], "shot");
    assert_eq!(
        msgs[4]["content"],
        json!([{"type":"image_url","image_url":{"url":"data:image/png;base64,QQ"}}])
    );
}

#[test]
fn ids_and_long_names_are_consistent_across_history_tools_and_choice() {
    let long = format!("mcp__server__{}", "n".repeat(70));
    let out = req(
        "deepseek",
        json!({"model":"m","max_tokens":5,
        "tools":[{"name":long,"input_schema":{"type":"object"}}],
        "tool_choice":{"type":"tool","name":long},
        "messages":[
            {"role":"user","content":"go"},
            {"role":"assistant","content":[{"type":"tool_use","id":"functions.x:0","name":long,"input":{}}]},
            {"role":"user","content":[{"type":"tool_result","tool_use_id":"functions.x:0","content":"ok"}]},
        ]}),
    );
    let def = out["tools"][0]["function"]["name"].as_str().unwrap();
    assert_eq!(def.len(), 64);
    assert_eq!(out["tool_choice"]["function"]["name"], def);
    assert_eq!(out["messages"][1]["tool_calls"][0]["function"]["name"], def);
    let id = out["messages"][1]["tool_calls"][0]["id"].as_str().unwrap();
    assert!(
        id.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
        "{id}"
    );
    assert_eq!(out["messages"][2]["tool_call_id"], id);
}

#[test]
fn thinking_blocks_on_later_turns_per_vendor() {
    let history = base(json!([
        {"role":"user","content":"q1"},
        {"role":"assistant","content":[{"type":"thinking","thinking":"plan","signature":"keyway:abc"},{"type":"text","text":"a1"}]},
        {"role":"user","content":"q2"},
        {"role":"assistant","content":[{"type":"thinking","thinking":"use tool","signature":"keyway:def"},{"type":"tool_use","id":"t1","name":"Bash","input":{}}]},
        {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"out"}]},
        {"role":"assistant","content":[{"type":"redacted_thinking","data":"xx"},{"type":"tool_use","id":"t2","name":"Bash","input":{}}]},
        {"role":"user","content":[{"type":"tool_result","tool_use_id":"t2","content":"out"}]},
    ]));
    // DeepSeek: reasoning_content only on tool-call turns, "" when absent.
    let ds = req("deepseek", history.clone());
    assert_eq!(ds["messages"][1].get("reasoning_content"), None);
    assert_eq!(ds["messages"][3]["reasoning_content"], "use tool");
    assert_eq!(ds["messages"][5]["reasoning_content"], "");
    // Zhipu: only when there is text to send.
    let zp = req("zhipu", history.clone());
    assert_eq!(zp["messages"][3]["reasoning_content"], "use tool");
    assert_eq!(zp["messages"][5].get("reasoning_content"), None);
    // MiniMax: inline <think> tags.
    let mm = req("minimax", history.clone());
    assert_eq!(
        mm["messages"][1]["content"],
        "<think>\nplan\n</think>\n\na1"
    );
    // Generic/OpenAI: dropped.
    let oa = req("openai", history);
    assert!(!oa.to_string().contains("reasoning_content"));
    assert!(!oa.to_string().contains("plan"));
}

#[test]
fn bad_requests_are_bridge_errors() {
    let p = profile_for("deepseek");
    assert!(request(&json!({"model":"m"}), "u", p).is_err());
    assert!(request(&json!([1]), "u", p).is_err());
    let e = request(&base(json!([{"role":"tool","content":"x"}])), "u", p).unwrap_err();
    assert!(e.message.contains("tool"), "{}", e.message);
}

#[test]
fn response_rows() {
    let body = json!({"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"finish_reason":"stop",
        "message":{"role":"assistant","content":"Hi","reasoning_content":"think",
        "tool_calls":[{"id":"functions.Bash:0","type":"function","function":{"name":"Bash","arguments":"{\"cmd\":\"ls\"}"}},
                      {"id":"c2","type":"function","function":{"name":"Bash","arguments":"not json"}}]}}],
        "usage":{"prompt_tokens":100,"completion_tokens":7,"prompt_tokens_details":{"cached_tokens":30}}});
    let out = response(&body, &ctx("deepseek"));
    assert_eq!(out["model"], "claude-sonnet-4-5");
    assert_eq!(out["id"], "msg_test");
    assert_eq!(out["content"][0]["type"], "thinking");
    assert!(out["content"][0]["signature"]
        .as_str()
        .unwrap()
        .starts_with("keyway:"));
    assert_eq!(out["content"][1], json!({"type":"text","text":"Hi"}));
    assert_eq!(out["content"][2]["input"], json!({"cmd":"ls"}));
    assert!(out["content"][2]["id"]
        .as_str()
        .unwrap()
        .starts_with("functions_Bash_0"));
    assert_eq!(out["content"][3]["input"], json!({}));
    // Production bug (c): tool blocks force tool_use even when upstream said stop.
    assert_eq!(out["stop_reason"], "tool_use");
    assert_eq!(
        out["usage"],
        json!({"input_tokens":70,"output_tokens":7,"cache_read_input_tokens":30,"cache_creation_input_tokens":0})
    );

    let finish_rows = [
        ("stop", "end_turn"),
        ("length", "max_tokens"),
        ("content_filter", "refusal"),
        ("tool_calls", "tool_use"),
        ("weird", "end_turn"),
    ];
    for (finish, want) in finish_rows {
        let body = json!({"choices":[{"finish_reason":finish,"message":{"content":"x"}}]});
        assert_eq!(
            response(&body, &ctx("deepseek"))["stop_reason"],
            want,
            "{finish}"
        );
    }
    let mm = response(
        &json!({"choices":[{"finish_reason":"stop","message":{"content":"<think>\nhmm\n</think>\n\nAnswer"}}]}),
        &ctx("minimax"),
    );
    assert_eq!(mm["content"][0]["thinking"], "hmm\n");
    assert_eq!(mm["content"][1]["text"], "Answer");
}

#[test]
fn response_restores_long_tool_names() {
    let long = format!("mcp__{}", "q".repeat(80));
    let (_, c) = request(
        &json!({"model":"m","max_tokens":5,"tools":[{"name":long,"input_schema":{"type":"object"}}],
        "messages":[{"role":"user","content":"x"}]}),
        "u",
        profile_for("deepseek"),
    )
    .unwrap();
    let short = crate::shorten_tool_name(&long);
    let out = response(
        &json!({"choices":[{"finish_reason":"tool_calls","message":{"content":null,
        "tool_calls":[{"id":"c","type":"function","function":{"name":short,"arguments":"{}"}}]}}]}),
        &c,
    );
    assert_eq!(out["content"][0]["name"], long);
}

/// Run upstream SSE bytes (cut into `chunks`) through parser + stream.
#[test]
fn openai_reasoning_models_get_effort_and_no_sampling_knobs() {
    let body = json!({"model":"m","max_tokens":5,"temperature":0.5,"thinking":{"type":"adaptive"},
        "output_config":{"effort":"low"},"messages":[{"role":"user","content":"x"}]});
    let (o3, _) = request(&body, "o3", profile_for("openai")).unwrap();
    assert_eq!(o3["reasoning_effort"], "low");
    assert_eq!(o3.get("temperature"), None);
    let (g4, _) = request(&body, "gpt-4o", profile_for("openai")).unwrap();
    assert_eq!(g4.get("reasoning_effort"), None);
    assert_eq!(g4["temperature"], 0.5);
}
