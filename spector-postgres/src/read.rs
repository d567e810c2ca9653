//! Reading events: links first (one query per link table), then the event
//! rows streamed into the fold one at a time.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use spector_core::backend::{EventFold, LogSpec};
use spector_core::{Attrs, BoxError, Error, Event, Link, Result};
use sqlx::{AssertSqlSafe, PgConnection};
use uuid::Uuid;

use crate::error::query_error;
use crate::select::Selection;

/// One event row: id, parent_id, payload (as `jsonb`'s text, parsed here so
/// that a payload serde_json cannot read names its event), schema, action,
/// and inserted_at as microseconds since 1970 (`None` when no `chrono` time
/// can hold it).
pub(crate) type EventRow = (Uuid, Uuid, String, i32, i32, Option<i64>);

/// Streams the events of `selection` into `fold`, in event order, each with
/// its links when `with_links` is set.
pub(crate) async fn fold_events<F: EventFold>(
    conn: &mut PgConnection,
    log: &'static LogSpec,
    selection: &Selection,
    with_links: bool,
    mut fold: F,
) -> Result<F::Output> {
    let mut links = if with_links {
        load_links(conn, log, selection).await?
    } else {
        HashMap::new()
    };
    let query = selection.bind(sqlx::query_as::<_, EventRow>(AssertSqlSafe(
        selection.events_sql(log),
    )));
    let mut rows = query.fetch(&mut *conn);
    while let Some(row) = rows
        .try_next()
        .await
        .map_err(query_error("read events", log.table().as_str()))?
    {
        let mut event = decode_event(log, row)?;
        event.links = links.remove(&event.id).unwrap_or_default();
        fold.push(event)?;
    }
    fold.finish()
}

/// The links of the selected events, by event id: link tables in the log's
/// order (by link name), each event's targets in ascending order.
async fn load_links(
    conn: &mut PgConnection,
    log: &'static LogSpec,
    selection: &Selection,
) -> Result<HashMap<Uuid, Vec<Link>>> {
    let mut links: HashMap<Uuid, Vec<Link>> = HashMap::new();
    for spec in log.links() {
        let sql = selection.links_sql(log, spec.table().as_str(), spec.column().as_str());
        let query = selection.bind(sqlx::query_as::<_, (Uuid, Uuid)>(AssertSqlSafe(sql)));
        let mut rows = query.fetch(&mut *conn);
        while let Some((event_id, target)) = rows
            .try_next()
            .await
            .map_err(query_error("read links", log.table().as_str()))?
        {
            links.entry(event_id).or_default().push(Link {
                name: spec.name(),
                target,
            });
        }
    }
    Ok(links)
}

/// An event from its row (without links); a payload that is not a JSON
/// object is [`Error::Decode`] naming the event, as on every backend.
fn decode_event(log: &'static LogSpec, row: EventRow) -> Result<Event> {
    let (id, parent_id, payload, schema_index, action_code, micros) = row;
    let inserted_at = micros
        .and_then(DateTime::<Utc>::from_timestamp_micros)
        .ok_or_else(|| Error::CorruptEvent {
            table: log.table().to_string(),
            event_id: id,
            reason: "its inserted_at is infinite or beyond the times Spector reads".to_owned(),
        })?;
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
        parent_id,
        schema_index,
        action_code,
        payload,
        inserted_at,
        links: Vec::new(),
    })
}
