//! The fast fake upstream: hyper directly, precomputed bytes, no JSON
//! parsing. The testkit's fake builds every answer with serde_json, which
//! would make the *direct* baseline measure the fake rather than the network
//! path; this one only scans the request for `"model"` and `"stream"`.
//!
//! Model names mirror the testkit's scenarios: `ok`, `bench-stream-N`
//! (N chunks, no delay), `slow-NxMS` (N chunks MS apart) and
//! `stall-first-byte-MS` (wait MS, then a normal answer).

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::{header, HeaderValue, Request, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper_util::rt::TokioIo;

use crate::shape::{parse_request, Protocol, Shape};
use crate::wire;

type Body = BoxBody<Bytes, Infallible>;

/// A running fake; dropping it stops accepting connections.
pub struct FastFake {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FastFake {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FastFake {
    /// Base URL for an OpenAI-protocol provider (`…/v1`).
    pub fn openai_base(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Base URL for an Anthropic-protocol provider.
    pub fn anthropic_base(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Whole bodies of undelayed streams, built once per (protocol, chunks).
#[derive(Default)]
struct Cache {
    streams: RwLock<HashMap<(Protocol, usize), Bytes>>,
}

impl Cache {
    fn stream(&self, proto: Protocol, chunks: usize) -> Bytes {
        if let Some(b) = self
            .streams
            .read()
            .ok()
            .and_then(|m| m.get(&(proto, chunks)).cloned())
        {
            return b;
        }
        let parts = wire::stream_parts(proto);
        let mut body = BytesMut::new();
        body.extend_from_slice(&parts.head);
        for _ in 0..chunks {
            body.extend_from_slice(&parts.delta);
        }
        body.extend_from_slice(&parts.tail);
        let body = body.freeze();
        if let Ok(mut m) = self.streams.write() {
            m.insert((proto, chunks), body.clone());
        }
        body
    }
}

pub async fn start(listen: SocketAddr) -> std::io::Result<FastFake> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let cache = Arc::new(Cache::default());
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                // Out of file descriptors or the like: back off briefly.
                tokio::time::sleep(Duration::from_millis(5)).await;
                continue;
            };
            let _ = stream.set_nodelay(true);
            let cache = cache.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req| {
                    let cache = cache.clone();
                    async move { Ok::<_, Infallible>(handle(&cache, req).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    Ok(FastFake { addr, task })
}

async fn handle(cache: &Cache, req: Request<Incoming>) -> Response<Body> {
    let proto = if req.uri().path().ends_with("/messages") {
        Protocol::Anthropic
    } else if req.uri().path().ends_with("/chat/completions") {
        Protocol::OpenAi
    } else {
        return reply(
            StatusCode::NOT_FOUND,
            "application/json",
            Bytes::from_static(b"{}"),
        );
    };
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return reply(StatusCode::BAD_REQUEST, "application/json", Bytes::new()),
    };
    let parsed = parse_request(&body);
    if !parsed.shape.first_byte.is_zero() {
        tokio::time::sleep(parsed.shape.first_byte).await;
    }
    if !parsed.stream {
        return reply(StatusCode::OK, "application/json", wire::non_stream(proto));
    }
    let Shape { chunks, delay, .. } = parsed.shape;
    if delay.is_zero() {
        // One frame, but without a length: streams go out chunked, as vendors send them.
        let frame = Ok::<_, Infallible>(Frame::data(cache.stream(proto, chunks)));
        let body = StreamBody::new(futures_util::stream::iter([frame]));
        return sse_response(BodyExt::boxed(body));
    }
    paced(proto, chunks, delay)
}

fn reply(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Body> {
    let mut r = Response::new(Full::new(body).boxed());
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// A stream whose content chunks arrive `delay` apart (head at once).
fn paced(proto: Protocol, chunks: usize, delay: Duration) -> Response<Body> {
    let parts = wire::stream_parts(proto);
    let steps = std::iter::once((Duration::ZERO, parts.head))
        .chain((0..chunks).map(move |_| (delay, parts.delta.clone())))
        .chain(std::iter::once((Duration::ZERO, parts.tail)));
    let stream = futures_util::stream::unfold(steps, |mut steps| async move {
        let (wait, bytes) = steps.next()?;
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        Some((Ok::<_, Infallible>(Frame::data(bytes)), steps))
    });
    sse_response(BodyExt::boxed(StreamBody::new(stream)))
}

fn sse_response(body: Body) -> Response<Body> {
    let mut r = Response::new(body);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{once, Template};
    use http::Method;

    fn req(path: &str, body: &str) -> Template {
        Template {
            path: path.into(),
            headers: Vec::new(),
            body: Bytes::from(body.to_owned()),
        }
    }

    #[tokio::test]
    async fn answers_both_protocols_in_their_wire_format() {
        let fake = start("127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("fake");
        let get = |path: &'static str, body: &'static str| {
            let addr = fake.addr;
            async move {
                once(addr, Method::POST, &req(path, body))
                    .await
                    .expect("request")
            }
        };
        let (status, body) = get("/v1/chat/completions", r#"{"model":"ok"}"#).await;
        assert_eq!(status, 200);
        assert!(body.starts_with(br#"{"id":"chatcmpl-bench","object":"chat.completion""#));

        let (_, body) = get(
            "/v1/chat/completions",
            r#"{"model":"bench-stream-3","stream":true}"#,
        )
        .await;
        let text = String::from_utf8_lossy(&body);
        assert_eq!(text.matches(r#""content":"tok ""#).count(), 3);
        assert!(text.ends_with("data: [DONE]\n\n"));

        let (_, body) = get(
            "/v1/messages",
            r#"{"model":"bench-stream-4","stream":true}"#,
        )
        .await;
        let text = String::from_utf8_lossy(&body);
        assert!(text.starts_with("event: message_start\n"));
        assert_eq!(text.matches("event: content_block_delta").count(), 4);
        assert!(text.ends_with("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));

        let (status, _) = get("/v1/embeddings", "{}").await;
        assert_eq!(status, 404);
    }

    #[tokio::test]
    async fn paced_streams_take_their_time() {
        let fake = start("127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("fake");
        let t0 = std::time::Instant::now();
        let (status, body) = once(
            fake.addr,
            Method::POST,
            &req(
                "/v1/chat/completions",
                r#"{"model":"slow-3x40","stream":true}"#,
            ),
        )
        .await
        .expect("request");
        assert_eq!(status, 200);
        assert!(
            t0.elapsed() >= Duration::from_millis(120),
            "{:?}",
            t0.elapsed()
        );
        assert_eq!(String::from_utf8_lossy(&body).matches("tok ").count(), 3);
    }
}
