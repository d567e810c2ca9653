//! What a materialized table adds to a write, on both backends — against
//! the raw driver running the same statements in the same run.
//!
//! ```sh
//! cargo bench -p spector-tests --bench read_model      # BENCH_OPS=2000 by default
//! ```
//!
//! Rows per backend, interleaved one operation each in turn on the same
//! database (short histories: each row updates its own `RECORDS` records in
//! turn):
//! - `spector update, with table`: `Store::update` of a [`Tag`], whose
//!   state is also upserted into the table `tags`;
//! - `spector update, no table`: the same on [`PlainTag`], a twin type
//!   without a table;
//! - `raw, event + row`: the driver alone running the statements of the
//!   first (begin + record lock, read the history and decode it, insert the
//!   event, upsert the row, commit);
//! - `raw, event only`: the same without the upsert.

use std::time::{Duration, Instant};

use rusqlite::{params, Connection, TransactionBehavior};
use serde::{Deserialize, Serialize};
use spector::backend::Storage;
use spector::postgres::record_lock_key;
use spector::sqlite::Sqlite;
use spector::{event_log, Changeset, EventMeta, Evented, Id, Invalid, Store};
use spector_tests::{PostgresDb, TestDb};
use sqlx::{PgPool, Row};
use uuid::Uuid;

const RECORDS: usize = 200;

/// The payload of a tag's actions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Label {
    label: String,
}

/// A tag kept in the table `tags` too.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = TagEvents, table = "tags", actions(insert = Label, update = Label))]
struct Tag {
    id: Id<Tag>,
    label: String,
    uses: i64,
}

/// The same tag without a table.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = TagEvents, actions(insert = Label, update = Label))]
struct PlainTag {
    id: Id<PlainTag>,
    label: String,
    uses: i64,
}

macro_rules! tag_changeset {
    ($ty:ident, $action:ident) => {
        impl Changeset for $ty {
            fn changeset(mut self, action: $action, _meta: &EventMeta) -> Result<Self, Invalid> {
                let ($action::Insert(label) | $action::Update(label)) = action;
                self.label = label.label;
                self.uses += 1;
                Ok(self)
            }
        }
    };
}

tag_changeset!(Tag, TagAction);
tag_changeset!(PlainTag, PlainTagAction);

event_log!(TagEvents {
    table: "tag_events",
    schemas: [Tag, PlainTag]
});

fn ops() -> usize {
    std::env::var("BENCH_OPS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000)
}

/// Time spent per row.
#[derive(Default)]
struct Timings {
    with_table: Duration,
    no_table: Duration,
    raw_row: Duration,
    raw_event: Duration,
}

impl Timings {
    fn report(&self, backend: &str, ops: usize) {
        let rows = [
            ("spector update, with table", self.with_table),
            ("spector update, no table", self.no_table),
            ("raw, event + row", self.raw_row),
            ("raw, event only", self.raw_event),
        ];
        for (what, total) in rows {
            let micros = total.as_secs_f64() * 1e6 / ops as f64;
            println!("{backend:<9} {what:<28} {ops:>6} ops  {micros:>9.1} µs/op");
        }
        let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
        println!(
            "{backend:<9} spector/raw with table {:.2}, without {:.2}; the row costs spector {:.2}x, raw {:.2}x",
            ratio(self.with_table, self.raw_row),
            ratio(self.no_table, self.raw_event),
            ratio(self.with_table, self.no_table),
            ratio(self.raw_row, self.raw_event),
        );
    }
}

fn label(n: usize) -> Label {
    Label {
        label: format!("tag {n}"),
    }
}

/// `RECORDS` fresh records of each kind: tags, plain tags, and two sets of
/// tags for the raw rows.
async fn records<B: Storage>(store: &Store<B>) -> [Vec<Uuid>; 4] {
    let mut sets: [Vec<Uuid>; 4] = Default::default();
    for n in 0..RECORDS {
        for (position, set) in sets.iter_mut().enumerate() {
            let id = if position == 1 {
                let tag: PlainTag = store.insert(label(n)).await.expect("insert");
                tag.id.uuid()
            } else {
                let tag: Tag = store.insert(label(n)).await.expect("insert");
                tag.id.uuid()
            };
            set.push(id);
        }
    }
    sets
}

/// One update through Spector of each type; their times.
async fn spector_updates<B: Storage>(
    store: &Store<B>,
    tag: Uuid,
    plain: Uuid,
    n: usize,
) -> (Duration, Duration) {
    let started = Instant::now();
    let _: Tag = store
        .update(Id::<Tag>::new(tag), label(n))
        .await
        .expect("update");
    let with_table = started.elapsed();
    let started = Instant::now();
    let _: PlainTag = store
        .update(Id::<PlainTag>::new(plain), label(n))
        .await
        .expect("update");
    (with_table, started.elapsed())
}

/// Now, at the microsecond precision both backends store.
fn now_micros() -> chrono::DateTime<chrono::Utc> {
    use chrono::DurationRound;
    let now = chrono::Utc::now();
    now.duration_trunc(chrono::TimeDelta::microseconds(1))
        .unwrap_or(now)
}

fn payload(id: Uuid, n: usize) -> String {
    serde_json::json!({
        "label": format!("tag {n}"),
        "__version__": 0,
        "__event_id__": id,
        "updated_at": now_micros().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
    })
    .to_string()
}

fn sqlite_raw_update(
    conn: &mut Connection,
    parent_id: Uuid,
    n: usize,
    row: bool,
) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    {
        let mut events = tx.prepare_cached(
            "SELECT e.id, e.parent_id, e.payload, e.schema, e.action, e.inserted_at \
             FROM tag_events e WHERE e.parent_id = ?1 ORDER BY e.inserted_at, e.id",
        )?;
        let mut uses = 0_i64;
        let mut rows = events.query(params![parent_id])?;
        while let Some(row) = rows.next()? {
            let payload: String = row.get(2)?;
            let _: serde_json::Value = serde_json::from_str(&payload).unwrap_or_default();
            uses += 1;
        }
        let id = Uuid::now_v7();
        tx.prepare_cached(
            "INSERT INTO tag_events (id, parent_id, payload, schema, action, inserted_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            id,
            parent_id,
            payload(id, n),
            0,
            2,
            now_micros().timestamp_micros()
        ])?;
        if row {
            tx.prepare_cached(
                "INSERT INTO tags (id, label, uses) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (id) DO UPDATE SET label = excluded.label, uses = excluded.uses",
            )?
            .execute(params![parent_id, format!("tag {n}"), uses + 1])?;
        }
    }
    tx.commit()
}

