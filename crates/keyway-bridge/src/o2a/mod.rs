//! OpenAI client → Anthropic-protocol upstream.

mod messages;
mod request;
mod response;
mod stream;
#[cfg(test)]
mod tests;

pub use request::request;
pub use response::response;
pub use stream::Stream;
