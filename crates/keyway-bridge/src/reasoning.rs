//! Thinking switches between Anthropic `thinking` / `output_config.effort`
//! and vendor fields (protocols.md §3.7, §3.4).

use serde_json::{json, Map, Value};

use crate::profile::{ThinkingSwitch, VendorProfile};

/// What the Anthropic client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientThinking {
    /// No `thinking` field: Claude Code's way of saying "off".
    Absent,
    Disabled,
    Enabled {
        budget: Option<i64>,
    },
    Adaptive,
}

impl ClientThinking {
    pub(crate) fn from_body(body: &Value) -> Self {
        let Some(t) = body.get("thinking").filter(|t| t.is_object()) else {
            return ClientThinking::Absent;
        };
        match t.get("type").and_then(Value::as_str) {
            Some("enabled") => ClientThinking::Enabled {
                budget: t.get("budget_tokens").and_then(Value::as_i64),
            },
            Some("adaptive") => ClientThinking::Adaptive,
            _ => ClientThinking::Disabled,
        }
    }

    pub(crate) fn is_on(self) -> bool {
        matches!(
            self,
            ClientThinking::Enabled { .. } | ClientThinking::Adaptive
        )
    }
}

/// Effort level for a thinking budget (LiteLLM thresholds).
pub(crate) fn effort_from_budget(budget: i64) -> &'static str {
    match budget {
        b if b >= 16384 => "max",
        b if b >= 8192 => "xhigh",
        b if b >= 4096 => "high",
        b if b >= 2048 => "medium",
        b if b >= 1024 => "low",
        _ => "minimal",
    }
}

/// Anthropic effort for the request: `output_config.effort`, else derived
/// from the budget, else `medium` for adaptive.
fn client_effort(body: &Value, thinking: ClientThinking) -> Option<String> {
    let explicit = body
        .get("output_config")
        .and_then(|o| o.get("effort"))
        .and_then(Value::as_str);
    if let Some(e) = explicit {
        return Some(e.to_owned());
    }
    match thinking {
        ClientThinking::Enabled { budget: Some(b) } => Some(effort_from_budget(b).to_owned()),
        ClientThinking::Enabled { budget: None } | ClientThinking::Adaptive => {
            Some("medium".to_owned())
        }
        _ => None,
    }
}

/// Write the vendor's thinking switch into an OpenAI request. Returns
/// whether thinking is on. Vendors that think by default get an explicit
/// off when the client omitted `thinking`.
pub(crate) fn apply_vendor_thinking(
    out: &mut Map<String, Value>,
    body: &Value,
    profile: &VendorProfile,
    model: &str,
    stream: bool,
) -> bool {
    let thinking = ClientThinking::from_body(body);
    let on = thinking.is_on();
    let effort = client_effort(body, thinking);
    let vendor_effort = effort.as_deref().and_then(|e| profile.map_effort(e));
    match profile.thinking_switch {
        ThinkingSwitch::None => {}
        ThinkingSwitch::ThinkingType {
            on: on_value,
            adaptive,
        } => {
            let kind = match thinking {
                ClientThinking::Adaptive => adaptive,
                _ if on => on_value,
                _ => "disabled",
            };
            out.insert("thinking".into(), json!({ "type": kind }));
            if let (true, Some(e)) = (on, vendor_effort) {
                out.insert("reasoning_effort".into(), json!(e));
            }
        }
        ThinkingSwitch::EnableThinking => {
            let enable = on && stream;
            out.insert("enable_thinking".into(), json!(enable));
            if let (true, ClientThinking::Enabled { budget: Some(b) }) = (enable, thinking) {
                out.insert("thinking_budget".into(), json!(b));
            }
        }
        ThinkingSwitch::ReasoningEffort { .. } => {
            if let (true, true, Some(e)) = (on, profile.is_reasoning_model(model), vendor_effort) {
                out.insert("reasoning_effort".into(), json!(e));
            }
        }
    }
    on
}

