//! Calling upstream providers: one pooled HTTP client per timeout profile,
//! the upstream URL and headers for each protocol, typed transport errors,
//! and per-provider health (circuit breaker) used by failover.

pub mod breaker;
mod client;
mod error;
mod headers;
mod url;

pub use client::{BodyStream, UpstreamClient, UpstreamRequest, UpstreamResponse};
pub use error::{TimeoutKind, UpstreamError};
pub use headers::{forwardable, HeaderPolicy};
pub use url::{endpoint_url, Endpoint};
