//! Anthropic client → OpenAI upstream: mapping rows, §3.9 pitfalls and the
//! §3.3 production bugs, one table row or test each.

use crate::{profile_for, Ctx};

mod request;
mod stream;

fn ctx(vendor: &str) -> Ctx {
    let mut c = Ctx::new("claude-sonnet-4-5", "up", profile_for(vendor), "msg_");
    c.message_id = "msg_test".into();
    c
}
