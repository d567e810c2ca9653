//! Faults found by fault injection and hostile input, each answered by one
//! typed error on both backends: a stored time far ahead of the clock, a
//! value nested beyond any stack, a payload over the store's limit, a
//! misspelt key on the by-name path, a trigger refusing a materialized row.

use serde_json::{json, Value};
use spector::{
    attrs, Attrs, Bringup, Error, Id, Store, Uuid, DEFAULT_MAX_PAYLOAD_BYTES, MAX_CLOCK_LEAD,
};

use super::robustness::{assert_too_deep, nested};
use crate::db::{RawEvent, Tamper, TestDb};
use crate::documents::{Doc, DocEvents, DocLink, Relation, Revision};
use crate::members::{ClubEvents, Member, MemberFields, Stamp, StampEvents};
use crate::records::{Counter, CounterAction, Note, NoteAction, Profile, TestEvents};
use crate::tally::{ChainEvents, Entry};

/// Microseconds since 1970, `seconds` from now.
fn micros_from_now(seconds: i64) -> i64 {
    (chrono::Utc::now() + chrono::TimeDelta::seconds(seconds)).timestamp_micros()
}

/// A record whose latest event is stamped further ahead of the clock than
/// [`MAX_CLOCK_LEAD`] refuses writes with `EventInFuture` naming that
/// event, instead of stamping the new event after it; an event within the
/// lead is followed as before. In a hashed log one future event of the log
/// refuses every write to the log, whatever the record.
pub async fn a_time_far_ahead_of_the_clock_is_refused_naming_the_event<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let lead = MAX_CLOCK_LEAD.num_seconds();

    let near = Uuid::now_v7();
    let far = Uuid::now_v7();
    let rows = [(near, lead / 2), (far, lead * 2)].map(|(id, ahead)| RawEvent {
        id,
        parent_id: id,
        schema: 0,
        action: 1,
        payload: "{}".to_owned(),
        micros: micros_from_now(ahead),
    });
    db.insert_event_rows("test_events", rows.to_vec())
        .await
        .unwrap();

    let followed = store
        .execute(
            Id::<Counter>::new(near),
            CounterAction::Increment(Attrs::new()),
        )
        .await
        .expect("within the lead, the new event follows the stored one");
    assert_eq!(followed.count, 1);
    let events = store.all_events(Id::<Counter>::new(near)).await.unwrap();
    assert!(events[1].inserted_at > events[0].inserted_at);

    let error = store
        .execute(
            Id::<Counter>::new(far),
            CounterAction::Increment(Attrs::new()),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::EventInFuture { table, event_id, inserted_at, now }
            if table == "test_events" && *event_id == far && *inserted_at - *now > MAX_CLOCK_LEAD),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("more than one hour ahead"),
        "{error}"
    );
    assert_eq!(db.count_rows("test_events").await, 3, "nothing written");

    store.migrate::<ChainEvents>().await.unwrap();
    let first: Entry = store.insert(attrs! {"n": 1}).await.unwrap();
    let future = Uuid::now_v7();
    let forged = RawEvent {
        id: future,
        parent_id: future,
        schema: 0,
        action: 1,
        payload: r#"{"n": 2}"#.to_owned(),
        micros: micros_from_now(lead * 100),
    };
    db.tamper("chain_events", Tamper::Insert(forged, vec![0; 32]))
        .await
        .unwrap();
    let another = store.insert::<Entry>(attrs! {"n": 3}).await.unwrap_err();
    let same_record = store.delete(first.id).await.unwrap_err();
    for error in [another, same_record] {
        assert!(
            matches!(&error, Error::EventInFuture { event_id, .. } if *event_id == future),
            "{error:?}"
        );
    }
    assert_eq!(db.count_rows("chain_events").await, 2);

    // Bringup in a hashed log stamps each import after the log's newest
    // event: a future one refuses it, named as well.
    store.migrate::<StampEvents>().await.unwrap();
    let future = Uuid::now_v7();
    let forged = RawEvent {
        id: future,
        parent_id: future,
        schema: 0,
        action: 1,
        payload: r#"{"label": "from the future"}"#.to_owned(),
        micros: micros_from_now(lead * 100),
    };
    db.tamper("stamp_events", Tamper::Insert(forged, vec![0; 32]))
        .await
        .unwrap();
    let legacy = db.id_sql(Uuid::now_v7());
    db.execute_sql(&format!(
        "INSERT INTO stamps (id, label) VALUES ({legacy}, 'legacy')"
    ))
    .await
    .unwrap();
    let error = store.bringup(Bringup::<Stamp>::new()).await.unwrap_err();
    let cause = match &error {
        Error::Bringup { source, .. } => source.as_ref(),
        other => other,
    };
    assert!(
        matches!(cause, Error::EventInFuture { event_id, .. } if *event_id == future),
        "{error:?}"
    );
    assert_eq!(db.count_rows("stamps").await, 1, "the legacy row stays");
}

