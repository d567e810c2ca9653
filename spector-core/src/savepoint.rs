//! Savepoints: a record's whole state stored as an event, so that replay,
//! writes and reads start there instead of at the record's first event.

use std::num::NonZeroU32;

use crate::attrs::{reserved, Attrs};
use crate::event::EventMeta;
use crate::id::Id;
use crate::invalid::Invalid;
use crate::plan::Expected;
use crate::record::{Changeset, Evented};

/// The pair of hooks that turn a record's state into a savepoint payload and
/// back: what `#[evented(savepoints)]` implements with serde (the payload is
/// the state's serde form), and what `#[evented(savepoints(custom))]` leaves
/// to you.
///
/// Replay that reaches a savepoint event calls [`restore`](Savepoint::restore)
/// and continues from its state; the events before it are not read.
/// [`Store::verify_savepoints`](crate::Store::verify_savepoints) checks that
/// the pair loses nothing.
///
/// ```
/// use spector::{event_log, Attrs, Changeset, EventMeta, Evented, Id, Invalid, Savepoint};
///
/// #[derive(Debug, Clone, Default, PartialEq, Evented)]
/// #[evented(log = Counters, savepoints(custom))]
/// pub struct Counter { pub id: Id<Counter>, pub count: i64 }
///
/// event_log!(pub Counters { table: "counter_events", schemas: [Counter] });
///
/// impl Changeset for Counter {
///     fn changeset(mut self, _: CounterAction, _: &EventMeta) -> Result<Self, Invalid> {
///         self.count += 1;
///         Ok(self)
///     }
/// }
///
/// impl Savepoint for Counter {
///     fn save(&self) -> Result<Attrs, Invalid> {
///         let mut attrs = Attrs::new();
///         attrs.insert("count", self.count);
///         Ok(attrs)
///     }
///
///     fn restore(id: Id<Self>, payload: Attrs, _meta: &EventMeta) -> Result<Self, Invalid> {
///         Ok(Counter { id, count: payload.fetch("count")? })
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no savepoints",
    label = "`{Self}` needs `#[evented(savepoints)]`, or `savepoints(custom)` and an `impl spector::Savepoint`",
    note = "`#[evented(savepoints)]` saves the state's serde form; `savepoints(custom)` lets you implement `spector::Savepoint`"
)]
pub trait Savepoint: Changeset {
    /// The payload of a savepoint of this state: enough to rebuild it. It
    /// is stored as the savepoint event's payload, beside `__version__`
    /// and `__event_id__`.
    ///
    /// # Errors
    ///
    /// [`Invalid`] refuses the savepoint (and an automatic savepoint's
    /// write); nothing is written.
    fn save(&self) -> Result<Attrs, Invalid>;

    /// The state a savepoint payload rebuilds, for record `id`; `meta`
    /// holds the savepoint event's id, time and the version that wrote it,
    /// so an old savepoint can be upgraded.
    ///
    /// # Errors
    ///
    /// [`Invalid`] when the payload does not rebuild a state; reads of the
    /// record then fail with [`Error::Decode`](crate::Error::Decode) naming
    /// the savepoint event.
    fn restore(id: Id<Self>, payload: Attrs, meta: &EventMeta) -> Result<Self, Invalid>;
}

/// How a record type's savepoints are saved, restored and taken: the
/// [`Savepoint`] hooks as plain functions, so that replay can restore a
/// savepoint of any record type, and the automatic interval.
/// `#[derive(Evented)]` sets [`Evented::SAVEPOINTS`](crate::Evented::SAVEPOINTS).
pub struct SavepointHooks<R> {
    save: fn(&R) -> Result<Attrs, Invalid>,
    restore: fn(Id<R>, Attrs, &EventMeta) -> Result<R, Invalid>,
    every: Option<NonZeroU32>,
}

impl<R> Clone for SavepointHooks<R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for SavepointHooks<R> {}

impl<R> std::fmt::Debug for SavepointHooks<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SavepointHooks")
            .field("every", &self.every)
            .finish_non_exhaustive()
    }
}

impl<R> SavepointHooks<R> {
    /// `R`'s [`Savepoint`] hooks, with savepoints taken on request only.
    pub const fn of() -> Self
    where
        R: Savepoint,
    {
        Self {
            save: R::save,
            restore: R::restore,
            every: None,
        }
    }

    /// The same hooks, with a savepoint appended automatically, in the same
    /// transaction, by the write that brings the number of events since
    /// the latest savepoint to `events` (`0` takes none automatically).
    pub const fn every(self, events: u32) -> Self {
        Self {
            every: NonZeroU32::new(events),
            ..self
        }
    }

    /// The automatic interval, if any.
    pub fn interval(&self) -> Option<NonZeroU32> {
        self.every
    }

    /// The payload of a savepoint of `state`: the hook's attrs, checked as
    /// every payload is, numbers canonicalized, without reserved keys.
    pub(crate) fn payload(&self, state: &R) -> Result<Attrs, Invalid> {
        let mut payload = (self.save)(state).map_err(|invalid| invalid.prefixed("savepoint"))?;
        for key in [reserved::VERSION, reserved::EVENT_ID] {
            if payload.contains(key) {
                return Err(Invalid::new(
                    format!("savepoint.{key}"),
                    "is reserved: the store writes it",
                ));
            }
        }
        crate::payload::check(&payload).map_err(|invalid| invalid.prefixed("savepoint"))?;
        payload.canonicalize_numbers();
        Ok(payload)
    }

    /// The state a stored savepoint payload rebuilds (reserved keys removed).
    pub(crate) fn restore(
        &self,
        id: Id<R>,
        mut payload: Attrs,
        meta: &EventMeta,
    ) -> Result<R, Invalid> {
        payload.remove(reserved::VERSION);
        payload.remove(reserved::EVENT_ID);
        (self.restore)(id, payload, meta)
    }
}

/// What [`Store::savepoint`](crate::Store::savepoint) takes: a record's
/// [`Id`] (the savepoint is of its current state), or an in-memory record
/// `&R` (refused with [`Error::StaleRecord`](crate::Error::StaleRecord)
/// when it is not the current state).
pub trait SavepointOf<R: Evented> {
    /// The record, and the state it must have.
    fn target(self) -> SavepointTarget<R>;
}

/// The record a savepoint is of, and the state it must have: see
/// [`SavepointOf`].
pub struct SavepointTarget<R> {
    pub(crate) id: Id<R>,
    pub(crate) expected: Option<Expected<R>>,
}

impl<R: Evented> SavepointOf<R> for Id<R> {
    fn target(self) -> SavepointTarget<R> {
        SavepointTarget {
            id: self,
            expected: None,
        }
    }
}

impl<R: Evented + Clone + PartialEq> SavepointOf<R> for &R {
    fn target(self) -> SavepointTarget<R> {
        SavepointTarget {
            id: self.id(),
            expected: Some(Expected::new(self.clone())),
        }
    }
}
