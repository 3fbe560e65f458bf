//! Keyway's benchmark: one run, one machine, Keyway against calling a fast
//! fake upstream directly, nginx `proxy_pass` and whichever peer gateways
//! are installed. See bench/README.md.

mod checks;
mod fake;
mod hist;
mod keyway;
mod load;
mod modes;
mod nginx;
mod peers;
mod procstat;
mod profile;
mod report;
mod run;
mod scenario;
mod server;
mod shape;
mod svg;
mod wire;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;

use crate::run::Target;
use crate::scenario::{Models, Scenario};
use crate::server::Server;

#[derive(Parser, Debug, Clone)]
#[command(about = "Keyway's overhead against the upstream, nginx and peer gateways")]
pub struct Args {
    /// Short smoke run (about a second per phase).
    #[arg(long)]
    pub quick: bool,
    /// Seconds per measured phase (default 10, or 1 with --quick).
    #[arg(long)]
    pub duration: Option<f64>,
    /// Keep-alive connections of the load generator.
    #[arg(long, default_value_t = 64)]
    pub connections: usize,
    /// Fixed request rates measured before saturation (the first one is plotted).
    #[arg(long, value_delimiter = ',', default_values_t = [500.0, 5000.0])]
    pub rates: Vec<f64>,
    /// Content chunks per measured SSE stream.
    #[arg(long, default_value_t = 10)]
    pub chunks: usize,
    /// Instead of the default run: this many concurrent long streams (a chunk every 100 ms).
    #[arg(long)]
    pub streams: Option<usize>,
    /// Length of the --streams run, in seconds.
    #[arg(long, default_value_t = 30)]
    pub streams_secs: u64,
    /// Instead of the default run: a soak of this many seconds, RSS sampled every 10 s.
    #[arg(long)]
    pub soak: Option<u64>,
    /// Request rate of the soak.
    #[arg(long, default_value_t = 1000.0)]
    pub soak_rate: f64,
    /// Instead of the default run: Keyway under callgrind, this many requests per scenario.
    #[arg(long)]
    pub callgrind: Option<u64>,
    /// The keyway binary (default: build it with cargo, next to this one).
    #[arg(long)]
    pub keyway_bin: Option<PathBuf>,
    /// Do not pin processes to cores.
    #[arg(long)]
    pub no_pin: bool,
    /// Skip peer gateways even when installed.
    #[arg(long)]
    pub no_peers: bool,
    /// Where results go (default: bench/results in the repository).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Cores for the server under test and for the load generator with the fake.
#[derive(Clone, Copy)]
pub struct Pinning {
    pub server: Option<usize>,
}

/// Online cores of the machine (not of this process's affinity mask).
fn cores() -> usize {
    // SAFETY: sysconf has no memory-safety preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    usize::try_from(n).unwrap_or(1).max(1)
}

/// Pins this process (load generator and fake) to core 1 before any
/// thread starts; returns whether pinning is on.
fn pin_self(args: &Args) -> bool {
    if args.no_pin || !server::have("taskset") || cores() < 2 {
        return false;
    }
    std::process::Command::new("taskset")
        .args(["-a", "-p", "-c", "1", &std::process::id().to_string()])
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let pinned = pin_self(&args);
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if pinned {
        rt.worker_threads(1);
    }
    let rt = rt.enable_all().build().context("tokio runtime")?;
    rt.block_on(async {
        tokio::select! {
            r = bench(args, pinned) => r,
            _ = tokio::signal::ctrl_c() => anyhow::bail!("interrupted"),
        }
    })
}

fn out_dir(args: &Args) -> PathBuf {
    args.out
        .clone()
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../bench/results"))
}

fn machine(pinned: bool) -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!(
        "{cpu}, {} cores, Linux {}; load average at start {}. {}",
        cores(),
        kernel.trim(),
        load.join(" "),
        if pinned {
            "Servers under test pinned to core 0 and the load generator with the fake upstream to core 1 (`taskset`)."
        } else {
            "Not pinned (no `taskset`, fewer than 2 cores, or --no-pin): numbers include scheduler noise."
        }
    )
}

