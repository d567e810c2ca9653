//! The replay engine and the typed views of stored events, on rows built by
//! hand as a backend would read them.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use spector::{event_log, Changeset, EventMeta, Evented, Id, Invalid};
use spector_core::action::{self, custom_action_code};
use spector_core::{attrs, reserved, Attrs, Error, Event, EventLog, Link, Replay};
use uuid::Uuid;

/// The payload of `update`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Title {
    title: String,
}

/// A todo item. `insert` carries `Attrs`: version 0 called the title `name`.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(
    log = TodoEvents,
    actions(update = Title, complete, reopen = 40),
    links(blocks, follows = "previous_id"),
    version = 1
)]
struct Todo {
    id: Id<Todo>,
    title: String,
    done: bool,
    /// The metadata of every event applied, in order.
    applied: Vec<EventMeta>,
    /// The payloads of `insert` events, as the transition saw them.
    inserted: Vec<Attrs>,
}

event_log!(TodoEvents {
    table: "todo_events",
    schemas: [Todo]
});

impl Changeset for Todo {
    /// Version 0's `update` stored the title as `name`.
    fn upcast(action: &str, version: u32, mut payload: Attrs) -> Result<Attrs, Invalid> {
        assert_eq!(version, 0, "only older events are upcast");
        if action == "update" {
            let name = payload
                .remove("name")
                .ok_or_else(|| Invalid::new("name", "can't be blank"))?;
            payload.insert("title", name);
        }
        Ok(payload)
    }

    fn changeset(mut self, action: TodoAction, meta: &EventMeta) -> Result<Self, Invalid> {
        match action {
            TodoAction::Insert(attrs) => {
                let key = if meta.version_is(0) { "name" } else { "title" };
                self.title = attrs.fetch(key)?;
                self.inserted.push(attrs);
            }
            TodoAction::Update(Title { title }) => self.title = title,
            // A transition that cannot apply an event: replaying it fails.
            TodoAction::Complete(_) if self.done => {
                return Err(Invalid::new("done", "is already done"))
            }
            TodoAction::Complete(_) => self.done = true,
            TodoAction::Reopen(_) => self.done = false,
        }
        self.applied.push(*meta);
        Ok(self)
    }
}

/// Hands out event rows of one record, each a microsecond after the last.
struct Rows {
    parent_id: Option<Uuid>,
    clock: DateTime<Utc>,
}

impl Rows {
    fn new() -> Self {
        Self {
            parent_id: None,
            clock: Utc::now(),
        }
    }

    /// The next row: the first one's id is the record's id.
    fn event(&mut self, action_code: i32, payload: Attrs) -> Event {
        let id = Uuid::now_v7();
        self.clock += TimeDelta::microseconds(1);
        Event {
            id,
            parent_id: *self.parent_id.get_or_insert(id),
            schema_index: 0,
            action_code,
            payload,
            inserted_at: self.clock,
            links: Vec::new(),
            hash: None,
        }
    }
}

fn complete() -> i32 {
    custom_action_code("complete")
}

/// The record type and event an error names, if it names one.
fn named_event(error: &Error) -> Option<(&'static str, Uuid)> {
    match error {
        Error::UnknownActionCode {
            record_type,
            event_id,
            ..
        }
        | Error::Decode {
            record_type,
            event_id,
            ..
        }
        | Error::Replay {
            record_type,
            event_id,
            ..
        } => Some((record_type, *event_id)),
        _ => None,
    }
}

#[test]
fn replay_rolls_events_forward_from_a_fresh_record() {
    let mut rows = Rows::new();
    let events = [
        rows.event(
            action::INSERT,
            attrs! { "title": "Write tests", "__version__": 1 },
        ),
        rows.event(
            action::UPDATE,
            attrs! { "title": "Write more tests", "__version__": 1 },
        ),
        rows.event(complete(), attrs! { "__version__": 1 }),
    ];
    let todo = Replay::<Todo>::run(&events).unwrap().unwrap();
    assert_eq!(todo.id, Id::new(events[0].id));
    assert_eq!(todo.title, "Write more tests");
    assert!(todo.done);
    assert_eq!(
        todo.applied.iter().map(|meta| meta.id).collect::<Vec<_>>(),
        events.iter().map(|e| e.id).collect::<Vec<_>>()
    );
}

