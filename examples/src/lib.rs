//! Example apps of Spector.
//!
//! - [`basic_chat`]: the basic chat guide — a conversation with edit history.
//! - [`ledger`]: bank accounts — live rules apart from replay, a correction
//!   linked to the event it corrects, a rule tightened later.
//!   Transfers between accounts are batches: both events or neither.
//! - [`audit`]: a reviewed document in a hash-chained log with automatic
//!   savepoints, and the checks of both.
//! - [`users`]: user accounts with a read model (the table `users`), a
//!   version upgrade through `upcast`, `materialize`, and plain SQL beside
//!   the event log.
//! - [`ai_chat`]: branching conversations — each message links to the one
//!   it answers; a branch is one recursive query, replayed into a state.
//! - [`typed_links`]: a policy whose revisions supersede or cite earlier
//!   ones, through one typed link; queries per kind.
//!
//! Run one with `cargo run -p spector-examples --bin basic_chat` (or
//! `--bin ledger`, `--bin audit`, `--bin users`, `--bin ai_chat`, `--bin typed_links`; SQLite in
//! memory), or against PostgreSQL with
//! `--features postgres` and `SPECTOR_DATABASE_URL` (see the workspace
//! README).

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
compile_error!("spector-examples needs the `sqlite` or the `postgres` feature");

pub mod ai_chat;
pub mod audit;
pub mod backend;
pub mod basic_chat;
pub mod ledger;
pub mod typed_links;
pub mod users;
