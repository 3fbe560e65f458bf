//! The OpenAI Chat Completions side of the fake (protocols.md §1).

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

use crate::scenario::{Scenario, TEXT, TOOL_COMMAND};
use crate::sse::{self, data, Step};
use crate::Shared;

fn chunk(model: &str, delta: Value, finish: Option<&str>) -> Value {
    json!({"id":"chatcmpl-fake","object":"chat.completion.chunk","created":1_700_000_000,"model":model,
           "choices":[{"index":0,"delta":delta,"finish_reason":finish,"logprobs":null}]})
}

fn usage() -> Value {
    json!({"prompt_tokens":11,"completion_tokens":7,"total_tokens":18,"prompt_tokens_details":{"cached_tokens":2}})
}

fn error_body(status: u16) -> Value {
    json!({"error":{"message":format!("fake upstream says {status}"),"type":"fake_error","param":null,"code":status.to_string()}})
}

/// The last tool result in the conversation, if the client sent one back.
fn tool_result(req: &Value) -> Option<String> {
    req["messages"]
        .as_array()?
        .iter()
        .rev()
        .find(|m| m["role"] == "tool")
        .map(|m| match &m["content"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
}

/// DeepSeek thinking mode: an assistant turn with tool_calls must carry its reasoning back.
fn missing_reasoning(req: &Value) -> bool {
    req["messages"].as_array().is_some_and(|ms| {
        ms.iter().any(|m| {
            m["role"] == "assistant"
                && m.get("tool_calls").is_some_and(|t| !t.is_null())
                && m.get("reasoning_content").is_none_or(Value::is_null)
        })
    })
}

struct Answer {
    reasoning: Option<String>,
    content: String,
    tool_call: Option<(String, String, String)>,
}

fn answer_for(scenario: &Scenario, req: &Value) -> Answer {
    let with_tools = matches!(scenario, Scenario::Tools | Scenario::ReasoningTools);
    let reasoning = matches!(scenario, Scenario::Reasoning | Scenario::ReasoningTools)
        .then(|| "Let me think about this.".to_owned());
    match (with_tools, tool_result(req)) {
        (true, None) => Answer {
            reasoning,
            content: String::new(),
            tool_call: Some((
                "call_fake_1".into(),
                "Bash".into(),
                json!({"command": TOOL_COMMAND, "description": "Print a marker"}).to_string(),
            )),
        },
        (true, Some(result)) => Answer {
            reasoning,
            content: format!("The tool said: {}", result.trim()),
            tool_call: None,
        },
        (false, _) if *scenario == Scenario::MinimaxThink => Answer {
            reasoning: None,
            content: format!("<think>Pondering.</think>{TEXT}"),
            tool_call: None,
        },
        _ => Answer {
            reasoning,
            content: TEXT.to_owned(),
            tool_call: None,
        },
    }
}

pub async fn respond(shared: Arc<Shared>, req: &Value) -> Response {
    let model = req["model"].as_str().unwrap_or("").to_owned();
    let scenario = Scenario::from_model(&model);
    let stream = req["stream"].as_bool().unwrap_or(false);
    let include_usage = req["stream_options"]["include_usage"]
        .as_bool()
        .unwrap_or(false);
    match &scenario {
        Scenario::Status(code) => {
            let status = StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return sse::json(status, &error_body(*code));
        }
        Scenario::StallFirstByte(d) => tokio::time::sleep(*d).await,
        Scenario::ReasoningTools if missing_reasoning(req) => {
            return sse::json(
                StatusCode::BAD_REQUEST,
                &json!({"error":{"message":"The `reasoning_content` in the thinking mode must be passed back to the API.","type":"invalid_request_error","param":null,"code":"invalid_request_error"}}),
            );
        }
        _ => {}
    }
    if scenario == Scenario::EmbeddedError {
        return sse::json(
            StatusCode::OK,
            &json!({"id":"","choices":null,"base_resp":{"status_code":1008,"status_msg":"insufficient balance"}}),
        );
    }
    if scenario == Scenario::Garbage && !stream {
        let mut r = axum::response::IntoResponse::into_response((
            StatusCode::OK,
            "<html>this is not json</html>",
        ));
        r.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("text/html"),
        );
        return r;
    }
    let ans = answer_for(&scenario, req);
    if !stream {
        let mut message = json!({"role":"assistant","content": if ans.content.is_empty() { Value::Null } else { json!(ans.content) }});
        if let Some(r) = &ans.reasoning {
            message["reasoning_content"] = json!(r);
        }
        let mut finish = "stop";
        if let Some((id, name, args)) = &ans.tool_call {
            message["tool_calls"] =
                json!([{"id":id,"type":"function","function":{"name":name,"arguments":args}}]);
            finish = "tool_calls";
        }
        return sse::json(
            StatusCode::OK,
            &json!({"id":"chatcmpl-fake","object":"chat.completion","created":1_700_000_000,"model":model,
            "choices":[{"index":0,"message":message,"finish_reason":finish,"logprobs":null}],"usage":usage()}),
        );
    }

    let mut steps = vec![data(&chunk(
        &model,
        json!({"role":"assistant","content":""}),
        None,
    ))];
    match &scenario {
        Scenario::Garbage => {
            steps.push(Step::Send("data: {this is not json\n\n".into()));
            steps.push(Step::Send("data: [DONE]\n\n".into()));
            return sse::response(shared, steps);
        }
        Scenario::BenchStream(n) => {
            for i in 0..*n {
                steps.push(data(&chunk(
                    &model,
                    json!({"content": format!("tok{i} ")}),
                    None,
                )));
            }
        }
        Scenario::Slow { chunks, delay } => {
            for i in 0..*chunks {
                steps.push(Step::Sleep(*delay));
                steps.push(data(&chunk(
                    &model,
                    json!({"content": format!("part{i} ")}),
                    None,
                )));
            }
        }
        _ => {
            if let Some(r) = &ans.reasoning {
                let (a, b) = r.split_at(r.len() / 2);
                steps.push(data(&chunk(&model, json!({"reasoning_content": a}), None)));
                steps.push(data(&chunk(&model, json!({"reasoning_content": b}), None)));
            }
            if !ans.content.is_empty() {
                // Split so that tags and words straddle chunk boundaries.
                let c = &ans.content;
                let cut = c
                    .char_indices()
                    .nth(c.chars().count() / 3)
                    .map_or(0, |(i, _)| i);
                steps.push(data(&chunk(&model, json!({"content": &c[..cut]}), None)));
                steps.push(data(&chunk(&model, json!({"content": &c[cut..]}), None)));
            }
            if let Some((id, name, args)) = &ans.tool_call {
                steps.push(data(&chunk(&model, json!({"tool_calls":[{"index":0,"id":id,"type":"function","function":{"name":name,"arguments":""}}]}), None)));
                let (a, b) = args.split_at(args.len() / 2);
                steps.push(data(&chunk(
                    &model,
                    json!({"tool_calls":[{"index":0,"function":{"arguments":a}}]}),
                    None,
                )));
                steps.push(data(&chunk(
                    &model,
                    json!({"tool_calls":[{"index":0,"function":{"arguments":b}}]}),
                    None,
                )));
            }
        }
    }
    match &scenario {
        Scenario::DieMidStream => {
            // Let what was sent reach the reader before the connection breaks.
            steps.push(Step::Sleep(std::time::Duration::from_millis(100)));
            steps.push(Step::Die);
            return sse::response(shared, steps);
        }
        Scenario::ErrorMidStream => {
            steps.push(data(&json!({"error":{"message":"fake upstream failed mid-stream","type":"server_error","param":null,"code":null}})));
            return sse::response(shared, steps);
        }
        Scenario::StallMidStream(d) => {
            steps.push(Step::Sleep(*d));
        }
        _ => {}
    }
    let finish = if ans.tool_call.is_some() {
        "tool_calls"
    } else {
        "stop"
    };
    if scenario == Scenario::UsageInFinishChunk {
        let mut c = chunk(&model, json!({}), Some(finish));
        c["usage"] = usage();
        steps.push(data(&c));
        // Metadata chunks after the usage one (production bug: usage taken only from the last chunk).
        steps.push(data(&json!({"id":"chatcmpl-fake","object":"chat.completion.chunk","choices":[],"usage":null})));
    } else {
        steps.push(data(&chunk(&model, json!({}), Some(finish))));
        if include_usage {
            steps.push(data(&json!({"id":"chatcmpl-fake","object":"chat.completion.chunk","created":1_700_000_000,"model":model,"choices":[],"usage":usage()})));
        }
    }
    steps.push(Step::Send("data: [DONE]\n\n".into()));
    let _ = Duration::ZERO;
    sse::response(shared, steps)
}
