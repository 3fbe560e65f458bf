#![allow(clippy::unwrap_used)]
mod common;

use common::{assert_err, start};
use keyway_store::{Candidate, RouteInput, RouteMode};
use serde_json::json;

#[tokio::test]
async fn group_crud_and_conflicts() {
    let s = start().await;
    let (st, before) = s.call("GET", "/admin/api/groups", None).await;
    assert_eq!(st, 200);
    let n = before.as_array().unwrap().len();
    let id = s.group("team-a").await;
    let (_, list) = s.call("GET", "/admin/api/groups", None).await;
    assert_eq!(list.as_array().unwrap().len(), n + 1);
    assert_err(
        &s.call("POST", "/admin/api/groups", Some(json!({"name": "team-a"})))
            .await,
        409,
        Some("name"),
    );
    assert_err(
        &s.call("POST", "/admin/api/groups", Some(json!({"name": ""})))
            .await,
        422,
        Some("name"),
    );
    assert_err(
        &s.call("POST", "/admin/api/groups", Some(json!({}))).await,
        422,
        Some("name"),
    );
    let path = format!("/admin/api/groups/{id}");
    let (st, g) = s
        .call("PATCH", &path, Some(json!({"name": "team-b"})))
        .await;
    assert_eq!((st, g["name"].as_str()), (200, Some("team-b")));
    let (st, _) = s.call("DELETE", &path, None).await;
    assert_eq!(st, 204);
    assert_err(&s.call("GET", &path, None).await, 404, None);
}

