//! The Anthropic protocol end to end (pass-through and bridged), count_tokens
//! and the models list — the real binary against the fake upstream.

mod common;

use common::*;
use keyway_testkit::FakeUpstream;
use serde_json::{json, Value};

async fn messages(gw: &Gateway, body: &Value) -> reqwest::Response {
    client()
        .post(gw.url("/v1/messages?beta=true"))
        .header("authorization", format!("Bearer {KEY}"))
        .header("anthropic-version", "2023-06-01")
        .header(
            "anthropic-beta",
            "claude-code-20250219,context-management-2025-06-27",
        )
        .header("anthropic-dangerous-direct-browser-access", "true")
        .header("x-claude-code-session-id", "sess-1")
        .json(body)
        .send()
        .await
        .expect("send")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passthrough_forwards_the_right_headers_and_keeps_sse_framing() {
    let fake = FakeUpstream::start().await.expect("fake");
    let gw = Gateway::start(&standard_config(&fake)).await;
    let mut body = message("claude-ok", true);
    // `context_management` needs its beta upstream: the fake rejects it without.
    body["context_management"] =
        json!({"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]});
    body["messages"]
        .as_array_mut()
        .expect("msgs")
        .push(json!({"role": "system", "content": "mid-conversation system text"}));
    body["messages"]
        .as_array_mut()
        .expect("msgs")
        .push(json!({"role": "user", "content": "go on"}));
    let r = messages(&gw, &body).await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.expect("body");
    let events = sse_events(&text);
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.first(), Some(&"message_start"));
    assert!(names.contains(&"ping"), "ping kept: {names:?}");
    assert_eq!(names.last(), Some(&"message_stop"));
    for (name, data) in &events {
        assert_eq!(
            data["type"].as_str(),
            Some(name.as_str()),
            "event name matches data.type"
        );
    }
    assert!(
        text.contains("event: message_start\ndata: {"),
        "exact framing: {text}"
    );

    let seen = fake.last_request().expect("request");
    assert_eq!(seen.path, "/v1/messages");
    assert_eq!(
        seen.query, None,
        "the client's ?beta=true is not sent upstream"
    );
    assert_eq!(
        seen.headers["x-api-key"], ANTHROPIC_UPSTREAM_KEY,
        "Anthropic upstreams get x-api-key"
    );
    assert!(
        seen.headers.get("authorization").is_none(),
        "client bearer stripped"
    );
    assert!(seen
        .headers
        .get("anthropic-dangerous-direct-browser-access")
        .is_none());
    assert_eq!(seen.headers["anthropic-version"], "2023-06-01");
    assert_eq!(
        seen.headers["anthropic-beta"],
        "claude-code-20250219,context-management-2025-06-27"
    );
    assert_eq!(seen.headers["x-claude-code-session-id"], "sess-1");
    assert_eq!(seen.json["model"], "ok");

    let row = gw
        .wait_log(|r| r["alias"] == "claude-ok" && r["stream"] == true)
        .await;
    assert_eq!(row["input_tokens"], 21);
    assert_eq!(row["output_tokens"], 9);
    assert_eq!(row["client_protocol"], "anthropic");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_stream_works_on_every_kind_of_route() {
    let fake = FakeUpstream::start().await.expect("fake");
    let gw = Gateway::start(&standard_config(&fake)).await;
    // Claude Code resends a broken stream without `stream`: pass-through and bridged both answer.
    for alias in ["claude-ok", "ok", "claude-thinking", "reasoning"] {
        let r = messages(&gw, &message(alias, false)).await;
        assert_eq!(r.status(), 200, "{alias}");
        let v: Value = r.json().await.expect("json");
        assert_eq!(v["type"], "message", "{alias}: {v}");
        assert_eq!(v["role"], "assistant");
        let text: String = v["content"]
            .as_array()
            .expect("content")
            .iter()
            .filter(|b| b["type"] == "text")
            .filter_map(|b| b["text"].as_str())
            .collect();
        assert!(
            text.contains("Hello from the fake upstream"),
            "{alias}: {v}"
        );
        if alias == "reasoning" {
            assert_eq!(
                v["content"][0]["type"], "thinking",
                "reasoning_content became a thinking block: {v}"
            );
            assert!(v["content"][0]["signature"]
                .as_str()
                .unwrap_or("")
                .starts_with("keyway:"));
            assert_eq!(v["model"], "reasoning", "the client's alias is echoed");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bridged_stream_turns_reasoning_and_tools_into_anthropic_events() {
    let fake = FakeUpstream::start().await.expect("fake");
    let gw = Gateway::start(&standard_config(&fake)).await;
    let mut body = message("reasoning-tools", true);
    body["thinking"] = json!({"type": "adaptive"});
    body["tools"] = json!([{"name": "Bash", "description": "Run a command", "input_schema": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"command": {"type": "string"}}}}]);
    let text = messages(&gw, &body).await.text().await.expect("body");
    let events = sse_events(&text);
    let starts: Vec<&str> = events
        .iter()
        .filter(|(n, _)| n == "content_block_start")
        .filter_map(|(_, d)| d["content_block"]["type"].as_str())
        .collect();
    assert_eq!(starts, vec!["thinking", "tool_use"], "{text}");
    let stop = events
        .iter()
        .find(|(n, _)| n == "message_delta")
        .map(|(_, d)| d["delta"]["stop_reason"].clone());
    assert_eq!(stop, Some(json!("tool_use")));
    let upstream = fake.last_request().expect("req");
    assert_eq!(upstream.path, "/v1/chat/completions");
    assert!(
        upstream.json["tools"][0]["function"]["parameters"]
            .get("$schema")
            .is_none(),
        "$schema stripped for the vendor"
    );
    assert_eq!(
        upstream.headers["authorization"],
        format!("Bearer {UPSTREAM_KEY}").as_str()
    );
    assert!(
        upstream.headers.get("anthropic-beta").is_none(),
        "Anthropic headers not sent to an OpenAI upstream"
    );

    // Second turn: the thinking block comes back; DeepSeek needs it as reasoning_content or it answers 400.
    let thinking = events
        .iter()
        .find(|(n, d)| n == "content_block_start" && d["content_block"]["type"] == "thinking")
        .map(|_| ())
        .is_some();
    assert!(thinking);
    let thinking_text: String = events
        .iter()
        .filter_map(|(_, d)| d["delta"]["thinking"].as_str())
        .collect();
    let signature: String = events
        .iter()
        .filter_map(|(_, d)| d["delta"]["signature"].as_str())
        .collect();
    let tool_id = events
        .iter()
        .find_map(|(_, d)| d["content_block"]["id"].as_str())
        .expect("tool id")
        .to_owned();
    let mut turn2 = body.clone();
    turn2["messages"] = json!([
        {"role": "user", "content": "Say hello"},
        {"role": "assistant", "content": [
            {"type": "thinking", "thinking": thinking_text, "signature": signature},
            {"type": "tool_use", "id": tool_id, "name": "Bash", "input": {"command": "echo keyway-tool-ok"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool_id, "content": "keyway-tool-ok"}]}
    ]);
    let r = messages(&gw, &turn2).await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.expect("body");
    let answer: String = sse_events(&text)
        .iter()
        .filter_map(|(_, d)| d["delta"]["text"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(answer, "The tool said: keyway-tool-ok", "{text}");
    let echoed = fake.last_request().expect("req");
    let assistant = echoed.json["messages"]
        .as_array()
        .expect("msgs")
        .iter()
        .find(|m| m["role"] == "assistant")
        .cloned()
        .expect("assistant turn");
    assert_eq!(
        assistant["reasoning_content"], "Let me think about this.",
        "thinking went back as reasoning_content"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_clients_reach_anthropic_providers_through_the_bridge() {
    let fake = FakeUpstream::start().await.expect("fake");
    let gw = Gateway::start(&standard_config(&fake)).await;
    let r = client()
        .post(gw.url("/v1/chat/completions"))
        .bearer_auth(KEY)
        .json(&chat("claude-thinking", false))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["object"], "chat.completion");
    assert_eq!(v["choices"][0]["message"]["content"], keyway_testkit::TEXT);
    assert_eq!(
        v["choices"][0]["message"]["reasoning_content"],
        "Let me think about this."
    );
    let seen = fake.last_request().expect("req");
    assert_eq!(seen.path, "/v1/messages");
    assert!(
        seen.json["max_tokens"].as_u64().is_some(),
        "max_tokens invented for Anthropic"
    );

    let body = gw.chat_text("claude-tools", true).await;
    let data = sse_data(&body);
    assert_eq!(data.last().map(String::as_str), Some("[DONE]"));
    let chunks: Vec<Value> = data
        .iter()
        .filter_map(|d| serde_json::from_str(d).ok())
        .collect();
    let name = chunks
        .iter()
        .find_map(|c| c["choices"][0]["delta"]["tool_calls"][0]["function"]["name"].as_str());
    assert_eq!(name, Some("Bash"));
    let args: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"].as_str())
        .collect();
    let parsed: Value = serde_json::from_str(&args).expect("streamed arguments form JSON");
    assert_eq!(parsed["command"], keyway_testkit::TOOL_COMMAND);
    let finish = chunks
        .iter()
        .find_map(|c| c["choices"][0]["finish_reason"].as_str());
    assert_eq!(finish, Some("tool_calls"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn count_tokens_forwards_or_counts_locally() {
    let fake = FakeUpstream::start().await.expect("fake");
    let gw = Gateway::start(&standard_config(&fake)).await;
    let count = |alias: &'static str| {
        let url = gw.url("/v1/messages/count_tokens?beta=true");
        async move {
            let r = client()
                .post(url)
                .header("x-api-key", KEY)
                .header("anthropic-version", "2023-06-01")
                .json(&json!({"model": alias, "messages": [{"role": "user", "content": "Count these tokens, please."}],
                              "tools": [{"name": "Bash", "description": "Run a shell command", "input_schema": {"type": "object"}}]}))
                .send()
                .await
                .expect("send");
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.expect("json"))
        }
    };
    let (s, v) = count("claude-ok").await;
    assert_eq!(
        (s, v["input_tokens"].as_i64()),
        (200, Some(1001)),
        "forwarded to the Anthropic upstream"
    );
    assert_eq!(
        fake.last_request().expect("req").path,
        "/v1/messages/count_tokens"
    );
    for alias in ["claude-no-count", "ok"] {
        let (s, v) = count(alias).await;
        assert_eq!(s, 200, "{alias}: {v}");
        let n = v["input_tokens"].as_i64().expect("a number");
        assert!(
            n > 10 && n < 100,
            "{alias}: a real local count, not 0 or 1001: {n}"
        );
    }
    let r = client()
        .post(gw.url("/v1/messages/count_tokens"))
        .header("x-api-key", KEY)
        .json(&json!({"model": "ok"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 400, "no messages: an error, never a fake 0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn models_in_anthropic_shape_with_pagination() {
    let fake = FakeUpstream::start().await.expect("fake");
    let gw = Gateway::start(&standard_config(&fake)).await;
    let get = |path: String| async move {
        client()
            .get(path)
            .header("x-api-key", KEY)
            .header("anthropic-version", "2023-06-01")
            .send()
            .await
            .expect("send")
            .json::<Value>()
            .await
            .expect("json")
    };
    let all = get(gw.url("/v1/models?limit=1000")).await;
    let ids: Vec<String> = all["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|m| m["id"].as_str().map(str::to_owned))
        .collect();
    assert!(ids.len() > 20);
    assert_eq!(all["data"][0]["type"], "model");
    assert!(
        all["data"][0]["display_name"].is_string()
            && all["data"][0]["created_at"]
                .as_str()
                .unwrap_or("")
                .ends_with('Z')
    );
    assert_eq!(all["has_more"], false);
    assert_eq!(all["first_id"], ids[0].as_str());

    let page1 = get(gw.url("/v1/models?limit=2")).await;
    assert_eq!(page1["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(page1["has_more"], true);
    let after = page1["last_id"].as_str().expect("last").to_owned();
    let page2 = get(gw.url(&format!("/v1/models?limit=2&after_id={after}"))).await;
    assert_eq!(page2["first_id"], ids[2].as_str());
    let before = get(gw.url(&format!("/v1/models?limit=5&before_id={}", ids[2]))).await;
    assert_eq!(before["data"].as_array().map(Vec::len), Some(2));

    let one = get(gw.url("/v1/models/claude-ok?beta=true")).await;
    assert_eq!(one["id"], "claude-ok");
    assert_eq!(one["type"], "model");
    let r = client()
        .get(gw.url("/v1/models/nope"))
        .header("x-api-key", KEY)
        .header("anthropic-version", "2023-06-01")
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 404);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["error"]["type"], "not_found_error");
}
