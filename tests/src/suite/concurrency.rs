//! Per-record serialization: concurrent writers never validate against a
//! stale state.

use std::sync::Arc;

use spector::backend::Storage;
use spector::{Attrs, Error, Id, Store};

use crate::db::TestDb;
use crate::records::{Counter, CounterAction, TestEvents, COUNTER_LIMIT};

const TASKS: usize = 16;
const INCREMENTS_PER_TASK: usize = 25;

/// Increments the counter `id` `times` times through `store`, each call
/// against a stale copy (the store rebuilds the state); returns how many
/// calls succeeded and how many the changeset refused. Any other error
/// panics.
pub async fn increment<B: Storage>(store: &Store<B>, id: Id<Counter>, times: usize) -> (u32, u32) {
    let stale = Counter { id, count: 0 };
    let (mut ok, mut refused) = (0, 0);
    for _ in 0..times {
        match store
            .execute(&stale, CounterAction::Increment(Attrs::new()))
            .await
        {
            Ok(_) => ok += 1,
            Err(Error::Invalid(_)) => refused += 1,
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    (ok, refused)
}

/// Runs `INCREMENTS_PER_TASK` increments of each counter in `targets`, one
/// task per target; returns (successes, validation errors) per task.
async fn increment_concurrently<D: TestDb>(
    db: &Arc<D>,
    targets: Vec<Id<Counter>>,
) -> Vec<(u32, u32)> {
    let tasks: Vec<_> = targets
        .into_iter()
        .map(|id| {
            let db = Arc::clone(db);
            tokio::spawn(async move { increment(db.store(), id, INCREMENTS_PER_TASK).await })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.expect("task finished"));
    }
    results
}

/// 16 tasks × 25 increments on one record capped at 300: exactly 300
/// succeed, 100 are refused, and replay agrees.
pub async fn increments_on_one_record_serialize<D: TestDb>() {
    let db = Arc::new(D::create().await);
    db.store().migrate::<TestEvents>().await.unwrap();
    let counter: Counter = db.store().insert(Attrs::new()).await.unwrap();

    let results = increment_concurrently(&db, vec![counter.id; TASKS]).await;
    let succeeded: u32 = results.iter().map(|(ok, _)| ok).sum();
    let refused: u32 = results.iter().map(|(_, refused)| refused).sum();
    assert_eq!(succeeded, COUNTER_LIMIT);
    assert_eq!(
        refused,
        (TASKS * INCREMENTS_PER_TASK) as u32 - COUNTER_LIMIT
    );

    let events = db.store().all_events(counter.id).await.unwrap();
    assert_eq!(events.len(), 1 + COUNTER_LIMIT as usize);
    let replayed = db.store().get(counter.id).await.unwrap();
    assert_eq!(replayed.map(|c| c.count), Some(COUNTER_LIMIT));
}

/// 16 tasks on 16 records all succeed.
pub async fn writers_on_different_records_all_succeed<D: TestDb>() {
    let db = Arc::new(D::create().await);
    db.store().migrate::<TestEvents>().await.unwrap();
    let mut ids = Vec::new();
    for _ in 0..TASKS {
        let counter: Counter = db.store().insert(Attrs::new()).await.unwrap();
        ids.push(counter.id);
    }

    let results = increment_concurrently(&db, ids.clone()).await;
    assert!(results
        .iter()
        .all(|&(ok, refused)| ok == INCREMENTS_PER_TASK as u32 && refused == 0));
    for id in ids {
        let counter = db.store().get(id).await.unwrap();
        assert_eq!(counter.map(|c| c.count), Some(INCREMENTS_PER_TASK as u32));
    }
}
