//! The storage trait that backends implement.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::Result;
use crate::event::Event;
use crate::log::{LogSpec, TableSpec};
use crate::materialized::{Row, RowWrite};

/// Which events of a log a read selects. Every selection comes back in
/// event order (`inserted_at`, then `id`).
///
/// Exhaustive on purpose: a new kind of read must be implemented by every
/// backend, so adding one breaks them at compile time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventFilter {
    /// Every event of one record from `start` on, whatever its schema
    /// index: core checks that they belong to the record type asked for.
    Record {
        /// The record id.
        parent_id: Uuid,
        /// Where the history starts.
        start: HistoryStart,
    },
    /// One event, if it belongs to the record type.
    Event {
        /// The event id.
        id: Uuid,
        /// The record type's schema index.
        schema_index: i32,
    },
    /// Every event of the log's table, whatever its record or type, in
    /// event order (the order of its hash chain). Backends stream it: a
    /// read of the whole log holds one event at a time.
    Log,
    /// One page of the whole log, in event order, whatever the record or
    /// type of each event: up to `limit` events after the event `after`
    /// (from the log's first event when `None`). Backends answer it with a
    /// keyset read of the `(inserted_at, id)` index, so a page costs what
    /// its rows cost wherever it starts; an `after` that is not an event of
    /// the log selects nothing.
    LogPage {
        /// The event the page starts after.
        after: Option<Uuid>,
        /// The most events the page holds.
        limit: u32,
    },
    /// The events of a record type that the event `source` links to
    /// through `link`.
    LinkedFrom {
        /// The link name.
        link: &'static str,
        /// Only links of this kind (a typed link), or any.
        kind: Option<i32>,
        /// The linking event.
        source: Uuid,
        /// The record type's schema index.
        schema_index: i32,
    },
    /// The event `start` and every event it reaches through `link`,
    /// transitively (its ancestry along the link), of a record type; one
    /// recursive query, whatever the depth. A cycle ends where it closes.
    Ancestry {
        /// The link name.
        link: &'static str,
        /// The first event.
        start: Uuid,
        /// The record type's schema index.
        schema_index: i32,
    },
    /// The events of a record type that carry a link called `link` to `target`.
    LinkingTo {
        /// The link name.
        link: &'static str,
        /// Only links of this kind (a typed link), or any.
        kind: Option<i32>,
        /// The event linked to.
        target: Uuid,
        /// The record type's schema index.
        schema_index: i32,
    },
}

/// Where a read of one record's history starts. Events are never skipped
/// after the start; a savepoint event replaces the state of every event
/// before it, so reading from the latest one gives the same state as
/// reading from the first event, and costs what the events since it cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryStart {
    /// At the record's first event.
    First,
    /// At the record's latest savepoint event (action code 4), or its first
    /// event when it has none. Backends bound the read with an index, so
    /// rows before the savepoint are not read.
    LatestSavepoint,
    /// As [`LatestSavepoint`](HistoryStart::LatestSavepoint), unless the
    /// record has the event `id`: then at the latest savepoint at or before
    /// that event (its first event when there is none), so that the event
    /// and the state before it are in the history (an idempotent retry).
    SavepointBefore(Uuid),
}

impl HistoryStart {
    /// The event id of [`SavepointBefore`](HistoryStart::SavepointBefore).
    pub fn event(self) -> Option<Uuid> {
        match self {
            Self::SavepointBefore(id) => Some(id),
            Self::First | Self::LatestSavepoint => None,
        }
    }
}

/// A read: a selection of events and whether to load their links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventQuery {
    /// Which events.
    pub filter: EventFilter,
    /// Whether each event's `links` are loaded (one query per link table).
    pub with_links: bool,
}

/// Consumes events one at a time, so that a record is replayed while its
/// rows stream in, without collecting them first.
pub trait EventFold: Send + 'static {
    /// What the fold yields at the end.
    type Output: Send + 'static;
    /// Takes the next event.
    ///
    /// # Errors
    ///
    /// An error stops the read and is returned by it.
    fn push(&mut self, event: Event) -> Result<()>;
    /// Yields the result after the last event.
    ///
    /// # Errors
    ///
    /// An error is returned by the read.
    fn finish(self) -> Result<Self::Output>;
}

