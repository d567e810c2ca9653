//! The write plans of insert, execute and delete: what happens inside the
//! backend's transaction between loading the history and appending.

use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::action::{self, RecordAction};
use crate::attrs::{reserved, Attrs};
use crate::error::{Error, Result};
use crate::event::{next_timestamp, Event, NewEvent};
use crate::record::Changeset;
use crate::replay::replay;
use crate::storage::{RecordRef, WritePlan};

/// What a change does to its record.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Step<A> {
    /// Creates a new record with this action.
    Insert(A),
    /// Applies this action to an existing record.
    Execute(A),
    /// Deletes an existing record.
    Delete,
}

/// One change of a record of type `R`: replay, changeset, `prepare_event`.
pub(crate) struct Change<R: Changeset> {
    record: Option<Uuid>,
    step: Step<R::Action>,
    attrs: Attrs,
    record_type: PhantomData<fn() -> R>,
}

impl<R: Changeset> Change<R> {
    /// A new record, created with `action`.
    pub(crate) fn insert(action: R::Action, attrs: Attrs) -> Self {
        Self::new(None, Step::Insert(action), attrs)
    }

    /// `action` applied to the record `id`.
    pub(crate) fn execute(id: Uuid, action: R::Action, attrs: Attrs) -> Self {
        Self::new(Some(id), Step::Execute(action), attrs)
    }

    /// The record `id` deleted.
    pub(crate) fn delete(id: Uuid) -> Self {
        Self::new(Some(id), Step::Delete, Attrs::new())
    }

    fn new(record: Option<Uuid>, step: Step<R::Action>, attrs: Attrs) -> Self {
        Self {
            record,
            step,
            attrs,
            record_type: PhantomData,
        }
    }

    /// The current state of the record being changed: a fresh record for an
    /// insert, the replayed history otherwise.
    fn current_state(&self, id: Uuid, history: &[Event]) -> Result<R> {
        let Some(record_id) = self.record else {
            return Ok(R::fresh(id));
        };
        let not_found = Error::NotFound {
            schema: R::NAME,
            id: record_id,
        };
        if history.is_empty() {
            return Err(not_found);
        }
        replay::<R>(history)?.ok_or(Error::Deleted {
            schema: R::NAME,
            id: record_id,
        })
    }

    /// The payload as stored: the caller's attrs plus the reserved attrs.
    fn payload(&self, id: Uuid, inserted_at: DateTime<Utc>) -> Attrs {
        if matches!(self.step, Step::Delete) {
            return Attrs::new();
        }
        let now = serde_json::Value::String(
            inserted_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        );
        let mut attrs = self.attrs.clone();
        attrs.canonicalize_numbers();
        attrs.insert(reserved::VERSION, R::VERSION);
        attrs.insert(reserved::EVENT_ID, id.to_string());
        if matches!(self.step, Step::Insert(_)) {
            attrs.insert_default(reserved::INSERTED_AT, now.clone());
        }
        attrs.insert_default(reserved::UPDATED_AT, now);
        attrs
    }
}

impl<R: Changeset> WritePlan for Change<R> {
    /// The new state; for a delete, the state that was deleted.
    type Output = R;

    fn record(&self) -> Option<RecordRef> {
        self.record.map(|parent_id| RecordRef {
            parent_id,
            schema: R::SCHEMA_INDEX,
        })
    }

    fn plan(self, history: Vec<Event>) -> Result<(NewEvent, R)> {
        let id = Uuid::now_v7();
        let state = self.current_state(id, &history)?;
        let action = match self.step {
            Step::Insert(action) | Step::Execute(action) => Some(action),
            Step::Delete => None,
        };
        let inserted_at = next_timestamp(history.last().map(|e| e.inserted_at));
        let payload = self.payload(id, inserted_at);
        let mut event = NewEvent::new(Event {
            id,
            parent_id: self.record.unwrap_or(id),
            schema: R::SCHEMA_INDEX,
            action: action.map_or(action::DELETE, RecordAction::code),
            payload,
            inserted_at,
            links: Vec::new(),
        });
        let new_state = match action {
            Some(action) => state.changeset(action, event.payload())?,
            None => state,
        };
        let attrs = event.payload().clone();
        R::prepare_event(&mut event, &history, &attrs)?;
        if let Some(link) = event
            .links()
            .iter()
            .find(|link| !R::LINKS.iter().any(|decl| decl.name == link.name))
        {
            return Err(Error::UnknownLink {
                schema: R::NAME,
                link: link.name.clone(),
            });
        }
        Ok((event, new_state))
    }
}
