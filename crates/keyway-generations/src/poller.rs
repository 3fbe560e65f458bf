//! The background loop: every tick, poll the unfinished jobs whose
//! `next_poll_at` has come (a few at a time). Jobs live in the store, so a
//! restarted process picks up where the last one stopped.

use tokio::task::JoinSet;

use crate::engine::{now_ms, refresh};
use crate::GenState;

/// Jobs polled at once.
const CONCURRENCY: usize = 8;

/// Runs until the returned handle is aborted (or the runtime stops).
pub fn spawn_poller(state: GenState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(state.config.tick);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            run_once(&state).await;
        }
    })
}

/// One pass over the due jobs.
pub(crate) async fn run_once(state: &GenState) {
    let jobs = match state.store.list_unfinished_jobs().await {
        Ok(j) => j,
        Err(e) => {
            tracing::warn!(error = %e, "generation poller: listing unfinished jobs failed");
            return;
        }
    };
    let now = now_ms();
    let mut running = JoinSet::new();
    for job in jobs {
        let due =
            job.next_poll_at.is_none_or(|t| t <= now) || job.deadline_at.is_some_and(|d| d <= now);
        if !due {
            continue;
        }
        while running.len() >= CONCURRENCY {
            running.join_next().await;
        }
        let state = state.clone();
        running.spawn(async move {
            if let Err(e) = refresh(&state, &job.id).await {
                tracing::warn!(job = %job.id, error = %e, "generation poller: refresh failed");
            }
        });
    }
    while running.join_next().await.is_some() {}
}
