//! Picks the backend from the database URL.

use std::sync::Arc;

use crate::crypto::MasterKey;
use crate::error::StoreError;
use crate::{postgres, sqlite, Result, Store};

/// Opens (creating if needed) the database at `url`, runs its migrations and
/// checks that `master` opens the secrets already stored there.
///
/// `sqlite:PATH` (or `sqlite://PATH`, `sqlite::memory:`) or
/// `postgres://` / `postgresql://` (a schema other than `public` can be chosen
/// with the standard `?options=-c%20search_path%3DNAME` parameter).
/// Fails with `StoreError::WrongMasterKey` when the database was created with
/// another master key.
pub async fn open(url: &str, master: MasterKey) -> Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::connect(url, master).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgStore::connect(url, master).await?))
    } else {
        // Only the scheme: the rest may hold a password.
        let scheme = url.split(':').next().unwrap_or_default();
        Err(StoreError::UnsupportedUrl(format!("scheme '{scheme}'")))
    }
}
