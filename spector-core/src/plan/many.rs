//! The plan of a batch: several changes, to several records of one or
//! several types and logs, planned one after another inside ONE
//! transaction, each as a single write would be.

use std::any::Any;
use std::collections::HashMap;

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

/// The changes of a batch, in the order they were added.
pub(crate) struct ManyChanges {
    changes: Vec<(Box<dyn AnyChange>, WriteTarget)>,
}

impl ManyChanges {
    /// The batch of `changes`, each with its target.
    pub(crate) fn new(changes: Vec<(Box<dyn AnyChange>, WriteTarget)>) -> Self {
        Self { changes }
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
        Ok(MultiPlanned {
            appends,
            rows,
            output: outputs,
        })
    }
}
