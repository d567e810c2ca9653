//! The write plans of insert, execute and delete: what happens inside the
//! backend's transaction between loading the history and appending.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::action::{self, RecordAction};
use crate::attrs::{reserved, unknown_keys, Attrs};
use crate::error::{Error, Result};
use crate::event::{next_timestamp, now_micros, Event, EventMeta, NewEvent, MAX_CLOCK_LEAD};
use crate::hash::EventHash;
use crate::history::History;
use crate::id::Id;
use crate::invalid::Invalid;
use crate::link::Link;
use crate::log::{EventLog, TableSpec};
use crate::materialized::{Row, RowWrite};
use crate::payload;
use crate::record::{Changeset, Evented};
use crate::replay::Replay;
use crate::storage::{ChainTail, HistoryStart, PlanInput, Planned, RecordRef, Sealed, WritePlan};

mod many;
mod rows;

pub(crate) use many::{attribute, AnyChange, ManyChanges, PlannedWrites};
pub(crate) use rows::{BringupPlan, MaterializePlan, RowAction, Transfer};

/// What a change does to its record.
enum Step<R: Evented> {
    /// Creates a new record with this action.
    Insert(Payload<R>),
    /// Applies this action to the existing record.
    Execute(Payload<R>),
    /// Deletes the existing record.
    Delete,
    /// Appends a savepoint of the existing record, refusing it when the
    /// in-memory record given is not its current state.
    Savepoint(Option<Expected<R>>),
}

/// An in-memory record a savepoint was asked from, and how to compare it
/// with the stored state.
pub(crate) struct Expected<R> {
    state: R,
    same: fn(&R, &R) -> bool,
}

impl<R: PartialEq> Expected<R> {
    /// `state`, compared with `==`.
    pub(crate) fn new(state: R) -> Self {
        Self { state, same: R::eq }
    }
}

/// An action with the payload that will be stored for it. The action is
/// decoded back from that payload, so a live write applies exactly what a
/// replay will apply.
pub(crate) struct Payload<R: Evented> {
    action: R::Action,
    stored: Attrs,
}

impl<R: Evented> Payload<R> {
    /// Encodes `action` as it will be stored: a JSON object of at most
    /// `limit` bytes of JSON text, numbers canonicalized as `jsonb` stores
    /// them, and no reserved key.
    pub(crate) fn of(action: &R::Action, limit: usize) -> Result<Self> {
        let mut stored = action.encode()?;
        if !payload::fits(&stored, limit) {
            payload::dismantle(stored);
            return Err(Error::PayloadTooLarge {
                record_type: R::NAME,
                action: action.name().to_owned(),
                limit,
            });
        }
        refuse_reserved_keys(&stored)?;
        stored.canonicalize_numbers();
        let code = action.code();
        let action = R::Action::decode(code, stored.clone())?
            .ok_or_else(|| Invalid::new("action", format!("has no code {code}")))?;
        Ok(Self { action, stored })
    }

    /// The action called `name` with `attrs` as its payload (the by-name
    /// path): decoded, then encoded like a typed action, so both paths
    /// store the same row.
    fn by_name(name: &str, attrs: Attrs, limit: usize) -> Result<Self> {
        // Checked before anything walks the attrs recursively (decoding,
        // dropping): a value nested deeper than a payload may is refused
        // and taken apart without recursion.
        if let Err(invalid) = payload::check(&attrs) {
            payload::dismantle(attrs);
            return Err(invalid.into());
        }
        if !payload::fits(&attrs, limit) {
            return Err(Error::PayloadTooLarge {
                record_type: R::NAME,
                action: name.to_owned(),
                limit,
            });
        }
        if name == "savepoint" {
            return Err(Error::ReservedAction {
                record_type: R::NAME,
                action: "savepoint",
            });
        }
        let unknown = || Error::UnknownAction {
            record_type: R::NAME,
            action: name.to_owned(),
        };
        let code = R::Action::code_of(name).ok_or_else(unknown)?;
        refuse_reserved_keys(&attrs)?;
        // Keys the payload type does not know are ignored, as Ecto's `cast`
        // ignores them, unless the payload does not decode: then a misspelt
        // key is the likely cause, and it is named beside the field it left
        // missing.
        let (decoded, ignored) = unknown_keys::collect(|| R::Action::decode(code, attrs));
        let action = match decoded {
            Ok(action) => action.ok_or_else(unknown)?,
            Err(mut invalid) => {
                for key in ignored {
                    let message =
                        format!("unknown key `{key}`: the `{name}` payload has no such field");
                    invalid.add(key, message);
                }
                return Err(invalid.into());
            }
        };
        Self::of(&action, limit)
    }
}