/// Anthropic `budget_tokens` for an OpenAI `reasoning_effort`; `None` for
/// "none" (no thinking). Anthropic's minimum budget is 1024.
pub(crate) fn budget_for_effort(effort: &str) -> Option<i64> {
    match effort {
        "none" => None,
        "minimal" | "low" => Some(1024),
        "medium" => Some(2048),
        "high" => Some(4096),
        "xhigh" => Some(8192),
        "max" => Some(16384),
        _ => Some(2048),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile_for;

    fn run(vendor: &str, body: Value, stream: bool) -> (Value, bool) {
        let mut out = Map::new();
        let on = apply_vendor_thinking(&mut out, &body, profile_for(vendor), "gpt-5.1", stream);
        (Value::Object(out), on)
    }

    #[test]
    fn vendor_switch_table() {
        let enabled = json!({"thinking":{"type":"enabled","budget_tokens":5000}});
        let adaptive_high =
            json!({"thinking":{"type":"adaptive"},"output_config":{"effort":"high"}});
        let adaptive = json!({"thinking":{"type":"adaptive"}});
        let absent = json!({});
        let disabled = json!({"thinking":{"type":"disabled"}});
        let cases: Vec<(&str, &Value, bool, Value, bool)> = vec![
            (
                "deepseek",
                &enabled,
                true,
                json!({"thinking":{"type":"enabled"},"reasoning_effort":"high"}),
                true,
            ),
            (
                "deepseek",
                &adaptive_high,
                true,
                json!({"thinking":{"type":"enabled"},"reasoning_effort":"high"}),
                true,
            ),
            (
                "deepseek",
                &adaptive,
                true,
                json!({"thinking":{"type":"enabled"},"reasoning_effort":"high"}),
                true,
            ),
            (
                "deepseek",
                &absent,
                true,
                json!({"thinking":{"type":"disabled"}}),
                false,
            ),
            (
                "deepseek",
                &disabled,
                true,
                json!({"thinking":{"type":"disabled"}}),
                false,
            ),
            (
                "zhipu",
                &absent,
                true,
                json!({"thinking":{"type":"disabled"}}),
                false,
            ),
            (
                "zhipu",
                &adaptive_high,
                true,
                json!({"thinking":{"type":"enabled"},"reasoning_effort":"high"}),
                true,
            ),
            (
                "ark",
                &adaptive,
                true,
                json!({"thinking":{"type":"auto"}}),
                true,
            ),
            (
                "ark",
                &enabled,
                true,
                json!({"thinking":{"type":"enabled"}}),
                true,
            ),
            (
                "minimax",
                &enabled,
                true,
                json!({"thinking":{"type":"adaptive"}}),
                true,
            ),
            (
                "minimax",
                &absent,
                true,
                json!({"thinking":{"type":"disabled"}}),
                false,
            ),
            (
                "qwen",
                &enabled,
                true,
                json!({"enable_thinking":true,"thinking_budget":5000}),
                true,
            ),
            (
                "qwen",
                &enabled,
                false,
                json!({"enable_thinking":false}),
                true,
            ),
            (
                "qwen",
                &absent,
                true,
                json!({"enable_thinking":false}),
                false,
            ),
            (
                "openai",
                &enabled,
                true,
                json!({"reasoning_effort":"high"}),
                true,
            ),
            ("openai", &absent, true, json!({}), false),
            ("custom", &enabled, true, json!({}), true),
        ];
        for (vendor, body, stream, want, want_on) in cases {
            let (got, on) = run(vendor, body.clone(), stream);
            assert_eq!(got, want, "{vendor} {body}");
            assert_eq!(on, want_on, "{vendor} {body}");
        }
    }

    #[test]
    fn openai_effort_only_for_reasoning_models() {
        let body = json!({"thinking":{"type":"enabled","budget_tokens":5000}});
        let mut out = Map::new();
        apply_vendor_thinking(&mut out, &body, profile_for("openai"), "gpt-4o", true);
        assert_eq!(Value::Object(out), json!({}));
        let mut out = Map::new();
        apply_vendor_thinking(&mut out, &body, profile_for("openai"), "o3-mini", true);
        assert_eq!(Value::Object(out), json!({"reasoning_effort":"high"}));
    }

    #[test]
    fn budget_effort_tables() {
        let cases = [
            (0, "minimal"),
            (1024, "low"),
            (2048, "medium"),
            (4096, "high"),
            (31999, "max"),
        ];
        for (b, e) in cases {
            assert_eq!(effort_from_budget(b), e, "{b}");
        }
        assert_eq!(budget_for_effort("none"), None);
        assert_eq!(budget_for_effort("minimal"), Some(1024));
        assert_eq!(budget_for_effort("high"), Some(4096));
    }
}
