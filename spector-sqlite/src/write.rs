//! Writing: what one operation does inside the writer's transaction.

use std::collections::HashMap;

use rusqlite::{params, Connection};
use spector_core::backend::{
    ChainTail, CollectEvents, LogSpec, MultiPlan, PlanInput, Planned, WritePlan,
    LINK_ACROSS_RECORDS,
};
use spector_core::{Error, Event, Result};

use crate::decode::StoredEvent;
use crate::error::{is_foreign_key_violation, query_error};
use crate::query::fold_events;
use crate::rows;

/// Runs `plan` inside the writer's transaction (which holds the database's
/// write lock, taken before the history is read, so no other writer can
/// change the record between replay and append). Any error is rolled back
/// by the writer, to this write's savepoint.
pub(crate) fn write<P: WritePlan>(
    conn: &Connection,
    log: &'static LogSpec,
    plan: P,
) -> Result<P::Output> {
    let history = match plan.record() {
        Some(record) => fold_events(conn, log, &record.history(), CollectEvents::default())?,
        None => Vec::new(),
    };
    let tail = if log.hashed() {
        chain_tail(conn, log)?
    } else {
        None
    };
    let (untracked, stored_ids) = match plan.untracked() {
        Some(table) => rows::untracked(conn, log, table)?,
        None => Default::default(),
    };
    let input = PlanInput {
        history,
        tail,
        untracked,
    };
    match plan.plan(input)? {
        Planned::Append {
            events,
            rows,
            output,
        } => {
            for event in &events {
                insert_event(conn, log, event)?;
            }
            for row in &rows {
                rows::apply(conn, row, &stored_ids)?;
            }
            Ok(output)
        }
        Planned::Unchanged(output) => Ok(output),
    }
}

/// The table a batch's errors name: its first target's.
pub(crate) fn first_table<P: MultiPlan>(plan: &P) -> &'static str {
    plan.targets()
        .first()
        .map_or("(an empty batch)", |target| target.log.table().as_str())
}

/// Runs a write to several records inside the writer's transaction: its
/// write lock covers every record, so no lock order is needed; then each
/// hashed log's tail and each target's history, the plan, the events log by
/// log, the rows. Any error is rolled back by the writer, to this write's
/// savepoint.
pub(crate) fn write_many<P: MultiPlan>(conn: &Connection, plan: P) -> Result<P::Output> {
    let targets = plan.targets();
    let mut tails: HashMap<&str, Option<ChainTail>> = HashMap::new();
    let mut inputs = Vec::with_capacity(targets.len());
    for target in &targets {
        let history = match target.record {
            Some(record) => fold_events(
                conn,
                target.log,
                &record.history(),
                CollectEvents::default(),
            )?,
            None => Vec::new(),
        };
        let tail = if target.log.hashed() {
            match tails.get(target.log.table().as_str()) {
                Some(tail) => tail.clone(),
                None => {
                    let tail = chain_tail(conn, target.log)?;
                    tails.insert(target.log.table().as_str(), tail.clone());
                    tail
                }
            }
        } else {
            None
        };
        inputs.push(PlanInput {
            history,
            tail,
            untracked: Vec::new(),
        });
    }
    let planned = plan.plan(inputs)?;
    for (log, events) in &planned.appends {
        for event in events {
            insert_event(conn, log, event)?;
        }
    }
    for row in &planned.rows {
        rows::apply(conn, row, &rows::StoredIds::default())?;
    }
    Ok(planned.output)
}

/// The newest event of a hashed log's table: its hash and time. The
/// writer's transaction holds the database's write lock, so no other append can
/// come between this read and the commit.
fn chain_tail(conn: &Connection, log: &'static LogSpec) -> Result<Option<ChainTail>> {
    let table = log.table();
    let failed = query_error("read the chain's tail", table.as_str());
    let sql = format!(
        "SELECT id, hash, inserted_at FROM {table} ORDER BY inserted_at DESC, id DESC LIMIT 1"
    );
    let mut statement = conn.prepare_cached(&sql).map_err(&failed)?;
    let mut rows = statement.query([]).map_err(&failed)?;
    let Some(row) = rows.next().map_err(&failed)? else {
        return Ok(None);
    };
    let stored = StoredEvent::read(row, table.as_str(), 0)?;
    Ok(Some(ChainTail {
        event_id: stored.id(),
        hash: stored.get(1, "hash", "a BLOB")?,
        inserted_at: stored.inserted_at(2)?,
    }))
}

