//! The whole log, page by page: every event of every record and type, in
//! the log's order.

use tracing::Instrument;
use uuid::Uuid;

use super::Store;
use crate::error::Result;
use crate::event::Event;
use crate::log::EventLog;
use crate::storage::{CollectEvents, EventFilter, EventQuery, Storage};
use crate::stored_links::KnownLinks;

impl<B: Storage> Store<B> {
    /// One page of every event of the log `L`, whatever its record or type,
    /// in the log's order (`inserted_at`, then `id`: the order of a hashed
    /// log's chain), with links: up to `limit` events after the event
    /// `after` (from the first event when `None`). Pass the page's
    /// [`next`](LogPage::next) as `after` to read on; a page that is not
    /// full ends the log as it stands, and the id of its last event is where
    /// to read on later (a subscription polls with it).
    ///
    /// Each page is one keyset `SELECT` on the `(inserted_at, id)` index,
    /// so a page costs what its rows cost wherever it starts, and events
    /// written meanwhile never make an event appear twice or be skipped
    /// ahead of the cursor. On PostgreSQL, writers of different records do
    /// not wait for each other, so an event may commit after a later-timed
    /// one was read: a reader polling near the end of the log can pass it.
    /// A hashed log's appends are serialized and each comes after the
    /// table's newest event, so its stream has no such gap. SQLite's one
    /// writer commits in the order it stamps times, so a reader passes no
    /// event there either, unless the system clock steps back between two
    /// writes of different records.
    ///
    /// `Event::action` decodes each event for its record type
    /// (`event.schema_index` tells which type it belongs to). An `after`
    /// that is not an event of the log reads as the end of the log; a
    /// `limit` of 0 reads nothing and has no `next`.
    ///
    /// ```
    /// # use spector_core::{backend::Storage, Result, Store, EventLog};
    /// # async fn demo<B: Storage, L: EventLog>(store: &Store<B>) -> Result<()> {
    /// let mut after = None;
    /// loop {
    ///     let page = store.read_log::<L>(after, 1_000).await?;
    ///     for event in &page.events {
    ///         // project, export, forward …
    ///         # let _ = event;
    ///     }
    ///     match page.next {
    ///         Some(next) => after = Some(next),
    ///         None => break,
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::CorruptEvent`](crate::Error::CorruptEvent) for a row that is
    /// not an event, [`Error::NotMigrated`](crate::Error::NotMigrated),
    /// [`Error::Storage`](crate::Error::Storage).
    pub async fn read_log<L: EventLog>(&self, after: Option<Uuid>, limit: u32) -> Result<LogPage> {
        let log = L::spec()?;
        let span = tracing::debug_span!(
            target: "spector",
            "spector.read",
            operation = "read_log",
            table = %log.table(),
        );
        let query = EventQuery {
            filter: EventFilter::LogPage { after, limit },
            with_links: true,
        };
        let events = self
            .backend
            .fold_events(log, query, KnownLinks::new(log, CollectEvents::default()))
            .instrument(span)
            .await
            .map_err(|error| error.in_log(log))?;
        // A full page may not be the last; an empty one (limit 0) has no
        // last event to go on from.
        let next = (events.len() == limit as usize)
            .then(|| events.last().map(|event| event.id))
            .flatten();
        Ok(LogPage { events, next })
    }
}

/// One page of [`Store::read_log`].
#[derive(Debug, Clone, PartialEq)]
pub struct LogPage {
    /// The events, in the log's order.
    pub events: Vec<Event>,
    /// Where the next page starts (the last event's id), or `None` when
    /// this page was not full: it reached the end of the log.
    pub next: Option<Uuid>,
}
