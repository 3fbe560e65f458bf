#![allow(clippy::unwrap_used)]

use super::*;

#[test]
fn seal_round_trips_and_is_bound_to_its_row() {
    let key = MasterKey::generate();
    let sealed = key.seal(b"sk-secret", &ad_api_key(7)).unwrap();
    assert!(sealed.starts_with("v1:"));
    assert!(!sealed.contains("sk-secret"));
    assert_eq!(
        key.open(&sealed, &ad_api_key(7)).unwrap().as_slice(),
        b"sk-secret"
    );
    // Copied to another row: refused.
    assert!(matches!(
        key.open(&sealed, &ad_api_key(8)),
        Err(StoreError::Crypto(_))
    ));
    // Another master key: refused.
    assert!(MasterKey::generate().open(&sealed, &ad_api_key(7)).is_err());
}

#[test]
fn nonces_differ_between_seals() {
    let key = MasterKey::generate();
    let a = key.seal(b"x", b"ad").unwrap();
    let b = key.seal(b"x", b"ad").unwrap();
    assert_ne!(a, b);
}

#[test]
fn tampered_or_malformed_values_fail() {
    let key = MasterKey::generate();
    let sealed = key.seal(b"secret", b"ad").unwrap();
    let mut bytes = sealed.into_bytes();
    let last = bytes.len() - 3;
    bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(bytes).unwrap();
    assert!(key.open(&tampered, b"ad").is_err());
    assert!(key.open("v2:AAAA", b"ad").is_err());
    assert!(key.open("v1:!!", b"ad").is_err());
    assert!(key.open("v1:AAAA", b"ad").is_err());
}

#[test]
fn master_key_base64_round_trip_and_validation() {
    let key = MasterKey::generate();
    let again = MasterKey::from_base64(&format!("  {}\n", key.to_base64())).unwrap();
    let sealed = key.seal(b"s", b"ad").unwrap();
    assert_eq!(again.open(&sealed, b"ad").unwrap().as_slice(), b"s");
    assert!(MasterKey::from_base64("not base64 !").is_err());
    assert!(MasterKey::from_base64(&STANDARD.encode([1u8; 16])).is_err());
    let unpadded = STANDARD.encode([9u8; 32]).trim_end_matches('=').to_owned();
    assert!(MasterKey::from_base64(&unpadded).is_ok());
}

#[test]
fn debug_redacts_master_key() {
    let key = MasterKey::generate();
    let shown = format!("{key:?}");
    assert!(!shown.contains(&key.to_base64()));
    assert!(shown.contains("REDACTED"));
}

#[test]
fn load_or_create_creates_private_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("master.key");
    let (first, created) = MasterKey::load_or_create(&path).unwrap();
    assert!(created);
    let (second, created_again) = MasterKey::load_or_create(&path).unwrap();
    assert!(!created_again);
    assert_eq!(first.to_base64(), second.to_base64());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // No temp file left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn load_or_create_rejects_garbage_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("master.key");
    std::fs::write(&path, "garbage").unwrap();
    assert!(matches!(
        MasterKey::load_or_create(&path),
        Err(StoreError::InvalidMasterKey(_))
    ));
}

#[test]
fn generated_api_keys_are_long_urlsafe_and_distinct() {
    let a = generate_api_key();
    let b = generate_api_key();
    let a = a.expose_secret();
    assert!(a.starts_with("db_sk_"));
    assert_eq!(a.len(), 6 + 43);
    assert!(a[6..]
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    assert_ne!(a, b.expose_secret());
}

#[test]
fn digests_compare_in_constant_time_helper() {
    let d1 = key_digest("db_sk_a");
    let d2 = key_digest("db_sk_a");
    let d3 = key_digest("db_sk_b");
    assert!(digest_eq(&d1, &d2));
    assert!(!digest_eq(&d1, &d3));
    // Known SHA-256 vector.
    assert_eq!(key_digest("abc")[..4], [0xba, 0x78, 0x16, 0xbf]);
}

#[test]
fn display_prefix_hides_most_of_the_key() {
    let key = "db_sk_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg";
    assert_eq!(display_prefix(key), "db_sk_ABCD…");
    assert_eq!(display_prefix("db_sk_short"), "db_…");
}
