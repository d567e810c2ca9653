//! The DDL of an event log on SQLite: event table, indexes, link tables and
//! the triggers that keep both ends of a link in the same record.

use spector_core::action::SAVEPOINT;
use spector_core::backend::{
    ColumnSpec, LinkSpec, LogSpec, SqlIdent, TableSpec, LINK_ACROSS_RECORDS,
};

/// The message with which an event table refuses an `UPDATE` or a `DELETE`.
pub(crate) const IMMUTABLE: &str = "spector: events are immutable";

/// The statements that create what `log` needs, each idempotent.
///
/// Every name comes from a [`LogSpec`], whose identifiers are checked.
///
/// ```
/// use spector_core::backend::LogSpec;
///
/// let log = LogSpec::new("notes_events", vec![]).unwrap();
/// let sql = spector_sqlite::migration::up(&log).join(";\n");
/// assert!(sql.contains("CREATE TABLE IF NOT EXISTS notes_events"));
/// ```
pub fn up(log: &LogSpec) -> Vec<String> {
    let table = log.table();
    let hash = if log.hashed() { ", hash BLOB" } else { "" };
    let mut statements = vec![
        format!(
            "CREATE TABLE IF NOT EXISTS {table} (\
             id BLOB PRIMARY KEY NOT NULL, \
             parent_id BLOB NOT NULL REFERENCES {table}(id) ON DELETE CASCADE, \
             payload TEXT NOT NULL, \
             schema INTEGER NOT NULL, \
             action INTEGER NOT NULL, \
             inserted_at INTEGER NOT NULL{hash})"
        ),
        format!("CREATE INDEX IF NOT EXISTS {table}_schema_index ON {table} (schema)"),
        format!(
            "CREATE INDEX IF NOT EXISTS {table}_parent_id_index \
             ON {table} (parent_id, inserted_at, id)"
        ),
        format!(
            "CREATE INDEX IF NOT EXISTS {table}_inserted_at_index ON {table} (inserted_at, id)"
        ),
        format!(
            "CREATE INDEX IF NOT EXISTS {table}_savepoint_index \
             ON {table} (parent_id, inserted_at) WHERE action = {SAVEPOINT}"
        ),
    ];
    for event in ["update", "delete"] {
        statements.push(format!(
            "CREATE TRIGGER IF NOT EXISTS {table}_immutable_on_{event} \
             BEFORE {event} ON {table} \
             BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END"
        ));
    }
    for link in log.links() {
        statements.extend(link_up(table, link));
    }
    statements.extend(
        log.materialized_tables()
            .iter()
            .map(crate::rows::create_table),
    );
    statements
}

/// The statement that adds `column` to the materialized table `table`,
/// created before its record type gained the field (SQLite has no `ADD
/// COLUMN IF NOT EXISTS`: `migrate` runs it only when the column is
/// missing, and for a required column only when the table has no rows —
/// otherwise it answers
/// [`Error::MigrationNeeded`](spector_core::Error::MigrationNeeded) with
/// these statements). A required column gets its kind's zero value as
/// `DEFAULT` (`0`, `''`, `false`, the nil UUID, 1970-01-01, JSON `null`):
/// SQLite adds no `NOT NULL` column without one, and rows already there
/// take it.
///
/// ```
/// use spector_core::backend::{ColumnDecl, LogSpec, SchemaSpec, TableDecl};
///
/// const COLUMNS: &[ColumnDecl] = &[
///     ColumnDecl::of::<uuid::Uuid>("id"),
///     ColumnDecl::of::<Option<i64>>("priority"),
///     ColumnDecl::of::<i64>("due"),
/// ];
/// let mut schema = SchemaSpec::new("Ticket", 0, &[]);
/// schema.table = Some(TableDecl { name: "tickets", columns: COLUMNS });
/// let log = LogSpec::new("tickets_events", vec![schema]).unwrap();
/// let table = &log.materialized_tables()[0];
/// let add = |n: usize| spector_sqlite::migration::add_column(table, &table.columns()[n]);
/// assert_eq!(add(1), "ALTER TABLE tickets ADD COLUMN priority INTEGER");
/// assert_eq!(add(2), "ALTER TABLE tickets ADD COLUMN due INTEGER NOT NULL DEFAULT 0");
/// ```
pub fn add_column(table: &TableSpec, column: &ColumnSpec) -> String {
    crate::rows::add_column(table, column)
}

/// The statement that adds the `hash` column to an event table created
/// before its log was declared `hashed` (SQLite has no `ADD COLUMN IF NOT
/// EXISTS`: `migrate` runs it only when the column is missing).
pub fn add_hash_column(table: &SqlIdent) -> String {
    format!("ALTER TABLE {table} ADD COLUMN hash BLOB")
}

