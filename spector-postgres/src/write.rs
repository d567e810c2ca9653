//! Writing: one operation in one transaction, serialized per record by an
//! advisory lock.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use spector_core::backend::{
    ChainTail, CollectEvents, LogSpec, MultiPlan, PlanInput, Planned, WritePlan, WriteTarget,
};
use spector_core::{Error, Event, Link, Result};
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, PgConnection, PgPool, Postgres};
use uuid::Uuid;

use crate::error::{query_error, sqlstate};
use crate::migration::LINK_ACROSS_RECORDS_SQLSTATE;
use crate::read::fold_events;
use crate::select::Selection;
use crate::transaction;
use crate::{lock, rows};

/// A wait for a record's lock longer than this is traced (a round trip to a
/// local server takes well under it).
const LOCK_WAIT_WORTH_TELLING: Duration = Duration::from_millis(5);

/// How every write transaction starts. READ COMMITTED gives each statement a
/// fresh snapshot, so the history read after the lock is taken includes
/// every write that held the lock before.
///
/// `SET LOCAL TIME ZONE 'UTC'` (until the transaction ends) makes the bound
/// `timestamptz` time land as UTC in a `timestamp without time zone` column,
/// the `inserted_at` of a table laid out by Spector-Elixir's migration
/// (section 15 of the spec): PostgreSQL converts with the session's time
/// zone, which need not be UTC. Our own `timestamptz` column is unaffected.
/// Both statements go in one simple-protocol message, so this costs no
/// extra round trip.
const BEGIN: &str = "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL TIME ZONE 'UTC'";

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

/// The work of [`write`] inside its transaction: in a hashed log, the
/// table's append lock and its chain tail; otherwise the record's lock;
/// then the history, the plan and the inserts.
async fn plan_and_insert<P: WritePlan>(
    conn: &mut PgConnection,
    log: &'static LogSpec,
    plan: P,
) -> Result<P::Output> {
    let table = log.table().as_str();
    let record = plan.record();
    let tail = if log.hashed() {
        let statement = sqlx::query(lock::LOCK_CHAIN)
            .bind(lock::CHAIN_CLASS)
            .bind(lock::table_key(table));
        lock(conn, table, statement, "the table's append lock").await?;
        chain_tail(conn, log).await?
    } else {
        if let Some(record) = record {
            let statement =
                sqlx::query(lock::LOCK_RECORD).bind(lock::record_lock_key(table, record.parent_id));
            lock(conn, table, statement, "the record's write lock").await?;
        }
        None
    };
    let history = match record {
        Some(record) => {
            let selection = Selection::of(log, &record.history().filter)?;
            fold_events(conn, log, &selection, true, CollectEvents::default()).await?
        }
        None => Vec::new(),
    };
    let untracked = match plan.untracked() {
        Some(table) => rows::untracked(conn, log, table).await?,
        None => Vec::new(),
    };
    let input = PlanInput {
        history,
        tail,
        untracked,
    };
    match plan.plan(input)? {
        Planned::Append {
            events,
            rows,
            output,
        } => {
            for event in &events {
                insert_event(conn, log, event).await?;
            }
            for row in &rows {
                rows::apply(conn, row).await?;
            }
            Ok(output)
        }
        Planned::Unchanged(output) => Ok(output),
    }
}

/// Runs a write to several records in one transaction: the locks first,
/// in a fixed order (each hashed log's append lock by table key, then each
/// record's write lock by key), so that two batches cannot deadlock; then
/// each hashed log's tail, each target's history, the plan, the events log
/// by log and the rows. Any error rolls everything back.
pub(crate) async fn write_many<P: MultiPlan>(pool: &PgPool, plan: P) -> Result<P::Output> {
    let targets = plan.targets();
    let table = targets
        .first()
        .map_or("(an empty batch)", |target| target.log.table().as_str());
    let mut tx = pool
        .begin_with(BEGIN)
        .await
        .map_err(query_error("begin", table))?;
    let work = plan_many_and_insert(&mut tx, plan, targets).await;
    transaction::finish(tx, work, query_error("commit", table)).await
}

