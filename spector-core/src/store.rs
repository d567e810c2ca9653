//! The store: Spector's operations, written once over any backend.

use std::borrow::Borrow;

use async_trait::async_trait;
use serde::Serialize;
use tracing::Instrument;
use uuid::Uuid;

use crate::action::RecordAction;
use crate::attrs::Attrs;
use crate::chain_check::{ChainCheck, ChainHead, VerifyChain};
use crate::error::{Error, Result};
use crate::event::Event;
use crate::history::OwnEvents;
use crate::id::IntoId;
use crate::link::RecordLink;
use crate::log::{EventLog, LogSpec};
use crate::payload::DEFAULT_MAX_PAYLOAD_BYTES;
use crate::plan::Change;
use crate::record::{Changeset, Evented};
use crate::replay::Replay;
use crate::savepoint::{Savepoint, SavepointOf};
use crate::savepoint_check::{SavepointCheck, VerifySavepoints};
use crate::storage::{CollectEvents, EventFilter, EventFold, EventQuery, HistoryStart, Storage};
use crate::stored_links::KnownLinks;

mod links;
mod rows;
mod whole_log;

pub use rows::Page;
pub use whole_log::LogPage;

/// A backend that can be opened from a URL (`sqlite::memory:`,
/// `sqlite://chat.db`, `postgres://…`).
#[async_trait]
pub trait Connect: Storage + Sized {
    /// Opens the backend.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] when the URL is not the backend's or the database
    /// cannot be opened.
    async fn connect(url: &str) -> Result<Self>;
}

/// Spector's operations over a storage backend `B`.
///
/// Every write is atomic and runs under the record's write lock: replay,
/// the live rules, `prepare_event`, the transition, the event and its links
/// happen in one transaction, or nothing is written. The state returned by
/// a write equals what [`get`](Store::get) returns afterwards.
///
/// Besides the errors each method lists, every operation can fail with
/// [`Error::NotMigrated`] (the log's tables are missing),
/// [`Error::CorruptEvent`], [`Error::Decode`], [`Error::Replay`] or
/// [`Error::UnknownActionCode`] (a stored event of the record does not
/// replay; each names the event), [`Error::Busy`] (safe to retry) and
/// [`Error::Storage`] (the database failed; a write may or may not have
/// committed: see [`Store::idempotent`]).
///
/// The record type is inferred from the arguments: from an [`Id<R>`](crate::Id)
/// or a `&R`, from an action (`BasicChatAction::Edit(..)`), from a link
/// (`BasicChatLink::Edits`), or from the variable a result is bound to.
#[derive(Debug, Clone)]
pub struct Store<B> {
    backend: B,
    /// The largest action payload accepted, in bytes of JSON text.
    max_payload_bytes: usize,
}

impl<B: Connect> Store<B> {
    /// Opens a store on the backend at `url`.
    ///
    /// # Errors
    ///
    /// See [`Connect::connect`].
    pub async fn connect(url: &str) -> Result<Self> {
        Ok(Self::new(B::connect(url).await?))
    }
}

impl<B: Storage> Store<B> {
    /// A store over an opened backend.
    pub fn new(backend: B) -> Self {
        Self {
            backend,
            max_payload_bytes: DEFAULT_MAX_PAYLOAD_BYTES,
        }
    }

    /// The same store, accepting action payloads of up to `bytes` bytes of
    /// JSON text (the default is [`DEFAULT_MAX_PAYLOAD_BYTES`], 1 MiB). A
    /// larger payload is refused with [`Error::PayloadTooLarge`] before
    /// anything is written. The limit applies to the payloads of writes
    /// and batches; savepoints, which the store writes itself, and rows
    /// imported by `bringup` are not limited.
    ///
    /// A write and its reads hold several copies of a payload at their peak
    /// (the typed value, its JSON object, the text sent to and read from
    /// the database: a 10 MiB payload written, read with `get` and with
    /// `read_log` peaked at about 8 times its size), so the limit also
    /// bounds an operation's memory; a refused payload is counted without
    /// being copied again.
    ///
    /// ```
    /// # async fn demo() -> spector::Result<()> {
    /// use spector::Store;
    /// let store = Store::<spector::sqlite::Sqlite>::connect("sqlite::memory:")
    ///     .await?
    ///     .with_max_payload_bytes(64 * 1024);
    /// assert_eq!(store.max_payload_bytes(), 64 * 1024);
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_max_payload_bytes(self, bytes: usize) -> Self {
        Self {
            max_payload_bytes: bytes,
            ..self
        }
    }

