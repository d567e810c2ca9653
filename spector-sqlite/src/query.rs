//! Reading events: the SQL of each [`EventFilter`], links included.

use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, Row};
use spector_core::action::{DELETE, SAVEPOINT};
use spector_core::backend::{
    EventFilter, EventFold, EventQuery, HistoryStart, LinkSpec, LogSpec, SqlIdent,
};
use spector_core::{Attrs, BoxError, Error, Event, Link, Result};
use uuid::Uuid;

use crate::decode::StoredEvent;
use crate::error::query_error;

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
        EventFilter::Record {
            parent_id,
            start: HistoryStart::First,
        } => Selection {
            clause: "e.parent_id = ?1".to_owned(),
            params: vec![uuid(parent_id)],
        },
        EventFilter::Record { parent_id, start } => Selection {
            clause: format!(
                "e.parent_id = ?1 AND e.inserted_at >= {}",
                history_start(log.table())
            ),
            params: vec![
                uuid(parent_id),
                start.event().as_ref().map_or(Value::Null, uuid),
            ],
        },
        EventFilter::Log => Selection {
            clause: "1 = 1".to_owned(),
            params: Vec::new(),
        },
        EventFilter::LogPage { after: None, .. } => Selection {
            clause: "1 = 1".to_owned(),
            params: Vec::new(),
        },
        EventFilter::LogPage {
            after: Some(after), ..
        } => Selection {
            clause: format!(
                "(e.inserted_at, e.id) > (SELECT c.inserted_at, c.id FROM {} c WHERE c.id = ?1)",
                log.table()
            ),
            params: vec![uuid(after)],
        },
        EventFilter::Event { id, schema_index } => Selection {
            clause: "e.id = ?1 AND e.schema = ?2".to_owned(),
            params: vec![uuid(id), Value::Integer((*schema_index).into())],
        },
        EventFilter::LinkedFrom {
            link,
            kind,
            source,
            schema_index,
        } => {
            let spec = link_spec(log, link, *schema_index)?;
            Selection {
                clause: format!(
                    "e.schema = ?2 AND e.id IN (SELECT {} FROM {} WHERE event_id = ?1{})",
                    spec.column(),
                    spec.table(),
                    of_kind(*kind)
                ),
                params: link_params(uuid(source), *schema_index, *kind),
            }
        }
        EventFilter::Ancestry {
            link,
            start,
            schema_index,
        } => {
            let spec = link_spec(log, link, *schema_index)?;
            Selection {
                clause: format!(
                    "e.schema = ?2 AND e.id IN (WITH RECURSIVE reach(id) AS \
                     (SELECT ?1 UNION SELECT l.{} FROM {} l JOIN reach r ON l.event_id = r.id) \
                     SELECT id FROM reach)",
                    spec.column(),
                    spec.table()
                ),
                params: vec![uuid(start), Value::Integer((*schema_index).into())],
            }
        }
        EventFilter::LinkingTo {
            link,
            kind,
            target,
            schema_index,
        } => {
            let spec = link_spec(log, link, *schema_index)?;
            Selection {
                clause: format!(
                    "e.schema = ?2 AND e.id IN (SELECT event_id FROM {} WHERE {} = ?1{})",
                    spec.table(),
                    spec.column(),
                    of_kind(*kind)
                ),
                params: link_params(uuid(target), *schema_index, *kind),
            }
        }
    })
}

/// The condition on a link row's kind (`?3`), when one is asked for.
fn of_kind(kind: Option<i32>) -> &'static str {
    if kind.is_some() {
        " AND type = ?3"
    } else {
        ""
    }
}

/// The parameters of a link query: the event, the schema index and the
/// kind, if any.
fn link_params(event: Value, schema_index: i32, kind: Option<i32>) -> Vec<Value> {
    let mut params = vec![event, Value::Integer(schema_index.into())];
    params.extend(kind.map(|kind| Value::Integer(kind.into())));
    params
}

/// The link table of `link`, or [`Error::UnknownLink`] naming the record
/// type at `schema_index`.
fn link_spec<'l>(log: &'l LogSpec, link: &str, schema_index: i32) -> Result<&'l LinkSpec> {
    log.link(link).ok_or_else(|| Error::UnknownLink {
        record_type: log.record_type(schema_index),
        link: link.to_owned(),
    })
}

/// The time a record's history starts at, over `?1` (the record) and `?2`
/// (an event id, or `NULL`): its latest savepoint's — or, when the record
/// has the event `?2`, the latest savepoint's at or before it — or the
/// first possible time when there is none. The savepoint index answers it
/// without reading the record's other rows.
fn history_start(table: &SqlIdent) -> String {
    format!(
        "COALESCE(CASE WHEN EXISTS (SELECT 1 FROM {table} x WHERE x.id = ?2 AND x.parent_id = ?1) \
         THEN (SELECT max(s.inserted_at) FROM {table} s WHERE s.parent_id = ?1 AND s.action = {SAVEPOINT} \
               AND s.inserted_at <= (SELECT x.inserted_at FROM {table} x WHERE x.id = ?2)) \
         ELSE (SELECT max(s.inserted_at) FROM {table} s WHERE s.parent_id = ?1 AND s.action = {SAVEPOINT}) END, \
         {min})",
        min = i64::MIN
    )
}

