//! Every performance case in one command: Spector's `Store` against the raw
//! driver running the same statements, on both backends, in one process;
//! a Markdown table on stdout and the same numbers as JSON.
//!
//! ```sh
//! cargo bench -p spector-tests --bench perf     # BENCH_OPS=5000 by default (~2 min on 2 cores)
//! BENCH_OPS=200 BENCH_JSON=/tmp/perf.json cargo bench -p spector-tests --bench perf
//! ```
//!
//! Every case runs interleaved: one library operation, then one raw
//! operation (or one library round, then one raw round), in turn, on the
//! same database, so that both sides share its state (table size, WAL,
//! cache, server load). The first round of each case warms up and is not
//! counted (the concurrent case has none). Records are [`Counter`]s of the
//! log [`TestEvents`] (table `test_events`, link table `test_mentions`); the
//! library and the raw side each write to records of their own, never to
//! the other's. A "short" record has at most 10 events: its insert and up
//! to 9 updates (the records are spread round-robin, as many as needed, so
//! no counter comes near `COUNTER_LIMIT`). Records are created by bulk
//! insert of raw rows before the timing starts.
//!
//! SQLite runs on a file in a temporary directory, opened by the store with
//! `Sqlite::open` (WAL, `synchronous = FULL`). The raw side opens its OWN
//! rusqlite connection on the same file (WAL, `synchronous = FULL`,
//! `foreign_keys = ON`, busy timeout 5 s) and runs on the calling thread,
//! so its time leaves out the hop to a blocking thread that Spector pays
//! for. PostgreSQL runs in a schema of its own (`PostgresDb::create`); the
//! raw side uses the store's `PgPool`. Each backend's cases run in one
//! task spawned on the multi-threaded runtime, as a server's handlers do
//! (not on the `main` thread, whose every wake-up crosses threads).
//!
//! Cases (`BENCH_OPS` = n):
//! 1. `update, ≤ 10 events` (n ops per side): library
//!    `store.execute(id, CounterAction::Increment(..))` on a short record.
//!    Raw: begin (SQLite `BEGIN IMMEDIATE`; PostgreSQL `BEGIN` then
//!    `SELECT pg_advisory_xact_lock(record_lock_key("test_events", id))`),
//!    read the record's events with each event's links (the SELECT of
//!    `writes.rs`), decode each payload's JSON, insert one event row,
//!    commit: "raw, 4 statements" on SQLite, "raw, 5 statements" (5 round
//!    trips) on PostgreSQL.
//! 2. `insert, new record` (n ops): library `store.insert::<Counter>`;
//!    raw: begin (`BEGIN IMMEDIATE` / `BEGIN`), insert one row, commit.
//! 3. `get, 10,000 events` (n / 50 ops, 3 to 20): library `store.get` of a
//!    record with 10,000 events (an insert and 9,999 increments, bulk
//!    inserted); raw: select its rows in order (SQLite stepping through
//!    them, PostgreSQL `fetch_all`), parse each payload's JSON, count the
//!    increments. Both must find 9,999.
//! 4. `replay, per event in a write` (n / 4 rounds): each round runs four
//!    updates in turn, as in case 1: library and raw on short records, then
//!    library and raw on records of about 1,000 events (bulk inserted: an
//!    insert and 999 updates; ≤ 100 writes each). The extra cost per event
//!    read = (mean time at ~1,000 events − mean time at the short ones) /
//!    (the difference of the mean events read, exactly counted), for each
//!    side. The row reports its inverse (events/s), so that the ratio is
//!    still library cost / raw cost; the notes give µs/event. (It runs
//!    apart from case 1: interleaved with long updates, the short ones ran
//!    25–50% slower on SQLite in trials.)
//! 5. `concurrent updates, N tasks` (N = 1, 4; n updates in all per side,
//!    in 5 rounds): N tokio tasks share one store, each updating its own
//!    short records; raw: N OS threads each with its own rusqlite
//!    connection (SQLite), N tokio tasks on the pool (PostgreSQL), each
//!    running case 1's raw update. Rate = updates / wall time. The notes
//!    give the 4-task / 1-task scaling.
//! 6. `batch of 100 updates, 1 transaction` and `100 updates, 1
//!    transaction each` (max(2, n / 100) rounds): library `store.batch()`
//!    with 100 `execute`s on 100 distinct records then `commit()`, against
//!    100 `store.execute`s; raw: case 1's statements for 100 records in
//!    one transaction, against 100 raw updates. Rates in events/s; the
//!    notes give batched / one-by-one.
//! 7. `whole-log stream, pages of 1000` (5 rounds): every event of the
//!    table with its links, in the log's order: library `store.read_log`
//!    page by page until `next` is `None`; raw: the same columns and link
//!    subquery in ONE `SELECT` of the whole table, each payload parsed.
//!    Rates in events/s.
//!
//! PostgreSQL's case 1 has a second raw row, `raw, 3 round trips`: the
//! statements the library sends, in its round trips (`BEGIN`, lock and
//! history read in one simple-protocol message; insert; `COMMIT`).
//!
//! `BENCH_ONLY=sqlite` or `BENCH_ONLY=postgres` runs one backend (to
//! profile it); the table then has that backend's rows only.
//!
//! The ratio column is library time / raw time = raw rate / library rate:
//! above 1 the library is slower. The JSON (`BENCH_JSON`, default
//! `target/spector-perf.json` at the workspace root) holds the machine and
//! settings, a timestamp, one object per row (`case`, `backend`, `raw`
//! variant, `unit`, `library_per_s`, `raw_per_s`, `ratio`) and the notes.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use rusqlite::{params, Connection, TransactionBehavior};
use serde_json::json;
use spector::backend::Storage;
use spector::postgres::record_lock_key;
use spector::sqlite::Sqlite;
use spector::{action, Attrs, Id, Store};
use spector_tests::records::{Counter, CounterAction, TestEvents};
use spector_tests::{PostgresDb, RawEvent, TestDb};
use sqlx::{AssertSqlSafe, PgConnection, PgPool, Row as _};
use uuid::Uuid;

