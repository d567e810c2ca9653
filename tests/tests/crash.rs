//! Crash test: a child process (`src/bin/crash_writer.rs`) writes basic
//! chats in a loop — inserts, updates, and `edit`s, each edit linked to the
//! version it replaces — and reports every acknowledged event id; the test
//! kills it with SIGKILL at a random point, then checks the database with a
//! store of its own:
//!
//! - every acknowledged write is present;
//! - no event is without its links (every edit has its one `edits` link
//!   row, to the version it replaces, and reads back with exactly it);
//! - `get` equals a fresh replay of `all_events` for every chat.
//!
//! Each backend runs [`DEFAULT_ROUNDS`] rounds on one database, so history
//! accumulates; `SPECTOR_CRASH_ROUNDS=N` runs `N` rounds instead. Only the
//! timing of the kills is random; the assertions are not.

#![cfg(unix)]

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use common::{postgres_rows, verify_chats, Checked, Rows, XorShift};
use spector::backend::Storage;
use spector::postgres::Postgres;
use spector::sqlite::Sqlite;
use spector::Store;
use spector_examples::basic_chat::{BasicChat, BasicChatEvents};
use spector_tests::postgres_db::pg_url;
use spector_tests::{PostgresDb, TestDb};
use uuid::Uuid;

/// Rounds per backend when `SPECTOR_CRASH_ROUNDS` is not set.
const DEFAULT_ROUNDS: usize = 10;

/// The variable that sets the number of rounds, for a longer run.
const ROUNDS_VAR: &str = "SPECTOR_CRASH_ROUNDS";

/// The child is killed between 0 and this many milliseconds after it is
/// ready to write.
const MAX_KILL_DELAY_MS: u64 = 400;

/// How long the child may take to open its store and migrate.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the output of a killed child may take to drain.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// The signal number of SIGKILL.
const SIGKILL: i32 = 9;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_writer_killed_at_random_points_loses_nothing() {
    let file = SqliteFile::new();
    file.open()
        .await
        .migrate::<BasicChatEvents>()
        .await
        .unwrap();
    crash_rounds(&file).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(spector_skip_postgres, ignore = "SPECTOR_SKIP_POSTGRES=1")]
async fn postgres_writer_killed_at_random_points_loses_nothing() {
    let schema = PgSchema::create().await;
    schema
        .open()
        .await
        .migrate::<BasicChatEvents>()
        .await
        .unwrap();
    crash_rounds(&schema).await;
}

/// A database the child writes to and the test checks.
trait Target {
    /// The backend the test reads it with.
    type Storage: Storage;

    /// The backend's name, for the report.
    const NAME: &'static str;

    /// The arguments of `crash_writer` for this database.
    fn writer_args(&self) -> Vec<String>;

    /// A store of the test's own on the database, once the killed child's
    /// last transaction has ended on the server too.
    async fn open(&self) -> Store<Self::Storage>;

    /// The event and link rows, read with SQL.
    async fn rows(&self, store: &Store<Self::Storage>) -> Rows;
}

/// Runs the rounds on `target` and checks the database after each kill.
async fn crash_rounds<T: Target>(target: &T) {
    let rounds = rounds();
    let started = Instant::now();
    let mut rng = XorShift::from_time();
    let seed = rng.seed();
    let mut acked_total = 0;
    let mut checked_chats: HashSet<Uuid> = HashSet::new();

    for round in 1..=rounds {
        let kill_after = Duration::from_millis(rng.between(0, MAX_KILL_DELAY_MS));
        let args = target.writer_args();
        let acked = tokio::task::spawn_blocking(move || run_writer(&args, kill_after))
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));

        let store = target.open().await;
        let mut lost = Vec::new();
        for &id in &acked {
            if store.event::<BasicChat>(id).await.unwrap().is_none() {
                lost.push(id);
            }
        }
        assert!(
            lost.is_empty(),
            "{} round {round}: {} of {} acknowledged writes lost: {lost:?}",
            T::NAME,
            lost.len(),
            acked.len()
        );
        acked_total += acked.len();

        // A chat is written by one child only, so the chats of earlier
        // rounds no longer change: check the new ones now, all at the end.
        let rows = target.rows(&store).await;
        let new_chats: Vec<Uuid> = rows
            .chats()
            .into_iter()
            .filter(|chat| !checked_chats.contains(chat))
            .collect();
        verify_chats(&store, &rows, &new_chats).await;
        checked_chats.extend(new_chats);
    }

    let store = target.open().await;
    let rows = target.rows(&store).await;
    let Checked {
        chats,
        events,
        edits,
    } = verify_chats(&store, &rows, &rows.chats()).await;
    assert!(
        acked_total > 0,
        "no write was acknowledged in {rounds} rounds"
    );
    eprintln!(
        "crash {}: {rounds} rounds, {acked_total} acknowledged writes, 0 lost, \
         {} committed but not acknowledged; checked {chats} chats, {events} events, \
         {edits} edits; each kill 0..={MAX_KILL_DELAY_MS} ms after ready (seed {seed}); {:.1} s",
        T::NAME,
        events - acked_total,
        started.elapsed().as_secs_f64()
    );
}

