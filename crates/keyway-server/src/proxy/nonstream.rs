//! Answering a non-stream request once the upstream said 2xx: read the whole
//! body, take its usage, translate it when bridged, and reply.

use std::time::Instant;

use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use keyway_protocol::{anthropic, openai, Usage};
use keyway_upstream::UpstreamResponse;
use serde_json::Value;

use super::prepare::BridgeCtx;
use super::record::Record;
use super::upstream_error::from_transport;
use super::{json_response, passthrough_headers, to_bytes};
use crate::error::{ApiError, ClientProtocol};
use crate::state::AppState;

pub async fn answer(
    state: &AppState,
    resp: UpstreamResponse,
    ctx: BridgeCtx,
    client: ClientProtocol,
    rec: &mut Record,
    sent_at: Instant,
) -> Result<Response, ApiError> {
    let provider = rec.log.provider.clone().unwrap_or_default();
    let headers = resp.headers;
    let body = match resp
        .body
        .collect(state.limits.max_upstream_body_bytes)
        .await
    {
        Ok(b) => b,
        Err(e) => {
            rec.upstream_wait += sent_at.elapsed();
            rec.log.upstream_error = Some(e.to_string());
            return Err(from_transport(&e));
        }
    };
    rec.upstream_wait += sent_at.elapsed();
    // Pass-through answers are relayed as they are: only the fields Keyway
    // reads (usage, error markers) are materialized, not the whole tree.
    let bridged = !matches!(ctx, BridgeCtx::None);
    let parsed: Result<Value, serde_json::Error> = if bridged {
        serde_json::from_slice(&body)
    } else {
        serde_json::from_slice::<Summary<'_>>(&body).map(Summary::into_value)
    };
    let parsed = parsed.map_err(|e| {
        let snippet = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
        rec.log.upstream_error = Some(format!("response is not JSON ({e}): {snippet}"));
        ApiError::UpstreamFailed {
            provider: provider.clone(),
            status: "200".into(),
            message: format!("the response body is not JSON: {snippet}"),
        }
    })?;
    // MiniMax (and some proxies) report failures inside an HTTP 200.
    if let Some(message) = openai::embedded_error(&parsed) {
        rec.log.upstream_error = Some(message.clone());
        return Err(ApiError::UpstreamFailed {
            provider,
            status: "200 with an error body".into(),
            message,
        });
    }
    let (out, usage): (Bytes, Usage) = match ctx {
        BridgeCtx::None => {
            let usage = match client {
                ClientProtocol::OpenAi => openai::usage_from_body(&parsed),
                ClientProtocol::Anthropic => anthropic::usage_from_event(&parsed),
            };
            (body, usage)
        }
        BridgeCtx::AnthropicToOpenAi(ctx) => {
            let usage = openai::usage_from_body(&parsed);
            (
                to_bytes(&keyway_bridge::a2o::response(&parsed, &ctx))?,
                usage,
            )
        }
        BridgeCtx::OpenAiToAnthropic(ctx) => {
            let usage = anthropic::usage_from_event(&parsed);
            (
                to_bytes(&keyway_bridge::o2a::response(&parsed, &ctx))?,
                usage,
            )
        }
    };
    rec.set_usage(&usage);
    rec.mark_first_byte();
    let mut r = json_response(StatusCode::OK, out);
    passthrough_headers(&headers, r.headers_mut());
    rec.finish(state, 200);
    Ok(r)
}

/// The top-level fields of a pass-through body that Keyway looks at.
#[derive(serde::Deserialize)]
struct Summary<'a> {
    #[serde(borrow)]
    usage: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow)]
    error: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow)]
    base_resp: Option<&'a serde_json::value::RawValue>,
}

impl Summary<'_> {
    fn into_value(self) -> Value {
        let mut m = serde_json::Map::new();
        for (k, raw) in [
            ("usage", self.usage),
            ("error", self.error),
            ("base_resp", self.base_resp),
        ] {
            if let Some(v) = raw.and_then(|r| serde_json::from_str::<Value>(r.get()).ok()) {
                m.insert(k.to_owned(), v);
            }
        }
        Value::Object(m)
    }
}
