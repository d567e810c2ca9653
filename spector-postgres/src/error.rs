//! Failures of the PostgreSQL backend itself.

use spector_core::Error;

/// What can fail inside the PostgreSQL backend; converted into
/// [`spector_core::Error::Storage`] at the crate's edge (or into a typed
/// [`spector_core::Error`] where one says more: `NotMigrated`,
/// `LinkTargetNotFound`, `LinkAcrossRecords`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PostgresError {
    /// The URL is not a PostgreSQL URL; nothing was tried.
    #[error("postgres: `{url}` is not a PostgreSQL URL: {reason}")]
    Url {
        /// The URL as given (without its password).
        url: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The server could not be reached, or refused the connection.
    #[error("postgres: cannot connect to {target}: {}", describe(.source))]
    Connect {
        /// `host:port/database`.
        target: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },

    /// A statement of an operation failed; the operation was rolled back.
    #[error("postgres: {step} on `{table}` failed: {}", describe(.source))]
    Query {
        /// What the backend was doing (`insert event`, `read events` …).
        step: &'static str,
        /// The event log's table.
        table: &'static str,
        /// The database's error.
        #[source]
        source: sqlx::Error,
    },

    /// A migration of an event log failed; nothing of it was applied.
    #[error("postgres: migrating `{table}` failed: {}", describe(.source))]
    Migration {
        /// The event log's table.
        table: &'static str,
        /// The database's error.
        #[source]
        source: sqlx::Error,
    },
}

impl From<PostgresError> for Error {
    fn from(error: PostgresError) -> Self {
        Error::storage(error)
    }
}

/// The SQLSTATE of PostgreSQL's "relation does not exist".
const UNDEFINED_TABLE: &str = "42P01";

/// `error` as one line: the server's message and SQLSTATE for a database
/// error (without the driver's "at line N", a line of the server's own
/// source), the driver's text otherwise.
pub(crate) fn describe(error: &sqlx::Error) -> String {
    match error.as_database_error() {
        Some(database) => match database.code() {
            Some(code) => format!("{} (SQLSTATE {code})", database.message()),
            None => database.message().to_owned(),
        },
        None => error.to_string(),
    }
}

/// The relation a server message `relation "x" does not exist` names.
fn missing_relation(message: &str) -> Option<&str> {
    let name = message.strip_prefix("relation \"")?.split('"').next()?;
    // A schema-qualified name keeps only the table.
    Some(name.rsplit('.').next().unwrap_or(name))
}

/// The SQLSTATE of `error`, when the server refused a statement.
pub(crate) fn sqlstate(error: &sqlx::Error) -> Option<String> {
    error
        .as_database_error()
        .and_then(|database| database.code())
        .map(|code| code.into_owned())
}

/// Wraps the failure of the statement doing `step` on `table`; a missing
/// table is [`Error::NotMigrated`] naming the table the server found
/// missing (a link table read in the same statement, say), or `table`.
pub(crate) fn query_error(
    step: &'static str,
    table: &'static str,
) -> impl Fn(sqlx::Error) -> Error {
    move |source| {
        if sqlstate(&source).as_deref() == Some(UNDEFINED_TABLE) {
            let missing = source
                .as_database_error()
                .and_then(|error| missing_relation(error.message()))
                .unwrap_or(table);
            return Error::NotMigrated {
                log: None,
                table: missing.to_owned(),
            };
        }
        PostgresError::Query {
            step,
            table,
            source,
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::missing_relation;

    #[test]
    fn the_missing_relation_is_read_from_the_server_message() {
        assert_eq!(
            missing_relation("relation \"test_mentions\" does not exist"),
            Some("test_mentions")
        );
        assert_eq!(
            missing_relation("relation \"spector_t1.members\" does not exist"),
            Some("members")
        );
        assert_eq!(missing_relation("permission denied"), None);
    }
}
