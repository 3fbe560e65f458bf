//! Proof that this process holds the master key the database was created
//! with: a known value sealed on first open and opened on every later one.
//! Without it, a wrong key would surface only when a secret is first used.

use sqlx::Pool;

use super::{admin, Db};
use crate::crypto::MasterKey;
use crate::{Result, StoreError};

const SETTING: &str = "master_key_check";
const AD: &[u8] = b"keyway/settings/master_key_check";
const PLAINTEXT: &[u8] = b"keyway master key check v1";

pub(in super::super) async fn check_master_key(pool: &Pool<Db>, master: &MasterKey) -> Result<()> {
    if admin::get_setting(pool, SETTING).await?.is_none() {
        // Another replica may create it at the same moment; the first one wins
        // and every other one must then be able to open it.
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(SETTING)
        .bind(master.seal(PLAINTEXT, AD)?)
        .execute(pool)
        .await?;
    }
    let sealed = admin::get_setting(pool, SETTING)
        .await?
        .ok_or(StoreError::NotFound("master key check"))?;
    match master.open(&sealed, AD) {
        Ok(plain) if plain.as_slice() == PLAINTEXT => Ok(()),
        _ => Err(StoreError::WrongMasterKey),
    }
}
