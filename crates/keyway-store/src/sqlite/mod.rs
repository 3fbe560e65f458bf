//! The embedded backend: one SQLite file in WAL mode. Change notifications
//! stay in this process.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, Transaction};
use tokio::sync::broadcast;

use crate::crypto::MasterKey;
use crate::Result;

pub(crate) type Db = sqlx::Sqlite;
type BackendStore = SqliteStore;

// Deliberately compiled once per backend; see `sql/mod.rs`.
#[allow(clippy::duplicate_mod)]
#[path = "../sql/mod.rs"]
mod sql;

const BACKEND: &str = "sqlite";
/// How long a writer waits for another writer before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) struct SqliteStore {
    pool: Pool<Db>,
    master: MasterKey,
    changes: broadcast::Sender<()>,
}

impl SqliteStore {
    pub(crate) async fn connect(url: &str, master: MasterKey) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            // 1 MiB of page cache per connection (SQLite's default is 2 MiB): the
            // hot path never reads the database, so a small cache keeps RSS low.
            .pragma("cache_size", "-1024")
            .statement_cache_capacity(32);
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        if !in_memory {
            create_parent_dir(options.get_filename())?;
        }
        // An in-memory database lives and dies with its one connection.
        let pool_options = if in_memory {
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            // One writer at a time anyway (WAL); a few readers for the admin UI.
            SqlitePoolOptions::new().max_connections(4)
        };
        let pool = pool_options.connect_with(options).await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        sql::check_master_key(&pool, &master).await?;
        Ok(SqliteStore {
            pool,
            master,
            changes: broadcast::channel(64).0,
        })
    }

    /// Local subscribers only: nothing else shares this file.
    async fn announce_change(&self) -> Result<()> {
        let _ = self.changes.send(());
        Ok(())
    }

    async fn db_size(&self) -> Result<Option<i64>> {
        let size: i64 = sqlx::query_scalar(
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(Some(size))
    }
}

/// Writers take the lock up front: a deferred transaction that reads first
/// and writes later fails with SQLITE_BUSY instead of waiting its turn.
async fn begin(pool: &Pool<Db>) -> Result<Transaction<'static, Db>> {
    Ok(pool.begin_with("BEGIN IMMEDIATE").await?)
}

fn create_parent_dir(file: &std::path::Path) -> Result<()> {
    match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.exists() => std::fs::create_dir_all(dir)
            .map_err(|e| {
                crate::StoreError::Invalid(format!(
                    "cannot create database directory {}: {e}",
                    dir.display()
                ))
            }),
        _ => Ok(()),
    }
}
