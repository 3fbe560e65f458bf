//! Generation jobs.

use keyway_store::*;
use serde_json::json;

use crate::Fixture;

fn job(id: &str, group_id: Id, created_at: Millis, status: &str) -> GenerationJob {
    GenerationJob {
        id: id.into(),
        group_id,
        key_id: Some(9),
        alias: "draw".into(),
        provider_id: 4,
        upstream_model: "wanx".into(),
        modality: "image".into(),
        status: status.into(),
        upstream_task_id: None,
        request: json!({"prompt": "a cat", "n": 1, "nested": {"x": [1, 2.5, null]}}),
        outputs: json!([]),
        error: None,
        created_at,
        updated_at: created_at,
        next_poll_at: Some(created_at + 1_000),
        deadline_at: Some(created_at + 600_000),
    }
}

pub async fn jobs_round_trip_and_listing(f: &Fixture) {
    let s = &f.store;
    let a = job("gen_a", 1, 100, "queued");
    s.insert_job(&a).await.unwrap();
    assert_eq!(s.get_job("gen_a").await.unwrap(), a);
    assert!(matches!(
        s.insert_job(&a).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.get_job("gen_zz").await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.update_job(&job("gen_zz", 1, 1, "running")).await,
        Err(StoreError::NotFound(_))
    ));

    let mut running = a.clone();
    running.status = "succeeded".into();
    running.upstream_task_id = Some("task-123".into());
    running.outputs = json!([{"type": "image", "url": "http://127.0.0.1/x.png"}]);
    running.error = Some(json!({"code": "none"}));
    running.updated_at = 200;
    running.next_poll_at = None;
    s.update_job(&running).await.unwrap();
    assert_eq!(s.get_job("gen_a").await.unwrap(), running);

    s.insert_job(&job("gen_b", 1, 300, "running"))
        .await
        .unwrap();
    s.insert_job(&job("gen_c", 1, 200, "queued")).await.unwrap();
    s.insert_job(&job("gen_d", 2, 400, "failed")).await.unwrap();
    s.insert_job(&job("gen_e", 2, 500, "queued")).await.unwrap();
    let unfinished: Vec<String> = s
        .list_unfinished_jobs()
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(unfinished, ["gen_c", "gen_b", "gen_e"]);
    let ids = |jobs: Vec<GenerationJob>| jobs.into_iter().map(|j| j.id).collect::<Vec<_>>();
    assert_eq!(
        ids(s.list_jobs(1, 10).await.unwrap()),
        ["gen_b", "gen_c", "gen_a"]
    );
    assert_eq!(ids(s.list_jobs(1, 2).await.unwrap()), ["gen_b", "gen_c"]);
    assert_eq!(ids(s.list_jobs(2, 10).await.unwrap()), ["gen_e", "gen_d"]);
    assert!(s.list_jobs(3, 10).await.unwrap().is_empty());
}
