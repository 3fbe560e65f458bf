//! Adapter mapping tables: request → vendor call, vendor reply → progress.

use serde_json::{json, Value};

use super::*;
use crate::request::{from_value, Modality};

fn ctx(model: &str) -> Ctx<'_> {
    Ctx {
        base_url: "http://127.0.0.1:9/compatible-mode/v1/",
        upstream_model: model,
        generation_path: Some("/v1/images/generations"),
    }
}

fn reply(status: u16, body: Value) -> Reply {
    Reply {
        status,
        body: body.to_string().into(),
    }
}

fn raw(status: u16, body: &str) -> Reply {
    Reply {
        status,
        body: bytes::Bytes::copy_from_slice(body.as_bytes()),
    }
}

#[test]
fn origin_drops_the_base_path() {
    let cases = [
        (
            "https://dashscope.aliyuncs.com/compatible-mode/v1",
            "https://dashscope.aliyuncs.com",
        ),
        ("http://127.0.0.1:4000/", "http://127.0.0.1:4000"),
        ("http://127.0.0.1:4000", "http://127.0.0.1:4000"),
        (
            "https://ark.cn-beijing.volces.com/api/v3",
            "https://ark.cn-beijing.volces.com",
        ),
    ];
    for (base, want) in cases {
        let c = Ctx {
            base_url: base,
            upstream_model: "m",
            generation_path: None,
        };
        assert_eq!(c.origin(), want);
    }
}

#[test]
fn adapter_selection() {
    use Modality::*;
    let cases: &[(&str, &str, Option<Modality>, Kind)] = &[
        ("openai", "gpt-image-1", None, Kind::OpenAiImage),
        ("openai", "sora-2", None, Kind::OpenAiVideo),
        (
            "openai",
            "my-video-deployment",
            Some(Video),
            Kind::OpenAiVideo,
        ),
        ("ark", "doubao-seedream-4-0-250828", None, Kind::ArkImage),
        (
            "ark",
            "doubao-seedance-2-0-260128",
            None,
            Kind::ArkTask(Video),
        ),
        (
            "ark",
            "doubao-seed3d-1-0-250928",
            None,
            Kind::ArkTask(Model3d),
        ),
        ("ark", "ep-20250101", Some(Model3d), Kind::ArkTask(Model3d)),
        ("zhipu", "cogview-4", None, Kind::ZhipuImage),
        ("zhipu", "cogvideox-3", None, Kind::ZhipuVideo),
        ("qwen", "qwen-image", None, Kind::QwenImage),
        ("qwen", "wan2.2-t2i-flash", None, Kind::WanImage),
        ("qwen", "wan2.5-t2v-preview", None, Kind::WanVideo),
        ("qwen", "wan2.2-i2v-plus", None, Kind::WanVideo),
        ("minimax", "image-01", None, Kind::MiniMaxImage),
        ("minimax", "MiniMax-Hailuo-2.3", None, Kind::MiniMaxVideo),
        ("custom", "anything", Some(Video), Kind::Custom),
    ];
    for (vendor, model, asked, want) in cases {
        assert_eq!(
            select(vendor, model, *asked).unwrap(),
            *want,
            "{vendor} {model}"
        );
        assert_eq!(Kind::from_name(want.name()), Some(*want));
    }
    assert_eq!(
        select("deepseek", "deepseek-chat", None)
            .unwrap_err()
            .param
            .as_deref(),
        Some("model")
    );
    assert_eq!(
        select("zhipu", "cogview-4", Some(Video))
            .unwrap_err()
            .param
            .as_deref(),
        Some("modality")
    );
    assert_eq!(
        select("minimax", "image-01", Some(Model3d))
            .unwrap_err()
            .param
            .as_deref(),
        Some("modality")
    );
}

