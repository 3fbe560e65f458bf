//! Every row of product.md §2's error table, in the client's protocol, plus
//! the failures of a stream after its first byte.

mod common;

use std::time::Duration;

use common::*;
use keyway_testkit::FakeUpstream;
use serde_json::{json, Value};

async fn post_openai(
    gw: &Gateway,
    key: Option<&str>,
    body: reqwest::Body,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut rb = client()
        .post(gw.url("/v1/chat/completions"))
        .header("content-type", "application/json")
        .body(body);
    if let Some(k) = key {
        rb = rb.bearer_auth(k);
    }
    let r = rb.send().await.expect("send");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    assert!(
        headers.get("x-request-id").is_some(),
        "x-request-id on every response"
    );
    let text = r.text().await.expect("text");
    let v: Value =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("error body is JSON: {text}"));
    (status, v, headers)
}

fn openai_error(v: &Value) -> &str {
    assert!(v["error"]["type"].is_string(), "OpenAI envelope: {v}");
    assert!(
        v["error"].get("param").is_some() && v["error"].get("code").is_some(),
        "{v}"
    );
    v["error"]["message"].as_str().expect("message")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_error_table() {
    let fake = FakeUpstream::start().await.expect("fake");
    let gw = Gateway::start_with(
        &standard_config(&fake),
        Options {
            extra_args: vec!["--max-body-bytes".into(), "65536".into()],
            ..Options::default()
        },
        None,
    )
    .await;
    let j = |v: Value| reqwest::Body::from(v.to_string());
    let cases: Vec<(&str, Option<&str>, reqwest::Body, u16, &str)> = vec![
        ("not JSON", Some(KEY), "{nope".into(), 400, "not valid JSON"),
        (
            "truncated",
            Some(KEY),
            r#"{"model":"ok","messages":[{"role":"us"#.into(),
            400,
            "not valid JSON",
        ),
        (
            "missing model",
            Some(KEY),
            j(json!({"messages": []})),
            400,
            "missing required field `model`",
        ),
        (
            "wrong type",
            Some(KEY),
            j(json!({"model": 7, "messages": []})),
            400,
            "`model` must be a string",
        ),
        (
            "stream type",
            Some(KEY),
            j(json!({"model": "ok", "messages": [], "stream": "yes"})),
            400,
            "`stream` must be a boolean",
        ),
        ("no key", None, j(chat("ok", false)), 401, "invalid API key"),
        (
            "unknown key",
            Some("db_sk_unknown_0123456789abcdefghijklmnopq"),
            j(chat("ok", false)),
            401,
            "invalid API key",
        ),
        (
            "not a db_sk key",
            Some("sk-live-something"),
            j(chat("ok", false)),
            401,
            "invalid API key",
        ),
        (
            "disabled key",
            Some(KEY_DISABLED),
            j(chat("ok", false)),
            401,
            "invalid API key",
        ),
        (
            "unknown alias",
            Some(KEY),
            j(chat("nope", false)),
            404,
            "model 'nope' not found",
        ),
        (
            "other group's alias",
            Some(KEY),
            j(chat("only-b", false)),
            404,
            "model 'only-b' not found",
        ),
        (
            "disabled route",
            Some(KEY),
            j(chat("disabled-route", false)),
            404,
            "model 'disabled-route' not found",
        ),
        (
            "disabled provider",
            Some(KEY),
            j(chat("disabled-provider", false)),
            404,
            "model 'disabled-provider' not found",
        ),
        (
            "strict route",
            Some(KEY),
            j(chat("strict-claude", false)),
            404,
            "model 'strict-claude' is bound to an anthropic provider, not openai",
        ),
        (
            "too large",
            Some(KEY),
            j(
                json!({"model": "ok", "messages": [{"role": "user", "content": "x".repeat(70_000)}]}),
            ),
            413,
            "65536",
        ),
        (
            "upstream 400",
            Some(KEY),
            j(chat("s400", false)),
            400,
            "upstream fake-openai rejected the request: fake upstream says 400",
        ),
        (
            "upstream 422",
            Some(KEY),
            j(chat("s422", false)),
            422,
            "rejected the request",
        ),
        (
            "upstream 429",
            Some(KEY),
            j(chat("s429", false)),
            429,
            "fake upstream says 429",
        ),
        (
            "upstream 503",
            Some(KEY),
            j(chat("s503", false)),
            503,
            "fake upstream says 503",
        ),
        (
            "upstream 529",
            Some(KEY),
            j(chat("s529", false)),
            503,
            "fake upstream says 529",
        ),
        (
            "upstream 401",
            Some(KEY),
            j(chat("s401", false)),
            502,
            "upstream error: fake-openai returned 401: fake upstream says 401",
        ),
        (
            "upstream 403",
            Some(KEY),
            j(chat("s403", false)),
            502,
            "returned 403",
        ),
        (
            "upstream 404",
            Some(KEY),
            j(chat("s404", false)),
            502,
            "returned 404",
        ),
        (
            "upstream 500",
            Some(KEY),
            j(chat("s500", false)),
            502,
            "returned 500",
        ),
        (
            "connection refused",
            Some(KEY),
            j(chat("unreachable", false)),
            502,
            "upstream error: nowhere returned no response",
        ),
        (
            "garbage body",
            Some(KEY),
            j(chat("garbage", false)),
            502,
            "not JSON",
        ),
        (
            "first-byte timeout",
            Some(KEY),
            j(chat("stall-first", false)),
            504,
            "first-byte timeout",
        ),
    ];
    for (name, key, body, status, words) in cases {
        let (got, v, headers) = post_openai(&gw, key, body).await;
        assert_eq!(got, status, "{name}: {v}");
        let msg = openai_error(&v);
        assert!(
            msg.contains(words),
            "{name}: {msg:?} should contain {words:?}"
        );
        if status == 429 {
            assert_eq!(
                headers.get("retry-after").map(|v| v.to_str().unwrap_or("")),
                Some("7"),
                "{name}: retry-after passed on"
            );
        }
        assert!(
            !msg.contains(UPSTREAM_KEY) && !msg.contains("db_sk_"),
            "{name}: no secrets in errors"
        );
    }
    // The upstream's status and full error text are in the log row.
    let row = gw.wait_log(|r| r["alias"] == "s401").await;
    assert_eq!(row["status"], 502);
    assert_eq!(row["upstream_status"], 401);
    assert!(
        row["upstream_error"]
            .as_str()
            .unwrap_or("")
            .contains("fake upstream says 401"),
        "{row}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anthropic_errors_use_the_anthropic_envelope() {
    let fake = FakeUpstream::start().await.expect("fake");
    let gw = Gateway::start(&standard_config(&fake)).await;
    let cases: Vec<(Option<&str>, Value, u16, &str, &str)> = vec![
        (
            None,
            message("claude-ok", false),
            401,
            "authentication_error",
            "invalid API key",
        ),
        (
            Some(KEY),
            message("nope", false),
            404,
            "not_found_error",
            "model 'nope' not found",
        ),
        (
            Some(KEY),
            message("strict-openai", false),
            404,
            "not_found_error",
            "model 'strict-openai' is bound to an openai provider, not anthropic",
        ),
        (
            Some(KEY),
            message("claude-529", false),
            529,
            "overloaded_error",
            "fake upstream says 529",
        ),
        (
            Some(KEY),
            json!({"max_tokens": 5, "messages": []}),
            400,
            "invalid_request_error",
            "missing required field `model`",
        ),
    ];
    for (key, body, status, ty, words) in cases {
        let mut rb = client()
            .post(gw.url("/v1/messages?beta=true"))
            .header("anthropic-version", "2023-06-01")
            .json(&body);
        if let Some(k) = key {
            rb = rb.header("x-api-key", k);
        }
        let r = rb.send().await.expect("send");
        assert_eq!(r.status().as_u16(), status, "{body}");
        let v: Value = r.json().await.expect("json");
        assert_eq!(v["type"], "error", "{v}");
        assert_eq!(v["error"]["type"], ty, "{v}");
        assert!(
            v["error"]["message"].as_str().unwrap_or("").contains(words),
            "{v}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_streams_end_with_an_error_event_never_a_silent_cut() {
    let fake = FakeUpstream::start().await.expect("fake");
    let gw = Gateway::start(&standard_config(&fake)).await;
    // OpenAI clients: a final data chunk carrying `error`.
    for (alias, words) in [
        ("die", "upstream"),
        ("stall-mid", "idle timeout"),
        ("error-mid", "fake upstream failed mid-stream"),
    ] {
        let r = client()
            .post(gw.url("/v1/chat/completions"))
            .bearer_auth(KEY)
            .json(&chat(alias, true))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 200, "{alias}: headers were already sent");
        let body = r.text().await.expect("the body ends cleanly");
        let data = sse_data(&body);
        let last: Value =
            serde_json::from_str(data.last().expect("some data")).unwrap_or(Value::Null);
        assert!(
            last["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains(words),
            "{alias}: {body}"
        );
        assert!(
            body.contains("\"content\""),
            "{alias}: the chunks before the failure were relayed: {body}"
        );
    }
    // Anthropic clients: `event: error`.
    for (alias, ty) in [
        ("claude-die", "api_error"),
        ("claude-error-mid", "overloaded_error"),
    ] {
        let r = client()
            .post(gw.url("/v1/messages"))
            .header("x-api-key", KEY)
            .json(&message(alias, true))
            .send()
            .await
            .expect("send");
        let body = r.text().await.expect("text");
        let events = sse_events(&body);
        assert_eq!(
            events.first().map(|e| e.0.as_str()),
            Some("message_start"),
            "{body}"
        );
        let (name, data) = events.last().expect("events");
        assert_eq!(name, "error", "{alias}: {body}");
        assert_eq!(data["error"]["type"], ty, "{alias}: {body}");
    }
    let row = gw.wait_log(|r| r["alias"] == "die").await;
    assert!(row["upstream_error"].is_string(), "{row}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_disconnects_cancels_the_upstream_and_is_logged() {
    let fake = FakeUpstream::start().await.expect("fake");
    let gw = Gateway::start(&standard_config(&fake)).await;
    let mut r = client()
        .post(gw.url("/v1/chat/completions"))
        .bearer_auth(KEY)
        .json(&chat("slow", true))
        .send()
        .await
        .expect("send");
    let first = r.chunk().await.expect("chunk").expect("first chunk");
    assert!(!first.is_empty());
    drop(r);
    let mut cancelled = 0;
    for _ in 0..40 {
        cancelled = fake.cancelled_streams();
        if cancelled > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        cancelled, 1,
        "the upstream stream was dropped when the client left"
    );
    let row = gw.wait_log(|r| r["alias"] == "slow").await;
    assert_eq!(row["client_disconnected"], true, "{row}");
}
