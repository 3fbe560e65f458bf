//! Request logs leave the hot path through an unbounded channel; one writer
//! task inserts them in batches and updates keys' `last_used_at`. On shutdown
//! the writer drains whatever is queued before it exits, so nothing is lost.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use keyway_store::{Id, Millis, RequestLog, Store};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

const MAX_BATCH: usize = 500;
/// How long the writer waits for more rows before writing a partial batch.
const LINGER: Duration = Duration::from_millis(100);

#[derive(Clone)]
pub struct LogSink {
    tx: mpsc::UnboundedSender<RequestLog>,
}

impl LogSink {
    pub fn send(&self, log: RequestLog) {
        // Fails only after shutdown finished draining; nothing left to do then.
        let _ = self.tx.send(log);
    }
}

pub struct LogWriter {
    handle: JoinHandle<()>,
    stop: watch::Sender<bool>,
}

impl LogWriter {
    /// Stops the writer after it has written everything queued so far.
    pub async fn flush_and_stop(self) {
        let _ = self.stop.send(true);
        let _ = self.handle.await;
    }
}

pub fn spawn(store: Arc<dyn Store>) -> (LogSink, LogWriter) {
    let (tx, rx) = mpsc::unbounded_channel();
    let (stop_tx, stop_rx) = watch::channel(false);
    let handle = tokio::spawn(run(store, rx, stop_rx));
    (
        LogSink { tx },
        LogWriter {
            handle,
            stop: stop_tx,
        },
    )
}

async fn run(
    store: Arc<dyn Store>,
    mut rx: mpsc::UnboundedReceiver<RequestLog>,
    mut stop: watch::Receiver<bool>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        tokio::select! {
            got = rx.recv() => match got {
                Some(log) => batch.push(log),
                None => break,
            },
            _ = stop.changed() => break,
        }
        // Linger briefly so rows arrive in batches: one SQLite transaction per
        // row would cost more than the request it logs.
        let deadline = tokio::time::Instant::now() + LINGER;
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(log) => batch.push(log),
                Err(mpsc::error::TryRecvError::Disconnected) => break,
                Err(mpsc::error::TryRecvError::Empty) => {
                    tokio::select! {
                        got = rx.recv() => match got {
                            Some(log) => batch.push(log),
                            None => break,
                        },
                        _ = tokio::time::sleep_until(deadline) => break,
                        _ = stop.changed() => break,
                    }
                }
            }
        }
        write(&*store, &mut batch).await;
        if *stop.borrow() {
            break;
        }
    }
    // Shutdown: drain what is already queued.
    while let Ok(log) = rx.try_recv() {
        batch.push(log);
        if batch.len() >= MAX_BATCH {
            write(&*store, &mut batch).await;
        }
    }
    write(&*store, &mut batch).await;
}

async fn write(store: &dyn Store, batch: &mut Vec<RequestLog>) {
    if batch.is_empty() {
        return;
    }
    let mut last_used: HashMap<Id, Millis> = HashMap::new();
    for log in batch.iter() {
        if let Some(k) = log.key_id {
            let e = last_used.entry(k).or_insert(log.ts);
            *e = (*e).max(log.ts);
        }
    }
    let mut attempt = 0;
    loop {
        match store.insert_logs(batch).await {
            Ok(()) => break,
            Err(e) if attempt < 3 => {
                attempt += 1;
                tracing::warn!(error = %e, rows = batch.len(), "writing request logs failed; retrying");
                tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
            }
            Err(e) => {
                tracing::error!(error = %e, rows = batch.len(), "request logs dropped after retries");
                break;
            }
        }
    }
    let used: Vec<(Id, Millis)> = last_used.into_iter().collect();
    if let Err(e) = store.touch_keys(&used).await {
        tracing::warn!(error = %e, "updating keys' last use failed");
    }
    batch.clear();
}
