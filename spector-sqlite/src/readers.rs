//! Read connections beside the writer: in WAL mode a reader sees the last
//! commit and neither waits for the writer nor holds it up.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags};
use spector_core::Result;
use tokio::sync::Semaphore;

use crate::error::SqliteError;
use crate::options::SqliteOptions;

/// Up to `SqliteOptions::readers` connections to one database file that
/// only read, opened when first needed and kept for the next read.
#[derive(Debug)]
pub(crate) struct Readers {
    path: PathBuf,
    flags: OpenFlags,
    options: SqliteOptions,
    idle: Arc<Mutex<Vec<Connection>>>,
    permits: Arc<Semaphore>,
}

impl Readers {
    /// Readers of the file at `path` (which the writer has opened, and
    /// created if it was missing), opened with the writer's `flags`, so that
    /// a URI's own `mode` is allowed as it was for the writer, but with a
    /// cache of their own: in a shared cache a reader would fail at once on
    /// a table the writer has locked. `None` when the options ask for none.
    pub(crate) fn new(path: PathBuf, flags: OpenFlags, options: SqliteOptions) -> Option<Self> {
        let count = options.get_readers();
        let mut flags = flags;
        flags.remove(OpenFlags::SQLITE_OPEN_SHARED_CACHE);
        flags.insert(OpenFlags::SQLITE_OPEN_PRIVATE_CACHE);
        (count > 0).then(|| Self {
            path,
            flags,
            options,
            idle: Arc::new(Mutex::new(Vec::with_capacity(count))),
            permits: Arc::new(Semaphore::new(count)),
        })
    }

    /// Runs `work` on a read connection on a blocking thread, waiting for
    /// one when all are busy. The blocking task holds the connection and
    /// its permit to the end, even when the caller stops waiting, and puts
    /// the connection back for the next read when no transaction is left
    /// open on it. A panic in `work` is resumed here.
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| SqliteError::ReadersClosed)?;
        let idle = Arc::clone(&self.idle);
        let (path, flags, options) = (self.path.clone(), self.flags, self.options);
        let span = tracing::Span::current();
        let result = tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let _permit = permit;
            let taken = lock(&idle).pop();
            let mut conn = match taken {
                Some(conn) => conn,
                None => match open(&path, flags, &options) {
                    Ok(conn) => conn,
                    Err(error) => return Ok(Err(SqliteError::Open(error).into())),
                },
            };
            let result = catch_unwind(AssertUnwindSafe(|| work(&mut conn)));
            // A read's transaction guard rolls back as it drops, even while
            // a panic unwinds; a connection left inside one is not reused.
            if conn.is_autocommit() {
                lock(&idle).push(conn);
            }
            result
        })
        .await
        .map_err(SqliteError::Task)?;
        result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}

/// The idle connections, whatever a panicking holder left.
fn lock(idle: &Mutex<Vec<Connection>>) -> std::sync::MutexGuard<'_, Vec<Connection>> {
    idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Opens one read connection with the backend's settings.
fn open(path: &PathBuf, flags: OpenFlags, options: &SqliteOptions) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(path, flags)?;
    crate::backend::configure(&conn, options)?;
    Ok(conn)
}