#[test]
fn submit_calls_reach_native_paths_with_mapped_fields() {
    let req = from_value(json!({
        "model": "alias", "prompt": "a cat", "negative_prompt": "dogs", "n": 2,
        "size": "1280x720", "resolution": "720p", "aspect_ratio": "16:9", "duration": 5,
        "seed": 7, "watermark": false, "prompt_extend": true, "generate_audio": true,
        "inputs": [
            {"type": "image", "url": "https://x/first.png", "role": "first_frame"},
            {"type": "image", "url": "https://x/last.png", "role": "last_frame"}
        ],
        "provider_options": {"volcengine": {"camera_fixed": true}, "dashscope": {"parameters": {"prompt_extend": false}}},
    }))
    .unwrap();
    let o = "http://127.0.0.1:9";
    // (kind, url, pointer, expected value)
    let cases: &[(Kind, &str, &str, Value)] = &[
        (
            Kind::OpenAiImage,
            "/v1/images/generations",
            "/size",
            json!("1280x720"),
        ),
        (Kind::OpenAiImage, "/v1/images/generations", "/n", json!(2)),
        (
            Kind::ArkImage,
            "/api/v3/images/generations",
            "/image/1",
            json!("https://x/last.png"),
        ),
        (
            Kind::ArkImage,
            "/api/v3/images/generations",
            "/sequential_image_generation_options/max_images",
            json!(2),
        ),
        (
            Kind::ArkTask(Modality::Video),
            "/api/v3/contents/generations/tasks",
            "/content/0/text",
            json!("a cat"),
        ),
        (
            Kind::ArkTask(Modality::Video),
            "/api/v3/contents/generations/tasks",
            "/content/1/role",
            json!("first_frame"),
        ),
        (
            Kind::ArkTask(Modality::Video),
            "/api/v3/contents/generations/tasks",
            "/content/2/role",
            json!("last_frame"),
        ),
        (
            Kind::ArkTask(Modality::Video),
            "/api/v3/contents/generations/tasks",
            "/ratio",
            json!("16:9"),
        ),
        (
            Kind::ArkTask(Modality::Video),
            "/api/v3/contents/generations/tasks",
            "/camera_fixed",
            json!(true),
        ),
        (
            Kind::ArkTask(Modality::Model3d),
            "/api/v3/contents/generations/tasks",
            "/content/0/text",
            json!("a cat --subdivisionlevel medium --fileformat glb"),
        ),
        (
            Kind::ZhipuImage,
            "/api/paas/v4/images/generations",
            "/watermark_enabled",
            json!(false),
        ),
        (
            Kind::ZhipuVideo,
            "/api/paas/v4/videos/generations",
            "/image_url",
            json!(["https://x/first.png", "https://x/last.png"]),
        ),
        (
            Kind::ZhipuVideo,
            "/api/paas/v4/videos/generations",
            "/with_audio",
            json!(true),
        ),
        (
            Kind::WanImage,
            "/api/v1/services/aigc/image2image/image-synthesis",
            "/parameters/size",
            json!("1280*720"),
        ),
        (
            Kind::WanVideo,
            "/api/v1/services/aigc/video-generation/video-synthesis",
            "/input/first_frame_url",
            json!("https://x/first.png"),
        ),
        (
            Kind::WanVideo,
            "/api/v1/services/aigc/video-generation/video-synthesis",
            "/parameters/resolution",
            json!("720P"),
        ),
        (
            Kind::WanVideo,
            "/api/v1/services/aigc/video-generation/video-synthesis",
            "/parameters/prompt_extend",
            json!(false),
        ),
        (
            Kind::QwenImage,
            "/api/v1/services/aigc/multimodal-generation/generation",
            "/input/messages/0/content/0/text",
            json!("a cat"),
        ),
        (
            Kind::MiniMaxImage,
            "/v1/image_generation",
            "/aspect_ratio",
            json!("16:9"),
        ),
        (
            Kind::MiniMaxVideo,
            "/v1/video_generation",
            "/first_frame_image",
            json!("https://x/first.png"),
        ),
        (
            Kind::MiniMaxVideo,
            "/v1/video_generation",
            "/resolution",
            json!("720P"),
        ),
    ];
    for (kind, path, pointer, want) in cases {
        let call = submit(*kind, &ctx("up-model"), &req).unwrap();
        assert_eq!(call.url, format!("{o}{path}"), "{kind:?}");
        let body = call.body.unwrap();
        assert_eq!(body["model"], "up-model", "{kind:?}");
        assert_eq!(
            body.pointer(pointer),
            Some(want),
            "{kind:?} {pointer}: {body}"
        );
    }
    let wan = submit(Kind::WanVideo, &ctx("m"), &req).unwrap();
    assert_eq!(wan.headers, vec![("x-dashscope-async", "enable")]);
    // OpenAI video takes text only; Seed3D needs an image.
    assert!(submit(Kind::OpenAiVideo, &ctx("sora-2"), &req).is_err());
    let text_only = from_value(json!({"model": "a", "prompt": "p", "modality": "3d"})).unwrap();
    assert!(submit(Kind::ArkTask(Modality::Model3d), &ctx("seed3d"), &text_only).is_err());
}

