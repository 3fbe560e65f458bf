//! Auto-select failover, the circuit breaker, key pools and the failover
//! deadline, against a fake upstream with fault injection.

mod common;

use std::time::Duration;

use common::*;
use keyway_testkit::FakeUpstream;
use serde_json::Value;

fn config(fake: &FakeUpstream) -> String {
    let base = fake.openai_base();
    let mut c = String::new();
    c += &provider("flaky", &base, &["k-flaky"], "500ms");
    c += &provider("solid", &base, &["k-solid"], "2s");
    c += &provider("heavy", &base, &["k-heavy"], "2s");
    c += &provider("light", &base, &["k-light"], "2s");
    c += &provider("pool", &base, &["k-pool-a", "k-pool-b", "k-pool-c"], "2s");
    c += &provider("duo", &base, &["k-duo-a", "k-duo-b"], "2s");
    c += "[[groups]]\nname = \"g\"\n\n";
    let auto = |alias: &str, cands: &[(&str, &str, i32, u32)]| {
        let list: Vec<String> = cands
            .iter()
            .map(|(p, m, prio, w)| {
                format!(
                    "{{ provider = \"{p}\", model = \"{m}\", priority = {prio}, weight = {w} }}"
                )
            })
            .collect();
        format!(
            "[[groups.routes]]\nalias = \"{alias}\"\nmode = \"auto-select\"\ncandidates = [{}]\n\n",
            list.join(", ")
        )
    };
    c += &auto(
        "fo-500",
        &[("flaky", "status-500", 0, 1), ("solid", "ok", 1, 1)],
    );
    c += &auto(
        "fo-429",
        &[("flaky", "status-429", 0, 1), ("solid", "ok", 1, 1)],
    );
    c += &auto(
        "fo-timeout",
        &[
            ("flaky", "stall-first-byte-3000", 0, 1),
            ("solid", "ok", 1, 1),
        ],
    );
    c += &auto(
        "fo-embedded",
        &[("flaky", "embedded-error", 0, 1), ("solid", "ok", 1, 1)],
    );
    c += "[[groups.routes]]\nalias = \"embedded\"\nprovider = \"solid\"\nmodel = \"embedded-error\"\n\n";
    c += &auto(
        "no-fo-400",
        &[("flaky", "status-400", 0, 1), ("solid", "ok", 1, 1)],
    );
    c += &auto(
        "cut",
        &[("solid", "die-mid-stream", 0, 1), ("flaky", "ok", 1, 1)],
    );
    c += &auto("weights", &[("heavy", "ok", 0, 9), ("light", "ok", 0, 1)]);
    c += &auto("only-flaky", &[("flaky", "status-500", 0, 1)]);
    c += "[[groups.routes]]\nalias = \"pool-ok\"\nprovider = \"pool\"\nmodel = \"ok\"\n\n";
    c += "[[groups.routes]]\nalias = \"duo-ok\"\nprovider = \"duo\"\nmodel = \"ok\"\n\n";
    c += "[[groups.routes]]\nalias = \"duo-429\"\nprovider = \"duo\"\nmodel = \"status-429\"\n\n";
    c += &format!("[[groups.keys]]\nname = \"k\"\nkey = \"{KEY}\"\n");
    c
}

