//! The replay engine and the write plan, on a record type implemented by
//! hand (what `#[derive(Evented)]` would generate).

use chrono::Utc;
use spector_core::{
    action, attrs, replay, Attrs, Changeset, Error, Event, EventLog, Evented, Invalid, LinkDecl,
    LogCell, LogMember, LogSpec, RecordAction, Replay, SchemaSpec,
};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TodoAction {
    Insert,
    Update,
    Savepoint,
    Complete,
}

impl RecordAction for TodoAction {
    const INSERT: Self = Self::Insert;
    const UPDATE: Self = Self::Update;
    const SAVEPOINT: Self = Self::Savepoint;

    fn all() -> &'static [Self] {
        &[Self::Insert, Self::Update, Self::Savepoint, Self::Complete]
    }

    fn name(self) -> &'static str {
        match self {
            Self::Insert => "insert",
            Self::Update => "update",
            Self::Savepoint => "savepoint",
            Self::Complete => "complete",
        }
    }

    fn code(self) -> i32 {
        match self {
            Self::Insert => action::INSERT,
            Self::Update => action::UPDATE,
            Self::Savepoint => action::SAVEPOINT,
            Self::Complete => action::custom_action_code("complete"),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Todo {
    id: Uuid,
    title: String,
    done: bool,
    event_ids: Vec<Uuid>,
}

struct TodoEvents;

impl EventLog for TodoEvents {
    fn spec() -> spector_core::Result<&'static LogSpec> {
        static SPEC: LogCell = LogCell::new();
        SPEC.get_or_init("todo_events", || vec![SchemaSpec::of::<Todo>(0)])
    }
}

impl LogMember<TodoEvents> for Todo {
    const SCHEMA_INDEX: i32 = 0;
}

impl Evented for Todo {
    type Action = TodoAction;
    type Log = TodoEvents;
    const NAME: &'static str = "Todo";
    const SCHEMA_INDEX: i32 = <Self as LogMember<TodoEvents>>::SCHEMA_INDEX;
    const VERSION: u32 = 1;
    const LINKS: &'static [LinkDecl] = &[];

    fn id(&self) -> Uuid {
        self.id
    }

    fn fresh(id: Uuid) -> Self {
        Self {
            id,
            ..Self::default()
        }
    }
}

impl Changeset for Todo {
    fn changeset(mut self, action: TodoAction, attrs: &Attrs) -> Result<Self, Invalid> {
        match action {
            TodoAction::Complete => self.done = true,
            _ => {
                // Version 0 called the title `name`.
                let key = if attrs.version_is(0) { "name" } else { "title" };
                self.title = attrs.fetch(key)?;
            }
        }
        self.event_ids.push(attrs.event_id()?);
        Ok(self)
    }
}

fn event(parent_id: Uuid, action: i32, payload: Attrs) -> Event {
    let id = Uuid::now_v7();
    Event {
        id,
        parent_id: if parent_id.is_nil() { id } else { parent_id },
        schema: 0,
        action,
        payload,
        inserted_at: Utc::now(),
        links: Vec::new(),
    }
}

#[test]
fn replay_rolls_events_forward_from_a_fresh_record() {
    let first = event(
        Uuid::nil(),
        action::INSERT,
        attrs! { "title": "Write tests", "__version__": 1 },
    );
    let id = first.id;
    let events = [
        first,
        event(
            id,
            action::UPDATE,
            attrs! { "title": "Write more tests", "__version__": 1 },
        ),
        event(id, TodoAction::Complete.code(), attrs! {}),
    ];
    let todo = replay::<Todo>(&events).unwrap().unwrap();
    assert_eq!(todo.id, id);
    assert_eq!(todo.title, "Write more tests");
    assert!(todo.done);
    assert_eq!(
        todo.event_ids,
        events.iter().map(|e| e.id).collect::<Vec<_>>()
    );
}

#[test]
fn replay_upgrades_old_versions_through_the_changeset() {
    let old = event(Uuid::nil(), action::INSERT, attrs! { "name": "Old title" });
    let todo = replay::<Todo>([&old]).unwrap().unwrap();
    assert_eq!(todo.title, "Old title");
}

#[test]
fn replay_takes_the_event_id_from_the_row_not_the_payload() {
    let first = event(
        Uuid::nil(),
        action::INSERT,
        attrs! { "title": "t", "__version__": 1, "__event_id__": "forged" },
    );
    let todo = replay::<Todo>([&first]).unwrap().unwrap();
    assert_eq!(todo.event_ids, [first.id]);
}

#[test]
fn replay_of_a_delete_is_no_record() {
    let first = event(
        Uuid::nil(),
        action::INSERT,
        attrs! { "title": "t", "__version__": 1 },
    );
    let delete = event(first.id, action::DELETE, Attrs::new());
    assert_eq!(replay::<Todo>([&first, &delete]).unwrap(), None);
    assert_eq!(replay::<Todo>([]).unwrap(), None);
}

#[test]
fn replay_restarts_at_a_savepoint() {
    let first = event(
        Uuid::nil(),
        action::INSERT,
        attrs! { "title": "before", "__version__": 1 },
    );
    let done = event(first.id, TodoAction::Complete.code(), Attrs::new());
    let savepoint = event(
        first.id,
        action::SAVEPOINT,
        attrs! { "title": "snapshot", "__version__": 1 },
    );
    let mut replay = Replay::<Todo>::new();
    for e in [&first, &done, &savepoint] {
        replay.apply(e).unwrap();
    }
    let todo = replay.into_state().unwrap();
    assert_eq!(todo.title, "snapshot");
    assert!(!todo.done, "a savepoint starts from a fresh record");
    assert_eq!(todo.event_ids, [savepoint.id]);
}

#[test]
fn replay_names_the_event_with_an_unknown_action() {
    let first = event(Uuid::nil(), 12345, attrs! {});
    let error = replay::<Todo>([&first]).unwrap_err();
    assert!(
        matches!(error, Error::UnknownActionCode { event_id, code: 12345, .. } if event_id == first.id)
    );
}

#[test]
fn replay_names_the_event_whose_payload_does_not_decode() {
    let first = event(
        Uuid::nil(),
        action::INSERT,
        attrs! { "title": 42, "__version__": 1 },
    );
    let error = replay::<Todo>([&first]).unwrap_err();
    assert!(
        matches!(error, Error::Decode { event_id, .. } if event_id == first.id),
        "{error}"
    );
}

#[test]
fn actions_resolve_by_name_and_code() {
    assert_eq!(
        TodoAction::from_name("complete"),
        Some(TodoAction::Complete)
    );
    assert_eq!(TodoAction::from_name("archive"), None);
    assert_eq!(
        TodoAction::from_code(action::UPDATE),
        Some(TodoAction::Update)
    );
    assert_eq!(TodoAction::from_code(action::DELETE), None);
}

#[test]
fn log_spec_is_built_once_and_validated() {
    let spec = TodoEvents::spec().unwrap();
    assert_eq!(spec.table, "todo_events");
    assert_eq!(spec.schema(0).map(|s| s.name), Some("Todo"));
    assert!(std::ptr::eq(spec, TodoEvents::spec().unwrap()));

    let backwards = vec![SchemaSpec::new("A", 5, &[]), SchemaSpec::new("B", 5, &[])];
    assert!(matches!(
        LogSpec::new("t_events", backwards),
        Err(Error::InvalidLog { .. })
    ));

    const BAD: &[LinkDecl] = &[LinkDecl::new("edits", "x; DROP TABLE y")];
    let bad = vec![SchemaSpec::new("A", 0, BAD)];
    assert!(matches!(
        LogSpec::new("t_events", bad),
        Err(Error::InvalidLog { .. })
    ));

    const A: &[LinkDecl] = &[LinkDecl::new("edits", "previous_id")];
    const B: &[LinkDecl] = &[LinkDecl::new("edits", "other_id")];
    let clash = vec![SchemaSpec::new("A", 0, A), SchemaSpec::new("B", 1, B)];
    assert!(matches!(
        LogSpec::new("t_events", clash),
        Err(Error::InvalidLog { .. })
    ));
    let shared = vec![SchemaSpec::new("A", 0, A), SchemaSpec::new("B", 1, A)];
    let log = LogSpec::new("t_events", shared).unwrap();
    assert_eq!(log.links.len(), 1);
    assert_eq!(log.links[0].table, "t_edits");
}
