//! Example apps of Spector.
//!
//! - [`basic_chat`]: the basic chat guide — a conversation with edit history.
//! - [`ledger`]: bank accounts — live rules apart from replay, a correction
//!   linked to the event it corrects, a rule tightened later.
//! - [`audit`]: a reviewed document in a hash-chained log with automatic
//!   savepoints, and the checks of both.
//!
//! Run one with `cargo run -p spector-examples --bin basic_chat` (or
//! `--bin ledger`, `--bin audit`; SQLite in memory), or against PostgreSQL with
//! `--features postgres` and `SPECTOR_DATABASE_URL` (see the workspace
//! README).

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
compile_error!("spector-examples needs the `sqlite` or the `postgres` feature");

pub mod audit;
pub mod backend;
pub mod basic_chat;
pub mod ledger;
pub mod users;
