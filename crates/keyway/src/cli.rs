//! Command line: `keyway [serve]`, `keyway check --config FILE`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "keyway",
    version,
    about = "Keyway: an LLM API routing gateway (OpenAI and Anthropic protocols, any provider)",
    long_about = None,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of `serve`, accepted without the subcommand too.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway (the default).
    Serve(ServeArgs),
    /// Validate a config file and exit.
    Check {
        /// TOML config file to validate.
        #[arg(long, short, env = "KEYWAY_CONFIG")]
        config: PathBuf,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "KEYWAY_LISTEN", default_value = "127.0.0.1:9233")]
    pub listen: SocketAddr,
    /// Data directory (SQLite database and master.key).
    #[arg(long, env = "KEYWAY_DATA_DIR", default_value = "./keyway-data")]
    pub data_dir: PathBuf,
    /// Database URL: `sqlite:PATH` or `postgres://…` (default: SQLite in the data directory).
    #[arg(long, env = "KEYWAY_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Declarative TOML config applied at start and on SIGHUP.
    #[arg(long, short, env = "KEYWAY_CONFIG")]
    pub config: Option<PathBuf>,
    /// Seconds to let in-flight requests and streams finish on shutdown.
    #[arg(long, env = "KEYWAY_SHUTDOWN_GRACE", default_value_t = 30)]
    pub shutdown_grace: u64,
    /// Largest accepted request body, in bytes (after decompression).
    #[arg(long, env = "KEYWAY_MAX_BODY_BYTES", default_value_t = 32 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Candidates an auto-select route tries per request at most.
    #[arg(long, env = "KEYWAY_MAX_ATTEMPTS", default_value_t = 3)]
    pub max_attempts: usize,
    /// Seconds into a request after which no new failover attempt starts.
    #[arg(long, env = "KEYWAY_FAILOVER_DEADLINE", default_value_t = 60)]
    pub failover_deadline: u64,
    /// Consecutive failures that open a provider's circuit breaker.
    #[arg(long, env = "KEYWAY_BREAKER_THRESHOLD", default_value_t = 3)]
    pub breaker_threshold: u32,
    /// Seconds an open circuit breaker waits before a probe (half-open).
    #[arg(long, env = "KEYWAY_BREAKER_COOLDOWN", default_value_t = 60)]
    pub breaker_cooldown: u64,
    /// Log format: `text` or `json`.
    #[arg(long, env = "KEYWAY_LOG_FORMAT", default_value = "text")]
    pub log_format: String,
    /// Public base URL shown in snippets (default: http://<listen>).
    #[arg(long, env = "KEYWAY_PUBLIC_URL")]
    pub public_url: Option<String>,
}