    /// The largest action payload this store accepts, in bytes of JSON
    /// text.
    pub fn max_payload_bytes(&self) -> usize {
        self.max_payload_bytes
    }

    /// The backend, for what only it offers.
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Creates the tables of event log `L` where missing (idempotent).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLog`] for a misdeclared log, [`Error::Storage`] when
    /// the database refuses the DDL (nothing of it is applied).
    pub async fn migrate<L: EventLog>(&self) -> Result<()> {
        let log = L::spec()?;
        let span = tracing::info_span!(target: "spector", "spector.migrate", table = %log.table());
        self.backend
            .migrate(log)
            .instrument(span)
            .await
            .map_err(|error| error.in_log(log))
    }

    /// Drops the tables of event log `L`, and every event in them.
    ///
    /// # Errors
    ///
    /// As [`migrate`](Store::migrate).
    pub async fn migrate_down<L: EventLog>(&self) -> Result<()> {
        let log = L::spec()?;
        let span =
            tracing::info_span!(target: "spector", "spector.migrate_down", table = %log.table());
        self.backend
            .migrate_down(log)
            .instrument(span)
            .await
            .map_err(|error| error.in_log(log))
    }

    /// Creates a record with the `insert` action carrying `payload`: a new
    /// UUIDv7 is the event id and the record id.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] when `validate`, `prepare_event` or the
    /// transition refuse it (nothing is written), [`Error::Storage`].
    pub async fn insert<R: Changeset>(
        &self,
        payload: <R::Action as RecordAction>::InsertPayload,
    ) -> Result<R> {
        self.insert_as(R::Action::insert(payload)).await
    }

    /// Creates a record with any of its type's actions (an `import`, say).
    ///
    /// # Errors
    ///
    /// As [`insert`](Store::insert).
    pub async fn insert_as<A>(&self, action: A) -> Result<A::Record>
    where
        A: RecordAction,
        A::Record: Changeset,
    {
        self.write(Change::<A::Record>::insert(
            None,
            &action,
            self.max_payload_bytes,
        )?)
        .await
    }

    /// Applies the `update` action carrying `payload` to a record: only for
    /// a type that declares `update` (`#[evented(actions(update = …))]`),
    /// a compile error on any other.
    ///
    /// # Errors
    ///
    /// As [`execute`](Store::execute).
    pub async fn update<R: Changeset>(
        &self,
        record: impl IntoId<R>,
        payload: <R::Action as crate::action::Updatable>::UpdatePayload,
    ) -> Result<R>
    where
        R::Action: crate::action::Updatable,
    {
        let action = <R::Action as crate::action::Updatable>::update(payload);
        self.execute(record, action).await
    }

    /// Applies `action` (owned, or borrowed to keep it for a retry) to a
    /// record (given by id, or as a `&R` whose id is taken): the state is
    /// rebuilt from the log inside the write transaction, so an in-memory
    /// record may be stale.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for a record without events, [`Error::Deleted`],
    /// [`Error::Invalid`] when the operation is refused (nothing is
    /// written), [`Error::LinkAcrossRecords`], [`Error::Storage`].
    pub async fn execute<R: Changeset>(
        &self,
        record: impl IntoId<R>,
        action: impl Borrow<R::Action>,
    ) -> Result<R> {
        self.write(Change::execute(
            None,
            record.into_id(),
            action.borrow(),
            self.max_payload_bytes,
        )?)
        .await
    }

    /// Creates a record with the action called `action` and a JSON payload:
    /// the path for callers that hold JSON (a form post, a CLI). It stores
    /// the same row as the typed path.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownAction`] for a name the type does not declare,
    /// [`Error::ReservedAction`] for `savepoint`, [`Error::Invalid`] when
    /// the payload does not decode, and those of [`insert`](Store::insert).
    pub async fn insert_by_name<R: Changeset>(&self, action: &str, payload: Attrs) -> Result<R> {
        self.write(Change::<R>::insert_by_name(
            None,
            action,
            payload,
            self.max_payload_bytes,
        )?)
        .await
    }

    /// Applies the action called `action` with a JSON payload to a record:
    /// the by-name form of [`execute`](Store::execute).
    ///
    /// # Errors
    ///
    /// Those of [`insert_by_name`](Store::insert_by_name) and
    /// [`execute`](Store::execute).
    pub async fn execute_by_name<R: Changeset>(
        &self,
        record: impl IntoId<R>,
        action: &str,
        payload: Attrs,
    ) -> Result<R> {
        self.write(Change::execute_by_name(
            None,
            record.into_id(),
            action,
            payload,
            self.max_payload_bytes,
        )?)
        .await
    }