/// The number of rounds: `SPECTOR_CRASH_ROUNDS`, or [`DEFAULT_ROUNDS`].
fn rounds() -> usize {
    match std::env::var(ROUNDS_VAR) {
        Ok(value) => value
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .unwrap_or_else(|| panic!("{ROUNDS_VAR} must be a positive number, not {value:?}")),
        Err(_) => DEFAULT_ROUNDS,
    }
}

/// Starts `crash_writer` with `args`, waits until it is ready, lets it write
/// for `kill_after`, kills it with SIGKILL, and returns the event ids it
/// acknowledged. Blocks.
fn run_writer(args: &[String], kill_after: Duration) -> Vec<Uuid> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crash_writer"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start crash_writer");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut writer = KillOnDrop(child);

    // Lines are read on a thread of their own, so that waiting for them is
    // bounded; it ends at end of file, once the child is dead.
    let (lines, received) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });

    match received.recv_timeout(READY_TIMEOUT) {
        Ok(line) if line == "ready" => {}
        other => panic!(
            "crash_writer did not get ready: {other:?} (exit status {:?})",
            writer.0.try_wait()
        ),
    }
    std::thread::sleep(kill_after);
    let status = writer.kill();
    assert_eq!(
        status.signal(),
        Some(SIGKILL),
        "crash_writer must run until killed, it ended with {status}"
    );

    let deadline = Instant::now() + DRAIN_TIMEOUT;
    let mut acked = Vec::new();
    loop {
        let wait = deadline.saturating_duration_since(Instant::now());
        match received.recv_timeout(wait) {
            Ok(line) => acked.push(parse_ack(&line)),
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => panic!("the output of a killed child never ended"),
        }
    }
    reader.join().expect("the reader thread");
    acked
}

/// The event id of an `ack <event id>` line.
fn parse_ack(line: &str) -> Uuid {
    line.strip_prefix("ack ")
        .and_then(|id| Uuid::parse_str(id).ok())
        .unwrap_or_else(|| panic!("unexpected line from crash_writer: {line:?}"))
}

/// A child process that is killed (SIGKILL) and reaped at the latest when
/// dropped, so that a failing test leaves no writer behind.
struct KillOnDrop(Child);

impl KillOnDrop {
    /// Kills the child and waits for it.
    fn kill(&mut self) -> ExitStatus {
        // An error means it has already exited; `wait` tells how.
        let _ = self.0.kill();
        self.0.wait().expect("reap crash_writer")
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A SQLite database file in the temp directory, removed (with its WAL
/// files) on drop.
struct SqliteFile(PathBuf);

impl SqliteFile {
    fn new() -> Self {
        Self(std::env::temp_dir().join(format!("spector-crash-{}.db", Uuid::now_v7())))
    }
}

impl Drop for SqliteFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Target for SqliteFile {
    type Storage = Sqlite;
    const NAME: &'static str = "sqlite";

    fn writer_args(&self) -> Vec<String> {
        let path = self.0.to_str().expect("a UTF-8 temp path");
        vec!["sqlite".to_owned(), path.to_owned()]
    }

    /// A new connection each time: it recovers the file the killed child
    /// left behind.
    async fn open(&self) -> Store<Sqlite> {
        Store::new(Sqlite::open(&self.0).await.expect("open the database file"))
    }

    async fn rows(&self, store: &Store<Sqlite>) -> Rows {
        store
            .backend()
            .with_connection(|conn| {
                let read = || -> rusqlite::Result<Rows> {
                    let pairs = |sql: &str| -> rusqlite::Result<Vec<(Uuid, Uuid)>> {
                        let mut statement = conn.prepare(sql)?;
                        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
                        rows.collect()
                    };
                    Ok(Rows {
                        events: pairs("SELECT id, parent_id FROM basic_chat_events")?,
                        links: pairs("SELECT event_id, previous_id FROM basic_chat_edits")?,
                    })
                };
                Ok(read())
            })
            .await
            .expect("reach the database")
            .expect("read the rows")
    }
}

/// A PostgreSQL schema for the whole test, dropped at its end (on panic
/// too: [`PostgresDb`] drops it).
struct PgSchema {
    db: PostgresDb,
    name: String,
}

impl PgSchema {
    /// A fresh schema; panics when the server is unreachable.
    async fn create() -> Self {
        let db = PostgresDb::create().await;
        let name = sqlx::query_scalar("SELECT current_schema()")
            .fetch_one(db.store().backend().pool())
            .await
            .expect("read the test's schema");
        Self { db, name }
    }
}

impl Target for PgSchema {
    type Storage = Postgres;
    const NAME: &'static str = "postgres";

    fn writer_args(&self) -> Vec<String> {
        vec!["postgres".to_owned(), pg_url(), self.name.clone()]
    }

    /// Waits until the server has ended the killed child's sessions: one
    /// may still commit what the child sent before it died.
    async fn open(&self) -> Store<Postgres> {
        let pool = self.db.store().backend().pool();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let sessions: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
            )
            .bind(&self.name)
            .fetch_one(pool)
            .await
            .expect("read pg_stat_activity");
            if sessions == 0 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the killed writer's sessions never ended"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.db.store().clone()
    }

    async fn rows(&self, store: &Store<Postgres>) -> Rows {
        postgres_rows(store.backend().pool()).await
    }
}
