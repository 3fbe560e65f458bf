#![allow(clippy::unwrap_used)]
mod common;

use common::{assert_err, start};
use keyway_store::{AuthStyle, Protocol, ProviderInput, Timeouts};
use serde_json::json;

#[tokio::test]
async fn presets_fill_protocol_url_and_keys_are_masked() {
    let s = start().await;
    let (st, presets) = s.call("GET", "/admin/api/presets", None).await;
    assert_eq!(st, 200);
    let vendors: Vec<&str> = presets
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["vendor"].as_str().unwrap())
        .collect();
    for v in [
        "deepseek",
        "openai",
        "anthropic",
        "ark",
        "zhipu",
        "qwen",
        "minimax",
        "custom",
    ] {
        assert!(vendors.contains(&v), "{v} missing from {vendors:?}");
    }

    let (st, p) = s
        .call(
            "POST",
            "/admin/api/providers",
            Some(json!({"name": "claude", "vendor": "anthropic", "api_key": "sk-ant-api03-SECRETSECRET-wxyz"})),
        )
        .await;
    assert_eq!(st, 201, "{p}");
    assert_eq!(p["protocol"], "anthropic");
    assert_eq!(p["base_url"], "https://api.anthropic.com");
    assert_eq!(p["auth_style"], "x-api-key");
    assert_eq!(p["api_keys_masked"], json!(["sk-…wxyz"]));
    assert!(!p.to_string().contains("SECRET"));

    // The preset's Anthropic-compatible endpoint when the protocol says so.
    let (st, z) = s
        .call(
            "POST",
            "/admin/api/providers",
            Some(json!({"name": "glm", "vendor": "zhipu", "protocol": "anthropic"})),
        )
        .await;
    assert_eq!(st, 201, "{z}");
    assert_eq!(z["base_url"], "https://open.bigmodel.cn/api/anthropic");
    assert_eq!(z["auth_style"], "bearer");

    // Read back: still masked, and the stored key is the real one.
    let id = p["id"].as_i64().unwrap();
    let (st, got) = s
        .call("GET", &format!("/admin/api/providers/{id}"), None)
        .await;
    assert_eq!(st, 200);
    assert_eq!(got["api_keys_masked"], json!(["sk-…wxyz"]));
    let stored = s.store.get_provider(id).await.unwrap();
    use secrecy::ExposeSecret;
    assert_eq!(
        stored.api_keys[0].expose_secret(),
        "sk-ant-api03-SECRETSECRET-wxyz"
    );
    let (_, list) = s.call("GET", "/admin/api/providers", None).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert!(!list.to_string().contains("SECRET"));
}