    /// Appends a delete event and returns the state that was deleted;
    /// [`get`](Store::get) returns `None` afterwards.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`], [`Error::Deleted`], [`Error::Storage`].
    pub async fn delete<R: Changeset>(&self, record: impl IntoId<R>) -> Result<R> {
        self.write(Change::delete(None, record.into_id())).await
    }

    /// The record's current state, replayed from its events as they stream
    /// in; `None` when it has no events or was deleted.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`], [`Error::Replay`] or
    /// [`Error::UnknownActionCode`] naming a stored event that does not
    /// replay, [`Error::Storage`].
    pub async fn get<R: Changeset>(&self, record: impl IntoId<R>) -> Result<Option<R>> {
        let parent_id = record.into_id().uuid();
        let query = EventQuery {
            filter: EventFilter::Record {
                parent_id,
                start: latest_savepoint::<R>(),
            },
            with_links: false,
        };
        let fold = OwnEvents::<R, _>::new(ReplayFold(Replay::<R>::new()));
        let log = R::Log::spec()?;
        let span = read_span::<R>("get", log, parent_id);
        self.backend
            .fold_events(log, query, fold)
            .instrument(span)
            .await
            .map_err(|error| error.in_log(log))
    }

    /// Every event of the record, oldest first, with links.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`].
    pub async fn all_events<R: Changeset>(&self, record: impl IntoId<R>) -> Result<Vec<Event>> {
        self.record_events::<R>("all_events", record.into_id().uuid(), HistoryStart::First)
            .await
    }

    /// The events [`get`](Store::get) replays: from the record's latest
    /// savepoint (included) on, oldest first, with links; every event for a
    /// type without savepoints.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`].
    pub async fn recent_events<R: Changeset>(&self, record: impl IntoId<R>) -> Result<Vec<Event>> {
        self.record_events::<R>(
            "recent_events",
            record.into_id().uuid(),
            latest_savepoint::<R>(),
        )
        .await
    }

    /// Appends a savepoint of the record: its current state, saved by the
    /// type's [`Savepoint`] hooks, from which replay, writes and
    /// [`get`](Store::get) start from then on. Returns that state.
    ///
    /// Given an in-memory record (`&record`) rather than an id, it first
    /// checks that the record is the current state.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`], [`Error::Deleted`], [`Error::StaleRecord`] (an
    /// in-memory record that is not the current state), [`Error::Invalid`]
    /// when the `save` hook refuses, [`Error::Storage`].
    pub async fn savepoint<R: Savepoint>(&self, record: impl SavepointOf<R>) -> Result<R> {
        let target = record.target();
        self.write(Change::savepoint(target.id, target.expected))
            .await
    }

    /// Checks that every savepoint of the record restores the state that
    /// replaying the events before it gives (from the previous savepoint):
    /// that the [`Savepoint`] hooks lose nothing. Reads every event of the
    /// record.
    ///
    /// # Errors
    ///
    /// As [`get`](Store::get); a mismatch is not an error but
    /// [`SavepointCheck::Mismatch`].
    pub async fn verify_savepoints<R>(&self, record: impl IntoId<R>) -> Result<SavepointCheck<R>>
    where
        R: Savepoint + PartialEq + Serialize,
    {
        let parent_id = record.into_id().uuid();
        let query = EventQuery {
            filter: EventFilter::Record {
                parent_id,
                start: HistoryStart::First,
            },
            with_links: false,
        };
        let fold = OwnEvents::<R, _>::new(VerifySavepoints::<R>::new());
        let log = R::Log::spec()?;
        let span = read_span::<R>("verify_savepoints", log, parent_id);
        self.backend
            .fold_events(log, query, fold)
            .instrument(span)
            .await
            .map_err(|error| error.in_log(log))
    }

    /// Every event of the record of `event` up to and including `event`.
    ///
    /// # Errors
    ///
    /// [`Error::EventNotFound`] when `event` is not one of the record's
    /// events of type `R`; as [`all_events`](Store::all_events).
    pub async fn previous_events<R: Changeset>(&self, event: &Event) -> Result<Vec<Event>> {
        let mut events = self
            .record_events::<R>("previous_events", event.parent_id, HistoryStart::First)
            .await?;
        let position =
            events
                .iter()
                .position(|e| e.id == event.id)
                .ok_or(Error::EventNotFound {
                    record_type: R::NAME,
                    event_id: event.id,
                })?;
        events.truncate(position + 1);
        Ok(events)
    }

