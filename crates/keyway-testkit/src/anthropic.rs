//! The Anthropic Messages side of the fake (protocols.md §2), strict the way
//! the real API is: thinking blocks must carry a genuine signature, and the
//! beta-gated `context_management` field needs its `anthropic-beta` value.

use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use crate::scenario::{Scenario, TEXT, TOOL_COMMAND};
use crate::sse::{self, event, Step};
use crate::Shared;

/// Signatures this fake "issued"; anything else in a thinking block is rejected.
pub const GENUINE_SIGNATURE: &str = "sig_genuine_fake_0123456789";

fn error(status: u16, ty: &str, message: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    sse::json(
        code,
        &json!({"type":"error","error":{"type":ty,"message":message},"request_id":"req_fake"}),
    )
}

fn validate(headers: &HeaderMap, req: &Value) -> Option<Response> {
    if req.get("max_tokens").and_then(Value::as_u64).is_none() {
        return Some(error(
            400,
            "invalid_request_error",
            "max_tokens: Field required",
        ));
    }
    let betas = headers
        .get("anthropic-beta")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // A beta-gated field (Claude Code sends it with its beta): proves `anthropic-beta` reaches us.
    if req.get("context_management").is_some() && !betas.contains("context-management-2025-06-27") {
        return Some(error(
            400,
            "invalid_request_error",
            "context_management: requires the context-management-2025-06-27 beta",
        ));
    }
    for m in req["messages"].as_array().into_iter().flatten() {
        for b in m["content"].as_array().into_iter().flatten() {
            if b["type"] == "thinking" && b["signature"].as_str() != Some(GENUINE_SIGNATURE) {
                return Some(error(
                    400,
                    "invalid_request_error",
                    "messages: Invalid `signature` in `thinking` block",
                ));
            }
            if b["type"] == "text" && b["text"].as_str() == Some("") {
                return Some(error(
                    400,
                    "invalid_request_error",
                    "messages: text content blocks must be non-empty",
                ));
            }
        }
    }
    None
}

fn tool_result(req: &Value) -> Option<String> {
    let last = req["messages"].as_array()?.last()?;
    last["content"]
        .as_array()?
        .iter()
        .find(|b| b["type"] == "tool_result")
        .map(|b| match &b["content"] {
            Value::String(s) => s.clone(),
            Value::Array(parts) => parts
                .iter()
                .filter_map(|p| p["text"].as_str())
                .collect::<Vec<_>>()
                .join(""),
            other => other.to_string(),
        })
}

fn usage() -> Value {
    json!({"input_tokens":21,"output_tokens":9,"cache_creation_input_tokens":3,"cache_read_input_tokens":5})
}

