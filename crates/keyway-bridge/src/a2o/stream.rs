//! OpenAI SSE → Anthropic SSE state machine (protocols.md §3.3).

use std::collections::BTreeMap;

use keyway_protocol::sse::{write_json, SseEvent};
use keyway_protocol::{anthropic, openai, Usage};
use serde_json::{json, Value};

use super::response::{client_tool_id, reasoning_of, stop_reason};
use crate::ctx::Ctx;
use crate::errors::anthropic_type_for_openai_error;
use crate::ids::synthetic_signature;
use crate::profile::ReasoningOutput;
use crate::think_tags::{Piece, ThinkSplitter};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Thinking(usize),
    Text(usize),
    /// Anthropic block index, OpenAI tool index.
    Tool(usize, u64),
}

#[derive(Debug, Default)]
struct ToolCall {
    id: Option<String>,
    name: Option<String>,
    /// Argument text not yet sent (the call has no block yet).
    args: String,
    /// Order of first appearance, for ids minted when the upstream has none.
    position: usize,
    started: bool,
}

/// Translates one upstream stream. Feed every upstream SSE event to
/// [`Stream::push`]; call [`Stream::finish`] on EOF (idempotent, also
/// triggered by `[DONE]`).
#[derive(Debug)]
pub struct Stream {
    ctx: Ctx,
    started: bool,
    finished: bool,
    next_index: usize,
    open: Option<Open>,
    /// Text of the open thinking block, hashed into its signature.
    thinking: String,
    splitter: Option<ThinkSplitter>,
    /// Calls by OpenAI index. Only one call streams live at a time (Anthropic
    /// blocks cannot interleave); others are buffered and sent whole at the
    /// end, so arguments arriving for an earlier call are never lost.
    tools: BTreeMap<u64, ToolCall>,
    live_tool: Option<u64>,
    emitted_tool: bool,
    finish_reason: Option<String>,
    usage: Usage,
}

fn emit(out: &mut Vec<u8>, event: &str, data: Value) {
    write_json(out, Some(event), &data);
}

impl Stream {
    pub fn new(ctx: Ctx) -> Self {
        let splitter =
            (ctx.profile.reasoning_output == ReasoningOutput::ThinkTags).then(ThinkSplitter::new);
        Stream {
            ctx,
            started: false,
            finished: false,
            next_index: 0,
            open: None,
            thinking: String::new(),
            splitter,
            tools: BTreeMap::new(),
            live_tool: None,
            emitted_tool: false,
            finish_reason: None,
            usage: Usage::default(),
        }
    }

    /// Emit `message_start` (+ `ping`) now, e.g. to cut time-to-first-byte.
    /// Called implicitly by the first `push`.
    pub fn start(&mut self, out: &mut Vec<u8>) {
        if self.started {
            return;
        }
        self.started = true;
        emit(
            out,
            "message_start",
            json!({"type": "message_start", "message": {
                "id": self.ctx.message_id, "type": "message", "role": "assistant", "content": [],
                "model": self.ctx.client_model, "stop_reason": null, "stop_sequence": null,
                "usage": {"input_tokens": 0, "output_tokens": 0}}}),
        );
        emit(out, "ping", json!({"type": "ping"}));
    }

    /// Usage from the last upstream chunk that carried any.
    pub fn usage(&self) -> Usage {
        self.usage.clone()
    }

    /// The upstream ended its answer (a `finish_reason` arrived), so an EOF
    /// without `[DONE]` lost nothing and [`Stream::finish`] is the right end.
    pub fn upstream_finished(&self) -> bool {
        self.finish_reason.is_some()
    }

