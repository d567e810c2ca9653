//! SQLite on a file shared by two connections, as by two processes: the
//! record lock is the database's write lock, not the process's mutex.

use std::path::PathBuf;

use spector::sqlite::Sqlite;
use spector::{Attrs, Store};
use spector_tests::records::{Counter, TestEvents, COUNTER_LIMIT};
use spector_tests::suite::concurrency::increment;
use uuid::Uuid;

const TASKS_PER_CONNECTION: usize = 8;
const INCREMENTS_PER_TASK: usize = 25;

/// A database file in the temp directory, removed (with its WAL files) on drop.
struct TempDatabase(PathBuf);

impl TempDatabase {
    fn new() -> Self {
        Self(std::env::temp_dir().join(format!("spector-{}.db", Uuid::now_v7())))
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn increments_through_two_connections_serialize() {
    let file = TempDatabase::new();
    let first = Store::new(Sqlite::open(&file.0).await.unwrap());
    let second = Store::new(Sqlite::open(&file.0).await.unwrap());
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
