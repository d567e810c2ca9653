//! The store's link queries beyond `linking_to`: where an event's links
//! lead, and an event's whole ancestry along one link.

use uuid::Uuid;

use super::Store;
use crate::error::Result;
use crate::event::Event;
use crate::link::RecordLink;
use crate::record::{Changeset, Evented};
use crate::storage::{EventFilter, Storage};

impl<B: Storage> Store<B> {
    /// The events that the event `source` links to through `link`, oldest
    /// first, with links: e.g. the version an edit replaces. (The targets'
    /// ids alone are in [`Event::linked`].)
    ///
    /// # Errors
    ///
    /// [`Error::UnknownLink`](crate::Error::UnknownLink) for a link the
    /// log lacks, [`Error::Storage`](crate::Error::Storage).
    pub async fn linked_from<L>(&self, link: L, source: Uuid) -> Result<Vec<Event>>
    where
        L: RecordLink,
        L::Record: Changeset,
    {
        let filter = EventFilter::LinkedFrom {
            link: link.name(),
            source,
            schema_index: <L::Record as Evented>::SCHEMA_INDEX,
        };
        self.events::<L::Record>("linked_from", source, filter)
            .await
    }

    /// The event `start` and every event it reaches through `link`,
    /// transitively, oldest first, with links: a message and all its
    /// ancestors (one branch of a conversation), replayable with
    /// [`Replay::run`](crate::Replay::run). One query, a recursive one,
    /// however deep the chain; a cycle ends where it closes. Empty when
    /// `start` is not an event of the type.
    ///
    /// # Errors
    ///
    /// As [`linked_from`](Store::linked_from).
    pub async fn ancestry<L>(&self, link: L, start: Uuid) -> Result<Vec<Event>>
    where
        L: RecordLink,
        L::Record: Changeset,
    {
        let filter = EventFilter::Ancestry {
            link: link.name(),
            start,
            schema_index: <L::Record as Evented>::SCHEMA_INDEX,
        };
        self.events::<L::Record>("ancestry", start, filter).await
    }
}
