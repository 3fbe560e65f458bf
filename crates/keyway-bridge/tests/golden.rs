//! Golden transcripts per vendor, and split invariance: feeding a stream's
//! bytes through `SseParser` + the bridge stream with any split point must
//! give byte-identical client output.
//!
//! Regenerate the expected files with `KEYWAY_UPDATE_GOLDEN=1 cargo test -p
//! keyway-bridge --test golden` and review the diff.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use keyway_bridge::validate::{check_anthropic_stream, check_openai_stream};
use keyway_bridge::{a2o, o2a, profile_for, Ctx};
use keyway_protocol::sse::{SseEvent, SseParser};
use serde_json::{json, Value};

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Compare with the golden file (or rewrite it when asked to).
fn assert_golden(name: &str, got: &[u8]) {
    if std::env::var_os("KEYWAY_UPDATE_GOLDEN").is_some() {
        std::fs::write(path(name), got).unwrap();
        return;
    }
    let want = read(name);
    assert!(
        want == got,
        "{name} differs:\n--- want\n{}\n--- got\n{}",
        String::from_utf8_lossy(&want),
        String::from_utf8_lossy(got)
    );
}

trait ClientStream {
    fn push(&mut self, ev: &SseEvent, out: &mut Vec<u8>);
    fn finish(&mut self, out: &mut Vec<u8>);
}
impl ClientStream for a2o::Stream {
    fn push(&mut self, ev: &SseEvent, out: &mut Vec<u8>) {
        a2o::Stream::push(self, ev, out)
    }
    fn finish(&mut self, out: &mut Vec<u8>) {
        a2o::Stream::finish(self, out)
    }
}
impl ClientStream for o2a::Stream {
    fn push(&mut self, ev: &SseEvent, out: &mut Vec<u8>) {
        o2a::Stream::push(self, ev, out)
    }
    fn finish(&mut self, out: &mut Vec<u8>) {
        o2a::Stream::finish(self, out)
    }
}

/// What the server does: parse network chunks, push events, finish on EOF.
fn drive<S: ClientStream>(mut s: S, chunks: &[&[u8]]) -> Vec<u8> {
    let mut parser = SseParser::new();
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
    out
}

/// Every 2-way split, byte-at-a-time, and a spread of 3-way splits give the
/// same output as the unsplit stream.
fn assert_split_invariant<S: ClientStream>(make: impl Fn() -> S, input: &[u8]) -> Vec<u8> {
    let whole = drive(make(), &[input]);
    for i in 0..=input.len() {
        let got = drive(make(), &[&input[..i], &input[i..]]);
        assert!(got == whole, "split at {i} changed the output");
    }
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    assert!(
        drive(make(), &bytes) == whole,
        "byte-at-a-time changed the output"
    );
    let step = (input.len() / 40).max(1);
    for i in (0..=input.len()).step_by(step) {
        for j in (i..=input.len()).step_by(step) {
            let got = drive(make(), &[&input[..i], &input[i..j], &input[j..]]);
            assert!(got == whole, "split at {i},{j} changed the output");
        }
    }
    whole
}

fn a2o_ctx(vendor: &str, request: Value) -> Ctx {
    let (_, mut ctx) = a2o::request(&request, "upstream-model", profile_for(vendor)).unwrap();
    ctx.message_id = "msg_golden".into();
    ctx
}

#[test]
fn deepseek_reasoning_and_tools() {
    let input = read("deepseek_reasoning_tools.upstream.sse");
    let ctx = a2o_ctx(
        "deepseek",
        json!({"model":"claude-sonnet-4-5","max_tokens":100,"stream":true,
        "thinking":{"type":"adaptive"},"messages":[{"role":"user","content":"list files"}]}),
    );
    let out = assert_split_invariant(|| a2o::Stream::new(ctx.clone()), &input);
    let msg = check_anthropic_stream(&out).unwrap();
    assert_eq!(
        msg["content"][0]["thinking"],
        "The user wants the file list — 先看目录."
    );
    assert_eq!(msg["content"][1]["text"], "I'll list the files.");
    assert_eq!(
        msg["content"][2]["input"],
        json!({"command":"ls -la","description":"列出"})
    );
    assert_eq!(
        msg["content"][3]["input"],
        json!({"file_path":"/tmp/a.txt"})
    );
    assert_eq!(msg["stop_reason"], "tool_use");
    assert_eq!(msg["usage"]["input_tokens"], 176);
    assert_eq!(msg["usage"]["cache_read_input_tokens"], 1024);
    assert_eq!(msg["usage"]["output_tokens"], 85);
    assert_golden("deepseek_reasoning_tools.client.sse", &out);
}

#[test]
fn minimax_think_tags() {
    let input = read("minimax_think.upstream.sse");
    let ctx = a2o_ctx(
        "minimax",
        json!({"model":"claude-haiku-4-5","max_tokens":100,"stream":true,
        "messages":[{"role":"user","content":"hi"}]}),
    );
    let out = assert_split_invariant(|| a2o::Stream::new(ctx.clone()), &input);
    let msg = check_anthropic_stream(&out).unwrap();
    assert_eq!(
        msg["content"][0]["thinking"],
        "The user greets me; answer briefly.\n"
    );
    assert_eq!(msg["content"][1]["text"], "Hello! 你好 — how can I help?");
    assert_eq!(msg["stop_reason"], "end_turn");
    assert_eq!(msg["usage"]["output_tokens"], 22);
    assert_golden("minimax_think.client.sse", &out);
}

