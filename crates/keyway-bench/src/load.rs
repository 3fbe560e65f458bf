//! The load generator: N keep-alive HTTP/1.1 connections (hyper, no pool),
//! either open-loop at a fixed rate with latency from the scheduled send
//! time, or closed-loop as fast as each connection can go (saturation).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, Request};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

use crate::hist::{scheduled_offset, Latencies};

/// One request, prepared once and cloned (cheaply) per send.
#[derive(Clone, Debug)]
pub struct Template {
    pub path: String,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Bytes,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode {
    /// Open loop: this many requests per second in total.
    Rate(f64),
    /// Closed loop: every connection sends its next request when the last ends.
    Saturate,
}

#[derive(Clone, Debug)]
pub struct Spec {
    pub mode: Mode,
    pub connections: usize,
    pub duration: Duration,
    /// Requests cycle through these (one per request, per connection).
    pub templates: Arc<Vec<Template>>,
    pub timeout: Duration,
}

#[derive(Default)]
pub struct Outcome {
    pub latency: Latencies,
    /// Time to the first body byte (streams).
    pub ttfb: Latencies,
    pub ok: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub elapsed: Duration,
}

impl Outcome {
    pub fn throughput(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.ok as f64 / secs
        } else {
            0.0
        }
    }

    fn error(&mut self, e: String) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(e);
        }
    }

    fn absorb(&mut self, other: Outcome) {
        self.latency.merge(&other.latency);
        self.ttfb.merge(&other.ttfb);
        self.ok += other.ok;
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

pub async fn run(addr: SocketAddr, spec: &Spec) -> Outcome {
    // Room for every connection to be established before the first send.
    let start = Instant::now() + Duration::from_millis(100 + spec.connections as u64 / 2);
    let total = Arc::new(Mutex::new(Outcome::default()));
    let mut tasks = Vec::with_capacity(spec.connections);
    for conn in 0..spec.connections {
        let spec = spec.clone();
        let total = total.clone();
        tasks.push(tokio::spawn(async move {
            let mine = connection(addr, &spec, conn, start).await;
            if let Ok(mut t) = total.lock() {
                t.absorb(mine);
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = start.elapsed();
    let mut out = match Arc::try_unwrap(total) {
        Ok(m) => m.into_inner().unwrap_or_default(),
        Err(_) => Outcome::default(),
    };
    out.elapsed = elapsed;
    out
}

async fn connect(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>, String> {
    let tcp = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect {addr}: {e}"))?;
    let _ = tcp.set_nodelay(true);
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

async fn connection(addr: SocketAddr, spec: &Spec, conn: usize, start: Instant) -> Outcome {
    let mut out = Outcome::default();
    let deadline = start + spec.duration;
    let host =
        HeaderValue::from_str(&addr.to_string()).unwrap_or(HeaderValue::from_static("localhost"));
    // Connect before the clock starts: set-up is not part of any request.
    let mut sender = connect(addr).await.ok();
    tokio::time::sleep_until(start.into()).await;
    let mut k: u64 = 0;
    let mut idle_since = start;
    loop {
        let due = match spec.mode {
            Mode::Rate(rate) => {
                let due = start + scheduled_offset(rate, spec.connections, conn, k);
                if due >= deadline {
                    break;
                }
                if Instant::now() >= deadline {
                    // Behind schedule at the end: what was never sent counts
                    // against the target instead of stretching the run.
                    let missed = slots(rate, spec, conn).saturating_sub(k);
                    out.errors += missed;
                    if out.first_error.is_none() {
                        out.first_error = Some(format!(
                            "{missed} requests not sent by the end (target fell behind)"
                        ));
                    }
                    break;
                }
                if idle_since <= due {
                    tokio::time::sleep_until(due.into()).await;
                    // The connection was free when the request fell due, so
                    // any lateness now is the timer's (tokio's wheel ticks in
                    // milliseconds), not the target's: measure from the send.
                    Instant::now()
                } else {
                    // Busy past the due time: the wait was queueing behind the
                    // target, and it counts (no coordinated omission).
                    due
                }
            }
            Mode::Saturate => {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                now
            }
        };
        let tpl = &spec.templates[(k as usize + conn) % spec.templates.len()];
        k += 1;
        if sender.as_ref().is_none_or(|s| s.is_closed()) {
            match connect(addr).await {
                Ok(s) => sender = Some(s),
                Err(e) => {
                    out.error(e);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            }
        }
        let Some(s) = sender.as_mut() else { continue };
        let result = tokio::time::timeout(spec.timeout, exchange(s, tpl, &host, due)).await;
        idle_since = Instant::now();
        match result {
            Ok(Ok((ttfb, total))) => {
                out.ok += 1;
                out.latency.record(total);
                out.ttfb.record(ttfb);
            }
            Ok(Err(e)) => {
                out.error(e);
                sender = None;
            }
            Err(_) => {
                out.error(format!("timeout after {:?}", spec.timeout));
                sender = None;
            }
        }
    }
    out
}

/// How many requests connection `conn` is due to send in the whole run.
fn slots(rate: f64, spec: &Spec, conn: usize) -> u64 {
    let n = (spec.duration.as_secs_f64() * rate - conn as f64) / spec.connections as f64;
    if n > 0.0 {
        n.ceil() as u64
    } else {
        0
    }
}

/// Sends one request and reads the whole answer; returns (first body byte, end),
/// both measured from `due`.
async fn exchange(
    s: &mut SendRequest<Full<Bytes>>,
    tpl: &Template,
    host: &HeaderValue,
    due: Instant,
) -> Result<(Duration, Duration), String> {
    s.ready().await.map_err(|e| format!("connection: {e}"))?;
    let mut req = Request::new(Full::new(tpl.body.clone()));
    *req.method_mut() = Method::POST;
    *req.uri_mut() = tpl.path.parse().map_err(|e| format!("path: {e}"))?;
    let h = req.headers_mut();
    h.insert(http::header::HOST, host.clone());
    h.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    for (k, v) in &tpl.headers {
        h.insert(k.clone(), v.clone());
    }
    let resp = s
        .send_request(req)
        .await
        .map_err(|e| format!("send: {e}"))?;
    let status = resp.status();
    let mut body = resp.into_body();
    let mut ttfb = None;
    let mut error_text = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| format!("body: {e}"))?;
        if let Some(d) = frame.data_ref() {
            if ttfb.is_none() && !d.is_empty() {
                ttfb = Some(due.elapsed());
            }
            if !status.is_success() && error_text.len() < 300 {
                error_text.extend_from_slice(d);
            }
        }
    }
    let total = due.elapsed();
    if !status.is_success() {
        return Err(format!(
            "HTTP {status}: {}",
            String::from_utf8_lossy(&error_text)
        ));
    }
    Ok((ttfb.unwrap_or(total), total))
}

/// One request on a fresh connection (set-up calls and probes): status and body.
pub async fn once(
    addr: SocketAddr,
    method: Method,
    tpl: &Template,
) -> Result<(u16, Bytes), String> {
    let mut s = connect(addr).await?;
    s.ready().await.map_err(|e| format!("connection: {e}"))?;
    let mut req = Request::new(Full::new(tpl.body.clone()));
    *req.method_mut() = method;
    *req.uri_mut() = tpl.path.parse().map_err(|e| format!("path: {e}"))?;
    let h = req.headers_mut();
    h.insert(http::header::HOST, HeaderValue::from_static("127.0.0.1"));
    h.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    for (k, v) in &tpl.headers {
        h.insert(k.clone(), v.clone());
    }
    let resp = tokio::time::timeout(Duration::from_secs(30), s.send_request(req))
        .await
        .map_err(|_| "timeout".to_owned())?
        .map_err(|e| format!("send: {e}"))?;
    let status = resp.status().as_u16();
    let body = tokio::time::timeout(Duration::from_secs(30), resp.into_body().collect())
        .await
        .map_err(|_| "timeout reading body".to_owned())?
        .map_err(|e| format!("body: {e}"))?
        .to_bytes();
    Ok((status, body))
}
