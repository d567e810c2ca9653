//! Robustness: every accepted write reads back, every fault is one typed
//! error naming what is wrong, the same on both backends, and retries are
//! safe.

use std::future::Future;
use std::task::Poll;

use serde_json::{json, Value};
use spector::{attrs, Attrs, Error, Id, MAX_PAYLOAD_DEPTH};
use uuid::Uuid;

use crate::db::{RowTime, TestDb};
use crate::records::{Counter, CounterAction, Note, Profile, ProfileAction, Rename, TestEvents};

/// `{"deep": [[…[1]…]]}`: the payload object and `depth - 1` nested arrays,
/// built without recursion.
pub(crate) fn nested(depth: usize) -> Attrs {
    let mut value = json!(1);
    for _ in 0..depth - 1 {
        // Moved, not copied (`json!` would serialize it again).
        value = Value::Array(vec![value]);
    }
    let mut attrs = Attrs::new();
    attrs.insert("deep", value);
    attrs
}

/// Asserts that `error` refuses a [`nested`] payload for its depth, naming
/// the path into `deep`.
pub(crate) fn assert_too_deep(error: &spector::Error) {
    let invalid = error.as_invalid().expect("a validation error");
    let (field, messages) = invalid.errors().iter().next().unwrap();
    assert!(field.starts_with("deep[0]"), "{field}");
    assert_eq!(
        messages,
        &["nests deeper than 64 levels, the most a payload may"]
    );
}

/// A payload nested as deep as the limit is stored and replays; one level
/// deeper is refused up front, naming the limit, and nothing is written.
pub async fn deep_payload_is_refused_before_anything_is_written<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let note: Note = store.insert(nested(MAX_PAYLOAD_DEPTH)).await.unwrap();
    assert_eq!(store.get(note.id).await.unwrap(), Some(note.clone()));

    let error = store
        .update(note.id, nested(MAX_PAYLOAD_DEPTH + 1))
        .await
        .unwrap_err();
    assert_too_deep(&error);
    assert_eq!(db.count_rows("test_events").await, 1);
    assert_eq!(store.get(note.id).await.unwrap(), Some(note));
}

/// A NUL character is refused in a value and in a key, on both backends
/// (PostgreSQL's `jsonb` cannot hold it), and a float that is not finite in
/// a typed payload (JSON cannot hold it); nothing is written.
pub async fn values_no_backend_can_hold_are_refused_on_both<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let value = store
        .insert::<Note>(attrs! { "text": "nul \u{0} inside" })
        .await
        .unwrap_err();
    assert_eq!(
        value.as_invalid().unwrap().messages("text"),
        ["contains a NUL character (\\u0000), which PostgreSQL cannot store"]
    );
    let key = store
        .insert::<Note>(attrs! { "nested": { "k\u{0}": 1 } })
        .await
        .unwrap_err();
    assert_eq!(
        key.as_invalid().unwrap().messages("nested"),
        ["has a key with a NUL character (\\u0000), which PostgreSQL cannot store"]
    );

    let profile: Profile = store
        .insert(crate::suite::typed::profile_change(1))
        .await
        .unwrap();
    for score in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut change = crate::suite::typed::profile_change(2);
        change.score = score;
        let error = store.update(profile.id, change).await.unwrap_err();
        assert_eq!(
            error.as_invalid().unwrap().messages("score").len(),
            1,
            "{error}"
        );
    }
    assert_eq!(db.count_rows("test_events").await, 1);
}

/// A stored time that no `chrono` time can hold (PostgreSQL `infinity`, an
/// SQLite integer past the year 262,143) is `CorruptEvent` naming the
/// event, for reads and writes alike: nothing panics.
pub async fn stored_time_out_of_range_is_a_corrupt_event_naming_it<D: TestDb>() {
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
        spector::action::UPDATE,
        "{}",
        RowTime::OutOfRange,
    )
    .await
    .unwrap();
    let errors = [
        store.get(counter.id).await.unwrap_err(),
        store.all_events(counter.id).await.unwrap_err(),
        store
            .execute(counter.id, CounterAction::Increment(Attrs::new()))
            .await
            .unwrap_err(),
    ];
    for error in errors {
        assert!(
            matches!(&error, Error::CorruptEvent { table, event_id, .. }
                if table == "test_events" && *event_id == bad),
            "{error}"
        );
    }
}

