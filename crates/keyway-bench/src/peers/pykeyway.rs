//! The original Python Keyway (PyPI `keyway-router`), set up through its
//! admin API: one group with the benchmark's aliases on the fake, one key.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method};

use super::{header, peers_dir, Started};
use crate::fake::FastFake;
use crate::keyway::ALIASES;
use crate::load::{self, Template};
use crate::run::Target;
use crate::scenario::{Models, Scenario};
use crate::server::{self, Server};

pub const HOW_TO_INSTALL: &str = "keyway-py (original Python Keyway): not installed, skipped (install: `python3 -m venv bench/peers/keyway-router && bench/peers/keyway-router/bin/pip install keyway-router`).";

const ADMIN: &str = "bench-admin-token-0123456789abcdef";

fn binary() -> Option<PathBuf> {
    let b = peers_dir().join("keyway-router/bin/keyway");
    b.exists().then_some(b)
}

async fn admin(addr: std::net::SocketAddr, path: &str, body: String) -> anyhow::Result<Bytes> {
    let tpl = Template {
        path: path.to_owned(),
        headers: vec![(
            HeaderName::from_static("x-admin-token"),
            HeaderValue::from_static(ADMIN),
        )],
        body: Bytes::from(body),
    };
    match load::once(addr, Method::POST, &tpl).await {
        Ok((200..=299, b)) => Ok(b),
        Ok((s, b)) => bail!("{path}: HTTP {s}: {}", String::from_utf8_lossy(&b)),
        Err(e) => bail!("{path}: {e}"),
    }
}

/// The `"plaintext"` string of the key-creation answer.
fn plaintext(answer: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(answer).ok()?;
    let rest = &text[text.find("\"plaintext\"")? + "\"plaintext\"".len()..];
    let rest = &rest[rest.find('"')? + 1..];
    Some(rest[..rest.find('"')?].to_owned())
}

pub async fn start(
    fake: &FastFake,
    chunks: usize,
    core: Option<usize>,
) -> anyhow::Result<Option<Started>> {
    let Some(bin) = binary() else { return Ok(None) };
    let dir = tempfile::tempdir()?;
    let addr = server::free_port()?;
    let mut cmd = server::command(&bin, core);
    cmd.current_dir(dir.path())
        .env("KEYWAY_HOST", "127.0.0.1")
        .env("KEYWAY_PORT", addr.port().to_string())
        .env("KEYWAY_ADMIN_TOKEN", ADMIN)
        .env(
            "KEYWAY_SECRET",
            "bench-secret-0123456789abcdef0123456789abcdef",
        )
        .env("KEYWAY_DATA_DIR", dir.path().join("data"))
        .env("KEYWAY_LOG_LEVEL", "warning");
    let mut srv = Server::spawn(cmd, |_| None, Some(addr), Duration::from_secs(60))
        .await
        .context("keyway-py")?;
    srv._dir = Some(dir);
    let a = srv.addr;
    admin(
        a,
        "/admin/llm/groups",
        r#"{"group_id":"bench","name":"bench"}"#.into(),
    )
    .await?;
    let providers = [
        ("fake-openai", fake.openai_base(), "openai"),
        ("fake-anthropic", fake.anthropic_base(), "anthropic"),
    ];
    for (id, base, proto) in providers {
        admin(
            a,
            "/admin/llm/groups/bench/providers",
            format!(r#"{{"provider_id":"{id}","name":"{id}","base_url":"{base}","api_key":"sk-bench-upstream","protocol":"{proto}"}}"#),
        )
        .await?;
    }
    let stream = format!("bench-stream-{chunks}");
    let routes = [
        (ALIASES.chat, "fake-openai", "ok"),
        (ALIASES.claude, "fake-anthropic", "ok"),
        (ALIASES.stream, "fake-openai", stream.as_str()),
        (ALIASES.bridged, "fake-openai", stream.as_str()),
    ];
    for (alias, provider, model) in routes {
        admin(
            a,
            "/admin/llm/groups/bench/routes",
            format!(
                r#"{{"alias":"{alias}","provider_id":"{provider}","upstream_model":"{model}"}}"#
            ),
        )
        .await?;
    }
    let answer = admin(
        a,
        "/admin/llm/groups/bench/keys",
        r#"{"name":"bench"}"#.into(),
    )
    .await?;
    let key = plaintext(&answer).context("no plaintext key in the answer")?;
    let models = Models {
        chat: ALIASES.chat.into(),
        messages: ALIASES.claude.into(),
        stream: ALIASES.stream.into(),
        bridged: ALIASES.bridged.into(),
    };
    let bearer = format!("Bearer {key}");
    let mut target = Target::new("keyway-py", a, Some(srv.pid), models, Some(key));
    // It reads keys from `Authorization` only, on both protocols.
    target.headers.extend(
        [Scenario::Messages, Scenario::Bridged]
            .into_iter()
            .filter_map(|s| header(s, "authorization", &bearer)),
    );
    Ok(Some(Started {
        target,
        server: srv,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_plaintext_key() {
        let a = br#"{"ok":true,"key":{"key_id":"k1"},"plaintext": "db_sk_abc123","plaintext_note":"x"}"#;
        assert_eq!(plaintext(a).as_deref(), Some("db_sk_abc123"));
        assert_eq!(plaintext(b"{}"), None);
    }
}
