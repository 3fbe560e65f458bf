//! Fix-ups for same-protocol requests (OpenAI client → OpenAI-protocol
//! vendor), where no translation happens but vendor quirks still apply.

use serde_json::Value;

use crate::a2o::strip_schema_keys;
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
}