/// The event table of [`TestEvents`].
const TABLE: &str = "test_events";
/// Updates a short record takes at most (with its insert: 10 events).
const SHORT_UPDATES: usize = 9;
/// Events of a long record (case 4).
const LONG_EVENTS: usize = 1_000;
/// Case 4 runs `BENCH_OPS / REPLAY_SHARE` rounds of 4 updates.
const REPLAY_SHARE: usize = 4;
/// Events of the record read by case 3.
const GET_EVENTS: usize = 10_000;
/// Writes per batch (case 6).
const BATCH: usize = 100;
/// Task counts of case 5.
const TASKS: [usize; 2] = [1, 4];
/// Rounds of case 5, each side in turn.
const CONCURRENT_ROUNDS: usize = 5;
/// The stored code of `Counter`'s `increment`.
const INCREMENT: i32 = action::custom_action_code("increment");

/// Operations per case (`BENCH_OPS`).
fn ops() -> usize {
    std::env::var("BENCH_OPS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|&n| n >= REPLAY_SHARE)
        .unwrap_or(5000)
}

/// Where the JSON goes (`BENCH_JSON`).
fn json_path() -> PathBuf {
    std::env::var_os("BENCH_JSON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("target/spector-perf.json")
        })
}

/// One line of the table.
struct Row {
    case: String,
    backend: &'static str,
    /// The raw variant, when the case has several ways to do it raw.
    raw: &'static str,
    /// What the rates count: `ops/s` or `events/s`.
    unit: &'static str,
    library_per_s: f64,
    raw_per_s: f64,
}

impl Row {
    /// Library time / raw time.
    fn ratio(&self) -> f64 {
        self.raw_per_s / self.library_per_s
    }

    fn json(&self) -> serde_json::Value {
        json!({
            "case": self.case,
            "backend": self.backend,
            "raw": self.raw,
            "unit": self.unit,
            "library_per_s": self.library_per_s,
            "raw_per_s": self.raw_per_s,
            "ratio": self.ratio(),
        })
    }
}

/// The rows and notes of one backend.
#[derive(Default)]
struct Report {
    rows: Vec<Row>,
    notes: Vec<String>,
}

/// Operations timed, and the events their records had before them.
#[derive(Default, Clone, Copy)]
struct Sample {
    time: Duration,
    ops: usize,
    events_read: usize,
}

impl Sample {
    fn add(&mut self, time: Duration, events_read: usize) {
        self.time += time;
        self.ops += 1;
        self.events_read += events_read;
    }

    /// Mean seconds per operation.
    fn mean(&self) -> f64 {
        self.time.as_secs_f64() / self.ops as f64
    }

    /// Operations per second.
    fn rate(&self) -> f64 {
        1.0 / self.mean()
    }

    /// Mean events read per operation.
    fn mean_events(&self) -> f64 {
        self.events_read as f64 / self.ops as f64
    }
}

/// How long `work` takes.
async fn timed<F: Future<Output = ()>>(work: F) -> Duration {
    let started = Instant::now();
    work.await;
    started.elapsed()
}

/// Now, at the microsecond precision both backends store.
fn now_micros() -> chrono::DateTime<chrono::Utc> {
    use chrono::DurationRound;
    let now = chrono::Utc::now();
    now.duration_trunc(chrono::TimeDelta::microseconds(1))
        .unwrap_or(now)
}

/// The payload of a raw event, as Spector writes its reserved keys.
fn payload(id: Uuid) -> String {
    serde_json::json!({
        "__version__": 0,
        "__event_id__": id,
        "updated_at": now_micros().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
    })
    .to_string()
}

/// Records written round-robin, with how many events each has.
struct Records {
    ids: Vec<Uuid>,
    events: Vec<usize>,
    next: usize,
}

impl Records {
    /// The next record and the events it has before this write.
    fn take(&mut self) -> (Uuid, usize) {
        let index = self.next % self.ids.len();
        self.next += 1;
        let before = self.events[index];
        self.events[index] += 1;
        (self.ids[index], before)
    }

    /// The next `count` records.
    fn take_ids(&mut self, count: usize) -> Vec<Uuid> {
        (0..count).map(|_| self.take().0).collect()
    }
}

/// `count` counters of `events` events each (an insert, then `later`
/// events), ending a second ago, bulk inserted.
async fn records<R: Raw>(raw: &mut R, count: usize, events: usize, later: i32) -> Records {
    let mut rows = Vec::with_capacity(count * events);
    let mut ids = Vec::with_capacity(count);
    let start = chrono::Utc::now().timestamp_micros() - 1_000_000 - events as i64;
    for _ in 0..count {
        let parent_id = Uuid::now_v7();
        ids.push(parent_id);
        for n in 0..events {
            let (id, action) = if n == 0 {
                (parent_id, action::INSERT)
            } else {
                (Uuid::now_v7(), later)
            };
            rows.push(RawEvent {
                id,
                parent_id,
                schema: 0,
                action,
                payload: payload(id),
                micros: start + n as i64,
            });
        }
    }
    for chunk in rows.chunks(20_000) {
        raw.bulk(chunk.to_vec()).await;
    }
    Records {
        events: vec![events; count],
        ids,
        next: 0,
    }
}

