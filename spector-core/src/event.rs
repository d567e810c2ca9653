//! Events as stored, and events about to be written.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use uuid::Uuid;

use crate::action::RecordAction;
use crate::attrs::Attrs;

/// One link of an event: a named relationship to another event of the same
/// record (e.g. `edits` → the version an edit replaces).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Link {
    /// The link name, as declared in `#[evented(links(...))]`.
    pub name: String,
    /// The event linked to.
    pub target: Uuid,
}

/// One stored event: an immutable row of an event log table.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// UUIDv7 of the event.
    pub id: Uuid,
    /// The record's id: the id of its first event.
    pub parent_id: Uuid,
    /// Schema index of the record type.
    pub schema: i32,
    /// Action code (see [`crate::action`]).
    pub action: i32,
    /// The attrs as stored, reserved attrs included.
    pub payload: Attrs,
    /// When the event was written (microseconds, UTC).
    pub inserted_at: DateTime<Utc>,
    /// The event's outgoing links (empty when not loaded).
    pub links: Vec<Link>,
}

impl Event {
    /// Targets of this event's links called `name`.
    pub fn linked<'a>(&'a self, name: &'a str) -> impl Iterator<Item = Uuid> + 'a {
        self.links
            .iter()
            .filter(move |link| link.name == name)
            .map(|link| link.target)
    }

    /// True when the event was produced by `action`, e.g.
    /// `event.is(BasicChatAction::Edit)`.
    pub fn is<A: RecordAction>(&self, action: A) -> bool {
        self.action == action.code()
    }

    /// True when this event is the first of its record.
    pub fn is_first(&self) -> bool {
        self.id == self.parent_id
    }
}

/// An event about to be written, as seen by a `prepare_event` hook.
///
/// The hook may read it and attach links; everything else was fixed by the
/// store (ids, timestamp, and the payload the changeset has already seen).
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent(Event);

impl NewEvent {
    /// The event the store is about to write.
    pub(crate) fn new(event: Event) -> Self {
        Self(event)
    }

    /// UUIDv7 of the event.
    pub fn id(&self) -> Uuid {
        self.0.id
    }

    /// The record's id.
    pub fn parent_id(&self) -> Uuid {
        self.0.parent_id
    }

    /// Schema index of the record type.
    pub fn schema(&self) -> i32 {
        self.0.schema
    }

    /// Action code (see [`crate::action`]).
    pub fn action(&self) -> i32 {
        self.0.action
    }

    /// True when the event was produced by `action`, e.g.
    /// `event.is(BasicChatAction::Edit)` in a `prepare_event` hook.
    pub fn is<A: RecordAction>(&self, action: A) -> bool {
        self.0.is(action)
    }

    /// The attrs to store, reserved attrs included.
    pub fn payload(&self) -> &Attrs {
        &self.0.payload
    }

    /// When the event is written.
    pub fn inserted_at(&self) -> DateTime<Utc> {
        self.0.inserted_at
    }

    /// Links to write with the event.
    pub fn links(&self) -> &[Link] {
        &self.0.links
    }

    /// Attaches a link called `name` to the event `target` (which must belong
    /// to the same record).
    pub fn link(&mut self, name: impl Into<String>, target: Uuid) {
        self.0.links.push(Link {
            name: name.into(),
            target,
        });
    }

    /// The stored form of this event, once written.
    pub fn into_event(self) -> Event {
        self.0
    }
}

/// The current time at the precision both backends store: microseconds.
pub fn now_micros() -> DateTime<Utc> {
    let now = Utc::now();
    now.duration_trunc(TimeDelta::microseconds(1))
        .unwrap_or(now)
}

/// A timestamp for a new event that sorts after `latest`: now, or one
/// microsecond after `latest` when the clock has not moved past it.
pub fn next_timestamp(latest: Option<DateTime<Utc>>) -> DateTime<Utc> {
    let now = now_micros();
    match latest {
        Some(latest) if now <= latest => latest + TimeDelta::microseconds(1),
        _ => now,
    }
}