    /// One event of a record of type `R`, with links.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`].
    pub async fn event<R: Changeset>(&self, id: Uuid) -> Result<Option<Event>> {
        let events = self
            .events::<R>(
                "event",
                id,
                EventFilter::Event {
                    id,
                    schema_index: R::SCHEMA_INDEX,
                },
            )
            .await?;
        Ok(events.into_iter().next())
    }

    /// The events that carry a link of kind `link` to `target`, oldest
    /// first, with links: e.g. every edit of a message.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`].
    pub async fn linking_to<L>(&self, link: L, target: Uuid) -> Result<Vec<Event>>
    where
        L: RecordLink,
        L::Record: Changeset,
    {
        self.events::<L::Record>(
            "linking_to",
            target,
            EventFilter::LinkingTo {
                link: link.name(),
                kind: None,
                target,
                schema_index: <L::Record as Evented>::SCHEMA_INDEX,
            },
        )
        .await
    }

    /// Verifies the hash chain of the hashed log `L`: reads every event in
    /// chain order, streaming (one event in memory at a time), and
    /// recomputes each hash from the event's row, its links and the
    /// previous event's stored hash. Returns the head to keep (how many
    /// events, the newest hash) or the first event that does not hold.
    ///
    /// No chain catches the removal or rewrite of its newest events by
    /// itself: keep the head and pass it to
    /// [`verify_hash_chain_from`](Store::verify_hash_chain_from) next time.
    ///
    /// # Errors
    ///
    /// [`Error::NotHashed`] for a log declared without `hashed: true`;
    /// [`Error::CorruptEvent`] or [`Error::Decode`] for a row that is not
    /// an event; [`Error::Storage`].
    pub async fn verify_hash_chain<L: EventLog>(&self) -> Result<ChainCheck> {
        self.verify_chain::<L>(None).await
    }

    /// [`verify_hash_chain`](Store::verify_hash_chain), also checking the
    /// chain against a head kept from an earlier verification: fewer events
    /// than it counted is [`ChainBreak::Truncated`](crate::ChainBreak::Truncated), another hash at its
    /// position [`ChainBreak::Rewritten`](crate::ChainBreak::Rewritten).
    ///
    /// # Errors
    ///
    /// As [`verify_hash_chain`](Store::verify_hash_chain).
    pub async fn verify_hash_chain_from<L: EventLog>(
        &self,
        kept: &ChainHead,
    ) -> Result<ChainCheck> {
        self.verify_chain::<L>(Some(*kept)).await
    }

    async fn verify_chain<L: EventLog>(&self, kept: Option<ChainHead>) -> Result<ChainCheck> {
        let log = L::spec()?;
        if !log.hashed() {
            return Err(Error::NotHashed {
                table: log.table().to_string(),
            });
        }
        let query = EventQuery {
            filter: EventFilter::Log,
            with_links: true,
        };
        let span = tracing::info_span!(
            target: "spector",
            "spector.verify_hash_chain",
            table = %log.table()
        );
        self.backend
            .fold_events(log, query, VerifyChain::new(kept))
            .instrument(span)
            .await
            .map_err(|error| error.in_log(log))
    }

    /// The events of type `R` selected by `filter`, with links, read by
    /// `operation` about the event `id`.
    pub(crate) async fn events<R: Changeset>(
        &self,
        operation: &'static str,
        id: Uuid,
        filter: EventFilter,
    ) -> Result<Vec<Event>> {
        let query = EventQuery {
            filter,
            with_links: true,
        };
        let log = R::Log::spec()?;
        let span = tracing::debug_span!(
            target: "spector",
            "spector.read",
            operation,
            table = %log.table(),
            record_type = R::NAME,
            event_id = %id
        );
        self.backend
            .fold_events(log, query, KnownLinks::new(log, CollectEvents::default()))
            .instrument(span)
            .await
            .map_err(|error| error.in_log(log))
    }