/// Reserved keys are the store's: a payload that carries one is refused.
fn refuse_reserved_keys(payload: &Attrs) -> Result<(), Invalid> {
    let mut invalid = Invalid::default();
    for key in reserved::ALL
        .into_iter()
        .filter(|key| payload.contains(key))
    {
        invalid.add(key, "is reserved: the store writes it");
    }
    if invalid.is_empty() {
        Ok(())
    } else {
        Err(invalid)
    }
}

/// One change of a record of type `R`: replay, live rules, `prepare_event`,
/// transition.
pub(crate) struct Change<R: Changeset> {
    /// The record changed; `None` for an insert.
    record: Option<Uuid>,
    /// The event id the caller chose (an idempotent write), if any.
    event_id: Option<Uuid>,
    step: Step<R>,
    /// The operation's span, told the event id once it is chosen.
    span: tracing::Span,
}

impl<R: Changeset> Change<R> {
    /// A new record, created by `action`.
    pub(crate) fn insert(event_id: Option<Uuid>, action: &R::Action, limit: usize) -> Result<Self> {
        Ok(Self {
            record: None,
            event_id,
            step: Step::Insert(Payload::of(action, limit)?),
            span: tracing::Span::none(),
        })
    }

    /// A new record, created by the action called `name`.
    pub(crate) fn insert_by_name(
        event_id: Option<Uuid>,
        name: &str,
        attrs: Attrs,
        limit: usize,
    ) -> Result<Self> {
        Ok(Self {
            record: None,
            event_id,
            step: Step::Insert(Payload::by_name(name, attrs, limit)?),
            span: tracing::Span::none(),
        })
    }

    /// `action` applied to the record `id`.
    pub(crate) fn execute(
        event_id: Option<Uuid>,
        id: Id<R>,
        action: &R::Action,
        limit: usize,
    ) -> Result<Self> {
        Ok(Self {
            record: Some(id.uuid()),
            event_id,
            step: Step::Execute(Payload::of(action, limit)?),
            span: tracing::Span::none(),
        })
    }

    /// The action called `name` applied to the record `id`.
    pub(crate) fn execute_by_name(
        event_id: Option<Uuid>,
        id: Id<R>,
        name: &str,
        attrs: Attrs,
        limit: usize,
    ) -> Result<Self> {
        Ok(Self {
            record: Some(id.uuid()),
            event_id,
            step: Step::Execute(Payload::by_name(name, attrs, limit)?),
            span: tracing::Span::none(),
        })
    }

    /// The record `id` deleted.
    pub(crate) fn delete(event_id: Option<Uuid>, id: Id<R>) -> Self {
        Self {
            record: Some(id.uuid()),
            event_id,
            step: Step::Delete,
            span: tracing::Span::none(),
        }
    }

    /// A savepoint of the record `id`; `expected`, when given, must be its
    /// current state.
    pub(crate) fn savepoint(id: Id<R>, expected: Option<Expected<R>>) -> Self {
        Self {
            record: Some(id.uuid()),
            event_id: None,
            step: Step::Savepoint(expected),
            span: tracing::Span::none(),
        }
    }

    /// The state of the record before the change: a fresh record for an
    /// insert, the replayed history otherwise.
    fn current_state(&self, new_id: Uuid, history: &[Event]) -> Result<R> {
        let Some(record_id) = self.record else {
            return Ok(R::fresh(Id::new(new_id)));
        };
        if history.is_empty() {
            return Err(Error::NotFound {
                record_type: R::NAME,
                id: record_id,
            });
        }
        Replay::<R>::run(history)?.ok_or(Error::Deleted {
            record_type: R::NAME,
            id: record_id,
        })
    }

    /// Traces the change in `span`.
    pub(crate) fn traced_in(mut self, span: tracing::Span) -> Self {
        self.span = span;
        self
    }