/// Streams the selected events into `fold`, each row with its links (one
/// subquery per link table) and, in a hashed log, its hash: one event in
/// memory at a time, whatever the selection's size.
pub(crate) fn fold_events<F: EventFold>(
    conn: &Connection,
    log: &'static LogSpec,
    query: &EventQuery,
    mut fold: F,
) -> Result<F::Output> {
    let table = log.table().as_str();
    let selection = select(log, &query.filter)?;
    // A page of the log writes its `LIMIT` (a number) into the statement:
    // measured faster than binding it, at the price of one cached statement
    // per page size.
    let limit = match query.filter {
        EventFilter::LogPage { limit, .. } => format!(" LIMIT {limit}"),
        _ => String::new(),
    };
    let sql = format!(
        "SELECT {} FROM {table} e WHERE {} ORDER BY e.inserted_at, e.id{limit}",
        columns(log, query.with_links),
        selection.clause,
    );
    let failed = query_error("read events", table);
    let mut statement = conn.prepare_cached(&sql).map_err(&failed)?;
    let mut rows = statement
        .query(params_from_iter(&selection.params))
        .map_err(&failed)?;
    while let Some(row) = rows.next().map_err(&failed)? {
        fold.push(decode_event(log, row, query.with_links)?)?;
    }
    fold.finish()
}

/// The columns of an event row, in the order [`decode_event`] reads them:
/// the row, its hash in a hashed log, then with `links` one column per
/// link table listing the event's targets (hex, comma-separated; a
/// target that is not a blob as its storage class, `TEXT`).
fn columns(log: &LogSpec, links: bool) -> String {
    let mut columns = EVENT_COLUMNS.to_owned();
    if log.hashed() {
        columns.push_str(", e.hash");
    }
    if links {
        for link in log.links() {
            // A target as stored: the hex of its bytes, or the storage
            // class of a value that is not a blob (whose hex could pass
            // for a UUID's).
            let target = format!(
                "CASE typeof(l.{column}) WHEN 'blob' THEN hex(l.{column}) \
                 ELSE upper(typeof(l.{column})) END",
                column = link.column()
            );
            // A kind as stored: its integer, or the storage class of a
            // value that is not one (text could spell extra links).
            let target = if link.typed() {
                format!(
                    "{target} || ':' || CASE typeof(l.type) WHEN 'integer' THEN l.type \
                     ELSE upper(typeof(l.type)) END"
                )
            } else {
                target
            };
            columns.push_str(&format!(
                ", (SELECT group_concat({target}, ',') FROM {links} l WHERE l.event_id = e.id)",
                links = link.table(),
            ));
        }
    }
    columns
}

/// One event row, its hash and its links as [`columns`] selects them.
/// A payload that is not a JSON object is [`Error::Decode`] naming the
/// event, as on every backend; a value of another storage class than
/// Spector writes, in the event row or its links, is
/// [`Error::CorruptEvent`] naming the event and the column.
fn decode_event(log: &'static LogSpec, row: &Row<'_>, with_links: bool) -> Result<Event> {
    let stored = StoredEvent::read(row, log.table().as_str(), 0)?;
    let id = stored.id();
    let payload: String = stored.get(2, "payload", "UTF-8 TEXT (a JSON object)")?;
    let schema_index: i32 = stored.get(3, "schema", "an INTEGER in the range of i32")?;
    let payload = serde_json::from_str::<serde_json::Value>(&payload)
        .map_err(BoxError::from)
        .and_then(|value| Attrs::from_value(value).map_err(BoxError::from))
        .map_err(|source| Error::Decode {
            record_type: log.record_type(schema_index),
            event_id: id,
            source,
        })?;
    Ok(Event {
        id,
        parent_id: stored.get(1, "parent_id", "a UUID's 16 bytes")?,
        payload,
        schema_index,
        action_code: stored.get(4, "action", "an INTEGER in the range of i32")?,
        inserted_at: stored.inserted_at(5)?,
        links: if with_links {
            decode_links(log, &stored)?
        } else {
            Vec::new()
        },
        hash: if log.hashed() {
            stored.get(6, "hash", "a BLOB")?
        } else {
            None
        },
    })
}

