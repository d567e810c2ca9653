//! Behaviour the conformance suite does not reach: what the SQLite backend
//! traces about waiting for the database's write lock.

use std::io::Write;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use spector::sqlite::Sqlite;
use spector::{attrs, Store};
use spector_tests::records::{Note, TestEvents};
use tracing_subscriber::fmt::MakeWriter;
use uuid::Uuid;

/// Everything the subscriber writes, kept for the test to read.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// How many lines written so far contain `text`.
    fn lines_with(&self, text: &str) -> usize {
        let bytes = self.0.lock().unwrap().clone();
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .filter(|line| line.contains(text))
            .count()
    }
}

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// The trace of a write that waited for another connection's lock.
const WAITED: &str = "waited for the database's write lock";

#[test]
fn a_write_that_waits_for_the_write_lock_traces_the_wait_and_others_do_not() {
    let captured = Captured::default();
    // Global: the backend writes on tokio's blocking threads.
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_writer(captured.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::DEBUG)
            .finish(),
    )
    .unwrap();
    let file = std::env::temp_dir().join(format!("spector-pins-{}.db", Uuid::now_v7()));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = Store::new(Sqlite::open(&file).await.unwrap());
        store.migrate::<TestEvents>().await.unwrap();
        for _ in 0..5 {
            let _: Note = store.insert(attrs! { "text": "quick" }).await.unwrap();
        }
        // Taking a free lock takes microseconds: at most a stalled thread
        // makes one of them wait past the 1 ms worth telling.
        assert!(captured.lines_with(WAITED) < 5);
        let before = captured.lines_with(WAITED);

        // Another connection (another process) holds the lock for 200 ms.
        let (locked, is_locked) = mpsc::channel();
        let holder = std::thread::spawn({
            let file = file.clone();
            move || {
                let conn = rusqlite::Connection::open(&file).unwrap();
                conn.execute_batch("BEGIN IMMEDIATE").unwrap();
                locked.send(()).unwrap();
                std::thread::sleep(Duration::from_millis(200));
                conn.execute_batch("COMMIT").unwrap();
            }
        });
        is_locked.recv().unwrap();
        let _: Note = store.insert(attrs! { "text": "waits" }).await.unwrap();
        holder.join().unwrap();
        assert_eq!(captured.lines_with(WAITED), before + 1);
    });
    for suffix in ["", "-wal", "-shm"] {
        let mut path = file.clone().into_os_string();
        path.push(suffix);
        let _ = std::fs::remove_file(path);
    }
}
