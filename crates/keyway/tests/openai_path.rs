//! The OpenAI path end to end: the real binary, real HTTP, a fake upstream.

mod common;

use std::time::{Duration, Instant};

use common::*;
use keyway_testkit::FakeUpstream;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completion_swaps_key_rewrites_model_and_keeps_everything_else() {
    let fake = FakeUpstream::start().await.expect("fake");
    let gw = Gateway::start(&standard_config(&fake)).await;
    let body = r#"{"model":"usage-finish","messages":[{"role":"user","content":"hi"}],"x_vendor_flag":{"nested":[1,2,{"model":"keep-me"}]},"temperature":0.25,"stream":false}"#;
    let r = client()
        .post(gw.url("/v1/chat/completions"))
        .bearer_auth(KEY)
        .header("content-type", "application/json")
        .header("x-api-key", "db_sk_should_not_leak_either")
        .header("cookie", "session=abc")
        .header("openai-organization", "org-client")
        .header("x-trace-id", "trace-123")
        .body(body)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("x-request-id").is_some());
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["choices"][0]["message"]["content"], keyway_testkit::TEXT);

    let seen = fake.last_request().expect("upstream saw the request");
    assert_eq!(seen.path, "/v1/chat/completions");
    assert_eq!(
        seen.headers["authorization"],
        format!("Bearer {UPSTREAM_KEY}").as_str()
    );
    for h in ["x-api-key", "cookie", "openai-organization"] {
        assert!(
            seen.headers.get(h).is_none(),
            "{h} must not reach the upstream"
        );
    }
    assert_eq!(seen.headers["x-trace-id"], "trace-123");
    // Byte-for-byte the same body except the model value.
    let expected = body.replace(
        r#""model":"usage-finish""#,
        r#""model":"usage-in-finish-chunk""#,
    );
    assert_eq!(std::str::from_utf8(&seen.body).expect("utf8"), expected);
    let all_headers = format!("{:?}", seen.headers);
    assert!(
        !all_headers.contains("db_sk_"),
        "no client key upstream: {all_headers}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_is_rewritten_to_the_upstream_id() {
    let fake = FakeUpstream::start().await.expect("fake");
    let gw = Gateway::start(&standard_config(&fake)).await;
    let r = client()
        .post(gw.url("/v1/chat/completions"))
        .bearer_auth(KEY)
        .json(&chat("usage-finish", false))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    assert_eq!(
        fake.last_request().expect("req").json["model"],
        "usage-in-finish-chunk"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x_api_key_works_like_bearer_and_models_lists_the_group() {
    let fake = FakeUpstream::start().await.expect("fake");
    let gw = Gateway::start(&standard_config(&fake)).await;
    let v: Value = client()
        .get(gw.url("/v1/models"))
        .header("x-api-key", KEY)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(v["object"], "list");
    let ids: Vec<&str> = v["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert!(ids.contains(&"ok") && ids.contains(&"claude-ok"));
    assert!(
        !ids.contains(&"disabled-route"),
        "disabled routes are not listed"
    );
    assert!(
        !ids.contains(&"only-b"),
        "other groups' routes are not listed"
    );
    assert_eq!(v["data"][0]["object"], "model");

    let v: Value = client()
        .get(gw.url("/v1/models"))
        .bearer_auth(KEY_OTHER_GROUP)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    let ids: Vec<&str> = v["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert_eq!(ids, vec!["only-b"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_is_relayed_chunk_by_chunk_as_it_arrives() {
    let fake = FakeUpstream::start().await.expect("fake");
    let gw = Gateway::start(&standard_config(&fake)).await;
    let started = Instant::now();
    let mut r = client()
        .post(gw.url("/v1/chat/completions"))
        .bearer_auth(KEY)
        .json(&chat("slow", true))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .expect("ct")
        .starts_with("text/event-stream"));
    let mut arrivals = Vec::new();
    let mut body = String::new();
    while let Some(chunk) = r.chunk().await.expect("chunk") {
        arrivals.push(started.elapsed());
        body.push_str(std::str::from_utf8(&chunk).expect("utf8"));
    }
    // The fake sends 5 parts 200 ms apart: the first must arrive long before the last.
    let first = arrivals.first().copied().expect("some chunk");
    let last = arrivals.last().copied().expect("some chunk");
    assert!(
        last - first >= Duration::from_millis(600),
        "chunks were buffered: {arrivals:?}"
    );
    let data = sse_data(&body);
    assert_eq!(data.last().map(String::as_str), Some("[DONE]"));
    let text: String = data
        .iter()
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .filter_map(|v| {
            v["choices"][0]["delta"]["content"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(text, "part0 part1 part2 part3 part4 ");
    // Keyway asked for usage upstream, but the client did not: no usage-only chunk reaches it.
    assert_eq!(
        fake.last_request().expect("req").json["stream_options"]["include_usage"],
        true
    );
    assert!(
        !body.contains("\"choices\":[]"),
        "usage chunk leaked: {body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_usage_is_logged_and_passed_when_asked() {
    let fake = FakeUpstream::start().await.expect("fake");
    let gw = Gateway::start(&standard_config(&fake)).await;
    let mut req = chat("ok", true);
    req["stream_options"] = json!({"include_usage": true});
    let body = client()
        .post(gw.url("/v1/chat/completions"))
        .bearer_auth(KEY)
        .json(&req)
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("text");
    assert!(
        body.contains("\"choices\":[]") && body.contains("\"prompt_tokens\":11"),
        "{body}"
    );
    let row = gw
        .wait_log(|r| r["alias"] == "ok" && r["stream"] == true)
        .await;
    assert_eq!(row["input_tokens"], 9, "prompt tokens minus the 2 cached");
    assert_eq!(row["cache_read_tokens"], 2);
    assert_eq!(row["output_tokens"], 7);
    assert_eq!(row["upstream_status"], 200);
    assert_eq!(row["provider"], "fake-openai");
    assert_eq!(row["upstream_model"], "ok");
    assert!(row["ttfb_ms"].is_number());

    // Usage in the finish chunk followed by metadata chunks is still found.
    gw.chat_text("usage-finish", true).await;
    let row = gw.wait_log(|r| r["alias"] == "usage-finish").await;
    assert_eq!(row["input_tokens"], 9, "prompt tokens minus the 2 cached");
    assert_eq!(row["cache_read_tokens"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_stream_usage_is_logged() {
    let fake = FakeUpstream::start().await.expect("fake");
    let gw = Gateway::start(&standard_config(&fake)).await;
    let r = client()
        .post(gw.url("/v1/chat/completions"))
        .bearer_auth(KEY)
        .json(&chat("ok", false))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    let row = gw.wait_log(|r| r["alias"] == "ok").await;
    assert_eq!(row["status"], 200);
    assert_eq!(row["input_tokens"], 9, "prompt tokens minus the 2 cached");
    assert_eq!(row["cache_read_tokens"], 2);
    assert_eq!(row["output_tokens"], 7);
    assert_eq!(row["client_protocol"], "openai");
    assert_eq!(row["stream"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_request_bodies_are_accepted() {
    use std::io::Write;
    let fake = FakeUpstream::start().await.expect("fake");
    let gw = Gateway::start(&standard_config(&fake)).await;
    let raw = serde_json::to_vec(&chat("ok", false)).expect("json");
    let mut enc = flate2_free::Gz::new();
    enc.write_all(&raw).expect("gz");
    let gz = enc.finish();
    let r = client()
        .post(gw.url("/v1/chat/completions"))
        .bearer_auth(KEY)
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(gz)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    assert_eq!(fake.last_request().expect("req").json["model"], "ok");
}

/// A minimal gzip writer (stored blocks) so the test needs no compression crate.
mod flate2_free {
    pub struct Gz {
        data: Vec<u8>,
    }
    impl Gz {
        pub fn new() -> Self {
            Gz { data: Vec::new() }
        }
        pub fn finish(self) -> Vec<u8> {
            let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
            for (i, block) in self.data.chunks(65_535).enumerate() {
                let last = (i + 1) * 65_535 >= self.data.len();
                out.push(u8::from(last));
                let len = block.len() as u16;
                out.extend_from_slice(&len.to_le_bytes());
                out.extend_from_slice(&(!len).to_le_bytes());
                out.extend_from_slice(block);
            }
            if self.data.is_empty() {
                out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
            }
            out.extend_from_slice(&crc32(&self.data).to_le_bytes());
            out.extend_from_slice(&(self.data.len() as u32).to_le_bytes());
            out
        }
    }
    impl std::io::Write for Gz {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.data.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_metrics_and_unknown_paths() {
    let fake = FakeUpstream::start().await.expect("fake");
    let gw = Gateway::start(&standard_config(&fake)).await;
    let r = client()
        .get(gw.url("/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("x-request-id").is_some());
    assert_eq!(
        client()
            .get(gw.url("/readyz"))
            .send()
            .await
            .expect("readyz")
            .status(),
        200
    );
    let r = client()
        .post(gw.url("/v1/chat/completions"))
        .bearer_auth(KEY)
        .json(&chat("ok", false))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    let m = client()
        .get(gw.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(m.contains(r#"keyway_requests_total{group="team-a",route="ok",provider="fake-openai",status="200"} 1"#), "{m}");
    assert!(m.contains("keyway_overhead_seconds_count 1"), "{m}");
    assert!(m.contains(r#"direction="input"} 9"#), "{m}");
    let r = client()
        .post(gw.url("/v1/nope"))
        .bearer_auth(KEY)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 404);
    assert!(r.headers().get("x-request-id").is_some());
    let v: Value = r.json().await.expect("json");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("unknown endpoint /v1/nope"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generations_are_mounted_behind_client_keys() {
    let fake = FakeUpstream::start().await.expect("fake");
    let gw = Gateway::start(&standard_config(&fake)).await;
    let body = json!({"model": "nope", "prompt": "a red fox"});
    let r = client()
        .post(gw.url("/v1/generations"))
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 401);
    let r = client()
        .post(gw.url("/v1/generations"))
        .bearer_auth(KEY)
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 404);
    let v: Value = r.json().await.expect("json");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("model 'nope' not found"),
        "{v}"
    );
    let r = client()
        .get(gw.url("/v1/generations/gen_unknown"))
        .bearer_auth(KEY)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 404);
}