    /// The events of the record `parent_id` from `start` on if it is an
    /// `R`, with links.
    async fn record_events<R: Changeset>(
        &self,
        operation: &'static str,
        parent_id: Uuid,
        start: HistoryStart,
    ) -> Result<Vec<Event>> {
        let query = EventQuery {
            filter: EventFilter::Record { parent_id, start },
            with_links: true,
        };
        let fold = OwnEvents::<R, _>::new(CollectEvents::default());
        let log = R::Log::spec()?;
        let span = read_span::<R>(operation, log, parent_id);
        self.backend
            .fold_events(log, query, fold)
            .instrument(span)
            .await
            .map_err(|error| error.in_log(log))
    }

    /// Runs `change` in one span naming the log, the record type, the
    /// record, the action and the event (never payload values).
    async fn write<R: Changeset>(&self, change: Change<R>) -> Result<R> {
        let log = R::Log::spec()?;
        let span = write_span::<R>(log, change.action_name());
        if let Some(record_id) = change.record_id() {
            span.record("record_id", tracing::field::display(record_id));
        }
        let change = change.traced_in(span.clone());
        let result = self
            .backend
            .write(log, change)
            .instrument(span.clone())
            .await
            .map_err(|error| error.in_log(log));
        if let Err(error) = &result {
            span.in_scope(
                || tracing::debug!(target: "spector", %error, "write refused; nothing written"),
            );
        }
        result
    }

    /// A batch of writes to several records, committed in ONE transaction:
    /// see [`Batch`](crate::Batch).
    pub fn batch(&self) -> crate::Batch<'_, B> {
        crate::Batch::new(self)
    }

    /// The writes of this store with the event id chosen by the caller, so
    /// that a write can be retried safely after a timeout, a dropped future
    /// or a lost connection: if an event with that id is already stored and
    /// is the same write (same record, action and payload), the retry writes
    /// nothing and returns what the first write returned; if it is another
    /// write, [`Error::EventIdConflict`].
    ///
    /// The id is any UUID the caller keeps with the operation (a UUIDv7 it
    /// generated, a request id); for an insert it becomes the record id. A
    /// retry is recognised by comparing payloads as stored, so payload types
    /// must serialize deterministically (`BTreeMap`, not `HashMap`).
    ///
    /// ```
    /// # use spector::{event_log, Attrs, Changeset, EventMeta, Evented, Id, Invalid, Store, Uuid};
    /// # #[derive(Debug, Clone, Default, PartialEq, Evented)]
    /// # #[evented(log = Notes)] pub struct Note { pub id: Id<Note>, pub edits: u32 }
    /// # event_log!(pub Notes { table: "notes_events", schemas: [Note] });
    /// # impl Changeset for Note {
    /// #     fn changeset(mut self, _: NoteAction, _: &EventMeta) -> Result<Self, Invalid> { self.edits += 1; Ok(self) }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> spector::Result<()> {
    /// # let store = Store::<spector::sqlite::Sqlite>::connect("sqlite::memory:").await?;
    /// # store.migrate::<Notes>().await?;
    /// let request = Uuid::now_v7();   // kept with the operation, reused on retry
    /// let note: Note = store.idempotent(request).insert(Attrs::new()).await?;
    /// let again: Note = store.idempotent(request).insert(Attrs::new()).await?;
    /// assert_eq!(again, note);
    /// assert_eq!(store.all_events(note.id).await?.len(), 1);   // written once
    /// # Ok(())
    /// # }
    /// ```
    pub fn idempotent(&self, event_id: Uuid) -> Idempotent<'_, B> {
        Idempotent {
            store: self,
            event_id,
        }
    }
}

/// The writes of a [`Store`] with an event id chosen by the caller: see
/// [`Store::idempotent`]. Each method behaves as the store's method of the
/// same name, plus: a retry of a stored write returns its result and writes
/// nothing; another write under the same id is [`Error::EventIdConflict`].
#[derive(Debug, Clone, Copy)]
pub struct Idempotent<'a, B> {
    store: &'a Store<B>,
    event_id: Uuid,
}

