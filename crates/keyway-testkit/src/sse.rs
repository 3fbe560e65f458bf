//! A scripted SSE body: bytes, pauses, and an abrupt end. Counts streams the
//! reader abandoned (to prove Keyway cancels upstream calls).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::Shared;

pub enum Step {
    Send(Bytes),
    Sleep(Duration),
    /// Break the connection without finishing the body.
    Die,
}

struct Script {
    steps: std::vec::IntoIter<Step>,
    shared: Arc<Shared>,
    finished: bool,
}

impl Script {
    fn mark_finished(&mut self) {
        self.finished = true;
    }
}

impl Drop for Script {
    fn drop(&mut self) {
        let counter = if self.finished {
            &self.shared.finished_streams
        } else {
            &self.shared.cancelled_streams
        };
        counter.fetch_add(1, Ordering::SeqCst);
    }
}

pub fn data(json: &serde_json::Value) -> Step {
    Step::Send(Bytes::from(format!("data: {json}\n\n")))
}

pub fn event(name: &str, json: &serde_json::Value) -> Step {
    Step::Send(Bytes::from(format!("event: {name}\ndata: {json}\n\n")))
}

pub fn response(shared: Arc<Shared>, steps: Vec<Step>) -> Response {
    let script = Script {
        steps: steps.into_iter(),
        shared,
        finished: false,
    };
    let stream = futures_util::stream::unfold(script, |mut s| async move {
        loop {
            match s.steps.next() {
                None => {
                    s.mark_finished();
                    return None;
                }
                Some(Step::Sleep(d)) => tokio::time::sleep(d).await,
                Some(Step::Send(b)) => return Some((Ok::<Bytes, std::io::Error>(b), s)),
                Some(Step::Die) => {
                    // Broken on purpose: not a cancellation by the reader.
                    s.mark_finished();
                    return Some((
                        Err(std::io::Error::other(
                            "fake upstream: connection broken on purpose",
                        )),
                        s,
                    ));
                }
            }
        }
    });
    let mut r = (StatusCode::OK, Body::from_stream(stream)).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    r
}

pub fn json(status: StatusCode, v: &serde_json::Value) -> Response {
    let mut r = (status, v.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if status.as_u16() == 429 || status.as_u16() == 503 || status.as_u16() == 529 {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("7"));
    }
    r
}
