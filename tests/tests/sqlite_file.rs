//! SQLite on a file shared by several connections, as by several processes:
//! the record lock is the database's write lock, not the process's mutex;
//! migrations and writes wait for it up to the busy timeout, then fail with
//! a typed error that is safe to retry. Also: durability settings and URLs.

use spector::sqlite::{Sqlite, SqliteOptions, Synchronous};
use spector::{Attrs, Error, Store};
use spector_tests::records::{Counter, TestEvents, COUNTER_LIMIT};
use spector_tests::suite::concurrency::increment;
use spector_tests::TempDatabase;

const TASKS_PER_CONNECTION: usize = 8;
const INCREMENTS_PER_TASK: usize = 25;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn increments_through_two_connections_serialize() {
    let file = TempDatabase::new("spector");
    let first = Store::new(Sqlite::open(file.path()).await.unwrap());
    let second = Store::new(Sqlite::open(file.path()).await.unwrap());
    first.migrate::<TestEvents>().await.unwrap();
    let counter: Counter = first.insert(Attrs::new()).await.unwrap();

    let tasks: Vec<_> = [&first, &second]
        .into_iter()
        .flat_map(|store| std::iter::repeat_n(store, TASKS_PER_CONNECTION))
        .map(|store| {
            let store = store.clone();
            tokio::spawn(async move { increment(&store, counter.id, INCREMENTS_PER_TASK).await })
        })
        .collect();
    let (mut succeeded, mut refused) = (0, 0);
    for task in tasks {
        let (ok, no) = task.await.expect("task finished");
        succeeded += ok;
        refused += no;
    }

    let attempts = (2 * TASKS_PER_CONNECTION * INCREMENTS_PER_TASK) as u32;
    assert_eq!(succeeded, COUNTER_LIMIT);
    assert_eq!(refused, attempts - COUNTER_LIMIT);
    let events = second.all_events(counter.id).await.unwrap();
    assert_eq!(events.len(), 1 + COUNTER_LIMIT as usize);
    let replayed = second.get(counter.id).await.unwrap();
    assert_eq!(replayed.map(|c| c.count), Some(COUNTER_LIMIT));
}

/// A raw connection to `file` that holds the database's write lock until
/// dropped (as another process writing would).
fn hold_write_lock(file: &TempDatabase) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(file.path()).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    conn
}

/// Migrations wait for the write lock instead of failing at once, whether
/// many run together or another connection is writing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_migrations_wait_for_each_other_and_for_writers() {
    let file = TempDatabase::new("spector");
    let mut stores = Vec::new();
    for _ in 0..16 {
        stores.push(Store::new(Sqlite::open(file.path()).await.unwrap()));
    }
    let holder = hold_write_lock(&file);
    let migrations: Vec<_> = stores
        .iter()
        .map(|store| {
            let store = store.clone();
            tokio::spawn(async move { store.migrate::<TestEvents>().await })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    drop(holder);
    for migration in migrations {
        migration.await.expect("task finished").unwrap();
    }
    let counter: Counter = stores[0].insert(Attrs::new()).await.unwrap();
    assert_eq!(stores[15].get(counter.id).await.unwrap(), Some(counter));
}

/// Past the busy timeout a write fails with `Error::Busy`, which says a
/// retry is safe, writes nothing, and succeeds once the lock is free.
#[tokio::test]
async fn contention_past_the_busy_timeout_is_busy_and_safe_to_retry() {
    let file = TempDatabase::new("spector");
    let options = SqliteOptions::default().busy_timeout(std::time::Duration::from_millis(100));
    let store = Store::new(Sqlite::open_with(file.path(), options).await.unwrap());
    store.migrate::<TestEvents>().await.unwrap();
    let holder = hold_write_lock(&file);
    let error = store.insert::<Counter>(Attrs::new()).await.unwrap_err();
    assert!(
        matches!(&error, Error::Busy { table, .. } if table == "test_events"),
        "{error}"
    );
    assert!(error.is_retry_safe());
    drop(holder);
    let counter: Counter = store.insert(Attrs::new()).await.unwrap();
    assert_eq!(store.all_events(counter.id).await.unwrap().len(), 1);
}

/// SQLite's `synchronous` setting of a connection to `file`.
fn synchronous_of(
    file: &TempDatabase,
) -> impl FnOnce(&mut rusqlite::Connection) -> spector::Result<i64> {
    let _ = file;
    |conn| {
        conn.query_row("PRAGMA synchronous", [], |row| row.get(0))
            .map_err(spector::Error::storage)
    }
}

/// An acknowledged write is on disk by default (`synchronous = FULL`, 2);
/// `NORMAL` (1) is an explicit opt-in.
#[tokio::test]
async fn acknowledged_writes_are_durable_unless_the_caller_opts_out() {
    let file = TempDatabase::new("spector");
    let durable = Sqlite::open(file.path()).await.unwrap();
    assert_eq!(
        durable
            .with_connection(synchronous_of(&file))
            .await
            .unwrap(),
        2
    );
    let options = SqliteOptions::default().synchronous(Synchronous::Normal);
    let faster = Sqlite::open_with(file.path(), options).await.unwrap();
    assert_eq!(
        faster.with_connection(synchronous_of(&file)).await.unwrap(),
        1
    );
}

/// sqlx-style URLs open the file they name, not a file named after the
/// whole URL; a URL of another database is refused.
#[tokio::test]
async fn sqlx_style_urls_open_the_file_they_name() {
    let file = TempDatabase::new("spector");
    let url = format!("sqlite://{}?mode=rwc", file.path().display());
    let store: Store<Sqlite> = Store::connect(&url).await.unwrap();
    store.migrate::<TestEvents>().await.unwrap();
    assert!(
        file.path().exists(),
        "{url} did not create {}",
        file.path().display()
    );
    let literal = format!("{}?mode=rwc", file.path().display());
    assert!(!std::path::Path::new(&literal).exists());

    let memory: Store<Sqlite> = Store::connect("sqlite::memory:?cache=shared")
        .await
        .unwrap();
    memory.migrate::<TestEvents>().await.unwrap();
    assert!(!std::path::Path::new(":memory:?cache=shared").exists());

    let error = Store::<Sqlite>::connect("postgres://postgres@127.0.0.1:5432/test")
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("is not an SQLite URL"),
        "{error}"
    );
}
