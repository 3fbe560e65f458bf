#![allow(clippy::unwrap_used)]
mod common;

use common::{assert_err, start};
use keyway_store::RequestLog;
use serde_json::json;

fn log(i: i64, group: i64, key: i64, alias: &str, status: i32, ts: i64) -> RequestLog {
    RequestLog {
        ts,
        request_id: format!("req-{i}"),
        key_id: Some(key),
        group_id: Some(group),
        alias: Some(alias.into()),
        provider: Some("p".into()),
        upstream_model: Some("m".into()),
        client_protocol: "openai".into(),
        endpoint: "/v1/chat/completions".into(),
        status,
        upstream_status: Some(status),
        upstream_error: (status >= 400)
            .then(|| "{\"error\":{\"message\":\"Authentication Fails\"}}".into()),
        latency_ms: 100 + i,
        input_tokens: Some(10),
        output_tokens: Some(5),
        ..Default::default()
    }
}

#[tokio::test]
async fn logs_filter_and_paginate() {
    let s = start().await;
    let g = s.group("g").await;
    let (_, k) = s
        .call(
            "POST",
            &format!("/admin/api/groups/{g}/keys"),
            Some(json!({"name": "ci"})),
        )
        .await;
    let key = k["id"].as_i64().unwrap();
    let now = keyway_admin_now();
    let mut logs = Vec::new();
    for i in 0..30 {
        let (alias, status) = if i % 3 == 0 { ("b", 502) } else { ("a", 200) };
        logs.push(log(i, g, key, alias, status, now - 60_000 + i * 1000));
    }
    s.store.insert_logs(&logs).await.unwrap();

    let (st, page) = s.call("GET", "/admin/api/logs?limit=10", None).await;
    assert_eq!(st, 200, "{page}");
    assert_eq!(page["total"], 30);
    assert_eq!(page["items"].as_array().unwrap().len(), 10);
    assert_eq!(page["items"][0]["request_id"], "req-29", "newest first");
    assert_eq!(page["items"][0]["group_name"], "g");
    assert_eq!(page["items"][0]["key_name"], "ci");
    let (_, p2) = s
        .call("GET", "/admin/api/logs?limit=10&offset=10", None)
        .await;
    assert_eq!(p2["items"][0]["request_id"], "req-19");

    let (_, errs) = s
        .call(
            "GET",
            &format!("/admin/api/logs?status=502&group_id={g}&key_id={key}&alias=b"),
            None,
        )
        .await;
    assert_eq!(errs["total"], 10);
    assert!(errs["items"][0]["upstream_error"]
        .as_str()
        .unwrap()
        .contains("Authentication Fails"));
    assert_eq!(errs["items"][0]["upstream_status"], 502);
    let since = now - 60_000 + 25_000;
    let (_, recent) = s
        .call("GET", &format!("/admin/api/logs?since={since}"), None)
        .await;
    assert_eq!(recent["total"], 5);
    let (_, none) = s.call("GET", "/admin/api/logs?alias=zzz", None).await;
    assert_eq!(none["total"], 0);

    assert_err(
        &s.call("GET", "/admin/api/logs?limit=0", None).await,
        422,
        Some("limit"),
    );
    assert_err(
        &s.call("GET", "/admin/api/logs?limit=100000", None).await,
        422,
        Some("limit"),
    );
    assert_err(
        &s.call("GET", "/admin/api/logs?offset=-1", None).await,
        422,
        Some("offset"),
    );
    assert_err(
        &s.call("GET", "/admin/api/logs?since=10&until=5", None)
            .await,
        422,
        Some("since"),
    );
    assert_eq!(
        s.call("GET", "/admin/api/logs?status=abc", None).await.0,
        400
    );

    let (st, usage) = s.call("GET", "/admin/api/usage", None).await;
    assert_eq!(st, 200, "{usage}");
    let rows = usage["rows"].as_array().unwrap();
    let total: i64 = rows.iter().map(|r| r["requests"].as_i64().unwrap()).sum();
    let errors: i64 = rows.iter().map(|r| r["errors"].as_i64().unwrap()).sum();
    assert_eq!((total, errors), (30, 10));
    assert!(rows.iter().all(|r| r["group_name"] == "g"));
    assert_err(
        &s.call("GET", "/admin/api/usage?bucket_ms=10", None).await,
        422,
        Some("bucket_ms"),
    );
    assert_err(
        &s.call("GET", "/admin/api/usage?since=0&bucket_ms=60000", None)
            .await,
        422,
        Some("bucket_ms"),
    );
}

fn keyway_admin_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test]
async fn retention_setting_and_purge() {
    let s = start().await;
    let (st, v) = s.call("GET", "/admin/api/settings", None).await;
    assert_eq!(st, 200);
    assert_eq!(
        v["log_retention_days"],
        keyway_admin::DEFAULT_RETENTION_DAYS
    );
    assert_eq!(v["backend"], "sqlite");
    assert!(v["db_size_bytes"].as_i64().unwrap() > 0);
    let (st, v) = s
        .call(
            "PUT",
            "/admin/api/settings",
            Some(json!({"log_retention_days": 7})),
        )
        .await;
    assert_eq!((st, v["log_retention_days"].as_i64()), (200, Some(7)));
    assert_eq!(
        s.store
            .get_setting("log_retention_days")
            .await
            .unwrap()
            .as_deref(),
        Some("7")
    );
    assert_err(
        &s.call(
            "PUT",
            "/admin/api/settings",
            Some(json!({"log_retention_days": 0})),
        )
        .await,
        422,
        Some("log_retention_days"),
    );
    assert_err(
        &s.call(
            "PUT",
            "/admin/api/settings",
            Some(json!({"log_retention_days": "x"})),
        )
        .await,
        422,
        Some("log_retention_days"),
    );

    let now = keyway_admin_now();
    let day = 86_400_000;
    s.store
        .insert_logs(&[
            log(1, 1, 1, "a", 200, now - 8 * day),
            log(2, 1, 1, "a", 200, now - 6 * day),
        ])
        .await
        .unwrap();
    let purged = keyway_admin::purge_expired_logs(s.store.as_ref())
        .await
        .unwrap();
    assert_eq!(purged, 1);
    let (_, page) = s.call("GET", "/admin/api/logs", None).await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["request_id"], "req-2");
}