#[test]
fn replay_feeds_events_one_at_a_time() {
    let mut rows = Rows::new();
    let insert = rows.event(action::INSERT, attrs! { "title": "t", "__version__": 1 });
    let done = rows.event(complete(), attrs! {});
    let mut replay = Replay::<Todo>::new();
    assert!(replay.is_empty());
    assert_eq!(replay.state(), None);
    replay.apply(&insert).unwrap();
    assert_eq!(replay.state().map(|todo| todo.done), Some(false));
    replay.apply(&done).unwrap();
    assert_eq!(replay.len(), 2);
    assert_eq!(replay.into_state().map(|todo| todo.done), Some(true));
}

#[test]
fn replay_upgrades_old_versions_through_the_changeset() {
    let old = Rows::new().event(action::INSERT, attrs! { "name": "Old title" });
    let todo = Replay::<Todo>::run([&old]).unwrap().unwrap();
    assert_eq!(todo.title, "Old title");
    assert_eq!(todo.applied[0].version, 0);
}

#[test]
fn an_older_version_event_is_upcast_before_it_is_decoded_and_a_current_one_is_not() {
    let mut rows = Rows::new();
    let events = [
        rows.event(action::INSERT, attrs! { "title": "t", "__version__": 1 }),
        rows.event(action::UPDATE, attrs! { "name": "renamed" }),
        rows.event(
            action::UPDATE,
            attrs! { "title": "current", "__version__": 1 },
        ),
    ];
    let todo = Replay::<Todo>::run(&events[..2]).unwrap().unwrap();
    assert_eq!(
        todo.title, "renamed",
        "version 0's `name` upcast to `title`"
    );
    assert!(matches!(
        events[1].action::<Todo>(),
        Ok(TodoAction::Update(Title { ref title })) if title == "renamed"
    ));
    let todo = Replay::<Todo>::run(&events).unwrap().unwrap();
    assert_eq!(
        todo.title, "current",
        "a current event is decoded as stored"
    );

    let stray = rows.event(action::UPDATE, attrs! { "title": "no name" });
    let error = Replay::<Todo>::run([&events[0], &stray]).unwrap_err();
    assert_eq!(named_event(&error), Some(("Todo", stray.id)));
    assert!(error.to_string().contains("name"), "{error}");
}

#[test]
fn the_transition_gets_its_metadata_from_the_row() {
    let first = Rows::new().event(
        action::INSERT,
        attrs! { "title": "t", "__version__": 1, "__event_id__": Uuid::now_v7() },
    );
    let todo = Replay::<Todo>::run([&first]).unwrap().unwrap();
    assert_eq!(
        todo.applied,
        [EventMeta {
            id: first.id,
            record_id: first.parent_id,
            version: 1,
            inserted_at: first.inserted_at,
        }]
    );
}

#[test]
fn reserved_keys_never_reach_a_payload() {
    let first = Rows::new().event(
        action::INSERT,
        attrs! {
            "title": "t",
            "__version__": 1,
            "__event_id__": Uuid::now_v7(),
            "inserted_at": "2024-01-01T00:00:00.000000Z",
            "updated_at": "2024-01-01T00:00:00.000000Z",
        },
    );
    let todo = Replay::<Todo>::run([&first]).unwrap().unwrap();
    assert_eq!(todo.inserted, [attrs! { "title": "t" }]);

    // The typed view strips them too; the row keeps them.
    match first.action::<Todo>().unwrap() {
        TodoAction::Insert(attrs) => assert_eq!(attrs, attrs! { "title": "t" }),
        other => panic!("expected an insert, got {other:?}"),
    }
    for key in reserved::ALL {
        assert!(first.payload.contains(key), "{key}");
    }
}

#[test]
fn a_delete_clears_the_state() {
    let mut rows = Rows::new();
    let insert = rows.event(action::INSERT, attrs! { "title": "t", "__version__": 1 });
    let delete = rows.event(action::DELETE, attrs! {});
    assert_eq!(Replay::<Todo>::run([&insert, &delete]).unwrap(), None);
    assert_eq!(Replay::<Todo>::run([]).unwrap(), None);

    let mut replay = Replay::<Todo>::new();
    replay.apply(&insert).unwrap();
    replay.apply(&delete).unwrap();
    assert_eq!(replay.state(), None);
    assert_eq!(replay.len(), 2);
}