#[tokio::test]
async fn routes_direct_and_auto_select_with_field_errors() {
    let s = start().await;
    let p1 = s.provider("p1").await;
    let p2 = s.provider("p2").await;
    let g = s.group("g").await;
    let routes = format!("/admin/api/groups/{g}/routes");
    let (st, r) = s
        .call("POST", &routes, Some(json!({"alias": "fast", "provider_id": p1, "model": "deepseek-chat", "bridge": false})))
        .await;
    assert_eq!(st, 201, "{r}");
    assert_eq!(r["mode"], "direct");
    assert_eq!(r["bridge"], false);
    assert_eq!(r["enabled"], true);
    assert_eq!(r["candidates"][0]["provider_name"], "p1");

    let (st, auto) = s
        .call(
            "POST",
            &routes,
            Some(json!({"alias": "smart", "candidates": [
                {"provider_id": p1, "model": "a", "priority": 0},
                {"provider_id": p2, "model": "b", "priority": 1}
            ]})),
        )
        .await;
    assert_eq!(st, 201, "{auto}");
    assert_eq!(auto["mode"], "auto-select");
    assert_eq!(auto["candidates"].as_array().unwrap().len(), 2);

    let cases = [
        (
            json!({"alias": "fast", "provider_id": p1, "model": "m"}),
            409,
            Some("alias"),
        ),
        (
            json!({"alias": "has space", "provider_id": p1, "model": "m"}),
            422,
            Some("alias"),
        ),
        (
            json!({"alias": "x", "provider_id": 9999, "model": "m"}),
            422,
            Some("provider_id"),
        ),
        (
            json!({"alias": "x", "provider_id": p1, "model": " "}),
            422,
            Some("model"),
        ),
        (json!({"alias": "x"}), 422, Some("provider_id")),
        (
            json!({"alias": "x", "provider_id": p1, "model": "m", "mode": "random"}),
            422,
            Some("mode"),
        ),
        (
            json!({"alias": "x", "mode": "direct", "candidates": [{"provider_id": p1, "model": "a"}, {"provider_id": p2, "model": "b"}]}),
            422,
            Some("candidates"),
        ),
        (
            json!({"alias": "x", "candidates": [{"provider_id": p1, "model": "a"}, {"provider_id": 777, "model": "b"}]}),
            422,
            Some("candidates[1].provider_id"),
        ),
        (
            json!({"alias": "x", "provider_id": p1, "model": "m", "generation_path": "v1/x"}),
            422,
            Some("generation_path"),
        ),
    ];
    for (body, status, field) in cases {
        assert_err(&s.call("POST", &routes, Some(body)).await, status, field);
    }
    assert_err(
        &s.call(
            "POST",
            "/admin/api/groups/999/routes",
            Some(json!({"alias": "a", "provider_id": p1, "model": "m"})),
        )
        .await,
        404,
        None,
    );

    // Patch: disable, change only the model, then switch provider.
    let rp = format!("/admin/api/routes/{}", r["id"]);
    let (st, u) = s
        .call(
            "PATCH",
            &rp,
            Some(json!({"enabled": false, "model": "deepseek-reasoner"})),
        )
        .await;
    assert_eq!(st, 200, "{u}");
    assert_eq!(u["enabled"], false);
    assert_eq!(u["candidates"][0]["model"], "deepseek-reasoner");
    assert_eq!(u["candidates"][0]["provider_id"], p1);
    let (st, u) = s
        .call(
            "PATCH",
            &rp,
            Some(json!({"provider_id": p2, "model": "m2"})),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(u["candidates"][0]["provider_name"], "p2");
    assert_err(
        &s.call("PATCH", &rp, Some(json!({"alias": "smart"}))).await,
        409,
        Some("alias"),
    );

    let (st, list) = s.call("GET", &routes, None).await;
    assert_eq!(st, 200);
    assert_eq!(list.as_array().unwrap().len(), 2);
    let (st, _) = s.call("DELETE", &rp, None).await;
    assert_eq!(st, 204);
    assert_err(&s.call("GET", &rp, None).await, 404, None);
}

#[tokio::test]
async fn config_managed_route_is_read_only() {
    let s = start().await;
    let p = s.provider("p").await;
    let g = s.group("g").await;
    let r = s
        .store
        .create_route(RouteInput {
            group_id: g,
            alias: "cfg".into(),
            mode: RouteMode::Direct,
            enabled: true,
            bridge: true,
            candidates: vec![Candidate {
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
    let path = format!("/admin/api/routes/{}", r.id);
    let got = s
        .call("PATCH", &path, Some(json!({"enabled": false})))
        .await;
    assert_err(&got, 409, None);
    assert_eq!(got.1["error"]["code"], "managed_by_config");
    assert_err(&s.call("DELETE", &path, None).await, 409, None);
    let (_, v) = s.call("GET", &path, None).await;
    assert_eq!(v["managed_by_config"], true);
}

#[tokio::test]
async fn e2e_tests_single_route_and_whole_group() {
    let s = start().await;
    let p = s.provider("p").await;
    let g = s.group("g").await;
    let ok = s.route(g, "good", p).await;
    s.route(g, "will-fail", p).await;
    let off = s.route(g, "disabled", p).await;
    s.call(
        "PATCH",
        &format!("/admin/api/routes/{off}"),
        Some(json!({"enabled": false})),
    )
    .await;

    let (st, r) = s
        .call("POST", &format!("/admin/api/routes/{ok}/test"), None)
        .await;
    assert_eq!(st, 200);
    assert_eq!(
        (r["ok"].as_bool(), r["reply"].as_str(), r["status"].as_u64()),
        (Some(true), Some("OK"), Some(200))
    );

    let (st, rep) = s
        .call("POST", &format!("/admin/api/groups/{g}/test"), None)
        .await;
    assert_eq!(st, 200, "{rep}");
    assert_eq!(rep["summary"], "PASS (1/2)");
    assert_eq!(rep["all_passed"], false);
    let failed = rep["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["alias"] == "will-fail")
        .unwrap();
    assert_eq!(failed["upstream_status"], 401);
    assert!(failed["error"].as_str().unwrap().contains("bad key"));
    // Disabled routes are not exercised.
    assert!(!s
        .gateway
        .tested
        .lock()
        .unwrap()
        .contains(&"disabled".to_owned()));
    assert_err(
        &s.call("POST", "/admin/api/routes/999/test", None).await,
        404,
        None,
    );
    assert_err(
        &s.call("POST", "/admin/api/groups/999/test", None).await,
        404,
        None,
    );
}

#[tokio::test]
async fn copy_gets_same_routes_and_fresh_keys() {
    let s = start().await;
    let p = s.provider("p").await;
    let g = s.group("src").await;
    s.route(g, "a1", p).await;
    s.route(g, "a2", p).await;
    let (st, k) = s
        .call(
            "POST",
            &format!("/admin/api/groups/{g}/keys"),
            Some(json!({"name": "ci"})),
        )
        .await;
    assert_eq!(st, 201);
    let (st, c) = s
        .call("POST", &format!("/admin/api/groups/{g}/copy"), None)
        .await;
    assert_eq!(st, 201, "{c}");
    assert_eq!(c["name"], "src-copy");
    assert_eq!(
        (c["route_count"].as_u64(), c["key_count"].as_u64()),
        (Some(2), Some(1))
    );
    let cid = c["id"].as_i64().unwrap();
    let (_, keys) = s
        .call("GET", &format!("/admin/api/groups/{cid}/keys"), None)
        .await;
    let new_id = keys[0]["id"].as_i64().unwrap();
    assert_eq!(keys[0]["name"], "ci");
    let (_, secret) = s
        .call("GET", &format!("/admin/api/keys/{new_id}/secret"), None)
        .await;
    assert_ne!(secret["key"], k["key"]);
    assert!(secret["key"].as_str().unwrap().starts_with("db_sk_"));

    let (st, c2) = s
        .call(
            "POST",
            &format!("/admin/api/groups/{g}/copy"),
            Some(json!({"name": "named"})),
        )
        .await;
    assert_eq!((st, c2["name"].as_str()), (201, Some("named")));
    let (st, c3) = s
        .call("POST", &format!("/admin/api/groups/{g}/copy"), None)
        .await;
    assert_eq!((st, c3["name"].as_str()), (201, Some("src-copy-2")));
    assert_err(
        &s.call(
            "POST",
            &format!("/admin/api/groups/{g}/copy"),
            Some(json!({"name": "named"})),
        )
        .await,
        409,
        Some("name"),
    );
    assert_err(
        &s.call(
            "POST",
            &format!("/admin/api/groups/{g}/copy"),
            Some(json!({"name": 5})),
        )
        .await,
        422,
        Some("name"),
    );
}
