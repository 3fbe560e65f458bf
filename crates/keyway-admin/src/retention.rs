//! Request-log retention: a background task deletes logs older than the
//! configured number of days, off the request path.

use std::sync::Arc;
use std::time::Duration;

use keyway_store::Store;

use crate::auth::now_ms;

pub const RETENTION_KEY: &str = "log_retention_days";
pub const DEFAULT_RETENTION_DAYS: i64 = 30;
const DAY_MS: i64 = 24 * 3_600_000;
const PURGE_EVERY: Duration = Duration::from_secs(3600);

pub async fn retention_days(store: &dyn Store) -> keyway_store::Result<i64> {
    Ok(store
        .get_setting(RETENTION_KEY)
        .await?
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|d| *d > 0)
        .unwrap_or(DEFAULT_RETENTION_DAYS))
}

/// Deletes logs older than the retention setting; returns how many.
pub async fn purge_expired_logs(store: &dyn Store) -> keyway_store::Result<u64> {
    let days = retention_days(store).await?;
    store.purge_logs_before(now_ms() - days * DAY_MS).await
}

/// Purges once now and then every hour, until the runtime shuts down.
pub fn spawn_retention_task(store: Arc<dyn Store>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PURGE_EVERY);
        loop {
            tick.tick().await;
            match purge_expired_logs(store.as_ref()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, "request logs past retention deleted"),
                Err(e) => tracing::warn!(error = %e, "request log purge failed"),
            }
        }
    })
}
