//! Writing: one operation in one immediate transaction.

use rusqlite::{params, Connection, TransactionBehavior};
use spector_core::{
    CollectEvents, Error, EventFilter, EventQuery, LogSpec, NewEvent, Result, WritePlan,
};

use crate::error::storage;
use crate::migration::LINK_ACROSS_RECORDS;
use crate::query::{fold_events, static_table};

/// Runs `plan` in one `BEGIN IMMEDIATE` transaction: the write lock is taken
/// before the history is read, so no other writer can change the record
/// between replay and append. Any error rolls everything back.
pub(crate) fn write<P: WritePlan>(
    conn: &mut Connection,
    log: &'static LogSpec,
    plan: P,
) -> Result<P::Output> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(storage)?;
    let history = match plan.record() {
        Some(record) => {
            let query = EventQuery {
                filter: EventFilter::Record {
                    parent_id: record.parent_id,
                    schema: record.schema,
                },
                with_links: true,
            };
            fold_events(&tx, log, &query, CollectEvents::default())?
        }
        None => Vec::new(),
    };
    let (event, output) = plan.plan(history)?;
    insert_event(&tx, log, &event)?;
    tx.commit().map_err(storage)?;
    Ok(output)
}

/// Inserts the event row and its link rows.
fn insert_event(conn: &Connection, log: &'static LogSpec, event: &NewEvent) -> Result<()> {
    let payload = serde_json::to_string(event.payload()).map_err(Error::storage)?;
    let sql = format!(
        "INSERT INTO {} (id, parent_id, payload, schema, action, inserted_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        log.table
    );
    conn.prepare_cached(&sql)
        .and_then(|mut statement| {
            statement.execute(params![
                event.id(),
                event.parent_id(),
                payload,
                event.schema(),
                event.action(),
                event.inserted_at().timestamp_micros(),
            ])
        })
        .map_err(storage)?;
    for link in event.links() {
        let spec = log.link(&link.name).ok_or_else(|| Error::UnknownLink {
            schema: static_table(log),
            link: link.name.clone(),
        })?;
        let sql = format!(
            "INSERT INTO {} (event_id, {}) VALUES (?1, ?2)",
            spec.table, spec.column
        );
        conn.prepare_cached(&sql)
            .and_then(|mut statement| statement.execute(params![event.id(), link.target]))
            .map_err(|error| match error {
                rusqlite::Error::SqliteFailure(_, Some(ref message))
                    if message.contains(LINK_ACROSS_RECORDS) =>
                {
                    Error::LinkAcrossRecords {
                        link: link.name.clone(),
                        event_id: event.id(),
                        target: link.target,
                    }
                }
                other => storage(other),
            })?;
    }
    Ok(())
}
