//! Events as stored, their metadata, and events about to be written.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use uuid::Uuid;

use crate::action::{self, RecordAction};
use crate::attrs::{reserved, Attrs};
use crate::error::{Error, Result};
use crate::id::Id;
use crate::link::{Link, LinkKind, RecordLink, TypedLink};
use crate::record::{Changeset, Evented};

/// What the store records about an event beside its payload: handed to
/// [`Changeset::validate`](crate::Changeset::validate) and
/// [`Changeset::changeset`](crate::Changeset::changeset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventMeta {
    /// The event's id (UUIDv7). A nested value created by the event (a chat
    /// message) can take it as its own id.
    pub id: Uuid,
    /// The record's id: the id of its first event.
    pub record_id: Uuid,
    /// The version of the record type that wrote the event (`__version__`,
    /// 0 when absent).
    pub version: u32,
    /// When the event was written (microseconds, UTC).
    pub inserted_at: DateTime<Utc>,
}

impl EventMeta {
    /// True when the event was written by version `version` of the record
    /// type (Spector's `version_is`).
    pub fn version_is(&self, version: u32) -> bool {
        self.version == version
    }

    /// True when the event was written by a version within `range`
    /// (Spector's `version_in`).
    pub fn version_in(&self, range: impl std::ops::RangeBounds<u32>) -> bool {
        range.contains(&self.version)
    }
}

/// One stored event: an immutable row of an event log table.
///
/// The row is Spector's: a JSON `payload` and integer codes. Read it typed
/// with [`action`](Event::action) and [`linked`](Event::linked).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// UUIDv7 of the event.
    pub id: Uuid,
    /// The record's id: the id of its first event.
    pub parent_id: Uuid,
    /// Schema index of the record type in its log.
    pub schema_index: i32,
    /// Stored action code (see [`crate::action`]).
    pub action_code: i32,
    /// The payload as stored, reserved keys included.
    pub payload: Attrs,
    /// When the event was written (microseconds, UTC).
    pub inserted_at: DateTime<Utc>,
    /// The event's outgoing links (empty when not loaded).
    pub links: Vec<Link>,
    /// The event's stored hash, in a hashed log (`None` in other logs, and
    /// for a row written without one); see [`EventHash`](crate::EventHash).
    pub hash: Option<Vec<u8>>,
}

impl Event {
    /// The event's typed action with its decoded payload, as the record
    /// type `R` replays it: an event written by an older version of `R`
    /// goes through [`Changeset::upcast`] first.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownActionCode`] for a delete or savepoint event (neither
    /// is an action of `R`) or a code `R` does not declare; [`Error::Decode`]
    /// when the payload does not upcast or decode into the action's payload
    /// type.
    pub fn action<R: Changeset>(&self) -> Result<R::Action> {
        let meta = self.checked_meta().map_err(|invalid| Error::Decode {
            record_type: R::NAME,
            event_id: self.id,
            source: invalid.into(),
        })?;
        decode_action::<R>(
            self.id,
            self.action_code,
            meta.version,
            self.payload.clone(),
        )
    }