/// Takes `value` apart without recursion (dropping a value nested 100,000
/// levels deep would overflow the test's own stack).
fn dismantle(value: Value) {
    let mut values = vec![value];
    while let Some(value) = values.pop() {
        match value {
            Value::Array(items) => values.extend(items),
            Value::Object(map) => values.extend(map.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// A payload holding a value nested 100,000 levels deep is refused with the
/// depth error on the typed and the by-name path, without overflowing the
/// stack (before this check the process aborted); nothing is written.
pub async fn a_value_nested_beyond_any_stack_is_refused_not_a_crash<D: TestDb>() {
    const DEPTH: usize = 100_000;
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let note: Note = store.insert(Attrs::new()).await.unwrap();

    // Built twice: cloning (like dropping) recurses through every level.
    let deep = || nested(DEPTH);
    let action = NoteAction::Update(deep());
    let typed = store.execute(note.id, &action).await.unwrap_err();
    // Consumed and refused: the store takes it apart without recursion.
    let by_name = store
        .execute_by_name(note.id, "update", deep())
        .await
        .unwrap_err();
    for error in [typed, by_name] {
        assert_too_deep(&error);
    }
    assert_eq!(db.count_rows("test_events").await, 1);
    let (NoteAction::Insert(payload) | NoteAction::Update(payload)) = action;
    dismantle(Value::Object(payload.into_map()));
}

/// A payload larger than the store's limit is refused with
/// `PayloadTooLarge` naming the type, the action and the limit, on the
/// typed and the by-name path; one within it is stored. The default limit
/// is 1 MiB and a store may raise it.
pub async fn a_payload_over_the_store_limit_is_refused<D: TestDb>() {
    let db = D::create().await;
    let store = db.store().clone().with_max_payload_bytes(1_000);
    assert_eq!(db.store().max_payload_bytes(), DEFAULT_MAX_PAYLOAD_BYTES);
    store.migrate::<TestEvents>().await.unwrap();
    // `{"text":"…"}` is 11 bytes around the text.
    let fits: Note = store
        .insert(attrs! {"text": "x".repeat(1_000 - 11)})
        .await
        .unwrap();
    let typed = store
        .update(fits.id, attrs! {"text": "x".repeat(1_000 - 10)})
        .await
        .unwrap_err();
    let by_name = store
        .insert_by_name::<Note>("insert", attrs! {"text": "x".repeat(5_000)})
        .await
        .unwrap_err();
    for (error, action) in [(typed, "update"), (by_name, "insert")] {
        assert!(
            matches!(&error, Error::PayloadTooLarge { record_type: "Note", action: named, limit: 1_000 }
                if named == action),
            "{error:?}"
        );
    }
    // A batch refuses it when the write is added, before anything runs.
    let mut batch = store.batch();
    let error = batch
        .insert::<Note>(attrs! {"text": "x".repeat(5_000)})
        .unwrap_err();
    assert!(
        matches!(error, Error::PayloadTooLarge { limit: 1_000, .. }),
        "{error:?}"
    );
    assert!(batch.commit().await.unwrap().is_empty());
    assert_eq!(db.count_rows("test_events").await, 1);

    let big = "y".repeat(DEFAULT_MAX_PAYLOAD_BYTES);
    let error = db
        .store()
        .insert::<Note>(attrs! {"text": big.clone()})
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::PayloadTooLarge { limit, .. } if limit == DEFAULT_MAX_PAYLOAD_BYTES)
    );
    let raised = db
        .store()
        .clone()
        .with_max_payload_bytes(2 * DEFAULT_MAX_PAYLOAD_BYTES);
    let stored: Note = raised.insert(attrs! {"text": big}).await.unwrap();
    assert_eq!(
        raised.get(stored.id).await.unwrap().unwrap().body,
        stored.body
    );
}

/// On the by-name path a payload that does not decode names the keys its
/// type does not know (a misspelling) beside the field they left missing,
/// instead of only calling the field blank; a payload that decodes ignores
/// them, and stored events with extra keys still replay.
pub async fn a_misspelt_key_by_name_is_an_unknown_key<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let profile: Profile = store
        .insert_by_name("insert", profile_change())
        .await
        .unwrap();
    let error = store
        .execute_by_name(profile.id, "rename", attrs! {"nmae": "Ada"})
        .await
        .unwrap_err();
    let invalid = error.as_invalid().expect("a validation error");
    assert_eq!(
        invalid.messages("nmae"),
        ["unknown key `nmae`: the `rename` payload has no such field"]
    );
    assert_eq!(invalid.messages("name"), ["can't be blank"]);
    assert_eq!(db.count_rows("test_events").await, 1);
    // A payload that decodes keeps Ecto's rule: a key the type does not
    // know is ignored (the basic chat's guide posts a stray `edits`).
    let renamed: Profile = store
        .execute_by_name(profile.id, "rename", attrs! {"name": "Ada", "extra": 1})
        .await
        .unwrap();
    assert_eq!(renamed.names, ["Ada"]);

    // History is never checked: a stored event with a key the type does
    // not know replays, the key ignored.
    let event = Uuid::now_v7();
    let rename =
        <crate::records::ProfileAction as spector::RecordAction>::code_of("rename").unwrap();
    db.insert_event_rows(
        "test_events",
        vec![RawEvent {
            id: event,
            parent_id: profile.id.uuid(),
            schema: 2,
            action: rename,
            payload: r#"{"name": "Grace", "retired_field": true}"#.to_owned(),
            micros: micros_from_now(0),
        }],
    )
    .await
    .unwrap();
    let replayed = store.get(profile.id).await.unwrap().unwrap();
    assert_eq!(replayed.names, ["Ada", "Grace"]);
}

/// A by-name insert payload of [`Profile`].
fn profile_change() -> Attrs {
    Attrs::from_value(json!({
        "name": "Ada", "nickname": null, "role": {"kind": "guest"}, "address": null,
        "seen_at": "2024-01-01T00:00:00Z", "friend": null, "score": 1.0,
        "visits": 1, "tags": []
    }))
    .unwrap()
}

/// A user's trigger that raises on the materialized table refuses the row:
/// `RowRefused` with the trigger's message on both backends (PostgreSQL
/// reported SQLSTATE P0001 as a storage error), and the event rolls back;
/// in a batch, the error names the write whose row was refused.
pub async fn a_trigger_raising_on_a_row_is_row_refused_on_both<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<ClubEvents>().await.unwrap();
    let postgres = std::any::type_name::<D>().contains("Postgres");
    let statements: &[&str] = if postgres {
        &[
            "CREATE FUNCTION no_mallory() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN IF NEW.name = 'MALLORY' THEN RAISE EXCEPTION 'mallory is banned'; END IF; \
             RETURN NEW; END $$",
            "CREATE TRIGGER no_mallory BEFORE INSERT OR UPDATE ON members \
             FOR EACH ROW EXECUTE FUNCTION no_mallory()",
        ]
    } else {
        &[
            "CREATE TRIGGER no_mallory BEFORE INSERT ON members WHEN NEW.name = 'MALLORY' \
           BEGIN SELECT RAISE(ABORT, 'mallory is banned'); END",
        ]
    };
    for statement in statements {
        db.execute_sql(statement).await.unwrap();
    }
    let error = store
        .insert::<Member>(MemberFields {
            name: "Mallory".into(),
            ..MemberFields::default()
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::RowRefused { record_type: "Member", table, reason, .. }
            if table == "members" && reason.contains("mallory is banned")),
        "{error:?}"
    );
    assert_eq!(
        db.count_rows("club_events").await,
        0,
        "the event rolled back"
    );
    let _: Member = store
        .insert(MemberFields {
            name: "Ada".into(),
            ..MemberFields::default()
        })
        .await
        .unwrap();

    // In a batch, the refusal names the write whose row it was.
    let mut batch = store.batch();
    for name in ["Grace", "Mallory", "Alan"] {
        batch
            .insert::<Member>(MemberFields {
                name: name.into(),
                ..MemberFields::default()
            })
            .unwrap();
    }
    let error = batch.commit().await.unwrap_err();
    let Error::Batch {
        index: 1,
        record_type: "Member",
        record_id: Some(record),
        source,
    } = &error
    else {
        panic!("expected the second write named, got {error:?}");
    };
    assert!(
        matches!(&**source, Error::RowRefused { id, .. } if id == record),
        "{error:?}"
    );
    assert_eq!(
        db.count_rows("club_events").await,
        1,
        "the batch rolled back"
    );
}

