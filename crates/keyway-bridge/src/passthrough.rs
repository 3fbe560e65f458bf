//! Fix-ups for same-protocol requests, where no translation happens but
//! vendor quirks, or traces of an earlier bridged turn, still matter.

use serde_json::Value;

use crate::a2o::strip_schema_keys;
use crate::ids::is_genuine_signature;
use crate::profile::VendorProfile;

/// Rewrite `developer` messages to `system` for vendors that reject the
/// role (Ark's plan endpoint 400s on it), and strip schema keywords the
/// vendor rejects from tool parameters.
pub fn openai_request(body: &mut Value, profile: &VendorProfile) {
    if profile.developer_to_system {
        if let Some(msgs) = body.get_mut("messages").and_then(Value::as_array_mut) {
            for m in msgs {
                if m.get("role").and_then(Value::as_str) == Some("developer") {
                    m["role"] = Value::from("system");
                }
            }
        }
    }
    if let Some(tools) = body.get_mut("tools").and_then(Value::as_array_mut) {
        for t in tools {
            if let Some(p) = t.pointer_mut("/function/parameters") {
                strip_schema_keys(p, profile.strip_schema_keys);
            }
        }
    }
}

/// Make an Anthropic request safe for an Anthropic-protocol upstream when
/// part of the conversation ran on a bridged vendor: thinking blocks whose
/// signature Keyway invented (`keyway:…`) are removed, since the upstream
/// would reject them with a 400. If that leaves the latest assistant
/// tool-use turn without thinking while thinking is on, thinking is turned
/// off for this request (Anthropic requires that turn to start with it).
/// Returns whether the body changed.
pub fn anthropic_request(body: &mut Value) -> bool {
    let Some(msgs) = body.get_mut("messages").and_then(Value::as_array_mut) else {
        return false;
    };
    let mut changed = false;
    for m in msgs.iter_mut().filter(|m| m["role"] == "assistant") {
        if let Some(blocks) = m.get_mut("content").and_then(Value::as_array_mut) {
            let before = blocks.len();
            blocks.retain(|b| {
                !(b["type"] == "thinking"
                    && b["signature"]
                        .as_str()
                        .is_some_and(|s| !is_genuine_signature(s)))
            });
            changed |= blocks.len() != before;
        }
    }
    // An assistant turn that held only synthetic thinking is now empty.
    msgs.retain(|m| m["content"].as_array().is_none_or(|c| !c.is_empty()));
    if changed && thinking_blocked(msgs) {
        if let Some(obj) = body.as_object_mut() {
            obj.remove("thinking");
        }
    }
    changed
}

/// The latest assistant turn uses tools but does not start with thinking.
fn thinking_blocked(msgs: &[Value]) -> bool {
    let Some(last) = msgs.iter().rev().find(|m| m["role"] == "assistant") else {
        return false;
    };
    let blocks = last["content"].as_array().cloned().unwrap_or_default();
    let uses_tools = blocks.iter().any(|b| b["type"] == "tool_use");
    let starts_with_thinking = blocks
        .first()
        .is_some_and(|b| b["type"] == "thinking" || b["type"] == "redacted_thinking");
    uses_tools && !starts_with_thinking
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile_for;
    use serde_json::json;

    #[test]
    fn developer_becomes_system_except_for_openai() {
        let body = json!({"messages":[{"role":"developer","content":"be brief"},{"role":"user","content":"hi"}],
            "tools":[{"type":"function","function":{"name":"f","parameters":{"$schema":"x","type":"object"}}}]});
        let mut ark = body.clone();
        openai_request(&mut ark, profile_for("ark"));
        assert_eq!(ark["messages"][0]["role"], "system");
        assert_eq!(
            ark["tools"][0]["function"]["parameters"],
            json!({"type":"object"})
        );
        let mut oa = body.clone();
        openai_request(&mut oa, profile_for("openai"));
        assert_eq!(oa["messages"][0]["role"], "developer");
    }

    #[test]
    fn synthetic_thinking_is_removed_for_anthropic_upstreams() {
        let mut body = json!({"model":"claude","thinking":{"type":"adaptive"},"messages":[
            {"role":"user","content":"q"},
            {"role":"assistant","content":[{"type":"thinking","thinking":"real","signature":"EqQBgenuine"},{"type":"text","text":"a"}]},
            {"role":"user","content":"q2"},
            {"role":"assistant","content":[{"type":"thinking","thinking":"fake","signature":"keyway:00"}]},
            {"role":"user","content":"q3"},
            {"role":"assistant","content":[{"type":"thinking","thinking":"fake","signature":"keyway:01"},{"type":"tool_use","id":"t","name":"Bash","input":{}}]},
            {"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"ok"}]},
        ]});
        assert!(anthropic_request(&mut body));
        let msgs = body["messages"].as_array().unwrap();
        assert_eq!(msgs.len(), 6, "the thinking-only turn is gone");
        assert_eq!(msgs[1]["content"][0]["signature"], "EqQBgenuine");
        assert_eq!(
            msgs[4]["content"],
            json!([{"type":"tool_use","id":"t","name":"Bash","input":{}}])
        );
        assert_eq!(
            body.get("thinking"),
            None,
            "tool turn without thinking: thinking off"
        );

        // Nothing synthetic: untouched, thinking kept.
        let mut clean = json!({"thinking":{"type":"adaptive"},"messages":[{"role":"user","content":"q"},
            {"role":"assistant","content":[{"type":"thinking","thinking":"x","signature":"EqQB"},{"type":"tool_use","id":"t","name":"B","input":{}}]}]});
        let copy = clean.clone();
        assert!(!anthropic_request(&mut clean));
        assert_eq!(clean, copy);
    }
}
