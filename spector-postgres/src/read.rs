//! Reading events: the selected rows streamed into the fold one at a time,
//! each with its links (one array per link table) and, in a hashed log, its
//! hash.

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use spector_core::backend::{EventFold, LogSpec};
use spector_core::{Attrs, BoxError, Error, Event, Link, Result};
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, PgConnection, Row};
use uuid::Uuid;

use crate::error::query_error;
use crate::select::Selection;

/// Streams the events of `selection` into `fold`, in event order, each with
/// its links when `with_links` is set: one event in memory at a time,
/// whatever the selection's size.
pub(crate) async fn fold_events<F: EventFold>(
    conn: &mut PgConnection,
    log: &'static LogSpec,
    selection: &Selection,
    with_links: bool,
    mut fold: F,
) -> Result<F::Output> {
    let sql = selection.events_sql(log, with_links);
    let query = selection.bind(sqlx::query(AssertSqlSafe(sql)));
    let mut rows = query.fetch(&mut *conn);
    let failed = query_error("read events", log.table().as_str());
    while let Some(row) = rows.try_next().await.map_err(&failed)? {
        fold.push(event_of_row(log, &row, with_links)?)?;
    }
    fold.finish()
}

/// The event of a row selected by [`Selection::events_sql`] (or
/// [`Selection::literal_sql`], whose rows come in text format): a column of
/// the wrong type is a storage error, a row that is not an event names it.
pub(crate) fn event_of_row(log: &'static LogSpec, row: &PgRow, with_links: bool) -> Result<Event> {
    decode_event(log, row, with_links).map_err(|error| match error {
        Decoding::Column(error) => query_error("read events", log.table().as_str())(error),
        Decoding::Event(error) => error,
    })
}

/// Why a row did not decode.
enum Decoding {
    /// A column did not have the expected type.
    Column(sqlx::Error),
    /// The row is not a valid event.
    Event(Error),
}

impl From<sqlx::Error> for Decoding {
    fn from(error: sqlx::Error) -> Self {
        Self::Column(error)
    }
}

impl From<Error> for Decoding {
    fn from(error: Error) -> Self {
        Self::Event(error)
    }
}

/// An event from its row, columns as
/// [`Selection::events_sql`] selects them; a payload that is not a JSON
/// object is [`Error::Decode`] naming the event, as on every backend.
fn decode_event(
    log: &'static LogSpec,
    row: &PgRow,
    with_links: bool,
) -> std::result::Result<Event, Decoding> {
    let id: Uuid = row.try_get(0)?;
    let schema_index: i32 = row.try_get(3)?;
    let micros: Option<i64> = row.try_get(5)?;
    let inserted_at = micros
        .and_then(DateTime::<Utc>::from_timestamp_micros)
        .ok_or_else(|| Error::CorruptEvent {
            table: log.table().to_string(),
            event_id: id,
            reason: "its inserted_at is infinite or beyond the times Spector reads".to_owned(),
        })?;
    let payload: String = row.try_get(2)?;
    let payload = serde_json::from_str::<serde_json::Value>(&payload)
        .map_err(BoxError::from)
        .and_then(|value| Attrs::from_value(value).map_err(BoxError::from))
        .map_err(|source| Error::Decode {
            record_type: log.record_type(schema_index),
            event_id: id,
            source,
        })?;
    let mut column = 6;
    let hash = if log.hashed() {
        column += 1;
        row.try_get(6)?
    } else {
        None
    };
    let mut links = Vec::new();
    if with_links {
        for spec in log.links() {
            if spec.typed() {
                let targets: Vec<String> = row.try_get(column)?;
                for text in targets {
                    links.push(typed_link(spec.name(), &text)?);
                }
            } else {
                let targets: Vec<Uuid> = row.try_get(column)?;
                links.extend(
                    targets
                        .into_iter()
                        .map(|target| Link::new(spec.name(), target)),
                );
            }
            column += 1;
        }
    }
    Ok(Event {
        id,
        parent_id: row.try_get(1)?,
        schema_index,
        action_code: row.try_get(4)?,
        payload,
        inserted_at,
        links,
        hash,
    })
}

/// A typed link as the read lists it: `target:kind`.
fn typed_link(name: &'static str, text: &str) -> Result<Link, sqlx::Error> {
    let malformed =
        || sqlx::Error::Decode(format!("a typed link `{text}` is not `target:kind`").into());
    let (target, kind) = text.split_once(':').ok_or_else(malformed)?;
    Ok(Link {
        name,
        target: Uuid::try_parse(target).map_err(|_| malformed())?,
        kind: Some(kind.parse().map_err(|_| malformed())?),
    })
}