    /// The name of the action, for traces.
    pub(crate) fn action_name(&self) -> &'static str {
        match &self.step {
            Step::Insert(payload) | Step::Execute(payload) => payload.action.name(),
            Step::Delete => "delete",
            Step::Savepoint(_) => "savepoint",
        }
    }

    /// The record changed, or the id a new record is given, for traces.
    pub(crate) fn record_id(&self) -> Option<Uuid> {
        self.record.or(self.event_id)
    }

    /// The code and payload this change stores.
    fn stored(&self) -> (i32, Option<&Attrs>) {
        match &self.step {
            Step::Insert(payload) | Step::Execute(payload) => {
                (payload.action.code(), Some(&payload.stored))
            }
            Step::Delete => (action::DELETE, None),
            Step::Savepoint(_) => (action::SAVEPOINT, None),
        }
    }

    /// A retry of the write whose event `history[position]` already is:
    /// the state that write returned, if the stored event is this change;
    /// [`Error::EventIdConflict`] if it is another.
    fn repeat(&self, history: &[Event], position: usize) -> Result<R> {
        let stored = &history[position];
        let (code, payload) = self.stored();
        let mut stored_payload = stored.payload.clone();
        for key in reserved::ALL {
            stored_payload.remove(key);
        }
        let same_record = match self.record {
            Some(record) => stored.parent_id == record,
            None => stored.is_first(),
        };
        let same_payload = match payload {
            Some(payload) => stored_payload == *payload,
            None => stored_payload.as_map().is_empty(),
        };
        if !(same_record && stored.action_code == code && same_payload) {
            return Err(Error::EventIdConflict {
                record_type: R::NAME,
                event_id: stored.id,
            });
        }
        let replayed = match self.step {
            Step::Delete | Step::Savepoint(_) => &history[..position],
            Step::Insert(_) | Step::Execute(_) => &history[..=position],
        };
        Replay::<R>::run(replayed)?.ok_or(Error::Deleted {
            record_type: R::NAME,
            id: stored.parent_id,
        })
    }
}

impl<R: Changeset> Sealed for Change<R> {}

impl<R: Changeset> WritePlan for Change<R> {
    /// The new state; for a delete, the state that was deleted.
    type Output = R;

    fn record(&self) -> Option<RecordRef> {
        let start = match (R::SAVEPOINTS, self.event_id) {
            (None, _) => HistoryStart::First,
            (Some(_), None) => HistoryStart::LatestSavepoint,
            (Some(_), Some(event_id)) => HistoryStart::SavepointBefore(event_id),
        };
        self.record
            .or(self.event_id)
            .map(|parent_id| RecordRef { parent_id, start })
    }

    fn plan(self, input: PlanInput) -> Result<Planned<R>> {
        let PlanInput { history, tail, .. } = input;
        self.span.record("events_read", history.len());
        let history = History::<R>::filter(history)?;
        if let Some(event_id) = self.event_id {
            if let Some(position) = history.iter().position(|e| e.id == event_id) {
                let state = self.repeat(&history, position)?;
                self.span
                    .record("event_id", tracing::field::display(event_id));
                self.span.in_scope(|| {
                    tracing::info!(target: "spector", %event_id, "retry of a stored write: nothing written");
                });
                return Ok(Planned::Unchanged(state));
            }
        }
        let history = if self.record.is_some() {
            history
        } else {
            Vec::new()
        };
        let id = self.event_id.unwrap_or_else(Uuid::now_v7);
        self.span.record("event_id", tracing::field::display(id));
        if self.record.is_none() {
            self.span.record("record_id", tracing::field::display(id));
        }
        let state = self.current_state(id, &history)?;
        let latest = match (history.last(), &tail) {
            (Some(event), Some(tail)) if tail.inserted_at > event.inserted_at => {
                Some((tail.inserted_at, tail.event_id))
            }
            (Some(event), _) => Some((event.inserted_at, event.id)),
            (None, tail) => tail.as_ref().map(|tail| (tail.inserted_at, tail.event_id)),
        };
        let meta = EventMeta {
            id,
            record_id: self.record.unwrap_or(id),
            version: R::VERSION,
            inserted_at: timestamp_after::<R>(latest, id)?,
        };
        let (payload, inserting) = match self.step {
            Step::Insert(payload) => (payload, true),
            Step::Execute(payload) => (payload, false),
            Step::Delete => {
                let event = event::<R>(&meta, action::DELETE, Attrs::new());
                let rows = match materialized_table::<R>()? {
                    Some(table) => vec![RowWrite::Delete {
                        table,
                        id: meta.record_id,
                    }],
                    None => Vec::new(),
                };
                return appended::<R, _>(vec![event], rows, state, tail);
            }
            Step::Savepoint(expected) => {
                if let Some(expected) = expected {
                    if !(expected.same)(&expected.state, &state) {
                        return Err(Error::StaleRecord {
                            record_type: R::NAME,
                            id: meta.record_id,
                        });
                    }
                }
                let event = savepoint_event(&meta, &state)?;
                return appended::<R, _>(vec![event], Vec::new(), state, tail);
            }
        };
        let (event, new_state) = live_event(state, payload, meta, &history, inserting)?;
        let mut events = vec![event];
        if automatic_savepoint_due::<R>(&history) {
            let savepoint = EventMeta {
                id: Uuid::now_v7(),
                inserted_at: timestamp_after::<R>(Some((meta.inserted_at, id)), id)?,
                ..meta
            };
            events.push(savepoint_event(&savepoint, &new_state)?);
        }
        let rows = row_of(&new_state)?
            .map(RowWrite::Upsert)
            .into_iter()
            .collect();
        appended::<R, _>(events, rows, new_state, tail)
    }
}

