//! Two `keyway serve` processes on one PostgreSQL database: changes made on
//! one are live on the other within a second, both write logs, and killing
//! one leaves the other serving.

mod common;

use std::time::{Duration, Instant};

use common::*;
use keyway_testkit::FakeUpstream;
use serde_json::json;

const MASTER: &str = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8M=";

async fn replica(config: &str, url: &str) -> Gateway {
    let mut opts = Options {
        extra_args: vec!["--database-url".into(), url.into()],
        ..Options::default()
    };
    opts.env.push(("KEYWAY_MASTER_KEY".into(), MASTER.into()));
    Gateway::start_with(config, opts, None).await
}

/// Polls `f` until it returns true; returns how long it took.
async fn within(limit: Duration, mut f: impl AsyncFnMut() -> bool) -> Duration {
    let t = Instant::now();
    while t.elapsed() < limit {
        if f().await {
            return t.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("not within {limit:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_share_changes_within_a_second() {
    let (url, schema) = pg_schema("kw_replicas").await;
    let fake = FakeUpstream::start().await.expect("fake");
    let config = standard_config(&fake);
    let mut a = replica(&config, &url).await;
    let b = replica(&config, &url).await;

    // A group, route and key made through replica A's admin API…
    let (s, group) = a
        .admin_send(
            reqwest::Method::POST,
            "/admin/api/groups",
            Some(json!({"name": "shared"})),
        )
        .await;
    assert!(s < 300, "create group: {s} {group}");
    let gid = group["id"].as_i64().expect("group id");
    let pid = a.admin_id("/admin/api/providers", "fake-openai").await;
    let (s, route) = a
        .admin_send(
            reqwest::Method::POST,
            &format!("/admin/api/groups/{gid}/routes"),
            Some(json!({"alias": "live", "provider_id": pid, "model": "ok"})),
        )
        .await;
    assert!(s < 300, "create route: {s} {route}");
    let rid = route["id"].as_i64().expect("route id");
    let (s, key) = a
        .admin_send(
            reqwest::Method::POST,
            &format!("/admin/api/groups/{gid}/keys"),
            Some(json!({"name": "made-on-a"})),
        )
        .await;
    assert!(s < 300, "create key: {s} {key}");
    let plaintext = key["key"].as_str().expect("plaintext key").to_owned();

    // …works on replica B within a second.
    let took = within(Duration::from_secs(1), async || {
        client()
            .post(b.url("/v1/chat/completions"))
            .bearer_auth(&plaintext)
            .json(&chat("live", false))
            .send()
            .await
            .map(|r| r.status() == 200)
            .unwrap_or(false)
    })
    .await;
    eprintln!("key created on A worked on B after {took:?}");

    // Disabling the route on B answers 404 on A within a second.
    let (s, _) = b
        .admin_send(
            reqwest::Method::PATCH,
            &format!("/admin/api/routes/{rid}"),
            Some(json!({"enabled": false})),
        )
        .await;
    assert!(s < 300, "disable route: {s}");
    let took = within(Duration::from_secs(1), async || {
        client()
            .post(a.url("/v1/chat/completions"))
            .bearer_auth(&plaintext)
            .json(&chat("live", false))
            .send()
            .await
            .map(|r| r.status() == 404)
            .unwrap_or(false)
    })
    .await;
    eprintln!("route disabled on B was 404 on A after {took:?}");

    // Both replicas write to the same log tables.
    let r = client()
        .post(a.url("/v1/chat/completions"))
        .bearer_auth(KEY)
        .json(&chat("ok", false))
        .send()
        .await
        .expect("a");
    assert_eq!(r.status(), 200);
    let r = client()
        .post(b.url("/v1/chat/completions"))
        .bearer_auth(KEY)
        .json(&chat("reasoning", false))
        .send()
        .await
        .expect("b");
    assert_eq!(r.status(), 200);
    a.wait_log(|r| r["alias"] == "reasoning").await;
    b.wait_log(|r| r["alias"] == "ok").await;

    // SIGKILL A: B keeps serving, and the database is consistent.
    if let Some(mut child) = a.child.take() {
        child.kill().await.expect("kill");
    }
    let r = client()
        .post(b.url("/v1/chat/completions"))
        .bearer_auth(KEY)
        .json(&chat("ok", true))
        .send()
        .await
        .expect("b after kill");
    assert_eq!(r.status(), 200);
    assert!(r.text().await.expect("body").contains("[DONE]"));
    let keys = b.admin_get(&format!("/admin/api/groups/{gid}/keys")).await;
    assert!(keys.to_string().contains("made-on-a"), "{keys}");
    drop(b);
    drop_schema(&schema).await;
}
