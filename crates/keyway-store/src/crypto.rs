//! Secrets at rest: the master key, AES-256-GCM sealing bound to a row, and
//! self-issued `db_sk_` keys (generated here, looked up by SHA-256 digest).
//!
//! A sealed value is the text `v1:<base64(nonce ‖ ciphertext ‖ tag)>`. The
//! associated data names the row it belongs to (see `ad_*`), so a ciphertext
//! copied into another row fails to open instead of leaking a secret there.

use std::fmt;
use std::io::Write;
use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::StoreError;
use crate::Result;

const SEALED_PREFIX: &str = "v1:";
const NONCE_LEN: usize = 12;
/// Prefix of every self-issued key.
pub const API_KEY_PREFIX: &str = "db_sk_";

/// The 32-byte key every secret in the database is sealed with.
/// `Debug` never shows it and the bytes are wiped on drop.
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey([REDACTED])")
    }
}

impl MasterKey {
    /// A fresh random key from the OS generator.
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(bytes.as_mut());
        MasterKey(bytes)
    }

    /// Parses standard base64 (padded or not, surrounding whitespace ignored) of exactly 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self> {
        let trimmed = text.trim();
        let decoded = Zeroizing::new(
            STANDARD
                .decode(trimmed)
                .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(trimmed))
                .map_err(|_| StoreError::InvalidMasterKey("it is not valid base64"))?,
        );
        let bytes: [u8; 32] = decoded
            .as_slice()
            .try_into()
            .map_err(|_| StoreError::InvalidMasterKey("it must decode to exactly 32 bytes"))?;
        Ok(MasterKey(Zeroizing::new(bytes)))
    }

    /// Standard base64, for writing the key file only.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0.as_ref())
    }

    /// Reads the key file at `path`, or creates it (mode 0600, written atomically)
    /// when it does not exist. Returns the key and whether it was just created.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool)> {
        let io_err = |source| StoreError::MasterKeyFile {
            path: path.to_path_buf(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                warn_if_readable_by_others(path);
                return Ok((MasterKey::from_base64(&text)?, false));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(e)),
        }
        let key = MasterKey::generate();
        // Write a private temp file, then hard-link it into place: the link fails
        // if another process created the key first, and then we use theirs.
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        let dir = dir.unwrap_or_else(|| Path::new("."));
        let tmp = dir.join(format!(".master.key.{}.tmp", std::process::id()));
        let written = write_private(&tmp, key.to_base64().as_bytes()).map_err(io_err);
        let linked = written.and_then(|()| std::fs::hard_link(&tmp, path).map_err(io_err));
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => Ok((key, true)),
            Err(StoreError::MasterKeyFile { source, .. })
                if source.kind() == std::io::ErrorKind::AlreadyExists =>
            {
                let text = std::fs::read_to_string(path).map_err(io_err)?;
                Ok((MasterKey::from_base64(&text)?, false))
            }
            Err(e) => Err(e),
        }
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(self.0.as_ref().into())
    }

    /// Encrypts `plaintext` bound to `ad` (the row's identity).
    pub fn seal(&self, plaintext: &[u8], ad: &[u8]) -> Result<String> {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher()
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: ad,
                },
            )
            .map_err(|_| StoreError::Crypto("encryption failed"))?;
        let mut blob = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&ciphertext);
        Ok(format!("{SEALED_PREFIX}{}", STANDARD.encode(blob)))
    }

    /// Decrypts a value made by `seal` with the same `ad`.
    pub fn open(&self, sealed: &str, ad: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let body = sealed
            .strip_prefix(SEALED_PREFIX)
            .ok_or(StoreError::Crypto("unknown sealed-value format"))?;
        let blob = STANDARD
            .decode(body)
            .map_err(|_| StoreError::Crypto("sealed value is not valid base64"))?;
        if blob.len() < NONCE_LEN {
            return Err(StoreError::Crypto("sealed value is truncated"));
        }
        let (nonce, ciphertext) = blob.split_at(NONCE_LEN);
        let plain = self
            .cipher()
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: ad,
                },
            )
            .map_err(|_| StoreError::Crypto("decryption failed (wrong key or tampered row)"))?;
        Ok(Zeroizing::new(plain))
    }

    /// `seal` for a UTF-8 secret.
    pub fn seal_secret(&self, secret: &SecretString, ad: &[u8]) -> Result<String> {
        self.seal(secret.expose_secret().as_bytes(), ad)
    }

    /// `open` back into a `SecretString`.
    pub fn open_secret(&self, sealed: &str, ad: &[u8]) -> Result<SecretString> {
        let plain = self.open(sealed, ad)?;
        let text = std::str::from_utf8(&plain)
            .map_err(|_| StoreError::Crypto("decrypted secret is not UTF-8"))?;
        Ok(SecretString::from(text.to_owned()))
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.write_all(b"\n")?;
    file.sync_all()
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(
                path = %path.display(),
                mode = format_args!("{:o}", mode & 0o777),
                "master key file is readable by other users; run `chmod 600` on it"
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

/// Associated data for key `index` of provider `provider_id`'s pool.
pub fn ad_provider_key(provider_id: i64, index: usize) -> Vec<u8> {
    format!("keyway/providers/{provider_id}/api_key/{index}").into_bytes()
}

/// Associated data for the plaintext of self-issued key `key_id`.
pub fn ad_api_key(key_id: i64) -> Vec<u8> {
    format!("keyway/api_keys/{key_id}").into_bytes()
}

/// A fresh self-issued key: `db_sk_` + base64url (no padding) of 32 random bytes.
pub fn generate_api_key() -> SecretString {
    let mut bytes = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(bytes.as_mut());
    SecretString::from(format!(
        "{API_KEY_PREFIX}{}",
        URL_SAFE_NO_PAD.encode(bytes.as_ref())
    ))
}

/// SHA-256 of a key's plaintext: what the hot path looks keys up by.
pub fn key_digest(plaintext: &str) -> [u8; 32] {
    Sha256::digest(plaintext.as_bytes()).into()
}

/// Constant-time digest comparison.
pub fn digest_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.ct_eq(b).into()
}

/// The displayable start of a key (`db_sk_Ab3x…`): enough to recognise it,
/// far too little to guess the rest.
pub fn display_prefix(plaintext: &str) -> String {
    let len = plaintext.chars().count();
    let shown = if len >= 24 { 10 } else { len / 3 };
    let mut prefix: String = plaintext.chars().take(shown).collect();
    prefix.push('…');
    prefix
}

#[cfg(test)]
mod tests;