    /// True once `message_stop` or an error was written.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    pub fn push(&mut self, ev: &SseEvent, out: &mut Vec<u8>) {
        if self.finished {
            return;
        }
        let data = ev.data.trim();
        if data == "[DONE]" {
            self.finish(out);
            return;
        }
        let is_error_event = ev.event.as_deref() == Some("error");
        let Ok(v) = serde_json::from_str::<Value>(data) else {
            if is_error_event {
                let message = openai::extract_error_message(data.as_bytes());
                self.fail("api_error", &message, out);
            }
            return; // otherwise not JSON: vendor noise, nothing to translate
        };
        if is_error_event || v.get("error").is_some_and(|e| !e.is_null()) {
            let err = v.get("error").unwrap_or(&v);
            let message = openai::extract_error_message(data.as_bytes());
            self.fail(anthropic_type_for_openai_error(err), &message, out);
            return;
        }
        if let Some(code) = v.pointer("/base_resp/status_code").and_then(Value::as_i64) {
            if code != 0 {
                let message = openai::extract_error_message(data.as_bytes());
                self.fail("api_error", &message, out);
                return;
            }
        }
        self.start(out);
        if v.get("usage").is_some_and(Value::is_object) {
            let u = openai::usage_from_body(&v);
            if !u.is_empty() {
                // Replace, don't merge: each usage object is a full snapshot.
                self.usage = u;
            }
        }
        let Some(choice) = v
            .get("choices")
            .and_then(Value::as_array)
            .and_then(|c| c.first())
        else {
            return;
        };
        if let Some(delta) = choice.get("delta") {
            self.delta(delta, out);
        }
        if let Some(f) = choice.get("finish_reason").and_then(Value::as_str) {
            self.finish_reason = Some(f.to_owned());
        }
    }

    fn delta(&mut self, delta: &Value, out: &mut Vec<u8>) {
        if let Some(r) = reasoning_of(delta) {
            self.thinking_delta(&r, out);
        }
        if let Some(c) = delta
            .get("content")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
        {
            match self.splitter.as_mut() {
                Some(sp) => {
                    let pieces = sp.push(c);
                    self.pieces(pieces, out);
                }
                None => self.text_delta(c, out),
            }
        }
        if let Some(r) = delta
            .get("refusal")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
        {
            self.text_delta(r, out);
        }
        if let Some(calls) = delta.get("tool_calls").and_then(Value::as_array) {
            for (pos, call) in calls.iter().enumerate() {
                let idx = call
                    .get("index")
                    .and_then(Value::as_u64)
                    .unwrap_or(pos as u64);
                self.tool_fragment(idx, call, out);
            }
        }
    }

    fn pieces(&mut self, pieces: Vec<Piece>, out: &mut Vec<u8>) {
        for p in pieces {
            match p {
                Piece::Thinking(t) => self.thinking_delta(&t, out),
                Piece::Text(t) => self.text_delta(&t, out),
            }
        }
    }

    fn open_block(&mut self, block: Value, out: &mut Vec<u8>) -> usize {
        self.close_open(out);
        let index = self.next_index;
        self.next_index += 1;
        emit(
            out,
            "content_block_start",
            json!({"type": "content_block_start", "index": index, "content_block": block}),
        );
        index
    }

    fn thinking_delta(&mut self, text: &str, out: &mut Vec<u8>) {
        let index = match self.open {
            Some(Open::Thinking(i)) => i,
            _ => {
                let i = self.open_block(
                    json!({"type": "thinking", "thinking": "", "signature": ""}),
                    out,
                );
                self.open = Some(Open::Thinking(i));
                i
            }
        };
        self.thinking.push_str(text);
        emit(
            out,
            "content_block_delta",
            json!({"type": "content_block_delta", "index": index,
            "delta": {"type": "thinking_delta", "thinking": text}}),
        );
    }

    fn text_delta(&mut self, text: &str, out: &mut Vec<u8>) {
        let index = match self.open {
            Some(Open::Text(i)) => i,
            _ => {
                let i = self.open_block(json!({"type": "text", "text": ""}), out);
                self.open = Some(Open::Text(i));
                i
            }
        };
        emit(
            out,
            "content_block_delta",
            json!({"type": "content_block_delta", "index": index,
            "delta": {"type": "text_delta", "text": text}}),
        );
    }

    fn args_delta(index: usize, args: &str, out: &mut Vec<u8>) {
        if !args.is_empty() {
            emit(
                out,
                "content_block_delta",
                json!({"type": "content_block_delta", "index": index,
                "delta": {"type": "input_json_delta", "partial_json": args}}),
            );
        }
    }

    fn tool_fragment(&mut self, idx: u64, call: &Value, out: &mut Vec<u8>) {
        let position = self.tools.len();
        let tc = self.tools.entry(idx).or_insert_with(|| ToolCall {
            position,
            ..ToolCall::default()
        });
        if tc.id.is_none() {
            tc.id = call
                .get("id")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned);
        }
        if tc.name.is_none() {
            tc.name = call
                .pointer("/function/name")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned);
        }
        let args = call
            .pointer("/function/arguments")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if let Some(Open::Tool(block, live)) = self.open {
            if live == idx {
                Self::args_delta(block, args, out);
                return;
            }
        }
        if tc.started {
            // A continuation for a call whose block already closed cannot be
            // expressed; by construction only a call interrupted by text or
            // thinking gets here.
            return;
        }
        tc.args.push_str(args);
        let ready = tc.name.is_some();
        if ready && self.live_tool.is_none() {
            self.start_tool(idx, out);
        }
    }

    /// Open the block for a buffered call and send what it has so far.
    fn start_tool(&mut self, idx: u64, out: &mut Vec<u8>) {
        let Some(tc) = self.tools.get(&idx) else {
            return;
        };
        let id = client_tool_id(tc.id.as_deref(), &self.ctx, tc.position);
        let name = self
            .ctx
            .original_tool_name(tc.name.as_deref().unwrap_or_default());
        let block = self.open_block(
            json!({"type": "tool_use", "id": id, "name": name, "input": {}}),
            out,
        );
        let Some(tc) = self.tools.get_mut(&idx) else {
            return;
        };
        tc.started = true;
        let args = std::mem::take(&mut tc.args);
        Self::args_delta(block, &args, out);
        self.open = Some(Open::Tool(block, idx));
        self.live_tool = Some(idx);
        self.emitted_tool = true;
    }

    fn close_open(&mut self, out: &mut Vec<u8>) {
        let Some(open) = self.open.take() else { return };
        let index = match open {
            Open::Thinking(i) => {
                let signature = synthetic_signature(&std::mem::take(&mut self.thinking));
                emit(
                    out,
                    "content_block_delta",
                    json!({"type": "content_block_delta", "index": i,
                    "delta": {"type": "signature_delta", "signature": signature}}),
                );
                i
            }
            Open::Text(i) => i,
            Open::Tool(i, _) => {
                self.live_tool = None;
                i
            }
        };
        emit(
            out,
            "content_block_stop",
            json!({"type": "content_block_stop", "index": index}),
        );
    }

    /// End of the upstream stream (`[DONE]` or EOF): close blocks, send
    /// buffered calls, `message_delta` with stop reason and usage, then
    /// `message_stop`. Safe to call more than once.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if self.finished {
            return;
        }
        self.start(out);
        if let Some(mut sp) = self.splitter.take() {
            let pieces = sp.finish();
            self.pieces(pieces, out);
        }
        self.close_open(out);
        let pending: Vec<u64> = self
            .tools
            .iter()
            .filter(|(_, t)| !t.started)
            .map(|(i, _)| *i)
            .collect();
        for idx in pending {
            self.start_tool(idx, out);
            self.close_open(out);
        }
        let stop = stop_reason(self.finish_reason.as_deref(), self.emitted_tool);
        emit(
            out,
            "message_delta",
            json!({"type": "message_delta",
            "delta": {"stop_reason": stop, "stop_sequence": null},
            "usage": anthropic::usage_json(&self.usage)}),
        );
        emit(out, "message_stop", json!({"type": "message_stop"}));
        self.finished = true;
    }

    /// Abort with an Anthropic `event: error` (after a 200 was sent).
    pub fn fail(&mut self, error_type: &str, message: &str, out: &mut Vec<u8>) {
        if self.finished {
            return;
        }
        out.extend_from_slice(&anthropic::stream_error_event(error_type, message));
        self.finished = true;
    }
}
