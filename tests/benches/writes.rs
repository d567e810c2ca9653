//! What one `execute` costs, and what the per-record lock adds, on both
//! backends — against the raw driver running the same statements in the
//! same run.
//!
//! ```sh
//! cargo bench -p spector-tests --bench writes            # BENCH_OPS=2000 by default
//! ```
//!
//! Rows per backend:
//! - `spector execute`: `Store::execute` of `Counter::increment`;
//! - `raw, locked`: the driver alone running the statements of one execute
//!   (begin + record lock, read the history with each event's links,
//!   decode the payloads, insert the event, commit);
//! - `raw, unlocked`: the same without the lock (SQLite `BEGIN DEFERRED`
//!   instead of `BEGIN IMMEDIATE`; PostgreSQL without
//!   `pg_advisory_xact_lock`). `locked − unlocked` is the lock's cost.
//!
//! The three rows run interleaved, one operation each in turn, on the same
//! database and connection, so that they share its state (table size, WAL,
//! cache); raw SQLite time is measured inside the blocking task, so it
//! leaves out the hop to the blocking thread that Spector pays for. Each
//! row writes to its own `RECORDS` records in turn, so histories stay short
//! (BENCH_OPS / RECORDS events each) and equal for every row.

use std::time::{Duration, Instant};

use rusqlite::{params, Connection, TransactionBehavior};
use spector::backend::Storage;
use spector::postgres::record_lock_key;
use spector::sqlite::Sqlite;
use spector::{action, Attrs, Id, Store};
use spector_tests::records::{Counter, CounterAction, TestEvents};
use spector_tests::{PostgresDb, TestDb};
use sqlx::{PgPool, Row};
use uuid::Uuid;

const RECORDS: usize = 200;

fn ops() -> usize {
    std::env::var("BENCH_OPS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000)
}

fn report(backend: &str, what: &str, ops: usize, elapsed: Duration) {
    let micros = elapsed.as_secs_f64() * 1e6 / ops as f64;
    println!("{backend:<9} {what:<32} {ops:>6} ops  {micros:>9.1} µs/op");
}

/// `RECORDS` fresh counters, inserted through Spector.
async fn counters<B: Storage>(store: &Store<B>) -> Vec<Uuid> {
    let mut ids = Vec::with_capacity(RECORDS);
    for _ in 0..RECORDS {
        let counter: Counter = store.insert(Attrs::new()).await.expect("insert");
        ids.push(counter.id.uuid());
    }
    ids
}

/// Time spent per row.
#[derive(Default)]
struct Timings {
    spector: Duration,
    locked: Duration,
    unlocked: Duration,
}

impl Timings {
    fn report(&self, backend: &str, driver: &str, ops: usize) {
        report(backend, "spector execute", ops, self.spector);
        report(backend, &format!("raw {driver}, locked"), ops, self.locked);
        report(
            backend,
            &format!("raw {driver}, unlocked"),
            ops,
            self.unlocked,
        );
    }
}

async fn spector_execute<B: Storage>(store: &Store<B>, id: Uuid) -> Duration {
    let started = Instant::now();
    store
        .execute(
            Id::<Counter>::new(id),
            CounterAction::Increment(Attrs::new()),
        )
        .await
        .expect("execute");
    started.elapsed()
}

/// Now, at the microsecond precision both backends store.
fn now_micros() -> chrono::DateTime<chrono::Utc> {
    use chrono::DurationRound;
    let now = chrono::Utc::now();
    now.duration_trunc(chrono::TimeDelta::microseconds(1))
        .unwrap_or(now)
}

fn payload(id: Uuid) -> String {
    let now = now_micros();
    serde_json::json!({
        "__version__": 0,
        "__event_id__": id,
        "updated_at": now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
    })
    .to_string()
}

fn sqlite_raw_execute(
    conn: &mut Connection,
    parent_id: Uuid,
    locked: bool,
) -> rusqlite::Result<()> {
    let behavior = if locked {
        TransactionBehavior::Immediate
    } else {
        TransactionBehavior::Deferred
    };
    let tx = conn.transaction_with_behavior(behavior)?;
    {
        let mut events = tx.prepare_cached(
            "SELECT e.id, e.parent_id, e.payload, e.schema, e.action, e.inserted_at, \
             (SELECT group_concat(hex(l.mentioned_id), ',') FROM test_mentions l \
              WHERE l.event_id = e.id) \
             FROM test_events e WHERE e.parent_id = ?1 \
             ORDER BY e.inserted_at, e.id",
        )?;
        let mut rows = events.query(params![parent_id])?;
        while let Some(row) = rows.next()? {
            let payload: String = row.get(2)?;
            let _: serde_json::Value = serde_json::from_str(&payload).unwrap_or_default();
            let _: Option<String> = row.get(6)?;
        }
        let id = Uuid::now_v7();
        tx.prepare_cached(
            "INSERT INTO test_events (id, parent_id, payload, schema, action, inserted_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            id,
            parent_id,
            payload(id),
            0,
            action::custom_action_code("increment"),
            now_micros().timestamp_micros()
        ])?;
    }
    tx.commit()
}

