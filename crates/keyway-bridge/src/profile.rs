//! Per-vendor quirks as data (protocols.md §3.7, §4). The translators read
//! these fields instead of branching on vendor names.

/// Where an OpenAI-protocol vendor puts reasoning in its responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasoningOutput {
    /// `reasoning_content` (or `reasoning`) on the message / delta.
    Field,
    /// `<think>…</think>` inline at the start of `content` (MiniMax M2).
    ThinkTags,
}

/// How to switch the vendor's thinking on or off from Anthropic `thinking`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThinkingSwitch {
    /// Send nothing; the vendor decides.
    None,
    /// Top-level `thinking: {type}`; `on` is the value for enabled thinking,
    /// `adaptive` the value for Anthropic `adaptive`; off is `"disabled"`.
    ThinkingType {
        on: &'static str,
        adaptive: &'static str,
    },
    /// Qwen: `enable_thinking: bool` (+ `thinking_budget`). Some open Qwen3
    /// models accept `true` only when streaming, so non-stream sends `false`.
    EnableThinking,
    /// OpenAI: only `reasoning_effort`, sent when thinking was asked for and
    /// the upstream model name starts with one of `models` (non-reasoning
    /// models such as gpt-4o reject the field). Those models also reject a
    /// non-default `temperature` / `top_p`, which are then dropped.
    ReasoningEffort { models: &'static [&'static str] },
}

/// How earlier thinking goes back to the vendor on later turns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasoningEcho {
    /// Drop it.
    None,
    /// `reasoning_content` on assistant turns that made tool calls; with
    /// `placeholder`, an empty string when the client sent no thinking
    /// (DeepSeek rejects a tool-call turn without the field in thinking mode).
    ToolCallTurns { placeholder: bool },
    /// Put it back inline as `<think>…</think>` before the text (MiniMax M2
    /// interleaved thinking wants the full message back).
    InlineThinkTags,
}

/// How Anthropic `output_config.format` (JSON schema) is expressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonOutput {
    /// `response_format: {type:"json_schema", json_schema:{name, schema}}`.
    Schema,
    /// `response_format: {type:"json_object"}` plus the schema as a system
    /// instruction (DeepSeek also needs the word "json" in the prompt).
    JsonObject,
}

/// What to do with a `role:"system"` message inside Anthropic `messages`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MidSystem {
    /// Keep it as a system message at the same position.
    InPlace,
    /// Append it to the leading system message (vendors that only accept
    /// a system message first).
    Hoist,
}

/// Quirks of one vendor. `Copy` so a [`crate::Ctx`] can carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VendorProfile {
    pub name: &'static str,
    pub reasoning_output: ReasoningOutput,
    pub thinking_switch: ThinkingSwitch,
    /// Anthropic effort (`low|medium|high|xhigh|max`) → vendor
    /// `reasoning_effort`; `None` = the vendor has no effort knob.
    pub effort_map: Option<&'static [(&'static str, &'static str)]>,
    pub reasoning_echo: ReasoningEcho,
    /// JSON-schema keywords removed from tool parameters, at every depth.
    pub strip_schema_keys: &'static [&'static str],
    /// Rewrite OpenAI `developer` messages to `system` (same-protocol path).
    pub developer_to_system: bool,
    /// Name of the output-limit field in OpenAI requests.
    pub max_tokens_field: &'static str,
    pub json_output: JsonOutput,
    pub mid_system: MidSystem,
    /// Field carrying Anthropic `metadata.user_id`; `None` drops it.
    pub user_field: Option<&'static str>,
    /// Zhipu streams tool-call arguments only with `tool_stream: true`.
    pub tool_stream_flag: bool,
    /// Forward Anthropic `top_k`.
    pub supports_top_k: bool,
    /// Keep `strict` on tool definitions (only OpenAI understands it).
    pub keep_tool_strict: bool,
    /// The vendor's chat API takes `image_url` parts at all.
    pub images: bool,
    /// Most `stop` strings the vendor accepts (OpenAI: 4); extra ones are
    /// dropped rather than failing the request.
    pub max_stop_sequences: usize,
    /// `max_tokens` for an Anthropic-protocol upstream when the OpenAI
    /// client sent none (the field is required there).
    pub default_max_tokens: i64,
}

const SCHEMA_KEYS: &[&str] = &["$schema", "$id", "$comment"];

const DEEPSEEK_EFFORT: &[(&str, &str)] = &[
    ("minimal", "low"),
    ("low", "low"),
    ("medium", "high"),
    ("high", "high"),
    ("xhigh", "high"),
    ("max", "max"),
];
const ZHIPU_EFFORT: &[(&str, &str)] = &[
    ("minimal", "high"),
    ("low", "high"),
    ("medium", "high"),
    ("high", "high"),
    ("xhigh", "max"),
    ("max", "max"),
];
const OPENAI_EFFORT: &[(&str, &str)] = &[
    ("minimal", "minimal"),
    ("low", "low"),
    ("medium", "medium"),
    ("high", "high"),
    ("xhigh", "xhigh"),
    ("max", "xhigh"),
];

/// OpenAI model-name prefixes of reasoning models.
const OPENAI_REASONING_MODELS: &[&str] = &["o1", "o3", "o4", "gpt-5"];

