//! Which candidates a request may try, in which order, and how each one is
//! spoken to (pass-through or bridged).

use std::sync::Arc;

use keyway_store::{Protocol, RouteMode};
use keyway_upstream::breaker::Breakers;
use rand::Rng;

use crate::error::{ApiError, ClientProtocol};
use crate::snapshot::{CandidateEntry, RouteEntry};

/// How a request reaches a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Same protocol both sides; only `model` changes.
    Passthrough,
    /// Anthropic client, OpenAI-protocol upstream.
    AnthropicToOpenAi,
    /// OpenAI client, Anthropic-protocol upstream.
    OpenAiToAnthropic,
}

pub fn flavor(client: ClientProtocol, upstream: Protocol) -> Flavor {
    match (client, upstream) {
        (ClientProtocol::OpenAi, Protocol::Openai)
        | (ClientProtocol::Anthropic, Protocol::Anthropic) => Flavor::Passthrough,
        (ClientProtocol::Anthropic, Protocol::Openai) => Flavor::AnthropicToOpenAi,
        (ClientProtocol::OpenAi, Protocol::Anthropic) => Flavor::OpenAiToAnthropic,
    }
}

/// The candidates to try, in order. Errors map to the contract's 404/503.
pub fn plan(
    route: &Arc<RouteEntry>,
    client: ClientProtocol,
    breakers: &Breakers,
) -> Result<Vec<(CandidateEntry, Flavor)>, ApiError> {
    if !route.enabled {
        return Err(ApiError::ModelNotFound(route.alias.clone()));
    }
    let enabled: Vec<&CandidateEntry> = route
        .candidates
        .iter()
        .filter(|c| c.provider.enabled)
        .collect();
    if enabled.is_empty() {
        return Err(ApiError::ModelNotFound(route.alias.clone()));
    }
    let speakable: Vec<(&CandidateEntry, Flavor)> = enabled
        .iter()
        .map(|c| (*c, flavor(client, c.provider.protocol)))
        .filter(|(_, f)| route.bridge || *f == Flavor::Passthrough)
        .collect();
    if speakable.is_empty() {
        return Err(ApiError::ProtocolMismatch {
            alias: route.alias.clone(),
            provider: enabled[0].provider.protocol.as_str(),
            client: client.as_str(),
        });
    }
    match route.mode {
        RouteMode::Direct => Ok(speakable
            .into_iter()
            .take(1)
            .map(|(c, f)| (c.clone(), f))
            .collect()),
        RouteMode::AutoSelect => {
            let healthy: Vec<(&CandidateEntry, Flavor)> = speakable
                .into_iter()
                .filter(|(c, _)| breakers.admit(c.provider.id))
                .collect();
            if healthy.is_empty() {
                return Err(ApiError::NoHealthyProvider(route.alias.clone()));
            }
            Ok(order_by_priority(healthy))
        }
    }
}

/// Priority ascending; within one priority, a weighted random order.
fn order_by_priority(mut items: Vec<(&CandidateEntry, Flavor)>) -> Vec<(CandidateEntry, Flavor)> {
    items.sort_by_key(|(c, _)| c.priority);
    let mut rng = rand::thread_rng();
    let mut out = Vec::with_capacity(items.len());
    let mut i = 0;
    while i < items.len() {
        let prio = items[i].0.priority;
        let mut tier: Vec<_> = items[i..]
            .iter()
            .take_while(|(c, _)| c.priority == prio)
            .cloned()
            .collect();
        i += tier.len();
        while !tier.is_empty() {
            let total: u64 = tier.iter().map(|(c, _)| u64::from(c.weight.max(1))).sum();
            let mut pick = rng.gen_range(0..total);
            let idx = tier
                .iter()
                .position(|(c, _)| {
                    let w = u64::from(c.weight.max(1));
                    if pick < w {
                        true
                    } else {
                        pick -= w;
                        false
                    }
                })
                .unwrap_or(0);
            let (c, f) = tier.remove(idx);
            out.push((c.clone(), f));
        }
    }
    out
}
