//! Relaying a stream: upstream chunks are parsed into SSE events as they
//! arrive and written to the client after each upstream chunk — never
//! buffered whole. Usage is picked out of the events on the way. A stream
//! that breaks, stalls past the idle timeout, or ends without its terminal
//! event is closed with the client protocol's error event, never cut
//! silently. If the client goes away, dropping the relay drops the upstream
//! connection (cancelling it) and logs the request as disconnected.

use std::convert::Infallible;
use std::time::Instant;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{header, HeaderValue, StatusCode};
use keyway_protocol::sse::{write_event, SseEvent, SseParser};
use keyway_protocol::{anthropic, openai, Usage};
use keyway_upstream::UpstreamResponse;
use memchr::memmem;

use super::passthrough_headers;
use super::plan::Flavor;
use super::prepare::BridgeCtx;
use super::record::Record;
use crate::error::ClientProtocol;
use crate::state::SharedState;

enum Mode {
    OpenAiPass { hide_usage_chunk: bool },
    AnthropicPass,
    AnthropicToOpenAi(Box<keyway_bridge::a2o::Stream>),
    OpenAiToAnthropic(Box<keyway_bridge::o2a::Stream>),
}

struct Relay {
    state: SharedState,
    rec: Record,
    upstream: keyway_upstream::BodyStream,
    first: Option<Bytes>,
    parser: SseParser,
    mode: Mode,
    usage: Usage,
    out: Vec<u8>,
    /// The upstream sent its terminal event (`[DONE]` / `message_stop`).
    terminal_seen: bool,
    done: bool,
}

#[allow(clippy::too_many_arguments)]
pub fn start(
    state: SharedState,
    rec: Record,
    resp: UpstreamResponse,
    first: Bytes,
    flavor: Flavor,
    ctx: BridgeCtx,
    client: ClientProtocol,
    client_has_stream_options: bool,
) -> Response {
    let mode = match (flavor, ctx) {
        (Flavor::AnthropicToOpenAi, BridgeCtx::AnthropicToOpenAi(c)) => {
            Mode::AnthropicToOpenAi(Box::new(keyway_bridge::a2o::Stream::new(c)))
        }
        (Flavor::OpenAiToAnthropic, BridgeCtx::OpenAiToAnthropic(c)) => {
            Mode::OpenAiToAnthropic(Box::new(keyway_bridge::o2a::Stream::new(c)))
        }
        _ => match client {
            ClientProtocol::OpenAi => Mode::OpenAiPass {
                hide_usage_chunk: !client_has_stream_options,
            },
            ClientProtocol::Anthropic => Mode::AnthropicPass,
        },
    };
    let upstream_headers = resp.headers;
    let relay = Relay {
        state,
        rec,
        upstream: resp.body,
        first: Some(first),
        parser: SseParser::default(),
        mode,
        usage: Usage::default(),
        out: Vec::with_capacity(4096),
        terminal_seen: false,
        done: false,
    };
    let stream = futures_util::stream::unfold(relay, |mut r| async move {
        let chunk = r.next().await?;
        Some((Ok::<Bytes, Infallible>(chunk), r))
    });
    let mut resp = (StatusCode::OK, Body::from_stream(stream)).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    passthrough_headers(&upstream_headers, h);
    resp
}

impl Relay {
    /// The next bytes for the client, `None` once the stream is over.
    async fn next(&mut self) -> Option<Bytes> {
        loop {
            if self.done {
                return None;
            }
            let chunk = match self.first.take() {
                Some(c) => Ok(Some(c)),
                None => {
                    let t = Instant::now();
                    let r = self.upstream.next_chunk().await;
                    self.rec.upstream_wait += t.elapsed();
                    r
                }
            };
            match chunk {
                Ok(Some(bytes)) => {
                    self.parser.push(&bytes);
                    while let Some(ev) = self.parser.next_event() {
                        self.on_event(&ev);
                    }
                }
                Ok(None) => {
                    if let Some(ev) = self.parser.finish() {
                        self.on_event(&ev);
                    }
                    if let Mode::AnthropicToOpenAi(s) = &self.mode {
                        // A finish_reason arrived: EOF without `[DONE]` lost nothing.
                        self.terminal_seen |= s.upstream_finished();
                    }
                    if !self.terminal_seen {
                        self.fail("api_error", "upstream closed the stream before it finished");
                    }
                    self.complete();
                }
                Err(e) => {
                    let kind = match e {
                        keyway_upstream::UpstreamError::Timeout { .. } => "timeout_error",
                        _ => "api_error",
                    };
                    self.fail(kind, &format!("upstream error: {e}"));
                    self.complete();
                }
            }
            if !self.out.is_empty() {
                self.rec.mark_first_byte();
                return Some(Bytes::from(std::mem::take(&mut self.out)));
            }
        }
    }

