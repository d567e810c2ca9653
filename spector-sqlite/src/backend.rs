//! The SQLite backend: a writer thread with group commit, and read
//! connections beside it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use spector_core::backend::{
    EventFold, EventQuery, LogSpec, MultiPlan, SqlIdent, Storage, WritePlan,
};
use spector_core::{Connect, Result};
use uuid::Uuid;

use crate::error::{query_error, SqliteError};
use crate::options::SqliteOptions;
use crate::readers::Readers;
use crate::url::{self, Target};
use crate::writer::Writer;
use crate::{columns, migration, query, write};

/// A Spector storage backend on SQLite (through rusqlite).
///
/// No statement runs on the async runtime. Writes go to one writer thread
/// that owns the write connection: it commits the writes queued together
/// in one transaction, each under a savepoint of its own (group commit: a
/// failed write is rolled back alone, and one `fsync` makes them all
/// durable before any caller hears of its write). Reads of a file database
/// run on read connections beside it ([`SqliteOptions::readers`]), which
/// WAL lets read the last commit while the writer writes; an in-memory
/// database reads on the writer's connection. Writes use `BEGIN
/// IMMEDIATE`, which also serializes them against other processes on the
/// same file.
///
/// Clones share the thread and the connections; the thread ends when the
/// last clone is dropped, after the writes already queued. A write whose
/// caller stops waiting is still written.
#[derive(Debug, Clone)]
pub struct Sqlite {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    writer: Writer,
    readers: Option<Readers>,
}

impl Sqlite {
    /// Opens (or creates) the database file at `path`, in WAL mode, with
    /// the default [`SqliteOptions`]: every acknowledged write is on disk
    /// (`synchronous = FULL`), and a write waits up to 5 s for another
    /// process's lock.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`](spector_core::Error::Storage) when the file cannot
    /// be opened or created.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, SqliteOptions::default()).await
    }

    /// Opens (or creates) the database file at `path` with `options`.
    ///
    /// # Errors
    ///
    /// As [`open`](Sqlite::open).
    pub async fn open_with(path: impl AsRef<Path>, options: SqliteOptions) -> Result<Self> {
        // Read-write, created if missing, URI names, no SQLite mutex (each
        // connection is used by one thread at a time): rusqlite's default.
        Self::open_file(path.as_ref().to_owned(), OpenFlags::default(), options).await
    }

    /// A fresh in-memory database, private to this backend (and its clones).
    ///
    /// # Errors
    ///
    /// [`Error::Storage`](spector_core::Error::Storage) when SQLite cannot
    /// allocate the database.
    pub async fn memory() -> Result<Self> {
        let conn = Connection::open_in_memory().map_err(SqliteError::Open)?;
        Self::from_connection(conn)
    }

    /// Opens the database of an SQLite URL (see [`Connect::connect`]) with
    /// `options`.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`](spector_core::Error::Storage) wrapping
    /// [`SqliteError::Url`] for a URL that is not SQLite's, or as
    /// [`open`](Sqlite::open).
    pub async fn connect_with(url: &str, options: SqliteOptions) -> Result<Self> {
        match url::parse(url)? {
            Target::Memory => Self::memory().await,
            Target::File(path, flags) => Self::open_file(path, flags, options).await,
        }
    }

    /// Wraps an open connection, which becomes the writer's: foreign keys
    /// are switched on and the default busy timeout and page cache are set;
    /// its journal and durability settings are left as they are. Reads run
    /// on this connection too, between writes.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`](spector_core::Error::Storage) when the connection
    /// refuses the settings, or the writer thread cannot start.
    pub fn from_connection(conn: Connection) -> Result<Self> {
        configure(&conn, &SqliteOptions::default()).map_err(SqliteError::Open)?;
        Ok(Self {
            inner: Arc::new(Inner {
                writer: Writer::spawn(conn)?,
                readers: None,
            }),
        })
    }

    async fn open_file(path: PathBuf, flags: OpenFlags, options: SqliteOptions) -> Result<Self> {
        let read_only = flags.contains(OpenFlags::SQLITE_OPEN_READ_ONLY);
        let opened = path.clone();
        let (conn, wal) = tokio::task::spawn_blocking(move || {
            let conn = Connection::open_with_flags(opened, flags)?;
            configure(&conn, &options)?;
            let journal: String = if read_only {
                conn.pragma_query_value(None, "journal_mode", |row| row.get(0))?
            } else {
                conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?
            };
            conn.pragma_update(None, "synchronous", options.get_synchronous().pragma())?;
            Ok((conn, journal.eq_ignore_ascii_case("wal")))
        })
        .await
        .map_err(SqliteError::from)?
        .map_err(SqliteError::Open)?;
        // Readers beside the writer only where WAL lets them read while it
        // writes: not for an in-memory or temporary database (`:memory:`,
        // ""), nor a file left in another journal mode, whose one
        // connection reads.
        let readers = if wal {
            Readers::new(path, flags, options)
        } else {
            None
        };
        Ok(Self {
            inner: Arc::new(Inner {
                writer: Writer::spawn(conn)?,
                readers,
            }),
        })
    }

    /// Runs `work` with the writer's connection on the writer thread, alone
    /// (between groups of writes, outside any transaction).
    ///
    /// A panic in `work` (a user's changeset, say) reaches the caller as a
    /// panic, and does not make the connection unusable: a transaction
    /// `work` leaves open is rolled back before the next job.
    ///
    /// # Errors
    ///
    /// Whatever `work` returns, and [`Error::Storage`](spector_core::Error::Storage)
    /// wrapping [`SqliteError::WriterStopped`] when the writer thread is gone.
    pub async fn with_connection<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.inner.writer.alone(work).await
    }

    /// Runs the read `work` on a read connection, or alone on the writer's
    /// when the database has none.
    async fn read<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        match &self.inner.readers {
            Some(readers) => readers.read(work).await,
            None => self.inner.writer.alone(work).await,
        }
    }
}

