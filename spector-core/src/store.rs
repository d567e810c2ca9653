//! The store: Spector's operations, written once over any backend.

use async_trait::async_trait;
use uuid::Uuid;

use crate::action::{IntoAction, RecordAction};
use crate::attrs::Attrs;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::log::EventLog;
use crate::plan::Change;
use crate::record::Changeset;
use crate::replay::Replay;
use crate::storage::{CollectEvents, EventFilter, EventFold, EventQuery, Storage};

/// A backend that can be opened from a URL (`sqlite::memory:`,
/// `sqlite://chat.db`, `postgres://…`).
#[async_trait]
pub trait Connect: Storage + Sized {
    /// Opens the backend.
    async fn connect(url: &str) -> Result<Self>;
}

/// Spector's operations over a storage backend `B`.
///
/// Every write is atomic: the event and its links are written in one
/// transaction, or nothing is. The state returned by a write equals what
/// [`get`](Store::get) returns afterwards.
#[derive(Debug, Clone)]
pub struct Store<B> {
    backend: B,
}

impl<B: Connect> Store<B> {
    /// Opens a store on the backend at `url`.
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
    pub async fn migrate<L: EventLog>(&self) -> Result<()> {
        self.backend.migrate(L::spec()?).await
    }

    /// Drops the tables of event log `L`, and every event in them.
    pub async fn migrate_down<L: EventLog>(&self) -> Result<()> {
        self.backend.migrate_down(L::spec()?).await
    }

    /// Creates a record: a new UUIDv7 id, the `insert` action, and the
    /// reserved attrs. Invalid attrs write nothing.
    pub async fn insert<R: Changeset>(&self, attrs: Attrs) -> Result<R> {
        self.insert_as(R::Action::INSERT, attrs).await
    }

    /// Creates a record with another action than `insert`.
    pub async fn insert_as<R: Changeset>(
        &self,
        action: impl IntoAction<R::Action>,
        attrs: Attrs,
    ) -> Result<R> {
        let action = executable::<R>(action)?;
        self.write(Change::<R>::insert(action, attrs)).await
    }

    /// Applies `attrs` to the record with the `update` action.
    pub async fn update<R: Changeset>(&self, record: &R, attrs: Attrs) -> Result<R> {
        self.execute(record, R::Action::UPDATE, attrs).await
    }

    /// Applies `action` to the record, rebuilt from its events inside the
    /// write transaction (the in-memory `record` only gives the id).
    ///
    /// Errors: [`Error::NotFound`] for a record without events,
    /// [`Error::Deleted`], [`Error::UnknownAction`],
    /// [`Error::ReservedAction`] for `savepoint`, [`Error::Invalid`].
    pub async fn execute<R: Changeset>(
        &self,
        record: &R,
        action: impl IntoAction<R::Action>,
        attrs: Attrs,
    ) -> Result<R> {
        let action = executable::<R>(action)?;
        self.write(Change::<R>::execute(record.id(), action, attrs))
            .await
    }

    /// Appends a delete event; [`get`](Store::get) returns `None` afterwards.
    pub async fn delete<R: Changeset>(&self, record: &R) -> Result<()> {
        self.write(Change::<R>::delete(record.id())).await?;
        Ok(())
    }

    /// The record's current state, replayed from its events as they stream
    /// in; `None` when it has no events or was deleted.
    pub async fn get<R: Changeset>(&self, id: Uuid) -> Result<Option<R>> {
        let query = EventQuery {
            filter: EventFilter::Record {
                parent_id: id,
                schema: R::SCHEMA_INDEX,
            },
            with_links: false,
        };
        self.backend
            .fold_events(R::Log::spec()?, query, ReplayFold(Replay::<R>::new()))
            .await
    }

    /// Every event of the record, oldest first, with links.
    pub async fn all_events<R: Changeset>(&self, id: Uuid) -> Result<Vec<Event>> {
        self.events::<R>(EventFilter::Record {
            parent_id: id,
            schema: R::SCHEMA_INDEX,
        })
        .await
    }

    /// Every event of the record up to and including `event`.
    ///
    /// Errors: [`Error::NotFound`] when `event` is not one of the record's.
    pub async fn previous_events<R: Changeset>(&self, event: &Event) -> Result<Vec<Event>> {
        let mut events = self.all_events::<R>(event.parent_id).await?;
        let position = events
            .iter()
            .position(|e| e.id == event.id)
            .ok_or(Error::NotFound {
                schema: R::NAME,
                id: event.id,
            })?;
        events.truncate(position + 1);
        Ok(events)
    }

    /// One event of a record of type `R`, with links.
    pub async fn event<R: Changeset>(&self, id: Uuid) -> Result<Option<Event>> {
        let events = self
            .events::<R>(EventFilter::Event {
                id,
                schema: R::SCHEMA_INDEX,
            })
            .await?;
        Ok(events.into_iter().next())
    }

    /// The events of type `R` that carry a link called `link` to `target`,
    /// oldest first, with links: e.g. every edit of a message.
    pub async fn linking_to<R: Changeset>(&self, link: &str, target: Uuid) -> Result<Vec<Event>> {
        if !R::LINKS.iter().any(|decl| decl.name == link) {
            return Err(Error::UnknownLink {
                schema: R::NAME,
                link: link.to_owned(),
            });
        }
        self.events::<R>(EventFilter::LinkingTo {
            link: link.to_owned(),
            target,
            schema: R::SCHEMA_INDEX,
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

/// The action a caller asked for, refused when only the store may write it.
fn executable<R: Changeset>(action: impl IntoAction<R::Action>) -> Result<R::Action> {
    let action = action.into_action(R::NAME)?;
    if action == R::Action::SAVEPOINT {
        return Err(Error::ReservedAction {
            schema: R::NAME,
            action: action.name(),
        });
    }
    Ok(action)
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
