//! Identifier hygiene: tool-call ids, tool names, synthetic signatures.

use rand::distributions::Alphanumeric;
use rand::Rng;
use sha2::{Digest, Sha256};

/// Prefix of the signatures Keyway invents for thinking that came from a
/// vendor without signatures. A later turn routed to a real Anthropic
/// upstream drops such blocks instead of getting a 400.
pub const SYNTHETIC_SIGNATURE_PREFIX: &str = "keyway:";

/// OpenAI limits function names to 64 characters.
const MAX_TOOL_NAME: usize = 64;

fn valid_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn hex8(s: &str) -> String {
    let digest = Sha256::digest(s.as_bytes());
    digest.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

/// Make a tool-call id match Anthropic's `^[a-zA-Z0-9_-]+$`. Deterministic,
/// so the same upstream id maps to the same client id in every turn, and
/// a hash suffix keeps `a.b` and `a:b` apart. Empty stays empty (callers
/// mint a fresh id).
pub fn sanitize_tool_id(id: &str) -> String {
    if id.chars().all(valid_char) {
        return id.to_owned();
    }
    let cleaned: String = id
        .chars()
        .map(|c| if valid_char(c) { c } else { '_' })
        .collect();
    format!("{cleaned}_{}", hex8(id))
}

/// A tool name OpenAI-protocol upstreams accept (≤64 chars of
/// `[a-zA-Z0-9_-]`): long names keep 55 chars plus `_` and 8 hex digits of
/// the full name's SHA-256. Deterministic, so history and definitions agree.
pub fn shorten_tool_name(name: &str) -> String {
    if name.len() <= MAX_TOOL_NAME && name.chars().all(valid_char) && !name.is_empty() {
        return name.to_owned();
    }
    let cleaned: String = name
        .chars()
        .map(|c| if valid_char(c) { c } else { '_' })
        .collect();
    // The hash is added even when only characters were replaced, so two
    // names differing in a replaced character cannot collide.
    let keep: String = cleaned.chars().take(MAX_TOOL_NAME - 9).collect();
    format!("{keep}_{}", hex8(name))
}

/// Synthetic signature for thinking text: recognisable prefix plus a hash,
/// deterministic so that split-invariance tests can compare outputs.
pub fn synthetic_signature(thinking: &str) -> String {
    let digest = Sha256::digest(thinking.as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("{SYNTHETIC_SIGNATURE_PREFIX}{hex}")
}

/// True for a signature Keyway did not make (it may be a real one).
pub fn is_genuine_signature(sig: &str) -> bool {
    !sig.is_empty() && !sig.starts_with(SYNTHETIC_SIGNATURE_PREFIX)
}

pub fn random_id(prefix: &str) -> String {
    let tail: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(24)
        .map(char::from)
        .collect();
    format!("{prefix}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_id_table() {
        assert_eq!(sanitize_tool_id("toolu_01AbC-x"), "toolu_01AbC-x");
        assert_eq!(sanitize_tool_id("call_abc"), "call_abc");
        assert_eq!(sanitize_tool_id(""), "");
        let s = sanitize_tool_id("functions.Bash:0");
        assert!(s.starts_with("functions_Bash_0_"), "{s}");
        assert!(s.chars().all(valid_char));
        // Deterministic and idempotent.
        assert_eq!(sanitize_tool_id("functions.Bash:0"), s);
        assert_eq!(sanitize_tool_id(&s), s);
        // Different ids that clean to the same text stay distinct.
        assert_ne!(sanitize_tool_id("a.b"), sanitize_tool_id("a:b"));
    }

    #[test]
    fn tool_name_table() {
        assert_eq!(shorten_tool_name("Bash"), "Bash");
        let long = format!("mcp__server__{}", "x".repeat(80));
        let short = shorten_tool_name(&long);
        assert_eq!(short.len(), 64);
        assert!(short.starts_with("mcp__server__xxx"));
        assert_eq!(shorten_tool_name(&long), short);
        assert_eq!(shorten_tool_name(&short), short);
        let other = format!("mcp__server__{}y", "x".repeat(80));
        assert_ne!(shorten_tool_name(&other), short);
        let dotted = shorten_tool_name("my.tool");
        assert!(dotted.starts_with("my_tool_") && dotted.chars().all(valid_char));
        let exactly_64 = "a".repeat(64);
        assert_eq!(shorten_tool_name(&exactly_64), exactly_64);
    }

    #[test]
    fn signatures() {
        let s = synthetic_signature("let me think");
        assert!(s.starts_with("keyway:"));
        assert_eq!(s, synthetic_signature("let me think"));
        assert!(!is_genuine_signature(&s));
        assert!(is_genuine_signature("EqQBCkgIARABGAIiQL"));
        assert!(!is_genuine_signature(""));
        assert!(random_id("msg_").starts_with("msg_"));
        assert_ne!(random_id("x"), random_id("x"));
    }
}