#[test]
fn custom_forwards_the_body_with_the_upstream_model() {
    let call = submit_custom(
        &ctx("up"),
        json!({"model": "alias", "prompt": "p", "odd": [1]}),
    )
    .unwrap();
    assert_eq!(call.url, "http://127.0.0.1:9/v1/images/generations");
    assert_eq!(
        call.body,
        Some(json!({"model": "up", "prompt": "p", "odd": [1]}))
    );
    let no_path = Ctx {
        generation_path: None,
        ..ctx("up")
    };
    assert!(submit_custom(&no_path, json!({})).is_err());
    let p = parse_submit(Kind::Custom, &reply(200, json!({"result": 1}))).unwrap();
    assert!(
        matches!(p, Progress::Done { status: Status::Succeeded, ref outputs, .. } if outputs[0]["json"]["result"] == 1)
    );
}

fn status_of(p: &Progress) -> Status {
    match p {
        Progress::Done { status, .. } | Progress::Pending { status, .. } => *status,
    }
}

#[test]
fn poll_replies_map_to_keyway_statuses() {
    let t = Task {
        id: "t1".into(),
        state: Value::Null,
    };
    let cases: &[(Kind, Value, Status)] = &[
        (
            Kind::ArkTask(Modality::Video),
            json!({"id": "t1", "status": "queued"}),
            Status::Queued,
        ),
        (
            Kind::ArkTask(Modality::Video),
            json!({"id": "t1", "status": "running"}),
            Status::Running,
        ),
        (
            Kind::ArkTask(Modality::Video),
            json!({"id": "t1", "status": "succeeded", "content": {"video_url": "https://v"}, "duration": 5}),
            Status::Succeeded,
        ),
        (
            Kind::ArkTask(Modality::Video),
            json!({"id": "t1", "status": "failed", "error": {"code": "X", "message": "m"}}),
            Status::Failed,
        ),
        (
            Kind::ArkTask(Modality::Video),
            json!({"id": "t1", "status": "cancelled"}),
            Status::Canceled,
        ),
        (
            Kind::ArkTask(Modality::Video),
            json!({"id": "t1", "status": "expired"}),
            Status::Expired,
        ),
        (
            Kind::WanImage,
            json!({"output": {"task_id": "t1", "task_status": "PENDING"}}),
            Status::Queued,
        ),
        (
            Kind::WanImage,
            json!({"output": {"task_id": "t1", "task_status": "RUNNING"}}),
            Status::Running,
        ),
        (
            Kind::WanImage,
            json!({"output": {"task_id": "t1", "task_status": "SUCCEEDED", "results": [{"url": "https://i"}]}}),
            Status::Succeeded,
        ),
        (
            Kind::WanImage,
            json!({"output": {"task_id": "t1", "task_status": "FAILED", "code": "InternalError", "message": "m"}}),
            Status::Failed,
        ),
        (
            Kind::WanImage,
            json!({"output": {"task_id": "t1", "task_status": "CANCELED"}}),
            Status::Canceled,
        ),
        (
            Kind::WanImage,
            json!({"output": {"task_id": "t1", "task_status": "UNKNOWN"}}),
            Status::Expired,
        ),
        (
            Kind::ZhipuVideo,
            json!({"task_status": "PROCESSING"}),
            Status::Running,
        ),
        (
            Kind::ZhipuVideo,
            json!({"task_status": "SUCCESS", "video_result": [{"url": "https://v"}]}),
            Status::Succeeded,
        ),
        (
            Kind::ZhipuVideo,
            json!({"task_status": "FAIL"}),
            Status::Failed,
        ),
        (
            Kind::MiniMaxVideo,
            json!({"task_id": "t1", "status": "Queueing", "base_resp": {"status_code": 0}}),
            Status::Queued,
        ),
        (
            Kind::MiniMaxVideo,
            json!({"task_id": "t1", "status": "Processing", "base_resp": {"status_code": 0}}),
            Status::Running,
        ),
        (
            Kind::MiniMaxVideo,
            json!({"task_id": "t1", "status": "Fail", "base_resp": {"status_code": 0}}),
            Status::Failed,
        ),
        (
            Kind::OpenAiVideo,
            json!({"id": "t1", "status": "queued", "progress": 0}),
            Status::Queued,
        ),
        (
            Kind::OpenAiVideo,
            json!({"id": "t1", "status": "in_progress", "progress": 40}),
            Status::Running,
        ),
        (
            Kind::OpenAiVideo,
            json!({"id": "t1", "status": "completed", "seconds": "8", "size": "1280x720"}),
            Status::Succeeded,
        ),
        (
            Kind::OpenAiVideo,
            json!({"id": "t1", "status": "failed", "error": {"code": "x", "message": "m"}}),
            Status::Failed,
        ),
    ];
    for (kind, body, want) in cases {
        let p = parse_poll(*kind, &t, &reply(200, body.clone())).unwrap();
        assert_eq!(status_of(&p), *want, "{kind:?} {body}");
    }
    let failed = parse_poll(Kind::WanImage, &t, &reply(200, json!({"output": {"task_status": "FAILED", "code": "DataInspectionFailed", "message": "m"}}))).unwrap();
    let Progress::Done { error: Some(e), .. } = failed else {
        panic!("not failed")
    };
    assert_eq!(
        (e.kind.as_str(), e.provider_code.as_deref()),
        ("content_policy_violation", Some("DataInspectionFailed"))
    );
}

