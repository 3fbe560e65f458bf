//! The four measured request kinds, and the request each target gets for
//! them: the same body, with the model name the target expects.

use bytes::Bytes;
use http::{HeaderName, HeaderValue};

use crate::load::Template;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Non-stream OpenAI Chat Completions.
    Chat,
    /// Non-stream Anthropic Messages.
    Messages,
    /// OpenAI SSE stream of N chunks, passed through.
    Stream,
    /// Anthropic client, OpenAI upstream stream: Keyway translates. Direct and
    /// nginx get the fake's native Anthropic stream of the same length.
    Bridged,
}

impl Scenario {
    pub const ALL: [Scenario; 4] = [
        Scenario::Chat,
        Scenario::Messages,
        Scenario::Stream,
        Scenario::Bridged,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Scenario::Chat => "non-stream OpenAI",
            Scenario::Messages => "non-stream Anthropic",
            Scenario::Stream => "SSE stream (OpenAI)",
            Scenario::Bridged => "bridged stream (Anthropic → OpenAI)",
        }
    }

    pub fn is_stream(self) -> bool {
        matches!(self, Scenario::Stream | Scenario::Bridged)
    }

    fn anthropic_client(self) -> bool {
        matches!(self, Scenario::Messages | Scenario::Bridged)
    }
}

/// The model name a target expects for each scenario.
#[derive(Debug, Clone)]
pub struct Models {
    pub chat: String,
    pub messages: String,
    pub stream: String,
    pub bridged: String,
}

impl Models {
    /// The fake's own names (direct and nginx).
    pub fn upstream(chunks: usize) -> Models {
        Models {
            chat: "ok".into(),
            messages: "ok".into(),
            stream: format!("bench-stream-{chunks}"),
            bridged: format!("bench-stream-{chunks}"),
        }
    }

    fn pick(&self, s: Scenario) -> &str {
        match s {
            Scenario::Chat => &self.chat,
            Scenario::Messages => &self.messages,
            Scenario::Stream => &self.stream,
            Scenario::Bridged => &self.bridged,
        }
    }
}

/// A short but realistic conversation: a system prompt and three turns.
const SYSTEM: &str = "You are a concise assistant for a software team. Answer in plain English, \
prefer short sentences, and say when you are unsure. Never invent file names or APIs.";
const TURNS: [(&str, &str); 3] = [
    ("user", "What does the gateway do with a request whose model is an alias?"),
    ("assistant", "It looks the alias up in the caller's group and forwards the request to the routed provider with the provider's model name."),
    ("user", "Say hello."),
];

fn json_str(s: &str) -> String {
    // The texts above hold no characters that need escaping but quotes.
    format!("\"{}\"", s.replace('"', "\\\""))
}

pub fn body(s: Scenario, model: &str) -> Bytes {
    let turns: Vec<String> = TURNS
        .iter()
        .map(|(role, text)| format!("{{\"role\":\"{role}\",\"content\":{}}}", json_str(text)))
        .collect();
    let stream = s.is_stream();
    let model = json_str(model);
    let text = if s.anthropic_client() {
        format!(
            "{{\"model\":{model},\"max_tokens\":256,\"system\":{},\"messages\":[{}],\"stream\":{stream}}}",
            json_str(SYSTEM),
            turns.join(",")
        )
    } else {
        format!(
            "{{\"model\":{model},\"messages\":[{{\"role\":\"system\",\"content\":{}}},{}],\"stream\":{stream}}}",
            json_str(SYSTEM),
            turns.join(",")
        )
    };
    Bytes::from(text)
}

/// The request for scenario `s` against a target that expects `models` and
/// authenticates with `key` (None: no credentials needed).
pub fn template(s: Scenario, models: &Models, key: Option<&str>) -> Template {
    let mut headers: Vec<(HeaderName, HeaderValue)> = Vec::new();
    let key = key.unwrap_or("sk-bench-direct-0000000000");
    let path = if s.anthropic_client() {
        headers.push((
            HeaderName::from_static("anthropic-version"),
            HeaderValue::from_static("2023-06-01"),
        ));
        if let Ok(v) = HeaderValue::from_str(key) {
            headers.push((HeaderName::from_static("x-api-key"), v));
        }
        "/v1/messages"
    } else {
        if let Ok(v) = HeaderValue::from_str(&format!("Bearer {key}")) {
            headers.push((http::header::AUTHORIZATION, v));
        }
        "/v1/chat/completions"
    };
    Template {
        path: path.to_owned(),
        headers,
        body: body(s, models.pick(s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::parse_request;

    #[test]
    fn bodies_carry_the_target_model_and_stream_flag() {
        let m = Models::upstream(12);
        for s in Scenario::ALL {
            let t = template(s, &m, Some("db_sk_x"));
            let p = parse_request(&t.body);
            assert_eq!(p.stream, s.is_stream(), "{s:?}");
            if s.is_stream() {
                assert_eq!(p.shape.chunks, 12);
            }
            let anthropic = t.path == "/v1/messages";
            assert_eq!(anthropic, t.headers.iter().any(|(k, _)| k == "x-api-key"));
            assert_eq!(
                anthropic,
                std::str::from_utf8(&t.body).is_ok_and(|b| b.contains("max_tokens"))
            );
        }
    }
}
