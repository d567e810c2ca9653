//! Writing: one operation in one transaction, serialized per record by an
//! advisory lock.

use std::time::{Duration, Instant};

use spector_core::backend::{CollectEvents, LogSpec, Planned, WritePlan};
use spector_core::{Error, Event, Link, Result};
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, PgConnection, PgPool};

use crate::error::{query_error, sqlstate};
use crate::lock;
use crate::migration::LINK_ACROSS_RECORDS_SQLSTATE;
use crate::read::fold_events;
use crate::select::Selection;
use crate::transaction;

/// A wait for a record's lock longer than this is traced (a round trip to a
/// local server takes well under it).
const LOCK_WAIT_WORTH_TELLING: Duration = Duration::from_millis(5);

/// How every write transaction starts. READ COMMITTED gives each statement a
/// fresh snapshot, so the history read after the lock is taken includes
/// every write that held the lock before.
const BEGIN: &str = "BEGIN ISOLATION LEVEL READ COMMITTED";

/// Runs `plan` in one transaction: takes the record's lock and loads its
/// history (when it names a record), plans, inserts the event and its links,
/// commits. Any error rolls the transaction back.
pub(crate) async fn write<P: WritePlan>(
    pool: &PgPool,
    log: &'static LogSpec,
    plan: P,
) -> Result<P::Output> {
    let table = log.table().as_str();
    let mut tx = pool
        .begin_with(BEGIN)
        .await
        .map_err(query_error("begin", table))?;
    let work = plan_and_insert(&mut tx, log, plan).await;
    transaction::finish(tx, work, query_error("commit", table)).await
}

/// The work of [`write`] inside its transaction.
async fn plan_and_insert<P: WritePlan>(
    conn: &mut PgConnection,
    log: &'static LogSpec,
    plan: P,
) -> Result<P::Output> {
    let history = match plan.record() {
        Some(record) => {
            let table = log.table().as_str();
            let asked = Instant::now();
            sqlx::query(lock::LOCK_RECORD)
                .bind(lock::record_lock_key(table, record.parent_id))
                .execute(&mut *conn)
                .await
                .map_err(query_error("lock record", table))?;
            let waited = asked.elapsed();
            if waited > LOCK_WAIT_WORTH_TELLING {
                tracing::debug!(
                    target: "spector",
                    waited_ms = waited.as_millis(),
                    "waited for the record's write lock"
                );
            }
            let selection = Selection::of(log, &record.history().filter)?;
            fold_events(conn, log, &selection, true, CollectEvents::default()).await?
        }
        None => Vec::new(),
    };
    match plan.plan(history)? {
        Planned::Append { events, output } => {
            for event in &events {
                insert_event(conn, log, event).await?;
            }
            Ok(output)
        }
        Planned::Unchanged(output) => Ok(output),
    }
}

/// Inserts the event row, then one row per link.
async fn insert_event(conn: &mut PgConnection, log: &'static LogSpec, event: &Event) -> Result<()> {
    let table = log.table().as_str();
    let sql = format!(
        "INSERT INTO {table} (id, parent_id, payload, schema, action, inserted_at) \
         VALUES ($1, $2, $3, $4, $5, $6)"
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(event.id)
        .bind(event.parent_id)
        .bind(Json(&event.payload))
        .bind(event.schema_index)
        .bind(event.action_code)
        .bind(event.inserted_at)
        .execute(&mut *conn)
        .await
        .map_err(|error| match sqlstate(&error).as_deref() {
            Some(UNIQUE_VIOLATION) => Error::EventIdConflict {
                record_type: log.record_type(event.schema_index),
                event_id: event.id,
            },
            _ => query_error("insert event", table)(error),
        })?;
    for link in &event.links {
        insert_link(conn, log, event, link).await?;
    }
    Ok(())
}

/// Inserts one link row; the same-record trigger's refusal becomes
/// [`Error::LinkAcrossRecords`].
async fn insert_link(
    conn: &mut PgConnection,
    log: &'static LogSpec,
    event: &Event,
    link: &Link,
) -> Result<()> {
    let spec = log.link(link.name).ok_or_else(|| Error::UnknownLink {
        record_type: log.record_type(event.schema_index),
        link: link.name.to_owned(),
    })?;
    let sql = format!(
        "INSERT INTO {} (event_id, {}) VALUES ($1, $2)",
        spec.table(),
        spec.column()
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(event.id)
        .bind(link.target)
        .execute(&mut *conn)
        .await
        .map_err(|error| match sqlstate(&error).as_deref() {
            Some(LINK_ACROSS_RECORDS_SQLSTATE) => Error::LinkAcrossRecords {
                link: link.name,
                event_id: event.id,
                target: link.target,
            },
            Some(FOREIGN_KEY_VIOLATION) => Error::LinkTargetNotFound {
                link: link.name,
                event_id: event.id,
                target: link.target,
            },
            _ => query_error("insert link", log.table().as_str())(error),
        })?;
    Ok(())
}

/// The SQLSTATE of a unique index refusing a row: an event id already taken.
const UNIQUE_VIOLATION: &str = "23505";

/// The SQLSTATE of a foreign key refusing a row: a link to an event that
/// does not exist.
const FOREIGN_KEY_VIOLATION: &str = "23503";
