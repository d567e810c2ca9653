//! The one error type of Spector's operations.

use uuid::Uuid;

use crate::invalid::Invalid;

/// A boxed error from a storage backend.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Result of Spector's operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in an operation. Nothing is written when an
/// operation returns an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The attrs were refused by the changeset or the `prepare_event` hook.
    #[error("invalid attrs: {0}")]
    Invalid(#[from] Invalid),

    /// The record has no events (or none of this record type), or the
    /// event asked for is not one of the record's.
    #[error("{schema} {id} not found")]
    NotFound {
        /// The record type.
        schema: &'static str,
        /// The record id, or the event id.
        id: Uuid,
    },

    /// The record's history ends in a delete.
    #[error("{schema} {id} is deleted")]
    Deleted {
        /// The record type.
        schema: &'static str,
        /// The record id.
        id: Uuid,
    },

    /// The record type declares no action of that name.
    #[error("{schema} has no action `{action}`")]
    UnknownAction {
        /// The record type.
        schema: &'static str,
        /// The name asked for.
        action: String,
    },

    /// The action exists but is not the caller's to run: `savepoint`
    /// events hold snapshots that the store writes itself.
    #[error("{schema}: the `{action}` action is reserved and cannot be executed")]
    ReservedAction {
        /// The record type.
        schema: &'static str,
        /// The action's name.
        action: &'static str,
    },

    /// A stored event has an action code its record type does not declare.
    #[error("event {event_id} of {schema} has unknown action code {code}")]
    UnknownActionCode {
        /// The record type.
        schema: &'static str,
        /// The event.
        event_id: Uuid,
        /// The stored code.
        code: i32,
    },

    /// A link name that the record type (or its event log) does not declare.
    #[error("{schema} has no link `{link}`")]
    UnknownLink {
        /// The record type, or the event log's table.
        schema: &'static str,
        /// The link name asked for.
        link: String,
    },

    /// The two ends of a link belong to different records.
    #[error("link `{link}` from event {event_id} to {target} crosses records")]
    LinkAcrossRecords {
        /// The link name.
        link: String,
        /// The event that holds the link.
        event_id: Uuid,
        /// The event it points to.
        target: Uuid,
    },

    /// A stored payload could not be decoded during replay.
    #[error("event {event_id} has a payload that does not decode: {message}")]
    Decode {
        /// The event whose payload is bad.
        event_id: Uuid,
        /// What was wrong.
        message: String,
    },

    /// The event log declaration is not usable (bad identifier, conflicting links …).
    #[error("event log `{table}` is misdeclared: {reason}")]
    InvalidLog {
        /// The log's table.
        table: String,
        /// What is wrong.
        reason: String,
    },

    /// The database failed; the operation was rolled back.
    #[error("storage error: {0}")]
    Storage(#[source] BoxError),
}

impl Error {
    /// Wraps a backend's error.
    pub fn storage(error: impl Into<BoxError>) -> Self {
        Self::Storage(error.into())
    }

    /// The validation errors, when this is [`Error::Invalid`].
    pub fn as_invalid(&self) -> Option<&Invalid> {
        match self {
            Self::Invalid(invalid) => Some(invalid),
            _ => None,
        }
    }
}
