//! A record's history as the store reads it: every event of the record id,
//! checked to belong to the record type asked for.
//!
//! Backends select a record's events by id alone, so that no stored event
//! of that record is skipped unseen: an event whose schema index the log
//! does not declare, or an event of another type in the middle of a
//! record, is [`Error::CorruptEvent`] naming it. A record whose first event
//! is of another type is not a record of this type (nothing is returned).

use std::marker::PhantomData;

use crate::error::{Error, Result};
use crate::event::Event;
use crate::log::EventLog;
use crate::record::Evented;
use crate::storage::EventFold;

/// Whose record the events read so far belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    /// No event read yet.
    Unknown,
    /// The record type asked for.
    Mine,
    /// Another record type: its events are not returned.
    Foreign,
}

/// Sorts one record's events, oldest first, into those of record type `R`.
#[derive(Debug)]
pub(crate) struct History<R> {
    owner: Owner,
    record_type: PhantomData<fn() -> R>,
}

impl<R: Evented> History<R> {
    /// A history that has seen no event.
    pub(crate) fn new() -> Self {
        Self {
            owner: Owner::Unknown,
            record_type: PhantomData,
        }
    }

    /// Whether `event` (the next of the record) is one of `R`'s.
    ///
    /// # Errors
    ///
    /// [`Error::CorruptEvent`] for a schema index the log does not declare,
    /// a link the log does not declare as stored (a kind its link lacks),
    /// or an event of another type inside a record of `R`.
    pub(crate) fn admits(&mut self, event: &Event) -> Result<bool> {
        let log = R::Log::spec()?;
        let corrupt = |reason: String| Error::CorruptEvent {
            table: log.table().to_string(),
            event_id: event.id,
            reason,
        };
        crate::stored_links::check(log, event)?;
        if log.schema(event.schema_index).is_none() {
            return Err(corrupt(format!(
                "its schema index {} is not declared by the event log",
                event.schema_index
            )));
        }
        let mine = event.schema_index == R::SCHEMA_INDEX;
        match (self.owner, mine) {
            (Owner::Unknown, true) => self.owner = Owner::Mine,
            (Owner::Unknown, false) => self.owner = Owner::Foreign,
            (Owner::Mine, false) => {
                return Err(corrupt(format!(
                    "it belongs to {} but its record {} is a {}",
                    log.record_type(event.schema_index),
                    event.parent_id,
                    R::NAME
                )))
            }
            (Owner::Mine, true) | (Owner::Foreign, _) => {}
        }
        Ok(self.owner == Owner::Mine)
    }

    /// `events` of one record, oldest first, kept when they are `R`'s.
    ///
    /// # Errors
    ///
    /// As [`admits`](History::admits).
    pub(crate) fn filter(events: Vec<Event>) -> Result<Vec<Event>> {
        let mut history = Self::new();
        let mut kept = Vec::with_capacity(events.len());
        for event in events {
            if history.admits(&event)? {
                kept.push(event);
            }
        }
        Ok(kept)
    }
}

/// A fold that only sees the events of record type `R`.
pub(crate) struct OwnEvents<R, F> {
    history: History<R>,
    fold: F,
}

impl<R: Evented, F> OwnEvents<R, F> {
    /// `fold`, fed the events of `R` only.
    pub(crate) fn new(fold: F) -> Self {
        Self {
            history: History::new(),
            fold,
        }
    }
}

impl<R: Evented, F: EventFold> EventFold for OwnEvents<R, F> {
    type Output = F::Output;

    fn push(&mut self, event: Event) -> Result<()> {
        if self.history.admits(&event)? {
            self.fold.push(event)?;
        }
        Ok(())
    }

    fn finish(self) -> Result<F::Output> {
        self.fold.finish()
    }
}
