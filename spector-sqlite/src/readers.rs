//! Read connections beside the writer: in WAL mode a reader sees the last
//! commit and neither waits for the writer nor holds it up.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Mutex;

use rusqlite::{Connection, OpenFlags};
use spector_core::Result;
use tokio::sync::Semaphore;

use crate::error::SqliteError;
use crate::options::SqliteOptions;

/// Up to `SqliteOptions::readers` read-only connections to one database
/// file, opened when first needed and kept for the next read.
#[derive(Debug)]
pub(crate) struct Readers {
    path: PathBuf,
    flags: OpenFlags,
    options: SqliteOptions,
    idle: Mutex<Vec<Connection>>,
    permits: Semaphore,
}

impl Readers {
    /// Readers of the file at `path`, opened with `flags` made read-only;
    /// `None` when the options ask for none.
    pub(crate) fn new(path: PathBuf, flags: OpenFlags, options: SqliteOptions) -> Option<Self> {
        let count = options.get_readers();
        let mut flags = flags;
        flags.remove(OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE);
        flags.insert(OpenFlags::SQLITE_OPEN_READ_ONLY);
        (count > 0).then(|| Self {
            path,
            flags,
            options,
            idle: Mutex::new(Vec::with_capacity(count)),
            permits: Semaphore::new(count),
        })
    }

    /// Runs `work` on a read connection on a blocking thread, waiting for
    /// one when all are busy. A panic in `work` is resumed here.
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| SqliteError::WriterStopped)?;
        let idle = self.take_idle();
        let (path, flags, options) = (self.path.clone(), self.flags, self.options);
        let span = tracing::Span::current();
        let (conn, result) = tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let mut conn = match idle {
                Some(conn) => conn,
                None => match open(&path, flags, &options) {
                    Ok(conn) => conn,
                    Err(error) => return (None, Ok(Err(SqliteError::Open(error).into()))),
                },
            };
            let result = catch_unwind(AssertUnwindSafe(|| work(&mut conn)));
            // A read's transaction guard rolls back as it drops, even while
            // a panic unwinds; a connection left inside one is not reused.
            let keep = conn.is_autocommit();
            (keep.then_some(conn), result)
        })
        .await
        .map_err(SqliteError::Task)?;
        if let Some(conn) = conn {
            self.idle
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .push(conn);
        }
        result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }

    fn take_idle(&self) -> Option<Connection> {
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop()
    }
}

/// Opens one read connection with the backend's settings.
fn open(path: &PathBuf, flags: OpenFlags, options: &SqliteOptions) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(path, flags)?;
    crate::backend::configure(&conn, options)?;
    Ok(conn)
}
