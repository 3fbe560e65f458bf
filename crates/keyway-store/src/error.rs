//! What can go wrong in the store. Messages never contain secret material.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The named thing (`"provider"`, `"group"`, ...) does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A uniqueness rule was broken; the text names the field and value.
    #[error("{0}")]
    Conflict(String),
    /// The input cannot be stored as given.
    #[error("{0}")]
    Invalid(String),
    /// Sealing or opening a secret failed.
    #[error("secret encryption error: {0}")]
    Crypto(&'static str),
    /// The database's secrets were sealed under another master key.
    #[error(
        "the database's secrets were sealed with a different master key; set \
         KEYWAY_MASTER_KEY (or the data directory's master.key) to the key this \
         database was created with — every replica sharing a database must use the same key"
    )]
    WrongMasterKey,
    /// A master key given as text is malformed.
    #[error("invalid master key: {0} (expected base64 of 32 random bytes, e.g. `openssl rand -base64 32`)")]
    InvalidMasterKey(&'static str),
    /// The master key file cannot be read or written.
    #[error("master key file {}: {source}", path.display())]
    MasterKeyFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The database URL is not one we can open.
    #[error("unsupported database URL (expected `sqlite:PATH` or `postgres://...`): {0}")]
    UnsupportedUrl(String),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Database(e)
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Migrate(e)
    }
}

/// Maps a unique violation to `Conflict(message())`, anything else to `Database`.
pub(crate) fn conflict_on_unique(e: sqlx::Error, message: impl FnOnce() -> String) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(message()),
        _ => StoreError::Database(e),
    }
}
