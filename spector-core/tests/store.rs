//! What the store's write plans put into a row, on an in-memory backend:
//! payloads as stored (numbers canonicalized, reserved keys the store's),
//! and the links `prepare_event` attaches.
//!
//! The backend below keeps rows in a `Vec` and round-trips each payload
//! through JSON text, as the SQL backends do. It never waits, so its
//! futures complete on their first poll. Behaviour that depends on a real
//! database is tested by the conformance suite in the workspace's `tests`
//! crate.

use std::future::Future;
use std::pin::pin;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use spector::{event_log, Changeset, Event, EventMeta, Evented, Id, Invalid, NewEvent};
use spector_core::action::custom_action_code;
use spector_core::backend::{
    ChainTail, EventFilter, EventFold, EventQuery, HistoryStart, LogSpec, MultiPlan, PlanInput,
    Planned, Storage, WritePlan,
};
use spector_core::{attrs, reserved, Attrs, Error, Link, Result, Store};
use uuid::Uuid;

/// Event rows in memory.
#[derive(Debug, Default)]
struct Memory {
    rows: Mutex<Vec<Event>>,
}

impl Memory {
    /// The rows `filter` selects, in order.
    fn select(&self, filter: &EventFilter) -> Vec<Event> {
        let rows = self.rows.lock().unwrap();
        let reached = match *filter {
            EventFilter::Ancestry { link, start, .. } => reach(&rows, link, start),
            EventFilter::LinkedFrom { link, source, .. } => rows
                .iter()
                .filter(|row| row.id == source)
                .flat_map(|row| row.links.iter())
                .filter(|stored| stored.name == link)
                .map(|stored| stored.target)
                .collect(),
            _ => Vec::new(),
        };
        let selected = rows
            .iter()
            .filter(|row| match *filter {
                EventFilter::Record { parent_id, .. } => row.parent_id == parent_id,
                EventFilter::Log | EventFilter::LogPage { .. } => true,
                EventFilter::Event { id, schema_index } => {
                    row.id == id && row.schema_index == schema_index
                }
                EventFilter::LinkingTo {
                    link,
                    target,
                    schema_index,
                    ..
                } => {
                    row.schema_index == schema_index
                        && row
                            .links
                            .iter()
                            .any(|stored| stored.name == link && stored.target == target)
                }
                EventFilter::LinkedFrom { schema_index, .. }
                | EventFilter::Ancestry { schema_index, .. } => {
                    row.schema_index == schema_index && reached.contains(&row.id)
                }
            })
            .cloned()
            .collect();
        match *filter {
            EventFilter::Record { start, .. } => since(selected, start),
            EventFilter::LogPage { after, limit } => page(selected, after, limit),
            _ => selected,
        }
    }
}

impl Memory {
    /// The newest row, as a hashed log's tail.
    fn tail(&self) -> Option<ChainTail> {
        self.rows.lock().unwrap().last().map(|event| ChainTail {
            event_id: event.id,
            hash: event.hash.clone(),
            inserted_at: event.inserted_at,
        })
    }

    /// Appends `events`, their payloads through JSON text as a database
    /// stores them.
    fn append(&self, events: Vec<Event>) -> Result<()> {
        for mut event in events {
            let text = serde_json::to_string(&event.payload).map_err(Error::storage)?;
            event.payload = serde_json::from_str(&text).map_err(Error::storage)?;
            self.rows.lock().unwrap().push(event);
        }
        Ok(())
    }
}

/// `start` and every event it reaches through `link` in `rows`.
fn reach(rows: &[Event], link: &str, start: Uuid) -> Vec<Uuid> {
    let mut reached = vec![start];
    let mut next = 0;
    while let Some(&id) = reached.get(next) {
        next += 1;
        for row in rows.iter().filter(|row| row.id == id) {
            for stored in row.links.iter().filter(|stored| stored.name == link) {
                if !reached.contains(&stored.target) {
                    reached.push(stored.target);
                }
            }
        }
    }
    reached
}

/// Up to `limit` of the log's `events` after the event `after` (none when
/// it is not one of them).
fn page(events: Vec<Event>, after: Option<Uuid>, limit: u32) -> Vec<Event> {
    let first = match after {
        None => 0,
        Some(after) => match events.iter().position(|event| event.id == after) {
            Some(position) => position + 1,
            None => events.len(),
        },
    };
    events
        .into_iter()
        .skip(first)
        .take(limit as usize)
        .collect()
}

