//! The SQLite backend's writer thread: writes queued together share one
//! commit, each still all-or-nothing to its caller; reads run beside the
//! writer instead of queueing behind it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use spector::sqlite::Sqlite;
use spector::{attrs, Attrs, Connect, Error, Store};
use spector_tests::records::{Note, TestEvents};
use spector_tests::TempDatabase;
use uuid::Uuid;

/// Counts the commits of the writer's connection from now on.
async fn count_commits(store: &Store<Sqlite>) -> Arc<AtomicUsize> {
    let commits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&commits);
    store
        .backend()
        .with_connection(move |conn| {
            conn.commit_hook(Some(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                false
            }))
            .map_err(Error::storage)
        })
        .await
        .unwrap();
    commits
}

/// Holds the writer thread (and the database's write lock) until the
/// returned sender is dropped or sent to.
fn hold_the_writer(store: &Store<Sqlite>) -> (mpsc::Sender<()>, tokio::task::JoinHandle<()>) {
    let (release, released) = mpsc::channel::<()>();
    let (held, holding) = std::sync::mpsc::channel();
    let backend = store.backend().clone();
    let task = tokio::spawn(async move {
        backend
            .with_connection(move |conn| {
                conn.execute_batch("BEGIN IMMEDIATE")
                    .map_err(Error::storage)?;
                let _ = held.send(());
                let _ = released.recv();
                conn.execute_batch("COMMIT").map_err(Error::storage)
            })
            .await
            .unwrap();
    });
    holding
        .recv_timeout(Duration::from_secs(10))
        .expect("the writer thread took the job");
    (release, task)
}

