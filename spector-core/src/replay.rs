//! The replay engine: a record's current state from its events.

use crate::action::{self, RecordAction};
use crate::attrs::reserved;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::record::Changeset;

/// Rolls a record's events forward, oldest first, through its changeset.
///
/// Feed it events with [`apply`](Replay::apply); [`state`](Replay::state)
/// is the record after the last one, or `None` before the first event and
/// after a delete.
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

    /// Applies one event.
    ///
    /// A delete clears the state; a savepoint restarts from a fresh record;
    /// the first event (or the first after a delete) starts from a fresh
    /// record whose id is the record id. The changeset sees the payload as
    /// stored, with `__event_id__` set to the event's id.
    pub fn apply(&mut self, event: &Event) -> Result<()> {
        self.events += 1;
        if event.action == action::DELETE {
            self.state = None;
            return Ok(());
        }
        let action = R::Action::from_code(event.action).ok_or(Error::UnknownActionCode {
            schema: R::NAME,
            event_id: event.id,
            code: event.action,
        })?;
        let base = match self.state.take() {
            Some(state) if action != R::Action::SAVEPOINT => state,
            _ => R::fresh(event.parent_id),
        };
        let mut attrs = event.payload.clone();
        attrs.insert(reserved::EVENT_ID, event.id.to_string());
        let state = base
            .changeset(action, &attrs)
            .map_err(|invalid| Error::Decode {
                event_id: event.id,
                message: invalid.to_string(),
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

    /// The final state.
    pub fn into_state(self) -> Option<R> {
        self.state
    }
}

/// Replays `events` into the record's state (`None` when there are none or
/// the last one deletes the record).
pub fn replay<'a, R: Changeset>(events: impl IntoIterator<Item = &'a Event>) -> Result<Option<R>> {
    let mut replay = Replay::new();
    for event in events {
        replay.apply(event)?;
    }
    Ok(replay.into_state())
}
