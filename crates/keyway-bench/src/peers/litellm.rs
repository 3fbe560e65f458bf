//! LiteLLM proxy (PyPI `litellm[proxy]`): one worker, a `model_list` with
//! the benchmark's aliases on the fake, no database.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use super::{header, peers_dir, Started};
use crate::fake::FastFake;
use crate::keyway::ALIASES;
use crate::run::Target;
use crate::scenario::{Models, Scenario};
use crate::server::{self, Server};

pub const HOW_TO_INSTALL: &str = "litellm: not installed, skipped (install: `python3 -m venv bench/peers/litellm && bench/peers/litellm/bin/pip install 'litellm[proxy]'`, or put `litellm` on PATH).";

const MASTER_KEY: &str = "sk-litellm-bench-master-key";

fn binary() -> Option<PathBuf> {
    let local = peers_dir().join("litellm/bin/litellm");
    if local.exists() {
        return Some(local);
    }
    server::have("litellm").then(|| PathBuf::from("litellm"))
}

pub fn config(fake: &FastFake, chunks: usize) -> String {
    let openai = |alias: &str, model: &str| {
        format!(
            "  - model_name: {alias}\n    litellm_params:\n      model: openai/{model}\n      api_base: {}\n      api_key: sk-bench-upstream\n",
            fake.openai_base()
        )
    };
    let stream = format!("bench-stream-{chunks}");
    format!(
        "model_list:\n{}{}{}  - model_name: {}\n    litellm_params:\n      model: anthropic/ok\n      api_base: {}\n      api_key: sk-ant-bench-upstream\n\
         general_settings:\n  master_key: {MASTER_KEY}\nlitellm_settings:\n  drop_params: true\n  telemetry: false\n",
        openai(ALIASES.chat, "ok"),
        openai(ALIASES.stream, &stream),
        openai(ALIASES.bridged, &stream),
        ALIASES.claude,
        fake.anthropic_base(),
    )
}

pub async fn start(
    fake: &FastFake,
    chunks: usize,
    core: Option<usize>,
) -> anyhow::Result<Option<Started>> {
    let Some(bin) = binary() else { return Ok(None) };
    let dir = tempfile::tempdir()?;
    let cfg = dir.path().join("litellm.yaml");
    std::fs::write(&cfg, config(fake, chunks))?;
    let addr = server::free_port()?;
    let mut cmd = server::command(&bin, core);
    cmd.arg("--config")
        .arg(&cfg)
        .arg("--host")
        .arg("127.0.0.1")
        .arg("--port")
        .arg(addr.port().to_string())
        .arg("--num_workers")
        .arg("1")
        .current_dir(dir.path())
        // The bundled price list, not a download.
        .env("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        .env("LITELLM_LOG", "ERROR");
    let mut srv = Server::spawn(cmd, |_| None, Some(addr), Duration::from_secs(180))
        .await
        .context("litellm")?;
    srv._dir = Some(dir);
    let models = Models {
        chat: ALIASES.chat.into(),
        messages: ALIASES.claude.into(),
        stream: ALIASES.stream.into(),
        bridged: ALIASES.bridged.into(),
    };
    let mut target = Target::new(
        "litellm",
        srv.addr,
        Some(srv.pid),
        models,
        Some(MASTER_KEY.into()),
    );
    let bearer = format!("Bearer {MASTER_KEY}");
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