#[test]
fn minimax_success_needs_the_file_lookup() {
    let t = Task {
        id: "t1".into(),
        state: Value::Null,
    };
    let ok = json!({"status_code": 0, "status_msg": "success"});
    let p = parse_poll(Kind::MiniMaxVideo, &t, &reply(200, json!({"task_id": "t1", "status": "Success", "file_id": 42, "video_width": 1280, "video_height": 720, "base_resp": ok}))).unwrap();
    let Progress::Pending {
        task, again: true, ..
    } = p
    else {
        panic!("{p:?}")
    };
    let call = poll(Kind::MiniMaxVideo, &ctx("m"), &task).unwrap();
    assert_eq!(call.url, "http://127.0.0.1:9/v1/files/retrieve?file_id=42");
    let done = parse_poll(
        Kind::MiniMaxVideo,
        &task,
        &reply(
            200,
            json!({"file": {"file_id": 42, "download_url": "https://dl/v.mp4"}, "base_resp": ok}),
        ),
    )
    .unwrap();
    let Progress::Done { outputs, .. } = done else {
        panic!()
    };
    assert_eq!(
        outputs[0],
        json!({"index": 0, "type": "video", "url": "https://dl/v.mp4", "mime_type": "video/mp4", "width": 1280, "height": 720})
    );
}

#[test]
fn sync_image_replies_normalize_outputs() {
    let openai = parse_submit(Kind::OpenAiImage, &reply(200, json!({"created": 1, "size": "1024x1536", "output_format": "png", "data": [{"b64_json": "AAA", "revised_prompt": "rp"}]}))).unwrap();
    let Progress::Done { outputs, .. } = openai else {
        panic!()
    };
    assert_eq!(
        outputs[0],
        json!({"index": 0, "type": "image", "b64_json": "AAA", "mime_type": "image/png", "width": 1024, "height": 1536, "revised_prompt": "rp"})
    );
    let mm = parse_submit(Kind::MiniMaxImage, &reply(200, json!({"id": "x", "data": {"image_urls": ["https://a", "https://b"]}, "base_resp": {"status_code": 0, "status_msg": "success"}}))).unwrap();
    let Progress::Done { outputs, .. } = mm else {
        panic!()
    };
    assert_eq!(outputs.len(), 2);
    let qwen = parse_submit(Kind::QwenImage, &reply(200, json!({"output": {"choices": [{"message": {"content": [{"image": "https://q"}]}}]}, "usage": {"image_count": 1}}))).unwrap();
    let Progress::Done { outputs, .. } = qwen else {
        panic!()
    };
    assert_eq!(outputs[0]["url"], "https://q");
    let ark = parse_submit(Kind::ArkImage, &reply(200, json!({"model": "m", "data": [{"url": "https://s", "size": "2048x2048"}], "usage": {"generated_images": 1, "total_tokens": 16384}}))).unwrap();
    let Progress::Done { outputs, usage, .. } = ark else {
        panic!()
    };
    assert_eq!(outputs[0]["width"], 2048);
    assert_eq!(usage.unwrap()["total_tokens"], 16384);
}

