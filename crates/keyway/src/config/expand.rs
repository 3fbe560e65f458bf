//! `${VAR}` expansion from the environment. Comment lines are left alone so
//! a commented-out example does not demand its variable; `$${` escapes.

use super::{line_col, ConfigError};

pub fn expand(
    file: &str,
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, ConfigError> {
    let mut out = String::with_capacity(text.len());
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with('#') {
            out.push_str(line);
            offset += line.len();
            continue;
        }
        let mut rest = line;
        let mut at = offset;
        while let Some(pos) = rest.find("${") {
            if pos > 0 && rest.as_bytes()[pos - 1] == b'$' {
                // `$${X}` → literal `${X}`
                out.push_str(&rest[..pos - 1]);
                out.push_str("${");
                rest = &rest[pos + 2..];
                at += pos + 2;
                continue;
            }
            out.push_str(&rest[..pos]);
            let after = &rest[pos + 2..];
            let Some(end) = after.find('}') else {
                let (l, c) = line_col(text, at + pos);
                return Err(ConfigError {
                    file: file.to_owned(),
                    line: Some(l),
                    column: Some(c),
                    field: None,
                    message: "unterminated `${` (expected `${NAME}`)".into(),
                });
            };
            let name = &after[..end];
            let valid =
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            let (l, c) = line_col(text, at + pos);
            if !valid {
                return Err(ConfigError {
                    file: file.to_owned(),
                    line: Some(l),
                    column: Some(c),
                    field: None,
                    message: format!("invalid variable name `${{{name}}}`"),
                });
            }
            let value = env(name).ok_or_else(|| ConfigError {
                file: file.to_owned(),
                line: Some(l),
                column: Some(c),
                field: None,
                message: format!(
                    "environment variable {name} is not set (referenced as ${{{name}}})"
                ),
            })?;
            // Values land inside TOML strings: escape what would end or break the string.
            for ch in value.chars() {
                match ch {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    c => out.push(c),
                }
            }
            rest = &after[end + 1..];
            at += pos + 2 + end + 1;
        }
        out.push_str(rest);
        offset += line.len();
    }
    Ok(out)
}
