//! The store: Spector's operations, written once over any backend.

use async_trait::async_trait;
use uuid::Uuid;

use crate::action::RecordAction;
use crate::attrs::Attrs;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::id::IntoId;
use crate::link::RecordLink;
use crate::log::EventLog;
use crate::plan::Change;
use crate::record::{Changeset, Evented};
use crate::replay::Replay;
use crate::storage::{CollectEvents, EventFilter, EventFold, EventQuery, Storage};

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
/// The record type is inferred from the arguments: from an [`Id<R>`](crate::Id)
/// or a `&R`, from an action (`BasicChatAction::Edit(..)`), from a link
/// (`BasicChatLink::Edits`), or from the variable a result is bound to.
#[derive(Debug, Clone)]
pub struct Store<B> {
    backend: B,
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
        Self { backend }
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
        self.backend.migrate(L::spec()?).await
    }

    /// Drops the tables of event log `L`, and every event in them.
    ///
    /// # Errors
    ///
    /// As [`migrate`](Store::migrate).
    pub async fn migrate_down<L: EventLog>(&self) -> Result<()> {
        self.backend.migrate_down(L::spec()?).await
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
        self.write(Change::<A::Record>::insert(&action)?).await
    }

    /// Applies the `update` action carrying `payload` to a record.
    ///
    /// # Errors
    ///
    /// As [`execute`](Store::execute).
    pub async fn update<R: Changeset>(
        &self,
        record: impl IntoId<R>,
        payload: <R::Action as RecordAction>::UpdatePayload,
    ) -> Result<R> {
        self.execute(record, R::Action::update(payload)).await
    }

    /// Applies `action` to a record (given by id, or as a `&R` whose id is
    /// taken): the state is rebuilt from the log inside the write
    /// transaction, so an in-memory record may be stale.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for a record without events, [`Error::Deleted`],
    /// [`Error::Invalid`] when the operation is refused (nothing is
    /// written), [`Error::LinkAcrossRecords`], [`Error::Storage`].
    pub async fn execute<R: Changeset>(
        &self,
        record: impl IntoId<R>,
        action: R::Action,
    ) -> Result<R> {
        self.write(Change::execute(record.into_id(), &action)?)
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
        self.write(Change::<R>::insert_by_name(action, payload)?)
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
        self.write(Change::execute_by_name(record.into_id(), action, payload)?)
            .await
    }

    /// Appends a delete event and returns the state that was deleted;
    /// [`get`](Store::get) returns `None` afterwards.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`], [`Error::Deleted`], [`Error::Storage`].
    pub async fn delete<R: Changeset>(&self, record: impl IntoId<R>) -> Result<R> {
        self.write(Change::delete(record.into_id())).await
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
        let query = EventQuery {
            filter: EventFilter::Record {
                parent_id: record.into_id().uuid(),
                schema_index: R::SCHEMA_INDEX,
            },
            with_links: false,
        };
        self.backend
            .fold_events(R::Log::spec()?, query, ReplayFold(Replay::<R>::new()))
            .await
    }

    /// Every event of the record, oldest first, with links.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`].
    pub async fn all_events<R: Changeset>(&self, record: impl IntoId<R>) -> Result<Vec<Event>> {
        self.events::<R>(EventFilter::Record {
            parent_id: record.into_id().uuid(),
            schema_index: R::SCHEMA_INDEX,
        })
        .await
    }

    /// Every event of the record of `event` up to and including `event`.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when `event` is not one of the record's events
    /// of type `R`, [`Error::Storage`].
    pub async fn previous_events<R: Changeset>(&self, event: &Event) -> Result<Vec<Event>> {
        let mut events = self
            .events::<R>(EventFilter::Record {
                parent_id: event.parent_id,
                schema_index: R::SCHEMA_INDEX,
            })
            .await?;
        let position = events
            .iter()
            .position(|e| e.id == event.id)
            .ok_or(Error::NotFound {
                record_type: R::NAME,
                id: event.id,
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
            .events::<R>(EventFilter::Event {
                id,
                schema_index: R::SCHEMA_INDEX,
            })
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
        self.events::<L::Record>(EventFilter::LinkingTo {
            link: link.name(),
            target,
            schema_index: <L::Record as Evented>::SCHEMA_INDEX,
        })
        .await
    }

    async fn events<R: Changeset>(&self, filter: EventFilter) -> Result<Vec<Event>> {
        let query = EventQuery {
            filter,
            with_links: true,
        };
        self.backend
            .fold_events(R::Log::spec()?, query, CollectEvents::default())
            .await
    }

    async fn write<R: Changeset>(&self, change: Change<R>) -> Result<R> {
        self.backend.write(R::Log::spec()?, change).await
    }
}

/// Replays events into a state as they stream in.
struct ReplayFold<R>(Replay<R>);

impl<R: Changeset> EventFold for ReplayFold<R> {
    type Output = Option<R>;

    fn push(&mut self, event: Event) -> Result<()> {
        self.0.apply(&event)
    }

    fn finish(self) -> Result<Option<R>> {
        Ok(self.0.into_state())
    }
}