/// Inserts the event row (with its hash in a hashed log) and its link rows.
fn insert_event(conn: &Connection, log: &'static LogSpec, event: &Event) -> Result<()> {
    let table = log.table();
    let payload = serde_json::to_string(&event.payload).map_err(Error::storage)?;
    let sql = format!(
        "INSERT INTO {table} (id, parent_id, payload, schema, action, inserted_at{}) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6{})",
        if log.hashed() { ", hash" } else { "" },
        if log.hashed() { ", ?7" } else { "" },
    );
    conn.prepare_cached(&sql)
        .and_then(|mut statement| {
            let row = params![
                event.id,
                event.parent_id,
                payload,
                event.schema_index,
                event.action_code,
                event.inserted_at.timestamp_micros(),
            ];
            if log.hashed() {
                let mut row = row.to_vec();
                row.push(&event.hash);
                statement.execute(row.as_slice())
            } else {
                statement.execute(row)
            }
        })
        .map_err(|error| match error {
            rusqlite::Error::SqliteFailure(ref failure, _)
                if failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
            {
                Error::EventIdConflict {
                    record_type: log.record_type(event.schema_index),
                    event_id: event.id,
                }
            }
            other => query_error("insert event", table.as_str())(other),
        })?;
    for link in &event.links {
        let spec = log.link(link.name).ok_or_else(|| Error::UnknownLink {
            record_type: log.record_type(event.schema_index),
            link: link.name.to_owned(),
        })?;
        let (type_column, type_value) = if spec.typed() {
            (", type", ", ?3")
        } else {
            ("", "")
        };
        let sql = format!(
            "INSERT INTO {} (event_id, {}{type_column}) VALUES (?1, ?2{type_value})",
            spec.table(),
            spec.column()
        );
        conn.prepare_cached(&sql)
            .and_then(|mut statement| {
                if spec.typed() {
                    statement.execute(params![event.id, link.target, link.kind])
                } else {
                    statement.execute(params![event.id, link.target])
                }
            })
            .map_err(|error| match error {
                rusqlite::Error::SqliteFailure(_, Some(ref message))
                    if message.contains(LINK_ACROSS_RECORDS) =>
                {
                    Error::LinkAcrossRecords {
                        link: link.name,
                        event_id: event.id,
                        target: link.target,
                    }
                }
                other if is_foreign_key_violation(&other) => Error::LinkTargetNotFound {
                    link: link.name,
                    event_id: event.id,
                    target: link.target,
                },
                other => query_error("insert link", table.as_str())(other),
            })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use spector_core::backend::{LinkDecl, SchemaSpec};
    use spector_core::{Attrs, Link};
    use uuid::Uuid;

    use super::*;

    fn chat_log() -> &'static LogSpec {
        const LINKS: &[LinkDecl] = &[LinkDecl::new("edits", "previous_id")];
        Box::leak(Box::new(
            LogSpec::new("chat_events", vec![SchemaSpec::new("Chat", 0, LINKS)]).unwrap(),
        ))
    }

    fn event(id: Uuid, parent_id: Uuid, links: Vec<Link>) -> Event {
        Event {
            id,
            parent_id,
            schema_index: 0,
            action_code: 1,
            payload: Attrs::new(),
            inserted_at: chrono::Utc::now(),
            links,
            hash: None,
        }
    }

    #[test]
    fn a_link_refused_for_another_reason_than_its_target_is_a_storage_error() {
        let log = chat_log();
        let conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        conn.execute_batch(&crate::migration::up(log).join(";\n"))
            .unwrap();
        let first = Uuid::now_v7();
        insert_event(&conn, log, &event(first, first, Vec::new())).unwrap();
        // The same link twice: the link table's unique index refuses it.
        let edit = Link::new("edits", first);
        let second = event(Uuid::now_v7(), first, vec![edit.clone(), edit]);
        let error = insert_event(&conn, log, &second).unwrap_err();
        assert!(matches!(error, Error::Storage(_)), "{error:?}");
        assert!(
            error
                .to_string()
                .starts_with("storage error: sqlite: insert link on `chat_events` failed: UNIQUE"),
            "{error}"
        );
    }
}
