//! The background poller, and a restart while a job is running.

use std::time::Duration;

use serde_json::json;

use crate::fakes::{self, Fake};
use crate::support::{test_config, Db, Harness, KEY_A};

async fn wait_status(h: &Harness, id: &str, want: &str) {
    for _ in 0..200 {
        if h.store.get_job(id).await.unwrap().status == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("job {id} never reached {want}");
}

#[tokio::test]
async fn poller_finishes_jobs_without_clients() {
    let f = Fake::start(fakes::minimax::router).await;
    let (h, _db) = Harness::new().await;
    h.setup(
        "minimax",
        &format!("{}/v1", f.origin()),
        "hailuo",
        "MiniMax-Hailuo-02",
    )
    .await;
    let poller = keyway_generations::spawn_poller(h.state.clone());
    let r = h
        .post(
            KEY_A,
            "/v1/generations",
            &json!({"model": "hailuo", "prompt": "a cat"}),
            None,
        )
        .await;
    let id = r.body["id"].as_str().unwrap().to_string();
    wait_status(&h, &id, "succeeded").await;
    poller.abort();
    let job = h.get(KEY_A, &format!("/v1/generations/{id}")).await.body;
    assert_eq!(
        job["outputs"][0]["url"],
        "https://minimax.example/output_aigc.mp4"
    );
}

#[tokio::test]
async fn a_restarted_process_resumes_running_jobs() {
    let f = Fake::start(fakes::ark::router).await;
    let db = Db::new();
    let id = {
        let mut config = test_config();
        // Slow enough that the first process stops while the job runs.
        config.poll_initial = Duration::from_millis(200);
        config.poll_max = Duration::from_millis(200);
        let h = Harness::open(&db, config).await;
        h.setup(
            "ark",
            &format!("{}/api/v3", f.origin()),
            "seedance",
            "doubao-seedance-2-0-260128",
        )
        .await;
        let poller = keyway_generations::spawn_poller(h.state.clone());
        let r = h
            .post(
                KEY_A,
                "/v1/generations",
                &json!({"model": "seedance", "prompt": "a cat"}),
                None,
            )
            .await;
        let id = r.body["id"].as_str().unwrap().to_string();
        wait_status(&h, &id, "running").await;
        poller.abort();
        let _ = poller.await;
        h.store.close().await;
        id
    };
    let h = Harness::open(&db, test_config()).await;
    assert_eq!(h.store.get_job(&id).await.unwrap().status, "running");
    let poller = keyway_generations::spawn_poller(h.state.clone());
    wait_status(&h, &id, "succeeded").await;
    poller.abort();
    let job = h.get(KEY_A, &format!("/v1/generations/{id}")).await.body;
    assert_eq!(job["outputs"][0]["url"], "https://ark.example/video.mp4");
    assert_eq!(job["status"], "succeeded");
}