async fn bench(args: Args, pinned: bool) -> anyhow::Result<()> {
    let pin = Pinning {
        server: pinned.then_some(0),
    };
    let bin = match &args.keyway_bin {
        Some(b) => b.clone(),
        None => keyway::build_release()?,
    };
    let fake = fake::start("127.0.0.1:0".parse()?)
        .await
        .context("starting the fake upstream")?;
    let slow_model = "slow-100x100";
    let stream_model = format!("bench-stream-{}", args.chunks);
    let config = keyway::config(&fake, &stream_model, slow_model);
    let kw_models = Models {
        chat: keyway::ALIASES.chat.into(),
        messages: keyway::ALIASES.claude.into(),
        stream: keyway::ALIASES.stream.into(),
        bridged: keyway::ALIASES.bridged.into(),
    };
    let dir = out_dir(&args);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    if let Some(n) = args.callgrind {
        let tmp = tempfile::tempdir()?;
        let kw = profile::start(&bin, &config, tmp.path()).await?;
        let t = Target::new(
            "keyway",
            kw.addr,
            Some(kw.pid),
            kw_models.clone(),
            Some(keyway::bench_key()),
        );
        let body = profile::run(&t, n, tmp.path()).await?;
        let md = format!(
            "# Keyway under callgrind\n\nBinary: `{}`. Command: `cargo run -p keyway-bench --release -- --callgrind {n}`. \
             Instruction counts (Ir) do not depend on machine load. Each scenario: 100 uncounted warm-up requests, then {n} requests \
             over 20 s from 4 connections; the counted window includes the request-log writes and idle tasks of that window.\n\n{body}",
            bin.display()
        );
        return finish(&dir, "callgrind", &md, None, Vec::new(), kw).await;
    }
    let kw = keyway::start(&bin, &config, pin.server).await?;
    // Let start-up settle (config applied, snapshot built) before measuring it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let kw_idle_rss = procstat::rss_mib(kw.pid);
    let mut notes = Vec::new();
    let mut servers: Vec<Server> = Vec::new();
    let mut targets = vec![Target::new(
        "direct",
        fake.addr,
        None,
        Models::upstream(args.chunks),
        None,
    )];
    if nginx::available() {
        let n = nginx::start(fake.addr, pin.server).await?;
        targets.push(Target::new(
            "nginx",
            n.addr,
            Some(n.pid),
            Models::upstream(args.chunks),
            None,
        ));
        servers.push(n);
    } else {
        notes.push(format!(
            "nginx: not found on PATH, skipped (install: `{}`).",
            nginx::HOW_TO_INSTALL
        ));
    }
    targets.push(Target::new(
        "keyway",
        kw.addr,
        Some(kw.pid),
        kw_models,
        Some(keyway::bench_key()),
    ));

    if let Some(n) = args.streams {
        let report = streams_mode(&args, &targets, n, slow_model).await;
        return finish(&dir, "streams", &report, None, servers, kw).await;
    }
    if let Some(secs) = args.soak {
        let t = targets
            .iter()
            .find(|t| t.name == "keyway")
            .context("keyway target")?;
        let body = modes::soak(t, args.soak_rate, args.connections, secs).await;
        let report = format!("# Keyway soak\n\n{}\n\n{body}", machine(pinned));
        return finish(&dir, "soak", &report, None, servers, kw).await;
    }

    if !args.no_peers {
        for started in peers::start_all(&fake, args.chunks, pin.server, &mut notes).await {
            targets.push(started.target);
            servers.push(started.server);
        }
    }
    let phase =
        Duration::from_secs_f64(args.duration.unwrap_or(if args.quick { 1.0 } else { 10.0 }));
    let plan = run::Plan {
        scenarios: Scenario::ALL.to_vec(),
        rates: args.rates.clone(),
        connections: args.connections,
        phase,
        warmup: if args.quick {
            Duration::from_millis(300)
        } else {
            Duration::from_secs(2)
        },
        timeout: Duration::from_secs(10),
    };
    let rows = run::run_all(&targets, &plan, |r| {
        eprintln!(
            "{:<38} {:<10} {:<12} {:>9.0} req/s  p50 {:.3} ms  p99 {:.3} ms  errors {}",
            r.scenario.title(),
            r.target,
            r.phase.label(),
            r.throughput,
            r.latency.p50,
            r.latency.p99,
            r.errors
        );
    })
    .await;
    let low = args.rates.first().copied().unwrap_or(500.0);
    let high = args.rates.get(1).copied().unwrap_or(low);
    let rest: Vec<String> = std::env::args().skip(1).collect();
    let command = if rest.is_empty() {
        "cargo run -p keyway-bench --release".to_owned()
    } else {
        format!("cargo run -p keyway-bench --release -- {}", rest.join(" "))
    };
    let mut md = format!(
        "# Keyway benchmark\n\n{}\n\nCommand: `{command}`. {} s per phase after a {:.1} s warm-up, {} connections, {} chunks per stream. \
         Keyway (`{}`): SQLite, request logging on, {} groups × {} routes × {} keys. Latency runs to the last byte, from the scheduled send time when the connection was still busy then (queueing counts: no coordinated omission), else from the actual send.\n\n",
        machine(pinned),
        phase.as_secs_f64(),
        plan.warmup.as_secs_f64(),
        args.connections,
        args.chunks,
        bin.display(),
        keyway::GROUPS,
        keyway::ROUTES_PER_GROUP,
        keyway::KEYS_PER_GROUP,
    );
    md.push_str("## Targets (issue 8, product.md §7)\n\n");
    md.push_str(&checks::markdown(&checks::evaluate(&rows, low, high)));
    md.push_str("\n## Latency at a fixed rate\n\n");
    md.push_str(&report::latency_tables(&rows));
    md.push_str(&format!(
        "## Saturation (closed loop, {} connections)\n\n",
        args.connections
    ));
    md.push_str(&report::saturation_table(&rows));
    md.push_str(&format!(
        "\nKeyway's RSS after start-up, before any request: {kw_idle_rss:.1} MiB. Peak RSS is VmHWM of the process tree, so it only grows through the run. \
         CPU per 1,000 requests is utime+stime of the server's process tree; at low rates it is dominated by waking up for each request, \
         so the saturation column is the better measure of work per request.\n"
    ));
    if !notes.is_empty() {
        md.push_str("\n## Skipped and notes\n\n");
        for n in &notes {
            md.push_str(&format!("- {n}\n"));
        }
    }
    let errors = report::errors(&rows);
    if !errors.is_empty() {
        md.push_str("\n## Errors\n\n");
        md.push_str(&errors);
        eprintln!("keyway's last output lines:\n{}", kw.output_tail());
    }
    let plot = svg::plot(
        &rows,
        run::Phase::Rate(low),
        &format!("Latency at {low} req/s, per target (lower is better)"),
    );
    let name = if args.quick { "quick" } else { "latest" };
    finish(&dir, name, &md, Some(&plot), servers, kw).await
}

