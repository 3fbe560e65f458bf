//! The one place that talks HTTP to vendors: runs an adapter's `Call` with
//! the provider key and timeouts, and returns the status and whole body.

use std::time::Duration;

use bytes::BytesMut;
use futures_util::StreamExt;
use http::header::{HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use keyway_store::Timeouts;
use secrecy::{ExposeSecret, SecretString};

use crate::adapters::{Call, Reply};

/// Why no usable reply came back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecError {
    #[error("connection to {provider} failed: {detail}")]
    Connect { provider: String, detail: String },
    #[error("{provider}: {what} after {after_ms} ms")]
    Timeout {
        provider: String,
        what: &'static str,
        after_ms: u64,
    },
    #[error("{provider}: reading the response failed: {detail}")]
    Body { provider: String, detail: String },
}

pub struct Upstream<'a> {
    pub provider: &'a str,
    pub api_key: Option<&'a SecretString>,
    pub timeouts: Timeouts,
    pub max_body: usize,
}

/// Sends `call`. The head must arrive within connect + first-byte timeouts;
/// each body chunk within the idle timeout.
pub async fn run(
    http: &reqwest::Client,
    up: &Upstream<'_>,
    call: &Call,
) -> Result<Reply, ExecError> {
    let resp = send(http, up, call).await?;
    let status = resp.status().as_u16();
    let body = read_body(resp, up).await?;
    Ok(Reply { status, body })
}

/// Sends `call` and returns the response head, for streaming bodies through.
pub async fn send(
    http: &reqwest::Client,
    up: &Upstream<'_>,
    call: &Call,
) -> Result<reqwest::Response, ExecError> {
    let mut rb = http.request(call.method.clone(), &call.url);
    if let Some(key) = up.api_key {
        let value = format!("Bearer {}", key.expose_secret());
        if let Ok(mut v) = HeaderValue::from_str(&value) {
            v.set_sensitive(true);
            rb = rb.header(AUTHORIZATION, v);
        }
    }
    for (name, value) in &call.headers {
        rb = rb.header(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    if let Some(body) = &call.body {
        rb = rb
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string());
    }
    let head_ms = up.timeouts.connect_ms + up.timeouts.first_byte_ms;
    match tokio::time::timeout(Duration::from_millis(head_ms), rb.send()).await {
        Err(_) => Err(ExecError::Timeout {
            provider: up.provider.to_string(),
            what: "first-byte timeout",
            after_ms: head_ms,
        }),
        Ok(Err(e)) => Err(ExecError::Connect {
            provider: up.provider.to_string(),
            detail: chain(&e),
        }),
        Ok(Ok(r)) => Ok(r),
    }
}

async fn read_body(resp: reqwest::Response, up: &Upstream<'_>) -> Result<bytes::Bytes, ExecError> {
    let idle = Duration::from_millis(up.timeouts.idle_ms);
    let mut stream = resp.bytes_stream();
    let mut buf = BytesMut::new();
    loop {
        let next = tokio::time::timeout(idle, stream.next())
            .await
            .map_err(|_| ExecError::Timeout {
                provider: up.provider.to_string(),
                what: "idle timeout",
                after_ms: up.timeouts.idle_ms,
            })?;
        match next {
            None => return Ok(buf.freeze()),
            Some(Err(e)) => {
                return Err(ExecError::Body {
                    provider: up.provider.to_string(),
                    detail: chain(&e),
                })
            }
            Some(Ok(chunk)) => {
                if buf.len() + chunk.len() > up.max_body {
                    return Err(ExecError::Body {
                        provider: up.provider.to_string(),
                        detail: format!("response larger than {} bytes", up.max_body),
                    });
                }
                buf.extend_from_slice(&chunk);
            }
        }
    }
}

/// The error and its causes on one line.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cur = s.source();
    }
    out
}
