//! The HTTP contract: auth, routing, bad input, isolation, cancel, list,
//! long-poll, upstream failures, deadlines, logs and the OpenAI images shim.

use std::time::Duration;

use keyway_store::Timeouts;
use serde_json::json;

use crate::fakes::{self, Fake};
use crate::support::{test_config, Db, Harness, KEY_A, KEY_B};

#[tokio::test]
async fn auth_routing_and_bad_input_use_the_openai_envelope() {
    let f = Fake::start(fakes::ark::router).await;
    let (h, _db) = Harness::new().await;
    h.setup(
        "ark",
        &format!("{}/api/v3", f.origin()),
        "seedream",
        "doubao-seedream-4-0-250828",
    )
    .await;
    let chat = h
        .provider(
            "deepseek",
            &format!("{}/v1", f.origin()),
            crate::support::fast_timeouts(),
        )
        .await;
    h.route(1, "chat", &chat, "deepseek-chat", None);
    let ok = json!({"model": "seedream", "prompt": "a cat"});

    let anon = h
        .client
        .post(format!("{}/v1/generations", h.base))
        .json(&ok)
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), 401);
    assert!(anon.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .starts_with("req_"));
    let body: serde_json::Value = anon.json().await.unwrap();
    assert_eq!(body["error"]["message"], "invalid API key");
    assert_eq!(body["error"]["type"], "authentication_error");
    assert_eq!(
        h.post("db_sk_wrong", "/v1/generations", &ok, None)
            .await
            .status,
        401
    );
    // x-api-key works as well.
    let xk = h
        .client
        .post(format!("{}/v1/generations", h.base))
        .header("x-api-key", KEY_A)
        .json(&ok)
        .send()
        .await
        .unwrap();
    assert_eq!(xk.status(), 200);

    let missing = h
        .post(
            KEY_A,
            "/v1/generations",
            &json!({"model": "nope", "prompt": "x"}),
            None,
        )
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["error"]["message"], "model 'nope' not found");
    assert!(missing.headers.contains_key("x-request-id"));
    let not_gen = h
        .post(
            KEY_A,
            "/v1/generations",
            &json!({"model": "chat", "prompt": "x"}),
            None,
        )
        .await;
    assert_eq!(not_gen.status, 400);
    assert!(not_gen.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("no generation API"));

    let cases = [
        (
            h.post_raw(KEY_A, "/v1/generations", "{not json").await,
            None,
        ),
        (h.post_raw(KEY_A, "/v1/generations", "[1,2]").await, None),
        (
            h.post(KEY_A, "/v1/generations", &json!({"prompt": "x"}), None)
                .await,
            Some("model"),
        ),
        (
            h.post(
                KEY_A,
                "/v1/generations",
                &json!({"model": "seedream"}),
                None,
            )
            .await,
            Some("prompt"),
        ),
        (
            h.post(
                KEY_A,
                "/v1/generations",
                &json!({"model": "seedream", "prompt": "x", "n": 99}),
                None,
            )
            .await,
            Some("n"),
        ),
        (
            h.post(
                KEY_A,
                "/v1/generations",
                &json!({"model": "seedream", "prompt": "x", "duration": "long"}),
                None,
            )
            .await,
            Some("duration"),
        ),
        (
            h.post(
                KEY_A,
                "/v1/generations",
                &json!({"model": "seedream", "prompt": "x", "modality": "video"}),
                None,
            )
            .await,
            Some("modality"),
        ),
    ];
    for (r, param) in cases {
        assert_eq!(r.status, 400, "{}", r.body);
        assert_eq!(r.body["error"]["type"], "invalid_request_error");
        assert_eq!(r.body["error"]["param"].as_str(), param, "{}", r.body);
    }
    // Only the valid requests reached the vendor.
    assert_eq!(f.shared.requests.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn jobs_are_visible_only_to_their_group() {
    let f = Fake::start(fakes::ark::router).await;
    let (h, _db) = Harness::new().await;
    let p = h
        .setup(
            "ark",
            &format!("{}/api/v3", f.origin()),
            "seedance",
            "doubao-seedance-2-0-260128",
        )
        .await;
    h.route(2, "seedance", &p, "doubao-seedance-2-0-260128", None);
    let a = h
        .post(
            KEY_A,
            "/v1/generations",
            &json!({"model": "seedance", "prompt": "a cat"}),
            None,
        )
        .await;
    assert_eq!(a.status, 202);
    let id = a.body["id"].as_str().unwrap();

    let peek = h.get(KEY_B, &format!("/v1/generations/{id}")).await;
    assert_eq!(peek.status, 404);
    assert_eq!(
        peek.body["error"]["message"],
        format!("generation '{id}' not found")
    );
    assert_eq!(
        h.post(
            KEY_B,
            &format!("/v1/generations/{id}/cancel"),
            &json!({}),
            None
        )
        .await
        .status,
        404
    );
    assert_eq!(
        h.get(KEY_B, &format!("/v1/generations/{id}/content"))
            .await
            .status,
        404
    );
    assert_eq!(
        h.get(KEY_B, "/v1/generations").await.body["data"],
        json!([])
    );
    let mine = h.get(KEY_A, "/v1/generations").await;
    assert_eq!(mine.body["data"][0]["id"], id);
    assert_eq!(
        h.get(KEY_A, "/v1/generations/gen_unknown").await.status,
        404
    );
    // The upstream task id never reaches the client.
    let task_id = h.store.get_job(id).await.unwrap().upstream_task_id.unwrap();
    assert!(!a
        .bytes
        .windows(task_id.len())
        .any(|w| w == task_id.as_bytes()));
}

#[tokio::test]
async fn list_filters_and_pages() {
    let f = Fake::start(fakes::ark::router).await;
    let (h, _db) = Harness::new().await;
    let p = h
        .setup(
            "ark",
            &format!("{}/api/v3", f.origin()),
            "seedance",
            "doubao-seedance-2-0-260128",
        )
        .await;
    h.route(1, "seedream", &p, "doubao-seedream-4-0-250828", None);
    let mut ids = Vec::new();
    for model in ["seedream", "seedance", "seedance"] {
        let r = h
            .post(
                KEY_A,
                "/v1/generations",
                &json!({"model": model, "prompt": "x"}),
                None,
            )
            .await;
        ids.push(r.body["id"].as_str().unwrap().to_string());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let page = h.get(KEY_A, "/v1/generations?limit=2").await.body;
    assert_eq!(page["data"].as_array().unwrap().len(), 2);
    assert_eq!(page["has_more"], true);
    assert_eq!(page["data"][0]["id"], ids[2].as_str());
    let last = page["data"][1]["id"].as_str().unwrap();
    let next = h
        .get(KEY_A, &format!("/v1/generations?limit=2&after={last}"))
        .await
        .body;
    assert_eq!(next["data"].as_array().unwrap().len(), 1);
    assert_eq!(next["has_more"], false);
    let done = h.get(KEY_A, "/v1/generations?status=succeeded").await.body;
    assert_eq!(done["data"].as_array().unwrap().len(), 1);
    assert_eq!(done["data"][0]["model"], "seedream");
    let by_model = h.get(KEY_A, "/v1/generations?model=seedance").await.body;
    assert_eq!(by_model["data"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn cancel_where_the_vendor_allows() {
    let ark = Fake::start(fakes::ark::router).await;
    let ds = Fake::start(fakes::dashscope::router).await;
    let zp = Fake::start(fakes::zhipu::router).await;
    let (h, _db) = Harness::new().await;
    h.setup(
        "ark",
        &format!("{}/api/v3", ark.origin()),
        "seedance",
        "doubao-seedance-2-0-260128",
    )
    .await;
    h.setup(
        "qwen",
        &format!("{}/compatible-mode/v1", ds.origin()),
        "wan",
        "wan2.5-t2v-preview",
    )
    .await;
    h.setup(
        "zhipu",
        &format!("{}/api/paas/v4", zp.origin()),
        "cog",
        "cogvideox-3",
    )
    .await;
    for alias in ["seedance", "wan"] {
        let r = h
            .post(
                KEY_A,
                "/v1/generations",
                &json!({"model": alias, "prompt": "x"}),
                None,
            )
            .await;
        let id = r.body["id"].as_str().unwrap();
        let c = h
            .post(
                KEY_A,
                &format!("/v1/generations/{id}/cancel"),
                &json!({}),
                None,
            )
            .await;
        assert_eq!(c.status, 200, "{alias}: {}", c.body);
        assert_eq!(c.body["status"], "canceled");
        let again = h
            .post(
                KEY_A,
                &format!("/v1/generations/{id}/cancel"),
                &json!({}),
                None,
            )
            .await;
        assert_eq!(again.status, 409);
        assert_eq!(again.body["error"]["code"], "not_cancelable");
        assert_eq!(
            h.get(KEY_A, &format!("/v1/generations/{id}")).await.body["status"],
            "canceled"
        );
    }
    assert_eq!(ark.shared.last().method, "DELETE");
    // Ark cancels queued tasks only: once running, the vendor's refusal is a 409.
    let r = h
        .post(
            KEY_A,
            "/v1/generations",
            &json!({"model": "seedance", "prompt": "x"}),
            None,
        )
        .await;
    let id = r.body["id"].as_str().unwrap();
    h.get_until(id, "running").await;
    let late = h
        .post(
            KEY_A,
            &format!("/v1/generations/{id}/cancel"),
            &json!({}),
            None,
        )
        .await;
    assert_eq!(late.status, 409, "{}", late.body);
    assert!(late.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("only queued tasks"));
    assert_eq!(ds.shared.last().path.rsplit('/').next(), Some("cancel"));
    let r = h
        .post(
            KEY_A,
            "/v1/generations",
            &json!({"model": "cog", "prompt": "x"}),
            None,
        )
        .await;
    let id = r.body["id"].as_str().unwrap();
    let c = h
        .post(
            KEY_A,
            &format!("/v1/generations/{id}/cancel"),
            &json!({}),
            None,
        )
        .await;
    assert_eq!(c.status, 409);
    assert_eq!(c.body["error"]["code"], "not_cancelable");
}

#[tokio::test]
async fn prefer_wait_returns_the_finished_job() {
    let f = Fake::start(fakes::dashscope::router).await;
    let (h, _db) = Harness::new().await;
    h.setup(
        "qwen",
        &format!("{}/compatible-mode/v1", f.origin()),
        "wan",
        "wan2.2-t2i-flash",
    )
    .await;
    let r = h
        .post(
            KEY_A,
            "/v1/generations",
            &json!({"model": "wan", "prompt": "a cat"}),
            Some("wait=5"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "succeeded");
    // ?wait=N on GET returns at the next status change.
    let r = h
        .post(
            KEY_A,
            "/v1/generations",
            &json!({"model": "wan", "prompt": "a dog"}),
            None,
        )
        .await;
    assert_eq!(r.body["status"], "queued");
    let id = r.body["id"].as_str().unwrap();
    let g = h.get(KEY_A, &format!("/v1/generations/{id}?wait=5")).await;
    assert_eq!(g.body["status"], "running");
}

#[tokio::test]
async fn upstream_timeouts_and_garbage_are_reported_and_logged() {
    let f = Fake::start(fakes::minimax::router).await;
    let (h, _db) = Harness::new().await;
    let slow = Timeouts {
        connect_ms: 500,
        first_byte_ms: 300,
        idle_ms: 300,
    };
    let p = h
        .provider("minimax", &format!("{}/v1", f.origin()), slow)
        .await;
    h.route(1, "mm", &p, "image-01", None);
    let t = h
        .post(
            KEY_A,
            "/v1/generations",
            &json!({"model": "mm", "prompt": "hang"}),
            None,
        )
        .await;
    assert_eq!(t.status, 504, "{}", t.body);
    assert_eq!(t.body["error"]["code"], "upstream_timeout");
    let g = h
        .post(
            KEY_A,
            "/v1/generations",
            &json!({"model": "mm", "prompt": "garbage"}),
            None,
        )
        .await;
    assert_eq!(g.status, 502, "{}", g.body);
    assert!(
        g.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("non-JSON"),
        "{}",
        g.body
    );
    // Connection refused.
    let dead = h.provider("minimax", "http://127.0.0.1:9/v1", slow).await;
    h.route(1, "dead", &dead, "image-01", None);
    assert_eq!(
        h.post(
            KEY_A,
            "/v1/generations",
            &json!({"model": "dead", "prompt": "x"}),
            None
        )
        .await
        .status,
        502
    );
    // No job was created for any of them.
    assert!(h.store.list_jobs(1, 10).await.unwrap().is_empty());

    let logs = h.gw.logs.lock().unwrap().clone();
    let statuses: Vec<i32> = logs.iter().map(|l| l.status).collect();
    assert_eq!(statuses, [504, 502, 502]);
    assert!(logs.iter().all(|l| l.client_protocol == "generations"
        && l.alias.is_some()
        && l.upstream_error.is_some()));
    assert_eq!(logs[1].upstream_status, Some(200));
}

#[tokio::test]
async fn poll_garbage_is_retried_and_the_deadline_fails_the_job() {
    let f = Fake::start(fakes::ark::router).await;
    let db = Db::new();
    let mut config = test_config();
    config.deadline_video = Duration::from_millis(400);
    let h = Harness::open(&db, config).await;
    h.setup(
        "ark",
        &format!("{}/api/v3", f.origin()),
        "seedance",
        "doubao-seedance-2-0-260128",
    )
    .await;

    let r = h
        .post(
            KEY_A,
            "/v1/generations",
            &json!({"model": "seedance", "prompt": "flaky"}),
            None,
        )
        .await;
    let id = r.body["id"].as_str().unwrap().to_string();
    let after_garbage = h.get(KEY_A, &format!("/v1/generations/{id}")).await.body;
    assert_eq!(after_garbage["status"], "queued");
    assert!(after_garbage["error"].is_null());
    let meta = h.store.get_job(&id).await.unwrap().request;
    assert!(meta["last_poll_error"]
        .as_str()
        .unwrap()
        .contains("non-JSON"));
    h.get_until(&id, "succeeded").await;

    let r = h
        .post(
            KEY_A,
            "/v1/generations",
            &json!({"model": "seedance", "prompt": "slow"}),
            None,
        )
        .await;
    let id = r.body["id"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let late = h.get(KEY_A, &format!("/v1/generations/{id}")).await.body;
    assert_eq!(late["status"], "failed");
    assert_eq!(late["error"]["type"], "timeout");
}

#[tokio::test]
async fn openai_images_shim_works_on_any_image_route() {
    let ds = Fake::start(fakes::dashscope::router).await;
    let oa = Fake::start(fakes::openai::router).await;
    let (h, _db) = Harness::new().await;
    let p = h
        .setup(
            "qwen",
            &format!("{}/compatible-mode/v1", ds.origin()),
            "wan",
            "wan2.2-t2i-flash",
        )
        .await;
    h.route(1, "wan-video", &p, "wan2.5-t2v-preview", None);
    h.setup(
        "openai",
        &format!("{}/v1", oa.origin()),
        "dalle",
        "dall-e-3",
    )
    .await;

    // What the OpenAI SDK sends for client.images.generate(model="wan", prompt=..., size=...).
    let r = h
        .post(
            KEY_A,
            "/v1/images/generations",
            &json!({"model": "wan", "prompt": "a cat", "n": 1, "size": "1024x1024"}),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["data"],
        json!([{"url": "https://dashscope.example/wan.png", "revised_prompt": "p, extended"}])
    );
    assert!(r.body["created"].as_i64().unwrap() > 1_600_000_000);
    assert!(r.headers.contains_key("x-request-id"));

    let o = h.post(KEY_A, "/v1/images/generations", &json!({"model": "dalle", "prompt": "a cat", "response_format": "url", "style": "vivid"}), None).await;
    assert_eq!(o.status, 200, "{}", o.body);
    assert_eq!(o.body["data"][0]["url"], "https://img.example/0.png");
    assert_eq!(oa.shared.last().body["style"], "vivid");

    let policy = h
        .post(
            KEY_A,
            "/v1/images/generations",
            &json!({"model": "dalle", "prompt": "reject"}),
            None,
        )
        .await;
    assert_eq!(policy.status, 400);
    assert_eq!(policy.body["error"]["code"], "content_policy_violation");
    let failed = h
        .post(
            KEY_A,
            "/v1/images/generations",
            &json!({"model": "wan", "prompt": "fail"}),
            None,
        )
        .await;
    assert_eq!(failed.status, 502, "{}", failed.body);
    let video = h
        .post(
            KEY_A,
            "/v1/images/generations",
            &json!({"model": "wan-video", "prompt": "x"}),
            None,
        )
        .await;
    assert_eq!(video.status, 400);
    assert_eq!(video.body["error"]["param"], "modality");
    assert_eq!(
        h.post(
            KEY_B,
            "/v1/images/generations",
            &json!({"model": "wan", "prompt": "x"}),
            None
        )
        .await
        .status,
        404
    );
}
