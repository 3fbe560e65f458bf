//! Building the upstream request for one candidate: URL, headers (client
//! headers minus credentials, plus the provider's key) and body (model
//! spliced in, or the bridged translation).

use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue};
use keyway_bridge::Ctx;
use keyway_store::{AuthStyle, Protocol};
use keyway_upstream::{endpoint_url, forwardable, Endpoint, HeaderPolicy, UpstreamRequest};
use secrecy::ExposeSecret;

use super::plan::Flavor;
use super::to_bytes;
use crate::body::{self, Probe};
use crate::error::{ApiError, ClientProtocol};
use crate::snapshot::CandidateEntry;

/// What the client called, which decides the upstream operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Chat,
    Messages,
    CountTokens,
}

/// The translation context kept for the response side.
pub enum BridgeCtx {
    None,
    AnthropicToOpenAi(Ctx),
    OpenAiToAnthropic(Ctx),
}

pub struct Inbound<'a> {
    pub client: ClientProtocol,
    pub op: Operation,
    pub headers: &'a HeaderMap,
    pub raw: &'a Bytes,
    pub probe: &'a Probe,
    /// The parsed body, made once on demand (bridged attempts only).
    pub parsed: &'a mut Option<serde_json::Value>,
}

pub fn prepare(
    inbound: &mut Inbound<'_>,
    cand: &CandidateEntry,
    flavor: Flavor,
) -> Result<(UpstreamRequest, BridgeCtx, Option<usize>), ApiError> {
    let provider = &cand.provider;
    let (endpoint, body, ctx) = match flavor {
        Flavor::Passthrough => {
            let endpoint = match (inbound.op, provider.protocol) {
                (Operation::Chat, _) => Endpoint::ChatCompletions,
                (Operation::Messages, _) => Endpoint::Messages,
                (Operation::CountTokens, _) => Endpoint::CountTokens,
            };
            // Ask OpenAI-protocol upstreams for streamed usage so it can be logged;
            // the relay hides the extra chunk from clients that did not ask.
            let add_usage = inbound.client == ClientProtocol::OpenAi
                && inbound.probe.stream
                && !inbound.probe.has_stream_options;
            let profile = keyway_bridge::profile_for(&provider.vendor);
            let body = if needs_passthrough_fixes(inbound.raw, provider.protocol, profile) {
                // Rare: rewrite the parsed body (vendor role/schema limits, or synthetic thinking
                // from an earlier bridged turn that a real Anthropic upstream would reject).
                let mut v = parsed(inbound)?.clone();
                match provider.protocol {
                    Protocol::Openai => keyway_bridge::passthrough::openai_request(&mut v, profile),
                    Protocol::Anthropic => {
                        keyway_bridge::passthrough::anthropic_request(&mut v);
                    }
                }
                v["model"] = serde_json::Value::String(cand.model.clone());
                if add_usage {
                    v["stream_options"] = serde_json::json!({"include_usage": true});
                }
                to_bytes(&v)?
            } else {
                body::rewrite(inbound.raw, inbound.probe, &cand.model, add_usage)
            };
            (endpoint, body, BridgeCtx::None)
        }
        Flavor::AnthropicToOpenAi => {
            let v = parsed(inbound)?;
            let (out, ctx) = keyway_bridge::a2o::request(
                v,
                &cand.model,
                keyway_bridge::profile_for(&provider.vendor),
            )
            .map_err(|e| ApiError::BadRequest(e.message))?;
            (
                Endpoint::ChatCompletions,
                to_bytes(&out)?,
                BridgeCtx::AnthropicToOpenAi(ctx),
            )
        }
        Flavor::OpenAiToAnthropic => {
            let v = parsed(inbound)?;
            let (out, ctx) = keyway_bridge::o2a::request(
                v,
                &cand.model,
                keyway_bridge::profile_for(&provider.vendor),
            )
            .map_err(|e| ApiError::BadRequest(e.message))?;
            (
                Endpoint::Messages,
                to_bytes(&out)?,
                BridgeCtx::OpenAiToAnthropic(ctx),
            )
        }
    };

    let policy = if flavor == Flavor::Passthrough {
        HeaderPolicy::Passthrough
    } else {
        HeaderPolicy::Bridged
    };
    let mut headers = HeaderMap::with_capacity(inbound.headers.len() + 2);
    for (name, value) in inbound.headers {
        if forwardable(name, policy) {
            headers.append(name.clone(), value.clone());
        }
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let mut key_index = None;
    if let Some((index, key)) = provider.pick_key(super::now_ms()) {
        key_index = Some(index);
        let (name, value) = match provider.auth_style {
            AuthStyle::Bearer => (
                header::AUTHORIZATION,
                format!("Bearer {}", key.expose_secret()),
            ),
            AuthStyle::XApiKey => (
                header::HeaderName::from_static("x-api-key"),
                key.expose_secret().to_owned(),
            ),
        };
        if let Ok(mut v) = HeaderValue::from_str(&value) {
            v.set_sensitive(true);
            headers.insert(name, v);
        }
    }
    if provider.protocol == Protocol::Anthropic && !headers.contains_key("anthropic-version") {
        headers.insert("anthropic-version", HeaderValue::from_static("2023-06-01"));
    }
    Ok((
        UpstreamRequest {
            provider: provider.name.clone(),
            url: endpoint_url(&provider.base_url, endpoint),
            headers,
            body,
            timeouts: provider.timeouts,
        },
        ctx,
        key_index,
    ))
}

fn parsed<'v>(inbound: &'v mut Inbound<'_>) -> Result<&'v serde_json::Value, ApiError> {
    if inbound.parsed.is_none() {
        let v: serde_json::Value = serde_json::from_slice(inbound.raw)
            .map_err(|e| ApiError::BadRequest(format!("request body is not valid JSON: {e}")))?;
        *inbound.parsed = Some(v);
    }
    inbound.parsed.as_ref().ok_or(ApiError::Internal)
}

/// Whether a same-protocol body needs more than the `model` splice. Checked
/// with substring scans so the common case never parses the body.
fn needs_passthrough_fixes(
    raw: &[u8],
    protocol: Protocol,
    profile: &keyway_bridge::VendorProfile,
) -> bool {
    use memchr::memmem::find;
    match protocol {
        Protocol::Anthropic => {
            find(raw, keyway_bridge::SYNTHETIC_SIGNATURE_PREFIX.as_bytes()).is_some()
        }
        Protocol::Openai => {
            (profile.developer_to_system && find(raw, b"\"developer\"").is_some())
                || (!profile.strip_schema_keys.is_empty() && find(raw, b"\"$schema\"").is_some())
        }
    }
}
