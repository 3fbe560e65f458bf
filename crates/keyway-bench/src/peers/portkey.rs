//! Portkey gateway (npm `@portkey-ai/gateway`), installed under
//! bench/peers/node_modules; routed per request with its provider and
//! custom-host headers, the fake's own model names in the body.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use super::{header, peers_dir, Started};
use crate::fake::FastFake;
use crate::run::Target;
use crate::scenario::{Models, Scenario};
use crate::server::{self, Server};

pub const HOW_TO_INSTALL: &str = "portkey: not installed, skipped (install: `npm install --prefix bench/peers @portkey-ai/gateway`; needs `node`).";

fn script() -> Option<PathBuf> {
    let s = peers_dir().join("node_modules/@portkey-ai/gateway/build/start-server.js");
    (s.exists() && server::have("node")).then_some(s)
}

pub async fn start(
    fake: &FastFake,
    chunks: usize,
    core: Option<usize>,
) -> anyhow::Result<Option<Started>> {
    let Some(script) = script() else {
        return Ok(None);
    };
    let addr = server::free_port()?;
    let mut cmd = server::command(std::path::Path::new("node"), core);
    cmd.arg(&script)
        .arg(format!("--port={}", addr.port()))
        .arg("--headless")
        .env("NODE_ENV", "production");
    let srv = Server::spawn(cmd, |_| None, Some(addr), Duration::from_secs(60))
        .await
        .context("portkey")?;
    let mut target = Target::new(
        "portkey",
        srv.addr,
        Some(srv.pid),
        Models::upstream(chunks),
        Some("sk-bench-upstream".into()),
    );
    let openai_host = fake.openai_base();
    for s in Scenario::ALL {
        let provider = if s == Scenario::Messages {
            "anthropic"
        } else {
            "openai"
        };
        target
            .headers
            .extend(header(s, "x-portkey-provider", provider));
        target
            .headers
            .extend(header(s, "x-portkey-custom-host", &openai_host));
    }
    Ok(Some(Started {
        target,
        server: srv,
    }))
}
