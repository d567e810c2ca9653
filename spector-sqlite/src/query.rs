//! Reading events: the SQL of each [`EventFilter`], links included.

use std::collections::HashMap;

use chrono::DateTime;
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, Row};
use spector_core::{
    Attrs, Error, Event, EventFilter, EventFold, EventQuery, Link, LogSpec, Result,
};
use uuid::Uuid;

use crate::error::{storage, SqliteError};

/// The columns of an event row, in the order [`decode_event`] reads them.
const EVENT_COLUMNS: &str = "e.id, e.parent_id, e.payload, e.schema, e.action, e.inserted_at";

/// A filter as SQL: the `WHERE` clause over `e` and its parameters.
struct Selection {
    clause: String,
    params: Vec<Value>,
}

fn select(log: &'static LogSpec, filter: &EventFilter) -> Result<Selection> {
    let uuid = |id: &Uuid| Value::Blob(id.as_bytes().to_vec());
    Ok(match filter {
        EventFilter::Record { parent_id, schema } => Selection {
            clause: "e.parent_id = ?1 AND e.schema = ?2".to_owned(),
            params: vec![uuid(parent_id), Value::Integer((*schema).into())],
        },
        EventFilter::Event { id, schema } => Selection {
            clause: "e.id = ?1 AND e.schema = ?2".to_owned(),
            params: vec![uuid(id), Value::Integer((*schema).into())],
        },
        EventFilter::LinkingTo {
            link,
            target,
            schema,
        } => {
            let spec = log.link(link).ok_or_else(|| Error::UnknownLink {
                schema: static_table(log),
                link: link.clone(),
            })?;
            Selection {
                clause: format!(
                    "e.schema = ?2 AND e.id IN (SELECT event_id FROM {} WHERE {} = ?1)",
                    spec.table, spec.column
                ),
                params: vec![uuid(target), Value::Integer((*schema).into())],
            }
        }
        _ => {
            return Err(Error::storage(SqliteError::Unsupported(format!(
                "{filter:?}"
            ))))
        }
    })
}

/// The name of a log's table with the log's lifetime, for errors.
pub(crate) fn static_table(log: &'static LogSpec) -> &'static str {
    log.table.as_str()
}

/// Streams the selected events into `fold`, links attached.
pub(crate) fn fold_events<F: EventFold>(
    conn: &Connection,
    log: &'static LogSpec,
    query: &EventQuery,
    mut fold: F,
) -> Result<F::Output> {
    let selection = select(log, &query.filter)?;
    let mut links = if query.with_links {
        load_links(conn, log, &selection)?
    } else {
        HashMap::new()
    };
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM {} e WHERE {} ORDER BY e.inserted_at, e.id",
        log.table, selection.clause
    );
    let mut statement = conn.prepare_cached(&sql).map_err(storage)?;
    let mut rows = statement
        .query(params_from_iter(&selection.params))
        .map_err(storage)?;
    while let Some(row) = rows.next().map_err(storage)? {
        let mut event = decode_event(row)?;
        event.links = links.remove(&event.id).unwrap_or_default();
        fold.push(event)?;
    }
    fold.finish()
}

/// The links of the selected events, one query per link table.
fn load_links(
    conn: &Connection,
    log: &LogSpec,
    selection: &Selection,
) -> Result<HashMap<Uuid, Vec<Link>>> {
    let mut links: HashMap<Uuid, Vec<Link>> = HashMap::new();
    for spec in &log.links {
        let sql = format!(
            "SELECT l.event_id, l.{column} FROM {links} l \
             WHERE l.event_id IN (SELECT e.id FROM {table} e WHERE {clause}) \
             ORDER BY l.event_id, l.{column}",
            column = spec.column,
            links = spec.table,
            table = log.table,
            clause = selection.clause,
        );
        let mut statement = conn.prepare_cached(&sql).map_err(storage)?;
        let mut rows = statement
            .query(params_from_iter(&selection.params))
            .map_err(storage)?;
        while let Some(row) = rows.next().map_err(storage)? {
            let event_id: Uuid = row.get(0).map_err(storage)?;
            let target: Uuid = row.get(1).map_err(storage)?;
            links.entry(event_id).or_default().push(Link {
                name: spec.name.clone(),
                target,
            });
        }
    }
    Ok(links)
}

/// One event row (without links).
fn decode_event(row: &Row<'_>) -> Result<Event> {
    let id: Uuid = row.get(0).map_err(storage)?;
    let payload: String = row.get(2).map_err(storage)?;
    let micros: i64 = row.get(5).map_err(storage)?;
    Ok(Event {
        id,
        parent_id: row.get(1).map_err(storage)?,
        payload: serde_json::from_str::<Attrs>(&payload).map_err(|e| Error::Decode {
            event_id: id,
            message: e.to_string(),
        })?,
        schema: row.get(3).map_err(storage)?,
        action: row.get(4).map_err(storage)?,
        inserted_at: DateTime::from_timestamp_micros(micros).ok_or_else(|| {
            Error::storage(SqliteError::BadRow(format!(
                "event {id} has an out-of-range timestamp {micros}"
            )))
        })?,
        links: Vec::new(),
    })
}
