//! `open` itself: URL forms, directories, refusals.
#![allow(clippy::unwrap_used)]

use keyway_store::{open, MasterKey, StoreError};

#[tokio::test]
async fn sqlite_creates_missing_directories_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/keyway.db");
    let store = open(&format!("sqlite:{}", path.display()), MasterKey::generate())
        .await
        .unwrap();
    store.create_group("default", true).await.unwrap();
    store.close().await;
    assert!(path.exists());
}

#[tokio::test]
async fn sqlite_in_memory_works() {
    let store = open("sqlite::memory:", MasterKey::generate())
        .await
        .unwrap();
    let g = store.create_group("default", true).await.unwrap();
    assert_eq!(store.list_groups().await.unwrap(), vec![g]);
}

#[tokio::test]
async fn unknown_schemes_are_refused_without_echoing_credentials() {
    let err = open("mysql://root:hunter2@localhost/db", MasterKey::generate())
        .await
        .err()
        .unwrap();
    assert!(matches!(err, StoreError::UnsupportedUrl(_)));
    let text = err.to_string();
    assert!(text.contains("mysql"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

#[tokio::test]
async fn wrong_master_key_on_sqlite_file_names_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("k.db").display());
    open(&url, MasterKey::generate())
        .await
        .unwrap()
        .close()
        .await;
    let err = open(&url, MasterKey::generate()).await.err().unwrap();
    assert!(matches!(err, StoreError::WrongMasterKey));
}
