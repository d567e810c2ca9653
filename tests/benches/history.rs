//! What a write costs as a record's history grows, with and without
//! automatic savepoints, and what a hash chain adds to an append — on both
//! backends, against the raw driver doing the same work in the same run.
//!
//! ```sh
//! cargo bench -p spector-tests --bench history     # BENCH_ROUNDS=30 by default
//! ```
//!
//! Part 1, history: records of type `Plain` (no savepoints) and `Saved`
//! (`savepoint_every = 100`) are given 10, 1,000 and 10,000 events by bulk
//! insert (a `Saved` record gets a savepoint after every 100th, as its
//! writes would have left). Each round then runs one `update` on each of
//! the six records and one raw append (the driver alone: begin, insert one
//! row, commit), interleaved. The peak memory of one write is the largest
//! allocation high-water mark above the memory in use before it, over the
//! rounds (a counting allocator).
//!
//! Part 2, hash chains: each round inserts one record into a plain log, one
//! into a hashed log, and runs the raw driver's hashed append: under the
//! same lock (PostgreSQL: the table's advisory lock; SQLite: `BEGIN
//! IMMEDIATE`), read the table's newest hash, hash the row with the same
//! function, insert it with its hash, commit.
//!
//! SQLite runs on a file with the backend's defaults (WAL,
//! `synchronous = FULL`), the raw rows on the same connection. The raw
//! append of part 1 is timed inside the blocking task (the driver alone);
//! the raw hashed append of part 2 is timed around it, as an async caller
//! of rusqlite pays the hop to a blocking thread too.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use spector::backend::Storage;
use spector::sqlite::Sqlite;
use spector::{
    attrs, event_log, Attrs, Changeset, Event, EventHash, EventMeta, Evented, Id, Invalid, Store,
};
use spector_tests::{PostgresDb, RawEvent, TestDb};
use sqlx::{AssertSqlSafe, PgPool};
use uuid::Uuid;

/// Counts the bytes in use and their high-water mark.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { System.dealloc(pointer, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A running total without savepoints.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Evented)]
#[evented(log = BenchEvents, actions(update))]
pub struct Plain {
    id: Id<Plain>,
    total: i64,
}

/// The same total with a savepoint every 100 events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Evented)]
#[evented(log = BenchEvents, actions(update), savepoint_every = 100)]
pub struct Saved {
    id: Id<Saved>,
    total: i64,
}

event_log!(pub BenchEvents { table: "bench_events", schemas: [Plain, Saved] });

/// A line of a plain log, for the hash chain part.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = PlainLines, actions(update))]
pub struct Line {
    id: Id<Line>,
    total: i64,
}

/// The same line in a hashed log.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = HashedLines, actions(update))]
pub struct HashedLine {
    id: Id<HashedLine>,
    total: i64,
}

event_log!(pub PlainLines { table: "plain_lines", schemas: [Line] });
event_log!(pub HashedLines { table: "hashed_lines", schemas: [HashedLine], hashed: true });

/// Adds `amount` to `total`.
fn add(total: i64, attrs: &Attrs) -> Result<i64, Invalid> {
    Ok(total + attrs.get_or("amount", 0_i64)?)
}

impl Changeset for Plain {
    fn changeset(mut self, action: PlainAction, _: &EventMeta) -> Result<Self, Invalid> {
        let (PlainAction::Insert(attrs) | PlainAction::Update(attrs)) = action;
        self.total = add(self.total, &attrs)?;
        Ok(self)
    }
}

impl Changeset for Saved {
    fn changeset(mut self, action: SavedAction, _: &EventMeta) -> Result<Self, Invalid> {
        let (SavedAction::Insert(attrs) | SavedAction::Update(attrs)) = action;
        self.total = add(self.total, &attrs)?;
        Ok(self)
    }
}

impl Changeset for Line {
    fn changeset(mut self, action: LineAction, _: &EventMeta) -> Result<Self, Invalid> {
        let (LineAction::Insert(attrs) | LineAction::Update(attrs)) = action;
        self.total = add(self.total, &attrs)?;
        Ok(self)
    }
}

impl Changeset for HashedLine {
    fn changeset(mut self, action: HashedLineAction, _: &EventMeta) -> Result<Self, Invalid> {
        let (HashedLineAction::Insert(attrs) | HashedLineAction::Update(attrs)) = action;
        self.total = add(self.total, &attrs)?;
        Ok(self)
    }
}

/// The history lengths measured.
const HISTORIES: [usize; 3] = [10, 1_000, 10_000];

fn rounds() -> usize {
    std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(30)
}

