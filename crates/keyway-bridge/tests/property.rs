//! Property tests with a seeded generator: random but realistic upstream
//! streams, cut into random network chunks, always translate into a client
//! stream that obeys the protocol rules and carries exactly the upstream's
//! text, reasoning and tool arguments.

#![allow(clippy::unwrap_used)]

use keyway_bridge::validate::{check_anthropic_stream, check_openai_stream};
use keyway_bridge::{a2o, o2a, profile_for, Ctx};
use keyway_protocol::sse::SseParser;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

const WORDS: &[&str] = &[
    "alpha ",
    "β ",
    "中文 ",
    "\"q\" ",
    "a\\b ",
    "\n",
    "emoji 😀 ",
    "<b> ",
];

fn words(rng: &mut StdRng, n: usize) -> String {
    (0..n)
        .map(|_| WORDS[rng.gen_range(0..WORDS.len())])
        .collect()
}

/// Cut `s` into 1..=4 pieces at char boundaries.
fn pieces(rng: &mut StdRng, s: &str) -> Vec<String> {
    let mut cuts: Vec<usize> = (0..rng.gen_range(0..4))
        .map(|_| rng.gen_range(0..=s.len()))
        .collect();
    cuts.retain(|c| s.is_char_boundary(*c));
    cuts.push(0);
    cuts.push(s.len());
    cuts.sort_unstable();
    cuts.dedup();
    cuts.windows(2).map(|w| s[w[0]..w[1]].to_owned()).collect()
}

fn split_bytes<'a>(rng: &mut StdRng, b: &'a [u8]) -> Vec<&'a [u8]> {
    let mut cuts: Vec<usize> = (0..rng.gen_range(0..12))
        .map(|_| rng.gen_range(0..=b.len()))
        .collect();
    cuts.push(0);
    cuts.push(b.len());
    cuts.sort_unstable();
    cuts.dedup();
    cuts.windows(2).map(|w| &b[w[0]..w[1]]).collect()
}

