//! Writes: errors, reserved attrs, deletes, replay fidelity, rollbacks.

use spector::{action, attrs, reserved, Attrs, Error, Store};
use spector_examples::basic_chat::{BasicChat, BasicChatEvents};
use uuid::Uuid;

use crate::db::TestDb;
use crate::records::{Counter, CounterAction, Note, TestEvents};

/// Executing on an id that has no events is a not-found error.
pub async fn execute_on_unknown_record_is_not_found<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<BasicChatEvents>().await.unwrap();
    let ghost = BasicChat {
        id: Uuid::now_v7(),
        ..BasicChat::default()
    };
    let error = store
        .update(
            &ghost,
            attrs! { "user_id": Uuid::now_v7(), "content": "Hi" },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::NotFound { schema: "BasicChat", id } if id == ghost.id),
        "{error}"
    );
    assert!(matches!(
        store.delete(&ghost).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(store.get::<BasicChat>(ghost.id).await.unwrap(), None);
    assert_eq!(db.count_rows("basic_chat_events").await, 0);
}

/// An action the type does not declare is refused before anything is written.
pub async fn undeclared_action_is_rejected_and_writes_nothing<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<BasicChatEvents>().await.unwrap();
    let chat: BasicChat = store
        .insert(attrs! { "user_id": Uuid::now_v7(), "content": "Hi" })
        .await
        .unwrap();
    let error = store
        .execute(&chat, "archive", attrs! { "content": "x" })
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::UnknownAction { schema: "BasicChat", action } if action == "archive"),
        "{error}"
    );
    let error = store
        .insert_as::<BasicChat>("delete", attrs! { "content": "x" })
        .await
        .unwrap_err();
    assert!(matches!(error, Error::UnknownAction { .. }), "{error}");
    assert_eq!(db.count_rows("basic_chat_events").await, 1);
}

/// Every event stores `__version__`, `__event_id__`, `inserted_at` /
/// `updated_at`, its record id and its action code.
pub async fn events_carry_reserved_attrs_and_record_id<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let counter: Counter = store.insert(Attrs::new()).await.unwrap();
    let counter = store
        .execute(&counter, CounterAction::Increment, Attrs::new())
        .await
        .unwrap();
    let supplied = "2020-01-02T03:04:05.000006Z";
    let note: Note = store
        .insert(attrs! { "inserted_at": supplied, "text": "kept" })
        .await
        .unwrap();

    let events = store.all_events::<Counter>(counter.id).await.unwrap();
    assert_eq!(events.len(), 2);
    let (insert, increment) = (&events[0], &events[1]);
    assert_eq!(insert.id, counter.id);
    assert!(events.iter().all(|e| e.parent_id == counter.id));
    assert_eq!(insert.action, action::INSERT);
    assert_eq!(increment.action, action::custom_action_code("increment"));
    for event in &events {
        assert_eq!(event.payload.event_id().unwrap(), event.id);
        assert_eq!(event.payload.version().unwrap(), 0);
        assert_eq!(event.payload.updated_at().unwrap(), Some(event.inserted_at));
    }
    assert_eq!(
        insert.payload.inserted_at().unwrap(),
        Some(insert.inserted_at)
    );
    assert!(!increment.payload.contains(reserved::INSERTED_AT));
    assert!(insert.inserted_at < increment.inserted_at);
    assert!(insert.id < increment.id, "UUIDv7 ids are time-ordered");

    assert_eq!(
        note.body.fetch::<String>(reserved::INSERTED_AT).unwrap(),
        supplied
    );
    assert_eq!(note.body.fetch::<String>("text").unwrap(), "kept");
}

/// After a delete, `get` gives `None` and the record cannot be changed.
pub async fn deleted_record_is_gone_and_cannot_be_changed<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let counter: Counter = store.insert(Attrs::new()).await.unwrap();
    let other: Counter = store.insert(Attrs::new()).await.unwrap();
    store.delete(&counter).await.unwrap();

    assert_eq!(store.get::<Counter>(counter.id).await.unwrap(), None);
    assert_eq!(store.get::<Counter>(other.id).await.unwrap(), Some(other));
    let events = store.all_events::<Counter>(counter.id).await.unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].action, action::DELETE);
    assert!(
        events[1].payload.as_map().is_empty(),
        "a delete has an empty payload"
    );
    let error = store
        .execute(&counter, CounterAction::Increment, Attrs::new())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Deleted { id, .. } if id == counter.id),
        "{error}"
    );
    assert!(matches!(
        store.delete(&counter).await,
        Err(Error::Deleted { .. })
    ));
}