/// The number of events of `record` in the table.
async fn events_of(store: &Store<Sqlite>, record: Uuid) -> usize {
    store
        .backend()
        .with_connection(move |conn| {
            conn.query_row(
                "SELECT count(*) FROM test_events WHERE parent_id = ?1",
                [record],
                |row| row.get::<_, i64>(0),
            )
            .map_err(Error::storage)
        })
        .await
        .unwrap() as usize
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_queued_together_share_a_commit_and_fail_alone() {
    let file = TempDatabase::new("spector-writer");
    let store = Store::new(Sqlite::open(file.path()).await.unwrap());
    store.migrate::<TestEvents>().await.unwrap();
    let note: Note = store.insert(attrs! { "n": 0 }).await.unwrap();
    let commits = count_commits(&store).await;

    // While the writer is held, queue good writes, a write whose link
    // fails after its event row is inserted, and one whose transition panics.
    let (release, holder) = hold_the_writer(&store);
    let good: Vec<_> = (1..=8)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move { store.update(note.id, attrs! { "n": n }).await })
        })
        .collect();
    let missing_target = Uuid::now_v7();
    let failing = {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .update(note.id, attrs! { "mention": missing_target })
                .await
        })
    };
    let panicking = {
        let store = store.clone();
        tokio::spawn(async move { store.update(note.id, attrs! { "panic": true }).await })
    };
    // Let every task reach the queue before the writer goes on.
    tokio::time::sleep(Duration::from_millis(300)).await;
    release.send(()).unwrap();
    holder.await.unwrap();

    for task in good {
        task.await.unwrap().unwrap();
    }
    let error = failing.await.unwrap().unwrap_err();
    assert!(
        matches!(error, Error::LinkTargetNotFound { target, .. } if target == missing_target),
        "{error:?}"
    );
    assert!(panicking.await.unwrap_err().is_panic());

    // The held job's commit, then the queued writes in (far) fewer
    // commits than writes; only the good writes are stored.
    let commits = commits.load(Ordering::SeqCst);
    assert!(
        (2..=5).contains(&commits),
        "{commits} commits for 10 writes"
    );
    assert_eq!(events_of(&store, note.id.uuid()).await, 1 + 8);
    let events = store.all_events(note.id).await.unwrap();
    assert!(events.iter().all(|event| event.links.is_empty()));
    let mut seen: Vec<i64> = events
        .iter()
        .map(|event| event.payload.get::<i64>("n").unwrap().unwrap())
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..=8).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_of_many_concurrent_writers_is_stored_once() {
    let file = TempDatabase::new("spector-writer");
    let store = Store::new(Sqlite::open(file.path()).await.unwrap());
    store.migrate::<TestEvents>().await.unwrap();
    let commits = count_commits(&store).await;
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let note: Note = store.insert(Attrs::new()).await.unwrap();
                for n in 0..25 {
                    store.update(note.id, attrs! { "n": n }).await.unwrap();
                }
                note.id
            })
        })
        .collect();
    let mut notes = Vec::new();
    for task in tasks {
        notes.push(task.await.unwrap());
    }
    for note in notes {
        assert_eq!(events_of(&store, note.uuid()).await, 26);
        let last: Note = store.get(note).await.unwrap().unwrap();
        assert_eq!(last.body.get::<i64>("n").unwrap(), Some(24));
    }
    // Each commit made at least one write durable, and none was lost.
    assert!(commits.load(Ordering::SeqCst) <= 8 * 26);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_does_not_wait_for_the_writer() {
    let file = TempDatabase::new("spector-writer");
    let store = Store::new(Sqlite::open(file.path()).await.unwrap());
    store.migrate::<TestEvents>().await.unwrap();
    let note: Note = store.insert(attrs! { "n": 1 }).await.unwrap();

    let (release, holder) = hold_the_writer(&store);
    let read = tokio::time::timeout(Duration::from_secs(10), store.get(note.id)).await;
    release.send(()).unwrap();
    holder.await.unwrap();
    let read: Note = read
        .expect("the read ran while the writer was held")
        .unwrap()
        .unwrap();
    assert_eq!(read, note);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_that_panics_leaves_the_read_connections_usable() {
    let file = TempDatabase::new("spector-writer");
    let store = Store::new(Sqlite::open(file.path()).await.unwrap());
    store.migrate::<TestEvents>().await.unwrap();
    let fine: Note = store.insert(attrs! { "n": 1 }).await.unwrap();
    let broken: Note = store.insert(attrs! { "n": 2 }).await.unwrap();
    // A stored update whose transition panics on replay.
    let parent = broken.id.uuid();
    store
        .backend()
        .with_connection(move |conn| {
            let id = Uuid::now_v7();
            conn.execute(
                "INSERT INTO test_events (id, parent_id, payload, schema, action, inserted_at) \
                 VALUES (?1, ?2, '{\"panic\": true}', ?3, 2, ?4)",
                rusqlite::params![
                    id,
                    parent,
                    <Note as spector::Evented>::SCHEMA_INDEX,
                    chrono::Utc::now().timestamp_micros()
                ],
            )
            .map(|_| ())
            .map_err(Error::storage)
        })
        .await
        .unwrap();
    // More panicking reads than read connections, each followed by a read
    // that must still work.
    for _ in 0..2 * spector::sqlite::DEFAULT_READERS {
        let reader = store.clone();
        let panicked = tokio::spawn(async move { reader.get(broken.id).await }).await;
        assert!(panicked.unwrap_err().is_panic());
        assert_eq!(store.get(fine.id).await.unwrap(), Some(fine.clone()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_left_open_by_with_connection_is_rolled_back_before_the_next_write() {
    let file = TempDatabase::new("spector-writer");
    let store = Store::new(Sqlite::open(file.path()).await.unwrap());
    store.migrate::<TestEvents>().await.unwrap();
    let note: Note = store.insert(attrs! { "n": 1 }).await.unwrap();
    store
        .backend()
        .with_connection(|conn| {
            conn.execute_batch("BEGIN; CREATE TABLE left_open (x INTEGER);")
                .map_err(Error::storage)
        })
        .await
        .unwrap();
    let updated: Note = store.update(note.id, attrs! { "n": 2 }).await.unwrap();
    assert_eq!(store.get(note.id).await.unwrap(), Some(updated));
    let left_open = store
        .backend()
        .with_connection(|conn| {
            conn.query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'left_open'",
                [],
                |row| row.get::<_, i64>(0),
            )
            .map_err(Error::storage)
        })
        .await
        .unwrap();
    assert_eq!(left_open, 0, "the open transaction was rolled back");
}

/// Migrates, writes and reads back one note through `sqlite`.
async fn writes_and_reads_back(sqlite: Sqlite) {
    let store = Store::new(sqlite);
    store.migrate::<TestEvents>().await.unwrap();
    let note: Note = store.insert(attrs! { "n": 1 }).await.unwrap();
    let updated: Note = store.update(note.id, attrs! { "n": 2 }).await.unwrap();
    assert_eq!(store.get(note.id).await.unwrap(), Some(updated));
    assert_eq!(store.all_events(note.id).await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_way_of_opening_reads_what_it_wrote() {
    // Not files in WAL mode: one connection writes and reads.
    writes_and_reads_back(Sqlite::open(":memory:").await.unwrap()).await;
    writes_and_reads_back(Sqlite::open("").await.unwrap()).await;
    writes_and_reads_back(Sqlite::connect("sqlite::memory:").await.unwrap()).await;
    // Files: readers beside the writer, with the URI's mode, in a cache of
    // their own.
    let uri = TempDatabase::new("spector-writer");
    let uri_path = format!("file:{}?mode=rwc", uri.path().display());
    writes_and_reads_back(Sqlite::open(&uri_path).await.unwrap()).await;
    let shared = TempDatabase::new("spector-writer");
    let url = format!("sqlite://{}?cache=shared", shared.path().display());
    writes_and_reads_back(Sqlite::connect(&url).await.unwrap()).await;
}
