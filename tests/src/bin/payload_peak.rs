//! One write of a large payload, for measuring a write's peak memory with
//! `/usr/bin/time -v` (its "Maximum resident set size"):
//!
//! ```text
//! payload_peak <sqlite|postgres> <payload MiB> [<store limit in bytes>]
//! ```
//!
//! It inserts one note whose text is the given size, then reads it back
//! (`get`) and reads the log's first page, and prints what each returned.
//! With no limit given, the store's default applies. PostgreSQL runs in a
//! schema of its own on the test server, like the suite.

use spector::{attrs, Store};
use spector_tests::records::{Note, TestEvents};
use spector_tests::{PostgresDb, SqliteDb, TestDb};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "payload_peak <sqlite|postgres> <payload MiB> [<store limit in bytes>]";
    let (Some(backend), Some(mib)) = (args.get(1), args.get(2)) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let mib: usize = mib.parse().expect("a size in MiB");
    let limit: Option<usize> = args.get(3).map(|l| l.parse().expect("a limit in bytes"));
    match backend.as_str() {
        "sqlite" => {
            let db = SqliteDb::create().await;
            run(db.store(), mib, limit).await;
        }
        "postgres" => {
            let db = PostgresDb::create().await;
            run(db.store(), mib, limit).await;
        }
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    }
}

/// Writes and reads one note of `mib` MiB on `store`.
async fn run<B: spector::backend::Storage + Clone>(
    store: &Store<B>,
    mib: usize,
    limit: Option<usize>,
) {
    let store = match limit {
        Some(limit) => store.clone().with_max_payload_bytes(limit),
        None => store.clone(),
    };
    store.migrate::<TestEvents>().await.expect("migrate");
    let text = "x".repeat(mib << 20);
    match store.insert::<Note>(attrs! {"text": text}).await {
        Ok(note) => {
            let read = store.get(note.id).await.expect("get").expect("stored");
            let page = store
                .read_log::<TestEvents>(None, 1)
                .await
                .expect("read_log");
            println!(
                "stored {} bytes; get read it back: {}; read_log: {} event",
                mib << 20,
                read == note,
                page.events.len()
            );
        }
        Err(error) => println!("refused: {error}"),
    }
}