    /// The name of the event's action for record type `R` (`insert`,
    /// `edit`, `delete`, …), if `R` declares its code.
    pub fn action_name<R: Evented>(&self) -> Option<&'static str> {
        match self.action_code {
            action::DELETE => Some("delete"),
            action::SAVEPOINT => Some("savepoint"),
            code => R::Action::name_of(code),
        }
    }

    /// True for a delete event.
    pub fn is_delete(&self) -> bool {
        self.action_code == action::DELETE
    }

    /// The event's metadata: id, record id, version and time. The version
    /// is 0 when `__version__` is absent or not a version number (replay
    /// refuses the latter: [`Error::Decode`]).
    pub fn meta(&self) -> EventMeta {
        self.checked_meta().unwrap_or(EventMeta {
            version: 0,
            ..self.checked_meta_without_version()
        })
    }

    /// The event's metadata, refusing a `__version__` that is not a version
    /// number (a string, a negative or too large number).
    pub(crate) fn checked_meta(&self) -> Result<EventMeta, crate::invalid::Invalid> {
        Ok(EventMeta {
            version: self.payload.get::<u32>(reserved::VERSION)?.unwrap_or(0),
            ..self.checked_meta_without_version()
        })
    }

    /// The metadata taken from the row's columns, version 0.
    fn checked_meta_without_version(&self) -> EventMeta {
        EventMeta {
            id: self.id,
            record_id: self.parent_id,
            version: 0,
            inserted_at: self.inserted_at,
        }
    }

    /// Targets of this event's links of kind `link`.
    pub fn linked<L: RecordLink>(&self, link: L) -> impl Iterator<Item = Uuid> + '_ {
        let name = link.name();
        self.links
            .iter()
            .filter(move |stored| stored.name == name)
            .map(|stored| stored.target)
    }

    /// Targets of this event's links `link` of the kind `kind` (a typed
    /// link).
    pub fn linked_as<L, K>(&self, link: L, kind: K) -> impl Iterator<Item = Uuid> + '_
    where
        L: TypedLink<K>,
        K: LinkKind,
    {
        let (name, code) = (link.name(), kind.code());
        self.links
            .iter()
            .filter(move |stored| stored.name == name && stored.kind == Some(code))
            .map(|stored| stored.target)
    }

    /// True when this event is the first of its record.
    pub fn is_first(&self) -> bool {
        self.id == self.parent_id
    }
}

/// The action stored under `code` with `payload` by `version` of record
/// type `R`: upcast first when `version` is older than `R`'s.
pub(crate) fn decode_action<R: Changeset>(
    event_id: Uuid,
    code: i32,
    version: u32,
    mut payload: Attrs,
) -> Result<R::Action> {
    for key in reserved::ALL {
        payload.remove(key);
    }
    let decode_error = |invalid: crate::invalid::Invalid| Error::Decode {
        record_type: R::NAME,
        event_id,
        source: invalid.into(),
    };
    if version < R::VERSION {
        if let Some(name) = R::Action::name_of(code) {
            payload = R::upcast(name, version, payload).map_err(decode_error)?;
        }
    }
    match R::Action::decode(code, payload) {
        Ok(Some(action)) => Ok(action),
        Ok(None) => Err(Error::UnknownActionCode {
            record_type: R::NAME,
            event_id,
            code,
        }),
        Err(invalid) => Err(decode_error(invalid)),
    }
}

/// An event about to be written, as a `prepare_event` hook sees it.
///
/// The hook may read it and attach links; everything else was fixed by the
/// store (ids, time, and the action the transition will apply).
#[derive(Debug)]
pub struct NewEvent<R: Evented> {
    meta: EventMeta,
    action: R::Action,
    links: Vec<Link>,
}

impl<R: Evented> NewEvent<R> {
    /// The event the store is about to write.
    pub(crate) fn new(meta: EventMeta, action: R::Action) -> Self {
        Self {
            meta,
            action,
            links: Vec::new(),
        }
    }

    /// UUIDv7 of the event.
    pub fn id(&self) -> Uuid {
        self.meta.id
    }

    /// The record's id.
    pub fn record_id(&self) -> Id<R> {
        Id::new(self.meta.record_id)
    }

    /// The event's metadata.
    pub fn meta(&self) -> &EventMeta {
        &self.meta
    }

    /// The action and its payload, as they will be stored.
    pub fn action(&self) -> &R::Action {
        &self.action
    }

    /// When the event is written.
    pub fn inserted_at(&self) -> DateTime<Utc> {
        self.meta.inserted_at
    }

    /// Links to write with the event.
    pub fn links(&self) -> &[Link] {
        &self.links
    }

    /// Attaches a link of kind `link` to the event `target`, which must
    /// belong to the same record (the database refuses it otherwise:
    /// [`Error::LinkAcrossRecords`]).
    pub fn link(&mut self, link: R::Link, target: Uuid) {
        self.links.push(Link::new(link.name(), target));
    }

