//! Peer gateways, measured when installed: LiteLLM proxy, Portkey gateway
//! and the original Python Keyway. Each is configured for the same aliases
//! on the same fake upstream; absent ones are skipped with a how-to.

use crate::fake::FastFake;
use crate::run::Target;
use crate::server::Server;

pub struct Started {
    pub target: Target,
    pub server: Server,
}

pub async fn start_all(
    _fake: &FastFake,
    _core: Option<usize>,
    notes: &mut Vec<String>,
) -> Vec<Started> {
    notes.push("peers: not yet wired".into());
    Vec::new()
}