async fn streams_mode(args: &Args, targets: &[Target], n: usize, slow_model: &str) -> String {
    let mut s = format!(
        "# Keyway: {n} concurrent long streams\n\n{}\n\nEach stream: 100 chunks, one every 100 ms (about 10 s); {} s of load.\n\n{}",
        machine(!args.no_pin),
        args.streams_secs,
        modes::STREAMS_HEADER
    );
    for t in targets {
        let mut t = Target::new(&t.name, t.addr, t.pid, t.models.clone(), t.key.clone());
        t.models.stream = if t.name == "keyway" {
            keyway::ALIASES.slow.into()
        } else {
            slow_model.into()
        };
        eprintln!(
            "{n} streams through {} for {} s…",
            t.name, args.streams_secs
        );
        s.push_str(&modes::streams(&t, n, args.streams_secs).await);
    }
    s
}

async fn finish(
    dir: &std::path::Path,
    name: &str,
    md: &str,
    svg: Option<&str>,
    servers: Vec<Server>,
    kw: Server,
) -> anyhow::Result<()> {
    println!("{md}");
    let md_path = dir.join(format!("{name}.md"));
    std::fs::write(&md_path, md).with_context(|| format!("writing {}", md_path.display()))?;
    if let Some(svg) = svg {
        std::fs::write(dir.join(format!("{name}.svg")), svg).context("writing the plot")?;
    }
    eprintln!("wrote {}", md_path.display());
    for s in servers {
        s.stop().await;
    }
    kw.stop().await;
    Ok(())
}