/// A record whose latest event is at the last time Spector reads can be
/// read, but no event can follow it: a write is `CorruptEvent` naming that
/// event, instead of a panic or an event no read could return.
pub async fn no_event_follows_the_last_storable_time<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let last = Uuid::now_v7();
    db.insert_event_row("test_events", last, last, 0, 1, "{}", RowTime::Last)
        .await
        .unwrap();
    let counter = Id::<Counter>::new(last);
    let events = store.all_events(counter).await.unwrap();
    assert_eq!(
        events[0].inserted_at.timestamp_micros(),
        spector::backend::END_OF_TIME_MICROS - 1
    );
    let error = store
        .execute(counter, CounterAction::Increment(Attrs::new()))
        .await
        .unwrap_err();
    // Far past the clock's lead: refused before the end of time is reached.
    assert!(
        matches!(&error, Error::EventInFuture { event_id, .. } if *event_id == last),
        "{error}"
    );
    assert_eq!(store.get(counter).await.unwrap().map(|c| c.count), Some(0));
}

/// A stored payload serde_json cannot read (written by another program:
/// nested 200 levels deep, or a number beyond `f64`) is `Decode` naming the
/// event on both backends, not a storage error.
pub async fn stored_payload_serde_cannot_read_is_decode_naming_it<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let deep = format!("{{\"deep\": {}1{}}}", "[".repeat(200), "]".repeat(200));
    for payload in [deep.as_str(), r#"{"huge": 1e400}"#] {
        let id = Uuid::now_v7();
        db.insert_event_row("test_events", id, id, 1, 1, payload, RowTime::Now)
            .await
            .unwrap();
        let error = store.get(Id::<Note>::new(id)).await.unwrap_err();
        assert!(
            matches!(&error, Error::Decode { record_type: "Note", event_id, .. } if *event_id == id),
            "{error}"
        );
    }
}

/// An event whose schema index the log does not declare, or of another
/// record type, inside a record's history is `CorruptEvent` naming it, not
/// skipped.
pub async fn foreign_event_in_a_history_is_a_corrupt_event_naming_it<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    for schema_index in [99, 1] {
        let counter: Counter = store.insert(Attrs::new()).await.unwrap();
        let bad = Uuid::now_v7();
        db.insert_event_row(
            "test_events",
            bad,
            counter.id.uuid(),
            schema_index,
            spector::action::UPDATE,
            "{}",
            RowTime::Now,
        )
        .await
        .unwrap();
        let error = store.get(counter.id).await.unwrap_err();
        assert!(
            matches!(&error, Error::CorruptEvent { event_id, .. } if *event_id == bad),
            "schema index {schema_index}: {error}"
        );
    }
    let note: Note = store.insert(attrs! { "text": "mine" }).await.unwrap();
    assert_eq!(
        store.get(Id::<Counter>::new(note.id.uuid())).await.unwrap(),
        None
    );
}

/// The database refuses `UPDATE` and `DELETE` of event rows; `migrate_down`
/// still drops the log.
pub async fn events_cannot_be_updated_or_deleted<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let note: Note = store.insert(attrs! { "text": "kept" }).await.unwrap();
    for sql in [
        "UPDATE test_events SET payload = '{\"text\": \"forged\"}'",
        "DELETE FROM test_events",
    ] {
        let refusal = db.execute_sql(sql).await.unwrap_err();
        assert!(refusal.contains("events are immutable"), "{sql}: {refusal}");
    }
    assert_eq!(store.get(note.id).await.unwrap(), Some(note));
    store.migrate_down::<TestEvents>().await.unwrap();
    assert!(!db.table_exists("test_events").await);
}

/// A write retried with the same event id is stored once, and the retry
/// returns what the first write returned, even after later writes.
pub async fn an_idempotent_retry_writes_once_and_returns_the_first_result<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let (created, renamed, deleted) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let change = crate::suite::typed::profile_change(1);
    let first: Profile = store
        .idempotent(created)
        .insert(change.clone())
        .await
        .unwrap();
    assert_eq!(first.id.uuid(), created, "the event id is the record id");
    let again: Profile = store.idempotent(created).insert(change).await.unwrap();
    assert_eq!(again, first);

    let rename = || ProfileAction::Rename(Rename { name: "Ada".into() });
    let after_rename = store
        .idempotent(renamed)
        .execute(first.id, rename())
        .await
        .unwrap();
    store
        .execute(
            first.id,
            ProfileAction::Rename(Rename {
                name: "Later".into(),
            }),
        )
        .await
        .unwrap();
    let retried = store
        .idempotent(renamed)
        .execute(first.id, rename())
        .await
        .unwrap();
    assert_eq!(retried, after_rename, "the state the first write returned");
    let by_name = store
        .idempotent(renamed)
        .execute_by_name(first.id, "rename", attrs! { "name": "Ada" })
        .await
        .unwrap();
    assert_eq!(by_name, after_rename, "the by-name path is the same write");

    let gone = store.idempotent(deleted).delete(first.id).await.unwrap();
    assert_eq!(
        store.idempotent(deleted).delete(first.id).await.unwrap(),
        gone
    );
    assert_eq!(db.count_rows("test_events").await, 4);
}