#[test]
fn an_event_after_a_delete_starts_from_a_fresh_record() {
    let mut rows = Rows::new();
    let events = [
        rows.event(action::INSERT, attrs! { "title": "a", "__version__": 1 }),
        rows.event(complete(), attrs! { "__version__": 1 }),
        rows.event(action::DELETE, attrs! {}),
        rows.event(action::UPDATE, attrs! { "title": "b", "__version__": 1 }),
    ];
    let todo = Replay::<Todo>::run(&events).unwrap().unwrap();
    assert_eq!(
        todo,
        Todo {
            id: Id::new(events[0].id),
            title: "b".into(),
            done: false,
            applied: vec![events[3].meta()],
            inserted: Vec::new(),
        }
    );
}

#[test]
fn an_unknown_action_code_names_the_event() {
    let mut rows = Rows::new();
    let insert = rows.event(action::INSERT, attrs! { "title": "t", "__version__": 1 });
    let unknown = rows.event(12345, attrs! {});
    let error = Replay::<Todo>::run([&insert, &unknown]).unwrap_err();
    match error {
        Error::UnknownActionCode {
            record_type,
            event_id,
            code,
        } => assert_eq!((record_type, event_id, code), ("Todo", unknown.id, 12345)),
        other => panic!("expected UnknownActionCode, got {other:?}"),
    }
}

