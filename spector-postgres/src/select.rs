//! The SQL of each [`EventFilter`]: a `WHERE` clause over the event table
//! (alias `e`) and its two parameters.

use spector_core::action::SAVEPOINT;
use spector_core::backend::{EventFilter, HistoryStart, LinkSpec, LogSpec, SqlIdent};
use spector_core::{Error, Result};
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::Postgres;
use uuid::Uuid;

/// A filter as SQL: a clause over `e` and its parameters, `$1`, `$2`, …
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Selection {
    /// The condition on `e`.
    pub(crate) clause: String,
    /// The parameters, in order.
    pub(crate) params: Vec<Param>,
}

/// One parameter of a [`Selection`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Param {
    /// A record, event or link target id.
    Id(Uuid),
    /// The event id of [`HistoryStart::SavepointBefore`], or `NULL`.
    Event(Option<Uuid>),
    /// A record type's schema index.
    Schema(i32),
    /// A typed link's kind.
    Kind(i32),
    /// The most rows a page of the log holds: the `LIMIT`, bound last.
    Limit(u32),
}

/// The condition on a link row's kind (`$3`), when one is asked for.
fn of_kind(kind: Option<i32>) -> &'static str {
    if kind.is_some() {
        " AND type = $3"
    } else {
        ""
    }
}

