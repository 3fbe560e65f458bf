//! End-to-end tests of the generation API over real HTTP, with a real SQLite
//! store and fake vendor servers speaking each vendor's wire format.

#![allow(clippy::unwrap_used)]

mod cases;
mod fakes;
mod support;
