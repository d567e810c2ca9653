//! The names put into SQL text: checked once more before use.
//!
//! A [`LogSpec`] built by [`LogSpec::new`] has already checked every name
//! with [`is_identifier`]; its fields are public, though, so a caller could
//! hand over a modified copy. Nothing else is ever interpolated into SQL.

use spector_core::{is_identifier, LogSpec};

use crate::error::PostgresError;

/// Every name of `log` that goes into SQL text: the event table, and each
/// link table and column.
fn names(log: &LogSpec) -> impl Iterator<Item = &str> {
    std::iter::once(log.table.as_str()).chain(
        log.links
            .iter()
            .flat_map(|link| [link.table.as_str(), link.column.as_str()]),
    )
}

/// Fails with the first name of `log` that is not a plain identifier.
pub(crate) fn check(log: &LogSpec) -> Result<(), PostgresError> {
    match names(log).find(|name| !is_identifier(name)) {
        Some(name) => Err(PostgresError::Identifier(name.to_owned())),
        None => Ok(()),
    }
}

/// True when every name of `log` is a plain identifier.
pub(crate) fn all_valid(log: &LogSpec) -> bool {
    check(log).is_ok()
}

#[cfg(test)]
mod tests {
    use spector_core::{LinkDecl, SchemaSpec};

    use super::*;

    #[test]
    fn checked_log_passes() {
        const LINKS: &[LinkDecl] = &[LinkDecl::new("edits", "previous_id")];
        let chat = SchemaSpec::new("BasicChat", 0, LINKS);
        let log = LogSpec::new("basic_chat_events", vec![chat]).unwrap();
        assert!(check(&log).is_ok());
    }

    #[test]
    fn tampered_log_is_refused() {
        let mut log = LogSpec::new("notes_events", vec![]).unwrap();
        log.table = "notes; DROP TABLE users".to_owned();
        assert!(matches!(check(&log), Err(PostgresError::Identifier(name)) if name == log.table));
    }
}
