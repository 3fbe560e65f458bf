//! After real use, no byte of the data directory reveals a secret: not the
//! upstream keys, not the self-issued keys, in plain text or base64.
#![allow(clippy::unwrap_used)]

use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine;
use keyway_store::*;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

fn random_hex() -> String {
    format!(
        "{:016x}{:016x}",
        rand::rngs::OsRng.next_u64(),
        rand::rngs::OsRng.next_u64()
    )
}

/// Every byte of every file under `dir`.
fn read_all(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(read_all(&path));
        } else {
            files.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    files
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The secret and its encodings, minus any base64 padding.
fn forms(secret: &str) -> Vec<String> {
    let mut forms = vec![
        secret.to_owned(),
        STANDARD_NO_PAD.encode(secret),
        URL_SAFE_NO_PAD.encode(secret),
    ];
    // The random part of a `db_sk_` key on its own.
    if let Some(rest) = secret.strip_prefix("db_sk_") {
        forms.push(rest.to_owned());
    }
    forms
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let (master, created) = MasterKey::load_or_create(&dir.path().join("master.key")).unwrap();
    assert!(created);
    let url = format!("sqlite:{}", dir.path().join("keyway.db").display());
    let store = open(&url, master).await.unwrap();

    let mut secrets: Vec<String> = Vec::new();
    let provider_keys: Vec<String> = (0..3)
        .map(|_| format!("sk-LEAKCHECK-{}", random_hex()))
        .collect();
    secrets.extend(provider_keys.iter().cloned());
    let provider = store
        .create_provider(ProviderInput {
            name: "upstream".into(),
            vendor: "openai".into(),
            protocol: Protocol::Openai,
            base_url: "http://127.0.0.1:1/v1".into(),
            auth_style: AuthStyle::Bearer,
            api_keys: Some(
                provider_keys[..2]
                    .iter()
                    .map(|k| SecretString::from(k.clone()))
                    .collect(),
            ),
            enabled: true,
            timeouts: Timeouts::default(),
            managed_by_config: false,
        })
        .await
        .unwrap();
    // Rotating the pool must not leave the old keys behind in freed pages either.
    let mut rotate = ProviderInput {
        name: provider.name.clone(),
        vendor: provider.vendor.clone(),
        protocol: provider.protocol,
        base_url: provider.base_url.clone(),
        auth_style: provider.auth_style,
        api_keys: Some(vec![SecretString::from(provider_keys[2].clone())]),
        enabled: true,
        timeouts: provider.timeouts,
        managed_by_config: false,
    };
    store
        .update_provider(provider.id, rotate.clone())
        .await
        .unwrap();
    rotate.api_keys = None;
    store.update_provider(provider.id, rotate).await.unwrap();

    let group = store.create_group("default", false).await.unwrap();
    for i in 0..5 {
        let fixed =
            (i == 0).then(|| SecretString::from(format!("db_sk_LEAKCHECK{}", random_hex())));
        let (key, plaintext) = store
            .create_key(KeyInput {
                group_id: group.id,
                name: format!("k{i}"),
                plaintext: fixed,
                enabled: true,
                expires_at: None,
                managed_by_config: i == 0,
            })
            .await
            .unwrap();
        let again = store.key_secret(key.id).await.unwrap();
        assert_eq!(again.expose_secret(), plaintext.expose_secret());
        secrets.push(plaintext.expose_secret().to_owned());
    }
    // A value stored in the clear, to prove the scan does read the data.
    let control = format!("CONTROL-{}", random_hex());
    store.set_setting("control", &control).await.unwrap();
    store.close().await;
    drop(store);

    let files = read_all(dir.path());
    assert!(files.iter().any(|(name, _)| name.ends_with("keyway.db")));
    assert!(
        files
            .iter()
            .any(|(_, bytes)| contains(bytes, control.as_bytes())),
        "the scan must find a value stored in the clear"
    );
    for (name, bytes) in &files {
        for secret in &secrets {
            for form in forms(secret) {
                assert!(
                    !contains(bytes, form.as_bytes()),
                    "{name} contains a secret"
                );
            }
        }
    }
}
