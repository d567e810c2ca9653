//! Migrations shipped by the backend.

use spector_examples::basic_chat::BasicChatEvents;

use crate::db::TestDb;

/// `migrate` can run again on a migrated database; `migrate_down` removes
/// the event table and its link tables.
pub async fn migrate_is_idempotent_and_down_drops_everything<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<BasicChatEvents>().await.unwrap();
    store.migrate::<BasicChatEvents>().await.unwrap();
    assert!(db.table_exists("basic_chat_events").await);
    assert!(db.table_exists("basic_chat_edits").await);

    store.migrate_down::<BasicChatEvents>().await.unwrap();
    assert!(!db.table_exists("basic_chat_events").await);
    assert!(!db.table_exists("basic_chat_edits").await);
    store.migrate_down::<BasicChatEvents>().await.unwrap();

    store.migrate::<BasicChatEvents>().await.unwrap();
    assert_eq!(db.count_rows("basic_chat_events").await, 0);
}
