//! Upstream failures as the client sees them (product.md §2, the upstream rows).

use http::{HeaderValue, StatusCode};
use keyway_upstream::UpstreamError;

use crate::error::ApiError;

pub fn from_status(
    provider: &str,
    status: StatusCode,
    message: String,
    retry_after: Option<HeaderValue>,
) -> ApiError {
    let provider = provider.to_owned();
    match status.as_u16() {
        400 | 413 | 422 => ApiError::UpstreamRejected {
            status,
            provider,
            message,
        },
        429 => ApiError::UpstreamRateLimited {
            provider,
            message,
            retry_after,
        },
        503 | 529 => ApiError::UpstreamOverloaded {
            provider,
            message,
            retry_after,
        },
        s => ApiError::UpstreamFailed {
            provider,
            status: s.to_string(),
            message,
        },
    }
}

pub fn from_transport(e: &UpstreamError) -> ApiError {
    match e {
        UpstreamError::Connect { provider, detail } => ApiError::UpstreamFailed {
            provider: provider.clone(),
            status: "no response".into(),
            message: detail.clone(),
        },
        UpstreamError::Timeout {
            provider,
            kind,
            after_ms,
        } => ApiError::UpstreamTimeout {
            provider: provider.clone(),
            detail: format!("{kind} of {after_ms} ms"),
        },
        UpstreamError::Body { provider, detail } => ApiError::UpstreamFailed {
            provider: provider.clone(),
            status: "a broken response".into(),
            message: detail.clone(),
        },
    }
}