/// The statements that create one link table of the event table `table`;
/// run again with a new link to add it to an existing log.
///
/// The same-record triggers (not for a link declared `unconstrained`,
/// whose triggers are dropped if an earlier declaration made them) refuse
/// a link row only when both of its events exist and belong to different
/// records; a missing event is left to the
/// link table's foreign keys, which report it as such. Every statement
/// leaves what already exists as it is.
pub fn link_up(table: &SqlIdent, link: &LinkSpec) -> Vec<String> {
    let (links, column) = (link.table(), link.column());
    let same_record = |event: &str| {
        let trigger = format!("{links}_same_record_on_{event}");
        [format!(
            "CREATE TRIGGER IF NOT EXISTS {trigger} \
                 BEFORE {event} ON {links} \
                 WHEN EXISTS (SELECT 1 FROM {table} AS linking \
                 JOIN {table} AS linked ON linked.id = NEW.{column} \
                 WHERE linking.id = NEW.event_id AND linking.parent_id <> linked.parent_id) \
                 BEGIN SELECT RAISE(ABORT, '{LINK_ACROSS_RECORDS}'); END"
        )]
    };
    let (type_column, type_key) = if link.typed() {
        (", type INTEGER NOT NULL", ", type")
    } else {
        ("", "")
    };
    let mut statements = vec![
        format!(
            "CREATE TABLE IF NOT EXISTS {links} (\
             event_id BLOB NOT NULL REFERENCES {table}(id) ON DELETE CASCADE, \
             {column} BLOB NOT NULL REFERENCES {table}(id) ON DELETE CASCADE{type_column})"
        ),
        format!(
            "CREATE UNIQUE INDEX IF NOT EXISTS {links}_event_id_{column}_index \
             ON {links} (event_id, {column}{type_key})"
        ),
        format!("CREATE INDEX IF NOT EXISTS {links}_{column}_index ON {links} ({column})"),
    ];
    if link.constrained() {
        statements.extend(same_record("insert"));
        statements.extend(same_record("update"));
    } else {
        for event in ["insert", "update"] {
            statements.push(format!(
                "DROP TRIGGER IF EXISTS {links}_same_record_on_{event}"
            ));
        }
    }
    statements
}

/// The statement that drops one link table (its indexes and triggers go
/// with it): the `down` of a link added to an existing log with
/// [`link_up`].
///
/// ```
/// use spector_core::backend::{LinkDecl, LogSpec, SchemaSpec};
///
/// const LINKS: &[LinkDecl] = &[LinkDecl::new("cites", "cited_id")];
/// let log = LogSpec::new("notes_events", vec![SchemaSpec::new("Note", 0, LINKS)]).unwrap();
/// let link = log.link("cites").unwrap();
/// assert!(spector_sqlite::migration::link_up(log.table(), link)[0]
///     .starts_with("CREATE TABLE IF NOT EXISTS notes_cites"));
/// assert_eq!(spector_sqlite::migration::link_down(link), ["DROP TABLE IF EXISTS notes_cites"]);
/// ```
pub fn link_down(link: &LinkSpec) -> Vec<String> {
    vec![format!("DROP TABLE IF EXISTS {}", link.table())]
}

