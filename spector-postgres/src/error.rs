//! Failures of the PostgreSQL backend itself.

use spector_core::Error;

/// What can fail inside the PostgreSQL backend; converted into
/// [`spector_core::Error::Storage`] at the crate's edge.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PostgresError {
    /// The pool could not be built or reach the server.
    #[error("postgres: cannot connect: {0}")]
    Connect(#[source] sqlx::Error),

    /// A statement of an operation failed; the operation was rolled back.
    #[error("postgres: {step} on `{table}` failed: {source}")]
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
    #[error("postgres: migrating `{table}` failed: {source}")]
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

/// Wraps the failure of the statement doing `step` on `table`.
pub(crate) fn query_error(
    step: &'static str,
    table: &'static str,
) -> impl Fn(sqlx::Error) -> Error {
    move |source| {
        PostgresError::Query {
            step,
            table,
            source,
        }
        .into()
    }
}
