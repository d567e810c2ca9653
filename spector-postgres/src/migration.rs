//! The DDL of an event log on PostgreSQL: event table, indexes, link tables
//! and the triggers that keep both ends of a link in the same record.
//!
//! [`Storage::migrate`](spector_core::Storage::migrate) runs these statements
//! itself; users with their own migration tool can take the SQL from [`up`]
//! and [`down`] instead. Every statement is idempotent.

use spector_core::{is_identifier, LinkSpec, LogSpec};

use crate::names;

/// The SQLSTATE the same-record trigger raises when a link's two ends belong
/// to different records (class `SP`, not used by PostgreSQL).
pub const LINK_ACROSS_RECORDS_SQLSTATE: &str = "SPLNK";

/// The statements that create what `log` needs where it is missing: the
/// event table, its indexes, and each link table with its same-record
/// trigger.
///
/// Every name comes from a [`LogSpec`], whose identifiers are checked.
///
/// ```
/// use spector_core::LogSpec;
///
/// let log = LogSpec::new("notes_events", vec![]).unwrap();
/// let sql = spector_postgres::migration::up(&log).join(";\n");
/// assert!(sql.contains("CREATE TABLE IF NOT EXISTS notes_events ("));
/// ```
pub fn up(log: &LogSpec) -> Vec<String> {
    debug_assert!(names::all_valid(log), "unchecked name in {log:?}");
    let table = &log.table;
    let mut statements = vec![
        format!(
            "CREATE TABLE IF NOT EXISTS {table} (\
             id uuid PRIMARY KEY, \
             parent_id uuid NOT NULL REFERENCES {table}(id) ON DELETE CASCADE, \
             payload jsonb NOT NULL, \
             schema integer NOT NULL, \
             action integer NOT NULL, \
             inserted_at timestamptz(6) NOT NULL)"
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

/// The statements that create one link table of the event table `table`
/// with its same-record trigger; run them to add a link to an existing log.
pub fn link_up(table: &str, link: &LinkSpec) -> Vec<String> {
    debug_assert!(
        [table, &link.table, &link.column]
            .iter()
            .all(|name| is_identifier(name)),
        "unchecked name in {table}, {link:?}"
    );
    let LinkSpec {
        table: links,
        column,
        ..
    } = link;
    vec![
        format!(
            "CREATE TABLE IF NOT EXISTS {links} (\
             event_id uuid NOT NULL REFERENCES {table}(id) ON DELETE CASCADE, \
             {column} uuid NOT NULL REFERENCES {table}(id) ON DELETE CASCADE)"
        ),
        format!(
            "CREATE UNIQUE INDEX IF NOT EXISTS {links}_event_id_{column}_index \
             ON {links} (event_id, {column})"
        ),
        format!("CREATE INDEX IF NOT EXISTS {links}_{column}_index ON {links} ({column})"),
        same_record_function(table, link),
        format!(
            "CREATE OR REPLACE TRIGGER {links}_same_record \
             BEFORE INSERT OR UPDATE ON {links} \
             FOR EACH ROW EXECUTE FUNCTION {links}_same_record()"
        ),
    ]
}

/// The trigger function refusing a link row whose two ends have different
/// `parent_id`s (a missing end counts as different).
///
/// It keeps the `search_path` it was created with, so it reads the event
/// table of its own schema whatever the inserting session's path is.
fn same_record_function(table: &str, link: &LinkSpec) -> String {
    let LinkSpec {
        table: links,
        column,
        ..
    } = link;
    format!(
        "CREATE OR REPLACE FUNCTION {links}_same_record() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $spector$
BEGIN
  IF (SELECT parent_id FROM {table} WHERE id = NEW.event_id)
     IS DISTINCT FROM (SELECT parent_id FROM {table} WHERE id = NEW.{column}) THEN
    RAISE EXCEPTION 'link in {links} from event % to % crosses records', NEW.event_id, NEW.{column}
      USING ERRCODE = '{LINK_ACROSS_RECORDS_SQLSTATE}';
  END IF;
  RETURN NEW;
END
$spector$"
    )
}

/// The statements that drop one link table with its trigger and function.
pub fn link_down(link: &LinkSpec) -> Vec<String> {
    debug_assert!(is_identifier(&link.table), "unchecked name in {link:?}");
    let links = &link.table;
    vec![
        format!("DROP TRIGGER IF EXISTS {links}_same_record ON {links}"),
        format!("DROP FUNCTION IF EXISTS {links}_same_record()"),
        format!("DROP TABLE IF EXISTS {links}"),
    ]
}

/// The statements that drop everything [`up`] creates: triggers, functions
/// and link tables first, then the event table (indexes go with their
/// tables).
///
/// ```
/// use spector_core::LogSpec;
///
/// let log = LogSpec::new("notes_events", vec![]).unwrap();
/// assert_eq!(spector_postgres::migration::down(&log), ["DROP TABLE IF EXISTS notes_events"]);
/// ```
pub fn down(log: &LogSpec) -> Vec<String> {
    debug_assert!(names::all_valid(log), "unchecked name in {log:?}");
    log.links
        .iter()
        .flat_map(link_down)
        .chain([format!("DROP TABLE IF EXISTS {}", log.table)])
        .collect()
}

#[cfg(test)]
mod tests {
    use spector_core::{LinkDecl, SchemaSpec};

    use super::*;

    fn chat_log() -> LogSpec {
        const LINKS: &[LinkDecl] = &[LinkDecl::new("edits", "previous_id")];
        let chat = SchemaSpec::new("BasicChat", 0, LINKS);
        LogSpec::new("basic_chat_events", vec![chat]).unwrap()
    }

    #[test]
    fn up_creates_the_event_table_and_its_indexes() {
        let statements = up(&chat_log());
        assert_eq!(
            statements[0],
            "CREATE TABLE IF NOT EXISTS basic_chat_events (\
             id uuid PRIMARY KEY, \
             parent_id uuid NOT NULL REFERENCES basic_chat_events(id) ON DELETE CASCADE, \
             payload jsonb NOT NULL, \
             schema integer NOT NULL, \
             action integer NOT NULL, \
             inserted_at timestamptz(6) NOT NULL)"
        );
        assert_eq!(
            statements[1..4],
            [
                "CREATE INDEX IF NOT EXISTS basic_chat_events_schema_index \
                 ON basic_chat_events (schema)",
                "CREATE INDEX IF NOT EXISTS basic_chat_events_parent_id_index \
                 ON basic_chat_events (parent_id, inserted_at, id)",
                "CREATE INDEX IF NOT EXISTS basic_chat_events_inserted_at_index \
                 ON basic_chat_events (inserted_at, id)",
            ]
        );
    }

    #[test]
    fn up_creates_the_link_table_with_its_indexes_and_trigger() {
        let statements = up(&chat_log());
        assert_eq!(statements.len(), 4 + 5);
        assert_eq!(
            statements[4],
            "CREATE TABLE IF NOT EXISTS basic_chat_edits (\
             event_id uuid NOT NULL REFERENCES basic_chat_events(id) ON DELETE CASCADE, \
             previous_id uuid NOT NULL REFERENCES basic_chat_events(id) ON DELETE CASCADE)"
        );
        assert_eq!(
            statements[5],
            "CREATE UNIQUE INDEX IF NOT EXISTS basic_chat_edits_event_id_previous_id_index \
             ON basic_chat_edits (event_id, previous_id)"
        );
        assert_eq!(
            statements[6],
            "CREATE INDEX IF NOT EXISTS basic_chat_edits_previous_id_index \
             ON basic_chat_edits (previous_id)"
        );
        assert_eq!(
            statements[8],
            "CREATE OR REPLACE TRIGGER basic_chat_edits_same_record \
             BEFORE INSERT OR UPDATE ON basic_chat_edits \
             FOR EACH ROW EXECUTE FUNCTION basic_chat_edits_same_record()"
        );
    }

    #[test]
    fn trigger_function_compares_parents_and_raises_its_sqlstate() {
        let function = &up(&chat_log())[7];
        assert!(function.starts_with(
            "CREATE OR REPLACE FUNCTION basic_chat_edits_same_record() RETURNS trigger"
        ));
        assert!(function.contains("SET search_path FROM CURRENT"));
        assert!(function.contains(
            "(SELECT parent_id FROM basic_chat_events WHERE id = NEW.event_id)\n     \
             IS DISTINCT FROM (SELECT parent_id FROM basic_chat_events WHERE id = NEW.previous_id)"
        ));
        assert!(function.contains("USING ERRCODE = 'SPLNK'"));
    }

    #[test]
    fn sqlstate_is_five_uppercase_letters_or_digits() {
        assert_eq!(LINK_ACROSS_RECORDS_SQLSTATE.len(), 5);
        assert!(LINK_ACROSS_RECORDS_SQLSTATE
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
    }

    #[test]
    fn down_drops_trigger_function_and_link_table_before_the_event_table() {
        assert_eq!(
            down(&chat_log()),
            [
                "DROP TRIGGER IF EXISTS basic_chat_edits_same_record ON basic_chat_edits",
                "DROP FUNCTION IF EXISTS basic_chat_edits_same_record()",
                "DROP TABLE IF EXISTS basic_chat_edits",
                "DROP TABLE IF EXISTS basic_chat_events",
            ]
        );
    }

    #[test]
    fn a_log_without_links_has_only_the_event_table() {
        let log = LogSpec::new("notes_events", vec![]).unwrap();
        assert_eq!(up(&log).len(), 4);
        assert!(up(&log).iter().all(|sql| !sql.contains("TRIGGER")));
    }
}
