//! Spector: CQRS-style event sourcing for Rust structs.
//!
//! Every change to a record (insert, update, delete, custom actions such as
//! `edit`) is appended as an immutable event row in a SQL table; the current
//! state is rebuilt by replaying the record's events through the record
//! type's own [`Changeset`]. Links relate events to each other (edit
//! history, conversation branches).
//!
//! This facade re-exports [`spector_core`], the [`Evented`](derive@Evented)
//! derive and the [`event_log!`] macro, and the backends chosen by cargo
//! feature: `sqlite` (default, [`sqlite`]) and `postgres` ([`postgres`]).
//!
//! See the workspace README for a walk through the basic chat example.

pub use spector_core::*;
pub use spector_derive::{event_log, Evented};

/// The SQLite backend (feature `sqlite`, on by default).
#[cfg(feature = "sqlite")]
pub use spector_sqlite as sqlite;

/// The PostgreSQL backend (feature `postgres`).
#[cfg(feature = "postgres")]
pub use spector_postgres as postgres;
