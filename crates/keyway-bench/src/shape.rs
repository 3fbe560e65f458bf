//! What the fast fake answers, read from the request body without parsing
//! JSON: the `model` string picks the stream shape, `"stream": true` picks
//! SSE. Pure, so it is tested here.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    OpenAi,
    Anthropic,
}

/// How a streamed answer is paced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Content chunks between the head and the tail events.
    pub chunks: usize,
    /// Pause before each content chunk.
    pub delay: Duration,
    /// Pause before the response starts.
    pub first_byte: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parsed {
    pub stream: bool,
    pub shape: Shape,
}

/// The short answer's stream: two content chunks, like a greeting.
const OK_CHUNKS: usize = 2;

pub fn shape_for_model(model: &str) -> Shape {
    let num = |s: &str| s.parse::<u64>().ok();
    let mut shape = Shape {
        chunks: OK_CHUNKS,
        delay: Duration::ZERO,
        first_byte: Duration::ZERO,
    };
    if let Some(n) = model.strip_prefix("bench-stream-").and_then(num) {
        shape.chunks = n as usize;
    } else if let Some((n, ms)) = model.strip_prefix("slow-").and_then(|s| s.split_once('x')) {
        if let (Some(n), Some(ms)) = (num(n), num(ms)) {
            shape.chunks = n as usize;
            shape.delay = Duration::from_millis(ms);
        }
    } else if let Some(ms) = model.strip_prefix("stall-first-byte-").and_then(num) {
        shape.first_byte = Duration::from_millis(ms);
    }
    shape
}

/// The value of a top-level-looking `"key": ` in a JSON body, as raw bytes
/// up to the next `,` or `}` (or the closing quote for strings). Good enough
/// for the bodies gateways send; not a JSON parser.
fn raw_value<'a>(body: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let at = memchr::memmem::find(body, key)?;
    let rest = &body[at + key.len()..];
    let rest = rest
        .trim_ascii_start()
        .strip_prefix(b":")?
        .trim_ascii_start();
    if let Some(s) = rest.strip_prefix(b"\"") {
        let end = memchr::memchr(b'"', s)?;
        return Some(&s[..end]);
    }
    let end = rest
        .iter()
        .position(|&b| b == b',' || b == b'}')
        .unwrap_or(rest.len());
    Some(rest[..end].trim_ascii_end())
}

pub fn parse_request(body: &[u8]) -> Parsed {
    let model = raw_value(body, b"\"model\"")
        .and_then(|m| std::str::from_utf8(m).ok())
        .unwrap_or("ok");
    Parsed {
        stream: raw_value(body, b"\"stream\"") == Some(b"true"),
        shape: shape_for_model(model),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_model_and_stream_with_any_spacing() {
        let p = parse_request(br#"{"model": "bench-stream-7", "stream" : true, "messages":[]}"#);
        assert!(p.stream);
        assert_eq!(p.shape.chunks, 7);
        let p = parse_request(br#"{"stream":false,"model":"slow-3x100"}"#);
        assert!(!p.stream);
        assert_eq!(p.shape.chunks, 3);
        assert_eq!(p.shape.delay, Duration::from_millis(100));
        let p = parse_request(br#"{"model":"ok","stream":true}"#);
        assert!(p.stream);
        assert_eq!(p.shape.chunks, OK_CHUNKS);
    }

    #[test]
    fn stall_and_unknown_models() {
        let s = shape_for_model("stall-first-byte-250");
        assert_eq!(s.first_byte, Duration::from_millis(250));
        assert_eq!(shape_for_model("gpt-4o"), shape_for_model("ok"));
        assert_eq!(shape_for_model("slow-x"), shape_for_model("ok"));
        assert!(!parse_request(b"not json").stream);
    }
}
