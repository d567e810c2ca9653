//! Links: both ends in one record, enforced by the database and the library.

use spector::{attrs, Error};
use spector_examples::basic_chat::{BasicChat, BasicChatEvents, NewMessage};
use uuid::Uuid;

use crate::db::TestDb;
use crate::records::{Note, NoteLink, TestEvents};

/// A new message.
fn hi() -> NewMessage {
    NewMessage {
        user_id: Uuid::now_v7(),
        content: "Hi".into(),
    }
}

/// What the same-record trigger of either backend says when it refuses a
/// link row (SQLite's `RAISE` message; PostgreSQL's exception, raised with
/// SQLSTATE `SPLNK`).
const ACROSS_RECORDS: &str = "linked events belong to different records";

/// A link row between two records' events is refused by the database's
/// trigger; one inside a record is accepted.
pub async fn link_across_records_is_refused_by_the_database<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<BasicChatEvents>().await.unwrap();
    let one: BasicChat = store.insert(hi()).await.unwrap();
    let one = store.update(one.id, hi()).await.unwrap();
    let two: BasicChat = store.insert(hi()).await.unwrap();

    let across = db
        .insert_link_row(
            "basic_chat_edits",
            "previous_id",
            two.id.uuid(),
            one.id.uuid(),
        )
        .await;
    let refusal = across.expect_err("a link across records was accepted");
    assert!(refusal.contains(ACROSS_RECORDS), "{refusal}");
    assert_eq!(db.count_rows("basic_chat_edits").await, 0);

    let within = db
        .insert_link_row(
            "basic_chat_edits",
            "previous_id",
            one.messages[0].id,
            one.id.uuid(),
        )
        .await;
    assert_eq!(within, Ok(()));
    assert_eq!(db.count_rows("basic_chat_edits").await, 1);
}

/// A link row to (or from) an event that does not exist is refused by the
/// link table's foreign key, not reported as a link across records; through
/// the store, it fails the operation as `LinkTargetNotFound` (the same on
/// both backends) and writes nothing.
pub async fn link_to_missing_event_is_refused_by_the_foreign_key<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<BasicChatEvents>().await.unwrap();
    let chat: BasicChat = store.insert(hi()).await.unwrap();
    let chat = store.update(chat.id, hi()).await.unwrap();
    let missing = Uuid::now_v7();

    for (event_id, target) in [(chat.messages[0].id, missing), (missing, chat.id.uuid())] {
        let refusal = db
            .insert_link_row("basic_chat_edits", "previous_id", event_id, target)
            .await
            .expect_err("a link to a missing event was accepted");
        assert!(!refusal.contains(ACROSS_RECORDS), "{refusal}");
        assert!(
            refusal.to_lowercase().contains("foreign key constraint"),
            "{refusal}"
        );
    }
    assert_eq!(db.count_rows("basic_chat_edits").await, 0);

    store.migrate::<TestEvents>().await.unwrap();
    let note: Note = store.insert(attrs! { "text": "mine" }).await.unwrap();
    let error = store
        .update(note.id, attrs! { "mention": missing })
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::LinkTargetNotFound { link: "mentions", target, .. } if target == missing),
        "{error}"
    );
    assert_eq!(db.count_rows("test_events").await, 1);
    assert_eq!(db.count_rows("test_mentions").await, 0);
}

/// A `prepare_event` that links into another record fails the whole
/// operation: no event, no link.
pub async fn link_across_records_rolls_back_the_operation<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let note: Note = store.insert(attrs! { "text": "mine" }).await.unwrap();
    let other: Note = store.insert(attrs! { "text": "theirs" }).await.unwrap();

    let error = store
        .update(note.id, attrs! { "mention": other.id })
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::LinkAcrossRecords { link: "mentions", target, .. } if *target == other.id.uuid()),
        "{error}"
    );
    assert_eq!(db.count_rows("test_events").await, 2);
    assert_eq!(db.count_rows("test_mentions").await, 0);

    let linked = store
        .update(note.id, attrs! { "mention": note.id })
        .await
        .unwrap();
    let events = store.all_events(linked.id).await.unwrap();
    assert_eq!(
        events[1].linked(NoteLink::Mentions).collect::<Vec<_>>(),
        [note.id.uuid()]
    );
    let mentioning = store
        .linking_to(NoteLink::Mentions, note.id.uuid())
        .await
        .unwrap();
    assert_eq!(mentioning, events[1..]);
}
