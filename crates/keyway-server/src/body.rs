//! Reading just enough of a request body to route it, and rewriting `model`
//! in place. The body is never re-serialized on the pass-through path: we
//! find the byte span of the top-level `model` value and splice the upstream
//! id into it, so every other byte (unknown fields, key order, whitespace)
//! reaches the upstream untouched.

use std::ops::Range;

use bytes::{BufMut, Bytes, BytesMut};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::ApiError;

/// What routing needs from a request body.
#[derive(Debug)]
pub struct Probe {
    pub model: String,
    /// Byte range of the `model` value (including its quotes) in the body.
    pub model_span: Range<usize>,
    pub stream: bool,
    pub has_stream_options: bool,
}

#[derive(Deserialize)]
struct Fields<'a> {
    #[serde(borrow)]
    model: Option<&'a RawValue>,
    #[serde(borrow)]
    stream: Option<&'a RawValue>,
    #[serde(borrow)]
    stream_options: Option<&'a RawValue>,
    #[serde(borrow)]
    messages: Option<&'a RawValue>,
}

/// Which fields an endpoint insists on.
#[derive(Debug, Clone, Copy)]
pub struct Required {
    pub messages: bool,
}

pub fn probe(body: &[u8], required: Required) -> Result<Probe, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest(
            "request body is empty; expected a JSON object".into(),
        ));
    }
    let fields: Fields<'_> = serde_json::from_slice(body).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            ApiError::BadRequest(format!("request body is not valid JSON: {e}"))
        } else {
            ApiError::BadRequest(format!("request body has the wrong shape: {e}"))
        }
    })?;
    let raw_model = fields
        .model
        .ok_or_else(|| ApiError::BadRequest("missing required field `model`".into()))?;
    let model: String = serde_json::from_str(raw_model.get()).map_err(|_| {
        ApiError::BadRequest(format!(
            "field `model` must be a string, got {}",
            json_kind(raw_model.get())
        ))
    })?;
    if model.is_empty() {
        return Err(ApiError::BadRequest(
            "field `model` must not be empty".into(),
        ));
    }
    let stream = match fields.stream.map(|r| r.get()) {
        None | Some("null") | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "field `stream` must be a boolean, got {}",
                json_kind(other)
            )))
        }
    };
    if required.messages {
        match fields.messages.map(|r| r.get()) {
            None => {
                return Err(ApiError::BadRequest(
                    "missing required field `messages`".into(),
                ))
            }
            Some(m) if !m.starts_with('[') => {
                return Err(ApiError::BadRequest(format!(
                    "field `messages` must be an array, got {}",
                    json_kind(m)
                )))
            }
            Some(_) => {}
        }
    }
    // RawValue borrows from `body`, so its address locates the value.
    let start = raw_model.get().as_ptr() as usize - body.as_ptr() as usize;
    let model_span = start..start + raw_model.get().len();
    Ok(Probe {
        model,
        model_span,
        stream,
        has_stream_options: fields.stream_options.is_some_and(|r| r.get() != "null"),
    })
}

fn json_kind(raw: &str) -> &'static str {
    match raw.as_bytes().first() {
        Some(b'"') => "a string",
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b't') | Some(b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

/// The body with `model` replaced by `upstream_model`, and optionally
/// `"stream_options":{"include_usage":true}` added (so streamed usage can be
/// logged even when the client did not ask for it).
pub fn rewrite(
    body: &Bytes,
    probe: &Probe,
    upstream_model: &str,
    add_include_usage: bool,
) -> Bytes {
    let encoded = serde_json::to_string(upstream_model).unwrap_or_else(|_| "\"\"".to_owned());
    const INCLUDE_USAGE: &[u8] = br#""stream_options":{"include_usage":true},"#;
    let extra = if add_include_usage {
        INCLUDE_USAGE.len()
    } else {
        0
    };
    let mut out = BytesMut::with_capacity(body.len() + encoded.len() + extra);
    let span = &probe.model_span;
    if add_include_usage {
        // Insert right after the opening brace: the object has at least `model`, so a comma is always valid.
        let brace = body.iter().position(|&b| b == b'{').unwrap_or(0);
        out.put_slice(&body[..=brace]);
        out.put_slice(INCLUDE_USAGE);
        out.put_slice(&body[brace + 1..span.start]);
    } else {
        out.put_slice(&body[..span.start]);
    }
    out.put_slice(encoded.as_bytes());
    out.put_slice(&body[span.end..]);
    out.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQ: Required = Required { messages: true };

    #[test]
    fn rewrites_only_the_model_value() {
        let body = Bytes::from_static(
            br#"{ "messages":[{"role":"user","content":"model"}], "model" : "alias-1", "x_unknown": {"model":"keep"}, "stream":false}"#,
        );
        let p = probe(&body, REQ).expect("probe");
        assert_eq!(p.model, "alias-1");
        let out = rewrite(&body, &p, "deepseek-chat", false);
        assert_eq!(
            std::str::from_utf8(&out).expect("utf8"),
            r#"{ "messages":[{"role":"user","content":"model"}], "model" : "deepseek-chat", "x_unknown": {"model":"keep"}, "stream":false}"#
        );
    }

    #[test]
    fn escaped_model_names_and_include_usage() {
        let body = Bytes::from_static(br#"{"model":"a\u0062c","messages":[],"stream":true}"#);
        let p = probe(&body, REQ).expect("probe");
        assert_eq!(p.model, "abc");
        assert!(p.stream);
        let out = rewrite(&body, &p, "up\"q", true);
        let v: serde_json::Value = serde_json::from_slice(&out).expect("valid json");
        assert_eq!(v["model"], "up\"q");
        assert_eq!(v["stream_options"]["include_usage"], true);
        assert_eq!(v["messages"], serde_json::json!([]));
    }

    #[test]
    fn bad_bodies_say_what_is_wrong() {
        let cases: &[(&[u8], &str)] = &[
            (b"", "empty"),
            (b"{not json", "not valid JSON"),
            (b"[1,2]", "wrong shape"),
            (br#"{"messages":[]}"#, "missing required field `model`"),
            (
                br#"{"model":42,"messages":[]}"#,
                "`model` must be a string, got a number",
            ),
            (br#"{"model":"","messages":[]}"#, "must not be empty"),
            (
                br#"{"model":"m","messages":[],"stream":"yes"}"#,
                "`stream` must be a boolean",
            ),
            (
                br#"{"model":"m","messages":"hi"}"#,
                "`messages` must be an array, got a string",
            ),
            (br#"{"model":"m"}"#, "missing required field `messages`"),
            (br#"{"model":"m","messages":[]"#, "not valid JSON"),
            (
                br#"{"model":"m","model":"n","messages":[]}"#,
                "duplicate field",
            ),
        ];
        for (body, want) in cases {
            let err = probe(body, REQ).expect_err("must fail").to_string();
            assert!(
                err.contains(want),
                "{:?}: {err}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