fn chunk(delta: Value, finish: Value) -> String {
    let c = json!({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":delta,"finish_reason":finish}]});
    format!("data: {c}\n\n")
}

struct Expected {
    thinking: String,
    text: String,
    tools: Vec<Value>,
}

/// A DeepSeek- or MiniMax-style stream: reasoning, then text, then tool
/// calls (possibly interleaved by index), finish, usage, maybe `[DONE]`.
fn openai_stream(rng: &mut StdRng, think_tags: bool) -> (String, Expected) {
    let mut out = String::new();
    let (n_think, n_text) = (rng.gen_range(0..5), rng.gen_range(0..6));
    let thinking = words(rng, n_think);
    let text = words(rng, n_text);
    let thinking = thinking.trim_start().to_owned();
    let text = if think_tags && !thinking.is_empty() {
        text.trim_start().to_owned()
    } else {
        text
    };
    if rng.gen_bool(0.3) {
        out.push_str(": keep-alive\n\n");
    }
    if think_tags {
        let inline = if thinking.is_empty() {
            text.clone()
        } else {
            format!("<think>{thinking}</think>{text}")
        };
        for p in pieces(rng, &inline) {
            out.push_str(&chunk(json!({"content": p}), Value::Null));
        }
    } else {
        for p in pieces(rng, &thinking) {
            out.push_str(&chunk(
                json!({"reasoning_content": p, "content": null}),
                Value::Null,
            ));
        }
        for p in pieces(rng, &text) {
            out.push_str(&chunk(json!({"content": p}), Value::Null));
        }
    }
    let n_tools = rng.gen_range(0..4);
    let tools: Vec<Value> = (0..n_tools)
        .map(|i| json!({"id": format!("call_{i}"), "name": format!("tool{i}"), "input": {"arg": words(rng, 2), "n": i}}))
        .collect();
    let mut frags: Vec<(usize, Vec<String>)> = tools
        .iter()
        .enumerate()
        .map(|(i, t)| (i, pieces(rng, &t["input"].to_string())))
        .collect();
    let mut announced = vec![false; n_tools];
    while frags.iter().any(|(_, f)| !f.is_empty()) {
        // Mostly sequential, sometimes interleaved.
        let live: Vec<usize> = frags
            .iter()
            .filter(|(_, f)| !f.is_empty())
            .map(|(i, _)| *i)
            .collect();
        let i = if rng.gen_bool(0.7) {
            live[0]
        } else {
            live[rng.gen_range(0..live.len())]
        };
        let piece = frags[i].1.remove(0);
        let mut call = json!({"index": i, "function": {"arguments": piece}});
        if !announced[i] {
            announced[i] = true;
            call["id"] = tools[i]["id"].clone();
            call["type"] = json!("function");
            call["function"]["name"] = tools[i]["name"].clone();
        }
        out.push_str(&chunk(json!({"tool_calls": [call]}), Value::Null));
    }
    let finish = if n_tools > 0 && rng.gen_bool(0.8) {
        "tool_calls"
    } else {
        "stop"
    };
    if rng.gen_bool(0.9) {
        out.push_str(&chunk(json!({}), json!(finish)));
    }
    if rng.gen_bool(0.8) {
        let u = json!({"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5}});
        out.push_str(&format!("data: {u}\n\n"));
    }
    if rng.gen_bool(0.8) {
        out.push_str("data: [DONE]\n\n");
    }
    (
        out,
        Expected {
            thinking,
            text,
            tools,
        },
    )
}

fn drive_a2o(ctx: Ctx, chunks: &[&[u8]]) -> Vec<u8> {
    let mut parser = SseParser::new();
    let mut s = a2o::Stream::new(ctx);
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

#[test]
fn random_openai_streams_become_valid_anthropic_streams() {
    for seed in 0..400u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let vendor = if rng.gen_bool(0.5) {
            "deepseek"
        } else {
            "minimax"
        };
        let (input, want) = openai_stream(&mut rng, vendor == "minimax");
        let mut ctx = Ctx::new("claude", "up", profile_for(vendor), "msg_");
        ctx.message_id = "msg_p".into();
        let whole = drive_a2o(ctx.clone(), &[input.as_bytes()]);
        let split = split_bytes(&mut rng, input.as_bytes());
        assert!(
            drive_a2o(ctx, &split) == whole,
            "seed {seed}: split changed the output"
        );
        let msg =
            check_anthropic_stream(&whole).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{input}"));
        let content = msg["content"].as_array().unwrap();
        let joined = |kind: &str, field: &str| -> String {
            content
                .iter()
                .filter(|b| b["type"] == kind)
                .map(|b| b[field].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(joined("thinking", "thinking"), want.thinking, "seed {seed}");
        assert_eq!(joined("text", "text"), want.text, "seed {seed}");
        let mut tools: Vec<Value> = content
            .iter()
            .filter(|b| b["type"] == "tool_use")
            .map(|b| json!({"id": b["id"], "name": b["name"], "input": b["input"]}))
            .collect();
        // Blocks follow the order calls were first streamed, which for an
        // interleaving upstream need not be index order.
        tools.sort_by_key(|t| t["id"].as_str().unwrap_or_default().to_owned());
        assert_eq!(tools, want.tools, "seed {seed}");
        let want_stop = if want.tools.is_empty() {
            "end_turn"
        } else {
            "tool_use"
        };
        assert_eq!(msg["stop_reason"], want_stop, "seed {seed}");
    }
}

/// A valid Anthropic stream with random blocks.
fn anthropic_stream(rng: &mut StdRng) -> (String, String, String, Vec<Value>) {
    let mut events = vec![
        json!({"type":"message_start","message":{"id":"msg_x","type":"message","role":"assistant","content":[],
        "usage":{"input_tokens":5,"output_tokens":1}}}),
    ];
    let (mut thinking, mut text, mut tools) = (String::new(), String::new(), Vec::new());
    let n_blocks = rng.gen_range(0..6);
    for index in 0..n_blocks {
        let kind = rng.gen_range(0..3);
        match kind {
            0 => {
                events.push(json!({"type":"content_block_start","index":index,"content_block":{"type":"thinking","thinking":"","signature":""}}));
                let t = words(rng, 3);
                for p in pieces(rng, &t) {
                    events.push(json!({"type":"content_block_delta","index":index,"delta":{"type":"thinking_delta","thinking":p}}));
                }
                events.push(json!({"type":"content_block_delta","index":index,"delta":{"type":"signature_delta","signature":"EqQBsig"}}));
                thinking.push_str(&t);
            }
            1 => {
                events.push(json!({"type":"content_block_start","index":index,"content_block":{"type":"text","text":""}}));
                let t = words(rng, 3);
                for p in pieces(rng, &t) {
                    events.push(json!({"type":"content_block_delta","index":index,"delta":{"type":"text_delta","text":p}}));
                }
                text.push_str(&t);
            }
            _ => {
                let id = format!("toolu_{index}");
                events.push(json!({"type":"content_block_start","index":index,"content_block":{"type":"tool_use","id":id,"name":"f","input":{}}}));
                let input = json!({"v": words(rng, 2)});
                for p in pieces(rng, &input.to_string()) {
                    events.push(json!({"type":"content_block_delta","index":index,"delta":{"type":"input_json_delta","partial_json":p}}));
                }
                tools.push(json!({"id": id, "input": input}));
            }
        }
        events.push(json!({"type":"content_block_stop","index":index}));
        if rng.gen_bool(0.2) {
            events.push(json!({"type":"ping"}));
        }
    }
    let stop = if tools.is_empty() {
        "end_turn"
    } else {
        "tool_use"
    };
    events.push(json!({"type":"message_delta","delta":{"stop_reason":stop,"stop_sequence":null},"usage":{"output_tokens":9}}));
    events.push(json!({"type":"message_stop"}));
    let sse: String = events
        .iter()
        .map(|e| format!("event: {}\ndata: {e}\n\n", e["type"].as_str().unwrap()))
        .collect();
    (sse, thinking, text, tools)
}

fn drive_o2a(ctx: Ctx, chunks: &[&[u8]]) -> Vec<u8> {
    let mut parser = SseParser::new();
    let mut s = o2a::Stream::new(ctx);
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

#[test]
fn random_anthropic_streams_become_valid_openai_streams() {
    for seed in 0..400u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let (input, thinking, text, tools) = anthropic_stream(&mut rng);
        let mut ctx = Ctx::new("gpt", "claude", profile_for("anthropic"), "chatcmpl-");
        ctx.include_usage = rng.gen_bool(0.5);
        ctx.created = 1;
        let whole = drive_o2a(ctx.clone(), &[input.as_bytes()]);
        let split = split_bytes(&mut rng, input.as_bytes());
        assert!(
            drive_o2a(ctx.clone(), &split) == whole,
            "seed {seed}: split changed the output"
        );
        let got = check_openai_stream(&whole).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert_eq!(got["content"], text, "seed {seed}");
        assert_eq!(got["reasoning_content"], thinking, "seed {seed}");
        let calls: Vec<Value> = got["tool_calls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| json!({"id": c["id"], "input": serde_json::from_str::<Value>(c["function"]["arguments"].as_str().unwrap()).unwrap()}))
            .collect();
        assert_eq!(calls, tools, "seed {seed}");
        assert_eq!(got["usage"].is_object(), ctx.include_usage, "seed {seed}");
    }
}