async fn sqlite_rows(ops: usize) {
    let dir = std::env::temp_dir().join(format!("spector-bench-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("bench.db");
    let store = Store::new(Sqlite::open(&path).await.expect("open"));
    store.migrate::<TestEvents>().await.expect("migrate");
    let (a, b, c) = (
        counters(&store).await,
        counters(&store).await,
        counters(&store).await,
    );
    let mut timings = Timings::default();
    for n in 0..ops {
        timings.spector += spector_execute(&store, a[n % RECORDS]).await;
        for (ids, locked, total) in [
            (&b, true, &mut timings.locked),
            (&c, false, &mut timings.unlocked),
        ] {
            let id = ids[n % RECORDS];
            *total += store
                .backend()
                .with_connection(move |conn| {
                    let started = Instant::now();
                    sqlite_raw_execute(conn, id, locked).expect("raw execute");
                    Ok(started.elapsed())
                })
                .await
                .expect("raw run");
        }
    }
    timings.report("sqlite", "rusqlite", ops);
    drop(store);
    let _ = std::fs::remove_dir_all(dir);
}

async fn postgres_raw_execute(pool: &PgPool, parent_id: Uuid, locked: bool) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    if locked {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(record_lock_key("test_events", parent_id))
            .execute(&mut *tx)
            .await?;
    }
    let rows = sqlx::query(
        "SELECT e.id, e.parent_id, e.payload::text, e.schema, e.action, e.inserted_at, \
         ARRAY(SELECT l.mentioned_id FROM test_mentions l \
               WHERE l.event_id = e.id ORDER BY l.mentioned_id) \
         FROM test_events e WHERE e.parent_id = $1 \
         ORDER BY e.inserted_at, e.id",
    )
    .bind(parent_id)
    .fetch_all(&mut *tx)
    .await?;
    for row in rows {
        let payload: String = row.try_get(2)?;
        let _: serde_json::Value = serde_json::from_str(&payload).unwrap_or_default();
        let _: Vec<Uuid> = row.try_get(6)?;
    }
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO test_events (id, parent_id, payload, schema, action, inserted_at) \
         VALUES ($1, $2, $3::jsonb, $4, $5, $6)",
    )
    .bind(id)
    .bind(parent_id)
    .bind(payload(id))
    .bind(0)
    .bind(action::custom_action_code("increment"))
    .bind(now_micros())
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

async fn postgres_rows(ops: usize) {
    let db = PostgresDb::create().await;
    let store = db.store().clone();
    let pool = store.backend().pool().clone();
    store.migrate::<TestEvents>().await.expect("migrate");
    let (a, b, c) = (
        counters(&store).await,
        counters(&store).await,
        counters(&store).await,
    );
    let mut timings = Timings::default();
    for n in 0..ops {
        timings.spector += spector_execute(&store, a[n % RECORDS]).await;
        for (ids, locked, total) in [
            (&b, true, &mut timings.locked),
            (&c, false, &mut timings.unlocked),
        ] {
            let started = Instant::now();
            postgres_raw_execute(&pool, ids[n % RECORDS], locked)
                .await
                .expect("raw execute");
            *total += started.elapsed();
        }
    }
    timings.report("postgres", "sqlx", ops);
}

#[tokio::main]
async fn main() {
    let ops = ops();
    println!("{:<9} {:<32} {:>10}  {:>15}", "backend", "what", "", "mean");
    sqlite_rows(ops).await;
    postgres_rows(ops).await;
}
