//! Request logs: batched inserts, filtered pages, usage aggregates.

use sqlx::{Pool, QueryBuilder, Row};

use super::{begin, Db, DbRow};
use crate::model::{LogFilter, Millis, RequestLog, UsageBucket};
use crate::{Result, StoreError};

const COLUMNS: &str = "ts, request_id, attempt, key_id, group_id, alias, provider, \
     upstream_model, client_protocol, endpoint, stream, status, upstream_status, \
     upstream_error, error, latency_ms, ttfb_ms, input_tokens, output_tokens, \
     cache_read_tokens, cache_creation_tokens, client_disconnected";

/// Rows per INSERT: 22 binds each stays far below both backends' limits.
const ROWS_PER_STATEMENT: usize = 500;
/// Page size when the caller gives none, and the most one page may hold.
const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 10_000;

fn from_row(row: &DbRow) -> Result<RequestLog> {
    Ok(RequestLog {
        id: row.try_get("id")?,
        ts: row.try_get("ts")?,
        request_id: row.try_get("request_id")?,
        attempt: row.try_get("attempt")?,
        key_id: row.try_get("key_id")?,
        group_id: row.try_get("group_id")?,
        alias: row.try_get("alias")?,
        provider: row.try_get("provider")?,
        upstream_model: row.try_get("upstream_model")?,
        client_protocol: row.try_get("client_protocol")?,
        endpoint: row.try_get("endpoint")?,
        stream: row.try_get("stream")?,
        status: row.try_get("status")?,
        upstream_status: row.try_get("upstream_status")?,
        upstream_error: row.try_get("upstream_error")?,
        error: row.try_get("error")?,
        latency_ms: row.try_get("latency_ms")?,
        ttfb_ms: row.try_get("ttfb_ms")?,
        input_tokens: row.try_get("input_tokens")?,
        output_tokens: row.try_get("output_tokens")?,
        cache_read_tokens: row.try_get("cache_read_tokens")?,
        cache_creation_tokens: row.try_get("cache_creation_tokens")?,
        client_disconnected: row.try_get("client_disconnected")?,
    })
}

/// One transaction, multi-row statements; `id` is assigned by the database.
pub(super) async fn insert(pool: &Pool<Db>, logs: &[RequestLog]) -> Result<()> {
    if logs.is_empty() {
        return Ok(());
    }
    let mut tx = begin(pool).await?;
    for chunk in logs.chunks(ROWS_PER_STATEMENT) {
        let mut qb = QueryBuilder::<Db>::new(format!("INSERT INTO request_logs ({COLUMNS}) "));
        qb.push_values(chunk, |mut b, log| {
            b.push_bind(log.ts)
                .push_bind(log.request_id.clone())
                .push_bind(log.attempt)
                .push_bind(log.key_id)
                .push_bind(log.group_id)
                .push_bind(log.alias.clone())
                .push_bind(log.provider.clone())
                .push_bind(log.upstream_model.clone())
                .push_bind(log.client_protocol.clone())
                .push_bind(log.endpoint.clone())
                .push_bind(log.stream)
                .push_bind(log.status)
                .push_bind(log.upstream_status)
                .push_bind(log.upstream_error.clone())
                .push_bind(log.error.clone())
                .push_bind(log.latency_ms)
                .push_bind(log.ttfb_ms)
                .push_bind(log.input_tokens)
                .push_bind(log.output_tokens)
                .push_bind(log.cache_read_tokens)
                .push_bind(log.cache_creation_tokens)
                .push_bind(log.client_disconnected);
        });
        // Not cached: every batch size is a different statement, and sqlx would
        // keep up to 100 of these large prepared statements per connection.
        qb.build().persistent(false).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

fn push_where(qb: &mut QueryBuilder<'_, Db>, filter: &LogFilter) {
    qb.push(" WHERE 1 = 1");
    if let Some(group_id) = filter.group_id {
        qb.push(" AND group_id = ").push_bind(group_id);
    }
    if let Some(key_id) = filter.key_id {
        qb.push(" AND key_id = ").push_bind(key_id);
    }
    if let Some(alias) = &filter.alias {
        qb.push(" AND alias = ").push_bind(alias.clone());
    }
    if let Some(status) = filter.status {
        qb.push(" AND status = ").push_bind(status);
    }
    if let Some(since) = filter.since {
        qb.push(" AND ts >= ").push_bind(since);
    }
    if let Some(until) = filter.until {
        qb.push(" AND ts < ").push_bind(until);
    }
}

/// Newest first. A `limit` of 0 or less means the default page size.
pub(super) async fn query(pool: &Pool<Db>, filter: &LogFilter) -> Result<(Vec<RequestLog>, i64)> {
    let mut count = QueryBuilder::<Db>::new("SELECT COUNT(*) FROM request_logs");
    push_where(&mut count, filter);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await?;

    let limit = if filter.limit <= 0 {
        DEFAULT_LIMIT
    } else {
        filter.limit.min(MAX_LIMIT)
    };
    let mut page = QueryBuilder::<Db>::new(format!("SELECT id, {COLUMNS} FROM request_logs"));
    push_where(&mut page, filter);
    page.push(" ORDER BY ts DESC, id DESC LIMIT ")
        .push_bind(limit)
        .push(" OFFSET ")
        .push_bind(filter.offset.max(0));
    let rows = page.build().fetch_all(pool).await?;
    let logs = rows.iter().map(from_row).collect::<Result<_>>()?;
    Ok((logs, total))
}

pub(super) async fn purge_before(pool: &Pool<Db>, ts: Millis) -> Result<u64> {
    let deleted = sqlx::query("DELETE FROM request_logs WHERE ts < $1")
        .bind(ts)
        .execute(pool)
        .await?;
    Ok(deleted.rows_affected())
}

/// Every log row counts (failover attempts included); `errors` are rows
/// answered with status 400 or above.
pub(super) async fn usage(
    pool: &Pool<Db>,
    since: Millis,
    bucket_ms: i64,
) -> Result<Vec<UsageBucket>> {
    if bucket_ms <= 0 {
        return Err(StoreError::Invalid("usage bucket must be positive".into()));
    }
    // Sums are cast because PostgreSQL widens SUM(bigint) to numeric.
    let rows = sqlx::query(
        "SELECT (ts / $1) * $1 AS bucket_start, group_id, alias, \
         COUNT(*) AS requests, \
         CAST(SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS BIGINT) AS errors, \
         CAST(SUM(COALESCE(input_tokens, 0)) AS BIGINT) AS input_tokens, \
         CAST(SUM(COALESCE(output_tokens, 0)) AS BIGINT) AS output_tokens, \
         CAST(SUM(latency_ms) AS BIGINT) AS latency_total \
         FROM request_logs WHERE ts >= $2 \
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    )
    .bind(bucket_ms)
    .bind(since)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let requests: i64 = row.try_get("requests")?;
            let latency_total: i64 = row.try_get("latency_total")?;
            Ok(UsageBucket {
                bucket_start: row.try_get("bucket_start")?,
                group_id: row.try_get("group_id")?,
                alias: row.try_get("alias")?,
                requests,
                errors: row.try_get("errors")?,
                input_tokens: row.try_get("input_tokens")?,
                output_tokens: row.try_get("output_tokens")?,
                avg_latency_ms: latency_total as f64 / requests.max(1) as f64,
            })
        })
        .collect()
}