/// Enough short records (at least `at_least`) for `writes` writes
/// round-robin, each staying at ≤ 10 events.
async fn short_records<R: Raw>(raw: &mut R, writes: usize, at_least: usize) -> Records {
    let count = writes.div_ceil(SHORT_UPDATES).max(at_least).max(1);
    records(raw, count, 1, action::UPDATE).await
}

async fn library_update<B: Storage>(store: &Store<B>, id: Uuid) {
    store
        .execute(
            Id::<Counter>::new(id),
            CounterAction::Increment(Attrs::new()),
        )
        .await
        .expect("library update");
}

/// The raw driver of one backend.
trait Raw {
    /// The backend's name in the table.
    const BACKEND: &'static str;
    /// The raw variant of [`Raw::update`].
    const UPDATE: &'static str;
    /// Inserts `rows` in one transaction.
    async fn bulk(&mut self, rows: Vec<RawEvent>);
    /// Case 1's raw update of `id`.
    async fn update(&mut self, id: Uuid);
    /// Case 1's statements for each of `ids`, in one transaction.
    async fn updates_in_one_transaction(&mut self, ids: &[Uuid]);
    /// A new record: begin, insert one row, commit.
    async fn insert(&mut self);
    /// Reads every event of `id` in order, parses each payload and counts
    /// the increments.
    async fn count_increments(&mut self, id: Uuid) -> usize;
    /// Runs one worker per list of `work`, concurrently, each updating its
    /// records in turn; the wall time.
    async fn concurrent(&mut self, work: Vec<Vec<Uuid>>) -> Duration;
    /// A second raw update doing the library's own statement set in its
    /// round trips, when it differs from [`Raw::update`]'s: its name.
    const LEAN_UPDATE: Option<&'static str>;
    /// The update of [`Raw::LEAN_UPDATE`].
    async fn lean_update(&mut self, id: Uuid);
    /// Reads every event of the table with its links in the log's order,
    /// in one `SELECT`, parsing each payload; the events read.
    async fn scan(&mut self) -> usize;
}

/// The history of a record with each event's links, as Spector reads it
/// for a write (SQLite).
const SQLITE_HISTORY: &str =
    "SELECT e.id, e.parent_id, e.payload, e.schema, e.action, e.inserted_at, \
     (SELECT group_concat(hex(l.mentioned_id), ',') FROM test_mentions l \
      WHERE l.event_id = e.id) \
     FROM test_events e WHERE e.parent_id = ?1 \
     ORDER BY e.inserted_at, e.id";

const SQLITE_INSERT: &str =
    "INSERT INTO test_events (id, parent_id, payload, schema, action, inserted_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/// Opens a raw connection on the file at `path`, configured as Spector's.
fn sqlite_connection(path: &Path) -> Connection {
    let conn = Connection::open(path).expect("open the raw SQLite connection");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("journal_mode = WAL");
    conn.pragma_update(None, "synchronous", "FULL")
        .expect("synchronous = FULL");
    conn.pragma_update(None, "foreign_keys", "ON")
        .expect("foreign_keys = ON");
    conn.busy_timeout(Duration::from_secs(5))
        .expect("busy timeout");
    conn
}

/// Inside a transaction: read `parent_id`'s history with its links, decode
/// each payload, insert one increment.
fn sqlite_update_statements(conn: &Connection, parent_id: Uuid) -> rusqlite::Result<()> {
    let mut history = conn.prepare_cached(SQLITE_HISTORY)?;
    let mut rows = history.query(params![parent_id])?;
    while let Some(row) = rows.next()? {
        let payload: String = row.get(2)?;
        let _: serde_json::Value = serde_json::from_str(&payload).expect("payload JSON");
        let _: Option<String> = row.get(6)?;
    }
    let id = Uuid::now_v7();
    conn.prepare_cached(SQLITE_INSERT)?.execute(params![
        id,
        parent_id,
        payload(id),
        0,
        INCREMENT,
        now_micros().timestamp_micros()
    ])?;
    Ok(())
}

/// Case 1's raw update on SQLite: `BEGIN IMMEDIATE`, the history with its
/// links, decode, insert, `COMMIT`.
fn sqlite_raw_update(conn: &mut Connection, parent_id: Uuid) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    sqlite_update_statements(&tx, parent_id)?;
    tx.commit()
}

/// SQLite through rusqlite, on the calling thread.
struct SqliteRaw {
    path: PathBuf,
    conn: Connection,
    /// One connection per concurrent worker, opened once.
    workers: Vec<Connection>,
}

impl SqliteRaw {
    fn open(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            conn: sqlite_connection(path),
            workers: Vec::new(),
        }
    }
}

impl Raw for SqliteRaw {
    const BACKEND: &'static str = "sqlite";
    const UPDATE: &'static str = "raw, 4 statements";
    const LEAN_UPDATE: Option<&'static str> = None;

    async fn lean_update(&mut self, id: Uuid) {
        self.update(id).await;
    }

    async fn scan(&mut self) -> usize {
        let mut select = self
            .conn
            .prepare_cached(&format!(
                "{} ORDER BY e.inserted_at, e.id",
                SQLITE_HISTORY
                    .split(" WHERE e.parent_id")
                    .next()
                    .expect("the history's columns")
            ))
            .expect("prepare");
        let mut rows = select.query([]).expect("select");
        let mut count = 0;
        while let Some(row) = rows.next().expect("row") {
            let _: Uuid = row.get(0).expect("id");
            let payload: String = row.get(2).expect("payload");
            let _: serde_json::Value = serde_json::from_str(&payload).expect("payload JSON");
            let _: Option<String> = row.get(6).expect("links");
            count += 1;
        }
        count
    }

