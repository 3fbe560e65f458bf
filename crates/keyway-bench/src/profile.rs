//! `--callgrind N`: Keyway under `valgrind --tool=callgrind`, N requests
//! per scenario, instructions per request and the hottest functions. The
//! warm-up is not collected; each scenario is its own dump.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::load::{self, Mode, Spec};
use crate::run::Target;
use crate::scenario::Scenario;
use crate::server::{self, Server};

pub async fn start(bin: &Path, config: &str, dir: &Path) -> anyhow::Result<Server> {
    anyhow::ensure!(
        server::have("valgrind"),
        "valgrind not found (apt-get install valgrind)"
    );
    let config_path = dir.join("keyway.toml");
    std::fs::write(&config_path, config)?;
    let mut cmd = tokio::process::Command::new("valgrind");
    cmd.arg("--tool=callgrind")
        .arg("--instr-atstart=no")
        .arg(format!(
            "--callgrind-out-file={}",
            dir.join("cg.out").display()
        ))
        .arg(bin)
        .arg("serve")
        .arg("--listen")
        .arg("127.0.0.1:0")
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--config")
        .arg(&config_path)
        .env_remove("KEYWAY_DATABASE_URL")
        .env("RUST_LOG", "warn");
    Server::spawn(
        cmd,
        |line| {
            line.trim()
                .strip_prefix("Listening on")
                .and_then(|a| a.trim().trim_start_matches("http://").parse().ok())
        },
        None,
        Duration::from_secs(300),
    )
    .await
    .context("starting keyway under callgrind")
}

fn control(pid: u32, arg: &str) -> anyhow::Result<()> {
    let st = std::process::Command::new("callgrind_control")
        .arg(arg)
        .arg(pid.to_string())
        .stdout(std::process::Stdio::null())
        .status()
        .context("callgrind_control")?;
    anyhow::ensure!(st.success(), "callgrind_control {arg} failed");
    Ok(())
}

/// The newest dump file in `dir`.
fn newest_dump(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("cg.out"))
        .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok())
        .map(|e| e.path())
}

/// The event total from `callgrind_annotate`'s "PROGRAM TOTALS" line.
pub fn total_instructions(annotated: &str) -> Option<u64> {
    let line = annotated.lines().find(|l| l.contains("PROGRAM TOTALS"))?;
    line.split_whitespace()
        .next()?
        .replace(',', "")
        .parse()
        .ok()
}

/// (total instructions, the `top` functions by exclusive instructions, or
/// by inclusive ones among Keyway's own crates; every function line).
fn annotate(dump: &Path, top: usize, inclusive: bool) -> (u64, String, String) {
    let out = std::process::Command::new("callgrind_annotate")
        .arg(format!(
            "--inclusive={}",
            if inclusive { "yes" } else { "no" }
        ))
        .arg(dump)
        .output();
    let text = out
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let lines: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("file:function"))
        .skip(2)
        .filter(|l| !inclusive || l.contains("keyway_"))
        .take(top)
        .collect();
    let total = total_instructions(&text).unwrap_or(0);
    (total, lines.join("\n"), text)
}

