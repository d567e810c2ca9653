//! Failures of the SQLite backend itself.

use spector_core::Error;

/// What can fail inside the SQLite backend; converted into
/// [`spector_core::Error::Storage`] at the crate's edge.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SqliteError {
    /// SQLite refused a statement or could not open the database.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),

    /// A stored row does not have the shape of an event.
    #[error("sqlite: stored row is not an event: {0}")]
    BadRow(String),

    /// A request this version of the backend does not know.
    #[error("sqlite: unsupported request: {0}")]
    Unsupported(String),

    /// The blocking task running the statement panicked or was cancelled.
    #[error("sqlite: background task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl From<SqliteError> for Error {
    fn from(error: SqliteError) -> Self {
        Error::storage(error)
    }
}

/// Wraps a rusqlite error as a core error.
pub(crate) fn storage(error: rusqlite::Error) -> Error {
    SqliteError::Sqlite(error).into()
}