    async fn bulk(&mut self, rows: Vec<RawEvent>) {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .expect("begin");
        {
            let mut insert = tx.prepare_cached(SQLITE_INSERT).expect("prepare");
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
                    .expect("bulk insert");
            }
        }
        tx.commit().expect("commit");
    }

    async fn update(&mut self, id: Uuid) {
        sqlite_raw_update(&mut self.conn, id).expect("raw update");
    }

    async fn updates_in_one_transaction(&mut self, ids: &[Uuid]) {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .expect("begin");
        for &id in ids {
            sqlite_update_statements(&tx, id).expect("raw update");
        }
        tx.commit().expect("commit");
    }

    async fn insert(&mut self) {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .expect("begin");
        let id = Uuid::now_v7();
        tx.prepare_cached(SQLITE_INSERT)
            .expect("prepare")
            .execute(params![
                id,
                id,
                payload(id),
                0,
                action::INSERT,
                now_micros().timestamp_micros()
            ])
            .expect("raw insert");
        tx.commit().expect("commit");
    }

    async fn count_increments(&mut self, id: Uuid) -> usize {
        let mut select = self
            .conn
            .prepare_cached(
                "SELECT e.id, e.parent_id, e.payload, e.schema, e.action, e.inserted_at \
                 FROM test_events e WHERE e.parent_id = ?1 ORDER BY e.inserted_at, e.id",
            )
            .expect("prepare");
        let mut rows = select.query(params![id]).expect("select");
        let mut count = 0;
        while let Some(row) = rows.next().expect("row") {
            let payload: String = row.get(2).expect("payload");
            let _: serde_json::Value = serde_json::from_str(&payload).expect("payload JSON");
            let action: i32 = row.get(4).expect("action");
            count += usize::from(action == INCREMENT);
        }
        count
    }

    async fn concurrent(&mut self, work: Vec<Vec<Uuid>>) -> Duration {
        while self.workers.len() < work.len() {
            self.workers.push(sqlite_connection(&self.path));
        }
        let started = Instant::now();
        std::thread::scope(|scope| {
            for (conn, ids) in self.workers.iter_mut().zip(&work) {
                scope.spawn(move || {
                    for &id in ids {
                        sqlite_raw_update(conn, id).expect("raw concurrent update");
                    }
                });
            }
        });
        started.elapsed()
    }
}

/// Inside a transaction: the record's lock, its history with links,
/// decode, insert one increment (3 round trips).
async fn postgres_update_statements(conn: &mut PgConnection, parent_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(record_lock_key(TABLE, parent_id))
        .execute(&mut *conn)
        .await?;
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{POSTGRES_COLUMNS} WHERE e.parent_id = $1 ORDER BY e.inserted_at, e.id"
    )))
    .bind(parent_id)
    .fetch_all(&mut *conn)
    .await?;
    for row in rows {
        let payload: String = row.try_get(2)?;
        let _: serde_json::Value = serde_json::from_str(&payload).expect("payload JSON");
        let _: Vec<Uuid> = row.try_get(6)?;
    }
    postgres_insert_increment(conn, parent_id).await?;
    Ok(())
}

/// Inserts one increment of `parent_id` (PostgreSQL).
async fn postgres_insert_increment(conn: &mut PgConnection, parent_id: Uuid) -> sqlx::Result<()> {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO test_events (id, parent_id, payload, schema, action, inserted_at) \
         VALUES ($1, $2, $3::jsonb, $4, $5, $6)",
    )
    .bind(id)
    .bind(parent_id)
    .bind(payload(id))
    .bind(0)
    .bind(INCREMENT)
    .bind(now_micros())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The columns Spector reads of an event, with its links (PostgreSQL).
const POSTGRES_COLUMNS: &str = "SELECT e.id, e.parent_id, e.payload::text, e.schema, e.action, \
     (extract(epoch FROM e.inserted_at) * 1000000)::bigint, \
     ARRAY(SELECT l.mentioned_id FROM test_mentions l \
           WHERE l.event_id = e.id ORDER BY l.mentioned_id) \
     FROM test_events e";

/// Case 1's raw update on PostgreSQL with the statements Spector sends, in
/// its 3 round trips: one simple-protocol message (`BEGIN`, the lock, the
/// history with its links, ids written as literals), the insert, `COMMIT`.
async fn postgres_lean_update(pool: &PgPool, parent_id: Uuid) -> sqlx::Result<()> {
    let mut conn = pool.acquire().await?;
    let opening = format!(
        "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL TIME ZONE 'UTC'; \
         SELECT pg_advisory_xact_lock({}); \
         {POSTGRES_COLUMNS} WHERE e.parent_id = '{parent_id}'::uuid ORDER BY e.inserted_at, e.id",
        record_lock_key(TABLE, parent_id)
    );
    let mut answers = sqlx::raw_sql(AssertSqlSafe(opening)).fetch_many(&mut *conn);
    while let Some(answer) = answers.try_next().await? {
        if let sqlx::Either::Right(row) = answer {
            if row.len() > 1 {
                let payload: String = row.try_get(2)?;
                let _: serde_json::Value = serde_json::from_str(&payload).expect("payload JSON");
                let _: Vec<Uuid> = row.try_get(6)?;
            }
        }
    }
    drop(answers);
    postgres_insert_increment(&mut conn, parent_id).await?;
    sqlx::raw_sql("COMMIT").execute(&mut *conn).await?;
    Ok(())
}

/// Case 1's raw update on PostgreSQL, 5 round trips: `BEGIN`, the lock,
/// the history with its links, the insert, `COMMIT`.
async fn postgres_raw_update(pool: &PgPool, parent_id: Uuid) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    postgres_update_statements(&mut tx, parent_id).await?;
    tx.commit().await
}

/// PostgreSQL through sqlx, on the store's pool.
struct PostgresRaw {
    db: PostgresDb,
    pool: PgPool,
}