/// A plain OpenAI-compatible server: no switches, reasoning read if present.
pub const GENERIC: VendorProfile = VendorProfile {
    name: "generic",
    reasoning_output: ReasoningOutput::Field,
    thinking_switch: ThinkingSwitch::None,
    effort_map: None,
    reasoning_echo: ReasoningEcho::None,
    strip_schema_keys: SCHEMA_KEYS,
    developer_to_system: true,
    max_tokens_field: "max_tokens",
    json_output: JsonOutput::Schema,
    mid_system: MidSystem::InPlace,
    user_field: Some("user"),
    tool_stream_flag: false,
    supports_top_k: false,
    keep_tool_strict: false,
    images: true,
    max_stop_sequences: 16,
    default_max_tokens: 4096,
};

static PROFILES: &[VendorProfile] = &[
    VendorProfile {
        name: "openai",
        thinking_switch: ThinkingSwitch::ReasoningEffort {
            models: OPENAI_REASONING_MODELS,
        },
        effort_map: Some(OPENAI_EFFORT),
        developer_to_system: false,
        max_tokens_field: "max_completion_tokens",
        keep_tool_strict: true,
        max_stop_sequences: 4,
        ..GENERIC
    },
    VendorProfile {
        name: "deepseek",
        thinking_switch: ThinkingSwitch::ThinkingType {
            on: "enabled",
            adaptive: "enabled",
        },
        effort_map: Some(DEEPSEEK_EFFORT),
        reasoning_echo: ReasoningEcho::ToolCallTurns { placeholder: true },
        json_output: JsonOutput::JsonObject,
        images: false,
        ..GENERIC
    },
    VendorProfile {
        name: "zhipu",
        thinking_switch: ThinkingSwitch::ThinkingType {
            on: "enabled",
            adaptive: "enabled",
        },
        effort_map: Some(ZHIPU_EFFORT),
        reasoning_echo: ReasoningEcho::ToolCallTurns { placeholder: false },
        json_output: JsonOutput::JsonObject,
        user_field: None,
        tool_stream_flag: true,
        ..GENERIC
    },
    VendorProfile {
        name: "ark",
        thinking_switch: ThinkingSwitch::ThinkingType {
            on: "enabled",
            adaptive: "auto",
        },
        reasoning_echo: ReasoningEcho::ToolCallTurns { placeholder: false },
        json_output: JsonOutput::JsonObject,
        ..GENERIC
    },
    VendorProfile {
        name: "qwen",
        thinking_switch: ThinkingSwitch::EnableThinking,
        reasoning_echo: ReasoningEcho::ToolCallTurns { placeholder: false },
        json_output: JsonOutput::JsonObject,
        mid_system: MidSystem::Hoist,
        user_field: None,
        supports_top_k: true,
        ..GENERIC
    },
    VendorProfile {
        name: "minimax",
        reasoning_output: ReasoningOutput::ThinkTags,
        thinking_switch: ThinkingSwitch::ThinkingType {
            on: "adaptive",
            adaptive: "adaptive",
        },
        reasoning_echo: ReasoningEcho::InlineThinkTags,
        json_output: JsonOutput::JsonObject,
        mid_system: MidSystem::Hoist,
        max_tokens_field: "max_completion_tokens",
        user_field: None,
        ..GENERIC
    },
    // Anthropic-protocol upstreams (o2a) read only `default_max_tokens`.
    VendorProfile {
        name: "anthropic",
        default_max_tokens: 8192,
        ..GENERIC
    },
];

/// The profile for a vendor preset name; unknown names (including
/// `custom`) get a generic OpenAI-compatible profile.
pub fn profile_for(vendor: &str) -> &'static VendorProfile {
    PROFILES
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(vendor))
        .unwrap_or(&GENERIC)
}

impl VendorProfile {
    /// The upstream model takes `reasoning_effort` but not sampling knobs.
    pub fn is_reasoning_model(&self, model: &str) -> bool {
        match self.thinking_switch {
            ThinkingSwitch::ReasoningEffort { models } => {
                models.iter().any(|p| model.starts_with(p))
            }
            _ => false,
        }
    }

    /// Vendor `reasoning_effort` for an Anthropic effort level.
    pub fn map_effort(&self, effort: &str) -> Option<&'static str> {
        self.effort_map?
            .iter()
            .find(|(from, _)| *from == effort)
            .map(|(_, to)| *to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_vendors() {
        assert_eq!(profile_for("deepseek").name, "deepseek");
        assert_eq!(profile_for("MiniMax").name, "minimax");
        assert_eq!(profile_for("custom").name, "generic");
        assert_eq!(profile_for("nonexistent").name, "generic");
    }

    #[test]
    fn effort_tables() {
        let cases = [
            ("deepseek", "medium", Some("high")),
            ("deepseek", "max", Some("max")),
            ("deepseek", "low", Some("low")),
            ("zhipu", "xhigh", Some("max")),
            ("zhipu", "low", Some("high")),
            ("openai", "high", Some("high")),
            ("qwen", "high", None),
            ("deepseek", "bogus", None),
        ];
        for (vendor, effort, want) in cases {
            assert_eq!(
                profile_for(vendor).map_effort(effort),
                want,
                "{vendor} {effort}"
            );
        }
    }
}
