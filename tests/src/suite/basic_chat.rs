//! The basic chat guide's assertions, and what the Rust version adds.

use spector::{attrs, Error, Event, Id};
use spector_examples::basic_chat::{
    content, get_edit_history, list_messages, BasicChat, BasicChatAction, BasicChatEvents,
    BasicChatLink, EditMessage, NewMessage,
};
use uuid::Uuid;

use crate::db::TestDb;

/// A new message by `user_id`.
fn message(user_id: Uuid, content: &str) -> NewMessage {
    NewMessage {
        user_id,
        content: content.to_owned(),
    }
}

/// The edit of message `edits`.
fn edit(edits: Uuid, content: &str) -> BasicChatAction {
    BasicChatAction::Edit(EditMessage {
        edits,
        content: content.to_owned(),
    })
}

/// Migrated store with one chat in it: alice's greeting, then bob's reply.
async fn chat_with_two_messages<D: TestDb>(db: &D) -> (BasicChat, Uuid, Uuid) {
    let store = db.store();
    store.migrate::<BasicChatEvents>().await.unwrap();
    let (alice, bob) = (Uuid::now_v7(), Uuid::now_v7());
    let chat: BasicChat = store
        .insert(message(alice, "Hello everyone!"))
        .await
        .unwrap();
    let chat = store
        .update(chat.id, message(bob, "Hi there!"))
        .await
        .unwrap();
    (chat, alice, bob)
}

fn contents(chat: &BasicChat) -> Vec<&str> {
    chat.messages.iter().map(|m| m.content.as_str()).collect()
}

fn event_contents(events: &[Event]) -> Vec<String> {
    events.iter().map(|e| content(e).unwrap()).collect()
}

/// Starting a conversation, adding a message (prepended), editing the first.
pub async fn guide_runs_as_written<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<BasicChatEvents>().await.unwrap();
    let user_id = Uuid::now_v7();
    let chat: BasicChat = store
        .insert(message(user_id, "Hello everyone!"))
        .await
        .unwrap();
    assert_eq!(chat.messages.len(), 1);
    assert_eq!(chat.messages[0].user_id, user_id);
    assert_eq!(chat.messages[0].content, "Hello everyone!");
    assert_eq!(
        chat.messages[0].id,
        chat.id.uuid(),
        "the first message is the first event"
    );

    let other_user_id = Uuid::now_v7();
    let chat = store
        .update(&chat, message(other_user_id, "Hi there!"))
        .await
        .unwrap();
    assert_eq!(contents(&chat), ["Hi there!", "Hello everyone!"]);
    assert_eq!(chat.messages[0].user_id, other_user_id);

    let first_message_id = chat.messages[1].id;
    let chat = store
        .execute(&chat, edit(first_message_id, "Hello everyone! (edited)"))
        .await
        .unwrap();
    assert_eq!(contents(&chat), ["Hi there!", "Hello everyone! (edited)"]);
    assert_eq!(chat.messages[1].user_id, user_id, "edits keep the author");
    assert_eq!(
        chat.messages[1].id, first_message_id,
        "edits keep the message id"
    );

    let events = store.all_events(chat.id).await.unwrap();
    assert_eq!(events.len(), 3, "the original stays in the log");
    let edit = &events[2];
    assert_eq!(
        edit.linked(BasicChatLink::Edits).collect::<Vec<_>>(),
        [first_message_id]
    );
    assert_eq!(db.count_rows("basic_chat_edits").await, 1);
}

/// The hard rule: what a write returns is what `get` replays afterwards.
pub async fn state_returned_by_each_write_equals_get<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<BasicChatEvents>().await.unwrap();
    let user_id = Uuid::now_v7();
    let chat: BasicChat = store
        .insert(message(user_id, "Hello everyone!"))
        .await
        .unwrap();
    assert_eq!(store.get(chat.id).await.unwrap(), Some(chat.clone()));
    let chat = store
        .update(chat.id, message(user_id, "Hi there!"))
        .await
        .unwrap();
    assert_eq!(store.get(chat.id).await.unwrap(), Some(chat.clone()));
    let first = chat.messages[1].id;
    let chat = store
        .execute_by_name(
            chat.id,
            "edit",
            attrs! { "edits": first, "content": "Hello! (edited)" },
        )
        .await
        .unwrap();
    assert_eq!(store.get(chat.id).await.unwrap(), Some(chat));
}

/// `list_messages`: every message once, in its latest version.
pub async fn list_messages_shows_latest_version_of_each_message<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    let (chat, alice, _) = chat_with_two_messages(&db).await;
    let first = chat.messages[1].id;
    store
        .execute(chat.id, edit(first, "Hello! (1)"))
        .await
        .unwrap();
    store
        .execute(chat.id, edit(first, "Hello! (2)"))
        .await
        .unwrap();
    store.update(chat.id, message(alice, "Bye!")).await.unwrap();

    let latest = list_messages(store, chat.id).await.unwrap();
    assert_eq!(event_contents(&latest), ["Hi there!", "Hello! (2)", "Bye!"]);
}

