//! Per-record serialization: concurrent writers of one record each see the
//! writes before them.

use std::sync::Arc;

use spector_core::{Attrs, Uuid};

use crate::support::TestDb;
use crate::tally::{Tally, TallyAction, TallyEvents};

const TASKS: usize = 8;
const EXECUTES_PER_TASK: u32 = 10;

/// Runs `EXECUTES_PER_TASK` increments of each record in `targets`, one
/// task per target, each from a stale in-memory record.
async fn increment_concurrently(db: &Arc<TestDb>, targets: Vec<Uuid>) {
    let tasks: Vec<_> = targets
        .into_iter()
        .map(|id| {
            let db = Arc::clone(db);
            tokio::spawn(async move {
                let stale = Tally {
                    id,
                    ..Tally::default()
                };
                for _ in 0..EXECUTES_PER_TASK {
                    db.store
                        .execute(&stale, TallyAction::Increment, Attrs::new())
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task finished");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn executes_on_one_record_serialize() {
    let db = Arc::new(TestDb::create().await);
    db.store.migrate::<TallyEvents>().await.unwrap();
    let tally: Tally = db.store.insert(Attrs::new()).await.unwrap();

    increment_concurrently(&db, vec![tally.id; TASKS]).await;

    let events = db.store.all_events::<Tally>(tally.id).await.unwrap();
    assert_eq!(events.len(), 1 + TASKS * EXECUTES_PER_TASK as usize);
    let replayed = db.store.get::<Tally>(tally.id).await.unwrap();
    assert_eq!(
        replayed.map(|tally| tally.count),
        Some(TASKS as u32 * EXECUTES_PER_TASK)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn executes_on_different_records_all_land() {
    let db = Arc::new(TestDb::create().await);
    db.store.migrate::<TallyEvents>().await.unwrap();
    let mut ids = Vec::new();
    for _ in 0..TASKS {
        let tally: Tally = db.store.insert(Attrs::new()).await.unwrap();
        ids.push(tally.id);
    }

    increment_concurrently(&db, ids.clone()).await;

    for id in ids {
        let tally = db.store.get::<Tally>(id).await.unwrap();
        assert_eq!(tally.map(|tally| tally.count), Some(EXECUTES_PER_TASK));
    }
}
