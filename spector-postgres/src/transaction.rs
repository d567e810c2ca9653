//! Ending a transaction as soon as its work is done.

use spector_core::{Error, Result};
use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgTransaction, Postgres};

/// Commits `tx` when `work` succeeded (a failed commit becomes
/// `commit_failed`'s error); otherwise rolls it back before returning the
/// error.
///
/// sqlx only queues the rollback of a dropped transaction, to run when the
/// connection goes back to the pool; rolling back here releases the
/// record's lock and everything the transaction touched before the caller
/// sees the error.
pub(crate) async fn finish<T>(
    tx: PgTransaction<'static>,
    work: Result<T>,
    commit_failed: impl FnOnce(sqlx::Error) -> Error,
) -> Result<T> {
    match work {
        Ok(output) => {
            tx.commit().await.map_err(commit_failed)?;
            Ok(output)
        }
        Err(error) => {
            // The operation's error is the one to report; a failed rollback
            // leaves the connection to the pool, which rolls back or closes it.
            let _ = tx.rollback().await;
            Err(error)
        }
    }
}

/// A pooled connection whose transaction a write begins and ends by hand
/// (its `BEGIN` goes out with the statements after it in one message).
///
/// While the transaction may be open, dropping this (a caller that stopped
/// waiting) closes the connection instead of returning it to the pool: the
/// server then rolls the transaction back and releases its locks, and no
/// later user of the pool finds itself inside it.
pub(crate) struct HandTransaction {
    conn: PoolConnection<Postgres>,
    open: bool,
}

impl HandTransaction {
    /// Marks `conn` as about to begin a transaction: from now on, a drop
    /// before [`finish`](HandTransaction::finish) closes it.
    pub(crate) fn begin(conn: PoolConnection<Postgres>) -> Self {
        Self { conn, open: true }
    }

    /// The connection, to run the transaction's statements on.
    pub(crate) fn conn(&mut self) -> &mut PgConnection {
        &mut self.conn
    }

    /// Commits when `work` succeeded (a failed commit becomes
    /// `commit_failed`'s error), otherwise rolls back, then returns the
    /// connection to the pool; a connection whose transaction could not be
    /// ended is closed.
    pub(crate) async fn finish<T>(
        mut self,
        work: Result<T>,
        commit_failed: impl FnOnce(sqlx::Error) -> Error,
    ) -> Result<T> {
        let end = if work.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let ended = sqlx::raw_sql(end).execute(&mut *self.conn).await;
        self.open = ended.is_err();
        match (work, ended) {
            (Ok(output), Ok(_)) => Ok(output),
            (Ok(_), Err(error)) => Err(commit_failed(error)),
            (Err(error), _) => Err(error),
        }
    }
}

impl Drop for HandTransaction {
    fn drop(&mut self) {
        if self.open {
            self.conn.close_on_drop();
        }
    }
}
