//! One attempt at one candidate, and whether its failure may fail over.
//! Failover is only possible until the client has seen a byte: upstream
//! connection errors, timeouts, 429 and 5xx, a stream whose first chunk
//! never comes, and a 2xx body that turns out to be an error. Any other 4xx
//! is the client's problem and goes straight back.

use std::time::{Duration, Instant};

use axum::response::Response;
use keyway_upstream::UpstreamError;

use super::plan::Flavor;
use super::prepare::{prepare, Inbound};
use super::record::{now_ms, Record};
use super::upstream_error::{from_status, from_transport};
use super::{nonstream, relay};
use crate::error::ApiError;
use crate::snapshot::CandidateEntry;
use crate::state::SharedState;

pub enum Outcome {
    /// The response for the client (success, or a failure not worth retrying).
    Done(Response),
    /// Failed before the client saw anything; another candidate may succeed.
    Retryable {
        upstream_status: Option<i32>,
        /// The upstream's own words, for the log.
        error: String,
        /// What the client gets if no candidate is left.
        api: ApiError,
    },
}

/// Runs one attempt. `Err` is a failure that must not fail over (a 4xx from
/// the upstream, a request the bridge cannot translate).
pub async fn attempt(
    state: &SharedState,
    inbound: &mut Inbound<'_>,
    cand: &CandidateEntry,
    flavor: Flavor,
    rec: &mut Record,
) -> Result<Outcome, ApiError> {
    let provider = &cand.provider;
    let (req, ctx, key_index) = prepare(inbound, cand, flavor)?;
    let first_byte = Duration::from_millis(provider.timeouts.first_byte_ms);
    let sent_at = Instant::now();
    let sent = state.upstream.send(req).await;
    let mut resp = match sent {
        Ok(r) => r,
        Err(e) => {
            rec.upstream_wait += sent_at.elapsed();
            return Ok(transport_failure(state, cand, None, e));
        }
    };
    let status = resp.status;
    rec.log.upstream_status = Some(i32::from(status.as_u16()));

    if !status.is_success() {
        let body = resp.body.collect(1 << 20).await.unwrap_or_default();
        rec.upstream_wait += sent_at.elapsed();
        let message = keyway_protocol::openai::extract_error_message(&body);
        let code = status.as_u16();
        if matches!(code, 401 | 402 | 429) {
            if let Some(i) = key_index {
                // This key was refused; the pool's other keys take over for a while.
                provider.cool_down_key(i, now_ms());
            }
        }
        let retry_after = resp.headers.get(http::header::RETRY_AFTER).cloned();
        let api = from_status(&provider.name, status, message.clone(), retry_after);
        if code == 429 || status.is_server_error() {
            state
                .breakers
                .record_failure(provider.id, format!("{status}: {message}"), now_ms());
            return Ok(Outcome::Retryable {
                upstream_status: Some(i32::from(code)),
                error: message,
                api,
            });
        }
        rec.log.upstream_error = Some(message);
        return Err(api);
    }

    if inbound.probe.stream {
        // Peek the first chunk inside the first-byte budget: until the client
        // has seen a byte, a silent or broken upstream can still fail over.
        let left = first_byte
            .saturating_sub(sent_at.elapsed())
            .max(Duration::from_millis(1));
        let first = resp.body.next_within(left).await;
        rec.upstream_wait += sent_at.elapsed();
        return Ok(match first {
            Ok(Some(chunk)) => {
                state.breakers.record_success(provider.id);
                let client = inbound.client;
                let taken = std::mem::replace(rec, Record::new(String::new(), client, ""));
                Outcome::Done(relay::start(
                    state.clone(),
                    taken,
                    resp,
                    chunk,
                    flavor,
                    ctx,
                    client,
                    inbound.probe.has_stream_options,
                ))
            }
            Ok(None) => transport_failure(
                state,
                cand,
                Some(i32::from(status.as_u16())),
                UpstreamError::Body {
                    provider: provider.name.clone(),
                    detail: "the stream ended before any data".into(),
                },
            ),
            Err(e) => transport_failure(state, cand, Some(i32::from(status.as_u16())), e),
        });
    }

    match nonstream::answer(state, resp, ctx, inbound.client, rec, sent_at).await {
        Ok(r) => {
            state.breakers.record_success(provider.id);
            Ok(Outcome::Done(r))
        }
        Err(api @ (ApiError::Internal | ApiError::BadRequest(_))) => Err(api),
        Err(api) => {
            state
                .breakers
                .record_failure(provider.id, api.to_string(), now_ms());
            let error = rec
                .log
                .upstream_error
                .take()
                .unwrap_or_else(|| api.to_string());
            Ok(Outcome::Retryable {
                upstream_status: rec.log.upstream_status,
                error,
                api,
            })
        }
    }
}

fn transport_failure(
    state: &SharedState,
    cand: &CandidateEntry,
    upstream_status: Option<i32>,
    e: UpstreamError,
) -> Outcome {
    state
        .breakers
        .record_failure(cand.provider.id, e.to_string(), now_ms());
    Outcome::Retryable {
        upstream_status,
        error: e.to_string(),
        api: from_transport(&e),
    }
}
