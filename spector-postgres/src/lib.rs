//! PostgreSQL backend of Spector, on sqlx.
//!
//! Open it with [`Postgres::connect`] (or wrap a pool of your own with
//! [`Postgres::from_pool`]), hand it to a [`Store`](spector_core::Store),
//! create each event log's tables with `migrate`, then insert, update,
//! execute, get …:
//!
//! ```no_run
//! # async fn run() -> spector_core::Result<()> {
//! use spector_core::Store;
//! use spector_postgres::Postgres;
//!
//! let store: Store<Postgres> = Store::connect("postgres://postgres@127.0.0.1:5432/chat").await?;
//! // store.migrate::<ChatEvents>().await?;
//! // let chat: Chat = store.insert(attrs! { "title": "Hi" }).await?;
//! # let _ = store;
//! # Ok(())
//! # }
//! ```
//!
//! Storage layout (see [`migration`]): one table per event log with `uuid`
//! ids, `jsonb` payloads and `timestamptz(6)` times, and one table per link,
//! whose trigger refuses a link between two records. Users with their own
//! migration tool take the DDL from [`migration::up`] and
//! [`migration::down`].
//!
//! Every write runs in one transaction: it takes a transaction-scoped
//! advisory lock on the record (so writers of one record queue up, and
//! writers of different records do not wait for each other), reads the
//! record's history, plans the event and inserts it with its links. Reads
//! stream their rows into the replay as they arrive. [`record_lock_key`]
//! gives that lock's key, for code of your own that must exclude Spector's
//! writers of one record.

#![warn(missing_docs)]

mod backend;
mod error;
mod lock;
pub mod migration;
mod names;
mod read;
mod rows;
mod select;
mod time_column;
mod transaction;
mod write;

pub use backend::Postgres;
pub use error::PostgresError;
pub use lock::record_lock_key;