#[test]
fn vendor_errors_are_found_in_every_shape() {
    let cases: &[(Reply, ErrorKind, Option<&str>)] = &[
        // MiniMax reports failures inside HTTP 200.
        (
            reply(
                200,
                json!({"base_resp": {"status_code": 1026, "status_msg": "sensitive"}}),
            ),
            ErrorKind::ContentPolicy,
            Some("1026"),
        ),
        (
            reply(
                200,
                json!({"task_id": "", "base_resp": {"status_code": 2013, "status_msg": "bad"}}),
            ),
            ErrorKind::InvalidRequest,
            Some("2013"),
        ),
        (
            reply(
                200,
                json!({"base_resp": {"status_code": 1002, "status_msg": "rpm"}}),
            ),
            ErrorKind::RateLimited,
            Some("1002"),
        ),
        (
            reply(
                200,
                json!({"base_resp": {"status_code": 1004, "status_msg": "auth"}}),
            ),
            ErrorKind::Auth,
            Some("1004"),
        ),
        // DashScope native error body.
        (
            reply(
                400,
                json!({"code": "InvalidParameter", "message": "size", "request_id": "r"}),
            ),
            ErrorKind::InvalidRequest,
            Some("InvalidParameter"),
        ),
        (
            reply(
                400,
                json!({"code": "DataInspectionFailed", "message": "x", "request_id": "r"}),
            ),
            ErrorKind::ContentPolicy,
            Some("DataInspectionFailed"),
        ),
        // OpenAI envelope (OpenAI, Ark, Zhipu).
        (
            reply(
                401,
                json!({"error": {"message": "bad key", "type": "invalid_request_error", "code": "invalid_api_key"}}),
            ),
            ErrorKind::Auth,
            Some("invalid_api_key"),
        ),
        (
            reply(
                400,
                json!({"error": {"code": "OutputImageSensitiveContentDetected", "message": "m"}}),
            ),
            ErrorKind::ContentPolicy,
            Some("OutputImageSensitiveContentDetected"),
        ),
        (
            reply(429, json!({"error": {"code": 1302, "message": "busy"}})),
            ErrorKind::RateLimited,
            Some("1302"),
        ),
        (
            reply(503, json!({"error": {"message": "overloaded"}})),
            ErrorKind::Overloaded,
            None,
        ),
        (
            reply(404, json!({"message": "no such task"})),
            ErrorKind::NotFound,
            None,
        ),
        (raw(200, "<html>garbage"), ErrorKind::BadBody, None),
        (raw(502, "bad gateway"), ErrorKind::Server, None),
        (raw(200, ""), ErrorKind::BadBody, None),
    ];
    for (r, kind, code) in cases {
        let e = vendor_error::check(r).unwrap_err();
        assert_eq!(
            (e.kind, e.code.as_deref()),
            (*kind, *code),
            "{:?}",
            String::from_utf8_lossy(&r.body)
        );
    }
    // A task that failed is a result, not a failed call.
    assert!(vendor_error::check(&reply(
        200,
        json!({"id": "t", "status": "failed", "error": {"code": "x", "message": "m"}})
    ))
    .is_ok());
    assert!(vendor_error::check(&reply(
        200,
        json!({"task_id": "t", "base_resp": {"status_code": 0, "status_msg": "success"}})
    ))
    .is_ok());
}

#[test]
fn cancel_exists_only_where_vendors_have_it() {
    let t = Task {
        id: "t1".into(),
        state: Value::Null,
    };
    let ark = cancel(Kind::ArkTask(Modality::Video), &ctx("m"), &t).unwrap();
    assert_eq!(
        (ark.method, ark.url.as_str()),
        (
            Method::DELETE,
            "http://127.0.0.1:9/api/v3/contents/generations/tasks/t1"
        )
    );
    let wan = cancel(Kind::WanVideo, &ctx("m"), &t).unwrap();
    assert_eq!(
        (wan.method, wan.url.as_str()),
        (Method::POST, "http://127.0.0.1:9/api/v1/tasks/t1/cancel")
    );
    for k in [
        Kind::OpenAiVideo,
        Kind::ZhipuVideo,
        Kind::MiniMaxVideo,
        Kind::OpenAiImage,
    ] {
        assert!(cancel(k, &ctx("m"), &t).is_none(), "{k:?}");
    }
}