/// Collects events into a `Vec`.
#[derive(Debug, Default)]
pub struct CollectEvents(pub Vec<Event>);

impl EventFold for CollectEvents {
    type Output = Vec<Event>;

    fn push(&mut self, event: Event) -> Result<()> {
        self.0.push(event);
        Ok(())
    }

    fn finish(self) -> Result<Vec<Event>> {
        Ok(self.0)
    }
}

/// The record a write works on: the backend takes its lock and loads its
/// history (the events of the record id from `start` on, with links) before
/// planning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordRef {
    /// The record id.
    pub parent_id: Uuid,
    /// Where the history the plan needs starts.
    pub start: HistoryStart,
}

impl RecordRef {
    /// The read of the record's history.
    pub fn history(self) -> EventQuery {
        EventQuery {
            filter: EventFilter::Record {
                parent_id: self.parent_id,
                start: self.start,
            },
            with_links: true,
        }
    }
}

/// The newest event of a hashed log's table (by `inserted_at`, then `id`),
/// which a backend reads after taking the table's append lock and hands to
/// the write plan: the new events chain on from its hash and come after
/// its time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainTail {
    /// Its id.
    pub event_id: Uuid,
    /// Its stored hash (`None` for a row without one).
    pub hash: Option<Vec<u8>>,
    /// Its time.
    pub inserted_at: DateTime<Utc>,
}

/// What a backend read for a write plan, inside its transaction.
#[derive(Debug, Default)]
pub struct PlanInput {
    /// The record's events from its start on, oldest first, with links
    /// (empty for a new record, or a plan without a record).
    pub history: Vec<Event>,
    /// For a hashed log, the table's newest event (`None` when the table is
    /// empty, and for other logs).
    pub tail: Option<ChainTail>,
    /// The rows of [`WritePlan::untracked`]'s table that no event of its
    /// record type tracks (empty when the plan asks for none).
    pub untracked: Vec<Row>,
}

/// What a write plan decided, inside the backend's transaction.
#[derive(Debug)]
pub enum Planned<O> {
    /// Append `events` (with their links), in order, then apply `rows` to
    /// materialized tables, in order, and commit; the write returns
    /// `output`.
    Append {
        /// The events to insert, links included: the operation's event,
        /// then any automatic savepoint.
        events: Vec<Event>,
        /// The row writes of materialized tables.
        rows: Vec<RowWrite>,
        /// What the write returns once committed.
        output: O,
    },
    /// Write nothing: the operation is a retry of a write already stored
    /// (an idempotent write); it returns this.
    Unchanged(O),
}

mod sealed {
    /// Only core's write plans implement [`WritePlan`](super::WritePlan).
    pub trait Sealed {}
}

pub(crate) use sealed::Sealed;

/// The plan of one write: the callback through which a backend runs core's
/// logic inside its transaction. It sees the record's history and decides
/// the event to append. Backends call it; only core implements it.
pub trait WritePlan: Sealed + Send + 'static {
    /// What the write returns after the commit (the new state).
    type Output: Send + 'static;

    /// The existing record this write changes; `None` for a new record.
    fn record(&self) -> Option<RecordRef>;

    /// The materialized table whose untracked rows the plan needs (rows
    /// whose id is the `parent_id` of no event of the table's record type),
    /// read after the locks and handed over in [`PlanInput::untracked`];
    /// `None` (the default) for a plan that needs none.
    fn untracked(&self) -> Option<&'static TableSpec> {
        None
    }

    /// Decides the events to append, links included, and the rows to
    /// write, from what the backend read (`input`), or that nothing is to
    /// be written. For a hashed log, the events come back with their `hash`
    /// set, chained on from `input.tail`.
    ///
    /// # Errors
    ///
    /// Any error refuses the write: the backend rolls its transaction back.
    fn plan(self, input: PlanInput) -> Result<Planned<Self::Output>>;
}

/// One record a [`MultiPlan`] writes to (or a new record, `record: None`),
/// in the log `log`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WriteTarget {
    /// The record's event log.
    pub log: &'static LogSpec,
    /// The existing record, or `None` for a new one.
    pub record: Option<RecordRef>,
}

