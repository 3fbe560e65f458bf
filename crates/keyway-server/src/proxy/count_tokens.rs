//! `POST /v1/messages/count_tokens`: forwarded to the first Anthropic-protocol
//! candidate; counted locally when there is none or it lacks the endpoint
//! (404/405), as Claude Code expects a number either way.

use axum::response::Response;
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use keyway_store::Protocol;

use super::plan::Flavor;
use super::prepare::{prepare, Inbound, Operation};
use super::record::Record;
use super::upstream_error::{from_status, from_transport};
use super::{json_response, passthrough_headers};
use crate::body::Probe;
use crate::error::{ApiError, ClientProtocol};
use crate::snapshot::CandidateEntry;
use crate::state::SharedState;
use crate::tokens;

pub async fn answer(
    state: &SharedState,
    headers: &HeaderMap,
    raw: &Bytes,
    probe: &Probe,
    candidates: Vec<(CandidateEntry, Flavor)>,
    rec: &mut Record,
) -> Result<Response, ApiError> {
    let mut parsed = None;
    if let Some((cand, _)) = candidates
        .iter()
        .find(|(c, _)| c.provider.protocol == Protocol::Anthropic)
    {
        rec.log.provider = Some(cand.provider.name.clone());
        rec.log.upstream_model = Some(cand.model.clone());
        let mut inbound = Inbound {
            client: ClientProtocol::Anthropic,
            op: Operation::CountTokens,
            headers,
            raw,
            probe,
            parsed: &mut parsed,
        };
        let (req, _, _) = prepare(&mut inbound, cand, Flavor::Passthrough)?;
        let sent = std::time::Instant::now();
        let resp = state.upstream.send(req).await;
        match resp {
            Err(e) => {
                rec.upstream_wait += sent.elapsed();
                rec.log.upstream_error = Some(e.to_string());
                return Err(from_transport(&e));
            }
            Ok(resp) => {
                let status = resp.status;
                rec.log.upstream_status = Some(i32::from(status.as_u16()));
                let upstream_headers = resp.headers.clone();
                let body = resp.body.collect(1 << 20).await;
                rec.upstream_wait += sent.elapsed();
                let body = body.map_err(|e| {
                    rec.log.upstream_error = Some(e.to_string());
                    from_transport(&e)
                })?;
                if status.is_success() {
                    let mut r = json_response(StatusCode::OK, body);
                    passthrough_headers(&upstream_headers, r.headers_mut());
                    rec.finish(state, 200);
                    return Ok(r);
                }
                let message = keyway_protocol::openai::extract_error_message(&body);
                if status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED {
                    rec.log.upstream_error = Some(message.clone());
                    return Err(from_status(&cand.provider.name, status, message, None));
                }
                // The upstream has no count_tokens: count here.
                rec.log.upstream_error = Some(format!("{status}: {message} (counted locally)"));
            }
        }
    }
    let value: serde_json::Value = serde_json::from_slice(raw)
        .map_err(|e| ApiError::BadRequest(format!("request body is not valid JSON: {e}")))?;
    let n = tokens::count(&value).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    rec.finish(state, 200);
    Ok(json_response(
        StatusCode::OK,
        Bytes::from(format!("{{\"input_tokens\":{n}}}")),
    ))
}