#[test]
fn a_payload_that_does_not_decode_names_the_event_and_the_record_type() {
    let mut rows = Rows::new();
    let insert = rows.event(action::INSERT, attrs! { "title": "t", "__version__": 1 });
    let update = rows.event(action::UPDATE, attrs! { "title": 42, "__version__": 1 });
    let error = Replay::<Todo>::run([&insert, &update]).unwrap_err();
    match &error {
        Error::Decode {
            record_type,
            event_id,
            source,
        } => {
            assert_eq!((*record_type, *event_id), ("Todo", update.id));
            assert!(source.to_string().starts_with("title: "), "{source}");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    assert!(
        error.to_string().contains(&update.id.to_string()),
        "{error}"
    );
}

#[test]
fn a_transition_that_refuses_a_stored_event_is_a_replay_error() {
    let mut rows = Rows::new();
    let events = [
        rows.event(action::INSERT, attrs! { "title": "t", "__version__": 1 }),
        rows.event(complete(), attrs! {}),
        rows.event(complete(), attrs! {}),
    ];
    let error = Replay::<Todo>::run(&events).unwrap_err();
    match error {
        Error::Replay {
            record_type,
            event_id,
            source,
        } => {
            assert_eq!((record_type, event_id), ("Todo", events[2].id));
            assert_eq!(source, Invalid::new("done", "is already done"));
        }
        other => panic!("expected Replay, got {other:?}"),
    }
}

#[test]
fn a_savepoint_event_is_an_error_naming_it() {
    let mut rows = Rows::new();
    let insert = rows.event(action::INSERT, attrs! { "title": "t", "__version__": 1 });
    let savepoint = rows.event(
        action::SAVEPOINT,
        attrs! { "title": "snapshot", "__version__": 1 },
    );
    let error = Replay::<Todo>::run([&insert, &savepoint]).unwrap_err();
    assert_eq!(
        named_event(&error),
        Some(("Todo", savepoint.id)),
        "{error:?}"
    );
    assert!(
        matches!(error, Error::UnknownActionCode { code: 4, .. }),
        "a savepoint is no action of the type until it has a restore hook: {error:?}"
    );
}

#[test]
fn meta_reads_the_stored_version_and_defaults_to_zero() {
    let mut rows = Rows::new();
    let v2 = rows.event(action::INSERT, attrs! { "title": "t", "__version__": 2 });
    let meta = v2.meta();
    assert_eq!(
        (meta.id, meta.record_id, meta.inserted_at),
        (v2.id, v2.parent_id, v2.inserted_at)
    );
    assert_eq!(meta.version, 2);
    assert!(meta.version_is(2));
    assert!(!meta.version_is(1));
    assert!(meta.version_in(1..=3));
    assert!(meta.version_in(2..));
    assert!(!meta.version_in(..2));
    assert!(!meta.version_in(3..5));

    let unversioned = rows.event(action::UPDATE, attrs! { "title": "t" });
    assert_eq!(unversioned.meta().version, 0);
    assert!(unversioned.meta().version_is(0));
    assert!(unversioned.meta().version_in(..1));
}

#[test]
fn a_version_that_is_not_a_number_fails_replay_naming_the_event() {
    for version in [json!("2"), json!(-1), json!(5_000_000_000_u64)] {
        let mut rows = Rows::new();
        let insert = rows.event(action::INSERT, attrs! { "title": "t", "__version__": 1 });
        let bad = rows.event(
            action::UPDATE,
            attrs! { "title": "u", "__version__": version },
        );
        assert_eq!(bad.meta().version, 0, "the lenient view reads it as 0");
        let error = Replay::<Todo>::run([&insert, &bad]).unwrap_err();
        assert!(
            matches!(&error, Error::Decode { record_type: "Todo", event_id, .. } if *event_id == bad.id),
            "{version}: {error:?}"
        );
    }
}

#[test]
fn the_typed_view_names_every_stored_action() {
    let mut rows = Rows::new();
    let insert = rows.event(action::INSERT, attrs! { "title": "t" });
    let reopen = rows.event(40, attrs! {});
    let delete = rows.event(action::DELETE, attrs! {});
    let savepoint = rows.event(action::SAVEPOINT, attrs! {});
    let unknown = rows.event(12345, attrs! {});
    let names: Vec<Option<&str>> = [&insert, &reopen, &delete, &savepoint, &unknown]
        .iter()
        .map(|event| event.action_name::<Todo>())
        .collect();
    assert_eq!(
        names,
        [
            Some("insert"),
            Some("reopen"),
            Some("delete"),
            Some("savepoint"),
            None
        ]
    );
    assert!(matches!(reopen.action::<Todo>(), Ok(TodoAction::Reopen(_))));
    // A delete carries no action to apply.
    assert!(matches!(
        delete.action::<Todo>(),
        Err(Error::UnknownActionCode { code: 3, event_id, .. }) if event_id == delete.id
    ));
    assert!(delete.is_delete() && !insert.is_delete());
    assert!(insert.is_first() && !reopen.is_first());
}

#[test]
fn linked_filters_links_by_name() {
    let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let mut event = Rows::new().event(action::INSERT, attrs! { "title": "t" });
    event.links = vec![
        Link::new("blocks", a),
        Link::new("follows", b),
        Link::new("blocks", c),
    ];
    assert_eq!(event.linked(TodoLink::Blocks).collect::<Vec<_>>(), [a, c]);
    assert_eq!(event.linked(TodoLink::Follows).collect::<Vec<_>>(), [b]);
    event.links.clear();
    assert_eq!(event.linked(TodoLink::Blocks).count(), 0);
}

#[test]
fn the_log_is_resolved_once_from_the_record_types() {
    let spec = TodoEvents::spec().unwrap();
    assert!(std::ptr::eq(spec, TodoEvents::spec().unwrap()));
    assert_eq!(spec.table().as_str(), "todo_events");
    assert_eq!(spec.record_type(0), "Todo");
    assert_eq!(spec.record_type(7), "(undeclared record type)");
    let schema = spec.schema(0).unwrap();
    assert_eq!((schema.name, schema.version), ("Todo", 1));
    let links: Vec<(&str, &str, &str)> = spec
        .links()
        .iter()
        .map(|link| (link.name(), link.table().as_str(), link.column().as_str()))
        .collect();
    assert_eq!(
        links,
        [
            ("blocks", "todo_blocks", "blocks_id"),
            ("follows", "todo_follows", "previous_id")
        ]
    );
}

#[test]
fn a_replay_is_empty_until_an_event_is_applied() {
    let mut rows = Rows::new();
    let insert = rows.event(action::INSERT, attrs! { "title": "t", "__version__": 1 });
    let delete = rows.event(action::DELETE, attrs! {});
    let mut replay = Replay::<Todo>::default();
    assert!(replay.is_empty());
    assert_eq!(replay.len(), 0);
    replay.apply(&insert).unwrap();
    assert!(!replay.is_empty());
    // A delete clears the state, not the count of events applied.
    replay.apply(&delete).unwrap();
    assert!(!replay.is_empty());
    assert_eq!((replay.len(), replay.state()), (2, None));
}
