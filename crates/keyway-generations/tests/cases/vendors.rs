//! Each adapter against its fake vendor: submit → running → succeeded, and → failed.

use serde_json::{json, Value};

use crate::fakes::{self, Fake};
use crate::support::{Harness, KEY_A};

/// Submits, then follows the job through `running` to `want`.
async fn run_async(h: &Harness, body: Value, want: &str) -> Value {
    let r = h.post(KEY_A, "/v1/generations", &body, None).await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert!(r.body["id"].as_str().unwrap().starts_with("gen_"));
    assert!(["queued", "running"].contains(&r.body["status"].as_str().unwrap()));
    let id = r.body["id"].as_str().unwrap().to_string();
    h.get_until(&id, "running").await;
    h.get_until(&id, want).await
}

#[tokio::test]
async fn openai_image_is_synchronous() {
    let f = Fake::start(fakes::openai::router).await;
    let (h, _db) = Harness::new().await;
    h.setup(
        "openai",
        &format!("{}/v1", f.origin()),
        "draw",
        "gpt-image-1",
    )
    .await;
    let r = h
        .post(
            KEY_A,
            "/v1/generations",
            &json!({"model": "draw", "prompt": "a cat", "n": 2, "size": "1024x1024"}),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "succeeded");
    assert_eq!(r.body["outputs"][1]["b64_json"], "aGVsbG8=");
    assert_eq!(r.body["outputs"][0]["type"], "image");
    assert_eq!(r.body["usage"]["images"], 2);
    let seen = f.shared.last();
    assert_eq!(seen.path, "/v1/images/generations");
    assert_eq!(seen.body["model"], "gpt-image-1");
    assert_eq!(seen.auth.as_deref(), Some("Bearer sk-vendor-test"));
    let log = h.gw.logs.lock().unwrap()[0].clone();
    assert_eq!((log.status, log.upstream_status), (200, Some(200)));
    assert_eq!(
        (log.input_tokens, log.output_tokens),
        (Some(10), Some(4160))
    );
    assert_eq!(log.alias.as_deref(), Some("draw"));
    assert_eq!(log.upstream_model.as_deref(), Some("gpt-image-1"));
    // The stored job answers the same on GET.
    let id = r.body["id"].as_str().unwrap();
    assert_eq!(
        h.get(KEY_A, &format!("/v1/generations/{id}")).await.body["outputs"],
        r.body["outputs"]
    );
}

#[tokio::test]
async fn openai_video_runs_and_serves_its_content() {
    let f = Fake::start(fakes::openai::router).await;
    let (h, _db) = Harness::new().await;
    h.setup("openai", &format!("{}/v1", f.origin()), "film", "sora-2")
        .await;
    let done = run_async(
        &h,
        json!({"model": "film", "prompt": "a cat", "duration": 8}),
        "succeeded",
    )
    .await;
    let out = &done["outputs"][0];
    assert_eq!(
        (
            out["type"].as_str(),
            out["width"].as_u64(),
            out["duration"].as_u64()
        ),
        (Some("video"), Some(1280), Some(8))
    );
    let url = out["url"].as_str().unwrap();
    assert_eq!(
        url,
        format!(
            "/v1/generations/{}/content?index=0",
            done["id"].as_str().unwrap()
        )
    );
    let content = h.get(KEY_A, url).await;
    assert_eq!(content.status, 200);
    assert_eq!(&content.bytes[..], b"MP4DATA");
    assert_eq!(content.headers["content-type"], "video/mp4");
    let submit = f.shared.requests.lock().unwrap()[0].clone();
    assert_eq!(submit.body["seconds"], "8");

    let failed = run_async(
        &h,
        json!({"model": "film", "prompt": "fail please"}),
        "failed",
    )
    .await;
    assert_eq!(failed["error"]["provider_code"], "moderation_blocked");
    assert_eq!(failed["outputs"], json!([]));
}