    fn on_event(&mut self, ev: &SseEvent) {
        match &mut self.mode {
            Mode::OpenAiPass { hide_usage_chunk } => {
                let data = ev.data.as_bytes();
                if ev.data == "[DONE]" {
                    self.terminal_seen = true;
                } else {
                    if memmem::find(data, b"\"usage\"").is_some()
                        || memmem::find(data, b"\"error\"").is_some()
                    {
                        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
                            if let Some(err) = v.get("error") {
                                self.rec.log.upstream_error = Some(err.to_string());
                                self.terminal_seen = true;
                            }
                            if v.get("usage").is_some_and(|u| !u.is_null()) {
                                self.usage.merge(&openai::usage_from_body(&v));
                                let usage_only = v
                                    .get("choices")
                                    .and_then(|c| c.as_array())
                                    .is_some_and(|c| c.is_empty());
                                if usage_only && *hide_usage_chunk {
                                    return;
                                }
                            }
                        }
                    }
                }
                write_event(&mut self.out, None, data);
            }
            Mode::AnthropicPass => {
                let name = ev.event.as_deref();
                match name {
                    Some("message_start") | Some("message_delta") => {
                        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&ev.data) {
                            self.usage.merge(&anthropic::usage_from_event(&v));
                        }
                    }
                    Some("message_stop") => self.terminal_seen = true,
                    Some("error") => {
                        self.rec.log.upstream_error = Some(ev.data.clone());
                        self.terminal_seen = true;
                    }
                    _ => {}
                }
                write_event(&mut self.out, name, ev.data.as_bytes());
            }
            Mode::AnthropicToOpenAi(s) => {
                if ev.data == "[DONE]" {
                    self.terminal_seen = true;
                    s.finish(&mut self.out);
                } else {
                    if memmem::find(ev.data.as_bytes(), b"\"error\"").is_some() {
                        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&ev.data) {
                            if let Some(err) = v.get("error") {
                                self.rec.log.upstream_error = Some(err.to_string());
                                self.terminal_seen = true;
                            }
                        }
                    }
                    s.push(ev, &mut self.out);
                }
            }
            Mode::OpenAiToAnthropic(s) => {
                match ev.event.as_deref() {
                    Some("message_stop") => self.terminal_seen = true,
                    Some("error") => {
                        self.rec.log.upstream_error = Some(ev.data.clone());
                        self.terminal_seen = true;
                    }
                    _ => {}
                }
                s.push(ev, &mut self.out);
            }
        }
    }

    /// Ends the client's stream with its protocol's error event.
    fn fail(&mut self, anthropic_type: &str, message: &str) {
        self.rec
            .log
            .upstream_error
            .get_or_insert_with(|| message.to_owned());
        self.rec.log.error = Some(message.to_owned());
        match &mut self.mode {
            Mode::OpenAiPass { .. } => self.out.extend_from_slice(&openai::stream_error_chunk(
                message,
                "server_error",
                Some("upstream_stream_error"),
            )),
            Mode::AnthropicPass => self
                .out
                .extend_from_slice(&anthropic::stream_error_event(anthropic_type, message)),
            Mode::AnthropicToOpenAi(s) => s.fail(anthropic_type, message, &mut self.out),
            Mode::OpenAiToAnthropic(s) => s.fail(anthropic_type, message, &mut self.out),
        }
    }

    fn complete(&mut self) {
        if self.done {
            return;
        }
        self.done = true;
        if let Mode::AnthropicToOpenAi(s) = &mut self.mode {
            s.finish(&mut self.out);
            self.usage.merge(&s.usage());
        }
        if let Mode::OpenAiToAnthropic(s) = &mut self.mode {
            s.finish(&mut self.out);
            self.usage.merge(&s.usage());
        }
        let usage = self.usage.clone();
        self.rec.set_usage(&usage);
        self.rec.finish(&self.state, 200);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        if !self.done {
            // The client went away mid-stream; dropping `upstream` closes the upstream connection.
            self.rec.log.client_disconnected = true;
            self.rec.log.error = Some("client disconnected before the stream ended".into());
            let usage = self.usage.clone();
            self.rec.set_usage(&usage);
            self.rec.finish(&self.state, 499);
        }
    }
}