/// A record's `events` from `start` on: the latest savepoint (before the
/// event of `SavepointBefore` when the record has it), or all of them.
fn since(mut events: Vec<Event>, start: HistoryStart) -> Vec<Event> {
    let end = match start {
        HistoryStart::First => return events,
        HistoryStart::LatestSavepoint => events.len(),
        HistoryStart::SavepointBefore(id) => events
            .iter()
            .position(|event| event.id == id)
            .map_or(events.len(), |position| position + 1),
    };
    let first = events[..end]
        .iter()
        .rposition(|event| event.action_code == spector_core::action::SAVEPOINT)
        .unwrap_or(0);
    events.drain(..first);
    events
}

#[async_trait]
impl Storage for Memory {
    async fn migrate(&self, _log: &'static LogSpec) -> Result<()> {
        Ok(())
    }

    async fn migrate_down(&self, _log: &'static LogSpec) -> Result<()> {
        self.rows.lock().unwrap().clear();
        Ok(())
    }

    async fn write<P: WritePlan>(&self, _log: &'static LogSpec, plan: P) -> Result<P::Output> {
        let history = match plan.record() {
            Some(record) => self.select(&record.history().filter),
            None => Vec::new(),
        };
        let tail = self.tail();
        let input = PlanInput {
            history,
            tail,
            untracked: Vec::new(),
        };
        match plan.plan(input)? {
            Planned::Append { events, output, .. } => {
                self.append(events)?;
                Ok(output)
            }
            Planned::Unchanged(output) => Ok(output),
        }
    }

    async fn write_many<P: MultiPlan>(&self, plan: P) -> Result<P::Output> {
        let targets = plan.targets();
        let inputs = targets
            .iter()
            .map(|target| PlanInput {
                history: target
                    .record
                    .map(|record| self.select(&record.history().filter))
                    .unwrap_or_default(),
                tail: self.tail(),
                untracked: Vec::new(),
            })
            .collect();
        let planned = plan.plan(inputs)?;
        for (_, events) in planned.appends {
            self.append(events)?;
        }
        Ok(planned.output)
    }

    async fn record_ids(
        &self,
        _log: &'static LogSpec,
        schema_index: i32,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<Uuid>> {
        let rows = self.rows.lock().unwrap();
        let mut ids: Vec<Uuid> = rows
            .iter()
            .filter(|event| event.is_first() && event.schema_index == schema_index)
            .filter(|event| after.is_none_or(|after| event.id > after))
            .filter(|first| {
                !rows
                    .iter()
                    .any(|e| e.parent_id == first.id && e.is_delete())
            })
            .map(|event| event.id)
            .collect();
        ids.sort();
        ids.truncate(limit as usize);
        Ok(ids)
    }

    async fn fold_events<F: EventFold>(
        &self,
        _log: &'static LogSpec,
        query: EventQuery,
        mut fold: F,
    ) -> Result<F::Output> {
        for mut event in self.select(&query.filter) {
            if !query.with_links {
                event.links.clear();
            }
            fold.push(event)?;
        }
        fold.finish()
    }
}

/// Runs a future of the memory backend, which never waits.
fn run<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the memory backend never waits"),
    }
}

/// The payload of `correct`: the event whose note it replaces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Correction {
    corrects: Uuid,
    note: Attrs,
}

/// A notebook: the notes as the transition saw them.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(
    log = NotebookEvents,
    actions(update, note, correct = Correction),
    links(corrects = "previous_id", mentions),
    version = 3
)]
struct Notebook {
    id: Id<Notebook>,
    notes: Vec<Attrs>,
}

event_log!(NotebookEvents {
    table: "notebook_events",
    schemas: [Notebook]
});

impl Changeset for Notebook {
    fn changeset(mut self, action: NotebookAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        match action {
            NotebookAction::Insert(attrs)
            | NotebookAction::Update(attrs)
            | NotebookAction::Note(attrs) => self.notes.push(attrs),
            NotebookAction::Correct(correction) => self.notes.push(correction.note),
        }
        Ok(self)
    }