/// Settings every connection needs: enforced foreign keys, a wait instead
/// of an immediate failure when another process holds the lock, and the
/// page cache.
pub(crate) fn configure(conn: &Connection, options: &SqliteOptions) -> rusqlite::Result<()> {
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let kib = i64::try_from(options.get_page_cache() / 1024).unwrap_or(i64::MAX);
    conn.pragma_update(None, "cache_size", -kib)?;
    conn.busy_timeout(options.get_busy_timeout())
}

/// Whether `table` exists.
fn has_table(conn: &Connection, table: &SqlIdent) -> Result<bool> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [table.as_str()],
        |row| row.get::<_, i64>(0),
    )
    .map(|count| count > 0)
    .map_err(query_error("migrate", table.as_str()))
}

/// Whether `table` has a column called `column`.
fn has_column(conn: &Connection, table: &SqlIdent, column: &str) -> Result<bool> {
    conn.query_row(
        "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2",
        [table.as_str(), column],
        |row| row.get::<_, i64>(0),
    )
    .map(|count| count > 0)
    .map_err(query_error("migrate", table.as_str()))
}

/// What a migration does besides its statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// `migrate`: the statements, then the `hash` column of a log made
    /// hashed later and the columns materialized types gained.
    Up,
    /// `migrate_down`: the statements alone.
    Down,
}

/// Runs a list of DDL statements for `log` in one transaction that takes
/// the write lock up front (so a concurrent migration waits its turn
/// instead of failing on a lock upgrade); any error rolls all of it back.
fn run_ddl(
    conn: &mut Connection,
    log: &LogSpec,
    statements: Vec<String>,
    direction: Direction,
) -> Result<()> {
    let failed = query_error("migrate", log.table().as_str());
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(&failed)?;
    for statement in statements {
        tx.execute_batch(&statement).map_err(&failed)?;
    }
    if direction == Direction::Up {
        let table = log.table();
        if log.hashed() && has_table(&tx, table)? && !has_column(&tx, table, "hash")? {
            tx.execute_batch(&migration::add_hash_column(table))
                .map_err(&failed)?;
        }
        columns::add_missing(&tx, log)?;
    }
    tx.commit().map_err(&failed)
}

#[async_trait]
impl Storage for Sqlite {
    async fn migrate(&self, log: &'static LogSpec) -> Result<()> {
        self.with_connection(move |conn| run_ddl(conn, log, migration::up(log), Direction::Up))
            .await
    }

    async fn migrate_down(&self, log: &'static LogSpec) -> Result<()> {
        self.with_connection(move |conn| run_ddl(conn, log, migration::down(log), Direction::Down))
            .await
    }

    async fn write<P: WritePlan>(&self, log: &'static LogSpec, plan: P) -> Result<P::Output> {
        let table = log.table().as_str();
        self.inner
            .writer
            .write(table, move |conn| write::write(conn, log, plan))
            .await
    }

    async fn write_many<P: MultiPlan>(&self, plan: P) -> Result<P::Output> {
        let table = write::first_table(&plan);
        self.inner
            .writer
            .write(table, move |conn| write::write_many(conn, plan))
            .await
    }

