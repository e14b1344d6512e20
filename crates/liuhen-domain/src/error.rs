//! Validation errors that name the field at fault.

use std::fmt;

/// An input that breaks a rule of the domain. `field` is the JSON path of the
/// offending value as the API user wrote it (`parties[1].id_number`), so a
/// client can point at it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct ValidationError {
    pub field: String,
    pub problem: String,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, problem: impl fmt::Display) -> Self {
        Self { field: field.into(), problem: problem.to_string() }
    }

    /// The same error seen from one level up: `id_number` inside `parties[1]`
    /// becomes `parties[1].id_number`.
    #[must_use]
    pub fn within(self, parent: impl fmt::Display) -> Self {
        Self { field: format!("{parent}.{}", self.field), problem: self.problem }
    }
}

/// Checks that a free-text field is present and not too long, returning it trimmed.
pub fn required_text(field: &str, value: &str, max_chars: usize) -> Result<String, ValidationError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::new(field, "must not be empty (不能为空)"));
    }
    optional_text(field, trimmed, max_chars).map(|s| s.unwrap_or_default())
}

/// Like [`required_text`] but an empty value becomes `None`.
pub fn optional_text(field: &str, value: &str, max_chars: usize) -> Result<Option<String>, ValidationError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let n = trimmed.chars().count();
    if n > max_chars {
        return Err(ValidationError::new(
            field,
            format!("is {n} characters long; at most {max_chars} are allowed"),
        ));
    }
    if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(ValidationError::new(field, "contains control characters"));
    }
    Ok(Some(trimmed.to_owned()))
}