    /// A correction links to the note it corrects; a note with a `mention`
    /// links to the event it mentions.
    fn prepare_event(
        event: &mut NewEvent<Self>,
        _history: &[Event],
        _state: &Self,
    ) -> Result<(), Invalid> {
        match event.action() {
            NotebookAction::Correct(correction) => {
                let target = correction.corrects;
                event.link(NotebookLink::Corrects, target);
            }
            NotebookAction::Note(attrs) => {
                if let Some(target) = attrs.get::<Uuid>("mention")? {
                    event.link(NotebookLink::Mentions, target);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

fn store() -> Store<Memory> {
    let store = Store::new(Memory::default());
    run(store.migrate::<NotebookEvents>()).unwrap();
    store
}

#[test]
fn numbers_are_canonical_before_the_transition_sees_them() {
    let store = store();
    let notebook: Notebook = run(store.insert(attrs! {})).unwrap();
    let payload = attrs! {
        "integral": 5.0,
        "negative": -3.0,
        "huge": 1e19,
        "largest": 18_446_744_073_709_549_568.0,
        "negative_zero": -0.0,
        "fraction": 1.5,
        "too_big": 1e300,
        "nested": { "list": [2.0, 2.5] },
    };
    let live = run(store.execute(notebook.id, NotebookAction::Note(payload))).unwrap();
    let canonical = attrs! {
        "integral": 5,
        "negative": -3,
        "huge": 10_000_000_000_000_000_000_u64,
        "largest": 18_446_744_073_709_549_568_u64,
        "negative_zero": 0,
        "fraction": 1.5,
        "too_big": 1e300,
        "nested": { "list": [2, 2.5] },
    };
    assert_eq!(live.notes[1], canonical);
    assert!(live.notes[1].raw("integral").unwrap().is_i64());
    assert!(live.notes[1].raw("huge").unwrap().is_u64());
    assert!(live.notes[1].raw("too_big").unwrap().is_f64());

    // Stored as the transition saw it, so the replay equals the live state.
    let events = run(store.all_events(notebook.id)).unwrap();
    let mut stored = events[1].payload.clone();
    for key in reserved::ALL {
        stored.remove(key);
    }
    assert_eq!(stored, canonical);
    assert_eq!(run(store.get(notebook.id)).unwrap(), Some(live));
}

#[test]
fn the_by_name_path_canonicalizes_numbers_too() {
    let store = store();
    let notebook: Notebook = run(store.insert(attrs! {})).unwrap();
    let live = run(store.execute_by_name(notebook.id, "note", attrs! { "n": 5.0 })).unwrap();
    assert!(live.notes[1].raw("n").unwrap().is_i64(), "{:?}", live.notes);
}

#[test]
fn the_store_writes_the_reserved_keys_of_every_row() {
    let store = store();
    let notebook: Notebook = run(store.insert(attrs! { "title": "Ideas" })).unwrap();
    let updated = run(store.update(&notebook, attrs! { "title": "More" })).unwrap();
    let events = run(store.all_events(notebook.id)).unwrap();
    assert_eq!(events.len(), 2);
    let (first, second) = (&events[0], &events[1]);
    assert_eq!(first.id, notebook.id.uuid());
    assert_eq!(first.parent_id, first.id);
    assert_eq!(second.parent_id, first.id);

    let stamp = |event: &Event| {
        event
            .inserted_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    };
    assert_eq!(
        first.payload,
        attrs! {
            "title": "Ideas",
            "__version__": 3,
            "__event_id__": first.id,
            "inserted_at": stamp(first),
            "updated_at": stamp(first),
        }
    );
    // `inserted_at` on the first event only.
    assert_eq!(
        second.payload,
        attrs! {
            "title": "More",
            "__version__": 3,
            "__event_id__": second.id,
            "updated_at": stamp(second),
        }
    );
    assert!(second.inserted_at > first.inserted_at);
    assert_eq!(second.meta().version, 3);
    // The transition never sees them.
    assert_eq!(
        updated.notes,
        [attrs! { "title": "Ideas" }, attrs! { "title": "More" }]
    );
}

#[test]
fn a_payload_with_a_reserved_key_is_refused_and_nothing_is_written() {
    let store = store();
    let notebook: Notebook = run(store.insert(attrs! {})).unwrap();
    for key in reserved::ALL {
        let mut payload = attrs! { "text": "x" };
        payload.insert(key, 1);
        let error = run(store.execute(notebook.id, NotebookAction::Note(payload))).unwrap_err();
        match error {
            Error::Invalid(invalid) => assert_eq!(
                invalid,
                Invalid::new(key, "is reserved: the store writes it")
            ),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }
    let refused = run(store.insert_by_name::<Notebook>("note", attrs! { "__event_id__": "x" }));
    assert!(matches!(refused, Err(Error::Invalid(_))), "{refused:?}");
    assert_eq!(run(store.all_events(notebook.id)).unwrap().len(), 1);
}

#[test]
fn prepare_event_links_are_stored_under_their_names() {
    let store = store();
    let notebook: Notebook = run(store.insert(attrs! { "text": "first" })).unwrap();
    let first = notebook.id.uuid();
    let corrected = run(store.execute(
        notebook.id,
        NotebookAction::Correct(Correction {
            corrects: first,
            note: attrs! { "text": "First" },
        }),
    ))
    .unwrap();
    assert_eq!(corrected.notes.len(), 2);
    let mention = run(store.execute(
        notebook.id,
        NotebookAction::Note(attrs! { "mention": first }),
    ))
    .unwrap();
    assert_eq!(mention.notes.len(), 3);

    let events = run(store.all_events(notebook.id)).unwrap();
    assert_eq!(events[0].links, []);
    assert_eq!(events[1].links, [Link::new("corrects", first)]);
    assert_eq!(events[2].links, [Link::new("mentions", first)]);
    assert_eq!(
        events[1].linked(NotebookLink::Corrects).collect::<Vec<_>>(),
        [first]
    );
    assert_eq!(events[1].linked(NotebookLink::Mentions).count(), 0);
    assert_eq!(
        events[2].linked(NotebookLink::Mentions).collect::<Vec<_>>(),
        [first]
    );

    // The store asks for the links by the typed link's name.
    let correcting = run(store.linking_to(NotebookLink::Corrects, first)).unwrap();
    assert_eq!(
        correcting.iter().map(|e| e.id).collect::<Vec<_>>(),
        [events[1].id]
    );
    let mentioning = run(store.linking_to(NotebookLink::Mentions, first)).unwrap();
    assert_eq!(
        mentioning.iter().map(|e| e.id).collect::<Vec<_>>(),
        [events[2].id]
    );
}

#[test]
fn custom_actions_are_stored_under_their_codes() {
    let store = store();
    let notebook: Notebook = run(store.insert(attrs! {})).unwrap();
    run(store.execute(notebook.id, NotebookAction::Note(attrs! {}))).unwrap();
    run(store.delete(notebook.id)).unwrap();
    let codes: Vec<i32> = run(store.all_events(notebook.id))
        .unwrap()
        .iter()
        .map(|e| e.action_code)
        .collect();
    assert_eq!(codes, [1, custom_action_code("note"), 3]);
    assert_eq!(run(store.get(notebook.id)).unwrap(), None);
}

#[test]
fn integers_no_float_holds_are_stored_exactly() {
    let store = store();
    let notebook: Notebook = run(store.insert(attrs! {})).unwrap();
    // 2^53 + 1: the nearest f64 is 2^53, so a detour through a float
    // would change it.
    let big = 9_007_199_254_740_993_i64;
    let live = run(store.execute(
        notebook.id,
        NotebookAction::Note(attrs! { "big": big, "negative": -big }),
    ))
    .unwrap();
    assert_eq!(live.notes[1], attrs! { "big": big, "negative": -big });
    assert_eq!(live.notes[1].get::<i64>("big").unwrap(), Some(big));
    assert_eq!(run(store.get(notebook.id)).unwrap(), Some(live));
}

/// What `prepare_event` of [`Tally`] saw of each new event: its id, record
/// id, metadata, time and links.
type Seen = (
    Uuid,
    Uuid,
    EventMeta,
    chrono::DateTime<chrono::Utc>,
    Vec<Link>,
);

static SEEN: Mutex<Vec<Seen>> = Mutex::new(Vec::new());

/// A counter whose every later event links to its first.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = TallyEvents, actions(count), links(counts))]
struct Tally {
    id: Id<Tally>,
    count: u32,
}

/// Another record type of the same log.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = TallyEvents)]
struct Label {
    id: Id<Label>,
}

event_log!(TallyEvents {
    table: "tally_events",
    schemas: [Tally, Label]
});

impl Changeset for Tally {
    fn changeset(mut self, _action: TallyAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        self.count += 1;
        Ok(self)
    }

    fn prepare_event(
        event: &mut NewEvent<Self>,
        history: &[Event],
        _state: &Self,
    ) -> Result<(), Invalid> {
        if let Some(first) = history.first() {
            event.link(TallyLink::Counts, first.id);
        }
        SEEN.lock().unwrap().push((
            event.id(),
            event.record_id().uuid(),
            *event.meta(),
            event.inserted_at(),
            event.links().to_vec(),
        ));
        Ok(())
    }
}

impl Changeset for Label {
    fn changeset(self, _action: LabelAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        Ok(self)
    }
}

fn tally_store() -> Store<Memory> {
    let store = Store::new(Memory::default());
    run(store.migrate::<TallyEvents>()).unwrap();
    store
}

#[test]
fn prepare_event_sees_the_event_as_it_is_stored() {
    let store = tally_store();
    let tally: Tally = run(store.insert(attrs! {})).unwrap();
    let counted = run(store.execute(tally.id, TallyAction::Count(attrs! {}))).unwrap();
    assert_eq!(counted.count, 2);
    let events = run(store.all_events(tally.id)).unwrap();
    let seen: Vec<Seen> = SEEN
        .lock()
        .unwrap()
        .iter()
        .filter(|seen| seen.1 == tally.id.uuid())
        .cloned()
        .collect();
    assert_eq!(seen.len(), 2, "{seen:?}");
    for ((id, record_id, meta, inserted_at, links), event) in seen.into_iter().zip(&events) {
        assert_eq!(id, event.id);
        assert_eq!(record_id, tally.id.uuid());
        assert_eq!(meta, event.meta());
        assert_eq!(inserted_at, event.inserted_at);
        assert_eq!(links, event.links);
    }
    assert_eq!(events[1].links, [Link::new("counts", tally.id.uuid())]);
}

#[test]
fn update_by_name_is_an_unknown_action_of_a_type_without_update() {
    let store = tally_store();
    let tally: Tally = run(store.insert(attrs! {})).unwrap();
    let refused = run(store.execute_by_name(tally.id, "update", attrs! { "whatever": 1 }));
    match refused {
        Err(error @ Error::UnknownAction { .. }) => {
            let message = error.to_string();
            assert!(
                message.starts_with("Tally has no action `update`"),
                "{message}"
            );
        }
        other => panic!("expected UnknownAction, got {other:?}"),
    }
    let created = run(store.insert_by_name::<Tally>("update", attrs! { "whatever": 1 }));
    assert!(
        matches!(&created, Err(Error::UnknownAction { record_type: "Tally", action }) if action == "update"),
        "{created:?}"
    );
    assert_eq!(run(store.all_events(tally.id)).unwrap().len(), 1);
    assert_eq!(run(store.list::<Tally>(None, 10)).unwrap().ids, [tally.id]);
}

#[test]
fn a_record_of_another_type_of_the_log_is_not_found() {
    let store = tally_store();
    let label: Label = run(store.insert(attrs! {})).unwrap();
    let as_tally: Id<Tally> = Id::new(label.id.uuid());
    assert_eq!(run(store.get(as_tally)).unwrap(), None);
    assert_eq!(run(store.all_events(as_tally)).unwrap(), []);
    let counted = run(store.execute(as_tally, TallyAction::Count(attrs! {})));
    assert!(
        matches!(counted, Err(Error::NotFound { record_type: "Tally", id }) if id == label.id.uuid()),
        "{counted:?}"
    );
    assert_eq!(run(store.all_events(label.id)).unwrap().len(), 1);
    assert_eq!(run(store.get(label.id)).unwrap(), Some(label));
}

#[test]
fn an_idempotent_retry_returns_the_first_result_and_another_write_under_its_id_conflicts() {
    let store = store();
    let conflict = |result: Result<Notebook>, id: Uuid| match result {
        Err(Error::EventIdConflict {
            record_type,
            event_id,
        }) => assert_eq!((record_type, event_id), ("Notebook", id)),
        other => panic!("expected EventIdConflict, got {other:?}"),
    };

    let insert_id = Uuid::now_v7();
    let first: Notebook = run(store.idempotent(insert_id).insert(attrs! { "text": "a" })).unwrap();
    assert_eq!(first.id.uuid(), insert_id);
    let again: Notebook = run(store.idempotent(insert_id).insert(attrs! { "text": "a" })).unwrap();
    assert_eq!(again, first);
    conflict(
        run(store.idempotent(insert_id).insert(attrs! { "text": "b" })),
        insert_id,
    );

    let note_id = Uuid::now_v7();
    let note = || NotebookAction::Note(attrs! { "n": 1 });
    let noted = run(store.idempotent(note_id).execute(first.id, note())).unwrap();
    assert_eq!(
        run(store.idempotent(note_id).execute(first.id, note())).unwrap(),
        noted
    );
    // The same payload under another action is another write.
    conflict(
        run(store
            .idempotent(note_id)
            .update(first.id, attrs! { "n": 1 })),
        note_id,
    );

    let delete_id = Uuid::now_v7();
    let deleted = run(store.idempotent(delete_id).delete(first.id)).unwrap();
    assert_eq!(deleted, noted);
    assert_eq!(
        run(store.idempotent(delete_id).delete(first.id)).unwrap(),
        deleted
    );
    let codes: Vec<i32> = run(store.all_events(first.id))
        .unwrap()
        .iter()
        .map(|e| e.action_code)
        .collect();
    assert_eq!(codes, [1, custom_action_code("note"), 3]);
}

#[test]
fn migrate_down_drops_every_event_of_the_log() {
    let store = store();
    let notebook: Notebook = run(store.insert(attrs! { "text": "gone" })).unwrap();
    assert_eq!(run(store.all_events(notebook.id)).unwrap().len(), 1);
    run(store.migrate_down::<NotebookEvents>()).unwrap();
    assert_eq!(run(store.all_events(notebook.id)).unwrap(), []);
    assert_eq!(run(store.get(notebook.id)).unwrap(), None);
}

#[test]
fn previous_events_stop_at_the_given_event_and_event_finds_one_by_id() {
    let store = store();
    let notebook: Notebook = run(store.insert(attrs! {})).unwrap();
    for n in [1, 2] {
        run(store.execute(notebook.id, NotebookAction::Note(attrs! { "n": n }))).unwrap();
    }
    let events = run(store.all_events(notebook.id)).unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(
        run(store.previous_events::<Notebook>(&events[1])).unwrap(),
        events[..2]
    );
    assert_eq!(
        run(store.previous_events::<Notebook>(&events[0])).unwrap(),
        events[..1]
    );
    let mut stranger = events[1].clone();
    stranger.id = Uuid::now_v7();
    match run(store.previous_events::<Notebook>(&stranger)) {
        Err(Error::EventNotFound { event_id, .. }) => assert_eq!(event_id, stranger.id),
        other => panic!("expected EventNotFound, got {other:?}"),
    }
    assert_eq!(
        run(store.event::<Notebook>(events[1].id)).unwrap(),
        Some(events[1].clone())
    );
    assert_eq!(run(store.event::<Notebook>(Uuid::now_v7())).unwrap(), None);
}

#[test]
fn list_pages_by_id_and_says_where_the_next_page_starts() {
    let store = tally_store();
    let mut ids: Vec<Id<Tally>> = (0..3)
        .map(|_| run(store.insert::<Tally>(attrs! {})).unwrap().id)
        .collect();
    let _other: Label = run(store.insert(attrs! {})).unwrap();
    ids.sort_by_key(|id| id.uuid());

    let first = run(store.list::<Tally>(None, 2)).unwrap();
    assert_eq!(first.ids, ids[..2]);
    assert_eq!(first.next, Some(ids[1]), "a full page tells where to go on");
    let second = run(store.list::<Tally>(first.next, 2)).unwrap();
    assert_eq!(second.ids, ids[2..]);
    assert_eq!(second.next, None, "a page that is not full is the last");
    let exact = run(store.list::<Tally>(None, 3)).unwrap();
    assert_eq!(exact.next, Some(ids[2]));
    assert!(run(store.list::<Tally>(exact.next, 3))
        .unwrap()
        .ids
        .is_empty());
    let none = run(store.list::<Tally>(None, 0)).unwrap();
    assert_eq!((none.ids.len(), none.next), (0, None));

    run(store.delete(ids[0])).unwrap();
    assert_eq!(run(store.list::<Tally>(None, 10)).unwrap().ids, ids[1..]);
}
