//! Writing: one operation in one transaction, serialized per record by an
//! advisory lock.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use spector_core::backend::{
    ChainTail, CollectEvents, LogSpec, MultiPlan, PlanInput, Planned, RecordRef, RowWrite,
    WritePlan, WriteTarget,
};
use spector_core::{Error, Event, Link, Result};
use sqlx::postgres::PgArguments;
use sqlx::postgres::PgRow;
use sqlx::query::Query;
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, Either, PgConnection, PgPool, Postgres, Row};
use uuid::Uuid;

use crate::error::{query_error, sqlstate};
use crate::migration::LINK_ACROSS_RECORDS_SQLSTATE;
use crate::read::{event_of_row, fold_events};
use crate::select::Selection;
use crate::time_column::TimeColumns;
use crate::transaction::{self, HandTransaction};
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
/// `SET LOCAL bytea_output = 'hex'` keeps a hash read in text format (the
/// opening message of [`open`] is simple-protocol) in the form the driver
/// decodes, whatever the database's setting. The statements go in one
/// simple-protocol message, so this costs no extra round trip.
const BEGIN: &str = "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL TIME ZONE 'UTC'; \
                     SET LOCAL bytea_output = 'hex'";

/// The statements in [`BEGIN`].
const BEGIN_STATEMENTS: usize = 3;

/// Runs `plan` in one transaction, in as few round trips as it allows:
///
/// 1. one simple-protocol message begins the transaction, takes the lock
///    (a hashed log's append lock, or the record's write lock) and reads
///    the chain's tail and the record's history — each statement of the
///    message has a snapshot of its own, taken after the lock;
/// 2. the plan runs; each event, link and row is one insert;
/// 3. `COMMIT`.
///
/// An update of a record is thus three round trips. A new record's single
/// event without links or rows, in a log that is not hashed and whose
/// table stores `timestamptz`, is one autocommitted `INSERT`. Any error
/// rolls the transaction back.
pub(crate) async fn write<P: WritePlan>(
    pool: &PgPool,
    time_columns: &TimeColumns,
    log: &'static LogSpec,
    plan: P,
) -> Result<P::Output> {
    let table = log.table().as_str();
    if plan.record().is_none() && !log.hashed() && plan.untracked().is_none() {
        return insert_new(pool, time_columns, log, plan).await;
    }
    let conn = pool
        .acquire()
        .await
        .map_err(query_error("connect", table))?;
    let mut tx = HandTransaction::begin(conn);
    let work = open_plan_and_insert(tx.conn(), log, plan).await;
    tx.finish(work, query_error("commit", table)).await
}

/// A write that reads nothing first (a new record, not in a hashed log):
/// planned before any statement, then one autocommitted `INSERT` when that
/// is all it writes, or a transaction for its inserts.
async fn insert_new<P: WritePlan>(
    pool: &PgPool,
    time_columns: &TimeColumns,
    log: &'static LogSpec,
    plan: P,
) -> Result<P::Output> {
    let table = log.table().as_str();
    let zoned = time_columns.zoned(pool, table).await?;
    // The connection first, so that the event's time is taken as late as
    // possible before its insert.
    let mut conn = pool
        .acquire()
        .await
        .map_err(query_error("connect", table))?;
    let (events, rows, output) = match plan.plan(PlanInput::default())? {
        Planned::Append {
            events,
            rows,
            output,
        } => (events, rows, output),
        Planned::Unchanged(output) => return Ok(output),
    };
    let alone = match events.as_slice() {
        [event] => event.links.is_empty() && rows.is_empty(),
        _ => false,
    };
    if alone && zoned {
        for event in &events {
            insert_event(&mut conn, log, event).await?;
        }
        return Ok(output);
    }
    let mut tx = HandTransaction::begin(conn);
    let work = async {
        sqlx::raw_sql(BEGIN)
            .execute(&mut *tx.conn())
            .await
            .map_err(query_error("begin", table))?;
        append(tx.conn(), log, &events, &rows).await
    }
    .await;
    tx.finish(work, query_error("commit", table))
        .await
        .map(|()| output)
}

/// The work of [`write`] inside its transaction: the opening message, then
/// the untracked rows when the plan asks for them, the plan and the inserts.
async fn open_plan_and_insert<P: WritePlan>(
    conn: &mut PgConnection,
    log: &'static LogSpec,
    plan: P,
) -> Result<P::Output> {
    let (tail, history) = open(conn, log, plan.record()).await?;
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
            append(conn, log, &events, &rows).await?;
            Ok(output)
        }
        Planned::Unchanged(output) => Ok(output),
    }
}