#[tokio::test]
async fn ark_seedream_seedance_and_seed3d() {
    let f = Fake::start(fakes::ark::router).await;
    let (h, _db) = Harness::new().await;
    let p = h
        .setup(
            "ark",
            &format!("{}/api/v3", f.origin()),
            "seedream",
            "doubao-seedream-4-0-250828",
        )
        .await;
    h.route(1, "seedance", &p, "doubao-seedance-2-0-260128", None);
    h.route(1, "seed3d", &p, "doubao-seed3d-1-0-250928", None);

    let img = h
        .post(
            KEY_A,
            "/v1/generations",
            &json!({"model": "seedream", "prompt": "a cat", "resolution": "2k"}),
            None,
        )
        .await;
    assert_eq!(img.status, 200, "{}", img.body);
    assert_eq!(
        img.body["outputs"][0]["url"],
        "https://ark.example/img0.jpeg"
    );
    assert_eq!(img.body["outputs"][0]["width"], 2048);
    assert_eq!(f.shared.last().body["size"], "2K");
    // Outputs with a public URL redirect there.
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let id = img.body["id"].as_str().unwrap();
    let c = no_redirects
        .get(format!("{}/v1/generations/{id}/content?index=0", h.base))
        .bearer_auth(KEY_A)
        .send()
        .await
        .unwrap();
    assert_eq!(c.status(), 302);
    assert_eq!(c.headers()["location"], "https://ark.example/img0.jpeg");

    let video = run_async(
        &h,
        json!({
            "model": "seedance", "prompt": "a cat running", "resolution": "720p", "duration": 5,
            "inputs": [{"type": "image", "url": "https://x/first.png", "role": "first_frame"}],
            "metadata": {"client_ref": "abc"}
        }),
        "succeeded",
    )
    .await;
    assert_eq!(video["outputs"][0]["url"], "https://ark.example/video.mp4");
    assert_eq!(video["outputs"][0]["fps"], 24);
    assert_eq!(video["usage"]["total_tokens"], 108900);
    assert_eq!(video["metadata"], json!({"client_ref": "abc"}));
    assert_eq!(video["modality"], "video");
    let submit = f
        .shared
        .requests
        .lock()
        .unwrap()
        .iter()
        .find(|s| s.method == "POST" && s.path.ends_with("/tasks"))
        .cloned()
        .unwrap();
    assert_eq!(submit.body["content"][1]["role"], "first_frame");
    assert_eq!(submit.body["resolution"], "720p");

    let model = run_async(
        &h,
        json!({
            "model": "seed3d", "inputs": [{"type": "image", "url": "https://x/chair.png"}]
        }),
        "succeeded",
    )
    .await;
    assert_eq!(model["outputs"][0]["type"], "model3d");
    assert_eq!(model["outputs"][0]["format"], "glb");
    assert_eq!(model["modality"], "3d");

    let failed = run_async(&h, json!({"model": "seedance", "prompt": "fail"}), "failed").await;
    assert_eq!(
        failed["error"]["provider_code"],
        "OutputVideoSensitiveContentDetected"
    );
    assert_eq!(failed["error"]["type"], "upstream_error");
}

#[tokio::test]
async fn zhipu_cogview_and_cogvideox() {
    let f = Fake::start(fakes::zhipu::router).await;
    let (h, _db) = Harness::new().await;
    let p = h
        .setup(
            "zhipu",
            &format!("{}/api/paas/v4", f.origin()),
            "cogview",
            "cogview-4",
        )
        .await;
    h.route(1, "cogvideo", &p, "cogvideox-3", None);
    let img = h
        .post(
            KEY_A,
            "/v1/generations",
            &json!({"model": "cogview", "prompt": "a cat"}),
            None,
        )
        .await;
    assert_eq!(img.status, 200, "{}", img.body);
    assert_eq!(
        img.body["outputs"][0]["url"],
        "https://zhipu.example/img.png"
    );

    let rejected = h
        .post(
            KEY_A,
            "/v1/generations",
            &json!({"model": "cogview", "prompt": "reject"}),
            None,
        )
        .await;
    assert_eq!(rejected.status, 400);
    assert_eq!(rejected.body["error"]["code"], "content_policy_violation");

    let video = run_async(
        &h,
        json!({"model": "cogvideo", "prompt": "a cat", "generate_audio": true}),
        "succeeded",
    )
    .await;
    assert_eq!(
        video["outputs"][0]["thumbnail_url"],
        "https://zhipu.example/v.jpg"
    );
    let failed = run_async(&h, json!({"model": "cogvideo", "prompt": "fail"}), "failed").await;
    assert_eq!(failed["error"]["code"], "generation_failed");
}

