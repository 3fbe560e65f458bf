//! Server-sent events: an incremental parser and a writer.
//!
//! The parser accepts bytes split anywhere (inside a UTF-8 character, between
//! `\r` and `\n`) because upstream bodies arrive in arbitrary network chunks.
//! Lines are decoded only once complete, so split characters are never seen.

use std::collections::VecDeque;

/// One dispatched event. `data` holds all `data:` lines joined with `\n`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SseEvent {
    pub event: Option<String>,
    pub data: String,
}

/// Incremental SSE parser (WHATWG EventSource rules, minus `id`/`retry`).
#[derive(Debug, Default)]
pub struct SseParser {
    buf: Vec<u8>,
    /// The previous push ended with `\r`; a leading `\n` now belongs to it.
    skip_lf: bool,
    /// No line seen yet: a UTF-8 BOM at the very start is dropped.
    at_start: bool,
    event: Option<String>,
    data: String,
    has_data: bool,
    ready: VecDeque<SseEvent>,
}

impl SseParser {
    pub fn new() -> Self {
        SseParser {
            at_start: true,
            ..SseParser::default()
        }
    }

    /// Feed the next chunk of the body; complete events become available
    /// through [`SseParser::next_event`].
    pub fn push(&mut self, bytes: &[u8]) {
        let mut bytes = bytes;
        if self.skip_lf && !bytes.is_empty() {
            if bytes[0] == b'\n' {
                bytes = &bytes[1..];
            }
            self.skip_lf = false;
        }
        self.buf.extend_from_slice(bytes);
        let mut start = 0;
        while let Some(rel) = memchr::memchr2(b'\n', b'\r', &self.buf[start..]) {
            let end = start + rel;
            let next = if self.buf[end] == b'\r' {
                match self.buf.get(end + 1) {
                    Some(b'\n') => end + 2,
                    Some(_) => end + 1,
                    None => {
                        // Can't see whether `\n` follows yet; remember to eat it.
                        self.skip_lf = true;
                        end + 1
                    }
                }
            } else {
                end + 1
            };
            let line = String::from_utf8_lossy(&self.buf[start..end]).into_owned();
            self.line(&line);
            start = next;
        }
        self.buf.drain(..start);
    }

    /// The next complete event, if any.
    pub fn next_event(&mut self) -> Option<SseEvent> {
        self.ready.pop_front()
    }

    /// End of body: treat an unterminated last line and a pending event
    /// (missing trailing blank line) as complete. Returns the next event.
    pub fn finish(&mut self) -> Option<SseEvent> {
        if !self.buf.is_empty() {
            let line = String::from_utf8_lossy(&self.buf).into_owned();
            self.buf.clear();
            self.line(&line);
        }
        self.dispatch();
        self.next_event()
    }

    fn line(&mut self, line: &str) {
        let line = if self.at_start {
            self.at_start = false;
            line.strip_prefix('\u{feff}').unwrap_or(line)
        } else {
            line
        };
        if line.is_empty() {
            self.dispatch();
            return;
        }
        if line.starts_with(':') {
            return; // comment, e.g. DeepSeek's `: keep-alive`
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "event" => self.event = Some(value.to_owned()),
            _ => {} // id, retry and unknown fields do not matter to a proxy
        }
    }

    fn dispatch(&mut self) {
        let event = self.event.take();
        if !self.has_data {
            return; // an event with no data is not dispatched
        }
        self.has_data = false;
        self.ready.push_back(SseEvent {
            event: event.filter(|e| !e.is_empty()),
            data: std::mem::take(&mut self.data),
        });
    }
}

/// Append one complete SSE frame: `event: x\ndata: y\n\n` (or without the
/// event line). Data containing newlines becomes several `data:` lines.
pub fn write_event(out: &mut Vec<u8>, event: Option<&str>, data: &[u8]) {
    if let Some(event) = event {
        out.extend_from_slice(b"event: ");
        out.extend_from_slice(event.as_bytes());
        out.push(b'\n');
    }
    for line in data.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        out.extend_from_slice(b"data: ");
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    out.push(b'\n');
}

