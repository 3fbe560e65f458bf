//! Anthropic SSE → OpenAI SSE (protocols.md §3.4b).

use std::collections::HashMap;

use keyway_protocol::sse::{write_event, write_json, SseEvent};
use keyway_protocol::{anthropic, openai, Usage};
use serde_json::{json, Value};

use super::response::{completion_id, finish_reason, usage_value};
use crate::ctx::Ctx;

/// Translates one upstream stream; same contract as [`crate::a2o::Stream`].
/// Ends with `data: [DONE]`; adds the usage chunk only when the client
/// asked for `stream_options.include_usage`.
#[derive(Debug)]
pub struct Stream {
    ctx: Ctx,
    id: Option<String>,
    started: bool,
    finished: bool,
    finish_sent: bool,
    /// Anthropic block index → OpenAI tool-call index (0, 1, … per call).
    tool_index: HashMap<u64, usize>,
    stop_reason: Option<String>,
    usage: Usage,
    raw_usage: Option<Value>,
    /// Text and signature of the open thinking block.
    thinking: Option<(String, String)>,
}

impl Stream {
    pub fn new(ctx: Ctx) -> Self {
        Stream {
            ctx,
            id: None,
            started: false,
            finished: false,
            finish_sent: false,
            tool_index: HashMap::new(),
            stop_reason: None,
            usage: Usage::default(),
            raw_usage: None,
            thinking: None,
        }
    }

    /// Emit the first chunk (`role: assistant`) now; implicit on the first
    /// content. The id is final from here on.
    pub fn start(&mut self, out: &mut Vec<u8>) {
        if self.started {
            return;
        }
        self.started = true;
        self.chunk(
            json!({"role": "assistant", "content": ""}),
            Value::Null,
            out,
        );
    }

    pub fn usage(&self) -> Usage {
        self.usage.clone()
    }

    /// The upstream sent its `message_delta` (stop reason), so an EOF
    /// without `message_stop` lost nothing.
    pub fn upstream_finished(&self) -> bool {
        self.stop_reason.is_some()
    }

