//! Keyway under test: a realistic config (many groups, routes and keys, the
//! measured aliases in one group in the middle), SQLite, request logging on.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;

use crate::fake::FastFake;
use crate::server::{self, Server};

pub const GROUPS: usize = 50;
pub const ROUTES_PER_GROUP: usize = 20;
pub const KEYS_PER_GROUP: usize = 10;
/// The group the benchmark's key belongs to.
const MEASURED_GROUP: usize = 25;

/// Aliases in the measured group, and the upstream models they route to.
pub struct Aliases {
    pub chat: &'static str,
    pub claude: &'static str,
    pub stream: &'static str,
    pub bridged: &'static str,
    pub slow: &'static str,
}

pub const ALIASES: Aliases = Aliases {
    chat: "bench-chat",
    claude: "bench-claude",
    stream: "bench-stream",
    bridged: "bench-bridged",
    slow: "bench-slow",
};

pub fn key(group: usize, n: usize) -> String {
    format!("db_sk_bench_g{group:02}_k{n:02}_0123456789abcdef")
}

/// The key the load generator presents.
pub fn bench_key() -> String {
    key(MEASURED_GROUP, 3)
}

/// The config: an OpenAI-protocol and an Anthropic provider on the fake,
/// `GROUPS` groups of `ROUTES_PER_GROUP` routes and `KEYS_PER_GROUP` keys.
/// `stream_model` and `slow_model` are the fake's models behind the stream
/// and long-stream aliases.
pub fn config(fake: &FastFake, stream_model: &str, slow_model: &str) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r#"[[providers]]
name = "fake-openai"
vendor = "openai"
base_url = "{}"
api_key = "sk-bench-upstream-0123456789"

[[providers]]
name = "fake-anthropic"
vendor = "anthropic"
base_url = "{}"
api_key = "sk-ant-bench-upstream-0123456789"

"#,
        fake.openai_base(),
        fake.anthropic_base()
    );
    let measured = [
        (ALIASES.chat, "fake-openai", "ok"),
        (ALIASES.claude, "fake-anthropic", "ok"),
        (ALIASES.stream, "fake-openai", stream_model),
        (ALIASES.bridged, "fake-openai", stream_model),
        (ALIASES.slow, "fake-openai", slow_model),
    ];
    for g in 0..GROUPS {
        let _ = writeln!(s, "[[groups]]\nname = \"team-{g:02}\"\n");
        let mut routes: Vec<(String, &str, String)> = (0..ROUTES_PER_GROUP)
            .map(|r| {
                let provider = if r % 2 == 0 {
                    "fake-openai"
                } else {
                    "fake-anthropic"
                };
                (
                    format!("model-{r:02}"),
                    provider,
                    format!("upstream-{r:02}"),
                )
            })
            .collect();
        if g == MEASURED_GROUP {
            // The measured aliases replace filler routes, keeping the count.
            for (i, (alias, provider, model)) in measured.iter().enumerate() {
                routes[ROUTES_PER_GROUP / 2 + i - measured.len() / 2] =
                    ((*alias).to_owned(), provider, (*model).to_owned());
            }
        }
        for (alias, provider, model) in routes {
            let _ = writeln!(
                s,
                "[[groups.routes]]\nalias = \"{alias}\"\nprovider = \"{provider}\"\nmodel = \"{model}\"\n"
            );
        }
        for k in 0..KEYS_PER_GROUP {
            let _ = writeln!(
                s,
                "[[groups.keys]]\nname = \"key-{k:02}\"\nkey = \"{}\"\n",
                key(g, k)
            );
        }
    }
    s
}

/// Builds the release binary next to this one (a no-op when up to date),
/// so the benchmark never measures a stale gateway.
pub fn build_release() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("locating the benchmark binary")?;
    let dir = exe.parent().context("benchmark binary has no directory")?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args(["build", "--release", "-p", "keyway"])
        .status()
        .context("running cargo build -p keyway")?;
    anyhow::ensure!(status.success(), "cargo build --release -p keyway failed");
    Ok(dir.join("keyway"))
}

pub async fn start(bin: &Path, config: &str, core: Option<usize>) -> anyhow::Result<Server> {
    let dir = tempfile::tempdir().context("temp dir for keyway")?;
    let config_path = dir.path().join("keyway.toml");
    std::fs::write(&config_path, config).context("writing keyway.toml")?;
    let mut cmd = server::command(bin, core);
    cmd.arg("serve")
        .arg("--listen")
        .arg("127.0.0.1:0")
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .arg("--config")
        .arg(&config_path)
        .arg("--shutdown-grace")
        .arg("2")
        .env_remove("KEYWAY_DATABASE_URL")
        .env_remove("KEYWAY_MASTER_KEY")
        .env("RUST_LOG", "warn")
        .env("NO_COLOR", "1");
    let mut server = Server::spawn(
        cmd,
        |line| {
            line.trim()
                .strip_prefix("Listening on")
                .and_then(|a| a.trim().trim_start_matches("http://").parse().ok())
        },
        None,
        Duration::from_secs(60),
    )
    .await
    .context("starting keyway")?;
    server._dir = Some(dir);
    Ok(server)
}