/// Inserts `events` (with their links), then applies `rows`.
async fn append(
    conn: &mut PgConnection,
    log: &'static LogSpec,
    events: &[Event],
    rows: &[RowWrite],
) -> Result<()> {
    for event in events {
        insert_event(conn, log, event).await?;
    }
    for row in rows {
        rows::apply(conn, row).await?;
    }
    Ok(())
}

/// Sends the opening message of a write — [`BEGIN`], the lock, the chain's
/// tail in a hashed log, the record's history — and reads its answers: one
/// round trip. A wait longer than [`LOCK_WAIT_WORTH_TELLING`] is traced.
async fn open(
    conn: &mut PgConnection,
    log: &'static LogSpec,
    record: Option<RecordRef>,
) -> Result<(Option<ChainTail>, Vec<Event>)> {
    let table = log.table().as_str();
    let mut statements = vec![BEGIN.to_owned()];
    let mut next = BEGIN_STATEMENTS;
    let (mut tail_at, mut history_at) = (None, None);
    if log.hashed() {
        statements.push(format!(
            "SELECT pg_advisory_xact_lock({}, {})",
            lock::CHAIN_CLASS,
            lock::table_key(table)
        ));
        statements.push(tail_sql(log));
        tail_at = Some(next + 1);
        next += 2;
    } else if let Some(record) = record {
        statements.push(format!(
            "SELECT pg_advisory_xact_lock({})",
            lock::record_lock_key(table, record.parent_id)
        ));
        next += 1;
    }
    if let Some(record) = record {
        let selection = Selection::of(log, &record.history().filter)?;
        statements.push(selection.literal_sql(log, true));
        history_at = Some(next);
    }
    let sql = statements.join("; ");
    let failed = query_error("lock and read", table);
    let asked = Instant::now();
    let mut answers = sqlx::raw_sql(AssertSqlSafe(sql)).fetch_many(&mut *conn);
    let (mut tail, mut history) = (None, Vec::new());
    let mut done = 0;
    while let Some(answer) = answers.try_next().await.map_err(&failed)? {
        match answer {
            Either::Left(_) => done += 1,
            Either::Right(row) if Some(done) == tail_at => tail = Some(tail_of_row(log, &row)?),
            Either::Right(row) if Some(done) == history_at => {
                history.push(event_of_row(log, &row, true)?);
            }
            Either::Right(_) => {}
        }
    }
    let waited = asked.elapsed();
    if waited > LOCK_WAIT_WORTH_TELLING {
        let what = if log.hashed() {
            "the table's append lock"
        } else {
            "the record's write lock"
        };
        tracing::debug!(
            target: "spector",
            waited_ms = waited.as_millis(),
            "waited for {what}"
        );
    }
    Ok((tail, history))
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
    let row = sqlx::query(AssertSqlSafe(tail_sql(log)))
        .fetch_optional(&mut *conn)
        .await
        .map_err(query_error("read the chain's tail", log.table().as_str()))?;
    row.map(|row| tail_of_row(log, &row)).transpose()
}

/// The read of a hashed log's newest event: id, hash, time in microseconds.
fn tail_sql(log: &LogSpec) -> String {
    format!(
        "SELECT e.id, e.hash, {} FROM {} e ORDER BY e.inserted_at DESC, e.id DESC LIMIT 1",
        crate::select::MICROS,
        log.table()
    )
}

/// The chain's tail from a row of [`tail_sql`] (binary or text format).
fn tail_of_row(log: &'static LogSpec, row: &PgRow) -> Result<ChainTail> {
    let table = log.table().as_str();
    let failed = query_error("read the chain's tail", table);
    let id: Uuid = row.try_get(0).map_err(&failed)?;
    let hash: Option<Vec<u8>> = row.try_get(1).map_err(&failed)?;
    let micros: Option<i64> = row.try_get(2).map_err(&failed)?;
    let inserted_at = micros
        .and_then(DateTime::<Utc>::from_timestamp_micros)
        .ok_or_else(|| Error::CorruptEvent {
            table: table.to_owned(),
            event_id: id,
            reason: "its inserted_at is infinite or beyond the times Spector reads".to_owned(),
        })?;
    Ok(ChainTail {
        event_id: id,
        hash,
        inserted_at,
    })
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
