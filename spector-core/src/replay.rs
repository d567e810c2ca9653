//! The replay engine: a record's current state from its events.

use crate::action;
use crate::attrs::Attrs;
use crate::error::{BoxError, Error, Result};
use crate::event::{decode_action, Event, EventMeta};
use crate::id::Id;
use crate::record::Changeset;

/// Rolls a record's events forward, oldest first, through its transition
/// ([`Changeset::changeset`]); the live rules (`validate`) do not run.
///
/// Feed it events with [`apply`](Replay::apply); [`state`](Replay::state)
/// is the record after the last one, or `None` before the first event and
/// after a delete. [`Replay::run`] does it for a slice of events.
#[derive(Debug)]
pub struct Replay<R> {
    state: Option<R>,
    events: usize,
}

impl<R: Changeset> Default for Replay<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Changeset> Replay<R> {
    /// A replay that has seen no event.
    pub fn new() -> Self {
        Self {
            state: None,
            events: 0,
        }
    }

    /// Replays `events` into the record's state (`None` when there are
    /// none or the last one deletes the record).
    ///
    /// # Errors
    ///
    /// See [`apply`](Replay::apply).
    pub fn run<'a>(events: impl IntoIterator<Item = &'a Event>) -> Result<Option<R>> {
        let mut replay = Self::new();
        for event in events {
            replay.apply(event)?;
        }
        Ok(replay.into_state())
    }

    /// Applies one event: a delete clears the state; a savepoint replaces
    /// it with the state the savepoint restores; any other event decodes
    /// its action and payload as stored and applies it to the state so far,
    /// or to a fresh record (id set) when there is none.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownActionCode`] for a code the type does not declare
    /// (a savepoint event too, for a type without savepoints),
    /// [`Error::Decode`] for a payload that does not decode (or a savepoint
    /// that does not restore the record),
    /// [`Error::Replay`] when the transition refuses the event — each
    /// naming the event.
    pub fn apply(&mut self, event: &Event) -> Result<()> {
        match self.start(event)? {
            Some(meta) => self.transition(event, &meta, event.payload.clone()),
            None => Ok(()),
        }
    }

    /// [`apply`](Replay::apply) for an event the caller is done with: its
    /// payload is decoded in place, not copied (a read that folds rows
    /// straight into the state).
    pub(crate) fn apply_owned(&mut self, mut event: Event) -> Result<()> {
        match self.start(&event)? {
            Some(meta) => {
                let payload = std::mem::take(&mut event.payload);
                self.transition(&event, &meta, payload)
            }
            None => Ok(()),
        }
    }

    /// Counts `event`; applies a delete or a savepoint; for any other
    /// event, its metadata, for [`transition`](Replay::transition).
    fn start(&mut self, event: &Event) -> Result<Option<EventMeta>> {
        self.events += 1;
        if event.action_code == action::DELETE {
            self.state = None;
            return Ok(None);
        }
        let meta = event.checked_meta().map_err(|invalid| Error::Decode {
            record_type: R::NAME,
            event_id: event.id,
            source: invalid.into(),
        })?;
        if event.action_code == action::SAVEPOINT {
            self.state = Some(restore::<R>(event, &meta)?);
            return Ok(None);
        }
        Ok(Some(meta))
    }

    /// Decodes `event`'s action from `payload` and applies it to the state
    /// so far, or to a fresh record.
    fn transition(&mut self, event: &Event, meta: &EventMeta, payload: Attrs) -> Result<()> {
        let action = decode_action::<R>(event.id, event.action_code, meta.version, payload)?;
        let base = self
            .state
            .take()
            .unwrap_or_else(|| R::fresh(Id::new(event.parent_id)));
        let state = base
            .changeset(action, meta)
            .map_err(|source| Error::Replay {
                record_type: R::NAME,
                event_id: event.id,
                source,
            })?;
        self.state = Some(state);
        Ok(())
    }

    /// How many events were applied.
    pub fn len(&self) -> usize {
        self.events
    }

    /// True when no event was applied.
    pub fn is_empty(&self) -> bool {
        self.events == 0
    }

    /// The state after the events applied so far.
    pub fn state(&self) -> Option<&R> {
        self.state.as_ref()
    }

    /// Takes the state so far, leaving none.
    pub(crate) fn take_state(&mut self) -> Option<R> {
        self.state.take()
    }

    /// Continues from `state`, as after a savepoint event that restored it.
    pub(crate) fn resume_from(&mut self, state: R) {
        self.events += 1;
        self.state = Some(state);
    }

    /// The final state.
    pub fn into_state(self) -> Option<R> {
        self.state
    }
}

/// The state the savepoint `event` restores.
///
/// # Errors
///
/// [`Error::UnknownActionCode`] for a type without savepoints,
/// [`Error::Decode`] when the hook refuses the payload or restores another
/// record.
pub(crate) fn restore<R: Changeset>(event: &Event, meta: &EventMeta) -> Result<R> {
    let Some(hooks) = R::SAVEPOINTS else {
        return Err(Error::UnknownActionCode {
            record_type: R::NAME,
            event_id: event.id,
            code: event.action_code,
        });
    };
    let decode = |source: BoxError| Error::Decode {
        record_type: R::NAME,
        event_id: event.id,
        source,
    };
    let state = hooks
        .restore(Id::new(event.parent_id), event.payload.clone(), meta)
        .map_err(|invalid| decode(invalid.into()))?;
    if state.id().uuid() != event.parent_id {
        return Err(decode(
            format!(
                "the savepoint restores record {}, not its own record {}",
                state.id().uuid(),
                event.parent_id
            )
            .into(),
        ));
    }
    Ok(state)
}
