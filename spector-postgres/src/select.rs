//! The SQL of each [`EventFilter`]: a `WHERE` clause over the event table
//! (alias `e`) and its two parameters.

use spector_core::{Error, EventFilter, LogSpec, Result};
use uuid::Uuid;

use crate::error::PostgresError;

/// A filter as SQL. Every clause takes the same parameters: `$1` an id,
/// `$2` the schema index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Selection {
    /// The condition on `e`.
    pub(crate) clause: String,
    /// `$1`: the record, event or link target id.
    pub(crate) id: Uuid,
    /// `$2`: the record type's schema index.
    pub(crate) schema: i32,
}

impl Selection {
    /// The selection of `filter` in `log`.
    ///
    /// A `LinkingTo` filter on a link the log does not have is
    /// [`Error::UnknownLink`].
    pub(crate) fn of(log: &'static LogSpec, filter: &EventFilter) -> Result<Self> {
        Ok(match filter {
            EventFilter::Record { parent_id, schema } => Self {
                clause: "e.parent_id = $1 AND e.schema = $2".to_owned(),
                id: *parent_id,
                schema: *schema,
            },
            EventFilter::Event { id, schema } => Self {
                clause: "e.id = $1 AND e.schema = $2".to_owned(),
                id: *id,
                schema: *schema,
            },
            EventFilter::LinkingTo {
                link,
                target,
                schema,
            } => {
                let spec = log.link(link).ok_or_else(|| Error::UnknownLink {
                    schema: schema_name(log, *schema),
                    link: link.clone(),
                })?;
                Self {
                    clause: format!(
                        "e.schema = $2 AND e.id IN (SELECT event_id FROM {} WHERE {} = $1)",
                        spec.table, spec.column
                    ),
                    id: *target,
                    schema: *schema,
                }
            }
            other => return Err(PostgresError::Unsupported(format!("{other:?}")).into()),
        })
    }

    /// The selected event rows, in event order; columns as
    /// [`EventRow`](crate::read::EventRow) reads them.
    pub(crate) fn events_sql(&self, log: &LogSpec) -> String {
        format!(
            "SELECT e.id, e.parent_id, e.payload, e.schema, e.action, e.inserted_at \
             FROM {} e WHERE {} ORDER BY e.inserted_at, e.id",
            log.table, self.clause
        )
    }

    /// The rows of link table `links` (with `column`) whose event is
    /// selected: `(event_id, target)`, by event then target.
    pub(crate) fn links_sql(&self, log: &LogSpec, links: &str, column: &str) -> String {
        format!(
            "SELECT l.event_id, l.{column} FROM {links} l \
             WHERE l.event_id IN (SELECT e.id FROM {table} e WHERE {clause}) \
             ORDER BY l.event_id, l.{column}",
            table = log.table,
            clause = self.clause,
        )
    }
}

/// The name of record type `schema` in `log` for errors, or the log's table
/// when the log does not have it.
pub(crate) fn schema_name(log: &'static LogSpec, schema: i32) -> &'static str {
    log.schema(schema)
        .map_or(log.table.as_str(), |spec| spec.name)
}

#[cfg(test)]
mod tests {
    use spector_core::{LinkDecl, SchemaSpec};

    use super::*;

    fn chat_log() -> &'static LogSpec {
        const LINKS: &[LinkDecl] = &[LinkDecl::new("edits", "previous_id")];
        let chat = SchemaSpec::new("BasicChat", 0, LINKS);
        Box::leak(Box::new(
            LogSpec::new("basic_chat_events", vec![chat]).unwrap(),
        ))
    }

    #[test]
    fn record_selects_by_parent_and_schema() {
        let id = Uuid::now_v7();
        let selection = Selection::of(
            chat_log(),
            &EventFilter::Record {
                parent_id: id,
                schema: 0,
            },
        )
        .unwrap();
        assert_eq!(selection.clause, "e.parent_id = $1 AND e.schema = $2");
        assert_eq!((selection.id, selection.schema), (id, 0));
        assert_eq!(
            selection.events_sql(chat_log()),
            "SELECT e.id, e.parent_id, e.payload, e.schema, e.action, e.inserted_at \
             FROM basic_chat_events e WHERE e.parent_id = $1 AND e.schema = $2 \
             ORDER BY e.inserted_at, e.id"
        );
    }

    #[test]
    fn linking_to_selects_through_the_link_table() {
        let log = chat_log();
        let target = Uuid::now_v7();
        let selection = Selection::of(
            log,
            &EventFilter::LinkingTo {
                link: "edits".to_owned(),
                target,
                schema: 0,
            },
        )
        .unwrap();
        assert_eq!(
            selection.clause,
            "e.schema = $2 AND e.id IN \
             (SELECT event_id FROM basic_chat_edits WHERE previous_id = $1)"
        );
        assert_eq!(selection.id, target);
        assert_eq!(
            selection.links_sql(log, "basic_chat_edits", "previous_id"),
            format!(
                "SELECT l.event_id, l.previous_id FROM basic_chat_edits l \
                 WHERE l.event_id IN (SELECT e.id FROM basic_chat_events e WHERE {}) \
                 ORDER BY l.event_id, l.previous_id",
                selection.clause
            )
        );
    }

    #[test]
    fn unknown_link_names_the_record_type() {
        let error = Selection::of(
            chat_log(),
            &EventFilter::LinkingTo {
                link: "friends".to_owned(),
                target: Uuid::now_v7(),
                schema: 0,
            },
        )
        .unwrap_err();
        assert!(
            matches!(&error, Error::UnknownLink { schema: "BasicChat", link } if link == "friends"),
            "{error}"
        );
    }
}
