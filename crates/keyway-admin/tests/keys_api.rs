#![allow(clippy::unwrap_used)]
mod common;

use common::{assert_err, start};
use serde_json::json;

#[tokio::test]
async fn plaintext_shown_once_then_only_via_secret() {
    let s = start().await;
    let g = s.group("g").await;
    let keys = format!("/admin/api/groups/{g}/keys");
    let (st, created) = s.call("POST", &keys, Some(json!({"name": "laptop"}))).await;
    assert_eq!(st, 201, "{created}");
    let plaintext = created["key"].as_str().unwrap().to_owned();
    assert!(plaintext.starts_with("db_sk_"));
    assert!(created["prefix"].as_str().unwrap().starts_with("db_sk_"));
    assert_eq!(created["enabled"], true);

    let (st, list) = s.call("GET", &keys, None).await;
    assert_eq!(st, 200);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains(&plaintext));
    assert!(list[0].get("key").is_none());
    let id = created["id"].as_i64().unwrap();
    let (_, one) = s.call("GET", &format!("/admin/api/keys/{id}"), None).await;
    assert!(!one.to_string().contains(&plaintext));
    let (st, secret) = s
        .call("GET", &format!("/admin/api/keys/{id}/secret"), None)
        .await;
    assert_eq!(
        (st, secret["key"].as_str()),
        (200, Some(plaintext.as_str()))
    );
}

#[tokio::test]
async fn rename_disable_expire_and_delete() {
    let s = start().await;
    let g = s.group("g").await;
    let (_, k) = s
        .call(
            "POST",
            &format!("/admin/api/groups/{g}/keys"),
            Some(json!({"name": "k"})),
        )
        .await;
    let path = format!("/admin/api/keys/{}", k["id"]);
    let future = 4_102_444_800_000i64; // 2100-01-01
    let (st, v) = s
        .call(
            "PATCH",
            &path,
            Some(json!({"name": "renamed", "enabled": false, "expires_at": future})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        (
            v["name"].as_str(),
            v["enabled"].as_bool(),
            v["expires_at"].as_i64()
        ),
        (Some("renamed"), Some(false), Some(future))
    );
    assert_eq!(v["expired"], false);
    // The store sees it too (the gateway reloads from there).
    let stored = s.store.get_key(k["id"].as_i64().unwrap()).await.unwrap();
    assert!(!stored.enabled);
    let (_, v) = s
        .call("PATCH", &path, Some(json!({"expires_at": null})))
        .await;
    assert_eq!(v["expires_at"], json!(null));
    assert_eq!(v["name"], "renamed");

    assert_err(
        &s.call("PATCH", &path, Some(json!({"expires_at": 1000})))
            .await,
        422,
        Some("expires_at"),
    );
    assert_err(
        &s.call("PATCH", &path, Some(json!({"enabled": "no"}))).await,
        422,
        Some("enabled"),
    );
    assert_err(
        &s.call("PATCH", &path, Some(json!({"name": ""}))).await,
        422,
        Some("name"),
    );
    let create = format!("/admin/api/groups/{g}/keys");
    assert_err(
        &s.call("POST", &create, Some(json!({"name": "x", "expires_at": 5})))
            .await,
        422,
        Some("expires_at"),
    );
    assert_err(
        &s.call("POST", &create, Some(json!({}))).await,
        422,
        Some("name"),
    );
    assert_err(
        &s.call(
            "POST",
            "/admin/api/groups/999/keys",
            Some(json!({"name": "x"})),
        )
        .await,
        404,
        None,
    );

    let (st, _) = s.call("DELETE", &path, None).await;
    assert_eq!(st, 204);
    assert_err(&s.call("GET", &path, None).await, 404, None);
    assert_err(
        &s.call("GET", &format!("{path}/secret"), None).await,
        404,
        None,
    );
}

#[tokio::test]
async fn config_managed_key_is_read_only() {
    let s = start().await;
    let g = s.group("g").await;
    let (k, _) = s
        .store
        .create_key(keyway_store::KeyInput {
            group_id: g,
            name: "cfg".into(),
            plaintext: None,
            enabled: true,
            expires_at: None,
            managed_by_config: true,
        })
        .await
        .unwrap();
    let path = format!("/admin/api/keys/{}", k.id);
    let got = s
        .call("PATCH", &path, Some(json!({"enabled": false})))
        .await;
    assert_err(&got, 409, None);
    assert_eq!(got.1["error"]["code"], "managed_by_config");
    assert_err(&s.call("DELETE", &path, None).await, 409, None);
}
