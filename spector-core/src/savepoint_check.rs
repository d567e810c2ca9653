//! `verify_savepoints`: does every savepoint restore the state the events
//! before it replay to?

use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::action;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::replay::{restore, Replay};
use crate::savepoint::Savepoint;
use crate::storage::EventFold;

/// What [`Store::verify_savepoints`](crate::Store::verify_savepoints) found.
#[derive(Debug, Clone, PartialEq)]
#[must_use = "a mismatch is reported here, not as an error"]
pub enum SavepointCheck<R> {
    /// Every savepoint restores the state replayed up to it (a record
    /// without savepoints verifies too).
    Consistent {
        /// How many savepoints were checked.
        savepoints: usize,
    },
    /// The first savepoint that restores another state.
    Mismatch(Box<SavepointMismatch<R>>),
}

impl<R> SavepointCheck<R> {
    /// True when every savepoint checked out.
    pub fn is_consistent(&self) -> bool {
        matches!(self, Self::Consistent { .. })
    }
}

/// A savepoint whose state differs from the replay of the events before it:
/// the savepoint hooks lose (or change) something.
#[derive(Debug, Clone, PartialEq)]
pub struct SavepointMismatch<R> {
    /// The record.
    pub record_id: Uuid,
    /// The savepoint event.
    pub savepoint_id: Uuid,
    /// The state replayed up to the savepoint without it (from the previous
    /// savepoint, or from the first event).
    pub expected: R,
    /// The state the savepoint restores.
    pub actual: R,
    /// The fields whose serialized values differ, in field order (empty
    /// when only a field serde skips differs).
    pub fields: Vec<FieldMismatch>,
}

/// One field that a savepoint restores differently.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldMismatch {
    /// The field's name.
    pub field: String,
    /// Its replayed value (`null` when absent).
    pub expected: Value,
    /// Its restored value (`null` when absent).
    pub found: Value,
}

impl<R> std::fmt::Display for SavepointMismatch<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "savepoint {} of record {} does not restore the replayed state",
            self.savepoint_id, self.record_id
        )?;
        for (i, field) in self.fields.iter().enumerate() {
            let sep = if i == 0 { ": " } else { "; " };
            write!(
                f,
                "{sep}`{}` expected {}, found {}",
                field.field, field.expected, field.found
            )?;
        }
        Ok(())
    }
}

/// Replays a record's events, comparing at each savepoint the state
/// replayed up to it with the state it restores; continues from the
/// restored state, so that each savepoint is checked against the path
/// through the savepoint before it.
pub(crate) struct VerifySavepoints<R> {
    replay: Replay<R>,
    savepoints: usize,
    mismatch: Option<Box<SavepointMismatch<R>>>,
}

impl<R: Savepoint> VerifySavepoints<R> {
    /// A check that has seen no event.
    pub(crate) fn new() -> Self {
        Self {
            replay: Replay::new(),
            savepoints: 0,
            mismatch: None,
        }
    }
}

impl<R: Savepoint + PartialEq + Serialize> EventFold for VerifySavepoints<R> {
    type Output = SavepointCheck<R>;

    fn push(&mut self, event: Event) -> Result<()> {
        if self.mismatch.is_some() {
            return Ok(());
        }
        if event.action_code != action::SAVEPOINT {
            return self.replay.apply(&event);
        }
        self.savepoints += 1;
        let meta = event.checked_meta().map_err(|invalid| Error::Decode {
            record_type: R::NAME,
            event_id: event.id,
            source: invalid.into(),
        })?;
        let actual = restore::<R>(&event, &meta)?;
        match self.replay.take_state() {
            Some(expected) if expected != actual => {
                self.mismatch = Some(Box::new(SavepointMismatch {
                    record_id: event.parent_id,
                    savepoint_id: event.id,
                    fields: field_mismatches(&expected, &actual),
                    expected,
                    actual,
                }));
            }
            _ => self.replay.resume_from(actual),
        }
        Ok(())
    }

    fn finish(self) -> Result<SavepointCheck<R>> {
        Ok(match self.mismatch {
            Some(mismatch) => SavepointCheck::Mismatch(mismatch),
            None => SavepointCheck::Consistent {
                savepoints: self.savepoints,
            },
        })
    }
}

/// The top-level fields whose serialized values differ between `expected`
/// and `actual`; a state that does not serialize to an object is compared
/// as one field, `state`.
fn field_mismatches<R: Serialize>(expected: &R, actual: &R) -> Vec<FieldMismatch> {
    let as_object = |state: &R| match serde_json::to_value(state) {
        Ok(Value::Object(map)) => map,
        Ok(other) => [("state".to_owned(), other)].into_iter().collect(),
        Err(error) => [("state".to_owned(), Value::String(error.to_string()))]
            .into_iter()
            .collect(),
    };
    let expected = as_object(expected);
    let mut actual = as_object(actual);
    let mut fields = Vec::new();
    for (field, expected) in expected {
        let found = actual.remove(&field).unwrap_or(Value::Null);
        if found != expected {
            fields.push(FieldMismatch {
                field,
                expected,
                found,
            });
        }
    }
    for (field, found) in actual {
        fields.push(FieldMismatch {
            field,
            expected: Value::Null,
            found,
        });
    }
    fields.sort_by(|a, b| a.field.cmp(&b.field));
    fields
}
