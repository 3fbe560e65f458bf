//! Self-issued keys.

use keyway_store::*;
use secrecy::{ExposeSecret, SecretString};

use crate::Fixture;

pub fn key_input(group_id: Id) -> KeyInput {
    KeyInput {
        group_id,
        name: "laptop".into(),
        plaintext: None,
        enabled: true,
        expires_at: None,
        managed_by_config: false,
    }
}

pub async fn generated_key_round_trip(f: &Fixture) {
    let s = &f.store;
    let g = s.create_group("g", false).await.unwrap();
    let (key, plaintext) = s.create_key(key_input(g.id)).await.unwrap();
    let text = plaintext.expose_secret();
    assert!(text.starts_with("db_sk_") && text.len() >= 6 + 43, "{text}");
    assert_eq!(key.digest, key_digest(text));
    assert!(digest_eq(&key.digest, &key_digest(text)));
    assert!(text.starts_with(key.prefix.trim_end_matches('…')));
    assert!(key.prefix.len() < text.len() / 2);
    assert_eq!(key.group_id, g.id);
    assert_eq!(key.name, "laptop");
    assert!(key.enabled);
    assert_eq!(key.last_used_at, None);
    assert_eq!(s.key_secret(key.id).await.unwrap().expose_secret(), text);
    assert_eq!(s.get_key(key.id).await.unwrap(), key);
    let (second, second_text) = s.create_key(key_input(g.id)).await.unwrap();
    assert_ne!(second_text.expose_secret(), text);
    assert_eq!(s.list_keys(Some(g.id)).await.unwrap(), vec![key, second]);
    assert!(matches!(
        s.key_secret(9_999_999).await,
        Err(StoreError::NotFound("key"))
    ));
}

pub async fn fixed_key_and_duplicate_refused(f: &Fixture) {
    let s = &f.store;
    let g = s.create_group("g", false).await.unwrap();
    let h = s.create_group("h", false).await.unwrap();
    let fixed = "db_sk_from_config_0123456789abcdefghijkl";
    let input = KeyInput {
        plaintext: Some(SecretString::from(fixed.to_string())),
        expires_at: Some(4_000_000_000_000),
        managed_by_config: true,
        ..key_input(g.id)
    };
    let (key, plaintext) = s.create_key(input.clone()).await.unwrap();
    assert_eq!(plaintext.expose_secret(), fixed);
    assert_eq!(key.digest, key_digest(fixed));
    assert_eq!(key.expires_at, Some(4_000_000_000_000));
    assert!(key.managed_by_config);
    assert_eq!(s.key_secret(key.id).await.unwrap().expose_secret(), fixed);
    // The same plaintext again, even in another group: refused without echoing it.
    match s
        .create_key(KeyInput {
            group_id: h.id,
            ..input
        })
        .await
    {
        Err(StoreError::Conflict(m)) => assert!(!m.contains(fixed), "{m}"),
        other => panic!("expected conflict, got {other:?}"),
    }
    assert!(s.list_keys(Some(h.id)).await.unwrap().is_empty());
    assert!(matches!(
        s.create_key(key_input(h.id + 1000)).await,
        Err(StoreError::NotFound("group"))
    ));
    let blank = KeyInput {
        plaintext: Some(SecretString::from(" ".to_string())),
        ..key_input(g.id)
    };
    assert!(matches!(
        s.create_key(blank).await,
        Err(StoreError::Invalid(_))
    ));
}

pub async fn key_patch_and_delete(f: &Fixture) {
    let s = &f.store;
    let g = s.create_group("g", false).await.unwrap();
    let (key, _) = s.create_key(key_input(g.id)).await.unwrap();
    let unchanged = s.update_key(key.id, KeyPatch::default()).await.unwrap();
    assert_eq!(unchanged, key);
    let patched = s
        .update_key(
            key.id,
            KeyPatch {
                name: Some("ci".into()),
                enabled: Some(false),
                expires_at: Some(Some(123)),
            },
        )
        .await
        .unwrap();
    assert_eq!(patched.name, "ci");
    assert!(!patched.enabled);
    assert_eq!(patched.expires_at, Some(123));
    assert_eq!(patched.digest, key.digest);
    let only_name = s
        .update_key(
            key.id,
            KeyPatch {
                name: Some("ci2".into()),
                ..KeyPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(only_name.expires_at, Some(123));
    assert!(!only_name.enabled);
    let cleared = s
        .update_key(
            key.id,
            KeyPatch {
                expires_at: Some(None),
                ..KeyPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(cleared.expires_at, None);
    assert_eq!(cleared.name, "ci2");
    assert!(matches!(
        s.update_key(key.id + 1000, KeyPatch::default()).await,
        Err(StoreError::NotFound("key"))
    ));
    s.delete_key(key.id).await.unwrap();
    assert!(matches!(
        s.get_key(key.id).await,
        Err(StoreError::NotFound("key"))
    ));
    assert!(matches!(
        s.delete_key(key.id).await,
        Err(StoreError::NotFound("key"))
    ));
}

pub async fn touch_keys_only_moves_forward(f: &Fixture) {
    let s = &f.store;
    let g = s.create_group("g", false).await.unwrap();
    let (a, _) = s.create_key(key_input(g.id)).await.unwrap();
    let (b, _) = s.create_key(key_input(g.id)).await.unwrap();
    s.touch_keys(&[]).await.unwrap();
    // Unknown ids (a key deleted since) are ignored.
    s.touch_keys(&[(a.id, 1_000), (b.id, 2_000), (b.id + 1000, 5)])
        .await
        .unwrap();
    assert_eq!(s.get_key(a.id).await.unwrap().last_used_at, Some(1_000));
    assert_eq!(s.get_key(b.id).await.unwrap().last_used_at, Some(2_000));
    s.touch_keys(&[(a.id, 500), (b.id, 3_000)]).await.unwrap();
    assert_eq!(s.get_key(a.id).await.unwrap().last_used_at, Some(1_000));
    assert_eq!(s.get_key(b.id).await.unwrap().last_used_at, Some(3_000));
}