/// What a [`MultiPlan`] decided: the events to append to each log, in
/// order, then the row writes, in order.
#[derive(Debug)]
pub struct MultiPlanned<O> {
    /// The events to insert, with their links, per log, in order.
    pub appends: Vec<(&'static LogSpec, Vec<Event>)>,
    /// The row writes of materialized tables.
    pub rows: Vec<RowWrite>,
    /// What the write returns once committed.
    pub output: O,
}

/// The plan of a write to several records, of one or several types and
/// logs, in ONE transaction: the callback through which a backend runs
/// core's logic once it holds every lock. Backends call it; only core
/// implements it.
pub trait MultiPlan: Sealed + Send + 'static {
    /// What the write returns after the commit.
    type Output: Send + 'static;

    /// The records written, each once, in the order
    /// [`plan`](MultiPlan::plan) expects their inputs.
    fn targets(&self) -> Vec<WriteTarget>;

    /// Decides the events and rows from one [`PlanInput`] per target, in
    /// the order of [`targets`](MultiPlan::targets) (the `tail` of each
    /// target of a hashed log is its table's newest event before the
    /// write; `untracked` is empty).
    ///
    /// # Errors
    ///
    /// Any error refuses the whole write: the backend rolls back.
    fn plan(self, inputs: Vec<PlanInput>) -> Result<MultiPlanned<Self::Output>>;
}

/// A storage backend: owns the SQL dialect, the migrations and the
/// transactions. Spector's operations ([`Store`](crate::Store)) are written
/// once against this trait.
///
/// Every method's errors are [`Error`](crate::Error)s: the backend maps a
/// refused link to [`Error::LinkAcrossRecords`](crate::Error::LinkAcrossRecords)
/// and its own failures to [`Error::Storage`](crate::Error::Storage).
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// Creates what the log needs (event table, indexes, link tables and
    /// their same-record triggers) where it is missing.
    async fn migrate(&self, log: &'static LogSpec) -> Result<()>;

    /// Drops everything [`migrate`](Storage::migrate) creates for the log.
    async fn migrate_down(&self, log: &'static LogSpec) -> Result<()>;

    /// Runs one write in ONE transaction: for a hashed log, takes the
    /// table's append lock and reads its [`ChainTail`]; otherwise, when
    /// `plan.record()` names a record, takes that record's write lock; loads
    /// the record's history ([`RecordRef::history`]) and the untracked rows
    /// of [`WritePlan::untracked`]; calls [`WritePlan::plan`]; inserts the
    /// events (with their hashes) and their links; applies the row writes
    /// (an existing row for [`RowWrite::Insert`] is
    /// [`Error::RowExists`](crate::Error::RowExists), a row the database
    /// refuses [`Error::RowRefused`](crate::Error::RowRefused)); commits.
    /// Any error rolls everything back.
    async fn write<P: WritePlan>(&self, log: &'static LogSpec, plan: P) -> Result<P::Output>;

    /// Runs a write to several records in ONE transaction: takes every
    /// lock the targets need in a deterministic order (the append lock of
    /// each hashed log, then each record's write lock, each kind sorted by
    /// key) so that two such writes cannot deadlock; reads each hashed
    /// log's [`ChainTail`] and each target's history; calls
    /// [`MultiPlan::plan`]; inserts the events and their links, log by log,
    /// then applies the row writes; commits. Any error rolls everything
    /// back.
    async fn write_many<P: MultiPlan>(&self, plan: P) -> Result<P::Output>;

    /// Up to `limit` ids of the records of the type at `schema_index` (the
    /// ids of its first events), deleted records left out, in ascending id
    /// order, after `after` when given: one page of a keyset listing.
    async fn record_ids(
        &self,
        log: &'static LogSpec,
        schema_index: i32,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<Uuid>>;

    /// Streams the selected events, in order, into `fold`.
    async fn fold_events<F: EventFold>(
        &self,
        log: &'static LogSpec,
        query: EventQuery,
        fold: F,
    ) -> Result<F::Output>;
}
