//! The write plans of insert, execute and delete: what happens inside the
//! backend's transaction between loading the history and appending.

use uuid::Uuid;

use crate::action::{self, RecordAction};
use crate::attrs::{reserved, Attrs};
use crate::error::{Error, Result};
use crate::event::{next_timestamp, Event, EventMeta, NewEvent};
use crate::history::History;
use crate::id::Id;
use crate::invalid::Invalid;
use crate::log::EventLog;
use crate::record::{Changeset, Evented};
use crate::replay::Replay;
use crate::storage::{Planned, RecordRef, Sealed, WritePlan};

/// What a change does to its record.
enum Step<R: Evented> {
    /// Creates a new record with this action.
    Insert(Payload<R>),
    /// Applies this action to the existing record.
    Execute(Payload<R>),
    /// Deletes the existing record.
    Delete,
}

/// An action with the payload that will be stored for it. The action is
/// decoded back from that payload, so a live write applies exactly what a
/// replay will apply.
struct Payload<R: Evented> {
    action: R::Action,
    stored: Attrs,
}

impl<R: Evented> Payload<R> {
    /// Encodes `action` as it will be stored: a JSON object, numbers
    /// canonicalized as `jsonb` stores them, and no reserved key.
    fn of(action: &R::Action) -> Result<Self> {
        let mut stored = action.encode()?;
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
    fn by_name(name: &str, attrs: Attrs) -> Result<Self> {
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
        let action = R::Action::decode(code, attrs)?.ok_or_else(unknown)?;
        Self::of(&action)
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
    pub(crate) fn insert(event_id: Option<Uuid>, action: &R::Action) -> Result<Self> {
        Ok(Self {
            record: None,
            event_id,
            step: Step::Insert(Payload::of(action)?),
            span: tracing::Span::none(),
        })
    }

    /// A new record, created by the action called `name`.
    pub(crate) fn insert_by_name(event_id: Option<Uuid>, name: &str, attrs: Attrs) -> Result<Self> {
        Ok(Self {
            record: None,
            event_id,
            step: Step::Insert(Payload::by_name(name, attrs)?),
            span: tracing::Span::none(),
        })
    }

    /// `action` applied to the record `id`.
    pub(crate) fn execute(event_id: Option<Uuid>, id: Id<R>, action: &R::Action) -> Result<Self> {
        Ok(Self {
            record: Some(id.uuid()),
            event_id,
            step: Step::Execute(Payload::of(action)?),
            span: tracing::Span::none(),
        })
    }

    /// The action called `name` applied to the record `id`.
    pub(crate) fn execute_by_name(
        event_id: Option<Uuid>,
        id: Id<R>,
        name: &str,
        attrs: Attrs,
    ) -> Result<Self> {
        Ok(Self {
            record: Some(id.uuid()),
            event_id,
            step: Step::Execute(Payload::by_name(name, attrs)?),
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
            Step::Delete => &history[..position],
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
        self.record
            .or(self.event_id)
            .map(|parent_id| RecordRef { parent_id })
    }

    fn plan(self, history: Vec<Event>) -> Result<Planned<R>> {
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
        let latest = history.last();
        let inserted_at =
            next_timestamp(latest.map(|e| e.inserted_at)).ok_or_else(|| Error::CorruptEvent {
                table: R::Log::spec().map_or_else(|_| String::new(), |log| log.table().to_string()),
                event_id: latest.map_or(id, |e| e.id),
                reason: "no event can follow it: its time is the last one Spector stores"
                    .to_owned(),
            })?;
        let meta = EventMeta {
            id,
            record_id: self.record.unwrap_or(id),
            version: R::VERSION,
            inserted_at,
        };
        let (payload, inserting) = match self.step {
            Step::Insert(payload) => (payload, true),
            Step::Execute(payload) => (payload, false),
            Step::Delete => {
                let event = event::<R>(&meta, action::DELETE, Attrs::new());
                return Ok(Planned::Append {
                    event,
                    output: state,
                });
            }
        };
        state.validate(&payload.action, &meta)?;
        let mut new_event = NewEvent::<R>::new(meta, payload.action);
        R::prepare_event(&mut new_event, &history, &state)?;
        let (meta, action, links) = new_event.into_parts();
        let code = action.code();
        let new_state = state.changeset(action, &meta)?;
        let mut stored = payload.stored;
        let now = meta
            .inserted_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        stored.insert(reserved::VERSION, R::VERSION);
        stored.insert(reserved::EVENT_ID, id.to_string());
        if inserting {
            stored.insert(reserved::INSERTED_AT, now.clone());
        }
        stored.insert(reserved::UPDATED_AT, now);
        let mut event = event::<R>(&meta, code, stored);
        event.links = links;
        Ok(Planned::Append {
            event,
            output: new_state,
        })
    }
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
    }
}
