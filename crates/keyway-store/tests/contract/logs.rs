//! Request logs: batches, filters, pages, purge, usage.

use keyway_store::*;

use crate::Fixture;

pub fn log(ts: Millis, request_id: &str) -> RequestLog {
    RequestLog {
        ts,
        request_id: request_id.into(),
        attempt: 1,
        client_protocol: "openai".into(),
        endpoint: "/v1/chat/completions".into(),
        status: 200,
        latency_ms: 10,
        ..RequestLog::default()
    }
}

fn full_log() -> RequestLog {
    RequestLog {
        id: 0,
        ts: 1_700_000_000_123,
        request_id: "req-full".into(),
        attempt: 2,
        key_id: Some(7),
        group_id: Some(3),
        alias: Some("chat".into()),
        provider: Some("deepseek".into()),
        upstream_model: Some("deepseek-chat".into()),
        client_protocol: "anthropic".into(),
        endpoint: "/v1/messages".into(),
        stream: true,
        status: 502,
        upstream_status: Some(401),
        upstream_error: Some("{\"error\":{\"message\":\"bad key ✗\"}}".into()),
        error: Some("upstream rejected the gateway's key".into()),
        latency_ms: 1234,
        ttfb_ms: Some(99),
        input_tokens: Some(11),
        output_tokens: Some(22),
        cache_read_tokens: Some(33),
        cache_creation_tokens: Some(44),
        client_disconnected: true,
    }
}

