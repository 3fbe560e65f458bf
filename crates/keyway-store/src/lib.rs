//! Keyway's persistent state behind one trait, with an SQLite and a PostgreSQL
//! implementation chosen from the database URL. Secrets (upstream keys, the
//! plaintext of self-issued keys) are sealed with the master key before they
//! reach either backend; see `crypto`.

pub mod crypto;
mod error;
pub mod model;
mod open;
mod postgres;
pub mod presets;
mod sqlite;

pub use crypto::{digest_eq, generate_api_key, key_digest, MasterKey};
pub use error::StoreError;
pub use model::*;
pub use open::open;

use async_trait::async_trait;
use secrecy::SecretString;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Everything Keyway keeps. Implementations: `sqlite::SqliteStore`, `postgres::PgStore`.
///
/// Mutations return the stored row. Name conflicts are `StoreError::Conflict`,
/// missing rows `StoreError::NotFound`.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `"sqlite"` or `"postgres"`.
    fn backend(&self) -> &'static str;
    /// Readiness: a trivial query.
    async fn ping(&self) -> Result<()>;
    /// Bytes used by the database (for the admin UI), if the backend can tell.
    async fn size_bytes(&self) -> Result<Option<i64>>;
    /// Resolves whenever another process (or this one) changed routing state.
    /// SQLite: local changes only; PostgreSQL: LISTEN/NOTIFY across replicas.
    fn subscribe_changes(&self) -> tokio::sync::broadcast::Receiver<()>;

    // providers
    async fn list_providers(&self) -> Result<Vec<Provider>>;
    async fn get_provider(&self, id: Id) -> Result<Provider>;
    async fn create_provider(&self, input: ProviderInput) -> Result<Provider>;
    async fn update_provider(&self, id: Id, input: ProviderInput) -> Result<Provider>;
    async fn delete_provider(&self, id: Id) -> Result<()>;

    // groups
    async fn list_groups(&self) -> Result<Vec<Group>>;
    async fn get_group(&self, id: Id) -> Result<Group>;
    async fn create_group(&self, name: &str, managed_by_config: bool) -> Result<Group>;
    async fn rename_group(&self, id: Id, name: &str) -> Result<Group>;
    /// Deletes the group with its routes and keys (logs keep their ids).
    async fn delete_group(&self, id: Id) -> Result<()>;

    // routes
    /// All routes, or one group's.
    async fn list_routes(&self, group_id: Option<Id>) -> Result<Vec<Route>>;
    async fn get_route(&self, id: Id) -> Result<Route>;
    async fn create_route(&self, input: RouteInput) -> Result<Route>;
    async fn update_route(&self, id: Id, input: RouteInput) -> Result<Route>;
    async fn delete_route(&self, id: Id) -> Result<()>;

    // self-issued keys
    /// Returns the row and the plaintext, which is shown to the user once.
    async fn create_key(&self, input: KeyInput) -> Result<(ApiKey, SecretString)>;
    async fn list_keys(&self, group_id: Option<Id>) -> Result<Vec<ApiKey>>;
    async fn get_key(&self, id: Id) -> Result<ApiKey>;
    /// Decrypts the stored plaintext (admin re-retrieval).
    async fn key_secret(&self, id: Id) -> Result<SecretString>;
    async fn update_key(&self, id: Id, patch: KeyPatch) -> Result<ApiKey>;
    async fn delete_key(&self, id: Id) -> Result<()>;
    /// Batched `last_used_at` updates from the hot path: (key id, time).
    async fn touch_keys(&self, used: &[(Id, Millis)]) -> Result<()>;

    // admin users
    async fn get_admin_user(&self, username: &str) -> Result<Option<AdminUser>>;
    async fn create_admin_user(&self, username: &str, password_hash: &str) -> Result<AdminUser>;
    async fn set_admin_password(&self, username: &str, password_hash: &str) -> Result<()>;

    // request logs
    async fn insert_logs(&self, logs: &[RequestLog]) -> Result<()>;
    /// Newest first; `filter.limit` rows from `filter.offset`, plus the total count.
    async fn query_logs(&self, filter: &LogFilter) -> Result<(Vec<RequestLog>, i64)>;
    async fn purge_logs_before(&self, ts: Millis) -> Result<u64>;
    /// Aggregates per `bucket_ms` window since `since`, grouped by group and alias.
    async fn usage(&self, since: Millis, bucket_ms: i64) -> Result<Vec<UsageBucket>>;

    // generation jobs
    async fn insert_job(&self, job: &GenerationJob) -> Result<()>;
    async fn get_job(&self, id: &str) -> Result<GenerationJob>;
    async fn update_job(&self, job: &GenerationJob) -> Result<()>;
    /// Jobs not yet in a final state (to resume polling after a restart).
    async fn list_unfinished_jobs(&self) -> Result<Vec<GenerationJob>>;
    async fn list_jobs(&self, group_id: Id, limit: i64) -> Result<Vec<GenerationJob>>;

    // settings (small key/value pairs: log retention, ...)
    async fn get_setting(&self, key: &str) -> Result<Option<String>>;
    async fn set_setting(&self, key: &str, value: &str) -> Result<()>;

    /// Tell every replica (and this one) that routing state changed.
    async fn notify_change(&self) -> Result<()>;

    /// Closes the connection pool; call once at shutdown, after the last
    /// write. SQLite checkpoints its WAL into the database file here.
    async fn close(&self);
}

/// Now as Unix milliseconds.
pub(crate) fn now_ms() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