/// Live state equals replayed state for payloads that test JSON fidelity.
pub async fn replay_equals_live_state_for_awkward_payloads<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let payloads = [
        attrs! { "pi": std::f64::consts::PI, "tenth": 0.1, "tiny": 1e-7, "huge": 1e300 },
        attrs! { "integral_float": 5.0, "big_float": 1e19, "negative_zero": -0.0 },
        attrs! { "max": u64::MAX, "min": i64::MIN, "third": 1.0 / 3.0 },
        attrs! { "text": "héllo \"quoted\" \\ \n tab\t emoji 🎉", "empty": "" },
        attrs! { "nested": { "list": [1, "two", null, { "deep": [true, false] }] } },
        attrs! { "null": null, "unicode_key_é": "value" },
    ];
    let mut note: Note = store.insert(payloads[0].clone()).await.unwrap();
    assert_eq!(
        store.get::<Note>(note.id).await.unwrap(),
        Some(note.clone())
    );
    for payload in &payloads[1..] {
        note = store.update(&note, payload.clone()).await.unwrap();
        assert_eq!(
            store.get::<Note>(note.id).await.unwrap(),
            Some(note.clone())
        );
        assert!(payload.as_map().keys().all(|key| note.body.contains(key)));
        if payload.contains("third") {
            assert_eq!(note.body.get::<f64>("third").unwrap(), Some(1.0 / 3.0));
        }
    }
}

/// A record id of one type is not a record of another type in the same log.
pub async fn record_of_another_schema_is_not_found<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let counter: Counter = store.insert(Attrs::new()).await.unwrap();
    assert_eq!(store.get::<Note>(counter.id).await.unwrap(), None);
    assert!(store
        .all_events::<Note>(counter.id)
        .await
        .unwrap()
        .is_empty());
    let pretender = Note {
        id: counter.id,
        ..Note::default()
    };
    let error = store.update(&pretender, Attrs::new()).await.unwrap_err();
    assert!(
        matches!(error, Error::NotFound { schema: "Note", .. }),
        "{error}"
    );
    assert_eq!(db.count_rows("test_events").await, 1);
}

/// An error from `prepare_event` leaves nothing of the operation behind.
pub async fn prepare_event_error_rolls_back_everything<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let error = store
        .insert::<Note>(attrs! { "reject": true })
        .await
        .unwrap_err();
    assert_eq!(
        error
            .as_invalid()
            .expect("a validation error")
            .messages("reject"),
        ["refused by prepare_event"]
    );
    assert_eq!(db.count_rows("test_events").await, 0);

    let note: Note = store.insert(attrs! { "text": "first" }).await.unwrap();
    let target: Note = store.insert(attrs! { "text": "other" }).await.unwrap();
    let error = store
        .update(&note, attrs! { "reject": true, "mention": target.id })
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Invalid(_)), "{error}");
    assert_eq!(db.count_rows("test_events").await, 2);
    assert_eq!(db.count_rows("test_mentions").await, 0);
    assert_eq!(store.get::<Note>(note.id).await.unwrap(), Some(note));
}

/// A stored event whose action code the type does not know fails replay
/// with an error that names the event.
pub async fn stored_event_with_unknown_action_fails_replay_naming_it<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let counter: Counter = store.insert(Attrs::new()).await.unwrap();
    let bad = Uuid::now_v7();
    db.insert_event_row("test_events", bad, counter.id, 0, 999, "{}")
        .await
        .unwrap();
    let error = store.get::<Counter>(counter.id).await.unwrap_err();
    assert!(
        matches!(error, Error::UnknownActionCode { event_id, code: 999, .. } if event_id == bad),
        "{error}"
    );
    let error = store
        .execute(&counter, CounterAction::Increment, Attrs::new())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::UnknownActionCode { .. }), "{error}");
    assert_eq!(db.count_rows("test_events").await, 2);
}

