//! The plan of a batch: several changes, to several records of one or
//! several types and logs, planned one after another inside ONE
//! transaction, each as a single write would be.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use uuid::Uuid;

use super::Change;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::log::{EventLog, LogSpec};
use crate::materialized::RowWrite;
use crate::record::Changeset;
use crate::storage::{
    ChainTail, MultiPlan, MultiPlanned, PlanInput, Planned, RecordRef, Sealed, WritePlan,
    WriteTarget,
};

/// A planned change's events, row writes and result.
type Outcome = (Vec<Event>, Vec<RowWrite>, Box<dyn Any + Send>);

/// One change of a batch, its record type erased.
pub(crate) trait AnyChange: Send + 'static {
    /// The change's log and record.
    fn target(&self) -> Result<WriteTarget>;

    /// The name of the change's record type.
    fn record_type(&self) -> &'static str;

    /// Plans the change on `input`.
    fn plan_any(self: Box<Self>, input: PlanInput) -> Result<Outcome>;
}

impl<R: Changeset> AnyChange for Change<R> {
    fn target(&self) -> Result<WriteTarget> {
        Ok(WriteTarget {
            log: R::Log::spec()?,
            record: WritePlan::record(self),
        })
    }

    fn record_type(&self) -> &'static str {
        R::NAME
    }

    fn plan_any(self: Box<Self>, input: PlanInput) -> Result<Outcome> {
        Ok(match WritePlan::plan(*self, input)? {
            Planned::Append {
                events,
                rows,
                output,
            } => (events, rows, Box::new(output)),
            Planned::Unchanged(output) => (Vec::new(), Vec::new(), Box::new(output)),
        })
    }
}

/// Where a target's history and tail are kept: its table and record.
type Key = (&'static str, Option<Uuid>);

/// What one change of a batch planned: enough to tell which write a
/// database error that names a record or an event belongs to.
#[derive(Debug, Clone)]
pub(crate) struct PlannedWrite {
    /// The change's position in the batch.
    index: usize,
    /// Its record type.
    record_type: &'static str,
    /// Its record (a new record's id once planned).
    record_id: Option<Uuid>,
    /// The events it appends.
    events: Vec<Uuid>,
}

/// The writes a batch planned, kept by the caller to name the write a
/// database error belongs to once the transaction has failed.
pub(crate) type PlannedWrites = Arc<Mutex<Vec<PlannedWrite>>>;

/// `error`, which the database raised while a batch applied its writes,
/// as [`Error::Batch`] naming the write it belongs to when it names a
/// record (a refused row) or an event (a link) of one; otherwise as it is.
pub(crate) fn attribute(error: Error, planned: &PlannedWrites) -> Error {
    let planned = match planned.lock() {
        Ok(planned) => planned,
        Err(poisoned) => poisoned.into_inner(),
    };
    let write = match &error {
        Error::RowRefused { id, .. } => planned.iter().find(|w| w.record_id == Some(*id)),
        Error::LinkAcrossRecords { event_id, .. } | Error::LinkTargetNotFound { event_id, .. } => {
            planned.iter().find(|w| w.events.contains(event_id))
        }
        _ => None,
    };
    match write {
        Some(write) => Error::Batch {
            index: write.index,
            record_type: write.record_type,
            record_id: write.record_id,
            source: Box::new(error),
        },
        None => error,
    }
}

/// The changes of a batch, in the order they were added.
pub(crate) struct ManyChanges {
    changes: Vec<(Box<dyn AnyChange>, WriteTarget)>,
    planned: PlannedWrites,
}

impl ManyChanges {
    /// The batch of `changes`, each with its target; what each plans is
    /// told to `planned`.
    pub(crate) fn new(
        changes: Vec<(Box<dyn AnyChange>, WriteTarget)>,
        planned: PlannedWrites,
    ) -> Self {
        Self { changes, planned }
    }
}

/// The key of `target`.
fn key(target: &WriteTarget) -> Key {
    (
        target.log.table().as_str(),
        target.record.map(|record: RecordRef| record.parent_id),
    )
}

impl Sealed for ManyChanges {}

impl MultiPlan for ManyChanges {
    /// Each change's result, in order.
    type Output = Vec<Box<dyn Any + Send>>;

    fn targets(&self) -> Vec<WriteTarget> {
        let mut targets: Vec<WriteTarget> = Vec::new();
        for (_, target) in &self.changes {
            if !targets.iter().any(|seen| key(seen) == key(target)) {
                targets.push(*target);
            }
        }
        targets
    }

    fn plan(self, inputs: Vec<PlanInput>) -> Result<MultiPlanned<Self::Output>> {
        let targets = self.targets();
        let mut histories: HashMap<Key, Vec<Event>> = HashMap::new();
        let mut tails: HashMap<&'static str, Option<ChainTail>> = HashMap::new();
        for (target, input) in targets.iter().zip(inputs) {
            tails
                .entry(target.log.table().as_str())
                .or_insert(input.tail);
            histories.insert(key(target), input.history);
        }
        // How many changes are still to come for each record: the last one
        // takes its history, the ones before it work on a copy.
        let mut remaining: HashMap<Key, usize> = HashMap::new();
        for (_, target) in &self.changes {
            *remaining.entry(key(target)).or_default() += 1;
        }
        let mut appends: Vec<(&'static LogSpec, Vec<Event>)> = Vec::new();
        let mut rows = Vec::new();
        let mut outputs = Vec::with_capacity(self.changes.len());
        let mut planned = Vec::with_capacity(self.changes.len());
        for (index, (change, target)) in self.changes.into_iter().enumerate() {
            let table = target.log.table().as_str();
            let key = key(&target);
            let later = remaining.get_mut(&key).map_or(0, |count| {
                *count -= 1;
                *count
            });
            let history = match (target.record, later) {
                (None, _) => Vec::new(),
                (Some(_), 0) => histories.remove(&key).unwrap_or_default(),
                (Some(_), _) => histories.get(&key).cloned().unwrap_or_default(),
            };
            let tail = tails.get(table).cloned().flatten();
            let record_type = change.record_type();
            let (events, change_rows, output) = change
                .plan_any(PlanInput {
                    history,
                    tail,
                    untracked: Vec::new(),
                })
                .map_err(|source| Error::Batch {
                    index,
                    record_type,
                    record_id: target.record.map(|record| record.parent_id),
                    source: Box::new(source),
                })?;
            planned.push(PlannedWrite {
                index,
                record_type,
                record_id: events
                    .first()
                    .map(|event| event.parent_id)
                    .or(target.record.map(|record| record.parent_id)),
                events: events.iter().map(|event| event.id).collect(),
            });
            if let Some(last) = events.last().filter(|_| target.log.hashed()) {
                tails.insert(
                    table,
                    Some(ChainTail {
                        event_id: last.id,
                        hash: last.hash.clone(),
                        inserted_at: last.inserted_at,
                    }),
                );
            }
            if target.record.is_some() && later > 0 {
                histories
                    .entry(key)
                    .or_default()
                    .extend(events.iter().cloned());
            }
            match appends.last_mut() {
                Some((log, appended)) if std::ptr::eq(*log, target.log) => appended.extend(events),
                _ => appends.push((target.log, events)),
            }
            rows.extend(change_rows);
            outputs.push(output);
        }
        match self.planned.lock() {
            Ok(mut kept) => *kept = planned,
            Err(poisoned) => *poisoned.into_inner() = planned,
        }
        Ok(MultiPlanned {
            appends,
            rows,
            output: outputs,
        })
    }
}