    async fn record_ids(
        &self,
        log: &'static LogSpec,
        schema_index: i32,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<Uuid>> {
        self.read(move |conn| query::record_ids(conn, log, schema_index, after, limit))
            .await
    }

    async fn fold_events<F: EventFold>(
        &self,
        log: &'static LogSpec,
        query: EventQuery,
        fold: F,
    ) -> Result<F::Output> {
        self.read(move |conn| {
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
    /// `sqlite://path`, `sqlite:path` or a plain path as a file, with the
    /// default [`SqliteOptions`]. sqlx's parameters `?mode=ro|rw|rwc|memory`
    /// and `cache=shared|private` are understood; any other parameter, or a
    /// URL of another database, is refused ([`SqliteError::Url`]).
    async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, SqliteOptions::default()).await
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use spector_core::Error;

    use super::*;
    use crate::Synchronous;

    /// A directory of its own under the system's temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> Self {
            let dir = std::env::temp_dir().join(format!("spector-sqlite-{}", uuid::Uuid::now_v7()));
            std::fs::create_dir(&dir).unwrap();
            Self(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// The settings in force on the backend's connection: journal mode,
    /// `synchronous` (2 FULL, 1 NORMAL), foreign keys, busy timeout (ms).
    async fn settings(sqlite: &Sqlite) -> (String, i64, i64, i64) {
        sqlite
            .with_connection(|conn| {
                let pragma = |name: &str| {
                    conn.pragma_query_value(None, name, |row| {
                        row.get::<_, rusqlite::types::Value>(0)
                    })
                    .map_err(Error::storage)
                };
                let integer = |value: rusqlite::types::Value| match value {
                    rusqlite::types::Value::Integer(n) => n,
                    other => panic!("not an integer: {other:?}"),
                };
                let journal = match pragma("journal_mode")? {
                    rusqlite::types::Value::Text(mode) => mode,
                    other => panic!("not a journal mode: {other:?}"),
                };
                Ok((
                    journal,
                    integer(pragma("synchronous")?),
                    integer(pragma("foreign_keys")?),
                    integer(pragma("busy_timeout")?),
                ))
            })
            .await
            .unwrap()
    }

    /// Creates a table and writes a row through the backend's connection.
    async fn write_a_row(sqlite: &Sqlite) -> Result<()> {
        sqlite
            .with_connection(|conn| {
                conn.execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);")
                    .map_err(Error::storage)
            })
            .await
    }

    #[tokio::test]
    async fn open_creates_a_missing_file_read_write_in_wal_mode_with_full_sync() {
        let dir = TempDir::new();
        let path = dir.0.join("new.db");
        let sqlite = Sqlite::open(&path).await.unwrap();
        assert!(path.exists());
        write_a_row(&sqlite).await.unwrap();
        assert_eq!(settings(&sqlite).await, ("wal".to_owned(), 2, 1, 5000));
    }

    #[tokio::test]
    async fn open_with_applies_the_options() {
        let dir = TempDir::new();
        let options = SqliteOptions::default()
            .busy_timeout(Duration::from_millis(1234))
            .synchronous(Synchronous::Normal);
        let sqlite = Sqlite::open_with(dir.0.join("normal.db"), options)
            .await
            .unwrap();
        write_a_row(&sqlite).await.unwrap();
        assert_eq!(settings(&sqlite).await, ("wal".to_owned(), 1, 1, 1234));
    }

    #[tokio::test]
    async fn a_read_only_url_opens_without_switching_the_journal_mode() {
        let dir = TempDir::new();
        let path = dir.0.join("kept.db");
        // A database in SQLite's default rollback-journal mode, which a
        // read-only connection cannot switch to WAL.
        Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE t (x INTEGER)")
            .unwrap();
        let reader = Sqlite::connect(&format!("sqlite://{}?mode=ro", path.display()))
            .await
            .unwrap();
        assert_eq!(settings(&reader).await.0, "delete");
        assert!(write_a_row(&reader).await.is_err());
    }

    #[tokio::test]
    async fn memory_and_wrapped_connections_enforce_foreign_keys_and_wait_5_s() {
        let memory = Sqlite::memory().await.unwrap();
        let (_, _, foreign_keys, busy_timeout) = settings(&memory).await;
        assert_eq!((foreign_keys, busy_timeout), (1, 5000));
        let wrapped = Sqlite::from_connection(Connection::open_in_memory().unwrap()).unwrap();
        let (_, _, foreign_keys, busy_timeout) = settings(&wrapped).await;
        assert_eq!((foreign_keys, busy_timeout), (1, 5000));
    }
}