/// A stored event the transition refuses says, in its message, where the
/// rule belongs.
pub async fn a_replay_error_says_to_move_the_rule_into_validate<D: TestDb>() {
    let db = D::create().await;
    let store: &Store<D::Storage> = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let note = Uuid::now_v7();
    db.insert_event_rows(
        "test_events",
        vec![RawEvent {
            id: note,
            parent_id: note,
            schema: 1,
            action: 1,
            payload: r#"{"panic": "yes"}"#.to_owned(),
            micros: micros_from_now(0),
        }],
    )
    .await
    .unwrap();
    let error = store.get(Id::<Note>::new(note)).await.unwrap_err();
    assert!(matches!(error, Error::Replay { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .ends_with("move the rule that refuses it from `changeset` into `validate`, which runs for new writes only"),
        "{error}"
    );
}

/// A typed link row whose kind the link's kind type does not declare (99,
/// -1, 0, written by hand) is `CorruptEvent` naming the event and the link
/// on every read that returns it or follows it — `all_events`,
/// `linking_to`, `linked_from`, `ancestry`, `read_log` — and on a write to
/// the record; before, it was returned as `Link { kind: Some(99) }` and
/// counted.
pub async fn a_link_kind_the_link_does_not_declare_is_a_corrupt_event<D: TestDb>() {
    for kind in [99, -1, 0] {
        let db = D::create().await;
        let store = db.store();
        store.migrate::<DocEvents>().await.unwrap();
        let revision = |text: &str| Revision {
            text: text.into(),
            relates: Vec::new(),
            untyped: false,
        };
        let doc: Doc = store.insert(revision("v1")).await.unwrap();
        let v1 = doc.id.uuid();
        store.update(doc.id, revision("v2")).await.unwrap();
        let v2 = store.all_events(doc.id).await.unwrap()[1].id;
        db.execute_sql(&format!(
            "INSERT INTO doc_relates (event_id, related_id, type) VALUES ({}, {}, {kind})",
            db.id_sql(v2),
            db.id_sql(v1)
        ))
        .await
        .unwrap();

        let corrupt = |error: Error| {
            assert!(
                matches!(&error, Error::CorruptEvent { table, event_id, reason }
                    if table == "doc_events" && *event_id == v2
                        && reason.contains(&format!("`relates` link to {v1} has kind {kind}"))
                        && reason.contains("doc_relates")),
                "kind {kind}: {error:?}"
            );
        };
        // `get` replays without links: the state does not depend on them.
        assert_eq!(store.get(doc.id).await.unwrap().unwrap().text, "v2");
        corrupt(store.all_events(doc.id).await.unwrap_err());
        corrupt(store.linking_to(DocLink::Relates, v1).await.unwrap_err());
        corrupt(store.linked_from(DocLink::Relates, v2).await.unwrap_err());
        corrupt(store.ancestry(DocLink::Relates, v2).await.unwrap_err());
        corrupt(store.read_log::<DocEvents>(None, 10).await.unwrap_err());
        corrupt(store.update(doc.id, revision("v3")).await.unwrap_err());
        // The typed queries name their kind: the row is none of them.
        for relation in [Relation::Supersedes, Relation::Cites] {
            assert!(store
                .linking_to_as(DocLink::Relates, relation, v1)
                .await
                .unwrap()
                .is_empty());
        }
        assert_eq!(db.count_rows("doc_events").await, 2, "nothing written");
    }
}

/// A link the database refuses inside a batch (its target does not exist)
/// names the write that made it: its position and record.
pub async fn a_batch_names_the_write_whose_link_the_database_refused<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let missing = Uuid::now_v7();
    let mut batch = store.batch();
    batch.insert::<Note>(attrs! {"text": "fine"}).unwrap();
    batch
        .insert::<Note>(attrs! {"mention": missing.to_string()})
        .unwrap();
    let error = batch.commit().await.unwrap_err();
    let Error::Batch {
        index: 1,
        record_type: "Note",
        record_id: Some(_),
        source,
    } = &error
    else {
        panic!("expected the second write named, got {error:?}");
    };
    assert!(
        matches!(&**source, Error::LinkTargetNotFound { target, .. } if *target == missing),
        "{error:?}"
    );
    assert_eq!(db.count_rows("test_events").await, 0);
}