impl Raw for PostgresRaw {
    const BACKEND: &'static str = "postgres";
    const UPDATE: &'static str = "raw, 5 statements";
    const LEAN_UPDATE: Option<&'static str> = Some("raw, 3 round trips");

    async fn lean_update(&mut self, id: Uuid) {
        postgres_lean_update(&self.pool, id)
            .await
            .expect("raw lean update");
    }

    async fn scan(&mut self) -> usize {
        let mut rows = sqlx::query(AssertSqlSafe(format!(
            "{POSTGRES_COLUMNS} ORDER BY e.inserted_at, e.id"
        )))
        .fetch(&self.pool);
        let mut count = 0;
        while let Some(row) = rows.try_next().await.expect("row") {
            let _: Uuid = row.try_get(0).expect("id");
            let payload: String = row.try_get(2).expect("payload");
            let _: serde_json::Value = serde_json::from_str(&payload).expect("payload JSON");
            let _: Vec<Uuid> = row.try_get(6).expect("links");
            count += 1;
        }
        count
    }

    async fn bulk(&mut self, rows: Vec<RawEvent>) {
        self.db
            .insert_event_rows(TABLE, rows)
            .await
            .expect("bulk insert");
    }

    async fn update(&mut self, id: Uuid) {
        postgres_raw_update(&self.pool, id)
            .await
            .expect("raw update");
    }

    async fn updates_in_one_transaction(&mut self, ids: &[Uuid]) {
        let mut tx = self.pool.begin().await.expect("begin");
        for &id in ids {
            postgres_update_statements(&mut tx, id)
                .await
                .expect("raw update");
        }
        tx.commit().await.expect("commit");
    }

