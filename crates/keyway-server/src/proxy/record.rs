//! The log row and metrics of one request, filled in as the request moves
//! through the pipeline and sent exactly once when it ends.

use std::time::{Duration, Instant};

use keyway_protocol::Usage;
use keyway_store::RequestLog;

use crate::error::ClientProtocol;
use crate::metrics::Observation;
use crate::state::AppState;

pub struct Record {
    pub log: RequestLog,
    pub started: Instant,
    pub group_name: String,
    /// Time spent waiting on upstreams, for the overhead metric.
    pub upstream_wait: Duration,
    /// Kept after `finish` hands the row to the log writer.
    pub final_upstream_status: Option<i32>,
    pub final_provider: Option<String>,
    sent: bool,
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Record {
    pub fn new(request_id: String, client: ClientProtocol, endpoint: &str) -> Self {
        Record {
            log: RequestLog {
                ts: now_ms(),
                request_id,
                attempt: 1,
                client_protocol: client.as_str().to_owned(),
                endpoint: endpoint.to_owned(),
                ..RequestLog::default()
            },
            started: Instant::now(),
            group_name: String::new(),
            upstream_wait: Duration::ZERO,
            final_upstream_status: None,
            final_provider: None,
            sent: false,
        }
    }

    pub fn set_usage(&mut self, u: &Usage) {
        self.log.input_tokens = u.input_tokens;
        self.log.output_tokens = u.output_tokens;
        self.log.cache_read_tokens = u.cache_read_tokens;
        self.log.cache_creation_tokens = u.cache_creation_tokens;
    }

    pub fn mark_first_byte(&mut self) {
        if self.log.ttfb_ms.is_none() {
            self.log.ttfb_ms = Some(self.started.elapsed().as_millis() as i64);
        }
    }

    /// A failed attempt before the one that answered: logged as its own row.
    pub fn attempt_failed(
        &mut self,
        state: &AppState,
        upstream_status: Option<i32>,
        error: String,
    ) {
        let mut row = self.log.clone();
        row.status = 0;
        row.upstream_status = upstream_status;
        row.upstream_error = Some(error);
        row.latency_ms = self.started.elapsed().as_millis() as i64;
        state.logs.send(row);
        self.log.attempt += 1;
        self.log.upstream_status = None;
        self.log.upstream_error = None;
    }

    /// Answers a failed request in the client's protocol and records it.
    pub fn fail(
        &mut self,
        state: &AppState,
        err: crate::error::ApiError,
        client: ClientProtocol,
    ) -> axum::response::Response {
        if self.log.error.is_none() {
            self.log.error = Some(err.to_string());
        }
        let resp = err.into_response_for(client);
        self.finish(state, resp.status().as_u16());
        resp
    }

    /// Sends the row and the metrics. Later calls do nothing.
    pub fn finish(&mut self, state: &AppState, status: u16) {
        if self.sent {
            return;
        }
        self.sent = true;
        let elapsed = self.started.elapsed();
        self.log.status = i32::from(status);
        self.log.latency_ms = elapsed.as_millis() as i64;
        let overhead = (!self.upstream_wait.is_zero())
            .then(|| elapsed.saturating_sub(self.upstream_wait).as_secs_f64());
        state.metrics.observe(Observation {
            group: &self.group_name,
            route: self.log.alias.as_deref().unwrap_or(""),
            provider: self.log.provider.as_deref().unwrap_or(""),
            status,
            latency_s: elapsed.as_secs_f64(),
            overhead_s: overhead,
            input_tokens: self.log.input_tokens.unwrap_or(0).max(0) as u64,
            output_tokens: self.log.output_tokens.unwrap_or(0).max(0) as u64,
        });
        if self.log.client_disconnected {
            state.metrics.client_disconnected();
        }
        tracing::info!(
            request_id = %self.log.request_id,
            endpoint = %self.log.endpoint,
            alias = self.log.alias.as_deref().unwrap_or("-"),
            provider = self.log.provider.as_deref().unwrap_or("-"),
            status,
            upstream_status = self.log.upstream_status.unwrap_or(0),
            latency_ms = self.log.latency_ms,
            stream = self.log.stream,
            disconnected = self.log.client_disconnected,
            "request"
        );
        self.final_upstream_status = self.log.upstream_status;
        self.final_provider = self.log.provider.clone();
        state.logs.send(std::mem::take(&mut self.log));
    }
}
