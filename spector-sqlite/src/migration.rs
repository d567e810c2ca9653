//! The DDL of an event log on SQLite: event table, indexes, link tables and
//! the triggers that keep both ends of a link in the same record.

use spector_core::{LinkSpec, LogSpec};

/// The message of the trigger that refuses a link across records.
pub(crate) const LINK_ACROSS_RECORDS: &str = "spector: linked events belong to different records";

/// The statements that create what `log` needs, each idempotent.
///
/// Every name comes from a [`LogSpec`], whose identifiers are checked.
///
/// ```
/// use spector_core::LogSpec;
///
/// let log = LogSpec::new("notes_events", vec![]).unwrap();
/// let sql = spector_sqlite::migration::up(&log).join(";\n");
/// assert!(sql.contains("CREATE TABLE IF NOT EXISTS notes_events"));
/// ```
pub fn up(log: &LogSpec) -> Vec<String> {
    let table = &log.table;
    let mut statements = vec![
        format!(
            "CREATE TABLE IF NOT EXISTS {table} (\
             id BLOB PRIMARY KEY NOT NULL, \
             parent_id BLOB NOT NULL REFERENCES {table}(id) ON DELETE CASCADE, \
             payload TEXT NOT NULL, \
             schema INTEGER NOT NULL, \
             action INTEGER NOT NULL, \
             inserted_at INTEGER NOT NULL)"
        ),
        format!("CREATE INDEX IF NOT EXISTS {table}_schema_index ON {table} (schema)"),
        format!(
            "CREATE INDEX IF NOT EXISTS {table}_parent_id_index \
             ON {table} (parent_id, inserted_at, id)"
        ),
        format!(
            "CREATE INDEX IF NOT EXISTS {table}_inserted_at_index ON {table} (inserted_at, id)"
        ),
    ];
    for link in &log.links {
        statements.extend(link_up(table, link));
    }
    statements
}

/// The statements that create one link table of the event table `table`;
/// run again with a new link to add it to an existing log.
pub fn link_up(table: &str, link: &LinkSpec) -> Vec<String> {
    let LinkSpec {
        table: links,
        column,
        ..
    } = link;
    let same_record = |event: &str| {
        format!(
            "CREATE TRIGGER IF NOT EXISTS {links}_same_record_on_{event} \
             BEFORE {event} ON {links} \
             WHEN (SELECT parent_id FROM {table} WHERE id = NEW.event_id) \
             IS NOT (SELECT parent_id FROM {table} WHERE id = NEW.{column}) \
             BEGIN SELECT RAISE(ABORT, '{LINK_ACROSS_RECORDS}'); END"
        )
    };
    vec![
        format!(
            "CREATE TABLE IF NOT EXISTS {links} (\
             event_id BLOB NOT NULL REFERENCES {table}(id) ON DELETE CASCADE, \
             {column} BLOB NOT NULL REFERENCES {table}(id) ON DELETE CASCADE)"
        ),
        format!(
            "CREATE UNIQUE INDEX IF NOT EXISTS {links}_event_id_{column}_index \
             ON {links} (event_id, {column})"
        ),
        format!("CREATE INDEX IF NOT EXISTS {links}_{column}_index ON {links} ({column})"),
        same_record("insert"),
        same_record("update"),
    ]
}

/// The statements that drop everything [`up`] creates (triggers and indexes
/// go with their tables).
pub fn down(log: &LogSpec) -> Vec<String> {
    log.links
        .iter()
        .map(|link| format!("DROP TABLE IF EXISTS {}", link.table))
        .chain([format!("DROP TABLE IF EXISTS {}", log.table)])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use spector_core::{LinkDecl, SchemaSpec};

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
        assert!(sql.contains("basic_chat_edits_same_record_on_insert"));
        assert!(sql.contains("basic_chat_edits_same_record_on_update"));
    }

    #[test]
    fn down_drops_link_tables_before_the_event_table() {
        assert_eq!(
            down(&chat_log()),
            [
                "DROP TABLE IF EXISTS basic_chat_edits",
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