    async fn insert(&mut self) {
        let mut tx = self.pool.begin().await.expect("begin");
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO test_events (id, parent_id, payload, schema, action, inserted_at) \
             VALUES ($1, $2, $3::jsonb, $4, $5, $6)",
        )
        .bind(id)
        .bind(id)
        .bind(payload(id))
        .bind(0)
        .bind(action::INSERT)
        .bind(now_micros())
        .execute(&mut *tx)
        .await
        .expect("raw insert");
        tx.commit().await.expect("commit");
    }

    async fn count_increments(&mut self, id: Uuid) -> usize {
        let rows = sqlx::query(
            "SELECT e.id, e.parent_id, e.payload::text, e.schema, e.action, e.inserted_at \
             FROM test_events e WHERE e.parent_id = $1 ORDER BY e.inserted_at, e.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .expect("select");
        let mut count = 0;
        for row in rows {
            let payload: String = row.try_get(2).expect("payload");
            let _: serde_json::Value = serde_json::from_str(&payload).expect("payload JSON");
            let action: i32 = row.try_get(4).expect("action");
            count += usize::from(action == INCREMENT);
        }
        count
    }

    async fn concurrent(&mut self, work: Vec<Vec<Uuid>>) -> Duration {
        let started = Instant::now();
        let tasks: Vec<_> = work
            .into_iter()
            .map(|ids| {
                let pool = self.pool.clone();
                tokio::spawn(async move {
                    for id in ids {
                        postgres_raw_update(&pool, id)
                            .await
                            .expect("raw concurrent update");
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("raw task");
        }
        started.elapsed()
    }
}

/// Library: one task per list of `work` on clones of `store`; the wall time.
async fn library_concurrent<B: Storage + Clone>(
    store: &Store<B>,
    work: Vec<Vec<Uuid>>,
) -> Duration {
    let started = Instant::now();
    let tasks: Vec<_> = work
        .into_iter()
        .map(|ids| {
            let store = store.clone();
            tokio::spawn(async move {
                for id in ids {
                    library_update(&store, id).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("library task");
    }
    started.elapsed()
}

/// Case 1: updates at a short history.
async fn update_case<B: Storage, R: Raw>(
    store: &Store<B>,
    raw: &mut R,
    ops: usize,
    report: &mut Report,
) {
    eprintln!("{}: update (case 1)", R::BACKEND);
    let mut library_records = short_records(raw, ops + 1, 1).await;
    let mut raw_records = short_records(raw, ops + 1, 1).await;
    let mut lean_records = short_records(raw, ops + 1, 1).await;
    let (mut library, mut driver, mut lean) =
        (Sample::default(), Sample::default(), Sample::default());
    for round in 0..=ops {
        let (id, library_before) = library_records.take();
        let library_time = timed(library_update(store, id)).await;
        let (id, raw_before) = raw_records.take();
        let raw_time = timed(raw.update(id)).await;
        if round > 0 {
            library.add(library_time, library_before);
            driver.add(raw_time, raw_before);
        }
        if R::LEAN_UPDATE.is_some() {
            let (id, lean_before) = lean_records.take();
            let lean_time = timed(raw.lean_update(id)).await;
            if round > 0 {
                lean.add(lean_time, lean_before);
            }
        }
    }
    report.rows.push(Row {
        case: "update, ≤ 10 events".to_owned(),
        backend: R::BACKEND,
        raw: R::UPDATE,
        unit: "ops/s",
        library_per_s: library.rate(),
        raw_per_s: driver.rate(),
    });
    if let Some(name) = R::LEAN_UPDATE {
        report.rows.push(Row {
            case: "update, ≤ 10 events".to_owned(),
            backend: R::BACKEND,
            raw: name,
            unit: "ops/s",
            library_per_s: library.rate(),
            raw_per_s: lean.rate(),
        });
        report.notes.push(format!(
            "{}: raw {name} is {:.2}× faster than raw {}",
            R::BACKEND,
            lean.rate() / driver.rate(),
            R::UPDATE
        ));
    }
    report.notes.push(format!(
        "{}: update at {:.1} events read: library {:.0} µs, raw {:.0} µs",
        R::BACKEND,
        library.mean_events(),
        library.mean() * 1e6,
        driver.mean() * 1e6,
    ));
}

/// Case 4: what each event of the history adds to a write. Each round
/// runs four updates in turn: library and raw at a short history, library
/// and raw at about 1,000 events.
async fn replay_case<B: Storage, R: Raw>(
    store: &Store<B>,
    raw: &mut R,
    ops: usize,
    report: &mut Report,
) {
    let rounds = ops / REPLAY_SHARE;
    eprintln!("{}: replay (case 4, {rounds} rounds)", R::BACKEND);
    // At most ~100 writes per long record, so its history stays ~1,000.
    let long_records = (rounds + 1).div_ceil(100).max(2);
    let mut sets = [
        short_records(raw, rounds + 1, 1).await,
        short_records(raw, rounds + 1, 1).await,
        records(raw, long_records, LONG_EVENTS, action::UPDATE).await,
        records(raw, long_records, LONG_EVENTS, action::UPDATE).await,
    ];
    let mut samples = [Sample::default(); 4];
    for round in 0..=rounds {
        let mut times = [(Duration::ZERO, 0); 4];
        for (side, (set, time)) in sets.iter_mut().zip(&mut times).enumerate() {
            let (id, before) = set.take();
            *time = if side % 2 == 0 {
                (timed(library_update(store, id)).await, before)
            } else {
                (timed(raw.update(id)).await, before)
            };
        }
        if round > 0 {
            for (sample, (time, before)) in samples.iter_mut().zip(times) {
                sample.add(time, before);
            }
        }
    }
    let [library, driver, library_long, driver_long] = samples;
    let per_event = |short: Sample, long: Sample| {
        (long.mean() - short.mean()) / (long.mean_events() - short.mean_events())
    };
    let (library_event, raw_event) = (
        per_event(library, library_long),
        per_event(driver, driver_long),
    );
    report.rows.push(Row {
        case: "replay, per event in a write".to_owned(),
        backend: R::BACKEND,
        raw: R::UPDATE,
        unit: "events/s",
        library_per_s: 1.0 / library_event,
        raw_per_s: 1.0 / raw_event,
    });
    report.notes.push(format!(
        "{}: replay: update at {:.1} events read, library {:.0} µs, raw {:.0} µs; \
         at {:.0} events, library {:.0} µs, raw {:.0} µs ({rounds} rounds); \
         per extra event: library {:.2} µs, raw {:.2} µs",
        R::BACKEND,
        library.mean_events(),
        library.mean() * 1e6,
        driver.mean() * 1e6,
        library_long.mean_events(),
        library_long.mean() * 1e6,
        driver_long.mean() * 1e6,
        library_event * 1e6,
        raw_event * 1e6,
    ));
}

/// Case 2: inserts of new records.
async fn insert_case<B: Storage, R: Raw>(
    store: &Store<B>,
    raw: &mut R,
    ops: usize,
    report: &mut Report,
) {
    eprintln!("{}: insert (case 2)", R::BACKEND);
    let (mut library, mut driver) = (Sample::default(), Sample::default());
    for round in 0..=ops {
        let library_time = timed(async {
            let _: Counter = store.insert(Attrs::new()).await.expect("library insert");
        })
        .await;
        let raw_time = timed(raw.insert()).await;
        if round > 0 {
            library.add(library_time, 0);
            driver.add(raw_time, 0);
        }
    }
    report.rows.push(Row {
        case: "insert, new record".to_owned(),
        backend: R::BACKEND,
        raw: "",
        unit: "ops/s",
        library_per_s: library.rate(),
        raw_per_s: driver.rate(),
    });
}

/// Case 3: reads of a record with 10,000 events.
async fn get_case<B: Storage, R: Raw>(
    store: &Store<B>,
    raw: &mut R,
    ops: usize,
    report: &mut Report,
) {
    let rounds = (ops / 50).clamp(3, 20);
    eprintln!("{}: get (case 3, {rounds} rounds)", R::BACKEND);
    let record = records(raw, 1, GET_EVENTS, INCREMENT).await.ids[0];
    let expected = GET_EVENTS - 1;
    let (mut library, mut driver) = (Sample::default(), Sample::default());
    for round in 0..=rounds {
        let library_time = timed(async {
            let counter = store
                .get(Id::<Counter>::new(record))
                .await
                .expect("library get")
                .expect("the record exists");
            assert_eq!(counter.count as usize, expected, "library replay");
        })
        .await;
        let raw_time = timed(async {
            assert_eq!(raw.count_increments(record).await, expected, "raw fold");
        })
        .await;
        if round > 0 {
            library.add(library_time, GET_EVENTS);
            driver.add(raw_time, GET_EVENTS);
        }
    }
    report.rows.push(Row {
        case: "get, 10,000 events".to_owned(),
        backend: R::BACKEND,
        raw: "",
        unit: "ops/s",
        library_per_s: library.rate(),
        raw_per_s: driver.rate(),
    });
}

/// Case 5: N concurrent writers, each on records of its own.
async fn concurrent_case<B: Storage + Clone, R: Raw>(
    store: &Store<B>,
    raw: &mut R,
    ops: usize,
    report: &mut Report,
) {
    let mut rates = Vec::new();
    for tasks in TASKS {
        eprintln!("{}: concurrent, {tasks} task(s) (case 5)", R::BACKEND);
        let per_round = ops.div_ceil(tasks * CONCURRENT_ROUNDS);
        let writes = per_round * CONCURRENT_ROUNDS;
        let mut library_records = Vec::new();
        let mut raw_records = Vec::new();
        for _ in 0..tasks {
            library_records.push(short_records(raw, writes, 1).await);
            raw_records.push(short_records(raw, writes, 1).await);
        }
        let (mut library_time, mut raw_time) = (Duration::ZERO, Duration::ZERO);
        for _ in 0..CONCURRENT_ROUNDS {
            let work = library_records
                .iter_mut()
                .map(|records| records.take_ids(per_round))
                .collect();
            library_time += library_concurrent(store, work).await;
            let work = raw_records
                .iter_mut()
                .map(|records| records.take_ids(per_round))
                .collect();
            raw_time += raw.concurrent(work).await;
        }
        let total = (tasks * writes) as f64;
        let library_per_s = total / library_time.as_secs_f64();
        rates.push((library_per_s, total / raw_time.as_secs_f64()));
        report.rows.push(Row {
            case: format!(
                "concurrent updates, {tasks} task{}",
                if tasks == 1 { "" } else { "s" }
            ),
            backend: R::BACKEND,
            raw: R::UPDATE,
            unit: "ops/s",
            library_per_s,
            raw_per_s: total / raw_time.as_secs_f64(),
        });
    }
    if let [(library_1, raw_1), .., (library_n, raw_n)] = rates[..] {
        report.notes.push(format!(
            "{}: {} tasks / 1 task: library ×{:.2}, raw ×{:.2}",
            R::BACKEND,
            TASKS[TASKS.len() - 1],
            library_n / library_1,
            raw_n / raw_1,
        ));
    }
}

/// Case 6: 100 updates in one transaction against one transaction each.
async fn batch_case<B: Storage, R: Raw>(
    store: &Store<B>,
    raw: &mut R,
    ops: usize,
    report: &mut Report,
) {
    let rounds = (ops / BATCH).max(2);
    eprintln!("{}: batch (case 6, {rounds} rounds)", R::BACKEND);
    let writes = (rounds + 1) * BATCH;
    let mut sets = Vec::new();
    for _ in 0..4 {
        sets.push(short_records(raw, writes, BATCH).await);
    }
    let mut samples = [Sample::default(); 4];
    for round in 0..=rounds {
        let mut times = [Duration::ZERO; 4];
        let ids = sets[0].take_ids(BATCH);
        times[0] = timed(async {
            let mut batch = store.batch();
            for &id in &ids {
                batch
                    .execute(
                        Id::<Counter>::new(id),
                        CounterAction::Increment(Attrs::new()),
                    )
                    .expect("batch execute");
            }
            let committed = batch.commit().await.expect("batch commit");
            assert_eq!(committed.len(), BATCH);
        })
        .await;
        let ids = sets[1].take_ids(BATCH);
        times[1] = timed(raw.updates_in_one_transaction(&ids)).await;
        let ids = sets[2].take_ids(BATCH);
        times[2] = timed(async {
            for &id in &ids {
                library_update(store, id).await;
            }
        })
        .await;
        let ids = sets[3].take_ids(BATCH);
        times[3] = timed(async {
            for &id in &ids {
                raw.update(id).await;
            }
        })
        .await;
        if round > 0 {
            for (sample, time) in samples.iter_mut().zip(times) {
                sample.add(time, 0);
            }
        }
    }
    let events_per_s = |sample: Sample| BATCH as f64 * sample.rate();
    let [library_batch, raw_batch, library_single, raw_single] = samples.map(events_per_s);
    report.rows.push(Row {
        case: format!("batch of {BATCH} updates, 1 transaction"),
        backend: R::BACKEND,
        raw: "",
        unit: "events/s",
        library_per_s: library_batch,
        raw_per_s: raw_batch,
    });
    report.rows.push(Row {
        case: format!("{BATCH} updates, 1 transaction each"),
        backend: R::BACKEND,
        raw: R::UPDATE,
        unit: "events/s",
        library_per_s: library_single,
        raw_per_s: raw_single,
    });
    report.notes.push(format!(
        "{}: batch of {BATCH} / one transaction each: library ×{:.2}, raw ×{:.2}",
        R::BACKEND,
        library_batch / library_single,
        raw_batch / raw_single,
    ));
}

/// Rounds of case 7, each side in turn.
const STREAM_ROUNDS: usize = 5;
/// Events per page of case 7.
const STREAM_PAGE: u32 = 1_000;

/// Case 7: every event of the table, with links, in the log's order: the
/// library page by page ([`Store::read_log`], pages of [`STREAM_PAGE`]),
/// the raw driver in one `SELECT`.
async fn stream_case<B: Storage, R: Raw>(store: &Store<B>, raw: &mut R, report: &mut Report) {
    eprintln!("{}: whole-log stream (case 7)", R::BACKEND);
    let (mut library, mut driver) = (Duration::ZERO, Duration::ZERO);
    let (mut library_events, mut raw_events) = (0, 0);
    for _ in 0..STREAM_ROUNDS {
        let started = Instant::now();
        let mut after = None;
        loop {
            let page = store
                .read_log::<TestEvents>(after, STREAM_PAGE)
                .await
                .expect("read the log");
            library_events += page.events.len();
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        library += started.elapsed();
        let started = Instant::now();
        raw_events += raw.scan().await;
        driver += started.elapsed();
    }
    assert_eq!(library_events, raw_events, "both read the whole table");
    report.rows.push(Row {
        case: format!("whole-log stream, pages of {STREAM_PAGE}"),
        backend: R::BACKEND,
        raw: "raw, one SELECT",
        unit: "events/s",
        library_per_s: library_events as f64 / library.as_secs_f64(),
        raw_per_s: raw_events as f64 / driver.as_secs_f64(),
    });
    report.notes.push(format!(
        "{}: whole-log stream of {} events",
        R::BACKEND,
        library_events / STREAM_ROUNDS
    ));
}

/// Every case on one backend, in the table's order.
async fn cases<B: Storage + Clone, R: Raw>(store: &Store<B>, raw: &mut R, ops: usize) -> Report {
    let mut report = Report::default();
    let mut started = Instant::now();
    let mut lap = |case: &str| {
        eprintln!(
            "{}: {case} took {:.1} s",
            R::BACKEND,
            started.elapsed().as_secs_f64()
        );
        started = Instant::now();
    };
    update_case(store, raw, ops, &mut report).await;
    lap("update");
    insert_case(store, raw, ops, &mut report).await;
    lap("insert");
    get_case(store, raw, ops, &mut report).await;
    lap("get");
    replay_case(store, raw, ops, &mut report).await;
    lap("replay");
    concurrent_case(store, raw, ops, &mut report).await;
    lap("concurrent");
    batch_case(store, raw, ops, &mut report).await;
    lap("batch");
    stream_case(store, raw, &mut report).await;
    lap("stream");
    report
}

/// `uname -m`, or the target's architecture when it cannot run.
fn machine() -> String {
    std::process::Command::new("uname")
        .arg("-m")
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|name| name.trim().to_owned())
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned())
}

/// The CPU's model name, when `/proc/cpuinfo` gives it.
fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|line| line.starts_with("model name"))
        .and_then(|line| line.split_once(':'))
        .map(|(_, model)| model.trim().to_owned())
}

async fn show(pool: &PgPool, setting: &str) -> String {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SHOW {setting}")))
        .fetch_one(pool)
        .await
        .expect("SHOW a setting")
}

fn rate(per_s: f64) -> String {
    if !per_s.is_finite() || per_s <= 0.0 {
        return "n/a".to_owned();
    }
    let digits = format!("{:.0}", per_s.round());
    if digits.len() <= 3 {
        return if per_s < 100.0 {
            format!("{per_s:.1}")
        } else {
            digits
        };
    }
    let mut grouped = String::new();
    for (n, digit) in digits.chars().enumerate() {
        if n > 0 && (digits.len() - n) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[tokio::main]
async fn main() {
    let started = Instant::now();
    let ops = ops();

    let only = std::env::var("BENCH_ONLY").ok();
    let runs = |backend: &str| only.as_deref().is_none_or(|only| only == backend);

    let mut sqlite = Report::default();
    if runs("sqlite") {
        let dir = std::env::temp_dir().join(format!("spector-perf-{}", Uuid::now_v7()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("perf.db");
        let store = Store::new(Sqlite::open(&path).await.expect("open SQLite"));
        store.migrate::<TestEvents>().await.expect("migrate");
        let mut raw = SqliteRaw::open(&path);
        sqlite = tokio::spawn(async move { cases(&store, &mut raw, ops).await })
            .await
            .expect("sqlite cases");
        let _ = std::fs::remove_dir_all(&dir);
    }

    let db = PostgresDb::create().await;
    let store = db.store().clone();
    store.migrate::<TestEvents>().await.expect("migrate");
    let pool = store.backend().pool().clone();
    let pg_version = show(&pool, "server_version").await;
    let pg_sync = show(&pool, "synchronous_commit").await;
    let mut raw = PostgresRaw {
        db,
        pool: pool.clone(),
    };
    let mut postgres = Report::default();
    if runs("postgres") {
        postgres = tokio::spawn(async move { cases(&store, &mut raw, ops).await })
            .await
            .expect("postgres cases");
    }
    drop(pool);

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let machine = machine();
    let cpu = cpu_model().unwrap_or_default();
    let sqlite_version = rusqlite::version();
    println!(
        "machine {machine}{}, {cores} cores; PostgreSQL {pg_version} (127.0.0.1, \
         synchronous_commit = {pg_sync}); SQLite {sqlite_version} (file, WAL, \
         synchronous = FULL); BENCH_OPS = {ops}",
        if cpu.is_empty() {
            String::new()
        } else {
            format!(" ({cpu})")
        }
    );
    println!();
    println!("| case | backend | library /s | raw /s | library/raw time (>1: library slower) |");
    println!("|---|---|---:|---:|---:|");
    let rows: Vec<&Row> = sqlite.rows.iter().chain(&postgres.rows).collect();
    for row in &rows {
        let mut case = row.case.clone();
        if !row.raw.is_empty() {
            case.push_str(&format!(" ({})", row.raw));
        }
        if row.unit != "ops/s" {
            case.push_str(&format!(" [{}]", row.unit));
        }
        println!(
            "| {case} | {} | {} | {} | {:.2} |",
            row.backend,
            rate(row.library_per_s),
            rate(row.raw_per_s),
            row.ratio()
        );
    }
    println!();
    let notes: Vec<&String> = sqlite.notes.iter().chain(&postgres.notes).collect();
    for note in &notes {
        println!("- {note}");
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!("- wall time {elapsed:.1} s");

    let document = json!({
        "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "machine": {
            "arch": machine,
            "cpu": cpu,
            "cores": cores,
        },
        "settings": {
            "bench_ops": ops,
            "postgres_version": pg_version,
            "postgres_synchronous_commit": pg_sync,
            "sqlite_version": sqlite_version,
            "sqlite": "file, journal_mode = WAL, synchronous = FULL",
            "ratio": "library time / raw time (raw_per_s / library_per_s); > 1: library slower",
        },
        "results": rows.iter().map(|row| row.json()).collect::<Vec<_>>(),
        "notes": notes,
        "wall_seconds": elapsed,
    });
    let json_path = json_path();
    if let Some(parent) = json_path.parent() {
        std::fs::create_dir_all(parent).expect("the JSON's directory");
    }
    let text = serde_json::to_string_pretty(&document).expect("JSON");
    std::fs::write(&json_path, text + "\n").expect("write the JSON");
    eprintln!("wrote {}", json_path.display());
}
