//! Migrations shipped by the backend.

use std::sync::Arc;

use spector::{EventLog, Id, Store};
use spector_examples::basic_chat::BasicChatEvents;

use crate::db::TestDb;
use crate::pages::{Citing, CitingPage, CitingPageLink, CitingPages, PageV0, PagesV0, Titled};

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

/// A link declared by a later release over an existing log: `migrate`
/// adds its table (the events already there untouched), links are written
/// and read, and the backend's `migration::link_down` drops the table
/// again, leaving the events readable.
pub async fn a_link_table_added_later_and_dropped_again<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<PagesV0>().await.unwrap();
    let old: PageV0 = store
        .insert(Titled {
            title: "old".into(),
        })
        .await
        .unwrap();
    assert!(!db.table_exists("pages_cites").await);

    store.migrate::<CitingPages>().await.unwrap();
    assert!(
        db.table_exists("pages_cites").await,
        "migrate adds the link table"
    );
    let id = Id::<CitingPage>::new(old.id.uuid());
    store
        .update(
            id,
            Citing {
                title: "cites itself".into(),
                cites: vec![old.id.uuid()],
            },
        )
        .await
        .unwrap();
    let citing = store
        .linking_to(CitingPageLink::Cites, old.id.uuid())
        .await
        .unwrap();
    assert_eq!(citing.len(), 1);

    db.drop_link(CitingPages::spec().unwrap(), "cites")
        .await
        .unwrap();
    assert!(!db.table_exists("pages_cites").await, "its down drops it");
    assert_eq!(db.count_rows("pages_events").await, 2, "the events stay");
    let page = store.get(id).await.unwrap().unwrap();
    assert_eq!(page.title, "cites itself");
}
