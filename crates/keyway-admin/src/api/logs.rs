//! Request logs (filtered, paginated) and usage aggregates.

use std::collections::HashMap;

use axum::extract::State;
use axum::Json;
use keyway_store::{Id, LogFilter, Millis};
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::QueryParams;
use crate::auth::{now_ms, AppState};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::views::{LogPage, LogView, UsageReport, UsageRow};

pub const MAX_LIMIT: i64 = 500;

#[derive(Deserialize, IntoParams, Debug, Default, Clone)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    pub group_id: Option<Id>,
    pub key_id: Option<Id>,
    pub alias: Option<String>,
    /// Exact status Keyway answered with.
    pub status: Option<i32>,
    /// Unix ms, inclusive.
    pub since: Option<Millis>,
    /// Unix ms, exclusive.
    pub until: Option<Millis>,
    /// 1–500, default 50.
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl LogQuery {
    pub fn to_filter(&self) -> ApiResult<LogFilter> {
        let limit = self.limit.unwrap_or(50);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid(
                "limit",
                format!("limit must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let offset = self.offset.unwrap_or(0);
        if offset < 0 {
            return Err(ApiError::invalid("offset", "offset must not be negative"));
        }
        if let Some(st) = self.status {
            if !(100..=999).contains(&st) {
                return Err(ApiError::invalid(
                    "status",
                    "status must be an HTTP status code",
                ));
            }
        }
        if let (Some(a), Some(b)) = (self.since, self.until) {
            if a > b {
                return Err(ApiError::invalid("since", "since must not be after until"));
            }
        }
        Ok(LogFilter {
            group_id: self.group_id,
            key_id: self.key_id,
            alias: self.alias.clone().filter(|a| !a.trim().is_empty()),
            status: self.status,
            since: self.since,
            until: self.until,
            limit,
            offset,
        })
    }
}

/// Logs with group and key names filled in.
pub async fn query(s: &AppState, filter: &LogFilter) -> ApiResult<LogPage> {
    let store = &s.state.store;
    let (rows, total) = store.query_logs(filter).await?;
    let groups: HashMap<Id, String> = store
        .list_groups()
        .await?
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect();
    let keys: HashMap<Id, String> = store
        .list_keys(None)
        .await?
        .into_iter()
        .map(|k| (k.id, k.name))
        .collect();
    let items = rows
        .into_iter()
        .map(|l| {
            let g = l.group_id.and_then(|id| groups.get(&id).cloned());
            let k = l.key_id.and_then(|id| keys.get(&id).cloned());
            LogView::new(l, g, k)
        })
        .collect();
    Ok(LogPage {
        items,
        total,
        limit: filter.limit,
        offset: filter.offset,
    })
}

#[utoipa::path(get, path = "/admin/api/logs", tag = "logs", params(LogQuery),
    responses((status = 200, description = "Newest first", body = LogPage), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_logs(
    State(s): State<AppState>,
    QueryParams(q): QueryParams<LogQuery>,
) -> ApiResult<Json<LogPage>> {
    let filter = q.to_filter()?;
    Ok(Json(query(&s, &filter).await?))
}

#[derive(Deserialize, IntoParams, Debug, Default)]
#[into_params(parameter_in = Query)]
pub struct UsageQuery {
    /// Unix ms; default 24 hours ago.
    pub since: Option<Millis>,
    /// Bucket width in ms (≥ 60000); default one hour.
    pub bucket_ms: Option<i64>,
}

pub const MAX_BUCKETS: i64 = 2000;

pub async fn usage_report(s: &AppState, since: Millis, bucket_ms: i64) -> ApiResult<UsageReport> {
    let now = now_ms();
    if bucket_ms < 60_000 {
        return Err(ApiError::invalid(
            "bucket_ms",
            "bucket_ms must be at least 60000",
        ));
    }
    if since > now {
        return Err(ApiError::invalid("since", "since must be in the past"));
    }
    if (now - since) / bucket_ms > MAX_BUCKETS {
        return Err(ApiError::invalid(
            "bucket_ms",
            format!("at most {MAX_BUCKETS} buckets; widen bucket_ms"),
        ));
    }
    let store = &s.state.store;
    let groups: HashMap<Id, String> = store
        .list_groups()
        .await?
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect();
    let rows = store
        .usage(since, bucket_ms)
        .await?
        .into_iter()
        .map(|b| UsageRow {
            group_name: b.group_id.and_then(|id| groups.get(&id).cloned()),
            bucket_start: b.bucket_start,
            group_id: b.group_id,
            alias: b.alias,
            requests: b.requests,
            errors: b.errors,
            input_tokens: b.input_tokens,
            output_tokens: b.output_tokens,
            avg_latency_ms: b.avg_latency_ms,
        })
        .collect();
    Ok(UsageReport {
        since,
        bucket_ms,
        rows,
    })
}

#[utoipa::path(get, path = "/admin/api/usage", tag = "logs", params(UsageQuery),
    responses((status = 200, description = "Aggregates per time bucket, group and alias", body = UsageReport), (status = 422, body = ErrorBody)))]
pub async fn usage(
    State(s): State<AppState>,
    QueryParams(q): QueryParams<UsageQuery>,
) -> ApiResult<Json<UsageReport>> {
    let since = q.since.unwrap_or_else(|| now_ms() - 24 * 3_600_000);
    let bucket = q.bucket_ms.unwrap_or(3_600_000);
    Ok(Json(usage_report(&s, since, bucket).await?))
}
