//! Where a request goes on a provider. `base_url` is what the user typed
//! (with or without a trailing slash); OpenAI-protocol bases already include
//! their version prefix (`…/v1`, `…/api/v3`), Anthropic-protocol bases do not.

/// The upstream operations Keyway calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// OpenAI `POST {base}/chat/completions`
    ChatCompletions,
    /// Anthropic `POST {base}/v1/messages`
    Messages,
    /// Anthropic `POST {base}/v1/messages/count_tokens`
    CountTokens,
}

pub fn endpoint_url(base_url: &str, endpoint: Endpoint) -> String {
    let base = base_url.trim_end_matches('/');
    let suffix = match endpoint {
        Endpoint::ChatCompletions => "/chat/completions",
        Endpoint::Messages => "/v1/messages",
        Endpoint::CountTokens => "/v1/messages/count_tokens",
    };
    let mut url = String::with_capacity(base.len() + suffix.len());
    url.push_str(base);
    url.push_str(suffix);
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_with_and_without_trailing_slash() {
        let cases = [
            (
                "https://api.deepseek.com/v1",
                Endpoint::ChatCompletions,
                "https://api.deepseek.com/v1/chat/completions",
            ),
            (
                "https://api.deepseek.com/v1/",
                Endpoint::ChatCompletions,
                "https://api.deepseek.com/v1/chat/completions",
            ),
            (
                "https://api.anthropic.com",
                Endpoint::Messages,
                "https://api.anthropic.com/v1/messages",
            ),
            (
                "https://open.bigmodel.cn/api/anthropic/",
                Endpoint::CountTokens,
                "https://open.bigmodel.cn/api/anthropic/v1/messages/count_tokens",
            ),
        ];
        for (base, ep, want) in cases {
            assert_eq!(endpoint_url(base, ep), want, "{base} {ep:?}");
        }
    }
}
