//! Stateless sessions: the cookie carries a small JSON claim set signed with
//! HMAC-SHA256 under `session_secret`, so any replica sharing the secret can
//! verify it without a session table. A fingerprint of the user's password
//! hash is part of the claims, which makes a password change end every
//! existing session.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

pub const COOKIE_NAME: &str = "keyway_session";
/// How long a login lasts.
pub const SESSION_TTL_MS: i64 = 12 * 60 * 60 * 1000;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    /// Username.
    pub u: String,
    /// Expiry, Unix ms.
    pub exp: i64,
    /// Fingerprint of the password hash at login time.
    pub pw: String,
    /// Random per-login nonce; the CSRF token is derived from it.
    pub n: String,
}

impl Claims {
    pub fn new(username: &str, password_hash: &str, now_ms: i64) -> Claims {
        let mut nonce = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut nonce);
        Claims {
            u: username.to_owned(),
            exp: now_ms + SESSION_TTL_MS,
            pw: password_fingerprint(password_hash),
            n: B64.encode(nonce),
        }
    }
}

pub fn password_fingerprint(password_hash: &str) -> String {
    let d = Sha256::digest(password_hash.as_bytes());
    B64.encode(&d[..12])
}

fn mac(secret: &[u8; 32], domain: &str, data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut m = match HmacSha256::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC takes any key length"),
    };
    m.update(domain.as_bytes());
    m.update(b"\0");
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// `base64(claims json).base64(hmac)`
pub fn encode(secret: &[u8; 32], claims: &Claims) -> String {
    let json = serde_json::to_vec(claims).unwrap_or_default();
    let body = B64.encode(&json);
    let sig = B64.encode(mac(secret, "session", body.as_bytes()));
    format!("{body}.{sig}")
}

/// Verifies signature and expiry; the password fingerprint is checked by the caller.
pub fn decode(secret: &[u8; 32], token: &str, now_ms: i64) -> Option<Claims> {
    let (body, sig) = token.split_once('.')?;
    let sig = B64.decode(sig).ok()?;
    let expected = mac(secret, "session", body.as_bytes());
    if !bool::from(expected.ct_eq(&sig)) {
        return None;
    }
    let claims: Claims = serde_json::from_slice(&B64.decode(body).ok()?).ok()?;
    (claims.exp > now_ms).then_some(claims)
}

/// The CSRF token for a session: bound to its nonce, so it cannot be guessed
/// from outside and changes with every login.
pub fn csrf_token(secret: &[u8; 32], claims: &Claims) -> String {
    B64.encode(&mac(secret, "csrf", claims.n.as_bytes())[..24])
}

pub fn set_cookie(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        SESSION_TTL_MS / 1000
    )
}

pub fn clear_cookie() -> String {
    format!("{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: [u8; 32] = [7; 32];

    #[test]
    fn round_trip() {
        let c = Claims::new("admin", "$argon2id$x", 1000);
        let t = encode(&S, &c);
        assert_eq!(decode(&S, &t, 2000), Some(c));
    }

    #[test]
    fn rejects_tampering_wrong_key_and_expiry() {
        let c = Claims::new("admin", "h", 1000);
        let t = encode(&S, &c);
        assert_eq!(decode(&[8; 32], &t, 2000), None);
        assert_eq!(decode(&S, &t, c.exp), None);
        let mut forged = c.clone();
        forged.u = "root".into();
        let (_, sig) = t.split_once('.').unwrap();
        let body = B64.encode(serde_json::to_vec(&forged).unwrap());
        assert_eq!(decode(&S, &format!("{body}.{sig}"), 2000), None);
        assert_eq!(decode(&S, "garbage", 2000), None);
    }

    #[test]
    fn csrf_differs_per_login() {
        let a = Claims::new("admin", "h", 0);
        let b = Claims::new("admin", "h", 0);
        assert_ne!(csrf_token(&S, &a), csrf_token(&S, &b));
        assert_eq!(csrf_token(&S, &a), csrf_token(&S, &a));
    }

    #[test]
    fn cookie_parsing() {
        let h = "a=1; keyway_session=abc.def; keyway_lang=zh";
        assert_eq!(cookie_value(h, COOKIE_NAME), Some("abc.def"));
        assert_eq!(cookie_value(h, "keyway_lang"), Some("zh"));
        assert_eq!(cookie_value(h, "nope"), None);
        assert!(set_cookie("t", false).contains("HttpOnly; SameSite=Strict"));
    }
}
