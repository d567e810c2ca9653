//! What an event table's `inserted_at` column is, asked once per table.
//!
//! Spector's tables store `timestamptz`; a table laid out by
//! Spector-Elixir's migration stores `timestamp without time zone`, read as
//! UTC. A `timestamptz` bound into the latter is converted with the
//! session's time zone, so such writes run in a transaction that sets it to
//! UTC first; a write to a `timestamptz` table needs no such setting, and
//! may be one autocommitted statement.

use std::collections::HashMap;
use std::sync::Mutex;

use sqlx::PgPool;

use crate::error::query_error;

/// The `inserted_at` type of each event table written so far.
#[derive(Debug, Default)]
pub(crate) struct TimeColumns {
    known: Mutex<HashMap<&'static str, bool>>,
}

impl TimeColumns {
    /// Whether `table`'s `inserted_at` is a `timestamptz`: asked of the
    /// server the first time (the table as the pool's `search_path` finds
    /// it), then remembered. `false` when the table is missing (asked again
    /// next time).
    pub(crate) async fn zoned(
        &self,
        pool: &PgPool,
        table: &'static str,
    ) -> spector_core::Result<bool> {
        if let Some(&zoned) = self.lock().get(table) {
            return Ok(zoned);
        }
        let zoned: Option<bool> = sqlx::query_scalar(
            "SELECT a.atttypid = 'timestamptz'::regtype FROM pg_attribute a \
             WHERE a.attrelid = to_regclass($1) AND a.attname = 'inserted_at' \
             AND NOT a.attisdropped",
        )
        .bind(table)
        .fetch_optional(pool)
        .await
        .map_err(query_error("read the table's layout", table))?;
        if let Some(zoned) = zoned {
            self.lock().insert(table, zoned);
        }
        Ok(zoned.unwrap_or(false))
    }

    /// Forgets `table` (migrated or dropped: its layout may change).
    pub(crate) fn forget(&self, table: &str) {
        self.lock().remove(table);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<&'static str, bool>> {
        self.known
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
