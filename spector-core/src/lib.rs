//! Core of Spector: CQRS-style event sourcing for Rust structs.
//!
//! Every change to a record is appended as an immutable [`Event`]; the
//! record's current state is the replay of its events through the record
//! type's own [`Changeset`]. This crate holds the traits and types every
//! backend shares and knows no SQL dialect:
//!
//! - records: [`Evented`] (derived), [`Changeset`] (written by hand), the
//!   generated action and link enums ([`RecordAction`], [`RecordLink`]),
//!   typed ids ([`Id`]);
//! - values: [`Attrs`], [`Invalid`], [`Event`], [`EventMeta`], [`NewEvent`];
//! - the [`Replay`] engine and the [`Store`] with every operation;
//! - [`backend`]: what a storage backend implements and uses.
//!
//! Users depend on the `spector` facade crate, which re-exports the user
//! API of this crate, the derive macro and the backends chosen by feature.

#![warn(missing_docs)]

pub mod action;
mod attrs;
mod batch;
mod bringup;
mod chain_check;
mod error;
mod event;
mod hash;
mod history;
mod id;
mod identifier;
mod invalid;
mod link;
mod log;
mod materialized;
mod payload;
mod plan;
mod record;
mod replay;
mod savepoint;
mod savepoint_check;
mod storage;
mod store;
mod stored_links;

pub use action::{RecordAction, Updatable};
pub use attrs::{reserved, Attrs};
pub use batch::{Batch, Committed, Ticket};
pub use bringup::Bringup;
pub use chain_check::{ChainBreak, ChainCheck, ChainHead};
pub use error::{BoxError, Error, Result};
pub use event::{Event, EventMeta, NewEvent, MAX_CLOCK_LEAD};
pub use hash::{canonical_json, EventHash};
pub use id::{Id, IntoId};
pub use invalid::Invalid;
pub use link::{Link, LinkKind, RecordLink, TypedLink};
pub use log::EventLog;
pub use materialized::{ColumnType, Materialization, Materialized, Row, ToColumn, Value};
pub use payload::{DEFAULT_MAX_PAYLOAD_BYTES, MAX_PAYLOAD_DEPTH};
pub use record::{Changeset, Evented, LogMember};
pub use replay::Replay;
pub use savepoint::{Savepoint, SavepointHooks, SavepointOf, SavepointTarget};
pub use savepoint_check::{FieldMismatch, SavepointCheck, SavepointMismatch};
pub use store::{Connect, Idempotent, LogPage, Page, Store};
pub use uuid::Uuid;

/// What a storage backend implements ([`Storage`](backend::Storage)) and
/// the types it works with: resolved logs with checked identifiers, reads,
/// and the write plans core hands it.
pub mod backend {
    /// The message with which every backend's same-record trigger refuses a
    /// link between two records.
    pub const LINK_ACROSS_RECORDS: &str = "spector: linked events belong to different records";

    pub use crate::event::END_OF_TIME_MICROS;

    pub use crate::identifier::{is_identifier, is_sql_keyword, SqlIdent, MAX_IDENTIFIER_LEN};
    pub use crate::log::{ColumnSpec, LinkDecl, LinkSpec, LogSpec, SchemaSpec, TableSpec};
    pub use crate::materialized::{ColumnDecl, RowWrite, TableDecl};
    pub use crate::storage::{
        ChainTail, CollectEvents, EventFilter, EventFold, EventQuery, HistoryStart, MultiPlan,
        MultiPlanned, PlanInput, Planned, RecordRef, Storage, WritePlan, WriteTarget,
    };
}