/// The live path of a new event: the live rules, `prepare_event`, the
/// transition, then the payload as stored with its reserved keys. Returns
/// the event and the new state.
pub(crate) fn live_event<R: Changeset>(
    state: R,
    payload: Payload<R>,
    meta: EventMeta,
    history: &[Event],
    inserting: bool,
) -> Result<(Event, R)> {
    state.validate(&payload.action, &meta)?;
    let mut new_event = NewEvent::<R>::new(meta, payload.action);
    R::prepare_event(&mut new_event, history, &state)?;
    let (meta, action, links) = new_event.into_parts();
    check_links::<R>(&links)?;
    let code = action.code();
    let new_state = state.changeset(action, &meta)?;
    let mut stored = payload.stored;
    let now = meta
        .inserted_at
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    stored.insert(reserved::VERSION, R::VERSION);
    stored.insert(reserved::EVENT_ID, meta.id.to_string());
    if inserting {
        stored.insert(reserved::INSERTED_AT, now.clone());
    }
    stored.insert(reserved::UPDATED_AT, now);
    let mut event = event::<R>(&meta, code, stored);
    event.links = links;
    Ok((event, new_state))
}

/// Refuses links the log's link tables cannot hold: a typed link without
/// its kind (or a kind on an untyped link), and the same link twice.
///
/// # Errors
///
/// [`Error::Invalid`] naming the link; [`Error::UnknownLink`] for a link
/// the log lacks.
fn check_links<R: Evented>(links: &[Link]) -> Result<()> {
    let log = R::Log::spec()?;
    let mut invalid = Invalid::default();
    for (position, link) in links.iter().enumerate() {
        let spec = log.link(link.name).ok_or_else(|| Error::UnknownLink {
            record_type: R::NAME,
            link: link.name.to_owned(),
        })?;
        match (spec.typed(), link.kind) {
            (true, None) => invalid.add(link.name, "is a typed link: give its kind with `link_as`"),
            (false, Some(_)) => invalid.add(link.name, "has no kinds: link it with `link`"),
            _ => {}
        }
        if links[..position].contains(link) {
            invalid.add(link.name, format!("links to {} twice", link.target));
        }
    }
    if invalid.is_empty() {
        Ok(())
    } else {
        Err(invalid.into())
    }
}

/// `R`'s materialized table, if it has one.
///
/// # Errors
///
/// [`Error::InvalidLog`] for a misdeclared log.
pub(crate) fn materialized_table<R: Evented>() -> Result<Option<&'static TableSpec>> {
    if R::MATERIALIZED.is_none() {
        return Ok(None);
    }
    table_of::<R>().map(Some)
}

/// The materialized table of `R` in its log.
///
/// # Errors
///
/// [`Error::InvalidLog`] when the log has none for `R` (a misdeclared log).
pub(crate) fn table_of<R: Evented>() -> Result<&'static TableSpec> {
    let log = R::Log::spec()?;
    log.materialized_table(R::SCHEMA_INDEX)
        .ok_or_else(|| Error::InvalidLog {
            table: log.table().to_string(),
            reason: format!("{} has no materialized table in the log", R::NAME),
        })
}

