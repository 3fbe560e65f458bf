//! Precomputed upstream answers in each vendor's wire format
//! (protocols.md §1 and §2): a non-stream body and a stream cut into a head,
//! one repeated content chunk and a tail (finish, usage, terminator).

use bytes::Bytes;

use crate::shape::Protocol;

pub struct StreamParts {
    pub head: Bytes,
    pub delta: Bytes,
    pub tail: Bytes,
}

const OPENAI_BODY: &str = concat!(
    r#"{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"bench-model","#,
    r#""choices":[{"index":0,"message":{"role":"assistant","content":"Hello from the fake upstream."},"#,
    r#""finish_reason":"stop","logprobs":null}],"#,
    r#""usage":{"prompt_tokens":11,"completion_tokens":7,"total_tokens":18}}"#
);

const ANTHROPIC_BODY: &str = concat!(
    r#"{"id":"msg_bench","type":"message","role":"assistant","model":"bench-model","#,
    r#""content":[{"type":"text","text":"Hello from the fake upstream."}],"#,
    r#""stop_reason":"end_turn","stop_sequence":null,"#,
    r#""usage":{"input_tokens":21,"output_tokens":9}}"#
);

const OPENAI_HEAD: &str = concat!(
    r#"data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench-model","#,
    r#""choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#,
    "\n\n"
);

const OPENAI_DELTA: &str = concat!(
    r#"data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench-model","#,
    r#""choices":[{"index":0,"delta":{"content":"tok "},"finish_reason":null}]}"#,
    "\n\n"
);

const OPENAI_TAIL: &str = concat!(
    r#"data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench-model","#,
    r#""choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
    "\n\n",
    r#"data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench-model","#,
    r#""choices":[],"usage":{"prompt_tokens":11,"completion_tokens":7,"total_tokens":18}}"#,
    "\n\n",
    "data: [DONE]\n\n"
);

const ANTHROPIC_HEAD: &str = concat!(
    "event: message_start\n",
    r#"data: {"type":"message_start","message":{"id":"msg_bench","type":"message","role":"assistant","#,
    r#""model":"bench-model","content":[],"stop_reason":null,"stop_sequence":null,"#,
    r#""usage":{"input_tokens":21,"output_tokens":1}}}"#,
    "\n\n",
    "event: content_block_start\n",
    r#"data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
    "\n\n"
);

const ANTHROPIC_DELTA: &str = concat!(
    "event: content_block_delta\n",
    r#"data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"tok "}}"#,
    "\n\n"
);

const ANTHROPIC_TAIL: &str = concat!(
    "event: content_block_stop\n",
    r#"data: {"type":"content_block_stop","index":0}"#,
    "\n\n",
    "event: message_delta\n",
    r#"data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":9}}"#,
    "\n\n",
    "event: message_stop\n",
    r#"data: {"type":"message_stop"}"#,
    "\n\n"
);

pub fn non_stream(proto: Protocol) -> Bytes {
    Bytes::from_static(match proto {
        Protocol::OpenAi => OPENAI_BODY.as_bytes(),
        Protocol::Anthropic => ANTHROPIC_BODY.as_bytes(),
    })
}

pub fn stream_parts(proto: Protocol) -> StreamParts {
    let (head, delta, tail) = match proto {
        Protocol::OpenAi => (OPENAI_HEAD, OPENAI_DELTA, OPENAI_TAIL),
        Protocol::Anthropic => (ANTHROPIC_HEAD, ANTHROPIC_DELTA, ANTHROPIC_TAIL),
    };
    StreamParts {
        head: Bytes::from_static(head.as_bytes()),
        delta: Bytes::from_static(delta.as_bytes()),
        tail: Bytes::from_static(tail.as_bytes()),
    }
}