pub async fn respond(shared: Arc<Shared>, headers: &HeaderMap, req: &Value) -> Response {
    let model = req["model"].as_str().unwrap_or("").to_owned();
    let scenario = Scenario::from_model(&model);
    let stream = req["stream"].as_bool().unwrap_or(false);
    match &scenario {
        Scenario::Status(code) => {
            let ty = match code {
                400 => "invalid_request_error",
                401 => "authentication_error",
                429 => "rate_limit_error",
                529 => "overloaded_error",
                _ => "api_error",
            };
            return error(*code, ty, &format!("fake upstream says {code}"));
        }
        Scenario::StallFirstByte(d) => tokio::time::sleep(*d).await,
        _ => {}
    }
    if let Some(bad) = validate(headers, req) {
        return bad;
    }
    let thinking = matches!(scenario, Scenario::Reasoning | Scenario::ReasoningTools);
    let with_tools = matches!(scenario, Scenario::Tools | Scenario::ReasoningTools);
    let mut blocks = Vec::new();
    if thinking {
        blocks.push(json!({"type":"thinking","thinking":"Let me think about this.","signature":GENUINE_SIGNATURE}));
    }
    let mut stop = "end_turn";
    match (with_tools, tool_result(req)) {
        (true, None) => {
            blocks.push(json!({"type":"text","text":"I will run a command."}));
            blocks.push(json!({"type":"tool_use","id":"toolu_fake_1","name":"Bash","input":{"command":TOOL_COMMAND,"description":"Print a marker"}}));
            stop = "tool_use";
        }
        (true, Some(r)) => {
            blocks.push(json!({"type":"text","text":format!("The tool said: {}", r.trim())}))
        }
        _ => blocks.push(json!({"type":"text","text":TEXT})),
    }
    if !stream {
        if scenario == Scenario::Garbage {
            return axum::response::IntoResponse::into_response((StatusCode::OK, "not json"));
        }
        return sse::json(
            StatusCode::OK,
            &json!({"id":"msg_fake","type":"message","role":"assistant","model":model,
            "content":blocks,"stop_reason":stop,"stop_sequence":null,"usage":usage()}),
        );
    }
    let mut steps = vec![
        event(
            "message_start",
            &json!({"type":"message_start","message":{"id":"msg_fake","type":"message","role":"assistant","model":model,"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":21,"output_tokens":1,"cache_creation_input_tokens":3,"cache_read_input_tokens":5}}}),
        ),
        event("ping", &json!({"type":"ping"})),
    ];
    if let Scenario::BenchStream(n) = scenario {
        steps.push(event("content_block_start", &json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})));
        for i in 0..n {
            steps.push(event("content_block_delta", &json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":format!("tok{i} ")}})));
        }
        steps.push(event(
            "content_block_stop",
            &json!({"type":"content_block_stop","index":0}),
        ));
    } else {
        for (i, b) in blocks.iter().enumerate() {
            match b["type"].as_str() {
                Some("thinking") => {
                    steps.push(event("content_block_start", &json!({"type":"content_block_start","index":i,"content_block":{"type":"thinking","thinking":"","signature":""}})));
                    steps.push(event("content_block_delta", &json!({"type":"content_block_delta","index":i,"delta":{"type":"thinking_delta","thinking":b["thinking"]}})));
                    steps.push(event("content_block_delta", &json!({"type":"content_block_delta","index":i,"delta":{"type":"signature_delta","signature":GENUINE_SIGNATURE}})));
                }
                Some("text") => {
                    let t = b["text"].as_str().unwrap_or("");
                    let cut = t
                        .char_indices()
                        .nth(t.chars().count() / 2)
                        .map_or(0, |(i, _)| i);
                    steps.push(event("content_block_start", &json!({"type":"content_block_start","index":i,"content_block":{"type":"text","text":""}})));
                    steps.push(event("content_block_delta", &json!({"type":"content_block_delta","index":i,"delta":{"type":"text_delta","text":&t[..cut]}})));
                    if let Scenario::Slow { chunks, delay } = &scenario {
                        for k in 0..*chunks {
                            steps.push(Step::Sleep(*delay));
                            steps.push(event("content_block_delta", &json!({"type":"content_block_delta","index":i,"delta":{"type":"text_delta","text":format!(" part{k}")}})));
                        }
                    }
                    if scenario == Scenario::DieMidStream {
                        // Let what was sent reach the reader before the connection breaks.
                        steps.push(Step::Sleep(std::time::Duration::from_millis(100)));
                        steps.push(Step::Die);
                        return sse::response(shared, steps);
                    }
                    if scenario == Scenario::ErrorMidStream {
                        steps.push(event("error", &json!({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})));
                        return sse::response(shared, steps);
                    }
                    if let Scenario::StallMidStream(d) = &scenario {
                        steps.push(Step::Sleep(*d));
                    }
                    steps.push(event("content_block_delta", &json!({"type":"content_block_delta","index":i,"delta":{"type":"text_delta","text":&t[cut..]}})));
                }
                Some("tool_use") => {
                    steps.push(event("content_block_start", &json!({"type":"content_block_start","index":i,"content_block":{"type":"tool_use","id":b["id"],"name":b["name"],"input":{}}})));
                    let args = b["input"].to_string();
                    let (a, c) = args.split_at(args.len() / 2);
                    steps.push(event("content_block_delta", &json!({"type":"content_block_delta","index":i,"delta":{"type":"input_json_delta","partial_json":""}})));
                    steps.push(event("content_block_delta", &json!({"type":"content_block_delta","index":i,"delta":{"type":"input_json_delta","partial_json":a}})));
                    steps.push(event("content_block_delta", &json!({"type":"content_block_delta","index":i,"delta":{"type":"input_json_delta","partial_json":c}})));
                }
                _ => {}
            }
            steps.push(event(
                "content_block_stop",
                &json!({"type":"content_block_stop","index":i}),
            ));
        }
    }
    steps.push(event("message_delta", &json!({"type":"message_delta","delta":{"stop_reason":stop,"stop_sequence":null},"usage":{"output_tokens":9}})));
    steps.push(event("message_stop", &json!({"type":"message_stop"})));
    sse::response(shared, steps)
}

pub fn count_tokens(req: &Value) -> Response {
    if req["model"].as_str() == Some("no-count-tokens") {
        return error(404, "not_found_error", "Not Found");
    }
    // A deterministic, recognisable count: 1000 + number of messages.
    let n = req["messages"].as_array().map_or(0, Vec::len);
    sse::json(StatusCode::OK, &json!({"input_tokens": 1000 + n}))
}