/// The row of `state` in `R`'s materialized table, as
/// `prepare_materialization` leaves it; `None` for a type without a table.
///
/// # Errors
///
/// [`Error::Invalid`] when the state does not make a row or the hook
/// refuses it.
pub(crate) fn row_of<R: Changeset>(state: &R) -> Result<Option<Row>> {
    let (Some(materialization), Some(table)) = (R::MATERIALIZED, materialized_table::<R>()?) else {
        return Ok(None);
    };
    let mut row = materialization.row(table, state)?;
    state.prepare_materialization(&mut row)?;
    Ok(Some(row))
}

/// The plan that appends `events` of `R`, writes `rows` and returns
/// `output`; in a hashed log (`tail` given or the table empty), each event
/// is hashed on from the one before it.
pub(crate) fn appended<R: Evented, O>(
    mut events: Vec<Event>,
    rows: Vec<RowWrite>,
    output: O,
    tail: Option<ChainTail>,
) -> Result<Planned<O>> {
    if R::Log::spec()?.hashed() {
        let mut previous = tail.and_then(|tail| tail.hash);
        for event in &mut events {
            let hash = EventHash::of(previous.as_deref(), event)
                .as_bytes()
                .to_vec();
            event.hash = Some(hash.clone());
            previous = Some(hash);
        }
    }
    Ok(Planned::Append {
        events,
        rows,
        output,
    })
}

/// The time of an event that follows `latest` (the time of the record's or
/// the table's latest event, if any, and that event's id; `id` is the new
/// event's).
///
/// # Errors
///
/// [`Error::CorruptEvent`] when `latest` is at the last time Spector stores.
pub(crate) fn timestamp_after<R: Evented>(
    latest: Option<(DateTime<Utc>, Uuid)>,
    id: Uuid,
) -> Result<DateTime<Utc>> {
    let table = || R::Log::spec().map_or_else(|_| String::new(), |log| log.table().to_string());
    let now = now_micros();
    if let Some((inserted_at, event_id)) = latest {
        if inserted_at - now > MAX_CLOCK_LEAD {
            return Err(Error::EventInFuture {
                table: table(),
                event_id,
                inserted_at,
                now,
            });
        }
    }
    next_timestamp(latest.map(|(time, _)| time)).ok_or_else(|| Error::CorruptEvent {
        table: table(),
        event_id: latest.map_or(id, |(_, event)| event),
        reason: "no event can follow it: its time is the last one Spector stores".to_owned(),
    })
}

/// True when a write appended after `history` (the record's events since
/// its latest savepoint) brings the events since that savepoint to `R`'s
/// automatic interval.
fn automatic_savepoint_due<R: Evented>(history: &[Event]) -> bool {
    let Some(every) = R::SAVEPOINTS.and_then(|hooks| hooks.interval()) else {
        return false;
    };
    let since = history
        .iter()
        .rev()
        .take_while(|event| event.action_code != action::SAVEPOINT)
        .count();
    since + 1 >= every.get() as usize
}

/// The savepoint event of `state`, with `meta`'s ids and time.
///
/// # Errors
///
/// [`Error::ReservedAction`] for a type without savepoints (not reached:
/// the store's savepoint methods require them); [`Error::Invalid`] when the
/// hook refuses or returns a payload no backend stores.
fn savepoint_event<R: Evented>(meta: &EventMeta, state: &R) -> Result<Event> {
    let hooks = R::SAVEPOINTS.ok_or(Error::ReservedAction {
        record_type: R::NAME,
        action: "savepoint",
    })?;
    let mut payload = hooks.payload(state)?;
    payload.insert(reserved::VERSION, R::VERSION);
    payload.insert(reserved::EVENT_ID, meta.id.to_string());
    Ok(event::<R>(meta, action::SAVEPOINT, payload))
}

/// The row of a new event of record type `R`, without links.
fn event<R: Evented>(meta: &EventMeta, action_code: i32, payload: Attrs) -> Event {
    Event {
        id: meta.id,
        parent_id: meta.record_id,
        schema_index: R::SCHEMA_INDEX,
        action_code,
        payload,
        inserted_at: meta.inserted_at,
        links: Vec::new(),
        hash: None,
    }
}
