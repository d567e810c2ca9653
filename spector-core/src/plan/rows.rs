//! The write plans of `materialize` and `bringup`: a record's row rebuilt
//! from its events, and rows without events imported as new records.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{appended, live_event, row_of, timestamp_after, Payload};
use crate::error::{Error, Result};
use crate::event::{Event, EventMeta};
use crate::history::History;
use crate::id::Id;
use crate::invalid::Invalid;
use crate::log::TableSpec;
use crate::materialized::{Row, RowWrite};
use crate::record::{Changeset, Evented};
use crate::replay::Replay;
use crate::storage::{HistoryStart, PlanInput, Planned, RecordRef, Sealed, WritePlan};

/// `materialize`: the record's row rebuilt from its events and inserted.
pub(crate) struct MaterializePlan<R> {
    id: Id<R>,
}

impl<R: Changeset> MaterializePlan<R> {
    /// The plan that materializes record `id`.
    pub(crate) fn new(id: Id<R>) -> Self {
        Self { id }
    }
}

impl<R: Changeset> Sealed for MaterializePlan<R> {}

impl<R: Changeset> WritePlan for MaterializePlan<R> {
    /// The record's state (the row holds it as `prepare_materialization`
    /// left it).
    type Output = R;

    fn record(&self) -> Option<RecordRef> {
        Some(RecordRef {
            parent_id: self.id.uuid(),
            start: if R::SAVEPOINTS.is_some() {
                HistoryStart::LatestSavepoint
            } else {
                HistoryStart::First
            },
        })
    }

    fn plan(self, input: PlanInput) -> Result<Planned<R>> {
        let history = History::<R>::filter(input.history)?;
        let record_id = self.id.uuid();
        if history.is_empty() {
            return Err(Error::NotFound {
                record_type: R::NAME,
                id: record_id,
            });
        }
        let state = Replay::<R>::run(&history)?.ok_or(Error::Deleted {
            record_type: R::NAME,
            id: record_id,
        })?;
        let rows = row_of(&state)?.map(RowWrite::Insert).into_iter().collect();
        Ok(Planned::Append {
            events: Vec::new(),
            rows,
            output: state,
        })
    }
}

/// The action `bringup` imports a row with.
pub(crate) type RowAction<R> =
    Box<dyn FnMut(&Row) -> Result<<R as Evented>::Action, Invalid> + Send>;

/// The callback `bringup` runs after importing a row: the old row and the
/// new record.
pub(crate) type Transfer<R> = Box<dyn FnMut(&Row, &R) -> Result<(), Invalid> + Send>;

/// `bringup`: every untracked row of the type's table imported as a new
/// record, and removed.
pub(crate) struct BringupPlan<R: Evented> {
    table: &'static TableSpec,
    action: RowAction<R>,
    transfer: Option<Transfer<R>>,
}

impl<R: Changeset> BringupPlan<R> {
    /// The plan that imports the untracked rows of `table`.
    pub(crate) fn new(
        table: &'static TableSpec,
        action: RowAction<R>,
        transfer: Option<Transfer<R>>,
    ) -> Self {
        Self {
            table,
            action,
            transfer,
        }
    }

    /// Imports `row` as a new record, its event after `latest`.
    fn import(&mut self, row: &Row, latest: Option<(DateTime<Utc>, Uuid)>) -> Result<(Event, R)> {
        let action = (self.action)(row)?;
        let payload = Payload::of(&action, usize::MAX)?;
        let id = Uuid::now_v7();
        let meta = EventMeta {
            id,
            record_id: id,
            version: R::VERSION,
            inserted_at: timestamp_after::<R>(latest, id)?,
        };
        let (event, state) = live_event(R::fresh(Id::new(id)), payload, meta, &[], true)?;
        if let Some(transfer) = &mut self.transfer {
            transfer(row, &state)?;
        }
        Ok((event, state))
    }
}

impl<R: Changeset> Sealed for BringupPlan<R> {}

impl<R: Changeset> WritePlan for BringupPlan<R> {
    /// The new records, in the order of the old rows' ids.
    type Output = Vec<R>;

    fn record(&self) -> Option<RecordRef> {
        None
    }

    fn untracked(&self) -> Option<&'static TableSpec> {
        Some(self.table)
    }

    fn plan(mut self, input: PlanInput) -> Result<Planned<Vec<R>>> {
        let PlanInput {
            tail,
            mut untracked,
            ..
        } = input;
        untracked.sort_by_key(|row| row.id());
        let mut latest = tail.as_ref().map(|tail| (tail.inserted_at, tail.event_id));
        let mut events = Vec::with_capacity(untracked.len());
        let mut rows = Vec::with_capacity(2 * untracked.len());
        let mut records = Vec::with_capacity(untracked.len());
        for row in &untracked {
            let refused = |row_id: Uuid, source: Error| Error::Bringup {
                record_type: R::NAME,
                table: self.table.table().to_string(),
                row_id,
                source: Box::new(source),
            };
            // A row without an id could not be removed once imported: the
            // next bringup would import it again.
            let row_id = row.id().ok_or_else(|| {
                let column = self.table.id_column().name().as_str();
                refused(
                    Uuid::nil(),
                    Invalid::new(
                        column,
                        "is NULL: a row without an id cannot be removed once imported; \
                         give it one (a UUID) first",
                    )
                    .into(),
                )
            })?;
            let (event, state) = self
                .import(row, latest)
                .map_err(|source| refused(row_id, source))?;
            latest = Some((event.inserted_at, event.id));
            rows.push(RowWrite::Delete {
                table: self.table,
                id: row_id,
            });
            rows.extend(row_of(&state)?.map(RowWrite::Upsert));
            events.push(event);
            records.push(state);
        }
        appended::<R, _>(events, rows, records, tail)
    }
}
