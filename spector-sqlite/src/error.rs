//! Failures of the SQLite backend itself.

use spector_core::Error;

/// What can fail inside the SQLite backend; converted into
/// [`spector_core::Error::Storage`] at the crate's edge.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SqliteError {
    /// The database could not be opened or configured.
    #[error("sqlite: cannot open the database: {0}")]
    Open(#[source] rusqlite::Error),

    /// The URL given to [`Sqlite::connect`](crate::Sqlite) does not name an
    /// SQLite database.
    #[error("sqlite: `{url}` is not an SQLite URL: {reason}")]
    Url {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// A statement of an operation failed; the operation was rolled back.
    #[error("sqlite: {step} on `{table}` failed: {source}")]
    Query {
        /// What the backend was doing (`insert event`, `read events` …).
        step: &'static str,
        /// The event log's table.
        table: String,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },

    /// A stored row does not have the shape of an event.
    #[error("sqlite: event {event_id} in `{table}` is not a valid row: {reason}")]
    BadRow {
        /// The event log's table.
        table: String,
        /// The event.
        event_id: uuid::Uuid,
        /// What is wrong.
        reason: String,
    },

    /// The blocking task running the statement was cancelled.
    #[error("sqlite: background task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl From<SqliteError> for Error {
    fn from(error: SqliteError) -> Self {
        Error::storage(error)
    }
}

/// Wraps the failure of the statement doing `step` on `table`.
pub(crate) fn query_error<'t>(
    step: &'static str,
    table: &'t str,
) -> impl Fn(rusqlite::Error) -> Error + 't {
    move |source| {
        SqliteError::Query {
            step,
            table: table.to_owned(),
            source,
        }
        .into()
    }
}