/// Append `data: <json>\n\n` for a serializable value.
pub fn write_json(out: &mut Vec<u8>, event: Option<&str>, value: &serde_json::Value) {
    write_event(out, event, value.to_string().as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut p = SseParser::new();
        let mut out = Vec::new();
        for c in chunks {
            p.push(c);
            while let Some(e) = p.next_event() {
                out.push(e);
            }
        }
        while let Some(e) = p.finish() {
            out.push(e);
        }
        out
    }

    fn ev(event: Option<&str>, data: &str) -> SseEvent {
        SseEvent {
            event: event.map(str::to_owned),
            data: data.to_owned(),
        }
    }

    const SAMPLE: &str = "\u{feff}: keep-alive\r\n\r\nevent: message_start\r\ndata: {\"a\":\"h\u{e9}llo \u{1f600}\"}\r\n\r\ndata:no-space\n\ndata: line1\ndata: line2\n\nevent: ping\n\n: comment only\n\nevent: x\rdata: cr\r\rdata: [DONE]\n\ndata: tail";

    fn sample_expected() -> Vec<SseEvent> {
        vec![
            ev(Some("message_start"), "{\"a\":\"h\u{e9}llo \u{1f600}\"}"),
            ev(None, "no-space"),
            ev(None, "line1\nline2"),
            ev(Some("x"), "cr"),
            ev(None, "[DONE]"),
            ev(None, "tail"),
        ]
    }

    #[test]
    fn parses_sample_unsplit() {
        assert_eq!(parse_all(&[SAMPLE.as_bytes()]), sample_expected());
    }

    #[test]
    fn every_two_way_split_gives_same_events() {
        let bytes = SAMPLE.as_bytes();
        for i in 0..=bytes.len() {
            let got = parse_all(&[&bytes[..i], &bytes[i..]]);
            assert_eq!(got, sample_expected(), "split at {i}");
        }
    }

    #[test]
    fn byte_at_a_time_gives_same_events() {
        let bytes = SAMPLE.as_bytes();
        let chunks: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(parse_all(&chunks), sample_expected());
    }

    #[test]
    fn event_without_data_is_ignored_and_its_name_does_not_leak() {
        let got = parse_all(&[b"event: ping\n\ndata: x\n\n"]);
        assert_eq!(got, vec![ev(None, "x")]);
    }

    #[test]
    fn empty_data_line_dispatches_empty_event() {
        assert_eq!(parse_all(&[b"data:\n\n"]), vec![ev(None, "")]);
        assert_eq!(parse_all(&[b"data\n\n"]), vec![ev(None, "")]);
    }

    #[test]
    fn only_one_leading_space_is_stripped() {
        assert_eq!(parse_all(&[b"data:  two\n\n"]), vec![ev(None, " two")]);
    }

    #[test]
    fn finish_without_pending_returns_none() {
        let mut p = SseParser::new();
        p.push(b"data: a\n\n");
        assert_eq!(p.finish(), Some(ev(None, "a")));
        assert_eq!(p.finish(), None);
    }

    #[test]
    fn cr_then_lf_in_separate_pushes_is_one_line_end() {
        // Had the parser treated `\r` and `\n` as two line ends, the blank
        // line would dispatch `a` before `b` was added.
        let got = parse_all(&[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]);
        assert_eq!(got, vec![ev(None, "a\nb")]);
    }

    #[test]
    fn writer_output_round_trips() {
        let mut out = Vec::new();
        write_event(
            &mut out,
            Some("message_stop"),
            br#"{"type":"message_stop"}"#,
        );
        write_event(&mut out, None, b"[DONE]");
        write_event(&mut out, None, b"a\nb");
        assert_eq!(
            String::from_utf8_lossy(&out),
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\ndata: [DONE]\n\ndata: a\ndata: b\n\n"
        );
        assert_eq!(
            parse_all(&[&out]),
            vec![
                ev(Some("message_stop"), "{\"type\":\"message_stop\"}"),
                ev(None, "[DONE]"),
                ev(None, "a\nb"),
            ]
        );
    }
}