/// A record of schema `schema` with `events` events (and, when `saved`, a
/// savepoint after every 100th), ending a second ago.
fn history(schema: i32, events: usize, saved: bool) -> (Uuid, Vec<RawEvent>) {
    let parent_id = Uuid::now_v7();
    let mut micros = Utc::now().timestamp_micros() - 1_000_000 - 2 * events as i64;
    let mut rows = Vec::new();
    let mut push = |id: Uuid, action: i32, payload: String| {
        micros += 1;
        rows.push(RawEvent {
            id,
            parent_id,
            schema,
            action,
            payload,
            micros,
        });
    };
    for n in 1..=events {
        let (id, action) = if n == 1 {
            (parent_id, spector::action::INSERT)
        } else {
            (Uuid::now_v7(), spector::action::UPDATE)
        };
        push(id, action, r#"{"amount": 1}"#.to_owned());
        if saved && n % 100 == 0 {
            let state = serde_json::json!({ "id": parent_id, "total": n });
            push(
                Uuid::now_v7(),
                spector::action::SAVEPOINT,
                state.to_string(),
            );
        }
    }
    (parent_id, rows)
}

/// Mean microseconds per operation.
fn micros(total: Duration, ops: usize) -> f64 {
    total.as_secs_f64() * 1e6 / ops as f64
}

/// Runs `write`, returning its time and its peak memory above what was in
/// use before it.
async fn measured<F: std::future::Future<Output = ()>>(write: F) -> (Duration, usize) {
    let before = IN_USE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let started = Instant::now();
    write.await;
    let elapsed = started.elapsed();
    (elapsed, PEAK.load(Ordering::Relaxed).saturating_sub(before))
}

/// Time and peak memory of one configuration.
#[derive(Default, Clone, Copy)]
struct Cost {
    total: Duration,
    peak: usize,
}

impl Cost {
    fn add(&mut self, (elapsed, peak): (Duration, usize)) {
        self.total += elapsed;
        self.peak = self.peak.max(peak);
    }
}

/// What a backend offers the bench beside its store.
trait Raw {
    /// Inserts `rows` into `table` in one transaction.
    async fn bulk(&self, table: &str, rows: Vec<RawEvent>);
    /// The driver alone: begin, insert one event row of `parent_id`, commit.
    async fn append(&self, table: &str, parent_id: Uuid) -> Duration;
    /// The driver alone: a hashed append of a new record under the table's
    /// append lock.
    async fn hashed_append(&self, table: &str) -> Duration;
}

/// Part 1 on one backend.
async fn history_part<B: Storage, R: Raw>(name: &str, store: &Store<B>, raw: &R) {
    store.migrate::<BenchEvents>().await.expect("migrate");
    let mut records = Vec::new();
    for saved in [false, true] {
        for events in HISTORIES {
            let (id, rows) = history(i32::from(saved), events, saved);
            raw.bulk("bench_events", rows).await;
            records.push((saved, events, id));
        }
    }
    let raw_record = records[0].2;
    let mut costs = vec![Cost::default(); records.len()];
    let mut raw_cost = Duration::ZERO;
    let rounds = rounds();
    // Round 0 warms caches and connections and is not counted.
    for round in 0..=rounds {
        let mut round_costs = vec![Cost::default(); records.len()];
        for (cost, &(saved, _, id)) in round_costs.iter_mut().zip(&records) {
            let amount = attrs! { "amount": 1 };
            cost.add(if saved {
                measured(async {
                    store
                        .update(Id::<Saved>::new(id), amount)
                        .await
                        .expect("update");
                })
                .await
            } else {
                measured(async {
                    store
                        .update(Id::<Plain>::new(id), amount)
                        .await
                        .expect("update");
                })
                .await
            });
        }
        let raw = raw.append("bench_events", raw_record).await;
        if round > 0 {
            raw_cost += raw;
            for (cost, round_cost) in costs.iter_mut().zip(round_costs) {
                cost.add((round_cost.total, round_cost.peak));
            }
        }
    }
    let raw_us = micros(raw_cost, rounds);
    println!("\n{name}: one update at a history of n events ({rounds} rounds, interleaved)");
    println!(
        "{:<26} {:>8} {:>12} {:>12} {:>14}",
        "record type", "n", "µs/update", "× n = 10", "peak memory"
    );
    for (saved, chunk) in [false, true].into_iter().zip(costs.chunks(3)) {
        let base = micros(chunk[0].total, rounds);
        for (cost, events) in chunk.iter().zip(HISTORIES) {
            let us = micros(cost.total, rounds);
            println!(
                "{:<26} {:>8} {:>12.1} {:>12.2} {:>11.1} KiB",
                if saved {
                    "savepoint_every = 100"
                } else {
                    "no savepoints"
                },
                events,
                us,
                us / base,
                cost.peak as f64 / 1024.0
            );
        }
    }
    println!("{:<26} {:>8} {:>12.1}", "raw append (driver)", "-", raw_us);
}

/// Part 2 on one backend (the first round warms up and is not counted).
async fn chain_part<B: Storage, R: Raw>(name: &str, store: &Store<B>, raw: &R) {
    store.migrate::<PlainLines>().await.expect("migrate");
    store.migrate::<HashedLines>().await.expect("migrate");
    store.migrate::<RawLines>().await.expect("migrate");
    let (mut plain, mut hashed, mut driver) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let ops = rounds() * 10;
    for n in 0..=ops {
        let amount = attrs! { "amount": n };
        let started = Instant::now();
        let _: Line = store.insert(amount.clone()).await.expect("insert");
        let plain_time = started.elapsed();
        let started = Instant::now();
        let _: HashedLine = store.insert(amount).await.expect("insert");
        let hashed_time = started.elapsed();
        let driver_time = raw.hashed_append("raw_lines").await;
        if n > 0 {
            plain += plain_time;
            hashed += hashed_time;
            driver += driver_time;
        }
    }
    let checked = store.verify_hash_chain::<RawLines>().await.expect("verify");
    assert!(checked.is_intact(), "the raw appends chain as Spector's do");
    println!("\n{name}: one insert into a new record ({ops} rounds, interleaved)");
    println!("{:<34} {:>12} {:>18}", "log", "µs/insert", "raw / this");
    let driver_us = micros(driver, ops);
    for (what, total) in [
        ("plain log (spector)", plain),
        ("hashed log (spector)", hashed),
        ("hashed append (raw driver)", driver),
    ] {
        let us = micros(total, ops);
        println!("{what:<34} {us:>12.1} {:>18.2}", driver_us / us);
    }
}

/// The table the raw hashed appends go to, verified like Spector's.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = RawLines)]
pub struct RawLine {
    id: Id<RawLine>,
}

impl Changeset for RawLine {
    fn changeset(self, _: RawLineAction, _: &EventMeta) -> Result<Self, Invalid> {
        Ok(self)
    }
}

event_log!(pub RawLines { table: "raw_lines", schemas: [RawLine], hashed: true });

/// The event a raw hashed append writes: a new record's insert, after the
/// table's newest event.
fn raw_event(latest: Option<DateTime<Utc>>) -> Event {
    let id = Uuid::now_v7();
    let now = Utc::now();
    let now = DateTime::from_timestamp_micros(now.timestamp_micros()).expect("now");
    let inserted_at = match latest {
        Some(latest) if latest >= now => latest + chrono::TimeDelta::microseconds(1),
        _ => now,
    };
    Event {
        id,
        parent_id: id,
        schema_index: 0,
        action_code: spector::action::INSERT,
        payload: attrs! { "amount": 1 },
        inserted_at,
        links: Vec::new(),
        hash: None,
    }
}

/// SQLite through rusqlite, on the store's connection.
struct SqliteRaw(Store<Sqlite>);

impl Raw for SqliteRaw {
    async fn bulk(&self, table: &str, rows: Vec<RawEvent>) {
        let sql = format!(
            "INSERT INTO {table} (id, parent_id, payload, schema, action, inserted_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        );
        self.0
            .backend()
            .with_connection(move |conn| {
                let tx = conn.transaction().map_err(spector::Error::storage)?;
                {
                    let mut insert = tx.prepare(&sql).map_err(spector::Error::storage)?;
                    for row in rows {
                        insert
                            .execute(params![
                                row.id,
                                row.parent_id,
                                row.payload,
                                row.schema,
                                row.action,
                                row.micros
                            ])
                            .map_err(spector::Error::storage)?;
                    }
                }
                tx.commit().map_err(spector::Error::storage)
            })
            .await
            .expect("bulk insert");
    }

    async fn append(&self, table: &str, parent_id: Uuid) -> Duration {
        let sql = format!(
            "INSERT INTO {table} (id, parent_id, payload, schema, action, inserted_at) \
             VALUES (?1, ?2, ?3, 0, 2, ?4)"
        );
        self.0
            .backend()
            .with_connection(move |conn| {
                let started = Instant::now();
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(spector::Error::storage)?;
                tx.prepare_cached(&sql)
                    .and_then(|mut insert| {
                        insert.execute(params![
                            Uuid::now_v7(),
                            parent_id,
                            r#"{"amount": 1}"#,
                            Utc::now().timestamp_micros()
                        ])
                    })
                    .map_err(spector::Error::storage)?;
                tx.commit().map_err(spector::Error::storage)?;
                Ok(started.elapsed())
            })
            .await
            .expect("raw append")
    }

    async fn hashed_append(&self, table: &str) -> Duration {
        let tail = format!(
            "SELECT hash, inserted_at FROM {table} ORDER BY inserted_at DESC, id DESC LIMIT 1"
        );
        let insert = format!(
            "INSERT INTO {table} (id, parent_id, payload, schema, action, inserted_at, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        );
        let started = Instant::now();
        self.0
            .backend()
            .with_connection(move |conn| {
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(spector::Error::storage)?;
                let previous: Option<(Option<Vec<u8>>, i64)> = tx
                    .prepare_cached(&tail)
                    .and_then(|mut tail| {
                        tail.query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
                            .optional()
                    })
                    .map_err(spector::Error::storage)?;
                let event = raw_event(
                    previous
                        .as_ref()
                        .and_then(|(_, micros)| DateTime::from_timestamp_micros(*micros)),
                );
                let hash = EventHash::of(previous.and_then(|(hash, _)| hash).as_deref(), &event);
                let payload = serde_json::to_string(&event.payload).expect("json");
                tx.prepare_cached(&insert)
                    .and_then(|mut insert| {
                        insert.execute(params![
                            event.id,
                            event.parent_id,
                            payload,
                            event.schema_index,
                            event.action_code,
                            event.inserted_at.timestamp_micros(),
                            hash.as_bytes().as_slice()
                        ])
                    })
                    .map_err(spector::Error::storage)?;
                tx.commit().map_err(spector::Error::storage)
            })
            .await
            .expect("raw hashed append");
        started.elapsed()
    }
}

/// PostgreSQL through sqlx, on the pool of the store of a test schema.
struct PostgresRaw(PostgresDb);

impl PostgresRaw {
    fn pool(&self) -> &PgPool {
        self.0.store().backend().pool()
    }
}

impl Raw for PostgresRaw {
    async fn bulk(&self, table: &str, rows: Vec<RawEvent>) {
        self.0
            .insert_event_rows(table, rows)
            .await
            .expect("bulk insert");
    }

    async fn append(&self, table: &str, parent_id: Uuid) -> Duration {
        let started = Instant::now();
        let mut tx = self.pool().begin().await.expect("begin");
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {table} (id, parent_id, payload, schema, action, inserted_at) \
             VALUES ($1, $2, $3::jsonb, 0, 2, $4)"
        )))
        .bind(Uuid::now_v7())
        .bind(parent_id)
        .bind(r#"{"amount": 1}"#)
        .bind(Utc::now())
        .execute(&mut *tx)
        .await
        .expect("insert");
        tx.commit().await.expect("commit");
        started.elapsed()
    }

    async fn hashed_append(&self, table: &str) -> Duration {
        let started = Instant::now();
        let mut tx = self.pool().begin().await.expect("begin");
        sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind(0x5350_4348_i32)
            .bind(1_i32)
            .execute(&mut *tx)
            .await
            .expect("lock");
        let previous: Option<(Option<Vec<u8>>, DateTime<Utc>)> =
            sqlx::query_as(AssertSqlSafe(format!(
                "SELECT hash, inserted_at FROM {table} ORDER BY inserted_at DESC, id DESC LIMIT 1"
            )))
            .fetch_optional(&mut *tx)
            .await
            .expect("tail");
        let event = raw_event(previous.as_ref().map(|(_, time)| *time));
        let hash = EventHash::of(previous.and_then(|(hash, _)| hash).as_deref(), &event);
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {table} (id, parent_id, payload, schema, action, inserted_at, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )))
        .bind(event.id)
        .bind(event.parent_id)
        .bind(sqlx::types::Json(&event.payload))
        .bind(event.schema_index)
        .bind(event.action_code)
        .bind(event.inserted_at)
        .bind(hash.as_bytes().as_slice())
        .execute(&mut *tx)
        .await
        .expect("insert");
        tx.commit().await.expect("commit");
        started.elapsed()
    }
}

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("spector-bench-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let store = Store::new(Sqlite::open(dir.join("bench.db")).await.expect("open"));
    let raw = SqliteRaw(store.clone());
    history_part("sqlite", &store, &raw).await;
    chain_part("sqlite", &store, &raw).await;
    drop((store, raw));
    let _ = std::fs::remove_dir_all(dir);

    let raw = PostgresRaw(PostgresDb::create().await);
    let store = raw.0.store().clone();
    history_part("postgres", &store, &raw).await;
    chain_part("postgres", &store, &raw).await;
}