/// The work of [`write_many`] inside its transaction.
async fn plan_many_and_insert<P: MultiPlan>(
    conn: &mut PgConnection,
    plan: P,
    targets: Vec<WriteTarget>,
) -> Result<P::Output> {
    let mut chain_locks: Vec<(i32, &'static str)> = targets
        .iter()
        .filter(|target| target.log.hashed())
        .map(|target| {
            let table = target.log.table().as_str();
            (lock::table_key(table), table)
        })
        .collect();
    chain_locks.sort_unstable();
    chain_locks.dedup();
    for (key, table) in chain_locks {
        let statement = sqlx::query(lock::LOCK_CHAIN)
            .bind(lock::CHAIN_CLASS)
            .bind(key);
        lock(conn, table, statement, "the table's append lock").await?;
    }
    let mut record_locks: Vec<(i64, &'static str)> = targets
        .iter()
        .filter(|target| !target.log.hashed())
        .filter_map(|target| {
            let table = target.log.table().as_str();
            target
                .record
                .map(|record| (lock::record_lock_key(table, record.parent_id), table))
        })
        .collect();
    record_locks.sort_unstable();
    record_locks.dedup();
    for (key, table) in record_locks {
        let statement = sqlx::query(lock::LOCK_RECORD).bind(key);
        lock(conn, table, statement, "the record's write lock").await?;
    }
    let mut tails: HashMap<&'static str, Option<ChainTail>> = HashMap::new();
    let mut inputs = Vec::with_capacity(targets.len());
    for target in &targets {
        let history = match target.record {
            Some(record) => {
                let selection = Selection::of(target.log, &record.history().filter)?;
                fold_events(conn, target.log, &selection, true, CollectEvents::default()).await?
            }
            None => Vec::new(),
        };
        let table = target.log.table().as_str();
        let tail = match (target.log.hashed(), tails.get(table)) {
            (false, _) => None,
            (true, Some(tail)) => tail.clone(),
            (true, None) => {
                let tail = chain_tail(conn, target.log).await?;
                tails.insert(table, tail.clone());
                tail
            }
        };
        inputs.push(PlanInput {
            history,
            tail,
            untracked: Vec::new(),
        });
    }
    let planned = plan.plan(inputs)?;
    for (log, events) in &planned.appends {
        for event in events {
            insert_event(conn, log, event).await?;
        }
    }
    for row in &planned.rows {
        rows::apply(conn, row).await?;
    }
    Ok(planned.output)
}

/// Takes the advisory lock of `statement` (its key bound) until the
/// transaction ends; a wait longer than [`LOCK_WAIT_WORTH_TELLING`] is
/// traced.
async fn lock(
    conn: &mut PgConnection,
    table: &'static str,
    statement: Query<'_, Postgres, PgArguments>,
    what: &'static str,
) -> Result<()> {
    let asked = Instant::now();
    statement
        .execute(&mut *conn)
        .await
        .map_err(query_error("lock", table))?;
    let waited = asked.elapsed();
    if waited > LOCK_WAIT_WORTH_TELLING {
        tracing::debug!(
            target: "spector",
            waited_ms = waited.as_millis(),
            "waited for {what}"
        );
    }
    Ok(())
}

/// The newest event of a hashed log's table: its hash and time. The
/// table's append lock is held, so no other append comes between this read
/// and the commit; READ COMMITTED lets this statement see every append
/// that held the lock before.
async fn chain_tail(conn: &mut PgConnection, log: &'static LogSpec) -> Result<Option<ChainTail>> {
    let table = log.table();
    let sql = format!(
        "SELECT e.id, e.hash, {} FROM {table} e ORDER BY e.inserted_at DESC, e.id DESC LIMIT 1",
        crate::select::MICROS
    );
    let row: Option<(Uuid, Option<Vec<u8>>, Option<i64>)> = sqlx::query_as(AssertSqlSafe(sql))
        .fetch_optional(&mut *conn)
        .await
        .map_err(query_error("read the chain's tail", table.as_str()))?;
    row.map(|(id, hash, micros)| {
        let inserted_at = micros
            .and_then(DateTime::<Utc>::from_timestamp_micros)
            .ok_or_else(|| Error::CorruptEvent {
                table: table.to_string(),
                event_id: id,
                reason: "its inserted_at is infinite or beyond the times Spector reads".to_owned(),
            })?;
        Ok(ChainTail { hash, inserted_at })
    })
    .transpose()
}

/// Inserts the event row, then one row per link.
async fn insert_event(conn: &mut PgConnection, log: &'static LogSpec, event: &Event) -> Result<()> {
    let table = log.table().as_str();
    let (hash_column, hash_value) = if log.hashed() {
        (", hash", ", $7")
    } else {
        ("", "")
    };
    let sql = format!(
        "INSERT INTO {table} (id, parent_id, payload, schema, action, inserted_at{hash_column}) \
         VALUES ($1, $2, $3, $4, $5, $6{hash_value})"
    );
    let mut insert = sqlx::query(AssertSqlSafe(sql))
        .bind(event.id)
        .bind(event.parent_id)
        .bind(Json(&event.payload))
        .bind(event.schema_index)
        .bind(event.action_code)
        .bind(event.inserted_at);
    if log.hashed() {
        insert = insert.bind(&event.hash);
    }
    insert
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
    let (type_column, type_value) = if spec.typed() {
        (", type", ", $3")
    } else {
        ("", "")
    };
    let sql = format!(
        "INSERT INTO {} (event_id, {}{type_column}) VALUES ($1, $2{type_value})",
        spec.table(),
        spec.column()
    );
    let mut insert = sqlx::query(AssertSqlSafe(sql))
        .bind(event.id)
        .bind(link.target);
    if spec.typed() {
        insert = insert.bind(link.kind);
    }
    insert
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
