use std::fmt;

/// Which of a provider's timeouts fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutKind {
    Connect,
    FirstByte,
    Idle,
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutKind::Connect => "connect timeout",
            TimeoutKind::FirstByte => "first-byte timeout",
            TimeoutKind::Idle => "idle timeout",
        })
    }
}

/// A failure to get a usable answer from an upstream. Statuses the upstream
/// chose (4xx/5xx) are not errors here; they arrive as responses.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    #[error("connection to {provider} failed: {detail}")]
    Connect { provider: String, detail: String },
    #[error("{provider}: {kind} after {after_ms} ms")]
    Timeout {
        provider: String,
        kind: TimeoutKind,
        after_ms: u64,
    },
    #[error("{provider}: reading the response failed: {detail}")]
    Body { provider: String, detail: String },
}

impl UpstreamError {
    /// Failures that say nothing about the request, so another candidate may succeed.
    pub fn is_retryable(&self) -> bool {
        true
    }
}
