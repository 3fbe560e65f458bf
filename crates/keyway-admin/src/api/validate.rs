//! Field rules shared by the handlers; each failure names its field.

use keyway_store::StoreError;

use crate::error::ApiError;

const MAX_NAME: usize = 64;

/// Names of providers, groups and keys: trimmed, 1–64 characters, no control characters.
pub fn name(field: &str, raw: &str) -> Result<String, ApiError> {
    let v = raw.trim();
    if v.is_empty() {
        return Err(ApiError::invalid(
            field,
            format!("{field} must not be empty"),
        ));
    }
    if v.chars().count() > MAX_NAME {
        return Err(ApiError::invalid(
            field,
            format!("{field} must be at most {MAX_NAME} characters"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            field,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(v.to_owned())
}

/// Route aliases are what clients send as `model`: no whitespace at all.
pub fn alias(raw: &str) -> Result<String, ApiError> {
    let v = name("alias", raw)?;
    if v.chars().any(char::is_whitespace) {
        return Err(ApiError::invalid(
            "alias",
            "alias must not contain whitespace",
        ));
    }
    Ok(v)
}

/// A store error, with a uniqueness conflict blamed on `field`.
pub fn on_field(e: StoreError, field: &str) -> ApiError {
    match e {
        StoreError::Conflict(message) => ApiError::Conflict {
            field: Some(field.to_owned()),
            message,
        },
        StoreError::Invalid(message) => ApiError::Invalid {
            field: field.to_owned(),
            message,
        },
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert_eq!(name("name", "  team-a ").unwrap(), "team-a");
        assert!(name("name", "   ").is_err());
        assert!(name("name", &"x".repeat(65)).is_err());
        assert!(name("name", "a\u{7}b").is_err());
        assert!(alias("gpt 4").is_err());
        assert_eq!(alias("deepseek-v4-pro").unwrap(), "deepseek-v4-pro");
    }
}
