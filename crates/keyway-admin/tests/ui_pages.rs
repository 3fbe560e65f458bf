#![allow(clippy::unwrap_used)]
mod common;

use common::{session_client, start};
use keyway_store::RequestLog;
use serde_json::json;

async fn get(c: &reqwest::Client, url: String, lang: Option<&str>) -> (u16, String) {
    let mut req = c.get(url);
    if let Some(l) = lang {
        req = req.header("cookie", format!("keyway_lang={l}"));
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn pages_render_with_data_and_secrets_stay_hidden() {
    let s = start().await;
    let p = s.provider("deepseek-main").await;
    let g = s.group("team-a").await;
    s.route(g, "deepseek-v4-pro", p).await;
    let (_, k) = s
        .call(
            "POST",
            &format!("/admin/api/groups/{g}/keys"),
            Some(json!({"name": "laptop"})),
        )
        .await;
    let plaintext = k["key"].as_str().unwrap().to_owned();
    s.store
        .insert_logs(&[RequestLog {
            ts: 1_000,
            request_id: "req-abc".into(),
            group_id: Some(g),
            key_id: k["id"].as_i64(),
            alias: Some("deepseek-v4-pro".into()),
            client_protocol: "openai".into(),
            endpoint: "/v1/chat/completions".into(),
            status: 502,
            upstream_status: Some(401),
            upstream_error: Some("Authentication Fails (no such user)".into()),
            ..Default::default()
        }])
        .await
        .unwrap();
    let (c, csrf) = session_client(&s).await;

    let (st, html) = get(&c, s.url("/admin"), None).await;
    assert_eq!(st, 200);
    assert!(html.contains("team-a"));
    assert!(
        html.contains(&format!("content=\"{csrf}\"")),
        "CSRF meta tag"
    );

    let (st, html) = get(&c, s.url(&format!("/admin/groups/{g}")), None).await;
    assert_eq!(st, 200);
    for needle in [
        "Model Routes",
        "Self-issued API Keys",
        "E2E Test all",
        "deepseek-v4-pro",
        "laptop",
        "ANTHROPIC_BASE_URL",
        "ANTHROPIC_DEFAULT_HAIKU_MODEL",
        "http://127.0.0.1:9233/v1/chat/completions",
        "Reveal",
    ] {
        assert!(html.contains(needle), "group page lacks {needle}");
    }
    assert!(
        !html.contains(&plaintext),
        "plaintext key leaked into the page"
    );

    let (st, html) = get(&c, s.url("/admin/providers"), None).await;
    assert_eq!(st, 200);
    assert!(html.contains("deepseek-main") && html.contains("sk-…abcd"));
    assert!(
        html.contains("circuit open") && html.contains("connection refused"),
        "health shown"
    );
    assert!(
        !html.contains("sk-test-1234567890abcd"),
        "provider key leaked"
    );
    assert!(
        html.contains("Volcengine Ark")
            && html.contains("Qwen (DashScope)")
            && html.contains("MiniMax")
    );

    let (st, html) = get(&c, s.url("/admin/logs?range=all"), None).await;
    assert_eq!(st, 200);
    assert!(html.contains("req-abc"));
    assert!(html.contains("Authentication Fails (no such user)"));
    let (_, filtered) = get(&c, s.url("/admin/logs?range=all&status=200"), None).await;
    assert!(!filtered.contains("req-abc"));

    let (st, html) = get(&c, s.url("/admin/usage"), None).await;
    assert_eq!(st, 200);
    assert!(html.contains("<svg") && html.contains("Requests by group"));
    let (st, html) = get(&c, s.url("/admin/settings"), None).await;
    assert_eq!(st, 200);
    assert!(html.contains("log_retention_days"));

    assert_eq!(get(&c, s.url("/admin/groups/999"), None).await.0, 404);
    assert_eq!(get(&c, s.url("/admin/groups/abc"), None).await.0, 400);
}

#[tokio::test]
async fn chinese_is_switchable_by_cookie() {
    let s = start().await;
    // Token auth here: a manual Cookie header would replace the session jar's.
    let c = common::token_client();
    let (_, en) = get(&c, s.url("/admin/groups"), Some("en")).await;
    assert!(en.contains("Create group") && en.contains("lang=\"en\""));
    let (_, zh) = get(&c, s.url("/admin/groups"), Some("zh")).await;
    assert!(zh.contains("新建分组") && zh.contains("lang=\"zh-CN\""));
    assert!(!zh.contains("Create group"));
    let (_, login) = get(&common::plain_client(), s.url("/admin/login"), Some("zh")).await;
    assert!(login.contains("登录"));
}

#[tokio::test]
async fn assets_are_compiled_in_and_public() {
    let s = start().await;
    let c = common::plain_client();
    let r = c.get(s.url("/admin/assets/app.js")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert!(r.text().await.unwrap().contains("x-csrf-token"));
    let r = c
        .get(s.url("/admin/assets/style.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = c.get(s.url("/admin/login")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("login-form"));
}

#[tokio::test]
async fn config_managed_objects_are_shown_read_only() {
    let s = start().await;
    let g = s.store.create_group("from-config", true).await.unwrap();
    let p = s.provider("p").await;
    s.store
        .create_route(keyway_store::RouteInput {
            group_id: g.id,
            alias: "cfg-route".into(),
            mode: keyway_store::RouteMode::Direct,
            enabled: true,
            bridge: true,
            candidates: vec![keyway_store::Candidate {
                provider_id: p,
                model: "m".into(),
                priority: 0,
                weight: 1,
            }],
            generation_path: None,
            managed_by_config: true,
        })
        .await
        .unwrap();
    let c = common::token_client();
    let (st, html) = get(&c, s.url(&format!("/admin/groups/{}", g.id)), None).await;
    assert_eq!(st, 200);
    assert!(html.contains("badge managed"), "config note shown");
    assert!(html.contains("read-only here"));
    assert!(
        html.contains("cfg-route") && html.contains("E2E Test"),
        "managed routes can still be tested"
    );
    assert!(
        !html.contains("data-method=\"DELETE\""),
        "no delete for config-managed objects"
    );
    assert!(
        !html.contains("edit-route-"),
        "no edit form for config-managed routes"
    );
    assert!(
        !html.contains("Rename"),
        "a config-managed group cannot be renamed"
    );
}
