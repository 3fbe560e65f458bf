//! Anthropic ⇄ OpenAI protocol translation: requests, responses, streams and
//! errors, with per-vendor quirks kept as data in [`VendorProfile`].
//!
//! Pure code (no I/O, no async): the server feeds bodies and SSE events in
//! and writes whatever comes out. Two directions:
//! - [`a2o`]: an Anthropic client on an OpenAI-protocol upstream;
//! - [`o2a`]: an OpenAI client on an Anthropic-protocol upstream.
//!
//! Each direction has `request` (→ upstream body + [`Ctx`]), `response`
//! (non-stream body) and `Stream` (SSE state machine). A stream is driven
//! like this; `out` only ever receives complete SSE frames:
//!
//! ```
//! use keyway_bridge::{a2o, profile_for};
//! use keyway_protocol::sse::SseParser;
//! use serde_json::json;
//!
//! let client = json!({"model": "claude-sonnet-4-5", "max_tokens": 100, "stream": true,
//!     "messages": [{"role": "user", "content": "hi"}]});
//! let (upstream_body, ctx) = a2o::request(&client, "deepseek-v4-pro", profile_for("deepseek")).unwrap();
//! assert_eq!(upstream_body["stream_options"]["include_usage"], true);
//!
//! let mut stream = a2o::Stream::new(ctx);
//! let mut parser = SseParser::new();
//! let mut out = Vec::new();
//! parser.push(b"data: {\"choices\":[{\"delta\":{\"content\":\"Hello\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
//! while let Some(ev) = parser.next_event() {
//!     stream.push(&ev, &mut out);
//! }
//! stream.finish(&mut out); // on EOF; idempotent ([DONE] already finished it)
//! let msg = keyway_bridge::validate::check_anthropic_stream(&out).unwrap();
//! assert_eq!(msg["content"][0]["text"], "Hello");
//! ```
//!
//! Usage follows [`keyway_protocol::Usage`]: `input_tokens` excludes cached
//! tokens on both sides.

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
