//! Shared state of a running gateway and the task that keeps its routing
//! snapshot in step with the store.

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use keyway_store::Store;
use keyway_upstream::breaker::Breakers;
use keyway_upstream::UpstreamClient;

use crate::logs::LogSink;
use crate::metrics::Metrics;
use crate::snapshot::Snapshot;

#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body accepted (after decompression).
    pub max_body_bytes: usize,
    /// Largest non-stream upstream body read.
    pub max_upstream_body_bytes: usize,
    /// Candidates tried per request at most (the retry budget).
    pub max_attempts: usize,
    /// No new failover attempt starts after this much time in the request.
    pub failover_deadline: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 32 * 1024 * 1024,
            max_upstream_body_bytes: 64 * 1024 * 1024,
            max_attempts: 3,
            failover_deadline: std::time::Duration::from_secs(60),
        }
    }
}

pub struct AppState {
    pub snapshot: ArcSwap<Snapshot>,
    pub store: Arc<dyn Store>,
    pub upstream: UpstreamClient,
    pub breakers: Breakers,
    pub logs: LogSink,
    pub metrics: Metrics,
    pub limits: Limits,
}

pub type SharedState = Arc<AppState>;

/// Rebuilds the snapshot whenever the store reports a change (coalescing
/// bursts), and every `safety_interval` in case a notification was missed.
pub fn spawn_reloader(
    state: SharedState,
    safety_interval: Duration,
) -> tokio::task::JoinHandle<()> {
    let mut changes = state.store.subscribe_changes();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                r = changes.recv() => {
                    if let Err(tokio::sync::broadcast::error::RecvError::Closed) = r {
                        tokio::time::sleep(safety_interval).await;
                    }
                    // Let a burst of changes (config apply, group copy) settle into one reload.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    while changes.try_recv().is_ok() {}
                }
                _ = tokio::time::sleep(safety_interval) => {}
            }
            reload(&state).await;
        }
    })
}

pub async fn reload(state: &AppState) {
    match Snapshot::load(&*state.store).await {
        Ok(s) => state.snapshot.store(Arc::new(s)),
        Err(e) => {
            tracing::error!(error = %e, "reloading the routing snapshot failed; keeping the previous one")
        }
    }
}
