//! Writes: errors, reserved keys, deletes, replay fidelity, rollbacks.

use spector::action::{self, custom_action_code};
use spector::{attrs, reserved, Attrs, Error, Id, Store};
use spector_examples::basic_chat::{BasicChat, BasicChatEvents, NewMessage};
use uuid::Uuid;

use crate::db::{RowTime, TestDb};
use crate::members::{ClubEvents, Member, MemberFields};
use crate::records::{Counter, CounterAction, Note, TestEvents};

/// Executing on an id that has no events is a not-found error.
pub async fn execute_on_unknown_record_is_not_found<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<BasicChatEvents>().await.unwrap();
    let ghost: Id<BasicChat> = Id::new(Uuid::now_v7());
    let hi = NewMessage {
        user_id: Uuid::now_v7(),
        content: "Hi".into(),
    };
    let error = store.update(ghost, hi).await.unwrap_err();
    assert!(
        matches!(error, Error::NotFound { record_type: "BasicChat", id } if id == ghost.uuid()),
        "{error}"
    );
    assert!(matches!(
        store.delete(ghost).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(store.get(ghost).await.unwrap(), None);
    assert_eq!(db.count_rows("basic_chat_events").await, 0);
}

/// On the by-name path, a name the type does not declare is refused before
/// anything is written; `delete` says where it lives.
pub async fn undeclared_action_is_rejected_and_writes_nothing<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let counter: Counter = store.insert(Attrs::new()).await.unwrap();
    let error = store
        .execute_by_name(counter.id, "archive", attrs! {})
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::UnknownAction { record_type: "Counter", action } if action == "archive"),
        "{error}"
    );
    let error = store
        .insert_by_name::<Counter>("delete", attrs! {})
        .await
        .unwrap_err();
    assert!(matches!(error, Error::UnknownAction { .. }), "{error}");
    assert!(error.to_string().contains("Store::delete"), "{error}");
    assert_eq!(db.count_rows("test_events").await, 1);
}

/// Every event stores `__version__`, `__event_id__`, `updated_at` (and
/// `inserted_at` on the first), its record id and the built-in codes of
/// Spector-Elixir (insert 1, update 2, delete 3); none of that reaches the
/// payload the transition sees.
pub async fn events_carry_reserved_keys_and_elixir_codes<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let counter: Counter = store.insert(Attrs::new()).await.unwrap();
    store
        .execute(counter.id, CounterAction::Increment(Attrs::new()))
        .await
        .unwrap();
    store.update(counter.id, Attrs::new()).await.unwrap();
    store.delete(counter.id).await.unwrap();

    let events = store.all_events(counter.id).await.unwrap();
    let codes: Vec<i32> = events.iter().map(|e| e.action_code).collect();
    assert_eq!(codes, [1, custom_action_code("increment"), 2, 3]);
    assert_eq!(
        [
            action::INSERT,
            action::UPDATE,
            action::DELETE,
            action::SAVEPOINT
        ],
        [1, 2, 3, 4]
    );
    let (insert, rest) = events.split_first().unwrap();
    assert_eq!(insert.id, counter.id.uuid());
    assert!(events.iter().all(|e| e.parent_id == counter.id.uuid()));
    for event in &events[..3] {
        assert_eq!(
            event.payload.get::<Uuid>(reserved::EVENT_ID),
            Ok(Some(event.id))
        );
        assert_eq!(event.payload.get::<u32>(reserved::VERSION), Ok(Some(0)));
        assert_eq!(
            event.payload.get(reserved::UPDATED_AT),
            Ok(Some(event.inserted_at))
        );
        assert_eq!(event.meta().id, event.id);
        assert_eq!(event.meta().version, 0);
    }
    assert_eq!(
        insert.payload.get(reserved::INSERTED_AT),
        Ok(Some(insert.inserted_at))
    );
    assert!(rest
        .iter()
        .all(|e| !e.payload.contains(reserved::INSERTED_AT)));
    assert!(events
        .windows(2)
        .all(|w| w[0].inserted_at < w[1].inserted_at));
    assert!(
        events.windows(2).all(|w| w[0].id < w[1].id),
        "UUIDv7 ids are time-ordered"
    );

    let note: Note = store.insert(attrs! { "text": "kept" }).await.unwrap();
    assert_eq!(
        note.body,
        attrs! { "text": "kept" },
        "no reserved key in the payload"
    );
}