#[tokio::test]
async fn update_keeps_key_unless_given_and_toggles_enabled() {
    let s = start().await;
    let id = s.provider("ds").await;
    let path = format!("/admin/api/providers/{id}");
    let (st, p) = s
        .call(
            "PATCH",
            &path,
            Some(json!({"enabled": false, "base_url": "http://127.0.0.1:1/v1/"})),
        )
        .await;
    assert_eq!(st, 200, "{p}");
    assert_eq!(p["enabled"], false);
    assert_eq!(p["base_url"], "http://127.0.0.1:1/v1");
    assert_eq!(p["api_keys_masked"], json!(["sk-…abcd"]));
    let (st, p) = s
        .call(
            "PATCH",
            &path,
            Some(json!({"api_key": "sk-new-key-000000009999"})),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(p["api_keys_masked"], json!(["sk-…9999"]));
    assert_eq!(p["name"], "ds");
}

#[tokio::test]
async fn bad_provider_input_names_the_field() {
    let s = start().await;
    let cases = [
        (json!({"vendor": "deepseek"}), 422, Some("name")),
        (json!({"name": " "}), 422, Some("name")),
        (json!({"name": "x", "vendor": "nope"}), 422, Some("vendor")),
        (
            json!({"name": "x", "protocol": "grpc", "base_url": "http://a"}),
            422,
            Some("protocol"),
        ),
        (
            json!({"name": "x", "vendor": "custom"}),
            422,
            Some("base_url"),
        ),
        (
            json!({"name": "x", "base_url": "ftp://a"}),
            422,
            Some("base_url"),
        ),
        (
            json!({"name": "x", "vendor": "openai", "auth_style": "basic"}),
            422,
            Some("auth_style"),
        ),
        (
            json!({"name": "x", "vendor": "openai", "enabled": "yes"}),
            422,
            Some("enabled"),
        ),
        (
            json!({"name": "x", "vendor": "openai", "colour": 1}),
            422,
            Some("colour"),
        ),
        (
            json!({"name": "x", "vendor": "openai", "timeouts": {"connect_ms": 0, "first_byte_ms": 1, "idle_ms": 1}}),
            422,
            Some("timeouts.connect_ms"),
        ),
    ];
    for (body, status, field) in cases {
        let got = s
            .call("POST", "/admin/api/providers", Some(body.clone()))
            .await;
        assert_err(&got, status, field);
    }
    // Malformed JSON and a wrong content type are 400.
    let r = common::token_client()
        .post(s.url("/admin/api/providers"))
        .header("content-type", "application/json")
        .body("{\"name\":")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = common::token_client()
        .post(s.url("/admin/api/providers"))
        .header("content-type", "text/plain")
        .body("name=x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    s.provider("dup").await;
    let got = s
        .call(
            "POST",
            "/admin/api/providers",
            Some(json!({"name": "dup", "vendor": "openai"})),
        )
        .await;
    assert_err(&got, 409, Some("name"));
    assert_err(
        &s.call("GET", "/admin/api/providers/999", None).await,
        404,
        None,
    );
    assert_err(
        &s.call("GET", "/admin/api/providers/abc", None).await,
        400,
        Some("id"),
    );
}

#[tokio::test]
async fn config_managed_and_in_use_providers_are_protected() {
    let s = start().await;
    let managed = s
        .store
        .create_provider(ProviderInput {
            name: "from-config".into(),
            vendor: "openai".into(),
            protocol: Protocol::Openai,
            base_url: "https://api.openai.com/v1".into(),
            auth_style: AuthStyle::Bearer,
            api_keys: Some(vec![]),
            enabled: true,
            timeouts: Timeouts::default(),
            managed_by_config: true,
        })
        .await
        .unwrap();
    let path = format!("/admin/api/providers/{}", managed.id);
    let got = s
        .call("PATCH", &path, Some(json!({"enabled": false})))
        .await;
    assert_err(&got, 409, None);
    assert_eq!(got.1["error"]["code"], "managed_by_config");
    assert!(got.1["error"]["message"]
        .as_str()
        .unwrap()
        .contains("config file"));
    assert_err(&s.call("DELETE", &path, None).await, 409, None);

    let id = s.provider("used").await;
    let g = s.group("g").await;
    s.route(g, "alias-1", id).await;
    let got = s
        .call("DELETE", &format!("/admin/api/providers/{id}"), None)
        .await;
    assert_err(&got, 409, None);
    assert!(got.1["error"]["message"]
        .as_str()
        .unwrap()
        .contains("alias-1"));

    let free = s.provider("free").await;
    let (st, _) = s
        .call("DELETE", &format!("/admin/api/providers/{free}"), None)
        .await;
    assert_eq!(st, 204);
    let (st, _) = s
        .call("GET", &format!("/admin/api/providers/{free}"), None)
        .await;
    assert_eq!(st, 404);
}

#[tokio::test]
async fn health_lists_names_and_reset_reaches_the_gateway() {
    let s = start().await;
    let id = s.provider("ds").await;
    let (st, h) = s.call("GET", "/admin/api/providers/health", None).await;
    assert_eq!(st, 200);
    assert_eq!(h[0]["state"], "open");
    assert_eq!(h[0]["provider_id"], 1);
    assert_eq!(
        h[0]["provider_name"],
        if id == 1 { json!("ds") } else { json!(null) }
    );
    let (st, _) = s
        .call(
            "POST",
            &format!("/admin/api/providers/{id}/health/reset"),
            None,
        )
        .await;
    assert_eq!(st, 204);
    assert_eq!(*s.gateway.resets.lock().unwrap(), vec![id]);
    let got = s
        .call("POST", "/admin/api/providers/424242/health/reset", None)
        .await;
    assert_err(&got, 404, None);
}
