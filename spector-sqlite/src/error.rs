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

    /// The blocking task running a read was cancelled.
    #[error("sqlite: background task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// The writer thread could not be started.
    #[error("sqlite: cannot start the writer thread: {0}")]
    Thread(#[source] std::io::Error),
    /// The writer thread is gone (it died): open the database again.
    #[error("sqlite: the writer thread has stopped")]
    WriterStopped,
    /// The read connections' queue was closed, which the backend never
    /// does while it is in use: open the database again.
    #[error("sqlite: the read connections are closed")]
    ReadersClosed,
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
            _ if is_missing_table(&source) => Error::NotMigrated {
                log: None,
                table: missing_table(&source).unwrap_or(table),
            },
            _ => SqliteError::Query {
                step,
                table,
                source,
            }
            .into(),
        }
    }
}

/// The table SQLite's `no such table: [schema.]x` names.
fn missing_table(error: &rusqlite::Error) -> Option<String> {
    let rusqlite::Error::SqliteFailure(_, Some(message)) = error else {
        return None;
    };
    let name = message.strip_prefix("no such table: ")?;
    Some(name.rsplit('.').next().unwrap_or(name).to_owned())
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

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;

    /// A database with a table `t (x, y NOT NULL)` and a link-like table
    /// `l` whose `target` must be a row of `t`, unique per target.
    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        conn.execute_batch(
            "CREATE TABLE t (x INTEGER PRIMARY KEY, y TEXT NOT NULL); \
             CREATE TABLE l (target INTEGER NOT NULL UNIQUE REFERENCES t(x)); \
             INSERT INTO t VALUES (1, 'a'); INSERT INTO l VALUES (1);",
        )
        .unwrap();
        conn
    }

    #[test]
    fn a_missing_table_is_not_migrated() {
        let error = db().execute("SELECT * FROM missing", []).unwrap_err();
        assert!(is_missing_table(&error));
        // The table SQLite names, not the one the statement was about.
        match query_error("read events", "t")(error) {
            Error::NotMigrated { table, .. } => assert_eq!(table, "missing"),
            other => panic!("expected NotMigrated, got {other:?}"),
        }
    }

    #[test]
    fn another_failed_statement_is_a_storage_error_naming_step_and_table() {
        let error = db()
            .execute("INSERT INTO t (x) VALUES (2)", [])
            .unwrap_err();
        assert!(!is_missing_table(&error));
        assert!(!is_foreign_key_violation(&error));
        let error = query_error("insert event", "t")(error);
        assert!(matches!(error, Error::Storage(_)), "{error:?}");
        assert_eq!(
            error.to_string(),
            "storage error: sqlite: insert event on `t` failed: NOT NULL constraint failed: t.y"
        );
    }

    #[test]
    fn only_a_missing_row_is_a_foreign_key_violation() {
        let conn = db();
        let missing = conn.execute("INSERT INTO l VALUES (2)", []).unwrap_err();
        assert!(is_foreign_key_violation(&missing));
        let duplicate = conn.execute("INSERT INTO l VALUES (1)", []).unwrap_err();
        assert!(!is_foreign_key_violation(&duplicate));
    }
}
