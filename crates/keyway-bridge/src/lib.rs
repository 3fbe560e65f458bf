//! Anthropic ⇄ OpenAI protocol translation: requests, responses, streams and
//! errors, with per-vendor quirks kept as data in [`VendorProfile`].
//!
//! Pure code (no I/O, no async): the server feeds bodies and SSE events in
//! and writes whatever comes out. Two directions:
//! - [`a2o`]: an Anthropic client on an OpenAI-protocol upstream;
//! - [`o2a`]: an OpenAI client on an Anthropic-protocol upstream.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod a2o;
mod ctx;
pub mod errors;
mod ids;
pub mod o2a;
pub mod passthrough;
mod profile;
mod reasoning;
mod think_tags;
pub mod validate;

pub use ctx::Ctx;
pub use ids::{sanitize_tool_id, shorten_tool_name, SYNTHETIC_SIGNATURE_PREFIX};
pub use profile::{
    profile_for, JsonOutput, MidSystem, ReasoningEcho, ReasoningOutput, ThinkingSwitch,
    VendorProfile,
};
pub use think_tags::{Piece, ThinkSplitter};

/// Result of a tool call the history never answered (the user interrupted
/// the tool): both protocols reject a call without a result.
pub(crate) const INTERRUPTED_TOOL_RESULT: &str = "(no result: the tool call was interrupted)";

/// A client request that cannot be expressed for the upstream; the server
/// answers it with HTTP 400 in the client's protocol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct BridgeError {
    pub message: String,
}

impl BridgeError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        BridgeError {
            message: message.into(),
        }
    }
}
