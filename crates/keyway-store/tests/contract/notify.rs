//! Change notifications: every routing mutation, nothing else.

use std::time::Duration;

use keyway_store::*;
use tokio::sync::broadcast::error::TryRecvError;
use tokio::sync::broadcast::Receiver;

use crate::catalog::{candidate, provider_input, route_input};
use crate::keys::key_input;
use crate::Fixture;

async fn expect_change(rx: &mut Receiver<()>, what: &str) {
    // The product promises under a second; the slack is for a loaded CI machine.
    match tokio::time::timeout(Duration::from_secs(2), rx.recv()).await {
        Ok(Ok(())) => {}
        other => panic!("no change notification after {what}: {other:?}"),
    }
    // Exactly one per mutation (no echo of our own NOTIFY).
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        rx.try_recv(),
        Err(TryRecvError::Empty),
        "extra notification after {what}"
    );
}

async fn expect_silence(rx: &mut Receiver<()>, what: &str) {
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{what} notified");
}

pub async fn every_routing_mutation_notifies(f: &Fixture) {
    let s = &f.store;
    let mut rx = s.subscribe_changes();
    let p = s
        .create_provider(provider_input("p", &["k"]))
        .await
        .unwrap();
    expect_change(&mut rx, "create_provider").await;
    s.update_provider(p.id, provider_input("p2", &["k2"]))
        .await
        .unwrap();
    expect_change(&mut rx, "update_provider").await;
    let g = s.create_group("g", false).await.unwrap();
    expect_change(&mut rx, "create_group").await;
    s.rename_group(g.id, "g2").await.unwrap();
    expect_change(&mut rx, "rename_group").await;
    let r = s
        .create_route(route_input(g.id, "a", vec![candidate(p.id, "m", 0)]))
        .await
        .unwrap();
    expect_change(&mut rx, "create_route").await;
    s.update_route(r.id, route_input(g.id, "b", vec![]))
        .await
        .unwrap();
    expect_change(&mut rx, "update_route").await;
    let (k, _) = s.create_key(key_input(g.id)).await.unwrap();
    expect_change(&mut rx, "create_key").await;
    s.update_key(
        k.id,
        KeyPatch {
            enabled: Some(false),
            ..KeyPatch::default()
        },
    )
    .await
    .unwrap();
    expect_change(&mut rx, "update_key").await;
    s.delete_key(k.id).await.unwrap();
    expect_change(&mut rx, "delete_key").await;
    s.delete_route(r.id).await.unwrap();
    expect_change(&mut rx, "delete_route").await;
    s.delete_provider(p.id).await.unwrap();
    expect_change(&mut rx, "delete_provider").await;
    s.delete_group(g.id).await.unwrap();
    expect_change(&mut rx, "delete_group").await;
    s.notify_change().await.unwrap();
    expect_change(&mut rx, "notify_change").await;
}

pub async fn hot_path_writes_do_not_notify(f: &Fixture) {
    let s = &f.store;
    let g = s.create_group("g", false).await.unwrap();
    let (k, _) = s.create_key(key_input(g.id)).await.unwrap();
    let mut rx = s.subscribe_changes();
    s.touch_keys(&[(k.id, 42)]).await.unwrap();
    s.insert_logs(&[crate::logs::log(1, "r1")]).await.unwrap();
    s.set_setting("x", "y").await.unwrap();
    s.create_admin_user("admin", "h").await.unwrap();
    expect_silence(&mut rx, "touch_keys / insert_logs / settings").await;
}

pub async fn failed_mutations_do_not_notify(f: &Fixture) {
    let s = &f.store;
    s.create_group("g", false).await.unwrap();
    let mut rx = s.subscribe_changes();
    assert!(s.create_group("g", false).await.is_err());
    assert!(s.delete_route(12345).await.is_err());
    assert!(s.delete_provider(12345).await.is_err());
    expect_silence(&mut rx, "a failed mutation").await;
}

/// Two `open`s on one PostgreSQL schema behave as two replicas.
pub async fn another_replica_sees_changes(f: &Fixture) {
    let replica = f.reopen(f.master.clone()).await.unwrap();
    let mut theirs = replica.subscribe_changes();
    let mut ours = f.store.subscribe_changes();
    let g = f.store.create_group("g", false).await.unwrap();
    expect_change(&mut theirs, "create_group on the other replica").await;
    expect_change(&mut ours, "create_group locally").await;
    replica.create_key(key_input(g.id)).await.unwrap();
    expect_change(&mut ours, "create_key on the other replica").await;
    expect_change(&mut theirs, "create_key locally").await;
    // Replicas read each other's writes.
    assert_eq!(f.store.list_keys(Some(g.id)).await.unwrap().len(), 1);
    replica.notify_change().await.unwrap();
    expect_change(&mut ours, "notify_change on the other replica").await;
    // Hot-path writes stay quiet across replicas too.
    replica
        .insert_logs(&[crate::logs::log(1, "r")])
        .await
        .unwrap();
    expect_silence(&mut ours, "insert_logs on the other replica").await;
}

/// Deployments sharing one database in different schemas do not wake each other.
pub async fn other_schemas_are_ignored(f: &Fixture) {
    let other = Fixture::new(crate::Backend::Postgres).await;
    let mut rx = f.store.subscribe_changes();
    other.store.create_group("g", false).await.unwrap();
    expect_silence(&mut rx, "a change in another schema").await;
}

/// Kill the listener's connection: it comes back on its own, reports a
/// possible miss, and later changes from another replica arrive again.
pub async fn listener_reconnects_after_connection_loss(f: &Fixture) {
    let schema = f.schema().unwrap();
    let replica = f.reopen(f.master.clone()).await.unwrap();
    let mut rx = f.store.subscribe_changes();
    crate::fixture::pg_admin_exec(&format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE application_name = '{schema}' AND query LIKE 'LISTEN%'"
    ))
    .await;
    // Both replicas' listeners were cut; each reports it may have missed something.
    match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
        Ok(Ok(())) => {}
        other => panic!("no notification after the listener reconnected: {other:?}"),
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    while rx.try_recv().is_ok() {}
    replica.create_group("after", false).await.unwrap();
    expect_change(&mut rx, "a change after reconnecting").await;
}

/// Many writers at once (SQLite serialises them) all succeed.
pub async fn concurrent_writes_succeed(f: &Fixture) {
    let mut tasks = Vec::new();
    for i in 0..16 {
        let s = f.store.clone();
        tasks.push(tokio::spawn(async move {
            let g = s.create_group(&format!("g{i}"), false).await?;
            s.create_route(route_input(g.id, "a", vec![])).await?;
            s.create_key(key_input(g.id)).await?;
            s.insert_logs(&[crate::logs::log(i, "r"), crate::logs::log(i, "s")])
                .await?;
            s.touch_keys(&[(1, i)]).await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(f.store.list_groups().await.unwrap().len(), 16);
    assert_eq!(f.store.list_routes(None).await.unwrap().len(), 16);
    let (_, total) = f.store.query_logs(&LogFilter::default()).await.unwrap();
    assert_eq!(total, 32);
}