async fn sqlite_rows(ops: usize) {
    let dir = std::env::temp_dir().join(format!("spector-bench-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let store = Store::new(Sqlite::open(dir.join("bench.db")).await.expect("open"));
    store.migrate::<TagEvents>().await.expect("migrate");
    let [tags, plain, raw_row, raw_event] = records(&store).await;
    let mut timings = Timings::default();
    for n in 0..ops {
        let i = n % RECORDS;
        let (with_table, no_table) = spector_updates(&store, tags[i], plain[i], n).await;
        timings.with_table += with_table;
        timings.no_table += no_table;
        for (id, row, total) in [
            (raw_row[i], true, &mut timings.raw_row),
            (raw_event[i], false, &mut timings.raw_event),
        ] {
            *total += store
                .backend()
                .with_connection(move |conn| {
                    let started = Instant::now();
                    sqlite_raw_update(conn, id, n, row).expect("raw update");
                    Ok(started.elapsed())
                })
                .await
                .expect("raw run");
        }
    }
    timings.report("sqlite", ops);
    drop(store);
    let _ = std::fs::remove_dir_all(dir);
}

async fn postgres_raw_update(
    pool: &PgPool,
    parent_id: Uuid,
    n: usize,
    row: bool,
) -> sqlx::Result<()> {
    let mut tx = pool
        .begin_with("BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL TIME ZONE 'UTC'")
        .await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(record_lock_key("tag_events", parent_id))
        .execute(&mut *tx)
        .await?;
    let rows = sqlx::query(
        "SELECT e.id, e.parent_id, e.payload::text, e.schema, e.action, e.inserted_at \
         FROM tag_events e WHERE e.parent_id = $1 ORDER BY e.inserted_at, e.id",
    )
    .bind(parent_id)
    .fetch_all(&mut *tx)
    .await?;
    for row in &rows {
        let payload: String = row.try_get(2)?;
        let _: serde_json::Value = serde_json::from_str(&payload).unwrap_or_default();
    }
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO tag_events (id, parent_id, payload, schema, action, inserted_at) \
         VALUES ($1, $2, $3::jsonb, $4, $5, $6)",
    )
    .bind(id)
    .bind(parent_id)
    .bind(payload(id, n))
    .bind(0)
    .bind(2)
    .bind(now_micros())
    .execute(&mut *tx)
    .await?;
    if row {
        sqlx::query(
            "INSERT INTO tags (id, label, uses) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET label = excluded.label, uses = excluded.uses",
        )
        .bind(parent_id)
        .bind(format!("tag {n}"))
        .bind(rows.len() as i64 + 1)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

async fn postgres_rows(ops: usize) {
    let db = PostgresDb::create().await;
    let store = db.store().clone();
    let pool = store.backend().pool().clone();
    store.migrate::<TagEvents>().await.expect("migrate");
    let [tags, plain, raw_row, raw_event] = records(&store).await;
    let mut timings = Timings::default();
    for n in 0..ops {
        let i = n % RECORDS;
        let (with_table, no_table) = spector_updates(&store, tags[i], plain[i], n).await;
        timings.with_table += with_table;
        timings.no_table += no_table;
        for (id, row, total) in [
            (raw_row[i], true, &mut timings.raw_row),
            (raw_event[i], false, &mut timings.raw_event),
        ] {
            let started = Instant::now();
            postgres_raw_update(&pool, id, n, row)
                .await
                .expect("raw update");
            *total += started.elapsed();
        }
    }
    timings.report("postgres", ops);
}

#[tokio::main]
async fn main() {
    let ops = ops();
    println!("{:<9} {:<28} {:>10}  {:>15}", "backend", "what", "", "mean");
    sqlite_rows(ops).await;
    postgres_rows(ops).await;
}
