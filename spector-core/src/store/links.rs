//! The store's link queries beyond `linking_to`: where an event's links
//! lead, and an event's whole ancestry along one link.

use uuid::Uuid;

use super::Store;
use crate::error::Result;
use crate::event::Event;
use crate::link::{LinkKind, RecordLink, TypedLink};
use crate::log::EventLog;
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
            kind: None,
            source,
            schema_index: <L::Record as Evented>::SCHEMA_INDEX,
        };
        let typed = <L::Record as Evented>::Log::spec()?
            .link(link.name())
            .is_some_and(|spec| spec.typed());
        if typed {
            // Every kind is followed here, so the source's link rows are
            // read and checked first: a kind the link does not declare is
            // a corrupt event, not a target.
            self.event::<L::Record>(source).await?;
        }
        self.events::<L::Record>("linked_from", source, filter)
            .await
    }

    /// The events that the event `source` links to through the typed link
    /// `link` with the kind `kind`.
    ///
    /// # Errors
    ///
    /// As [`linked_from`](Store::linked_from).
    pub async fn linked_from_as<L, K>(&self, link: L, kind: K, source: Uuid) -> Result<Vec<Event>>
    where
        L: TypedLink<K>,
        L::Record: Changeset,
        K: LinkKind,
    {
        let filter = EventFilter::LinkedFrom {
            link: link.name(),
            kind: Some(kind.code()),
            source,
            schema_index: <L::Record as Evented>::SCHEMA_INDEX,
        };
        self.events::<L::Record>("linked_from", source, filter)
            .await
    }

    /// The events of a type that carry the typed link `link` with the kind
    /// `kind` to `target` (what supersedes a document), oldest first.
    ///
    /// # Errors
    ///
    /// As [`linked_from`](Store::linked_from).
    pub async fn linking_to_as<L, K>(&self, link: L, kind: K, target: Uuid) -> Result<Vec<Event>>
    where
        L: TypedLink<K>,
        L::Record: Changeset,
        K: LinkKind,
    {
        let filter = EventFilter::LinkingTo {
            link: link.name(),
            kind: Some(kind.code()),
            target,
            schema_index: <L::Record as Evented>::SCHEMA_INDEX,
        };
        self.events::<L::Record>("linking_to", target, filter).await
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