#[test]
fn anthropic_thinking_to_openai_client() {
    let input = read("anthropic_thinking_to_openai.upstream.sse");
    let (_, mut ctx) = o2a::request(
        &json!({"model":"my-claude","stream":true,"stream_options":{"include_usage":true},"reasoning_effort":"medium",
            "messages":[{"role":"user","content":"Weather in Paris?"}],
            "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]}),
        "claude-sonnet-4-5-20250929",
        profile_for("anthropic"),
    )
    .unwrap();
    ctx.created = 1767000000;
    let out = assert_split_invariant(|| o2a::Stream::new(ctx.clone()), &input);
    let got = check_openai_stream(&out).unwrap();
    assert_eq!(got["reasoning_content"], "I need the weather for Paris.");
    assert_eq!(got["content"], "Let me check the weather.");
    assert_eq!(
        got["tool_calls"][0]["function"],
        json!({"name":"get_weather","arguments":"{\"city\": \"Paris\"}"})
    );
    assert_eq!(got["finish_reason"], "tool_calls");
    assert_eq!(got["usage"]["prompt_tokens"], 2520);
    assert_eq!(got["usage"]["completion_tokens"], 89);
    assert_golden("anthropic_thinking_to_openai.client.sse", &out);
}

#[test]
fn claude_code_request_on_deepseek() {
    let body: Value = serde_json::from_slice(&read("claude_code_deepseek.request.json")).unwrap();
    let (out, ctx) = a2o::request(&body, "deepseek-v4-pro", profile_for("deepseek")).unwrap();
    let text = out.to_string();
    assert!(
        !text.contains("cache_control")
            && !text.contains("$schema")
            && !text.contains("web_search")
    );
    assert_eq!(out["thinking"], json!({"type":"enabled"}));
    assert_eq!(out["reasoning_effort"], "high");
    assert_eq!(out["messages"][3]["reasoning_content"], "I should run ls.");
    assert!(ctx.thinking);
    let mut pretty = serde_json::to_vec_pretty(&out).unwrap();
    pretty.push(b'\n');
    assert_golden("claude_code_deepseek.openai.json", &pretty);
}

/// The same upstream answer, streamed or not, gives the same Anthropic
/// content, stop reason and usage.
#[test]
fn stream_and_non_stream_agree() {
    let ctx = a2o_ctx(
        "deepseek",
        json!({"model":"claude-sonnet-4-5","max_tokens":100,"stream":true,
        "messages":[{"role":"user","content":"list files"}]}),
    );
    let streamed = drive(
        a2o::Stream::new(ctx.clone()),
        &[&read("deepseek_reasoning_tools.upstream.sse")],
    );
    let streamed = check_anthropic_stream(&streamed).unwrap();
    let body = json!({"id":"0f2c5d1e-ds","object":"chat.completion","choices":[{"index":0,"finish_reason":"tool_calls",
        "message":{"role":"assistant","reasoning_content":"The user wants the file list — 先看目录.","content":"I'll list the files.",
        "tool_calls":[
            {"id":"call_00_Xy12","type":"function","function":{"name":"Bash","arguments":"{\"command\": \"ls -la\", \"description\": \"列出\"}"}},
            {"id":"call_01_Zq34","type":"function","function":{"name":"Read","arguments":"{\"file_path\":\"/tmp/a.txt\"}"}}]}}],
        "usage":{"prompt_tokens":1200,"completion_tokens":85,"prompt_tokens_details":{"cached_tokens":1024}}});
    let whole = a2o::response(&body, &ctx);
    assert_eq!(streamed["content"], whole["content"]);
    assert_eq!(streamed["stop_reason"], whole["stop_reason"]);
    assert_eq!(streamed["usage"], whole["usage"]);
    assert_eq!(streamed["id"], whole["id"]);

    let (_, mut octx) = o2a::request(
        &json!({"model":"my-claude","stream":true,"messages":[{"role":"user","content":"Weather?"}]}),
        "claude-sonnet-4-5-20250929",
        profile_for("anthropic"),
    )
    .unwrap();
    octx.created = 1;
    let streamed = drive(
        o2a::Stream::new(octx.clone()),
        &[&read("anthropic_thinking_to_openai.upstream.sse")],
    );
    let streamed = check_openai_stream(&streamed).unwrap();
    let body = json!({"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","content":[
        {"type":"thinking","thinking":"I need the weather for Paris.","signature":"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"},
        {"type":"text","text":"Let me check the weather."},
        {"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{"city":"Paris"}}],
        "stop_reason":"tool_use","usage":{"input_tokens":472,"output_tokens":89,"cache_creation_input_tokens":0,"cache_read_input_tokens":2048}});
    let whole = o2a::response(&body, &octx);
    let m = &whole["choices"][0]["message"];
    assert_eq!(streamed["content"], m["content"]);
    assert_eq!(streamed["reasoning_content"], m["reasoning_content"]);
    assert_eq!(streamed["thinking_blocks"], m["thinking_blocks"]);
    assert_eq!(
        streamed["finish_reason"],
        whole["choices"][0]["finish_reason"]
    );
    // Arguments are the same JSON (the stream keeps the upstream's spacing).
    let args = |v: &Value| {
        serde_json::from_str::<Value>(v["function"]["arguments"].as_str().unwrap()).unwrap()
    };
    assert_eq!(args(&streamed["tool_calls"][0]), args(&m["tool_calls"][0]));
    assert_eq!(streamed["tool_calls"][0]["id"], m["tool_calls"][0]["id"]);
}
