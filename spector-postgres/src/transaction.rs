//! Ending a transaction as soon as its work is done.

use spector_core::{Error, Result};
use sqlx::PgTransaction;

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