pub async fn run(target: &Target, n: u64, dir: &Path) -> anyhow::Result<String> {
    let pid = target.pid.context("keyway pid")?;
    let mut report =
        String::from("| scenario | requests | instructions / request |\n|---|---:|---:|\n");
    let mut details = String::new();
    for s in Scenario::ALL {
        let spec = |count: u64| Spec {
            mode: Mode::Rate(count as f64 / 20.0),
            connections: 4,
            duration: Duration::from_secs(20),
            templates: Arc::new(vec![target.template(s)]),
            timeout: Duration::from_secs(30),
        };
        let warm = load::run(target.addr, &spec(100)).await;
        anyhow::ensure!(
            warm.ok > 0,
            "{}: warm-up failed: {:?}",
            s.title(),
            warm.first_error
        );
        control(pid, "-i=on")?;
        let out = load::run(target.addr, &spec(n)).await;
        // Let the batched request-log writer flush what these requests queued.
        tokio::time::sleep(Duration::from_secs(2)).await;
        control(pid, "-i=off")?;
        control(pid, "-d")?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let dump = newest_dump(dir).context("no callgrind dump")?;
        let (total, hottest, all) = annotate(&dump, 30, false);
        let (_, ours, _) = annotate(&dump, 25, true);
        let parts = by_component(&all);
        let per = total / out.ok.max(1);
        eprintln!(
            "{}: {} requests, {per} instructions each",
            s.title(),
            out.ok
        );
        let _ = writeln!(report, "| {} | {} | {per} |", s.title(), out.ok);
        let _ = writeln!(
            details,
            "\n### {}\n\nInstructions per request by component: {}\n\nExclusive, all code:\n\n```\n{hottest}\n```\n\nInclusive, Keyway's crates:\n\n```\n{ours}\n```",
            s.title(),
            parts
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(name, n)| format!("{name} {}", n / out.ok.max(1)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(format!(
        "{report}\nHottest functions (exclusive instructions over the whole dump):\n{details}"
    ))
}

/// Where the instructions went: each exclusive line of the annotation,
/// summed by the first component its source path names.
pub fn by_component(annotated: &str) -> Vec<(&'static str, u64)> {
    const PARTS: [(&str, &[&str]); 10] = [
        ("SQLite+sqlx", &["sqlite3.c", "sqlx"]),
        ("malloc", &["malloc", "alloc::"]),
        ("mem*", &["memmove", "memcpy", "memset", "memcmp", "memchr"]),
        ("serde_json", &["serde_json"]),
        ("hyper", &["hyper"]),
        ("reqwest", &["reqwest"]),
        ("tokio", &["tokio"]),
        ("sha2", &["sha2"]),
        ("keyway", &["keyway-", "keyway_"]),
        ("kernel/libc other", &["libc.so", "ld-linux"]),
    ];
    let mut sums: Vec<(&'static str, u64)> = PARTS.iter().map(|(n, _)| (*n, 0)).collect();
    sums.push(("other", 0));
    // Only the function table: after its header, up to the first blank line.
    let table = annotated
        .lines()
        .skip_while(|l| !l.contains("file:function"))
        .skip(1)
        .skip_while(|l| l.trim().is_empty() || l.starts_with('-'))
        .take_while(|l| !l.trim().is_empty());
    for line in table {
        let t = line.trim_start();
        let Some((count, rest)) = t.split_once(' ') else {
            continue;
        };
        let Ok(n) = count.replace(',', "").parse::<u64>() else {
            continue;
        };
        if !rest.contains(':') || rest.contains("PROGRAM TOTALS") {
            continue;
        }
        let idx = PARTS
            .iter()
            .position(|(_, keys)| keys.iter().any(|k| rest.contains(k)))
            .unwrap_or(PARTS.len());
        sums[idx].1 += n;
    }
    sums
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_total() {
        let annotated = "Ir\n--\n417,123,456 (100.0%)  PROGRAM TOTALS\n";
        assert_eq!(total_instructions(annotated), Some(417_123_456));
        assert_eq!(total_instructions("Ir\n"), None);
    }

    #[test]
    fn sums_by_component() {
        let a = "417,000 (100.0%)  PROGRAM TOTALS\n\n\
                 Ir  file:function\n\
                 --------------------------------\n\
                 100 ( 5.00%)  ./malloc/./malloc/malloc.c:_int_free [/lib/libc.so.6]\n\
                 50 ( 1.00%)  /r/libsqlite3-sys/sqlite3/sqlite3.c:walChecksumBytes [/k]\n\
                 7 ( 0.10%)  /w/crates/keyway-server/src/auth.rs:keyway_server::auth::lookup [/k]\n\
                 3 ( 0.01%)  ???:0x000123 [/k]\n\
                 \n\
                 999 ( 9.99%)  fn x() { malloc:1 }\n";
        let parts = by_component(a);
        let get = |n| parts.iter().find(|(p, _)| *p == n).map(|(_, v)| *v);
        assert_eq!(get("malloc"), Some(100));
        assert_eq!(get("SQLite+sqlx"), Some(50));
        assert_eq!(get("keyway"), Some(7));
        assert_eq!(get("other"), Some(3));
    }
}