/// A payload may not carry a reserved key: the store writes those.
pub async fn reserved_keys_in_a_payload_are_refused<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    for key in reserved::ALL {
        let error = store
            .insert::<Note>(attrs! { key: "2020-01-02T03:04:05Z" })
            .await
            .unwrap_err();
        let invalid = error.as_invalid().expect("a validation error");
        assert_eq!(invalid.messages(key), ["is reserved: the store writes it"]);
    }
    assert_eq!(db.count_rows("test_events").await, 0);
}

/// After a delete, `get` gives `None` and the record cannot be changed; the
/// delete returns the state it deleted and stores an empty payload.
pub async fn deleted_record_is_gone_and_cannot_be_changed<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let counter: Counter = store.insert(Attrs::new()).await.unwrap();
    let counter = store
        .execute(&counter, CounterAction::Increment(Attrs::new()))
        .await
        .unwrap();
    let other: Counter = store.insert(Attrs::new()).await.unwrap();
    let deleted = store.delete(&counter).await.unwrap();
    assert_eq!(deleted, counter);

    assert_eq!(store.get(counter.id).await.unwrap(), None);
    assert_eq!(store.get(other.id).await.unwrap(), Some(other));
    let events = store.all_events(counter.id).await.unwrap();
    assert_eq!(events.len(), 3);
    assert!(events[2].is_delete());
    assert_eq!(events[2].action_name::<Counter>(), Some("delete"));
    assert!(
        events[2].payload.as_map().is_empty(),
        "a delete has an empty payload"
    );
    let error = store
        .execute(counter.id, CounterAction::Increment(Attrs::new()))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Deleted { id, .. } if id == counter.id.uuid()),
        "{error}"
    );
    assert!(matches!(
        store.delete(counter.id).await,
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
        attrs! { "nested": { "list": [1, "two", null, { "deep": [true, false, 2.0] }] } },
        attrs! { "null": null, "unicode_key_é": "value" },
    ];
    let mut note: Note = store.insert(payloads[0].clone()).await.unwrap();
    assert_eq!(store.get(note.id).await.unwrap(), Some(note.clone()));
    for payload in &payloads[1..] {
        note = store.update(note.id, payload.clone()).await.unwrap();
        assert_eq!(store.get(note.id).await.unwrap(), Some(note.clone()));
        assert!(payload.as_map().keys().all(|key| note.body.contains(key)));
        if payload.contains("third") {
            assert_eq!(note.body.get::<f64>("third").unwrap(), Some(1.0 / 3.0));
            assert_eq!(note.body.get::<u64>("max").unwrap(), Some(u64::MAX));
        }
        if payload.contains("integral_float") {
            assert_eq!(
                note.body.raw("integral_float"),
                Some(&serde_json::json!(5)),
                "the live write sees the number as jsonb stores it"
            );
        }
    }
}

/// A record id of one type is not a record of another type in the same log.
pub async fn record_of_another_schema_is_not_found<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let counter: Counter = store.insert(Attrs::new()).await.unwrap();
    let pretender: Id<Note> = Id::new(counter.id.uuid());
    assert_eq!(store.get(pretender).await.unwrap(), None);
    assert!(store.all_events(pretender).await.unwrap().is_empty());
    let error = store.update(pretender, Attrs::new()).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::NotFound {
                record_type: "Note",
                ..
            }
        ),
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
    let error = store
        .update(note.id, attrs! { "reject": true, "mention": note.id })
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Invalid(_)), "{error}");
    assert_eq!(db.count_rows("test_events").await, 1);
    assert_eq!(db.count_rows("test_mentions").await, 0);
    assert_eq!(store.get(note.id).await.unwrap(), Some(note));
}

/// A stored event whose action code the type does not know fails replay
/// with an error that names the event.
pub async fn stored_event_with_unknown_action_fails_replay_naming_it<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let counter: Counter = store.insert(Attrs::new()).await.unwrap();
    let bad = Uuid::now_v7();
    db.insert_event_row(
        "test_events",
        bad,
        counter.id.uuid(),
        0,
        999,
        "{}",
        RowTime::Now,
    )
    .await
    .unwrap();
    let error = store.get(counter.id).await.unwrap_err();
    assert!(
        matches!(error, Error::UnknownActionCode { record_type: "Counter", event_id, code: 999 } if event_id == bad),
        "{error}"
    );
    let error = store
        .execute(counter.id, CounterAction::Increment(Attrs::new()))
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
            .execute(counter.id, CounterAction::Increment(Attrs::new()))
            .await
            .unwrap();
    }
    let events = store.all_events(counter.id).await.unwrap();
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
        matches!(error, Error::EventNotFound { record_type: "Counter", event_id } if event_id == stranger.id),
        "{error}"
    );
}

