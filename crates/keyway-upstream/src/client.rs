//! The pooled HTTP client. One `reqwest::Client` per connect-timeout value
//! (reqwest fixes that timeout per client); each keeps its own keep-alive
//! pool, so providers sharing a timeout share connections by host.

use std::collections::HashMap;
use std::pin::Pin;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use http::{HeaderMap, StatusCode};
use keyway_store::Timeouts;
use parking_lot::RwLock;

use crate::error::{TimeoutKind, UpstreamError};

pub struct UpstreamRequest {
    /// Provider name, for error messages and logs.
    pub provider: String,
    pub url: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub timeouts: Timeouts,
}

pub struct UpstreamResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: BodyStream,
}

type ByteStream = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// The upstream body, read chunk by chunk under the idle timeout.
pub struct BodyStream {
    provider: String,
    inner: ByteStream,
    idle: Duration,
}

impl BodyStream {
    /// The next chunk, `None` at the end. Fails when the upstream is silent
    /// for longer than `wait` or the connection breaks.
    pub async fn next_within(&mut self, wait: Duration) -> Result<Option<Bytes>, UpstreamError> {
        match tokio::time::timeout(wait, self.inner.next()).await {
            Err(_) => Err(UpstreamError::Timeout {
                provider: self.provider.clone(),
                kind: TimeoutKind::Idle,
                after_ms: wait.as_millis() as u64,
            }),
            Ok(None) => Ok(None),
            Ok(Some(Ok(b))) => Ok(Some(b)),
            Ok(Some(Err(e))) => Err(UpstreamError::Body {
                provider: self.provider.clone(),
                detail: error_chain(&e),
            }),
        }
    }

    /// The next chunk under the provider's idle timeout.
    pub async fn next_chunk(&mut self) -> Result<Option<Bytes>, UpstreamError> {
        self.next_within(self.idle).await
    }

    /// The whole body, refusing more than `limit` bytes.
    pub async fn collect(mut self, limit: usize) -> Result<Bytes, UpstreamError> {
        let mut buf = BytesMut::new();
        while let Some(chunk) = self.next_chunk().await? {
            if buf.len() + chunk.len() > limit {
                return Err(UpstreamError::Body {
                    provider: self.provider.clone(),
                    detail: format!("response larger than {limit} bytes"),
                });
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(buf.freeze())
    }
}

#[derive(Default)]
pub struct UpstreamClient {
    by_connect_timeout: RwLock<HashMap<u64, reqwest::Client>>,
}

impl UpstreamClient {
    pub fn new() -> Self {
        Self::default()
    }

    fn client_for(&self, connect_ms: u64) -> reqwest::Client {
        if let Some(c) = self.by_connect_timeout.read().get(&connect_ms) {
            return c.clone();
        }
        let built = reqwest::Client::builder()
            .connect_timeout(Duration::from_millis(connect_ms))
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(1024)
            .tcp_nodelay(true)
            // Upstreams may answer redirects for moved endpoints; a POST must not silently become a GET.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        self.by_connect_timeout
            .write()
            .entry(connect_ms)
            .or_insert(built)
            .clone()
    }

    /// Sends the request and waits for the response head within the
    /// first-byte timeout.
    pub async fn send(&self, req: UpstreamRequest) -> Result<UpstreamResponse, UpstreamError> {
        let client = self.client_for(req.timeouts.connect_ms);
        let first_byte = Duration::from_millis(req.timeouts.first_byte_ms);
        let fut = client
            .post(&req.url)
            .headers(req.headers)
            .body(req.body)
            .send();
        let resp = match tokio::time::timeout(first_byte, fut).await {
            Err(_) => {
                return Err(UpstreamError::Timeout {
                    provider: req.provider,
                    kind: TimeoutKind::FirstByte,
                    after_ms: req.timeouts.first_byte_ms,
                })
            }
            Ok(Err(e)) if e.is_timeout() => {
                return Err(UpstreamError::Timeout {
                    provider: req.provider,
                    kind: TimeoutKind::Connect,
                    after_ms: req.timeouts.connect_ms,
                })
            }
            Ok(Err(e)) => {
                return Err(UpstreamError::Connect {
                    provider: req.provider,
                    detail: error_chain(&e),
                })
            }
            Ok(Ok(r)) => r,
        };
        let mut resp = resp;
        let status = resp.status();
        let headers = std::mem::take(resp.headers_mut());
        Ok(UpstreamResponse {
            status,
            headers,
            body: BodyStream {
                provider: req.provider,
                inner: Box::pin(resp.bytes_stream()),
                idle: Duration::from_millis(req.timeouts.idle_ms),
            },
        })
    }
}

/// The error and its causes on one line ("error sending request: connection refused").
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
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
