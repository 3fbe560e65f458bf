//! Per-request state carried from request translation to the response or
//! stream translation.

use std::collections::HashMap;

use crate::ids::random_id;
use crate::profile::VendorProfile;

/// What the response side needs to know about the request.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The model name the client asked for; echoed as `model` (Claude Code
    /// compares it).
    pub client_model: String,
    pub upstream_model: String,
    pub profile: VendorProfile,
    pub stream: bool,
    /// OpenAI client asked for `stream_options.include_usage`.
    pub include_usage: bool,
    /// The client asked for thinking / reasoning.
    pub thinking: bool,
    /// Shortened tool name sent upstream → the client's original name.
    pub tool_names: HashMap<String, String>,
    /// Id of the client-facing message (`msg_…` or `chatcmpl-…`), minted up
    /// front so a stream can announce it before the upstream answers.
    pub message_id: String,
    /// Unix seconds for OpenAI `created`.
    pub created: i64,
}

impl Ctx {
    /// A context with fresh ids; `message_prefix` is `msg_` or `chatcmpl-`.
    pub fn new(
        client_model: &str,
        upstream_model: &str,
        profile: &VendorProfile,
        message_prefix: &str,
    ) -> Self {
        let created = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Ctx {
            client_model: client_model.to_owned(),
            upstream_model: upstream_model.to_owned(),
            profile: *profile,
            stream: false,
            include_usage: false,
            thinking: false,
            tool_names: HashMap::new(),
            message_id: random_id(message_prefix),
            created,
        }
    }

    /// The client's name for a tool name seen upstream.
    pub fn original_tool_name(&self, upstream: &str) -> String {
        self.tool_names
            .get(upstream)
            .cloned()
            .unwrap_or_else(|| upstream.to_owned())
    }

    /// Shorten a client tool name for the upstream, remembering the mapping.
    pub(crate) fn upstream_tool_name(&mut self, client: &str) -> String {
        let short = crate::ids::shorten_tool_name(client);
        if short != client {
            self.tool_names.insert(short.clone(), client.to_owned());
        }
        short
    }
}