impl<B: Storage> Idempotent<'_, B> {
    /// [`Store::insert`] as the event `event_id` (the new record's id).
    ///
    /// # Errors
    ///
    /// Those of [`Store::insert`], and [`Error::EventIdConflict`].
    pub async fn insert<R: Changeset>(
        &self,
        payload: <R::Action as RecordAction>::InsertPayload,
    ) -> Result<R> {
        self.insert_as(R::Action::insert(payload)).await
    }

    /// [`Store::insert_as`] as the event `event_id`.
    ///
    /// # Errors
    ///
    /// Those of [`Store::insert_as`], and [`Error::EventIdConflict`].
    pub async fn insert_as<A>(&self, action: A) -> Result<A::Record>
    where
        A: RecordAction,
        A::Record: Changeset,
    {
        let change = Change::<A::Record>::insert(
            Some(self.event_id),
            &action,
            self.store.max_payload_bytes,
        )?;
        self.store.write(change).await
    }

    /// [`Store::update`] as the event `event_id`.
    ///
    /// # Errors
    ///
    /// Those of [`Store::update`], and [`Error::EventIdConflict`].
    pub async fn update<R: Changeset>(
        &self,
        record: impl IntoId<R>,
        payload: <R::Action as crate::action::Updatable>::UpdatePayload,
    ) -> Result<R>
    where
        R::Action: crate::action::Updatable,
    {
        let action = <R::Action as crate::action::Updatable>::update(payload);
        self.execute(record, action).await
    }

    /// [`Store::execute`] as the event `event_id`.
    ///
    /// # Errors
    ///
    /// Those of [`Store::execute`], and [`Error::EventIdConflict`].
    pub async fn execute<R: Changeset>(
        &self,
        record: impl IntoId<R>,
        action: impl Borrow<R::Action>,
    ) -> Result<R> {
        let change = Change::execute(
            Some(self.event_id),
            record.into_id(),
            action.borrow(),
            self.store.max_payload_bytes,
        )?;
        self.store.write(change).await
    }

    /// [`Store::insert_by_name`] as the event `event_id`.
    ///
    /// # Errors
    ///
    /// Those of [`Store::insert_by_name`], and [`Error::EventIdConflict`].
    pub async fn insert_by_name<R: Changeset>(&self, action: &str, payload: Attrs) -> Result<R> {
        let change = Change::<R>::insert_by_name(
            Some(self.event_id),
            action,
            payload,
            self.store.max_payload_bytes,
        )?;
        self.store.write(change).await
    }

    /// [`Store::execute_by_name`] as the event `event_id`.
    ///
    /// # Errors
    ///
    /// Those of [`Store::execute_by_name`], and [`Error::EventIdConflict`].
    pub async fn execute_by_name<R: Changeset>(
        &self,
        record: impl IntoId<R>,
        action: &str,
        payload: Attrs,
    ) -> Result<R> {
        let change = Change::execute_by_name(
            Some(self.event_id),
            record.into_id(),
            action,
            payload,
            self.store.max_payload_bytes,
        )?;
        self.store.write(change).await
    }

    /// [`Store::delete`] as the event `event_id`: a retry returns the
    /// deleted state again.
    ///
    /// # Errors
    ///
    /// Those of [`Store::delete`], and [`Error::EventIdConflict`].
    pub async fn delete<R: Changeset>(&self, record: impl IntoId<R>) -> Result<R> {
        let change = Change::delete(Some(self.event_id), record.into_id());
        self.store.write(change).await
    }
}

/// Where `R`'s reads of a record's state start: at its latest savepoint
/// when the type has savepoints.
fn latest_savepoint<R: Evented>() -> HistoryStart {
    if R::SAVEPOINTS.is_some() {
        HistoryStart::LatestSavepoint
    } else {
        HistoryStart::First
    }
}

/// The span of a write of an `R` by `action`; `record_id`, `event_id` and
/// `events_read` are recorded as they become known.
pub(crate) fn write_span<R: Evented>(log: &LogSpec, action: &'static str) -> tracing::Span {
    tracing::info_span!(
        target: "spector",
        "spector.write",
        table = %log.table(),
        record_type = R::NAME,
        record_id = tracing::field::Empty,
        action,
        event_id = tracing::field::Empty,
        events_read = tracing::field::Empty,
    )
}

/// The span of a read of one record by `operation` (`get`, `all_events`).
fn read_span<R: Evented>(operation: &'static str, log: &LogSpec, record_id: Uuid) -> tracing::Span {
    tracing::debug_span!(
        target: "spector",
        "spector.read",
        operation,
        table = %log.table(),
        record_type = R::NAME,
        %record_id
    )
}

/// Replays events into a state as they stream in.
struct ReplayFold<R>(Replay<R>);

impl<R: Changeset> EventFold for ReplayFold<R> {
    type Output = Option<R>;

    fn push(&mut self, event: Event) -> Result<()> {
        self.0.apply_owned(event)
    }

    fn finish(self) -> Result<Option<R>> {
        Ok(self.0.into_state())
    }
}
