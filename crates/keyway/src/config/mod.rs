//! The declarative config (product.md §3): parsed in two phases — the TOML
//! as written (`raw`), then validated and resolved (`resolve`) — and applied
//! to the store (`apply`). Every error names the file, line and field.

mod apply;
mod expand;
mod raw;
mod resolve;

use std::fmt;
use std::path::Path;

pub use apply::apply;
pub use resolve::{Config, KeyConfig};

/// A config problem, located in the file.
#[derive(Debug)]
pub struct ConfigError {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        f.write_str(": ")?;
        if let Some(field) = &self.field {
            write!(f, "`{field}`: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Line and column (1-based) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.len(), |p| before.len() - p - 1)
        + 1;
    (line, col)
}

/// Reads, expands `${VAR}`, parses and validates a config file.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: file.clone(),
        line: None,
        column: None,
        field: None,
        message: format!("cannot read the file: {e}"),
    })?;
    parse(&file, &text, &|name| std::env::var(name).ok())
}

/// Parses config text; `env` looks up `${VAR}` values.
pub fn parse(
    file: &str,
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let expanded = expand::expand(file, text, env)?;
    let raw: raw::RawConfig = toml::from_str(&expanded).map_err(|e| {
        let (line, column) = match e.span() {
            Some(span) => {
                let (l, c) = line_col(&expanded, span.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        ConfigError {
            file: file.to_owned(),
            line,
            column,
            field: None,
            message: e.message().trim().to_owned(),
        }
    })?;
    resolve::resolve(file, &expanded, raw)
}

#[cfg(test)]
mod tests;
