//! Anthropic client → OpenAI-protocol upstream.

mod messages;
mod request;
mod response;
mod stream;
mod tools;

pub use request::request;
pub use response::response;
pub use stream::Stream;
pub(crate) use tools::strip_schema_keys;
#[cfg(test)]
mod tests;
