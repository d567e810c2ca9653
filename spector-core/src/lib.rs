//! Core of Spector: CQRS-style event sourcing for Rust structs.
//!
//! Every change to a record is appended as an immutable [`Event`]; the
//! record's current state is the replay of its events through the record
//! type's own [`Changeset`]. This crate holds the traits and types every
//! backend shares and knows no SQL dialect:
//!
//! - records: [`Evented`] (derived), [`Changeset`] (written by hand),
//!   [`RecordAction`], [`LogMember`];
//! - values: [`Attrs`], [`Invalid`], [`Event`], [`NewEvent`], [`Link`];
//! - event logs: [`EventLog`], [`LogSpec`], [`LinkDecl`];
//! - the [`replay`] engine, the [`Storage`] trait backends implement, and
//!   the [`Store`] with the operations (insert, update, execute, delete,
//!   get, all_events, link queries).
//!
//! Users depend on the `spector` facade crate, which re-exports this crate,
//! the derive macro and the backends chosen by cargo feature.

#![warn(missing_docs)]

pub mod action;
mod attrs;
mod error;
mod event;
mod identifier;
mod invalid;
mod log;
mod plan;
mod record;
pub mod replay;
mod storage;
mod store;

pub use action::{IntoAction, RecordAction};
pub use attrs::{reserved, Attrs};
pub use error::{BoxError, Error, Result};
pub use event::{next_timestamp, now_micros, Event, Link, NewEvent};
pub use identifier::{is_identifier, is_sql_keyword, MAX_IDENTIFIER_LEN};
pub use invalid::Invalid;
pub use log::{EventLog, LinkDecl, LinkSpec, LogCell, LogSpec, SchemaSpec};
pub use record::{Changeset, Evented, LogMember};
pub use replay::{replay, Replay};
pub use storage::{
    CollectEvents, EventFilter, EventFold, EventQuery, RecordRef, Storage, WritePlan,
};
pub use store::{Connect, Store};
pub use uuid::Uuid;

/// Items the macros expand to; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use serde_json::json;
}