/// `savepoint` events hold snapshots the store writes itself: the action
/// enum has no such variant, and the by-name path refuses it.
pub async fn savepoint_action_cannot_be_executed<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let counter: Counter = store.insert(Attrs::new()).await.unwrap();
    let named = store
        .execute_by_name(counter.id, "savepoint", Attrs::new())
        .await
        .unwrap_err();
    let inserted = store
        .insert_by_name::<Counter>("savepoint", Attrs::new())
        .await
        .unwrap_err();
    for error in [named, inserted] {
        assert!(
            matches!(
                error,
                Error::ReservedAction {
                    record_type: "Counter",
                    action: "savepoint"
                }
            ),
            "{error}"
        );
    }
    assert_eq!(db.count_rows("test_events").await, 1);
}

/// A transition that panics fails its own call (the panic reaches the
/// caller's task), writes nothing, and leaves the store usable.
pub async fn panic_in_changeset_writes_nothing_and_store_stays_usable<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let note: Note = store.insert(attrs! { "text": "first" }).await.unwrap();
    let panicking = Store::clone(store);
    let id = note.id;
    let outcome =
        tokio::spawn(async move { panicking.update(id, attrs! { "panic": true }).await }).await;
    assert!(outcome.as_ref().is_err_and(|e| e.is_panic()), "{outcome:?}");
    assert_eq!(db.count_rows("test_events").await, 1);
    let note = store
        .update(note.id, attrs! { "text": "second" })
        .await
        .unwrap();
    assert_eq!(
        note.body.get::<String>("text").unwrap().as_deref(),
        Some("second")
    );
    assert_eq!(store.get(note.id).await.unwrap(), Some(note));
    assert_eq!(db.count_rows("test_events").await, 2);
}

/// A stored payload that is not a JSON object fails replay, naming the
/// event and its record type.
pub async fn stored_payload_that_is_not_an_object_fails_naming_the_event<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let id = Uuid::now_v7();
    db.insert_event_row(
        "test_events",
        id,
        id,
        0,
        action::INSERT,
        "[1, 2]",
        RowTime::Now,
    )
    .await
    .unwrap();
    let error = store.get(Id::<Counter>::new(id)).await.unwrap_err();
    assert!(
        matches!(error, Error::Decode { record_type: "Counter", event_id, .. } if event_id == id),
        "{error}"
    );
}

/// Using a log before migrating it is `NotMigrated`, naming its table and
/// the call to make, on reads and writes alike.
pub async fn using_a_log_before_migrating_is_not_migrated<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    let read = store
        .get(Id::<Counter>::new(Uuid::now_v7()))
        .await
        .unwrap_err();
    let write = store.insert::<Counter>(Attrs::new()).await.unwrap_err();
    let page = store.read_log::<TestEvents>(None, 10).await.unwrap_err();
    for error in [read, write, page] {
        assert!(
            matches!(&error, Error::NotMigrated { log: Some("TestEvents"), table }
                if table == "test_events"),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "table `test_events` of event log `TestEvents` does not exist: call \
             `store.migrate::<TestEvents>()` (once, at start-up) first"
        );
    }
}

/// A materialized table dropped after `migrate` is named as what it is, a
/// table of its log, with the `migrate` that recreates it, also when a
/// batch over two logs finds it missing; so is a dropped link table.
pub async fn a_missing_table_is_named_with_its_log<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<ClubEvents>().await.unwrap();
    db.execute_sql("DROP TABLE members").await.unwrap();
    let error = store
        .insert::<Member>(MemberFields::default())
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "table `members` of event log `ClubEvents` does not exist: call \
         `store.migrate::<ClubEvents>()` (once, at start-up) first"
    );
    // A batch over two logs names the log the table belongs to.
    store.migrate::<TestEvents>().await.unwrap();
    let mut batch = store.batch();
    batch.insert::<Note>(Attrs::new()).unwrap();
    batch.insert::<Member>(MemberFields::default()).unwrap();
    let error = batch.commit().await.unwrap_err();
    assert!(
        matches!(error.root(), Error::NotMigrated { log: Some("ClubEvents"), table } if table == "members"),
        "{error:?}"
    );
    store.migrate::<ClubEvents>().await.unwrap();
    store
        .insert::<Member>(MemberFields::default())
        .await
        .expect("migrate recreates the table");

    // A link table is a table of its log too.
    let note: Note = store.insert(Attrs::new()).await.unwrap();
    db.execute_sql("DROP TABLE test_mentions").await.unwrap();
    let error = store
        .update(note.id, attrs! {"mention": note.id.uuid().to_string()})
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::NotMigrated { log: Some("TestEvents"), table } if table == "test_mentions"),
        "{error:?}"
    );
}
