//! Spector: CQRS-style event sourcing for Rust structs.
//!
//! Every change to a record (insert, update, delete, custom actions such as
//! `edit`) is appended as an immutable event row in a SQL table; the current
//! state is rebuilt by replaying the record's events through the record
//! type's own [`Changeset`]. Links relate events to each other (edit
//! history, conversation branches). Typed at the edges, JSON in the log:
//! actions carry serde payloads, links and ids are Rust types, and the rows
//! stay Spector's (a JSON payload, integer codes).
//!
//! Backends are chosen by cargo feature: `sqlite` (default, `spector::sqlite`)
//! and `postgres` (`spector::postgres`).
//!
//! # Quick start
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use spector::{event_log, Changeset, EventMeta, Evented, Id, Invalid, Store};
//!
//! /// The payload of `insert` and `update`: one message.
//! #[derive(Debug, Clone, Serialize, Deserialize)]
//! pub struct Post { pub content: String }
//!
//! #[derive(Debug, Clone, Default, PartialEq, Evented)]
//! #[evented(log = ChatEvents, actions(insert = Post, update = Post, clear))]
//! pub struct Chat { pub id: Id<Chat>, pub messages: Vec<String> }
//!
//! event_log!(pub ChatEvents { table: "chat_events", schemas: [Chat] });
//!
//! impl Changeset for Chat {
//!     // Live only: refuses new operations, never stored history.
//!     fn validate(&self, action: &ChatAction, _meta: &EventMeta) -> Result<(), Invalid> {
//!         match action {
//!             ChatAction::Insert(post) | ChatAction::Update(post) if post.content.trim().is_empty() => {
//!                 Err(Invalid::new("content", "can't be blank"))
//!             }
//!             _ => Ok(()),
//!         }
//!     }
//!
//!     // Live and on replay: applies what was stored.
//!     fn changeset(mut self, action: ChatAction, _meta: &EventMeta) -> Result<Self, Invalid> {
//!         match action {
//!             ChatAction::Insert(post) | ChatAction::Update(post) => self.messages.push(post.content),
//!             ChatAction::Clear(_) => self.messages.clear(),
//!         }
//!         Ok(self)
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> spector::Result<()> {
//! let store = Store::<spector::sqlite::Sqlite>::connect("sqlite::memory:").await?;
//! store.migrate::<ChatEvents>().await?;
//!
//! let chat: Chat = store.insert(Post { content: "Hello".into() }).await?;
//! let chat = store.update(chat.id, Post { content: "Hi!".into() }).await?;
//! assert_eq!(chat.messages, ["Hello", "Hi!"]);
//! assert_eq!(store.get(chat.id).await?, Some(chat.clone()));   // live == replayed
//!
//! let refused = store.update(chat.id, Post { content: " ".into() }).await;
//! assert!(matches!(refused, Err(spector::Error::Invalid(_))));
//! assert_eq!(store.all_events(chat.id).await?.len(), 2);         // nothing written
//! # Ok(())
//! # }
//! ```
//!
//! # Declaring a record type
//!
//! `#[derive(Evented)]` on a struct makes it a record type; every option of
//! `#[evented(...)]` is listed on [`Evented`](derive@Evented). An
//! [`event_log!`] declares the table it is stored in. [`Changeset`] says
//! which rule goes where: live rules in `validate`, the transition in
//! `changeset`, links in `prepare_event`.
//!
//! # Rows
//!
//! Each event row holds the payload as a JSON object plus the reserved keys
//! `__version__`, `__event_id__`, `updated_at` (and `inserted_at` on the
//! first event); they reach your code as [`EventMeta`], never inside the
//! payload. Built-in action codes are Spector-Elixir's: insert 1, update 2,
//! delete 3, savepoint 4.

#![warn(missing_docs)]

pub use spector_core::{
    action, attrs, backend, canonical_json, reserved, Attrs, Batch, BoxError, Bringup, ChainBreak,
    ChainCheck, ChainHead, Changeset, ColumnType, Committed, Connect, Error, Event, EventHash,
    EventLog, EventMeta, Evented, FieldMismatch, Id, Idempotent, IntoId, Invalid, Link, LinkKind,
    LogMember, LogPage, Materialization, Materialized, NewEvent, Page, RecordAction, RecordLink,
    Replay, Result, Row, Savepoint, SavepointCheck, SavepointHooks, SavepointMismatch, SavepointOf,
    SavepointTarget, Store, Ticket, ToColumn, TypedLink, Updatable, Uuid, Value,
    DEFAULT_MAX_PAYLOAD_BYTES, MAX_CLOCK_LEAD, MAX_PAYLOAD_DEPTH,
};

/// Declares an event log: its table and the record types stored in it.
///
/// ```
/// # use spector::{Evented, Id};
/// # #[derive(Debug, Default, Evented)] #[evented(log = ChatEvents)] pub struct Chat { pub id: Id<Chat> }
/// # #[derive(Debug, Default, Evented)] #[evented(log = ChatEvents)] pub struct Comment { pub id: Id<Comment> }
/// spector::event_log!(
///     /// Events of chats and their comments.
///     pub ChatEvents {
///         table: "chat_events",
///         schemas: [Chat, Comment = 10],
///     }
/// );
/// ```
///
/// - `table` (required): the event table, a plain SQL identifier.
/// - `hashed: true`: the log is a hash chain (tamper evidence): every
///   event stores a SHA-256 hash of its row, its links and the previous
///   event's hash (the input is documented on [`EventHash`]); appends to
///   the table are serialized; check it with [`Store::verify_hash_chain`].
/// - `schemas` (required): the record types, each with its schema index.
///   The first type without an explicit index gets 0, every later one the
///   previous index + 1; explicit indexes (`Comment = 10`) may not go
///   backwards. Keep indexes stable: stored events refer to them. Every
///   type must declare this log (`#[evented(log = ChatEvents)]`).
///
/// It generates a unit struct (`Debug`, `Clone`, `Copy`, `Default`)
/// implementing [`EventLog`], and [`LogMember`] for each record type.
/// Outer attributes and doc comments before the visibility go on the struct.
pub use spector_derive::event_log;

/// Derives [`Evented`](trait@Evented), `{Struct}Action` and `{Struct}Link`
/// for a record type.
///
/// `#[derive(Evented)]` goes on a struct with named fields, no generics, a
/// `Default` impl and an `id` field of type `Id<Self>` (or `Uuid`): the id
/// of the record's first event (`id = …` names another field). Its
/// `#[evented(...)]` options (several attributes merge):
///
/// - `log = Path` (required): the event log the type writes to, declared
///   with [`event_log!`](crate::event_log), which must list the type in its `schemas`.
/// - `actions(...)`: the payloads of the built-in actions and the custom
///   actions, each a snake_case name:
///   - `insert = NewMessage`: the payload type of `insert`, which every
///     record type has (default [`Attrs`], Spector's dynamic form);
///   - `update = NewMessage`, or `update` for [`Attrs`]: the type has the
///     built-in `update` ([`Store::update`], bound on [`Updatable`]).
///     Without it there is no `Update` variant, `store.update` does not
///     compile and `update` is an unknown action by name; a type that
///     reads a Spector-Elixir table, where every schema has `update`,
///     declares it;
///   - `edit`: a custom action carrying [`Attrs`];
///   - `edit = EditMessage`: a custom action carrying a payload type (any
///     `Debug + Serialize + Deserialize` type that serializes to a JSON
///     object: a `String`, a number, a `Vec`, a tuple or an `Option` is
///     refused at compile time, any other type that does not serialize to
///     an object is [`Error::Invalid`] naming the action when written);
///   - a name one letter from a built-in's (`insret`) is refused as a
///     misspelling ("did you mean `insert`?"); write it raw (`r#insret`)
///     for a custom action of that name;
///   - `archive = 17`: an explicit stored code, any `i32` but 1–4 (the
///     built-ins'); otherwise the code is
///     [`custom_action_code`](action::custom_action_code) of the name;
///   - `soft_delete(alias = archive)`: a renamed action that keeps the code
///     of its former name, so old events still decode; the by-name path
///     accepts both names;
///   - `edit(payload = EditMessage, code = 17)`: the long form.
/// - `links(...)`: links the type's events may carry: `edits` (column
///   `edits_id`), `edits = "previous_id"`, or
///   `parents(column = "parent_event_id", table = "chat_parents")`. Names
///   are plain SQL identifiers; the table defaults to the log table's name
///   without `_events`, `_`, and the link name. Both events of a link
///   belong to one record (the database enforces it) unless the link says
///   `unconstrained`: `pays(column = "paid_id", unconstrained)`. A typed
///   link names its kinds, a `#[derive(LinkKind)]` enum:
///   `relates(kind = Relation)` (attach with `NewEvent::link_as`).
/// - `version = n`: stored in every new event (default 0); see
///   [`EventMeta::version`].
/// - `savepoints`: the type has savepoints ([`Store::savepoint`]), whose
///   payload is the state's serde form (the type must be `Serialize` and
///   `Deserialize`); reads and writes start at the latest one.
///   `savepoints(custom)`: the same, with your own [`Savepoint`] impl.
/// - `savepoint_every = n`: a savepoint is appended automatically, in the
///   same transaction, by the write that brings the events since the latest
///   savepoint to `n`, so that no read or write replays more than `n`
///   events. Implies `savepoints` when that is not given.
/// - `table = "users"`: the type is materialized: its current state is
///   also a row of the table `users` (a plain SQL identifier, not a
///   keyword), written in each write's transaction — upserted from the
///   whole state by an insert, an update or a custom action, deleted by a
///   delete, untouched by savepoints — after
///   [`Changeset::prepare_materialization`]. Each field is a column named
///   after it, the id field first (the primary key); its type gives the
///   column's kind through [`ToColumn`] (`Uuid` and `Id<R>`, `String`,
///   `i8` to `i64`, `u8` to `u32`, `f32` and `f64`, `bool`,
///   `DateTime<Utc>`, and `Option` of any of them for a nullable column).
///   Any other field type (`u64`, `usize`, a `Vec`, a struct, an enum) is
///   a compile error on it, until it is marked `json` or `skip`, or its
///   type (one of your own, such as an enum stored as text) implements
///   [`ToColumn`]. [`Store::migrate`]
///   creates the table if it is missing (`NOT NULL` unless `Option`) and
///   leaves one you made as it is; [`Store::materialize`] and
///   [`Store::bringup`] are for types with a table only ([`Materialized`]).
/// - `id = uuid`: the id field, when it is not called `id` (still
///   `Id<Self>` or `Uuid`; the id column of a materialized table takes its
///   name).
///
/// Field options, in `#[evented(...)]` on a field of a type with `table`
/// (one per field):
///
/// - `json`: the field is stored as JSON (`jsonb` on PostgreSQL, JSON text
///   on SQLite), whatever its serde type; nullable when the field is an
///   `Option`.
/// - `skip`: the field has no column.
///
/// Neither goes on the id field, which is always a UUID column.
///
/// It generates `{Struct}Action` (an enum whose variants carry the payloads:
/// `Insert(P)`, `Update(P)` when `update` is declared, one per custom action
/// in CamelCase), the link enum `{Struct}Link` (one variant per link) and
/// `impl Evented` (with `update`, also `impl Updatable` for the action enum;
/// with `table`, also `impl Materialized`). Every misuse is a compile error
/// on the offending token, all reported in one compile, and nothing else
/// fails with them: a misspelt option (`action(…)`) says which it looks
/// like ("did you mean `actions`?") and is read as that one, so the code
/// using what it declares compiles.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use spector::{Evented, Id, Uuid};
///
/// #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// pub struct EditMessage { pub edits: Uuid, pub content: String }
///
/// #[derive(Debug, Clone, Default, PartialEq, Evented)]
/// #[evented(log = BasicChatEvents, actions(edit = EditMessage), links(edits = "previous_id"))]
/// pub struct BasicChat { pub id: Id<BasicChat>, pub messages: Vec<String> }
/// # spector::event_log!(pub BasicChatEvents { table: "basic_chat_events", schemas: [BasicChat] });
///
/// let edit = BasicChatAction::Edit(EditMessage { edits: Uuid::nil(), content: "Hi".into() });
/// assert_eq!(spector::RecordAction::name(&edit), "edit");
/// assert_eq!(spector::RecordLink::name(BasicChatLink::Edits), "edits");
/// ```
pub use spector_derive::Evented;

/// Derives [`LinkKind`](trait@LinkKind) for the kinds of a typed link: a
/// fieldless enum whose every variant has an explicit integer value
/// (`Supersedes = 1`), the value stored in the link table's `type` column.
pub use spector_derive::LinkKind;

/// The SQLite backend (feature `sqlite`, on by default).
#[cfg(feature = "sqlite")]
pub use spector_sqlite as sqlite;

/// The PostgreSQL backend (feature `postgres`).
#[cfg(feature = "postgres")]
pub use spector_postgres as postgres;

#[doc(hidden)]
pub use spector_core::__private;
