//! Peer gateways, measured when installed: LiteLLM proxy, Portkey gateway
//! and the original Python Keyway. Each is set up for the same aliases on
//! the same fake upstream; absent ones are skipped with a how-to, and a
//! scenario a peer cannot serve (checked with one request) is left out.

mod litellm;
mod portkey;
mod pykeyway;

use std::path::PathBuf;

use http::{HeaderName, HeaderValue, Method};

use crate::fake::FastFake;
use crate::load;
use crate::run::Target;
use crate::scenario::Scenario;
use crate::server::Server;

pub struct Started {
    pub target: Target,
    pub server: Server,
}

/// Where peers are installed for the benchmark (gitignored).
pub fn peers_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../bench/peers")
}

pub fn header(
    s: Scenario,
    name: &'static str,
    value: &str,
) -> Option<(Scenario, HeaderName, HeaderValue)> {
    Some((
        s,
        HeaderName::from_static(name),
        HeaderValue::from_str(value).ok()?,
    ))
}

pub async fn start_all(
    fake: &FastFake,
    chunks: usize,
    core: Option<usize>,
    notes: &mut Vec<String>,
) -> Vec<Started> {
    let mut out = Vec::new();
    let attempts = [
        ("litellm", litellm::start(fake, chunks, core).await),
        ("portkey", portkey::start(fake, chunks, core).await),
        ("keyway-py", pykeyway::start(fake, chunks, core).await),
    ];
    for (name, attempt) in attempts {
        match attempt {
            Ok(Some(mut started)) => {
                probe(&mut started.target, &started.server, notes).await;
                if started.target.scenarios.is_empty() {
                    notes.push(format!(
                        "{name}: started but answered no scenario; left out."
                    ));
                    started.server.stop().await;
                } else {
                    out.push(started);
                }
            }
            Ok(None) => notes.push(match name {
                "litellm" => litellm::HOW_TO_INSTALL.to_owned(),
                "portkey" => portkey::HOW_TO_INSTALL.to_owned(),
                _ => pykeyway::HOW_TO_INSTALL.to_owned(),
            }),
            Err(e) => notes.push(format!(
                "{name}: installed but did not start: {}",
                first_lines(&format!("{e:#}"))
            )),
        }
    }
    out
}

fn first_lines(s: &str) -> String {
    s.lines().take(6).collect::<Vec<_>>().join(" / ")
}

/// One request per scenario; the ones that fail are left out, with a note.
async fn probe(t: &mut Target, server: &Server, notes: &mut Vec<String>) {
    let mut kept = Vec::new();
    for s in t.scenarios.clone() {
        match load::once(t.addr, Method::POST, &t.template(s)).await {
            Ok((200..=299, _)) => kept.push(s),
            Ok((status, body)) => notes.push(format!(
                "{}: {} answered HTTP {status} ({}); scenario left out.",
                t.name,
                s.title(),
                first_lines(&String::from_utf8_lossy(&body))
                    .chars()
                    .take(160)
                    .collect::<String>()
            )),
            Err(e) => notes.push(format!(
                "{}: {} failed ({e}); scenario left out.",
                t.name,
                s.title()
            )),
        }
    }
    if kept.len() < t.scenarios.len() {
        let tail = server.output_tail();
        let last: Vec<&str> = tail.lines().rev().take(3).collect();
        if !last.is_empty() {
            notes.push(format!(
                "{}: its last output lines: {}",
                t.name,
                last.into_iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .join(" / ")
                    .chars()
                    .take(400)
                    .collect::<String>()
            ));
        }
    }
    t.scenarios = kept;
}
