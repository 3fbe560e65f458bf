//! Behaviours picked by the upstream model name the fake receives.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scenario {
    /// A normal answer ("Hello from the fake upstream.").
    Ok,
    /// `status-429`: that status with the vendor's error body (429/503 carry `retry-after: 7`).
    Status(u16),
    /// `garbage`: 200 with a body that is not JSON (or a stream of junk lines).
    Garbage,
    /// `die-mid-stream`: two chunks, then the connection breaks.
    DieMidStream,
    /// `error-mid-stream`: a chunk, then the vendor's in-stream error event.
    ErrorMidStream,
    /// `stall-first-byte-MS`: sleep MS before answering at all.
    StallFirstByte(Duration),
    /// `stall-mid-stream-MS`: one chunk, then silence for MS.
    StallMidStream(Duration),
    /// `slow-NxMS`: N content chunks, MS apart.
    Slow { chunks: usize, delay: Duration },
    /// `reasoning`: reasoning/thinking first, then text.
    Reasoning,
    /// `tools`: first turn calls the `Bash` tool; once a tool result comes back, answers with it.
    Tools,
    /// `reasoning-tools`: like `tools` with reasoning, and (as DeepSeek) rejects a
    /// tool-call turn whose `reasoning_content` was not sent back.
    ReasoningTools,
    /// `minimax-think`: reasoning inline as `<think>…</think>` in the content.
    MinimaxThink,
    /// `usage-in-finish-chunk`: usage in the same chunk as finish_reason, then trailing metadata chunks.
    UsageInFinishChunk,
    /// `no-count-tokens` (Anthropic): count_tokens answers 404.
    NoCountTokens,
    /// `embedded-error`: HTTP 200 whose body is an error (MiniMax `base_resp`).
    EmbeddedError,
    /// `bench-stream-N`: N content chunks, precomputed, no delay.
    BenchStream(usize),
}

impl Scenario {
    pub fn from_model(model: &str) -> Scenario {
        let num = |s: &str| s.parse::<u64>().ok();
        if let Some(code) = model.strip_prefix("status-").and_then(num) {
            return Scenario::Status(code as u16);
        }
        if let Some(ms) = model.strip_prefix("stall-first-byte-").and_then(num) {
            return Scenario::StallFirstByte(Duration::from_millis(ms));
        }
        if let Some(ms) = model.strip_prefix("stall-mid-stream-").and_then(num) {
            return Scenario::StallMidStream(Duration::from_millis(ms));
        }
        if let Some(spec) = model.strip_prefix("slow-") {
            if let Some((n, ms)) = spec.split_once('x') {
                if let (Some(n), Some(ms)) = (num(n), num(ms)) {
                    return Scenario::Slow {
                        chunks: n as usize,
                        delay: Duration::from_millis(ms),
                    };
                }
            }
        }
        if let Some(n) = model.strip_prefix("bench-stream-").and_then(num) {
            return Scenario::BenchStream(n as usize);
        }
        match model {
            "garbage" => Scenario::Garbage,
            "die-mid-stream" => Scenario::DieMidStream,
            "error-mid-stream" => Scenario::ErrorMidStream,
            "reasoning" => Scenario::Reasoning,
            "tools" => Scenario::Tools,
            "reasoning-tools" => Scenario::ReasoningTools,
            "minimax-think" => Scenario::MinimaxThink,
            "usage-in-finish-chunk" => Scenario::UsageInFinishChunk,
            "no-count-tokens" => Scenario::NoCountTokens,
            "embedded-error" => Scenario::EmbeddedError,
            _ => Scenario::Ok,
        }
    }
}

pub const TEXT: &str = "Hello from the fake upstream.";
pub const TOOL_COMMAND: &str = "echo keyway-tool-ok";
