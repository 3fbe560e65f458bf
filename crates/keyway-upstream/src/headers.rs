//! Which client headers reach the upstream. Everything passes except
//! credentials, hop-by-hop headers, and headers Keyway itself owns (length,
//! encoding, host). A denylist rather than an allowlist: vendors add headers
//! (`anthropic-beta` values, `x-claude-code-session-id`) faster than we could
//! list them, and dropping them breaks features silently.

use http::HeaderName;

/// What else to drop for a given upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderPolicy {
    /// Same protocol on both sides: forward `anthropic-*` headers unchanged.
    Passthrough,
    /// Translated request: the client's protocol headers mean nothing upstream.
    Bridged,
}

const ALWAYS_DROPPED: &[&str] = &[
    // credentials of the client (Keyway swaps in the provider's key)
    "authorization",
    "x-api-key",
    "proxy-authorization",
    "cookie",
    "api-key",
    "x-goog-api-key",
    "openai-organization",
    "openai-project",
    // browser-only switch; meaningless (and risky) server-side
    "anthropic-dangerous-direct-browser-access",
    // hop-by-hop (RFC 9110 §7.6.1) and connection-level
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    // Keyway re-frames the body and negotiates its own encoding
    "host",
    "content-length",
    "content-encoding",
    "accept-encoding",
    "expect",
];

/// True when a client header may be sent upstream under `policy`.
pub fn forwardable(name: &HeaderName, policy: HeaderPolicy) -> bool {
    let n = name.as_str();
    if ALWAYS_DROPPED.contains(&n) {
        return false;
    }
    match policy {
        HeaderPolicy::Passthrough => true,
        HeaderPolicy::Bridged => {
            !(n.starts_with("anthropic-") || n.starts_with("x-stainless-") || n == "content-type")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_and_hop_by_hop_never_pass() {
        for n in [
            "authorization",
            "x-api-key",
            "connection",
            "transfer-encoding",
            "anthropic-dangerous-direct-browser-access",
            "cookie",
        ] {
            let h = HeaderName::from_static(n);
            assert!(!forwardable(&h, HeaderPolicy::Passthrough), "{n}");
            assert!(!forwardable(&h, HeaderPolicy::Bridged), "{n}");
        }
    }

    #[test]
    fn anthropic_headers_pass_only_unbridged() {
        let beta = HeaderName::from_static("anthropic-beta");
        assert!(forwardable(&beta, HeaderPolicy::Passthrough));
        assert!(!forwardable(&beta, HeaderPolicy::Bridged));
        let session = HeaderName::from_static("x-claude-code-session-id");
        assert!(forwardable(&session, HeaderPolicy::Passthrough));
        assert!(forwardable(&session, HeaderPolicy::Bridged));
    }
}