pub async fn logs_round_trip_in_large_batches(f: &Fixture) {
    let s = &f.store;
    s.insert_logs(&[]).await.unwrap();
    s.insert_logs(&[full_log()]).await.unwrap();
    // More rows than one INSERT statement carries.
    let batch: Vec<RequestLog> = (0..1_100).map(|i| log(i, &format!("r{i}"))).collect();
    s.insert_logs(&batch).await.unwrap();
    let (page, total) = s
        .query_logs(&LogFilter {
            limit: 1,
            ..LogFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(total, 1_101);
    let mut stored = page[0].clone();
    assert!(stored.id > 0);
    stored.id = 0;
    assert_eq!(stored, full_log());
}

pub async fn logs_filters_and_pagination(f: &Fixture) {
    let s = &f.store;
    let mut logs = Vec::new();
    for i in 0..30i64 {
        let mut l = log(1_000 + i, &format!("r{i}"));
        l.group_id = Some(i % 3);
        l.key_id = Some(i % 5);
        l.alias = Some(if i % 2 == 0 { "even" } else { "odd" }.into());
        l.status = if i % 10 == 0 { 500 } else { 200 };
        logs.push(l);
    }
    s.insert_logs(&logs).await.unwrap();
    let query = |filter: LogFilter| async move { s.query_logs(&filter).await.unwrap() };

    let (all, total) = query(LogFilter {
        limit: 100,
        ..LogFilter::default()
    })
    .await;
    assert_eq!((all.len(), total), (30, 30));
    assert!(all.windows(2).all(|w| w[0].ts > w[1].ts), "newest first");
    // Limit 0 means a default page, not an empty one.
    assert_eq!(query(LogFilter::default()).await.0.len(), 30);

    let (page, total) = query(LogFilter {
        limit: 7,
        offset: 7,
        ..LogFilter::default()
    })
    .await;
    assert_eq!(total, 30);
    let ts: Vec<Millis> = page.iter().map(|l| l.ts).collect();
    assert_eq!(ts, (1_016..=1_022).rev().collect::<Vec<_>>());
    let (tail, _) = query(LogFilter {
        limit: 7,
        offset: 28,
        ..LogFilter::default()
    })
    .await;
    assert_eq!(tail.len(), 2);

    let (g, total) = query(LogFilter {
        group_id: Some(1),
        limit: 100,
        ..LogFilter::default()
    })
    .await;
    assert_eq!(total, 10);
    assert!(g.iter().all(|l| l.group_id == Some(1)));
    let (k, total) = query(LogFilter {
        key_id: Some(4),
        limit: 100,
        ..LogFilter::default()
    })
    .await;
    assert_eq!(total, 6);
    assert!(k.iter().all(|l| l.key_id == Some(4)));
    let (a, total) = query(LogFilter {
        alias: Some("odd".into()),
        limit: 100,
        ..LogFilter::default()
    })
    .await;
    assert_eq!(total, 15);
    assert!(a.iter().all(|l| l.alias.as_deref() == Some("odd")));
    let (e, total) = query(LogFilter {
        status: Some(500),
        limit: 100,
        ..LogFilter::default()
    })
    .await;
    assert_eq!(total, 3);
    assert!(e.iter().all(|l| l.status == 500));
    // `since` inclusive, `until` exclusive.
    let (w, total) = query(LogFilter {
        since: Some(1_010),
        until: Some(1_020),
        limit: 100,
        ..LogFilter::default()
    })
    .await;
    assert_eq!(total, 10);
    assert!(w.iter().all(|l| (1_010..1_020).contains(&l.ts)));
    // All filters at once: i % 3 == 0, i % 5 == 0 and i even leaves i = 0 only.
    let (combo, total) = query(LogFilter {
        group_id: Some(0),
        key_id: Some(0),
        alias: Some("even".into()),
        since: Some(1_000),
        limit: 100,
        ..LogFilter::default()
    })
    .await;
    assert_eq!(total, 1);
    assert_eq!(combo[0].request_id, "r0");
}

pub async fn purge_logs(f: &Fixture) {
    let s = &f.store;
    let logs: Vec<RequestLog> = (0..10).map(|i| log(i * 100, &format!("r{i}"))).collect();
    s.insert_logs(&logs).await.unwrap();
    assert_eq!(s.purge_logs_before(500).await.unwrap(), 5);
    assert_eq!(s.purge_logs_before(500).await.unwrap(), 0);
    let (rest, total) = s.query_logs(&LogFilter::default()).await.unwrap();
    assert_eq!(total, 5);
    assert!(rest.iter().all(|l| l.ts >= 500));
}

pub async fn usage_buckets(f: &Fixture) {
    let s = &f.store;
    let entry =
        |ts: Millis, group: Id, alias: &str, status: i32, tokens: i64, latency: i64| RequestLog {
            group_id: Some(group),
            alias: Some(alias.into()),
            status,
            input_tokens: Some(tokens),
            output_tokens: Some(tokens * 2),
            latency_ms: latency,
            ..log(ts, "r")
        };
    let mut no_tokens = entry(60_500, 1, "a", 200, 0, 30);
    no_tokens.input_tokens = None;
    no_tokens.output_tokens = None;
    s.insert_logs(&[
        entry(500, 1, "a", 200, 1, 999), // before `since`
        entry(60_000, 1, "a", 200, 10, 10),
        entry(60_100, 1, "a", 502, 0, 20),
        no_tokens,
        entry(60_200, 2, "a", 200, 5, 7),
        entry(125_000, 1, "a", 429, 1, 2),
        entry(130_000, 1, "b", 200, 3, 4),
    ])
    .await
    .unwrap();
    let mut buckets = s.usage(60_000, 60_000).await.unwrap();
    buckets.sort_by_key(|b| (b.bucket_start, b.group_id, b.alias.clone()));
    let expected = vec![
        UsageBucket {
            bucket_start: 60_000,
            group_id: Some(1),
            alias: Some("a".into()),
            requests: 3,
            errors: 1,
            input_tokens: 10,
            output_tokens: 20,
            avg_latency_ms: 20.0,
        },
        UsageBucket {
            bucket_start: 60_000,
            group_id: Some(2),
            alias: Some("a".into()),
            requests: 1,
            errors: 0,
            input_tokens: 5,
            output_tokens: 10,
            avg_latency_ms: 7.0,
        },
        UsageBucket {
            bucket_start: 120_000,
            group_id: Some(1),
            alias: Some("a".into()),
            requests: 1,
            errors: 1,
            input_tokens: 1,
            output_tokens: 2,
            avg_latency_ms: 2.0,
        },
        UsageBucket {
            bucket_start: 120_000,
            group_id: Some(1),
            alias: Some("b".into()),
            requests: 1,
            errors: 0,
            input_tokens: 3,
            output_tokens: 6,
            avg_latency_ms: 4.0,
        },
    ];
    assert_eq!(buckets, expected);
    assert!(s.usage(0, 0).await.is_err());
    assert!(s.usage(1_000_000, 60_000).await.unwrap().is_empty());
}