#[tokio::test]
async fn dashscope_wan_qwen_image_and_native_errors() {
    let f = Fake::start(fakes::dashscope::router).await;
    let (h, _db) = Harness::new().await;
    // The provider's base is compatible mode; the adapters use /api/v1 on its host.
    let p = h
        .setup(
            "qwen",
            &format!("{}/compatible-mode/v1", f.origin()),
            "wan",
            "wan2.2-t2i-flash",
        )
        .await;
    h.route(1, "wan-video", &p, "wan2.5-t2v-preview", None);
    h.route(1, "qwen-image", &p, "qwen-image", None);

    let img = run_async(
        &h,
        json!({"model": "wan", "prompt": "a cat", "size": "1024x1024"}),
        "succeeded",
    )
    .await;
    assert_eq!(
        img["outputs"][0]["url"],
        "https://dashscope.example/wan.png"
    );
    assert_eq!(img["outputs"][0]["revised_prompt"], "p, extended");
    let submit = f.shared.requests.lock().unwrap()[0].clone();
    assert_eq!(
        submit.path,
        "/api/v1/services/aigc/text2image/image-synthesis"
    );
    assert_eq!(submit.headers["x-dashscope-async"], "enable");
    assert_eq!(submit.body["parameters"]["size"], "1024*1024");

    let video = run_async(
        &h,
        json!({"model": "wan-video", "prompt": "a cat", "duration": 5}),
        "succeeded",
    )
    .await;
    assert_eq!(
        video["outputs"][0]["url"],
        "https://dashscope.example/wan.mp4"
    );
    assert_eq!(video["usage"]["video_seconds"], 5.0);

    let q = h
        .post(
            KEY_A,
            "/v1/generations",
            &json!({"model": "qwen-image", "prompt": "a cat"}),
            None,
        )
        .await;
    assert_eq!(q.status, 200, "{}", q.body);
    assert_eq!(
        q.body["outputs"][0]["url"],
        "https://dashscope.example/qwen.png"
    );

    // Native error body at submit: {"code","message","request_id"}.
    let bad = h
        .post(
            KEY_A,
            "/v1/generations",
            &json!({"model": "wan", "prompt": "reject"}),
            None,
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(
        bad.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("InvalidParameter"),
        "{}",
        bad.body
    );
    let policy = h
        .post(
            KEY_A,
            "/v1/generations",
            &json!({"model": "qwen-image", "prompt": "reject"}),
            None,
        )
        .await;
    assert_eq!(policy.body["error"]["code"], "content_policy_violation");

    let failed = run_async(&h, json!({"model": "wan", "prompt": "fail"}), "failed").await;
    assert_eq!(failed["error"]["provider_code"], "InternalError.Timeout");
}

#[tokio::test]
async fn minimax_image_hailuo_and_errors_inside_http_200() {
    let f = Fake::start(fakes::minimax::router).await;
    let (h, _db) = Harness::new().await;
    let p = h
        .setup(
            "minimax",
            &format!("{}/v1", f.origin()),
            "mm-image",
            "image-01",
        )
        .await;
    h.route(1, "hailuo", &p, "MiniMax-Hailuo-2.3", None);

    let img = h
        .post(
            KEY_A,
            "/v1/generations",
            &json!({"model": "mm-image", "prompt": "a cat", "aspect_ratio": "16:9", "n": 2}),
            None,
        )
        .await;
    assert_eq!(img.status, 200, "{}", img.body);
    assert_eq!(img.body["outputs"].as_array().unwrap().len(), 2);

    let sensitive = h
        .post(
            KEY_A,
            "/v1/generations",
            &json!({"model": "mm-image", "prompt": "reject"}),
            None,
        )
        .await;
    assert_eq!(sensitive.status, 400, "{}", sensitive.body);
    assert_eq!(sensitive.body["error"]["code"], "content_policy_violation");
    assert!(sensitive.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("1026"));
    let bad_params = h
        .post(
            KEY_A,
            "/v1/generations",
            &json!({"model": "hailuo", "prompt": "reject"}),
            None,
        )
        .await;
    assert_eq!(bad_params.status, 400, "{}", bad_params.body);

    let video = run_async(
        &h,
        json!({"model": "hailuo", "prompt": "a cat", "resolution": "768p", "duration": 6}),
        "succeeded",
    )
    .await;
    assert_eq!(
        video["outputs"][0]["url"],
        "https://minimax.example/output_aigc.mp4"
    );
    assert_eq!(video["outputs"][0]["width"], 1366);
    let paths = f.shared.paths();
    assert!(
        paths.contains(&"GET /v1/files/retrieve".to_string()),
        "{paths:?}"
    );
    let failed = run_async(&h, json!({"model": "hailuo", "prompt": "fail"}), "failed").await;
    assert_eq!(failed["error"]["type"], "upstream_error");
}

#[tokio::test]
async fn custom_provider_forwards_the_body_to_the_route_path() {
    let f = Fake::start(fakes::openai::router).await;
    let (h, _db) = Harness::new().await;
    let p = h
        .provider(
            "custom",
            &format!("{}/anything/v1", f.origin()),
            crate::support::fast_timeouts(),
        )
        .await;
    h.route(1, "mine", &p, "house-model", Some("/custom/draw"));
    let body = json!({"model": "mine", "prompt": "a cat", "response_format": "url", "odd_field": {"x": [1, 2]}});
    let r = h.post(KEY_A, "/v1/generations", &body, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["id"].as_str().unwrap().starts_with("gen_"));
    assert_eq!(r.body["outputs"][0]["url"], "https://img.example/0.png");
    let seen = f.shared.last();
    assert_eq!(seen.path, "/custom/draw");
    assert_eq!(
        seen.body,
        json!({"model": "house-model", "prompt": "a cat", "response_format": "url", "odd_field": {"x": [1, 2]}})
    );
}
