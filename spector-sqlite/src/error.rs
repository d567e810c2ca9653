//! Failures of the SQLite backend itself.

use rusqlite::ErrorCode;
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
        reason: String,
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

    /// The blocking task running the statement was cancelled.
    #[error("sqlite: background task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl From<SqliteError> for Error {
    fn from(error: SqliteError) -> Self {
        Error::storage(error)
    }
}

/// Wraps the failure of the statement doing `step` on `table`, as the typed
/// error of its cause where there is one: a missing table is
/// [`Error::NotMigrated`], a lock held past the busy timeout [`Error::Busy`].
pub(crate) fn query_error<'t>(
    step: &'static str,
    table: &'t str,
) -> impl Fn(rusqlite::Error) -> Error + 't {
    move |source| {
        let table = table.to_owned();
        match source.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::Busy {
                table,
                source: Box::new(source),
            },
            _ if is_missing_table(&source) => Error::NotMigrated { table },
            _ => SqliteError::Query {
                step,
                table,
                source,
            }
            .into(),
        }
    }
}

/// True when SQLite refused a statement because a table does not exist.
fn is_missing_table(error: &rusqlite::Error) -> bool {
    matches!(error, rusqlite::Error::SqliteFailure(_, Some(message)) if message.starts_with("no such table"))
}

/// True when `error` is a foreign key refusing a row (a link to an event
/// that does not exist).
pub(crate) fn is_foreign_key_violation(error: &rusqlite::Error) -> bool {
    matches!(
        error,
        rusqlite::Error::SqliteFailure(failure, _)
            if failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY
    )
}
