//! Wire-level building blocks shared by every layer that speaks the OpenAI or
//! Anthropic protocol: SSE framing, token usage, error envelopes.
//!
//! Pure code: no I/O, no async runtime, so it can be unit-tested and fuzzed
//! in isolation.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod anthropic;
pub mod openai;
pub mod sse;
mod usage;

pub use usage::Usage;