/// The parameters of a link query: the event, the schema index and the
/// kind, if any.
fn params(event: Uuid, schema_index: i32, kind: Option<i32>) -> Vec<Param> {
    let mut params = vec![Param::Id(event), Param::Schema(schema_index)];
    params.extend(kind.map(Param::Kind));
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

impl Selection {
    /// The selection of `filter` in `log`.
    ///
    /// A `LinkingTo` filter on a link the log does not have is
    /// [`Error::UnknownLink`].
    pub(crate) fn of(log: &'static LogSpec, filter: &EventFilter) -> Result<Self> {
        let selection = match filter {
            EventFilter::Record {
                parent_id,
                start: HistoryStart::First,
            } => Self {
                clause: "e.parent_id = $1".to_owned(),
                params: vec![Param::Id(*parent_id)],
            },
            EventFilter::Record { parent_id, start } => Self {
                clause: format!(
                    "e.parent_id = $1 AND e.inserted_at >= {}",
                    history_start(log.table())
                ),
                params: vec![Param::Id(*parent_id), Param::Event(start.event())],
            },
            EventFilter::Log => Self {
                clause: "TRUE".to_owned(),
                params: Vec::new(),
            },
            EventFilter::LogPage { after: None, limit } => Self {
                clause: "TRUE".to_owned(),
                params: vec![Param::Limit(*limit)],
            },
            EventFilter::LogPage {
                after: Some(after),
                limit,
            } => Self {
                clause: format!(
                    "(e.inserted_at, e.id) > (SELECT c.inserted_at, c.id FROM {} c WHERE c.id = $1)",
                    log.table()
                ),
                params: vec![Param::Id(*after), Param::Limit(*limit)],
            },
            EventFilter::Event { id, schema_index } => Self {
                clause: "e.id = $1 AND e.schema = $2".to_owned(),
                params: vec![Param::Id(*id), Param::Schema(*schema_index)],
            },
            EventFilter::LinkedFrom {
                link,
                kind,
                source,
                schema_index,
            } => {
                let spec = link_spec(log, link, *schema_index)?;
                Self {
                    clause: format!(
                        "e.schema = $2 AND e.id IN (SELECT {} FROM {} WHERE event_id = $1{})",
                        spec.column(),
                        spec.table(),
                        of_kind(*kind)
                    ),
                    params: params(*source, *schema_index, *kind),
                }
            }
            EventFilter::Ancestry {
                link,
                start,
                schema_index,
            } => {
                let spec = link_spec(log, link, *schema_index)?;
                Self {
                    clause: format!(
                        "e.schema = $2 AND e.id IN (WITH RECURSIVE reach(id) AS \
                         (SELECT $1::uuid UNION SELECT l.{} FROM {} l JOIN reach r ON l.event_id = r.id) \
                         SELECT id FROM reach)",
                        spec.column(),
                        spec.table()
                    ),
                    params: vec![Param::Id(*start), Param::Schema(*schema_index)],
                }
            }
            EventFilter::LinkingTo {
                link,
                kind,
                target,
                schema_index,
            } => {
                let spec = link_spec(log, link, *schema_index)?;
                Self {
                    clause: format!(
                        "e.schema = $2 AND e.id IN (SELECT event_id FROM {} WHERE {} = $1{})",
                        spec.table(),
                        spec.column(),
                        of_kind(*kind)
                    ),
                    params: params(*target, *schema_index, *kind),
                }
            }
        };
        Ok(selection)
    }

    /// [`events_sql`](Selection::events_sql) with each parameter written
    /// as a literal, for a statement sent with others in one simple-protocol
    /// message. Every parameter is an id, a schema index or a link kind,
    /// written by this function (a UUID's canonical text, an integer), so no
    /// text of a caller's reaches the SQL.
    pub(crate) fn literal_sql(&self, log: &LogSpec, links: bool) -> String {
        let mut sql = self.events_sql(log, links);
        // From the last, so that `$1` is not taken for the start of `$10`.
        for (index, param) in self.params.iter().enumerate().rev() {
            let literal = match *param {
                Param::Id(id) | Param::Event(Some(id)) => format!("'{id}'::uuid"),
                Param::Event(None) => "NULL::uuid".to_owned(),
                Param::Schema(number) | Param::Kind(number) => number.to_string(),
                Param::Limit(limit) => limit.to_string(),
            };
            sql = sql.replace(&format!("${}", index + 1), &literal);
        }
        sql
    }

    /// `query` with the selection's parameters bound.
    pub(crate) fn bind<'q>(
        &self,
        query: Query<'q, Postgres, PgArguments>,
    ) -> Query<'q, Postgres, PgArguments> {
        self.params.iter().fold(query, |query, param| match *param {
            Param::Id(id) => query.bind(id),
            Param::Event(event) => query.bind(event),
            Param::Schema(schema) | Param::Kind(schema) => query.bind(schema),
            Param::Limit(limit) => query.bind(i64::from(limit)),
        })
    }

    /// The selected event rows, in event order; columns as
    /// [`decode_event`](crate::read) reads them: id, parent_id, the payload
    /// as `jsonb`'s text, schema, action, the time as microseconds since
    /// 1970 (`NULL` when it is infinite or beyond the years Spector reads,
    /// so that no stored time can fail the decoding of the whole read: the
    /// event is then named in the error); in a hashed log its hash; with
    /// `links`, one array of targets per link table.
    pub(crate) fn events_sql(&self, log: &LogSpec, links: bool) -> String {
        let mut columns =
            format!("e.id, e.parent_id, e.payload::text, e.schema, e.action, {MICROS}");
        if log.hashed() {
            columns.push_str(", e.hash");
        }
        if links {
            for link in log.links() {
                let column = link.column();
                let (target, order) = if link.typed() {
                    (
                        format!("l.{column}::text || ':' || l.type"),
                        format!("l.{column}, l.type"),
                    )
                } else {
                    (format!("l.{column}"), format!("l.{column}"))
                };
                columns.push_str(&format!(
                    ", ARRAY(SELECT {target} FROM {links} l \
                     WHERE l.event_id = e.id ORDER BY {order})",
                    links = link.table(),
                ));
            }
        }
        let limit = self
            .params
            .iter()
            .position(|param| matches!(param, Param::Limit(_)))
            .map_or_else(String::new, |index| format!(" LIMIT ${}", index + 1));
        format!(
            "SELECT {columns} FROM {} e WHERE {} ORDER BY e.inserted_at, e.id{limit}",
            log.table(),
            self.clause
        )
    }
}

/// The time a record's history starts at, over `$1` (the record) and `$2`
/// (an event id, or `NULL`): its latest savepoint's — or, when the record
/// has the event `$2`, the latest savepoint's at or before it — or
/// `-infinity` when there is none. The savepoint index answers it without
/// reading the record's other rows.
fn history_start(table: &SqlIdent) -> String {
    format!(
        "COALESCE(CASE WHEN EXISTS (SELECT 1 FROM {table} x WHERE x.id = $2 AND x.parent_id = $1) \
         THEN (SELECT max(s.inserted_at) FROM {table} s WHERE s.parent_id = $1 AND s.action = {SAVEPOINT} \
               AND s.inserted_at <= (SELECT x.inserted_at FROM {table} x WHERE x.id = $2)) \
         ELSE (SELECT max(s.inserted_at) FROM {table} s WHERE s.parent_id = $1 AND s.action = {SAVEPOINT}) END, \
         '-infinity')"
    )
}

/// `inserted_at` as microseconds since 1970 (UTC), `NULL` when infinite or
/// at or past `END_OF_TIME_MICROS` (the year 262,142).
pub(crate) const MICROS: &str = "CASE WHEN isfinite(e.inserted_at) \
     AND e.inserted_at < '262142-01-01 00:00:00+00' \
     THEN (extract(epoch FROM e.inserted_at) * 1000000)::bigint END";