    /// True once `[DONE]` or an error chunk was written.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    fn chunk(&mut self, delta: Value, finish: Value, out: &mut Vec<u8>) {
        let id = self
            .id
            .get_or_insert_with(|| self.ctx.message_id.clone())
            .clone();
        let mut c = json!({
            "id": id, "object": "chat.completion.chunk", "created": self.ctx.created, "model": self.ctx.client_model,
            "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}],
        });
        if self.ctx.include_usage {
            c["usage"] = Value::Null;
        }
        write_json(out, None, &c);
    }

    pub fn push(&mut self, ev: &SseEvent, out: &mut Vec<u8>) {
        if self.finished {
            return;
        }
        let is_error_event = ev.event.as_deref() == Some("error");
        let Ok(v) = serde_json::from_str::<Value>(&ev.data) else {
            if is_error_event {
                let message = openai::extract_error_message(ev.data.as_bytes());
                self.fail("api_error", &message, out);
            }
            return;
        };
        let kind = ev
            .event
            .clone()
            .or_else(|| v.get("type").and_then(Value::as_str).map(str::to_owned));
        match kind.as_deref() {
            Some("message_start") => {
                if !self.started {
                    let id = v.pointer("/message/id").and_then(Value::as_str);
                    self.id = Some(completion_id(id, &self.ctx));
                }
                self.merge_usage(&v, v.pointer("/message/usage"));
                self.start(out);
            }
            Some("content_block_start") => self.block_start(&v, out),
            Some("content_block_delta") => self.block_delta(&v, out),
            Some("content_block_stop") => self.block_stop(out),
            Some("message_delta") => {
                self.start(out);
                if let Some(s) = v.pointer("/delta/stop_reason").and_then(Value::as_str) {
                    self.stop_reason = Some(s.to_owned());
                }
                self.merge_usage(&v, v.get("usage"));
                self.send_finish(out);
            }
            Some("message_stop") => self.finish(out),
            Some("error") => {
                let err = v.get("error").unwrap_or(&v);
                let type_ = err
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("api_error")
                    .to_owned();
                let message = openai::extract_error_message(ev.data.as_bytes());
                self.fail(&type_, &message, out);
            }
            _ => {} // ping, unknown
        }
    }

    fn block_start(&mut self, v: &Value, out: &mut Vec<u8>) {
        self.start(out);
        let block = &v["content_block"];
        match block["type"].as_str() {
            Some("thinking") => self.thinking = Some((String::new(), String::new())),
            Some("redacted_thinking") => {
                let b = json!({"type": "redacted_thinking", "data": block["data"]});
                self.chunk(json!({"thinking_blocks": [b]}), Value::Null, out);
            }
            Some("tool_use") => {
                let k = self.tool_index.len();
                self.tool_index.insert(v["index"].as_u64().unwrap_or(0), k);
                let call = json!({"index": k, "id": block["id"], "type": "function",
                    "function": {"name": block["name"], "arguments": ""}});
                self.chunk(json!({"tool_calls": [call]}), Value::Null, out);
            }
            _ => {}
        }
    }

    fn block_delta(&mut self, v: &Value, out: &mut Vec<u8>) {
        self.start(out);
        let d = &v["delta"];
        match d["type"].as_str() {
            Some("text_delta") => self.chunk(json!({"content": d["text"]}), Value::Null, out),
            Some("thinking_delta") => {
                if let Some((text, _)) = self.thinking.as_mut() {
                    text.push_str(d["thinking"].as_str().unwrap_or_default());
                }
                self.chunk(
                    json!({"reasoning_content": d["thinking"]}),
                    Value::Null,
                    out,
                );
            }
            Some("signature_delta") => {
                if let Some((_, sig)) = self.thinking.as_mut() {
                    sig.push_str(d["signature"].as_str().unwrap_or_default());
                }
            }
            Some("input_json_delta") => {
                let piece = d["partial_json"].as_str().unwrap_or_default();
                let k = v["index"]
                    .as_u64()
                    .and_then(|i| self.tool_index.get(&i).copied());
                if let (false, Some(k)) = (piece.is_empty(), k) {
                    let call = json!({"index": k, "function": {"arguments": piece}});
                    self.chunk(json!({"tool_calls": [call]}), Value::Null, out);
                }
            }
            _ => {} // citations_delta
        }
    }

    /// A finished thinking block goes out whole in `delta.thinking_blocks`
    /// (LiteLLM's field), so a client that echoes it back keeps the signed
    /// thinking that Anthropic requires on tool-use turns.
    fn block_stop(&mut self, out: &mut Vec<u8>) {
        if let Some((text, sig)) = self.thinking.take().filter(|(_, sig)| !sig.is_empty()) {
            let b = json!({"type": "thinking", "thinking": text, "signature": sig});
            self.chunk(json!({"thinking_blocks": [b]}), Value::Null, out);
        }
    }

    fn merge_usage(&mut self, v: &Value, raw: Option<&Value>) {
        self.usage.merge(&anthropic::usage_from_event(v));
        if let Some(r) = raw.filter(|r| r.is_object()) {
            let merged = self.raw_usage.get_or_insert_with(|| json!({}));
            for (k, val) in r.as_object().into_iter().flatten() {
                merged[k] = val.clone();
            }
        }
    }

    fn send_finish(&mut self, out: &mut Vec<u8>) {
        if self.finish_sent {
            return;
        }
        self.finish_sent = true;
        let reason = finish_reason(self.stop_reason.as_deref(), !self.tool_index.is_empty());
        self.chunk(json!({}), json!(reason), out);
    }

    /// End of stream (`message_stop` or EOF); idempotent.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if self.finished {
            return;
        }
        self.start(out);
        self.send_finish(out);
        if self.ctx.include_usage {
            let id = self
                .id
                .clone()
                .unwrap_or_else(|| self.ctx.message_id.clone());
            let c = json!({"id": id, "object": "chat.completion.chunk", "created": self.ctx.created,
                "model": self.ctx.client_model, "choices": [], "usage": usage_value(&self.usage, self.raw_usage.as_ref())});
            write_json(out, None, &c);
        }
        write_event(out, None, b"[DONE]");
        self.finished = true;
    }

    /// Abort with an OpenAI error chunk (`data: {"error":…}`), no `[DONE]`.
    pub fn fail(&mut self, error_type: &str, message: &str, out: &mut Vec<u8>) {
        if self.finished {
            return;
        }
        out.extend_from_slice(&openai::stream_error_chunk(message, error_type, None));
        self.finished = true;
    }
}