async fn call(gw: &Gateway, alias: &str, stream: bool) -> (u16, String) {
    let r = client()
        .post(gw.url("/v1/chat/completions"))
        .bearer_auth(KEY)
        .json(&chat(alias, stream))
        .send()
        .await
        .expect("send");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

async fn start(fake: &FakeUpstream, extra: &[&str]) -> Gateway {
    let opts = Options {
        extra_args: extra.iter().map(|s| s.to_string()).collect(),
        ..Options::default()
    };
    Gateway::start_with(&config(fake), opts, None).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fails_over_on_5xx_429_and_timeouts_but_not_on_400() {
    let fake = FakeUpstream::start().await.expect("fake");
    let gw = start(&fake, &["--breaker-threshold", "100"]).await;
    for alias in ["fo-500", "fo-429", "fo-timeout", "fo-embedded"] {
        let before = fake.requests().len();
        let (status, body) = call(&gw, alias, false).await;
        assert_eq!(status, 200, "{alias}: {body}");
        assert!(body.contains(keyway_testkit::TEXT));
        let used: Vec<String> = keys_seen(&fake)[before..].to_vec();
        assert_eq!(used, vec!["k-flaky", "k-solid"], "{alias}: priority order");
    }
    let before = fake.requests().len();
    let (status, body) = call(&gw, "no-fo-400", false).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("fake upstream says 400"));
    assert_eq!(
        keys_seen(&fake)[before..].to_vec(),
        vec!["k-flaky"],
        "a 400 goes straight back"
    );

    // A 200 carrying an error is an upstream failure, not a success.
    let (status, body) = call(&gw, "embedded", false).await;
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("insufficient balance"), "{body}");

    // Each attempt has its own log row, tied by request id.
    let row = gw
        .wait_log(|r| r["alias"] == "fo-500" && r["status"] == 200)
        .await;
    assert_eq!(row["attempt"], 2);
    let rid = row["request_id"].as_str().expect("rid").to_owned();
    let first = gw
        .wait_log(|r| r["request_id"] == rid.as_str() && r["attempt"] == 1)
        .await;
    assert_eq!(first["upstream_status"], 500);
    assert_eq!(first["provider"], "flaky");
    assert!(first["upstream_error"]
        .as_str()
        .unwrap_or("")
        .contains("fake upstream says 500"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_cut_after_the_first_byte_is_not_retried() {
    let fake = FakeUpstream::start().await.expect("fake");
    let gw = start(&fake, &[]).await;
    let before = fake.requests().len();
    let (status, body) = call(&gw, "cut", true).await;
    assert_eq!(status, 200);
    let last: Value =
        serde_json::from_str(sse_data(&body).last().expect("data")).unwrap_or(Value::Null);
    assert!(
        last["error"].is_object(),
        "ends with an error chunk: {body}"
    );
    assert_eq!(
        keys_seen(&fake)[before..].to_vec(),
        vec!["k-solid"],
        "no second attempt after bytes were sent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weights_split_traffic_within_a_priority() {
    let fake = FakeUpstream::start().await.expect("fake");
    let gw = start(&fake, &[]).await;
    for _ in 0..200 {
        assert_eq!(call(&gw, "weights", false).await.0, 200);
    }
    let used = keys_seen(&fake);
    let heavy = used.iter().filter(|k| *k == "k-heavy").count();
    let light = used.iter().filter(|k| *k == "k-light").count();
    assert_eq!(heavy + light, 200);
    // 9:1 expected; 200 draws put `light` in [5, 45] with overwhelming probability.
    assert!((5..=45).contains(&light), "heavy={heavy} light={light}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn breaker_opens_skips_half_opens_and_resets() {
    let fake = FakeUpstream::start().await.expect("fake");
    let gw = start(
        &fake,
        &["--breaker-threshold", "3", "--breaker-cooldown", "1"],
    )
    .await;
    for _ in 0..3 {
        assert_eq!(call(&gw, "fo-500", false).await.0, 200);
    }
    // Open: flaky is skipped entirely.
    let before = fake.requests().len();
    assert_eq!(call(&gw, "fo-500", false).await.0, 200);
    assert_eq!(keys_seen(&fake)[before..].to_vec(), vec!["k-solid"]);
    let (status, body) = call(&gw, "only-flaky", false).await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body.contains("model 'only-flaky' has no healthy provider"),
        "{body}"
    );
    let health = gw.admin_get("/admin/api/providers/health").await;
    let flaky_id = gw.admin_id("/admin/api/providers", "flaky").await;
    let entry = health
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .find(|h| h["provider_id"] == flaky_id)
        .expect("flaky health");
    assert_eq!(entry["state"], "open", "{entry}");
    assert!(entry["last_error"].as_str().unwrap_or("").contains("500"));
    let metrics = client()
        .get(gw.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("keyway_provider_circuit_open{provider=\"flaky\"} 1"),
        "{metrics}"
    );

    // Half-open after the cool-down: one probe reaches flaky again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let before = fake.requests().len();
    assert_eq!(call(&gw, "fo-500", false).await.0, 200);
    assert_eq!(
        keys_seen(&fake)[before..].to_vec(),
        vec!["k-flaky", "k-solid"]
    );
    // The failed probe re-opened it; a reset through the admin API closes it.
    let (status, _) = gw
        .admin_send(
            reqwest::Method::POST,
            &format!("/admin/api/providers/{flaky_id}/health/reset"),
            None,
        )
        .await;
    assert!(status < 300, "reset: {status}");
    let before = fake.requests().len();
    call(&gw, "only-flaky", false).await;
    assert_eq!(
        keys_seen(&fake)[before..].to_vec(),
        vec!["k-flaky"],
        "closed again after reset"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_pools_rotate_and_cool_down_refused_keys() {
    let fake = FakeUpstream::start().await.expect("fake");
    let gw = start(&fake, &[]).await;
    for _ in 0..6 {
        assert_eq!(call(&gw, "pool-ok", false).await.0, 200);
    }
    assert_eq!(
        keys_seen(&fake),
        vec!["k-pool-a", "k-pool-b", "k-pool-c", "k-pool-a", "k-pool-b", "k-pool-c"]
    );

    let before = fake.requests().len();
    assert_eq!(call(&gw, "duo-429", false).await.0, 429);
    let refused = keys_seen(&fake)[before].clone();
    for _ in 0..4 {
        assert_eq!(call(&gw, "duo-ok", false).await.0, 200);
    }
    let later = keys_seen(&fake)[before + 1..].to_vec();
    assert!(
        later.iter().all(|k| *k != refused),
        "{refused} was cooling down but used: {later:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_failover_deadline_stops_new_attempts() {
    let fake = FakeUpstream::start().await.expect("fake");
    // flaky's first-byte timeout is 500 ms; with a 0 s deadline no second attempt may start.
    let gw = start(&fake, &["--failover-deadline", "0"]).await;
    let before = fake.requests().len();
    let (status, body) = call(&gw, "fo-timeout", false).await;
    assert_eq!(status, 504, "{body}");
    assert_eq!(keys_seen(&fake)[before..].to_vec(), vec!["k-flaky"]);
    let gw2 = start(&fake, &["--max-attempts", "1"]).await;
    let (status, _) = call(&gw2, "fo-500", false).await;
    assert_eq!(status, 502, "a retry budget of one attempt");
}
