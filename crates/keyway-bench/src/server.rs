//! A server under test running as a child process: pinned to a core with
//! `taskset` when there is one, its output kept for error reports, stopped
//! with SIGTERM (then killed) when dropped.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub struct Server {
    pub addr: SocketAddr,
    pub pid: u32,
    child: Child,
    output: Arc<Mutex<Vec<String>>>,
    /// Config, data and log files; removed when the server is.
    pub _dir: Option<tempfile::TempDir>,
}

pub fn have(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| is_executable(&d.join(program))))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A free loopback port (bound, then released for the child to take).
pub fn free_port() -> anyhow::Result<SocketAddr> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(l.local_addr()?)
}

/// The command, behind `taskset -c CORE` when pinning is on.
pub fn command(program: &Path, core: Option<usize>) -> Command {
    match core {
        Some(c) => {
            let mut cmd = Command::new("taskset");
            cmd.arg("-c").arg(c.to_string()).arg(program);
            cmd
        }
        None => Command::new(program),
    }
}

impl Server {
    /// Spawns `cmd` and waits until `ready` finds the listening address in
    /// its output, or (if `ready` returns None for every line) until `probe`
    /// accepts TCP connections.
    pub async fn spawn(
        mut cmd: Command,
        ready: impl Fn(&str) -> Option<SocketAddr>,
        probe: Option<SocketAddr>,
        wait: Duration,
    ) -> anyhow::Result<Server> {
        cmd.stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(Stdio::null())
            // Its own process group, so wrappers (npx, uvicorn) go down with it.
            .process_group(0)
            .kill_on_drop(true);
        let mut child = cmd.spawn().with_context(|| format!("starting {cmd:?}"))?;
        let pid = child.id().context("child has no pid")?;
        let output = Arc::new(Mutex::new(Vec::new()));
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        let pipes: [Option<Box<dyn tokio::io::AsyncRead + Unpin + Send>>; 2] = [
            child.stdout.take().map(|p| Box::new(p) as _),
            child.stderr.take().map(|p| Box::new(p) as _),
        ];
        for pipe in pipes.into_iter().flatten() {
            let output = output.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(pipe).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Ok(mut o) = output.lock() {
                        // Keep the start and the most recent lines only.
                        if o.len() > 400 {
                            o.drain(100..200);
                        }
                        o.push(line.clone());
                    }
                    let _ = tx.send(line);
                }
            });
        }
        drop(tx);
        let until = Instant::now() + wait;
        let mut addr = None;
        while addr.is_none() && Instant::now() < until {
            if let Some(p) = probe {
                if tokio::net::TcpStream::connect(p).await.is_ok() {
                    addr = Some(p);
                    break;
                }
            }
            if let Ok(Some(status)) = child.try_wait() {
                tokio::time::sleep(Duration::from_millis(100)).await;
                bail!("exited with {status} before listening:\n{}", tail(&output));
            }
            match tokio::time::timeout(Duration::from_millis(100), rx.recv()).await {
                Ok(Some(line)) => addr = ready(&line),
                Ok(None) => tokio::time::sleep(Duration::from_millis(100)).await,
                Err(_) => {}
            }
        }
        let Some(addr) = addr else {
            bail!(
                "did not start listening within {wait:?}:\n{}",
                tail(&output)
            );
        };
        Ok(Server {
            addr,
            pid,
            child,
            output,
            _dir: None,
        })
    }

    pub fn output_tail(&self) -> String {
        tail(&self.output)
    }

    /// SIGTERM, a grace period, then SIGKILL.
    pub async fn stop(mut self) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(-(self.pid as i32), libc::SIGTERM);
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the process group we created; harmless if gone.
        unsafe {
            libc::kill(-(self.pid as i32), libc::SIGKILL);
        }
    }
}

fn tail(output: &Mutex<Vec<String>>) -> String {
    output.lock().map_or_else(
        |_| String::new(),
        |o| o[o.len().saturating_sub(30)..].join("\n"),
    )
}