    /// Attaches a link of a typed link (`links(relates(kind = Relation))`)
    /// with its `kind` to the event `target`. One event may link to the
    /// same target with several kinds, never twice with the same one.
    pub fn link_as<K: LinkKind>(&mut self, link: R::Link, kind: K, target: Uuid)
    where
        R::Link: TypedLink<K>,
    {
        self.links.push(Link {
            name: link.name(),
            target,
            kind: Some(kind.code()),
        });
    }

    /// The parts the store writes: metadata, action and links.
    pub(crate) fn into_parts(self) -> (EventMeta, R::Action, Vec<Link>) {
        (self.meta, self.action, self.links)
    }
}

/// How far ahead of this machine's clock the time of a record's latest
/// event (in a hashed log: of the log's latest event) may be for a new
/// event to follow it: one hour. A new event is stamped after it; past this
/// lead a write is refused with [`Error::EventInFuture`](crate::Error::EventInFuture)
/// rather than giving the new event (and, in a hashed log, every later
/// event of the log) a time from the future. Within it, small clock
/// differences between writers are absorbed as before.
pub const MAX_CLOCK_LEAD: TimeDelta = TimeDelta::seconds(3600);

/// [`MAX_CLOCK_LEAD`] in words, for messages.
pub(crate) const MAX_CLOCK_LEAD_TEXT: &str = "one hour";

/// The current time at the precision both backends store: microseconds.
pub(crate) fn now_micros() -> DateTime<Utc> {
    let now = Utc::now();
    now.duration_trunc(TimeDelta::microseconds(1))
        .unwrap_or(now)
}

/// The first microsecond after the times Spector stores and reads:
/// 262142-01-01T00:00:00Z, in microseconds since 1970. `chrono` ends a
/// little later and PostgreSQL later still; every backend treats a stored
/// time at or past it as a corrupt event, and no write creates one.
pub const END_OF_TIME_MICROS: i64 = 8_210_235_340_800_000_000;

/// A timestamp for a new event that sorts after `latest`: now, or one
/// microsecond after `latest` when the clock has not moved past it; `None`
/// when that would be at or past [`END_OF_TIME_MICROS`].
pub(crate) fn next_timestamp(latest: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    let now = now_micros();
    let next = match latest {
        Some(latest) if now <= latest => latest.checked_add_signed(TimeDelta::microseconds(1))?,
        _ => now,
    };
    (next.timestamp_micros() < END_OF_TIME_MICROS).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_of_time_is_the_first_microsecond_of_the_year_262142() {
        let end = DateTime::from_timestamp_micros(END_OF_TIME_MICROS).unwrap();
        assert_eq!(end.to_rfc3339(), "+262142-01-01T00:00:00+00:00");
    }

    #[test]
    fn no_timestamp_follows_the_last_one_spector_stores() {
        let last = DateTime::from_timestamp_micros(END_OF_TIME_MICROS - 1).unwrap();
        assert_eq!(next_timestamp(Some(last)), None);
        assert_eq!(next_timestamp(Some(DateTime::<Utc>::MAX_UTC)), None);
        let before = DateTime::from_timestamp_micros(END_OF_TIME_MICROS - 2).unwrap();
        assert_eq!(
            next_timestamp(Some(before)).map(|t| t.timestamp_micros()),
            Some(END_OF_TIME_MICROS - 1)
        );
    }

    #[test]
    fn next_timestamp_moves_past_a_latest_event_in_the_future() {
        let future = now_micros() + TimeDelta::seconds(60);
        assert_eq!(
            next_timestamp(Some(future)),
            Some(future + TimeDelta::microseconds(1))
        );
    }

    #[test]
    fn the_clock_lead_in_words_is_the_constant() {
        assert_eq!(MAX_CLOCK_LEAD, TimeDelta::hours(1));
        assert_eq!(MAX_CLOCK_LEAD_TEXT, "one hour");
    }

    #[test]
    fn next_timestamp_is_now_after_an_old_event() {
        let old = now_micros() - TimeDelta::seconds(60);
        let next = next_timestamp(Some(old)).unwrap();
        assert!(next > old + TimeDelta::seconds(59));
        assert_eq!(next.timestamp_subsec_nanos() % 1000, 0, "microseconds");
    }
}
