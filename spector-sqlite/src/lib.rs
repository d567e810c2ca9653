//! SQLite backend of Spector, on rusqlite: the embedded default.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> spector_core::Result<()> {
//! use spector_core::Store;
//! use spector_sqlite::Sqlite;
//!
//! let store = Store::new(Sqlite::memory().await?);
//! // store.migrate::<MyEvents>().await?; then insert, update, execute, get …
//! # let _ = store;
//! # Ok(())
//! # }
//! ```
//!
//! Storage layout (see [`migration`]): ids are 16-byte BLOBs, payloads JSON
//! TEXT, `inserted_at` INTEGER microseconds since the Unix epoch (UTC).
//! Every write reads the record's history, plans the event and appends it
//! with its links inside a `BEGIN IMMEDIATE` transaction, under a savepoint
//! of its own: one writer thread commits the writes queued together in one
//! transaction (group commit), and read connections beside it read in WAL
//! mode without waiting for it (see [`Sqlite`]).
//!
//! Durability: files are opened in WAL mode with `synchronous = FULL`, so an
//! acknowledged write survives a power loss; [`Synchronous::Normal`] is the
//! faster opt-in that may lose the last writes on an OS crash. Writers of
//! one file wait [`DEFAULT_BUSY_TIMEOUT`] for each other
//! ([`SqliteOptions::busy_timeout`]), then fail with a retry-safe
//! `Error::Busy`.

#![warn(missing_docs)]

mod backend;
mod columns;
mod decode;
mod error;
pub mod migration;
mod options;
mod query;
mod readers;
mod rows;
mod url;
mod write;
mod writer;

pub use backend::Sqlite;
pub use error::SqliteError;
pub use options::{
    SqliteOptions, Synchronous, DEFAULT_BUSY_TIMEOUT, DEFAULT_PAGE_CACHE, DEFAULT_READERS,
};