/// The links of the event `stored`, from one column per link table after
/// the row's (and its hash's) columns: link tables in the log's order,
/// each event's targets ascending.
fn decode_links(log: &LogSpec, stored: &StoredEvent<'_, '_>) -> Result<Vec<Link>> {
    let first = if log.hashed() { 7 } else { 6 };
    let mut links = Vec::new();
    for (i, spec) in log.links().iter().enumerate() {
        let column = format!("links in `{}`", spec.table());
        let targets: Option<String> = stored.get(first + i, &column, "UTF-8 TEXT")?;
        let mut targets = targets
            .iter()
            .flat_map(|targets| targets.split(','))
            .map(|target| decode_target(spec, target).map_err(|reason| stored.corrupt(reason)))
            .collect::<Result<Vec<(Uuid, Option<i32>)>>>()?;
        targets.sort_unstable();
        links.extend(targets.into_iter().map(|(target, kind)| Link {
            name: spec.name(),
            target,
            kind,
        }));
    }
    Ok(links)
}

/// One link target as [`columns`] lists it: its hex id, and `:kind` for a
/// typed link; or why it does not decode (a target that is not 16 bytes,
/// a kind that is not an `i32`), naming the link table.
fn decode_target(spec: &LinkSpec, text: &str) -> std::result::Result<(Uuid, Option<i32>), String> {
    let (hex, kind) = match text.split_once(':') {
        Some((hex, kind)) => (hex, Some(kind)),
        None => (text, None),
    };
    let link = || format!("its link in `{}`", spec.table());
    let kind = kind
        .map(|kind| {
            kind.parse::<i32>()
                .map_err(|_| format!("{} has the kind `{kind}`, not an i32", link()))
        })
        .transpose()?;
    // The hex of a 16-byte blob is the 32 digits of a simple UUID; that of
    // another length, or a storage class, is not.
    let target = Uuid::try_parse(hex).map_err(|_| {
        let held = if hex.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            let shown: String = hex.chars().take(80).collect();
            format!("BLOB x'{}'", shown.to_lowercase())
        } else {
            hex.to_owned()
        };
        format!(
            "{} has a {} that is not a UUID's 16 bytes: it holds {held}",
            link(),
            spec.column()
        )
    })?;
    Ok((target, kind))
}

/// Up to `limit` ids of the live records of the type at `schema_index`
/// (first events without a delete in their record), after `after`, in
/// ascending order.
pub(crate) fn record_ids(
    conn: &Connection,
    log: &LogSpec,
    schema_index: i32,
    after: Option<Uuid>,
    limit: u32,
) -> Result<Vec<Uuid>> {
    let table = log.table();
    let failed = query_error("list records", table.as_str());
    let sql = format!(
        "SELECT e.id FROM {table} e \
         WHERE e.schema = ?1 AND e.id = e.parent_id AND (?2 IS NULL OR e.id > ?2) \
         AND NOT EXISTS (SELECT 1 FROM {table} d WHERE d.parent_id = e.id AND d.action = {DELETE}) \
         ORDER BY e.id LIMIT ?3"
    );
    let mut statement = conn.prepare_cached(&sql).map_err(&failed)?;
    let mut rows = statement
        .query(params![schema_index, after, i64::from(limit)])
        .map_err(&failed)?;
    let mut ids = Vec::new();
    while let Some(row) = rows.next().map_err(&failed)? {
        ids.push(StoredEvent::read(row, table.as_str(), 0)?.id());
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use spector_core::backend::{CollectEvents, SchemaSpec, END_OF_TIME_MICROS};

    use super::*;

    fn log() -> &'static LogSpec {
        Box::leak(Box::new(
            LogSpec::new("note_events", vec![SchemaSpec::new("Note", 0, &[])]).unwrap(),
        ))
    }

    /// Reads back one event stored with `inserted_at` = `micros`.
    fn read_event_stored_at(micros: i64) -> (Uuid, Result<Vec<Event>>) {
        let log = log();
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(&crate::migration::up(log).join(";\n"))
            .unwrap();
        let id = Uuid::now_v7();
        conn.execute(
            "INSERT INTO note_events (id, parent_id, payload, schema, action, inserted_at) \
             VALUES (?1, ?1, '{}', 0, 1, ?2)",
            rusqlite::params![id, micros],
        )
        .unwrap();
        let query = EventQuery {
            filter: EventFilter::Record {
                parent_id: id,
                start: HistoryStart::First,
            },
            with_links: false,
        };
        (
            id,
            fold_events(&conn, log, &query, CollectEvents::default()),
        )
    }

    #[test]
    fn the_last_microsecond_before_the_end_of_time_reads_back() {
        let last = END_OF_TIME_MICROS - 1;
        let (_, events) = read_event_stored_at(last);
        let events = events.unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].inserted_at.timestamp_micros(), last);
    }

    #[test]
    fn a_time_at_the_end_of_time_is_a_corrupt_event() {
        let (id, events) = read_event_stored_at(END_OF_TIME_MICROS);
        match events {
            Err(Error::CorruptEvent {
                table, event_id, ..
            }) => assert_eq!((table.as_str(), event_id), ("note_events", id)),
            other => panic!("expected CorruptEvent, got {other:?}"),
        }
    }
}
