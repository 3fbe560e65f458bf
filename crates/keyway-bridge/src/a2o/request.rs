//! Anthropic request → OpenAI request (protocols.md §3.1).

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::{messages, tools};
use crate::ctx::Ctx;
use crate::profile::{JsonOutput, VendorProfile};
use crate::reasoning::apply_vendor_thinking;
use crate::BridgeError;

/// Longest `user` value passed on verbatim; Claude Code's `user_id` is a long
/// JSON string and some vendors cap the field, so longer ones are hashed
/// (still stable per user, which is all the field is for).
const MAX_USER_LEN: usize = 64;

/// Translate an Anthropic Messages request for an OpenAI-protocol upstream.
pub fn request(
    body: &Value,
    upstream_model: &str,
    profile: &VendorProfile,
) -> Result<(Value, Ctx), BridgeError> {
    if !body.is_object() {
        return Err(BridgeError::new("request body must be a JSON object"));
    }
    let client_model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut ctx = Ctx::new(client_model, upstream_model, profile, "msg_");
    ctx.stream = body.get("stream").and_then(Value::as_bool) == Some(true);

    let mut msgs = messages::convert(body, &mut ctx)?;
    let mut out = Map::new();
    out.insert("model".into(), json!(upstream_model));
    if let Some(format) = json_schema_format(body) {
        apply_json_output(format, profile, &mut out, &mut msgs);
    }
    out.insert("messages".into(), Value::Array(msgs));

    if let Some(n) = body.get("max_tokens").filter(|v| v.is_number()) {
        out.insert(profile.max_tokens_field.into(), n.clone());
    }
    if let Some(stops) = body.get("stop_sequences").and_then(Value::as_array) {
        if !stops.is_empty() {
            let kept = stops
                .iter()
                .take(profile.max_stop_sequences)
                .cloned()
                .collect();
            out.insert("stop".into(), Value::Array(kept));
        }
    }
    if !profile.is_reasoning_model(upstream_model) {
        for key in ["temperature", "top_p"] {
            if let Some(v) = body.get(key).filter(|v| v.is_number()) {
                out.insert(key.into(), v.clone());
            }
        }
    }
    if profile.supports_top_k {
        if let Some(v) = body.get("top_k").filter(|v| v.is_number()) {
            out.insert("top_k".into(), v.clone());
        }
    }
    if let (Some(field), Some(user)) = (
        profile.user_field,
        body.pointer("/metadata/user_id").and_then(Value::as_str),
    ) {
        if !user.is_empty() {
            out.insert(field.into(), json!(user_value(user)));
        }
    }

    let tool_defs = tools::convert_tools(body.get("tools"), &mut ctx);
    if !tool_defs.is_empty() {
        out.insert("tools".into(), Value::Array(tool_defs));
        tools::convert_tool_choice(body.get("tool_choice"), &mut out, &mut ctx);
        if profile.tool_stream_flag && ctx.stream {
            out.insert("tool_stream".into(), json!(true));
        }
    }

    ctx.thinking = apply_vendor_thinking(&mut out, body, profile, upstream_model, ctx.stream);

    if ctx.stream {
        out.insert("stream".into(), json!(true));
        // Always ask for usage; the client protocol reports it regardless.
        out.insert("stream_options".into(), json!({"include_usage": true}));
    }
    Ok((Value::Object(out), ctx))
}

fn user_value(user: &str) -> String {
    if user.len() <= MAX_USER_LEN {
        return user.to_owned();
    }
    let digest = Sha256::digest(user.as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("u_{hex}")
}

fn json_schema_format(body: &Value) -> Option<&Value> {
    let format = body.pointer("/output_config/format")?;
    (format.get("type").and_then(Value::as_str) == Some("json_schema")).then_some(format)
}

fn apply_json_output(
    format: &Value,
    profile: &VendorProfile,
    out: &mut Map<String, Value>,
    msgs: &mut Vec<Value>,
) {
    let schema = format
        .get("schema")
        .cloned()
        .unwrap_or_else(|| json!({"type": "object"}));
    match profile.json_output {
        JsonOutput::Schema => {
            out.insert(
                "response_format".into(),
                json!({"type": "json_schema", "json_schema": {"name": "structured_output", "schema": schema}}),
            );
        }
        JsonOutput::JsonObject => {
            out.insert("response_format".into(), json!({"type": "json_object"}));
            let instruction = format!(
                "Respond only with a JSON object that conforms to this JSON schema:\n{schema}"
            );
            match msgs.first_mut() {
                Some(first) if first["role"] == "system" => {
                    let text = first["content"].as_str().unwrap_or_default().to_owned();
                    first["content"] = json!(format!("{text}\n\n{instruction}"));
                }
                _ => msgs.insert(0, json!({"role": "system", "content": instruction})),
            }
        }
    }
}
