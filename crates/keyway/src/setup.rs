//! First-start work: logging, the data directory, the master key, the
//! database, the `default` group and the `admin` user.

use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context};
use keyway_store::{MasterKey, Store, StoreError};
use rand::distributions::Alphanumeric;
use rand::Rng;
use sha2::{Digest, Sha256};
use tracing_subscriber::EnvFilter;

use crate::cli::ServeArgs;

pub fn init_tracing(format: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    if format == "json" {
        builder.json().init();
    } else {
        builder.compact().init();
    }
}

pub struct Opened {
    pub store: Arc<dyn Store>,
    pub master: MasterKey,
    pub database_label: String,
    pub master_key_created: bool,
}

pub async fn open_store(args: &ServeArgs) -> anyhow::Result<Opened> {
    let uses_sqlite_default = args.database_url.is_none();
    if uses_sqlite_default || std::env::var_os("KEYWAY_MASTER_KEY").is_none() {
        create_data_dir(&args.data_dir)?;
    }
    let (master, master_key_created) = match std::env::var("KEYWAY_MASTER_KEY") {
        Ok(b64) => (
            MasterKey::from_base64(b64.trim()).context(
                "KEYWAY_MASTER_KEY must be the base64 of 32 bytes (e.g. `openssl rand -base64 32`)",
            )?,
            false,
        ),
        Err(_) => {
            let path = args.data_dir.join("master.key");
            MasterKey::load_or_create(&path)
                .with_context(|| format!("cannot read or create {}", path.display()))?
        }
    };
    let url = match &args.database_url {
        Some(u) => u.clone(),
        None => format!("sqlite:{}", args.data_dir.join("keyway.db").display()),
    };
    let database_label = redact_url(&url);
    let store = match keyway_store::open(&url, master.clone()).await {
        Ok(s) => s,
        Err(StoreError::WrongMasterKey) => bail!(
            "the database at {database_label} was created with a different master key: its secrets cannot be decrypted.\n\
             Set KEYWAY_MASTER_KEY (or {}) to the key this database was created with; replicas sharing a database must share one key.",
            args.data_dir.join("master.key").display()
        ),
        Err(e) => return Err(anyhow::Error::new(e).context(format!("cannot open the database at {database_label}"))),
    };
    Ok(Opened {
        store,
        master,
        database_label,
        master_key_created,
    })
}

fn create_data_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| {
        format!(
            "cannot create the data directory {} (choose another with --data-dir)",
            dir.display()
        )
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

/// `postgres://user:pass@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        if let Some((creds, host)) = rest.split_once('@') {
            let user = creds.split(':').next().unwrap_or("");
            return format!("{scheme}://{user}:***@{host}");
        }
    }
    url.to_owned()
}

/// Makes sure the `default` group and the `admin` user exist. Returns the
/// generated admin password when one was created (printed once).
pub async fn first_start(store: &dyn Store) -> anyhow::Result<Option<String>> {
    let groups = store.list_groups().await?;
    if !groups.iter().any(|g| g.name == "default") {
        match store.create_group("default", false).await {
            Ok(_) | Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if store.get_admin_user("admin").await?.is_some() {
        return Ok(None);
    }
    let (password, generated) = match std::env::var("KEYWAY_ADMIN_PASSWORD") {
        Ok(p) if !p.is_empty() => (p, false),
        _ => (
            rand::thread_rng()
                .sample_iter(&Alphanumeric)
                .take(20)
                .map(char::from)
                .collect::<String>(),
            true,
        ),
    };
    let hash = keyway_admin::hash_password(&password)
        .map_err(|e| anyhow::anyhow!("hashing the admin password: {e}"))?;
    match store.create_admin_user("admin", &hash).await {
        Ok(_) => Ok(generated.then_some(password)),
        // Another replica created it first.
        Err(StoreError::Conflict(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The HMAC key for admin session cookies: derived from the master key so
/// every replica sharing the key accepts the same sessions.
pub fn session_secret(master: &MasterKey) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"keyway/admin-session/v1\0");
    h.update(master.to_base64().as_bytes());
    h.finalize().into()
}
