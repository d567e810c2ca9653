//! Validation errors: which fields are wrong, and why.

use std::collections::BTreeMap;
use std::fmt;

/// Validation errors of one operation: field name → messages.
///
/// A changeset or a `prepare_event` hook returns it to refuse an operation;
/// nothing is written when that happens.
///
/// ```
/// use spector_core::Invalid;
///
/// let invalid = Invalid::new("content", "can't be blank").with("user_id", "is not a UUID");
/// assert_eq!(invalid.messages("content"), ["can't be blank"]);
/// assert_eq!(invalid.to_string(), "content: can't be blank; user_id: is not a UUID");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invalid {
    errors: BTreeMap<String, Vec<String>>,
}

impl Invalid {
    /// One error on one field.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::default().with(field, message)
    }

    /// Adds an error to a field, keeping the ones already there.
    pub fn with(mut self, field: impl Into<String>, message: impl Into<String>) -> Self {
        self.add(field, message);
        self
    }

    /// Adds an error to a field in place.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors
            .entry(field.into())
            .or_default()
            .push(message.into());
    }

    /// Adds every error of `other`.
    pub fn merge(&mut self, other: Invalid) {
        for (field, messages) in other.errors {
            self.errors.entry(field).or_default().extend(messages);
        }
    }

    /// True when no field has an error.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The messages of one field (empty when the field is fine).
    pub fn messages(&self, field: &str) -> &[String] {
        self.errors.get(field).map_or(&[], Vec::as_slice)
    }

    /// The same errors with every field under `prefix` (`state` →
    /// `savepoint.state`).
    pub(crate) fn prefixed(self, prefix: &str) -> Self {
        let errors = self
            .errors
            .into_iter()
            .map(|(field, messages)| (format!("{prefix}.{field}"), messages))
            .collect();
        Self { errors }
    }

    /// Every field with its messages, in field order.
    pub fn errors(&self) -> &BTreeMap<String, Vec<String>> {
        &self.errors
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (field, messages) in &self.errors {
            for message in messages {
                if !first {
                    f.write_str("; ")?;
                }
                first = false;
                write!(f, "{field}: {message}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Invalid {}