/// An event id already used by another write is `EventIdConflict`, and
/// nothing is written: another payload, another action, another record.
pub async fn an_event_id_reused_for_another_write_is_a_conflict<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let taken = Uuid::now_v7();
    let note: Note = store
        .idempotent(taken)
        .insert(attrs! { "text": "first" })
        .await
        .unwrap();
    let other: Note = store.insert(attrs! { "text": "other" }).await.unwrap();
    let conflicts = [
        store
            .idempotent(taken)
            .insert::<Note>(attrs! { "text": "second" })
            .await
            .unwrap_err(),
        store
            .idempotent(taken)
            .update(note.id, attrs! { "text": "first" })
            .await
            .unwrap_err(),
        store
            .idempotent(taken)
            .update(other.id, attrs! { "text": "first" })
            .await
            .unwrap_err(),
        store
            .idempotent(taken)
            .insert::<Counter>(Attrs::new())
            .await
            .unwrap_err(),
    ];
    for error in conflicts {
        assert!(
            matches!(&error, Error::EventIdConflict { event_id, .. } if *event_id == taken),
            "{error}"
        );
    }
    assert_eq!(db.count_rows("test_events").await, 2);
}

/// Polls `future` at most `polls` times, yielding to the runtime between
/// polls, then drops it: its result if it finished, `None` if it was cut
/// off in the middle (it may or may not have committed).
async fn cut_after<F: Future>(future: F, polls: u32) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    for _ in 0..polls {
        let poll = std::future::poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx))).await;
        if let Poll::Ready(output) = poll {
            return Some(output);
        }
        tokio::task::yield_now().await;
    }
    None
}

/// Write futures dropped at random points, then retried with the same event
/// id until they succeed: each logical write is stored exactly once.
pub async fn cancelled_writes_retried_with_their_event_id_are_stored_once<D: TestDb>() {
    const WRITES: u32 = 40;
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let counter: Counter = store.insert(Attrs::new()).await.unwrap();
    let mut seed = 0x9e37_79b9_u32;
    let mut cancelled = 0;
    for _ in 0..WRITES {
        let event_id = Uuid::now_v7();
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let idempotent = store.idempotent(event_id);
        let write = idempotent.execute(counter.id, CounterAction::Increment(Attrs::new()));
        if cut_after(write, 1 + seed % 6).await.is_none() {
            cancelled += 1;
        }
        let mut retries = 0;
        loop {
            let retry = store
                .idempotent(event_id)
                .execute(counter.id, CounterAction::Increment(Attrs::new()))
                .await;
            match retry {
                Ok(_) => break,
                Err(error) if error.is_retry_safe() && retries < 50 => retries += 1,
                Err(error) => panic!("retry failed: {error}"),
            }
        }
    }
    assert!(
        cancelled > 0,
        "no write was cut off: the test proved nothing"
    );
    let counted = store.get(counter.id).await.unwrap().unwrap().count;
    assert_eq!(
        counted, WRITES,
        "{cancelled} of {WRITES} writes were cut off"
    );
    assert_eq!(db.count_rows("test_events").await, i64::from(WRITES) + 1);

    // The same write sent four times at once (a client retrying while its
    // first attempt still runs) is stored once, and all four get its result.
    let event_id = Uuid::now_v7();
    let attempts: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            let id = counter.id;
            tokio::spawn(async move {
                store
                    .idempotent(event_id)
                    .execute(id, CounterAction::Increment(Attrs::new()))
                    .await
            })
        })
        .collect();
    for attempt in attempts {
        let state = attempt.await.expect("task finished").unwrap();
        assert_eq!(state.count, WRITES + 1);
    }
    assert_eq!(db.count_rows("test_events").await, i64::from(WRITES) + 2);
}