/// The statements that drop everything [`up`] creates: link tables, the
/// triggers that keep events immutable (a dropped table's rows are deleted
/// first, which they would refuse), then the event table; indexes and the
/// other triggers go with their tables.
pub fn down(log: &LogSpec) -> Vec<String> {
    let table = log.table();
    log.links()
        .iter()
        .map(|link| format!("DROP TABLE IF EXISTS {}", link.table()))
        .chain(
            ["update", "delete"]
                .map(|event| format!("DROP TRIGGER IF EXISTS {table}_immutable_on_{event}")),
        )
        .chain([format!("DROP TABLE IF EXISTS {table}")])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use spector_core::backend::{LinkDecl, SchemaSpec};

    fn chat_log() -> LogSpec {
        const LINKS: &[LinkDecl] = &[LinkDecl::new("edits", "previous_id")];
        let chat = SchemaSpec::new("BasicChat", 0, LINKS);
        LogSpec::new("basic_chat_events", vec![chat]).unwrap()
    }

    #[test]
    fn up_creates_event_table_link_table_and_triggers() {
        let sql = up(&chat_log()).join(";\n");
        assert!(sql.contains("CREATE TABLE IF NOT EXISTS basic_chat_events ("));
        assert!(sql.contains("CREATE TABLE IF NOT EXISTS basic_chat_edits ("));
        assert!(sql.contains("previous_id BLOB NOT NULL REFERENCES basic_chat_events(id)"));
        assert!(sql.contains("CREATE TRIGGER IF NOT EXISTS basic_chat_edits_same_record_on_insert"));
        assert!(sql.contains("CREATE TRIGGER IF NOT EXISTS basic_chat_edits_same_record_on_update"));
        assert!(sql.contains("CREATE TRIGGER IF NOT EXISTS basic_chat_events_immutable_on_update"));
        assert!(sql.contains("CREATE TRIGGER IF NOT EXISTS basic_chat_events_immutable_on_delete"));
    }

    /// A chat database with record `one` (events 1 and 2) and record `two`
    /// (event 3), foreign keys on as the backend sets them.
    fn chat_db() -> rusqlite::Connection {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        conn.execute_batch(&up(&chat_log()).join(";\n")).unwrap();
        conn.execute_batch(
            "INSERT INTO basic_chat_events VALUES (x'01', x'01', '{}', 0, 0, 1); \
             INSERT INTO basic_chat_events VALUES (x'02', x'01', '{}', 0, 1, 2); \
             INSERT INTO basic_chat_events VALUES (x'03', x'03', '{}', 0, 0, 3);",
        )
        .unwrap();
        conn
    }

    fn link(conn: &rusqlite::Connection, event_id: &[u8], target: &[u8]) -> Result<(), String> {
        conn.execute(
            "INSERT INTO basic_chat_edits (event_id, previous_id) VALUES (?1, ?2)",
            rusqlite::params![event_id, target],
        )
        .map(drop)
        .map_err(|e| e.to_string())
    }

    #[test]
    fn trigger_refuses_links_across_records_only() {
        let conn = chat_db();
        assert_eq!(link(&conn, &[3], &[1]), Err(LINK_ACROSS_RECORDS.to_owned()));
        assert_eq!(link(&conn, &[2], &[1]), Ok(()));
        let update = conn
            .execute("UPDATE basic_chat_edits SET previous_id = x'03'", [])
            .unwrap_err();
        assert_eq!(update.to_string(), LINK_ACROSS_RECORDS);
    }

    #[test]
    fn a_missing_event_is_refused_by_the_foreign_key_not_the_trigger() {
        let conn = chat_db();
        for (event_id, target) in [(&[2u8], &[9u8]), (&[9], &[1])] {
            assert_eq!(
                link(&conn, event_id, target),
                Err("FOREIGN KEY constraint failed".to_owned())
            );
        }
        let count: i64 = conn
            .query_row("SELECT count(*) FROM basic_chat_edits", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(count, 0);
    }

    #[test]
    fn migrating_again_leaves_what_exists_as_it_is() {
        let conn = chat_db();
        let schema = |conn: &rusqlite::Connection| -> Vec<String> {
            let mut statement = conn
                .prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
                .unwrap();
            let rows = statement.query_map([], |row| row.get(0)).unwrap();
            rows.collect::<Result<_, _>>().unwrap()
        };
        let before = schema(&conn);
        conn.execute_batch(&up(&chat_log()).join(";\n")).unwrap();
        assert_eq!(schema(&conn), before);
    }

    #[test]
    fn events_cannot_be_updated_or_deleted_but_the_log_can_be_dropped() {
        let conn = chat_db();
        for statement in [
            "UPDATE basic_chat_events SET payload = '{\"forged\": true}'",
            "DELETE FROM basic_chat_events WHERE id = x'02'",
        ] {
            let error = conn.execute(statement, []).unwrap_err();
            assert_eq!(error.to_string(), IMMUTABLE, "{statement}");
        }
        conn.execute_batch(&down(&chat_log()).join(";\n")).unwrap();
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))
            .unwrap();
        assert_eq!(tables, 0);
    }

    #[test]
    fn down_drops_link_tables_before_the_event_table() {
        assert_eq!(
            down(&chat_log()),
            [
                "DROP TABLE IF EXISTS basic_chat_edits",
                "DROP TRIGGER IF EXISTS basic_chat_events_immutable_on_update",
                "DROP TRIGGER IF EXISTS basic_chat_events_immutable_on_delete",
                "DROP TABLE IF EXISTS basic_chat_events"
            ]
        );
    }

    #[test]
    fn up_runs_twice_on_sqlite() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        for _ in 0..2 {
            conn.execute_batch(&up(&chat_log()).join(";\n")).unwrap();
        }
        conn.execute_batch(&down(&chat_log()).join(";\n")).unwrap();
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))
            .unwrap();
        assert_eq!(tables, 0);
    }
}
