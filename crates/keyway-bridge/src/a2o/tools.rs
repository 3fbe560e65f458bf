//! Anthropic tool definitions and `tool_choice` → OpenAI.

use serde_json::{json, Map, Value};

use crate::ctx::Ctx;

/// Remove JSON-schema keywords some vendors reject, at every depth (but not
/// property *names*: a property called `$id` stays).
pub(crate) fn strip_schema_keys(v: &mut Value, keys: &[&str]) {
    match v {
        Value::Object(map) => {
            for k in keys {
                map.remove(*k);
            }
            for (name, child) in map.iter_mut() {
                if name == "properties" || name == "$defs" || name == "definitions" {
                    // Children are name → schema maps: recurse into each schema.
                    if let Value::Object(props) = child {
                        for schema in props.values_mut() {
                            strip_schema_keys(schema, keys);
                        }
                    }
                } else {
                    strip_schema_keys(child, keys);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                strip_schema_keys(item, keys);
            }
        }
        _ => {}
    }
}

/// True for tools an OpenAI-protocol upstream can run: client tools
/// (`type` absent or `"custom"`). Hosted Anthropic tools (`web_search_…`,
/// `bash_2025…`, …) cannot be expressed and are dropped.
fn is_client_tool(tool: &Value) -> bool {
    match tool.get("type").and_then(Value::as_str) {
        None | Some("custom") | Some("function") => tool.get("name").is_some(),
        Some(_) => false,
    }
}

/// OpenAI `tools` for Anthropic `tools`; empty when none survive.
pub(crate) fn convert_tools(tools: Option<&Value>, ctx: &mut Ctx) -> Vec<Value> {
    let Some(tools) = tools.and_then(Value::as_array) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for tool in tools.iter().filter(|t| is_client_tool(t)) {
        let name = tool.get("name").and_then(Value::as_str).unwrap_or_default();
        let mut params = tool
            .get("input_schema")
            .filter(|s| s.is_object())
            .cloned()
            .unwrap_or_else(|| json!({"type": "object", "properties": {}}));
        strip_schema_keys(&mut params, ctx.profile.strip_schema_keys);
        if let Value::Object(map) = &mut params {
            // Function parameters must be an object schema; some vendors
            // reject one without an explicit type.
            map.entry("type").or_insert_with(|| json!("object"));
        }
        let mut function = Map::new();
        function.insert("name".into(), json!(ctx.upstream_tool_name(name)));
        if let Some(d) = tool.get("description").and_then(Value::as_str) {
            function.insert("description".into(), json!(d));
        }
        function.insert("parameters".into(), params);
        if ctx.profile.keep_tool_strict {
            if let Some(s) = tool.get("strict").and_then(Value::as_bool) {
                function.insert("strict".into(), json!(s));
            }
        }
        out.push(json!({"type": "function", "function": function}));
    }
    out
}

/// Write `tool_choice` / `parallel_tool_calls` for Anthropic `tool_choice`.
pub(crate) fn convert_tool_choice(
    choice: Option<&Value>,
    out: &mut Map<String, Value>,
    ctx: &mut Ctx,
) {
    let Some(choice) = choice.filter(|c| c.is_object()) else {
        return;
    };
    let mapped = match choice.get("type").and_then(Value::as_str) {
        Some("auto") => Some(json!("auto")),
        Some("any") => Some(json!("required")),
        Some("none") => Some(json!("none")),
        Some("tool") => choice
            .get("name")
            .and_then(Value::as_str)
            .map(|n| json!({"type": "function", "function": {"name": ctx.upstream_tool_name(n)}})),
        _ => None,
    };
    if let Some(m) = mapped {
        out.insert("tool_choice".into(), m);
    }
    if choice
        .get("disable_parallel_tool_use")
        .and_then(Value::as_bool)
        == Some(true)
    {
        out.insert("parallel_tool_calls".into(), json!(false));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile_for;

    fn ctx() -> Ctx {
        Ctx::new("claude", "up", profile_for("deepseek"), "msg_")
    }

    #[test]
    fn strips_schema_keywords_but_not_property_names() {
        let mut s = json!({"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
            "properties":{"$id":{"type":"string","$comment":"x"},"n":{"type":"array","items":{"$schema":"y","type":"string"}}}});
        strip_schema_keys(&mut s, &["$schema", "$comment", "$id"]);
        assert_eq!(
            s,
            json!({"type":"object","properties":{"$id":{"type":"string"},"n":{"type":"array","items":{"type":"string"}}}})
        );
    }

    #[test]
    fn tool_definitions_table() {
        let mut c = ctx();
        let long = "mcp__very_long_server_name__".to_string() + &"t".repeat(60);
        let tools = json!([
            {"name":"Bash","description":"run","input_schema":{"$schema":"s","type":"object","properties":{"cmd":{"type":"string"}}},"cache_control":{"type":"ephemeral"}},
            {"type":"custom","name":"Custom","input_schema":{"type":"object"}},
            {"type":"web_search_20250305","name":"web_search"},
            {"name":"NoSchema"},
            {"name": long, "input_schema":{"type":"object"}},
        ]);
        let out = convert_tools(Some(&tools), &mut c);
        assert_eq!(out.len(), 4, "hosted tool dropped, custom kept");
        assert_eq!(
            out[0],
            json!({"type":"function","function":{"name":"Bash","description":"run","parameters":{"type":"object","properties":{"cmd":{"type":"string"}}}}})
        );
        assert_eq!(out[1]["function"]["name"], "Custom");
        assert_eq!(
            out[2]["function"]["parameters"],
            json!({"type":"object","properties":{}})
        );
        let short = out[3]["function"]["name"].as_str().unwrap();
        assert_eq!(short.len(), 64);
        assert_eq!(c.original_tool_name(short), long);
    }

    #[test]
    fn tool_choice_table() {
        let cases = [
            (json!({"type":"auto"}), json!({"tool_choice":"auto"})),
            (json!({"type":"any"}), json!({"tool_choice":"required"})),
            (json!({"type":"none"}), json!({"tool_choice":"none"})),
            (
                json!({"type":"tool","name":"Bash"}),
                json!({"tool_choice":{"type":"function","function":{"name":"Bash"}}}),
            ),
            (
                json!({"type":"auto","disable_parallel_tool_use":true}),
                json!({"tool_choice":"auto","parallel_tool_calls":false}),
            ),
        ];
        for (choice, want) in cases {
            let mut out = Map::new();
            convert_tool_choice(Some(&choice), &mut out, &mut ctx());
            assert_eq!(Value::Object(out), want, "{choice}");
        }
    }
}