/// `get_edit_history`: the original and each edit, oldest first; each edit
/// links to the version it replaces.
pub async fn edit_history_lists_every_version_oldest_first<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    let (chat, _, _) = chat_with_two_messages(&db).await;
    let first = chat.messages[1].id;
    let second = chat.messages[0].id;
    store
        .execute(chat.id, edit(first, "Hello! (1)"))
        .await
        .unwrap();
    store
        .execute(chat.id, edit(first, "Hello! (2)"))
        .await
        .unwrap();

    let history = get_edit_history(store, first).await.unwrap();
    assert_eq!(
        event_contents(&history),
        ["Hello everyone!", "Hello! (1)", "Hello! (2)"]
    );
    assert_eq!(
        history[2].linked(BasicChatLink::Edits).collect::<Vec<_>>(),
        [history[1].id],
        "the second edit replaces the first edit, not the original"
    );
    assert!(history
        .windows(2)
        .all(|w| w[0].inserted_at < w[1].inserted_at));
    let unedited = get_edit_history(store, second).await.unwrap();
    assert_eq!(event_contents(&unedited), ["Hi there!"]);
    assert!(get_edit_history(store, Uuid::now_v7())
        .await
        .unwrap()
        .is_empty());
}

/// A message without content is refused, and nothing reaches the log: a
/// blank one by the live rule, a missing one when the JSON of the by-name
/// path does not decode.
pub async fn missing_content_is_invalid_and_writes_nothing<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<BasicChatEvents>().await.unwrap();
    let error = store
        .insert_by_name::<BasicChat>("insert", attrs! { "user_id": Uuid::now_v7() })
        .await
        .unwrap_err();
    let invalid = error.as_invalid().expect("a validation error");
    assert_eq!(invalid.messages("content"), ["can't be blank"]);
    let error = store
        .insert::<BasicChat>(message(Uuid::now_v7(), " "))
        .await
        .unwrap_err();
    let invalid = error.as_invalid().expect("a validation error");
    assert_eq!(invalid.messages("content"), ["can't be blank"]);
    assert_eq!(db.count_rows("basic_chat_events").await, 0);

    let (chat, _, _) = chat_with_two_messages(&db).await;
    let error = store
        .update(chat.id, message(Uuid::now_v7(), "  "))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Invalid(_)), "{error}");
    assert_eq!(db.count_rows("basic_chat_events").await, 2);
}

/// Only the `edit` action links: an update posted as JSON with a stray
/// `edits` key adds a message, stores no `edits` key (the payload type has
/// none) and replaces nothing.
pub async fn update_with_edits_attr_adds_a_message_and_links_nothing<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    let (chat, alice, _) = chat_with_two_messages(&db).await;
    let first_message_id = chat.messages[1].id;
    let chat = store
        .execute_by_name(
            chat.id,
            "update",
            attrs! { "user_id": alice, "content": "Third", "edits": first_message_id },
        )
        .await
        .unwrap();
    assert_eq!(contents(&chat), ["Third", "Hi there!", "Hello everyone!"]);
    assert_eq!(db.count_rows("basic_chat_edits").await, 0);
    let events = store.all_events(chat.id).await.unwrap();
    assert!(
        !events[2].payload.contains("edits"),
        "{:?}",
        events[2].payload
    );
    let latest = list_messages(store, chat.id).await.unwrap();
    assert_eq!(
        event_contents(&latest),
        ["Hello everyone!", "Hi there!", "Third"]
    );

    store
        .execute(chat.id, edit(first_message_id, "Hello (edited)"))
        .await
        .unwrap();
    let history = get_edit_history(store, first_message_id).await.unwrap();
    assert_eq!(
        event_contents(&history),
        ["Hello everyone!", "Hello (edited)"]
    );
}

/// Editing a message that is not in the chat fails; no event, no link.
pub async fn editing_unknown_message_is_refused_and_writes_nothing<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    let (chat, _, _) = chat_with_two_messages(&db).await;
    let error = store
        .execute(chat.id, edit(Uuid::now_v7(), "Nope"))
        .await
        .unwrap_err();
    assert_eq!(
        error
            .as_invalid()
            .expect("a validation error")
            .messages("edits"),
        ["no such message"]
    );
    assert_eq!(db.count_rows("basic_chat_events").await, 2);
    assert_eq!(db.count_rows("basic_chat_edits").await, 0);
    assert_eq!(store.get(chat.id).await.unwrap(), Some(chat));
}

/// A write by id needs no prior `get`: the id alone (from a URL, say)
/// names the record, and the record type comes with it.
pub async fn a_write_by_id_needs_no_prior_get<D: TestDb>() {
    let db = D::create().await;
    let (chat, alice, _) = chat_with_two_messages(&db).await;
    let id: Id<BasicChat> = Id::new(chat.id.uuid());
    drop(chat);
    let chat = db
        .store()
        .update(id, message(alice, "by id"))
        .await
        .unwrap();
    assert_eq!(contents(&chat), ["by id", "Hi there!", "Hello everyone!"]);
}
