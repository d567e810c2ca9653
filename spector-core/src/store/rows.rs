//! The store's operations on materialized tables and record listings:
//! `materialize`, `bringup` and `list`.

use tracing::Instrument;

use super::{write_span, Store};
use crate::bringup::Bringup;
use crate::error::Result;
use crate::id::{Id, IntoId};
use crate::log::EventLog;
use crate::materialized::Materialized;
use crate::plan::{table_of, BringupPlan, MaterializePlan};
use crate::record::Changeset;
use crate::storage::Storage;

impl<B: Storage> Store<B> {
    /// Rebuilds the row of record `id` in `R`'s materialized table from its
    /// events (from its latest savepoint) and inserts it, after
    /// [`prepare_materialization`](Changeset::prepare_materialization);
    /// writes no event. For a row lost or never written (a table added to
    /// a type that already had records). Returns the record's state.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`](crate::Error::NotFound) for a record without events,
    /// [`Error::Deleted`](crate::Error::Deleted), [`Error::RowExists`](crate::Error::RowExists) when the row is already
    /// there, [`Error::Invalid`](crate::Error::Invalid) when the hook refuses,
    /// [`Error::RowRefused`](crate::Error::RowRefused), [`Error::Storage`](crate::Error::Storage).
    pub async fn materialize<R>(&self, record: impl IntoId<R>) -> Result<R>
    where
        R: Materialized + Changeset,
    {
        let id = record.into_id();
        let log = R::Log::spec()?;
        let span = write_span::<R>(log, "materialize");
        span.record("record_id", tracing::field::display(id.uuid()));
        self.backend
            .write(log, MaterializePlan::new(id))
            .instrument(span)
            .await
            .map_err(|error| error.in_log(log))
    }

    /// Imports the rows of `R`'s materialized table that no event of `R`
    /// tracks (rows written before the type was evented): each becomes a
    /// new record through the action `bringup` gives (a new UUIDv7 id, an
    /// event, a row), then its old row is removed — all in one transaction,
    /// so either every row is imported or none is. Rows already tracked are
    /// left alone. Returns the new records, in the order of the old ids.
    ///
    /// # Errors
    ///
    /// [`Error::Bringup`](crate::Error::Bringup) naming the row whose action, live rules,
    /// transition, hook or transfer failed; [`Error::RowRefused`](crate::Error::RowRefused),
    /// [`Error::Storage`](crate::Error::Storage). Nothing is written on any error.
    pub async fn bringup<R>(&self, bringup: Bringup<R>) -> Result<Vec<R>>
    where
        R: Materialized + Changeset,
    {
        let log = R::Log::spec()?;
        let table = table_of::<R>()?;
        let span = write_span::<R>(log, "bringup");
        let plan = BringupPlan::new(table, bringup.action, bringup.transfer);
        self.backend
            .write(log, plan)
            .instrument(span)
            .await
            .map_err(|error| error.in_log(log))
    }

    /// One page of the ids of `R`'s records, deleted ones left out, in
    /// ascending id order (UUIDv7: roughly creation order): up to `limit`
    /// ids after `after` (from the first record when `None`). Pass the
    /// page's [`next`](Page::next) as `after` to read the next page. A
    /// keyset listing: records written meanwhile never make a record appear
    /// twice or be skipped. Works whether or not `R` has a materialized
    /// table.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`](crate::Error::Storage).
    pub async fn list<R: Changeset>(&self, after: Option<Id<R>>, limit: u32) -> Result<Page<R>> {
        let log = R::Log::spec()?;
        let span = tracing::debug_span!(
            target: "spector",
            "spector.read",
            operation = "list",
            table = %log.table(),
            record_type = R::NAME,
        );
        let ids = self
            .backend
            .record_ids(log, R::SCHEMA_INDEX, after.map(Id::uuid), limit)
            .instrument(span)
            .await
            .map_err(|error| error.in_log(log))?;
        let next = (limit > 0 && ids.len() == limit as usize)
            .then(|| ids.last().copied().map(Id::new))
            .flatten();
        Ok(Page {
            ids: ids.into_iter().map(Id::new).collect(),
            next,
        })
    }
}

/// One page of [`Store::list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<R> {
    /// The record ids, ascending.
    pub ids: Vec<Id<R>>,
    /// Where the next page starts (the last id), or `None` when this page
    /// was not full: there is no next page.
    pub next: Option<Id<R>>,
}
