//! Migrations shipped by the backend.

use std::sync::Arc;

use spector::Store;
use spector_examples::basic_chat::BasicChatEvents;

use crate::db::TestDb;

/// `migrate` can run again on a migrated database; `migrate_down` removes
/// every table, index, trigger and function that `migrate` created.
pub async fn migrate_is_idempotent_and_down_drops_everything<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    assert!(db.schema_objects().await.is_empty());
    store.migrate::<BasicChatEvents>().await.unwrap();
    let created = db.schema_objects().await;
    for expected in ["table basic_chat_events", "table basic_chat_edits"] {
        assert!(created.iter().any(|o| o == expected), "{created:?}");
    }
    assert!(
        created
            .iter()
            .any(|o| o.starts_with("trigger basic_chat_edits")),
        "{created:?}"
    );
    store.migrate::<BasicChatEvents>().await.unwrap();
    assert_eq!(db.schema_objects().await, created);

    store.migrate_down::<BasicChatEvents>().await.unwrap();
    assert_eq!(db.schema_objects().await, Vec::<String>::new());
    store.migrate_down::<BasicChatEvents>().await.unwrap();

    store.migrate::<BasicChatEvents>().await.unwrap();
    assert_eq!(db.schema_objects().await, created);
    assert_eq!(db.count_rows("basic_chat_events").await, 0);
}

/// Six migrations at once all succeed and create the log once.
pub async fn concurrent_migrations_all_succeed<D: TestDb>() {
    let db = Arc::new(D::create().await);
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let db = Arc::clone(&db);
            tokio::spawn(async move { db.store().migrate::<BasicChatEvents>().await })
        })
        .collect();
    for task in tasks {
        task.await.expect("task finished").unwrap();
    }
    let after_concurrent = db.schema_objects().await;
    let store: &Store<D::Storage> = db.store();
    store.migrate_down::<BasicChatEvents>().await.unwrap();
    store.migrate::<BasicChatEvents>().await.unwrap();
    assert_eq!(db.schema_objects().await, after_concurrent);
}