#[cfg(test)]
mod tests {
    use spector_core::backend::{LinkDecl, SchemaSpec};

    use super::*;

    fn chat_log() -> &'static LogSpec {
        const LINKS: &[LinkDecl] = &[LinkDecl::new("edits", "previous_id")];
        let chat = SchemaSpec::new("BasicChat", 0, LINKS);
        Box::leak(Box::new(
            LogSpec::new("basic_chat_events", vec![chat]).unwrap(),
        ))
    }

    #[test]
    fn the_read_bound_is_the_end_of_time_core_stores() {
        let end =
            chrono::DateTime::from_timestamp_micros(spector_core::backend::END_OF_TIME_MICROS)
                .unwrap()
                .format("%Y-%m-%d %H:%M:%S+00")
                .to_string();
        let end = end.trim_start_matches('+');
        assert!(
            MICROS.contains(&format!("e.inserted_at < '{end}'")),
            "{end}"
        );
    }

    #[test]
    fn record_selects_by_parent_alone() {
        let id = Uuid::now_v7();
        let filter = EventFilter::Record {
            parent_id: id,
            start: HistoryStart::First,
        };
        let selection = Selection::of(chat_log(), &filter).unwrap();
        assert_eq!(selection.clause, "e.parent_id = $1");
        assert_eq!(selection.params, [Param::Id(id)]);
        assert_eq!(
            selection.events_sql(chat_log(), false),
            format!(
                "SELECT e.id, e.parent_id, e.payload::text, e.schema, e.action, {MICROS} \
                 FROM basic_chat_events e WHERE e.parent_id = $1 \
                 ORDER BY e.inserted_at, e.id"
            )
        );
    }

    #[test]
    fn linking_to_selects_through_the_link_table() {
        let log = chat_log();
        let target = Uuid::now_v7();
        let selection = Selection::of(
            log,
            &EventFilter::LinkingTo {
                kind: None,
                link: "edits",
                target,
                schema_index: 0,
            },
        )
        .unwrap();
        assert_eq!(
            selection.clause,
            "e.schema = $2 AND e.id IN \
             (SELECT event_id FROM basic_chat_edits WHERE previous_id = $1)"
        );
        assert_eq!(selection.params, [Param::Id(target), Param::Schema(0)]);
        assert_eq!(
            selection.events_sql(log, true),
            format!(
                "SELECT e.id, e.parent_id, e.payload::text, e.schema, e.action, {MICROS}, \
                 ARRAY(SELECT l.previous_id FROM basic_chat_edits l \
                 WHERE l.event_id = e.id ORDER BY l.previous_id) \
                 FROM basic_chat_events e WHERE {} ORDER BY e.inserted_at, e.id",
                selection.clause
            )
        );
    }

    #[test]
    fn literal_sql_writes_each_parameter_in_place() {
        let (record, event) = (Uuid::now_v7(), Uuid::now_v7());
        let history = |start| {
            Selection::of(
                chat_log(),
                &EventFilter::Record {
                    parent_id: record,
                    start,
                },
            )
            .unwrap()
        };
        let selection = history(HistoryStart::SavepointBefore(event));
        let sql = selection.literal_sql(chat_log(), true);
        assert_eq!(
            sql,
            selection
                .events_sql(chat_log(), true)
                .replace("$1", &format!("'{record}'::uuid"))
                .replace("$2", &format!("'{event}'::uuid"))
        );
        assert!(!sql.contains('$'), "{sql}");
        let latest = history(HistoryStart::LatestSavepoint).literal_sql(chat_log(), false);
        assert!(latest.contains("x.id = NULL::uuid"), "{latest}");
        let typed = Selection {
            clause: "e.schema = $2 AND e.id = $1 AND $3 = 1".to_owned(),
            params: vec![Param::Id(record), Param::Schema(7), Param::Kind(-2)],
        };
        assert!(typed.literal_sql(chat_log(), false).contains(&format!(
            "e.schema = 7 AND e.id = '{record}'::uuid AND -2 = 1"
        )));
    }

    #[test]
    fn unknown_link_names_the_record_type() {
        let error = Selection::of(
            chat_log(),
            &EventFilter::LinkingTo {
                kind: None,
                link: "friends",
                target: Uuid::now_v7(),
                schema_index: 0,
            },
        )
        .unwrap_err();
        assert!(
            matches!(&error, Error::UnknownLink { record_type: "BasicChat", link } if link == "friends"),
            "{error}"
        );
    }
}
