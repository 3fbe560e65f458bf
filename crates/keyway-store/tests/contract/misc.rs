//! Master key, persistence, admin users, settings, health.

use keyway_store::*;
use secrecy::ExposeSecret;

use crate::catalog::provider_input;
use crate::{Backend, Fixture};

pub async fn wrong_master_key_is_refused(f: &Fixture) {
    f.store
        .create_provider(provider_input("p", &["sk-x"]))
        .await
        .unwrap();
    match f.reopen(MasterKey::generate()).await {
        Err(e @ StoreError::WrongMasterKey) => {
            let text = e.to_string();
            assert!(text.contains("KEYWAY_MASTER_KEY"), "{text}");
            assert!(text.contains("master.key"), "{text}");
        }
        Err(other) => panic!("expected WrongMasterKey, got {other}"),
        Ok(_) => panic!("a foreign master key was accepted"),
    }
    // The right key (as base64, the way replicas share it) still works.
    let same = MasterKey::from_base64(&f.master.to_base64()).unwrap();
    let again = f.reopen(same).await.unwrap();
    let p = &again.list_providers().await.unwrap()[0];
    assert_eq!(p.api_keys[0].expose_secret(), "sk-x");
    again.close().await;
}

pub async fn data_survives_reopen(f: &Fixture) {
    let s = &f.store;
    let g = s.create_group("g", false).await.unwrap();
    let (key, plain) = s.create_key(crate::keys::key_input(g.id)).await.unwrap();
    s.set_setting("log_retention_days", "30").await.unwrap();
    if f.backend == Backend::Sqlite {
        s.close().await;
    }
    let again = f.reopen(f.master.clone()).await.unwrap();
    assert_eq!(again.get_group(g.id).await.unwrap(), g);
    assert_eq!(again.get_key(key.id).await.unwrap(), key);
    assert_eq!(
        again.key_secret(key.id).await.unwrap().expose_secret(),
        plain.expose_secret()
    );
    assert_eq!(
        again
            .get_setting("log_retention_days")
            .await
            .unwrap()
            .as_deref(),
        Some("30")
    );
    again.close().await;
}

pub async fn admin_users(f: &Fixture) {
    let s = &f.store;
    assert!(s.get_admin_user("admin").await.unwrap().is_none());
    let u = s
        .create_admin_user("admin", "$argon2id$v=19$a")
        .await
        .unwrap();
    assert_eq!(u.username, "admin");
    assert_eq!(u.password_hash, "$argon2id$v=19$a");
    match s.create_admin_user("admin", "x").await {
        Err(StoreError::Conflict(m)) => assert!(m.contains("'admin'"), "{m}"),
        other => panic!("expected conflict, got {other:?}"),
    }
    s.set_admin_password("admin", "$argon2id$v=19$b")
        .await
        .unwrap();
    let fetched = s.get_admin_user("admin").await.unwrap().unwrap();
    assert_eq!(fetched.password_hash, "$argon2id$v=19$b");
    assert_eq!(fetched.id, u.id);
    assert!(matches!(
        s.set_admin_password("nobody", "x").await,
        Err(StoreError::NotFound(_))
    ));
}

pub async fn settings(f: &Fixture) {
    let s = &f.store;
    assert_eq!(s.get_setting("retention").await.unwrap(), None);
    s.set_setting("retention", "7").await.unwrap();
    s.set_setting("retention", "14").await.unwrap();
    s.set_setting("other", "").await.unwrap();
    assert_eq!(
        s.get_setting("retention").await.unwrap().as_deref(),
        Some("14")
    );
    assert_eq!(s.get_setting("other").await.unwrap().as_deref(), Some(""));
}

pub async fn ping_size_backend(f: &Fixture) {
    let s = &f.store;
    s.ping().await.unwrap();
    let expected = match f.backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(s.backend(), expected);
    let size = s.size_bytes().await.unwrap().unwrap();
    assert!(size > 0, "{size}");
}