/// Items the macros expand to; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::log::{LinkDecl, LogCell, SchemaSpec, WritesTo};
    pub use crate::materialized::{ColumnDecl, Materialization, TableDecl};
    use serde::de::DeserializeOwned;
    use serde::Serialize;
    pub use serde_json::{json, Value};

    /// What an action's payload type must be; generated code goes through
    /// it so that a payload type that is not serde is one error on it.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be an action payload",
        label = "a payload must implement `Debug`, `serde::Serialize` and `serde::Deserialize`",
        note = "derive them: `#[derive(Debug, Serialize, Deserialize)]`"
    )]
    pub trait Payload: Sized {
        /// The payload of the action called `action` as a JSON object.
        fn encode(&self, action: &'static str) -> Result<crate::Attrs, crate::Invalid>;
        /// The payload from a JSON object.
        fn decode(payload: crate::Attrs) -> Result<Self, crate::Invalid>;
    }

    impl<T: std::fmt::Debug + Serialize + DeserializeOwned> Payload for T {
        fn encode(&self, action: &'static str) -> Result<crate::Attrs, crate::Invalid> {
            crate::payload::encode_payload(action, self)
        }

        fn decode(payload: crate::Attrs) -> Result<Self, crate::Invalid> {
            payload.into_decoded()
        }
    }

    /// What the type of a field with a column of its own in a materialized
    /// table must be; generated code goes through it so that a type
    /// without a column kind is one error on the field, which says how to
    /// give it one.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` has no column type in a materialized table",
        label = "mark the field `#[evented(json)]` to store it as JSON, or `#[evented(skip)]` to leave it out of the table",
        note = "a type of your own (an enum, a newtype) gets a column of its own kind with `impl spector::ToColumn` for it (an enum as text, say)"
    )]
    pub trait FieldColumn {
        /// The column kind.
        const TYPE: crate::ColumnType;
        /// True when the column may be `NULL`.
        const NULLABLE: bool;
        /// The value to store.
        fn to_value(&self) -> crate::Value;
    }

    impl<T: crate::ToColumn + ?Sized> FieldColumn for T {
        const TYPE: crate::ColumnType = T::TYPE;
        const NULLABLE: bool = T::NULLABLE;

        fn to_value(&self) -> crate::Value {
            crate::ToColumn::to_value(self)
        }
    }

    /// What a record type with `#[evented(savepoints)]` must be: its
    /// savepoint is its serde form.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be saved by `#[evented(savepoints)]`",
        label = "its savepoints are its serde form: it must implement `serde::Serialize` and `serde::Deserialize`",
        note = "derive them, or write the hooks yourself: `savepoints(custom)` and `impl spector::Savepoint`"
    )]
    pub trait SerdeState: Sized {
        /// The state's serde form.
        fn save(&self) -> Result<crate::Attrs, crate::Invalid>;
        /// The state from its serde form.
        fn restore(payload: crate::Attrs) -> Result<Self, crate::Invalid>;
    }

    impl<T: Serialize + DeserializeOwned> SerdeState for T {
        fn save(&self) -> Result<crate::Attrs, crate::Invalid> {
            crate::Attrs::encode(self)
        }

        fn restore(payload: crate::Attrs) -> Result<Self, crate::Invalid> {
            payload.into_decoded()
        }
    }

    /// What a record type's `id` field may be: `Uuid` or `Id<Self>`.
    #[diagnostic::on_unimplemented(
        message = "the `id` field must be a `Uuid` or a `spector::Id<{R}>`, not `{Self}`",
        label = "the id of the record's first event"
    )]
    pub trait RecordIdField<R>: Sized {
        /// The field as a typed id.
        fn to_id(&self) -> crate::Id<R>;
        /// The field from a typed id.
        fn from_id(id: crate::Id<R>) -> Self;
    }

    impl<R> RecordIdField<R> for uuid::Uuid {
        fn to_id(&self) -> crate::Id<R> {
            crate::Id::new(*self)
        }

        fn from_id(id: crate::Id<R>) -> Self {
            id.uuid()
        }
    }

    impl<R> RecordIdField<R> for crate::Id<R> {
        fn to_id(&self) -> crate::Id<R> {
            *self
        }

        fn from_id(id: crate::Id<R>) -> Self {
            id
        }
    }

    /// The log of a record type whose `log = ...` is missing, in the
    /// derive's fallback expansion; never used at run time.
    #[derive(Debug)]
    pub struct NoLog;

    impl crate::EventLog for NoLog {
        fn spec() -> crate::Result<&'static crate::backend::LogSpec> {
            Err(crate::Error::InvalidLog {
                table: String::new(),
                reason: "the record type names no event log".to_owned(),
            })
        }
    }
}
