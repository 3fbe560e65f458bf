//! Receives other replicas' change notifications and forwards them to this
//! process's broadcast channel, reconnecting on its own.

use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::Pool;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use super::Db;
use crate::Result;

pub(super) const CHANNEL: &str = "keyway_changes";
const RETRY_DELAY: Duration = Duration::from_secs(1);

/// Subscribes before returning, so a change made right after `open` is seen.
pub(super) async fn start(
    pool: Pool<Db>,
    changes: broadcast::Sender<()>,
    instance: String,
    schema: String,
) -> Result<JoinHandle<()>> {
    let first = subscribe(&pool).await?;
    Ok(tokio::spawn(run(first, pool, changes, instance, schema)))
}

async fn subscribe(pool: &Pool<Db>) -> Result<PgListener> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

async fn run(
    mut listener: PgListener,
    pool: Pool<Db>,
    changes: broadcast::Sender<()>,
    instance: String,
    schema: String,
) {
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => {
                let relevant = notification
                    .payload()
                    .split_once(' ')
                    .is_some_and(|(from, to)| from != instance && to == schema);
                if relevant {
                    let _ = changes.send(());
                }
            }
            // The connection dropped and came back: anything sent meanwhile
            // was lost, so assume something changed.
            Ok(None) => {
                let _ = changes.send(());
            }
            Err(_) if pool.is_closed() => return,
            Err(e) => {
                tracing::warn!(error = %e, "change listener lost PostgreSQL; retrying");
                tokio::time::sleep(RETRY_DELAY).await;
                match subscribe(&pool).await {
                    Ok(fresh) => {
                        listener = fresh;
                        let _ = changes.send(());
                    }
                    Err(_) if pool.is_closed() => return,
                    Err(e) => tracing::warn!(error = %e, "change listener cannot reconnect yet"),
                }
            }
        }
    }
}
