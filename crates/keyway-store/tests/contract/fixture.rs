//! A fresh, private database per test, on either backend.

use std::sync::Arc;

use keyway_store::{MasterKey, Store};
use rand::RngCore;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct Fixture {
    pub backend: Backend,
    pub store: Arc<dyn Store>,
    pub master: MasterKey,
    /// What `open` was given; a second `open` on it is another replica.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    schema: Option<String>,
}

fn pg_base_url() -> String {
    std::env::var("KEYWAY_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub async fn pg_admin_exec(sql: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&pg_base_url())
        .await
        .expect("PostgreSQL must run at KEYWAY_TEST_PG_URL or 127.0.0.1:5432 (database `test`)");
    sqlx::query(sql).execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
}

impl Fixture {
    pub async fn new(backend: Backend) -> Self {
        let master = MasterKey::generate();
        let (url, dir, schema) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite:{}", dir.path().join("keyway.db").display());
                (url, Some(dir), None)
            }
            Backend::Postgres => {
                let schema = format!("kw_test_{:016x}", rand::rngs::OsRng.next_u64());
                pg_admin_exec(&format!("CREATE SCHEMA {schema}")).await;
                // The application name lets a test find this store's own connections.
                let url = format!(
                    "{}?options=-c%20search_path%3D{schema}&application_name={schema}",
                    pg_base_url()
                );
                (url, None, Some(schema))
            }
        };
        let store = keyway_store::open(&url, master.clone()).await.unwrap();
        Fixture {
            backend,
            store,
            master,
            url,
            _dir: dir,
            schema,
        }
    }

    /// The PostgreSQL schema (and application name) of this fixture.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// Another handle on the same database, as a second replica would open it.
    pub async fn reopen(&self, master: MasterKey) -> keyway_store::Result<Arc<dyn Store>> {
        keyway_store::open(&self.url, master).await
    }
}

impl Drop for Fixture {
    /// Drops the schema even when the test panicked. Drop cannot await, so a
    /// helper thread with its own runtime does the work.
    fn drop(&mut self) {
        let Some(schema) = self.schema.take() else {
            return;
        };
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            // Idle pooled connections hold no locks, so the store need not close first.
            runtime.block_on(pg_admin_exec(&format!("DROP SCHEMA {schema} CASCADE")));
        });
        let _ = cleanup.join();
    }
}
