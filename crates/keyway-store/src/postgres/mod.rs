//! The shared backend: PostgreSQL, possibly used by several replicas at once.
//! Routing changes are announced with `NOTIFY keyway_changes` so every
//! replica reloads within a moment (see `listener`).

mod listener;

use std::time::Duration;

use rand::RngCore;
use sqlx::postgres::PgPoolOptions;
use sqlx::{Pool, Transaction};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use crate::crypto::MasterKey;
use crate::{Result, StoreError};

pub(crate) type Db = sqlx::Postgres;
type BackendStore = PgStore;

// Deliberately compiled once per backend; see `sql/mod.rs`.
#[allow(clippy::duplicate_mod)]
#[path = "../sql/mod.rs"]
mod sql;

const BACKEND: &str = "postgres";

pub(crate) struct PgStore {
    pool: Pool<Db>,
    master: MasterKey,
    changes: broadcast::Sender<()>,
    /// Payload of our own notifications: `<instance> <schema>`. Other
    /// deployments in the same database (another schema) are ignored, and so
    /// is our own echo, which was already delivered locally.
    payload: String,
    listener: JoinHandle<()>,
}

impl Drop for PgStore {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

impl PgStore {
    pub(crate) async fn connect(url: &str, master: MasterKey) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        sql::check_master_key(&pool, &master).await?;
        let schema: Option<String> = sqlx::query_scalar("SELECT current_schema()")
            .fetch_one(&pool)
            .await?;
        let schema = schema.ok_or_else(|| {
            StoreError::Invalid("the connection's search_path names no existing schema".into())
        })?;
        let instance = format!("{:016x}", rand::rngs::OsRng.next_u64());
        let changes = broadcast::channel(64).0;
        let listener = listener::start(
            pool.clone(),
            changes.clone(),
            instance.clone(),
            schema.clone(),
        )
        .await?;
        Ok(PgStore {
            pool,
            master,
            changes,
            payload: format!("{instance} {schema}"),
            listener,
        })
    }

    /// Local subscribers at once; other replicas through NOTIFY, sent after
    /// the change committed. A failed NOTIFY is logged, not returned: the
    /// change itself is already durable.
    async fn announce_change(&self) -> Result<()> {
        let _ = self.changes.send(());
        if let Err(e) = sqlx::query("SELECT pg_notify($1, $2)")
            .bind(listener::CHANNEL)
            .bind(&self.payload)
            .execute(&self.pool)
            .await
        {
            tracing::warn!(error = %e, "could not notify other replicas of a change");
        }
        Ok(())
    }

    /// Size of this schema's tables and indexes (the database may hold others).
    async fn db_size(&self) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT CAST(SUM(pg_total_relation_size(c.oid)) AS BIGINT) FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relkind = 'r'",
        )
        .fetch_one(&self.pool)
        .await?)
    }
}

async fn begin(pool: &Pool<Db>) -> Result<Transaction<'static, Db>> {
    Ok(pool.begin().await?)
}
