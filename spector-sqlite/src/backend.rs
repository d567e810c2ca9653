//! The SQLite backend: one connection, used from blocking tasks.

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::Connection;
use spector_core::backend::{EventFold, EventQuery, LogSpec, Storage, WritePlan};
use spector_core::{Connect, Result};

use crate::error::{query_error, SqliteError};
use crate::{migration, query, write};

/// A Spector storage backend on SQLite (through rusqlite).
///
/// Every statement runs on a blocking thread (`spawn_blocking`), never on
/// the async runtime. One connection is shared behind a mutex, so the
/// operations of one `Sqlite` are serialized; writes use `BEGIN IMMEDIATE`,
/// which also serializes them against other processes on the same file.
#[derive(Debug, Clone)]
pub struct Sqlite {
    conn: Arc<Mutex<Connection>>,
}

impl Sqlite {
    /// Opens (or creates) the database file at `path`, in WAL mode.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`](spector_core::Error::Storage) when the file cannot
    /// be opened or created.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_owned();
        Self::from_blocking(move || {
            let conn = Connection::open(path)?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            Ok(conn)
        })
        .await
    }

    /// A fresh in-memory database, private to this backend (and its clones).
    ///
    /// # Errors
    ///
    /// [`Error::Storage`](spector_core::Error::Storage) when SQLite cannot
    /// allocate the database.
    pub async fn memory() -> Result<Self> {
        Self::from_blocking(Connection::open_in_memory).await
    }

    /// Wraps an open connection (foreign keys are switched on).
    ///
    /// # Errors
    ///
    /// [`Error::Storage`](spector_core::Error::Storage) when the connection
    /// refuses the settings.
    pub fn from_connection(conn: Connection) -> Result<Self> {
        configure(&conn).map_err(SqliteError::Open)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn from_blocking(
        open: impl FnOnce() -> rusqlite::Result<Connection> + Send + 'static,
    ) -> Result<Self> {
        let conn = tokio::task::spawn_blocking(open)
            .await
            .map_err(SqliteError::from)?
            .map_err(SqliteError::Open)?;
        Self::from_connection(conn)
    }

    /// Runs `work` with the connection on a blocking thread.
    ///
    /// A panic in `work` (a user's changeset, say) reaches the caller as a
    /// panic, and does not make the connection unusable: the next call rolls
    /// back any transaction it left open.
    ///
    /// # Errors
    ///
    /// Whatever `work` returns, and [`Error::Storage`](spector_core::Error::Storage)
    /// when an open transaction cannot be rolled back first.
    pub async fn with_connection<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(|poisoned| {
                conn.clear_poison();
                poisoned.into_inner()
            });
            if !conn.is_autocommit() {
                conn.execute_batch("ROLLBACK")
                    .map_err(query_error("roll back", "(connection)"))?;
            }
            work(&mut conn)
        })
        .await
        .unwrap_or_else(|error| match error.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(error) => Err(SqliteError::Task(error).into()),
        })
    }
}

/// Settings every connection needs: enforced foreign keys, and a wait
/// instead of an immediate failure when another process holds the lock.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
}

/// Runs a list of DDL statements for `log` in one transaction.
fn run_ddl(conn: &mut Connection, log: &LogSpec, statements: Vec<String>) -> Result<()> {
    let failed = query_error("migrate", log.table().as_str());
    let tx = conn.transaction().map_err(&failed)?;
    for statement in statements {
        tx.execute_batch(&statement).map_err(&failed)?;
    }
    tx.commit().map_err(&failed)
}

#[async_trait]
impl Storage for Sqlite {
    async fn migrate(&self, log: &'static LogSpec) -> Result<()> {
        self.with_connection(move |conn| run_ddl(conn, log, migration::up(log)))
            .await
    }

    async fn migrate_down(&self, log: &'static LogSpec) -> Result<()> {
        self.with_connection(move |conn| run_ddl(conn, log, migration::down(log)))
            .await
    }

    async fn write<P: WritePlan>(&self, log: &'static LogSpec, plan: P) -> Result<P::Output> {
        self.with_connection(move |conn| write::write(conn, log, plan))
            .await
    }

    async fn fold_events<F: EventFold>(
        &self,
        log: &'static LogSpec,
        query: EventQuery,
        fold: F,
    ) -> Result<F::Output> {
        self.with_connection(move |conn| {
            // One read transaction: the links and the events come from the
            // same snapshot, even with other processes writing to the file.
            let failed = query_error("read", log.table().as_str());
            let tx = conn.transaction().map_err(&failed)?;
            let output = query::fold_events(&tx, log, &query, fold)?;
            tx.commit().map_err(&failed)?;
            Ok(output)
        })
        .await
    }
}

#[async_trait]
impl Connect for Sqlite {
    /// Opens `sqlite::memory:` (or `:memory:`) in memory, and
    /// `sqlite://path`, `sqlite:path` or a plain path as a file.
    async fn connect(url: &str) -> Result<Self> {
        match url {
            "sqlite::memory:" | ":memory:" => Self::memory().await,
            _ => {
                let path = url
                    .strip_prefix("sqlite://")
                    .or_else(|| url.strip_prefix("sqlite:"))
                    .unwrap_or(url);
                if path.is_empty() {
                    return Err(SqliteError::Url {
                        url: url.to_owned(),
                        reason: "it names no file",
                    }
                    .into());
                }
                Self::open(path).await
            }
        }
    }
}