/// `previous_events` is the record's history up to and including an event;
/// `event` finds one event of the type, and none of another type.
pub async fn previous_events_stop_at_the_given_event<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let counter: Counter = store.insert(Attrs::new()).await.unwrap();
    for _ in 0..3 {
        store
            .execute(&counter, CounterAction::Increment, Attrs::new())
            .await
            .unwrap();
    }
    let events = store.all_events::<Counter>(counter.id).await.unwrap();
    let previous = store.previous_events::<Counter>(&events[1]).await.unwrap();
    assert_eq!(previous, events[..2]);

    let second = store.event::<Counter>(events[1].id).await.unwrap();
    assert_eq!(second.as_ref(), Some(&events[1]));
    assert_eq!(store.event::<Note>(events[1].id).await.unwrap(), None);

    let mut stranger = events[1].clone();
    stranger.id = Uuid::now_v7();
    let error = store
        .previous_events::<Counter>(&stranger)
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::NotFound { id, .. } if id == stranger.id),
        "{error}"
    );
}

/// `savepoint` events hold snapshots the store writes itself: executing the
/// action, typed or by name, is refused and writes nothing.
pub async fn savepoint_action_cannot_be_executed<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let counter: Counter = store.insert(Attrs::new()).await.unwrap();
    let typed = store
        .execute(&counter, CounterAction::Savepoint, Attrs::new())
        .await
        .unwrap_err();
    let named = store
        .execute(&counter, "savepoint", Attrs::new())
        .await
        .unwrap_err();
    let inserted = store
        .insert_as::<Counter>(CounterAction::Savepoint, Attrs::new())
        .await
        .unwrap_err();
    for error in [typed, named, inserted] {
        assert!(
            matches!(
                error,
                Error::ReservedAction {
                    schema: "Counter",
                    action: "savepoint"
                }
            ),
            "{error}"
        );
    }
    assert_eq!(db.count_rows("test_events").await, 1);
}

/// A changeset that panics fails its own call (the panic reaches the
/// caller's task), writes nothing, and leaves the store usable.
pub async fn panic_in_changeset_writes_nothing_and_store_stays_usable<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let note: Note = store.insert(attrs! { "text": "first" }).await.unwrap();
    let panicking = Store::clone(store);
    let id = note.id;
    let outcome = tokio::spawn(async move {
        let note = Note {
            id,
            ..Note::default()
        };
        panicking.update(&note, attrs! { "panic": true }).await
    })
    .await;
    assert!(outcome.as_ref().is_err_and(|e| e.is_panic()), "{outcome:?}");
    assert_eq!(db.count_rows("test_events").await, 1);
    let note = store
        .update(&note, attrs! { "text": "second" })
        .await
        .unwrap();
    assert_eq!(
        note.body.get::<String>("text").unwrap().as_deref(),
        Some("second")
    );
    assert_eq!(store.get::<Note>(note.id).await.unwrap(), Some(note));
    assert_eq!(db.count_rows("test_events").await, 2);
}

/// A stored payload that is not a JSON object fails replay, naming the event.
pub async fn stored_payload_that_is_not_an_object_fails_naming_the_event<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let id = Uuid::now_v7();
    db.insert_event_row("test_events", id, id, 0, action::INSERT, "[1, 2]")
        .await
        .unwrap();
    let error = store.get::<Counter>(id).await.unwrap_err();
    assert!(
        matches!(error, Error::Decode { event_id, .. } if event_id == id),
        "{error}"
    );
}

/// Using a log before migrating it is a storage error that names its table.
pub async fn reading_before_migrating_is_a_storage_error<D: TestDb>() {
    let db = D::create().await;
    let error = db.store().get::<Counter>(Uuid::now_v7()).await.unwrap_err();
    assert!(matches!(error, Error::Storage(_)), "{error}");
    assert!(error.to_string().contains("test_events"), "{error}");
}
