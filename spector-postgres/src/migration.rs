//! The DDL of an event log on PostgreSQL: event table, indexes, link tables
//! and the triggers that keep both ends of a link in the same record.
//!
//! [`Storage::migrate`](spector_core::backend::Storage::migrate) runs these statements
//! itself; users with their own migration tool can take the SQL from [`up`]
//! and [`down`] instead. Every statement is idempotent.

use spector_core::action::SAVEPOINT;
use spector_core::backend::{
    ColumnSpec, LinkSpec, LogSpec, SqlIdent, TableSpec, LINK_ACROSS_RECORDS,
};
use spector_core::{ColumnType, Error, Result, Value};
use sqlx::{AssertSqlSafe, PgConnection};

use crate::error::PostgresError;
use crate::names::{LinkNames, LogNames, TableNames};

/// The SQLSTATE an event table raises when an `UPDATE` or `DELETE` would
/// change an event (class `SP`, not used by PostgreSQL).
pub const IMMUTABLE_SQLSTATE: &str = "SPIMM";

/// The SQLSTATE the same-record trigger raises when a link's two ends belong
/// to different records (class `SP`, not used by PostgreSQL).
pub const LINK_ACROSS_RECORDS_SQLSTATE: &str = "SPLNK";

/// The statements that create what `log` needs where it is missing: the
/// event table, its indexes, each link table with its same-record
/// trigger, and each materialized table. A materialized table that exists
/// is left as it is: `migrate` adds the columns it lacks (see
/// [`add_column`]).
///
/// Every name comes from a [`LogSpec`], whose identifiers are checked once
/// more here, with the names derived from them (indexes, triggers,
/// functions). A log whose derived names PostgreSQL would truncate (longer
/// than 63 bytes) or that would name two objects alike is refused with
/// [`Error::InvalidLog`].
///
/// ```
/// use spector_core::backend::LogSpec;
///
/// let log = LogSpec::new("notes_events", vec![]).unwrap();
/// let sql = spector_postgres::migration::up(&log).unwrap().join(";\n");
/// assert!(sql.contains("CREATE TABLE IF NOT EXISTS notes_events ("));
///
/// let long = LogSpec::new(&format!("{}_events", "n".repeat(50)), vec![]).unwrap();
/// assert!(spector_postgres::migration::up(&long).is_err());
/// ```
///
/// # Errors
///
/// [`Error::InvalidLog`] when a derived name
/// would be truncated by PostgreSQL or collide with another.
pub fn up(log: &LogSpec) -> Result<Vec<String>> {
    let names = LogNames::of(log)?;
    let mut statements = table_up(&names.table, log.hashed());
    for link in &names.links {
        statements.extend(link_statements(names.table.table, link));
    }
    statements.extend(
        log.materialized_tables()
            .iter()
            .map(crate::rows::create_table),
    );
    Ok(statements)
}

/// The PostgreSQL type of a column kind, as a materialized table declares
/// it (in `rows::create_table` and [`add_column`]).
pub(crate) fn column_type(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Uuid => "uuid",
        ColumnType::Text => "text",
        ColumnType::Integer => "bigint",
        ColumnType::Float => "double precision",
        ColumnType::Boolean => "boolean",
        ColumnType::Timestamp => "timestamptz(6)",
        ColumnType::Json => "jsonb",
    }
}

/// The zero value of a column kind as a PostgreSQL literal: the default a
/// required column added to an existing table takes.
fn zero(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Uuid => "'00000000-0000-0000-0000-000000000000'",
        ColumnType::Text => "''",
        ColumnType::Integer | ColumnType::Float => "0",
        ColumnType::Boolean => "false",
        ColumnType::Timestamp => "'1970-01-01 00:00:00+00'",
        ColumnType::Json => "'null'",
    }
}

/// `value` as a PostgreSQL literal of its column's type; `None` for a
/// value no literal holds (a float that is not finite, text with a NUL
/// character, `NULL`).
///
/// Text is written as an escape string (`E'…'`, every `\\` and `'` doubled),
/// which reads the same whatever the server's `standard_conforming_strings`.
fn literal(value: &Value) -> Option<String> {
    let quoted = |text: &str| {
        (!text.contains('\0'))
            .then(|| format!("E'{}'", text.replace('\\', "\\\\").replace('\'', "''")))
    };
    match value {
        Value::Null => None,
        Value::Uuid(uuid) => Some(format!("'{uuid}'")),
        Value::Text(text) => quoted(text),
        Value::Integer(int) => Some(int.to_string()),
        Value::Float(float) => float.is_finite().then(|| format!("{float:?}")),
        Value::Boolean(bool) => Some(bool.to_string()),
        Value::Timestamp(time) => {
            quoted(&time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
        }
        Value::Json(json) if holds_nul(json) => None,
        Value::Json(json) => quoted(&json.to_string()),
    }
}

/// True when a string or key of `json` holds a NUL character, which
/// `jsonb` cannot store.
fn holds_nul(json: &serde_json::Value) -> bool {
    let mut values = vec![json];
    while let Some(value) = values.pop() {
        match value {
            serde_json::Value::String(text) if text.contains('\0') => return true,
            serde_json::Value::Array(items) => values.extend(items),
            serde_json::Value::Object(map) => {
                if map.keys().any(|key| key.contains('\0')) {
                    return true;
                }
                values.extend(map.values());
            }
            _ => {}
        }
    }
    false
}

/// The default of a required column added to an existing table: its value
/// in the row of the record type's default state when known, otherwise its
/// kind's zero value.
fn default_of(column: &ColumnSpec) -> String {
    column
        .default_value()
        .and_then(literal)
        .unwrap_or_else(|| zero(column.ty()).to_owned())
}

/// The statement that adds `column` to the materialized table `table`,
/// created before its record type gained the field: as [`up`] declares
/// it, a required (`NOT NULL`) column with a `DEFAULT` that rows already
/// there take: the column's value in the row of the record type's default
/// state when known ([`ColumnSpec::default_value`]), otherwise its kind's
/// zero value (`0`, `''`, `false`, the nil UUID, 1970-01-01, JSON `null`).
///
/// [`up`] only creates what is missing; `migrate` also runs this statement
/// for each column a materialized table lacks — for a required column
/// without a known default only when the table has no rows, otherwise it
/// answers [`Error::MigrationNeeded`] with these statements.
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
/// let add = |n: usize| spector_postgres::migration::add_column(table, &table.columns()[n]);
/// assert_eq!(add(1), "ALTER TABLE tickets ADD COLUMN priority bigint");
/// assert_eq!(add(2), "ALTER TABLE tickets ADD COLUMN due bigint NOT NULL DEFAULT 0");
/// ```
pub fn add_column(table: &TableSpec, column: &ColumnSpec) -> String {
    let null = if column.nullable() {
        String::new()
    } else {
        format!(" NOT NULL DEFAULT {}", default_of(column))
    };
    format!(
        "ALTER TABLE {} ADD COLUMN {} {}{null}",
        table.table(),
        column.name(),
        column_type(column.ty())
    )
}

/// Adds to each materialized table of `log` the columns its record type
/// declares and the table lacks, inside the migration's transaction (which
/// holds the log's migration lock, so concurrent migrations add each
/// column once).
///
/// A nullable column is added (rows already there hold `NULL`); so is a
/// required one whose value in the record type's default state is known
/// (rows already there take it until their record's next write), and any
/// required one when the table has no rows,
/// checked under an exclusive lock of the table so that no row arrives
/// meanwhile. A required column without a known default, in a table with
/// rows, is not: nothing is added and the caller rolls back.
///
/// # Errors
///
/// [`Error::MigrationNeeded`] with the statements that add the required
/// columns of a table with rows; [`Error::Storage`] when a statement fails.
pub(crate) async fn add_missing_columns(
    conn: &mut PgConnection,
    log: &'static LogSpec,
) -> Result<()> {
    let failed = |source| {
        Error::from(PostgresError::Migration {
            table: log.table().as_str(),
            source,
        })
    };
    for table in log.materialized_tables() {
        let existing: Vec<String> = sqlx::query_scalar(
            "SELECT attname::text FROM pg_attribute \
             WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped",
        )
        .bind(table.table().as_str())
        .fetch_all(&mut *conn)
        .await
        .map_err(failed)?;
        let missing = table.missing_columns(&existing);
        let required: Vec<String> = missing
            .iter()
            .filter(|column| {
                !column.nullable() && column.default_value().and_then(literal).is_none()
            })
            .map(|column| add_column(table, column))
            .collect();
        if !required.is_empty() {
            let name = table.table();
            sqlx::raw_sql(AssertSqlSafe(format!(
                "LOCK TABLE {name} IN ACCESS EXCLUSIVE MODE"
            )))
            .execute(&mut *conn)
            .await
            .map_err(failed)?;
            let has_rows: bool = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT EXISTS (SELECT 1 FROM {name})"
            )))
            .fetch_one(&mut *conn)
            .await
            .map_err(failed)?;
            if has_rows {
                return Err(Error::MigrationNeeded {
                    table: name.to_string(),
                    statements: required,
                });
            }
        }
        for column in missing {
            sqlx::raw_sql(AssertSqlSafe(add_column(table, column)))
                .execute(&mut *conn)
                .await
                .map_err(failed)?;
        }
    }
    Ok(())
}

/// The statements that create the event table (with the `hash` column of a
/// hashed log, also added to a table created before) and its indexes.
fn table_up(names: &TableNames<'_>, hashed: bool) -> Vec<String> {
    let TableNames {
        table,
        schema_index,
        parent_id_index,
        inserted_at_index,
        savepoint_index,
        immutable_trigger,
        immutable_function,
        ..
    } = names;
    let hash = if hashed { ", hash bytea" } else { "" };
    let mut statements = vec![
        format!(
            "CREATE TABLE IF NOT EXISTS {table} (\
             id uuid PRIMARY KEY, \
             parent_id uuid NOT NULL REFERENCES {table}(id) ON DELETE CASCADE, \
             payload jsonb NOT NULL, \
             schema integer NOT NULL, \
             action integer NOT NULL, \
             inserted_at timestamptz(6) NOT NULL{hash})"
        ),
        format!("CREATE INDEX IF NOT EXISTS {schema_index} ON {table} (schema)"),
        format!(
            "CREATE INDEX IF NOT EXISTS {parent_id_index} \
             ON {table} (parent_id, inserted_at, id)"
        ),
        format!("CREATE INDEX IF NOT EXISTS {inserted_at_index} ON {table} (inserted_at, id)"),
        format!(
            "CREATE INDEX IF NOT EXISTS {savepoint_index} \
             ON {table} (parent_id, inserted_at) WHERE action = {SAVEPOINT}"
        ),
        format!(
            "CREATE OR REPLACE FUNCTION {immutable_function}() RETURNS trigger
LANGUAGE plpgsql AS $spector$
BEGIN
  RAISE EXCEPTION '{IMMUTABLE}: % of an event of {table}', TG_OP
    USING ERRCODE = '{IMMUTABLE_SQLSTATE}';
END
$spector$"
        ),
        format!(
            "CREATE OR REPLACE TRIGGER {immutable_trigger} \
             BEFORE UPDATE OR DELETE ON {table} \
             FOR EACH ROW EXECUTE FUNCTION {immutable_function}()"
        ),
    ];
    if hashed {
        statements.push(format!(
            "ALTER TABLE {table} ADD COLUMN IF NOT EXISTS hash bytea"
        ));
    }
    statements
}

/// The message with which an event table refuses an `UPDATE` or a `DELETE`.
const IMMUTABLE: &str = "spector: events are immutable";

/// The statements that create one link table of the event table `table`
/// with its same-record trigger; run them to add a link to an existing log.
///
/// The names are checked as by [`up`], against the event table's own.
///
/// # Errors
///
/// As [`up`].
pub fn link_up(table: &SqlIdent, link: &LinkSpec) -> Result<Vec<String>> {
    let names = LogNames::checked(table, std::slice::from_ref(link))?;
    Ok(names
        .links
        .iter()
        .flat_map(|link| link_statements(table.as_str(), link))
        .collect())
}

/// The statements of [`link_up`], from checked names.
fn link_statements(table: &str, names: &LinkNames<'_>) -> Vec<String> {
    let LinkNames {
        table: links,
        column,
        pair_index,
        column_index,
        trigger,
        function,
        ..
    } = names;
    let (type_column, type_key) = if names.typed {
        (", type integer NOT NULL", ", type")
    } else {
        ("", "")
    };
    let mut statements = vec![
        format!(
            "CREATE TABLE IF NOT EXISTS {links} (\
             event_id uuid NOT NULL REFERENCES {table}(id) ON DELETE CASCADE, \
             {column} uuid NOT NULL REFERENCES {table}(id) ON DELETE CASCADE{type_column})"
        ),
        format!(
            "CREATE UNIQUE INDEX IF NOT EXISTS {pair_index} \
             ON {links} (event_id, {column}{type_key})"
        ),
        format!("CREATE INDEX IF NOT EXISTS {column_index} ON {links} ({column})"),
    ];
    if names.constrained {
        statements.push(same_record_function(table, names));
        statements.push(format!(
            "CREATE OR REPLACE TRIGGER {trigger} \
             BEFORE INSERT OR UPDATE ON {links} \
             FOR EACH ROW EXECUTE FUNCTION {function}()"
        ));
    } else {
        statements.push(format!("DROP TRIGGER IF EXISTS {trigger} ON {links}"));
        statements.push(format!("DROP FUNCTION IF EXISTS {function}()"));
    }
    statements
}

/// The trigger function refusing a link row whose two ends both exist and
/// have different `parent_id`s.
///
/// A missing end is let through: the link table's foreign keys refuse it
/// at the end of the statement, as the missing event it is.
///
/// It keeps the `search_path` it was created with, so it reads the event
/// table of its own schema whatever the inserting session's path is.
fn same_record_function(table: &str, names: &LinkNames<'_>) -> String {
    let LinkNames {
        table: links,
        column,
        function,
        ..
    } = names;
    format!(
        "CREATE OR REPLACE FUNCTION {function}() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $spector$
BEGIN
  IF EXISTS (SELECT FROM {table} linking JOIN {table} linked ON linked.id = NEW.{column}
             WHERE linking.id = NEW.event_id AND linking.parent_id <> linked.parent_id) THEN
    RAISE EXCEPTION '{LINK_ACROSS_RECORDS}: link in {links} from event % to %',
      NEW.event_id, NEW.{column}
      USING ERRCODE = '{LINK_ACROSS_RECORDS_SQLSTATE}';
  END IF;
  RETURN NEW;
END
$spector$"
    )
}

/// The statements that drop one link table of the event table `table` with
/// its trigger and function.
///
/// The names are checked as by [`link_up`], so that a truncated name never
/// drops another log's object.
///
/// # Errors
///
/// As [`up`].
pub fn link_down(table: &SqlIdent, link: &LinkSpec) -> Result<Vec<String>> {
    let names = LogNames::checked(table, std::slice::from_ref(link))?;
    Ok(names.links.iter().flat_map(link_drops).collect())
}

/// The statements of [`link_down`], from checked names.
fn link_drops(names: &LinkNames<'_>) -> Vec<String> {
    let LinkNames {
        table: links,
        trigger,
        function,
        ..
    } = names;
    vec![
        format!("DROP TRIGGER IF EXISTS {trigger} ON {links}"),
        format!("DROP FUNCTION IF EXISTS {function}()"),
        format!("DROP TABLE IF EXISTS {links}"),
    ]
}

/// The statements that drop everything [`up`] creates: triggers, functions
/// and link tables first, then the event table (indexes and its trigger go
/// with it), then the function that kept its events immutable. The names
/// are checked as by [`up`].
///
/// ```
/// use spector_core::backend::LogSpec;
///
/// let log = LogSpec::new("notes_events", vec![]).unwrap();
/// assert_eq!(
///     spector_postgres::migration::down(&log).unwrap(),
///     [
///         "DROP TABLE IF EXISTS notes_events",
///         "DROP FUNCTION IF EXISTS notes_events_immutable()"
///     ]
/// );
/// ```
///
/// # Errors
///
/// As [`up`].
pub fn down(log: &LogSpec) -> Result<Vec<String>> {
    let names = LogNames::of(log)?;
    Ok(names
        .links
        .iter()
        .flat_map(link_drops)
        .chain([
            format!("DROP TABLE IF EXISTS {}", names.table.table),
            format!(
                "DROP FUNCTION IF EXISTS {}()",
                names.table.immutable_function
            ),
        ])
        .collect())
}

#[cfg(test)]
mod tests {
    use spector_core::backend::{LinkDecl, SchemaSpec};
    use spector_core::Error;

    use super::*;

    fn chat_log() -> LogSpec {
        const LINKS: &[LinkDecl] = &[LinkDecl::new("edits", "previous_id")];
        let chat = SchemaSpec::new("BasicChat", 0, LINKS);
        LogSpec::new("basic_chat_events", vec![chat]).unwrap()
    }

    #[test]
    fn up_creates_the_event_table_and_its_indexes() {
        let statements = up(&chat_log()).unwrap();
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
            statements[1..5],
            [
                "CREATE INDEX IF NOT EXISTS basic_chat_events_schema_index \
                 ON basic_chat_events (schema)",
                "CREATE INDEX IF NOT EXISTS basic_chat_events_parent_id_index \
                 ON basic_chat_events (parent_id, inserted_at, id)",
                "CREATE INDEX IF NOT EXISTS basic_chat_events_inserted_at_index \
                 ON basic_chat_events (inserted_at, id)",
                "CREATE INDEX IF NOT EXISTS basic_chat_events_savepoint_index \
                 ON basic_chat_events (parent_id, inserted_at) WHERE action = 4",
            ]
        );
    }

    #[test]
    fn up_creates_the_link_table_with_its_indexes_and_trigger() {
        let statements = up(&chat_log()).unwrap();
        assert_eq!(statements.len(), 7 + 5);
        assert_eq!(
            statements[7],
            "CREATE TABLE IF NOT EXISTS basic_chat_edits (\
             event_id uuid NOT NULL REFERENCES basic_chat_events(id) ON DELETE CASCADE, \
             previous_id uuid NOT NULL REFERENCES basic_chat_events(id) ON DELETE CASCADE)"
        );
        assert_eq!(
            statements[8],
            "CREATE UNIQUE INDEX IF NOT EXISTS basic_chat_edits_event_id_previous_id_index \
             ON basic_chat_edits (event_id, previous_id)"
        );
        assert_eq!(
            statements[9],
            "CREATE INDEX IF NOT EXISTS basic_chat_edits_previous_id_index \
             ON basic_chat_edits (previous_id)"
        );
        assert_eq!(
            statements[11],
            "CREATE OR REPLACE TRIGGER basic_chat_edits_same_record \
             BEFORE INSERT OR UPDATE ON basic_chat_edits \
             FOR EACH ROW EXECUTE FUNCTION basic_chat_edits_same_record()"
        );
    }

    #[test]
    fn trigger_function_compares_parents_and_raises_its_sqlstate() {
        let function = &up(&chat_log()).unwrap()[10];
        assert!(function.starts_with(
            "CREATE OR REPLACE FUNCTION basic_chat_edits_same_record() RETURNS trigger"
        ));
        assert!(function.contains("SET search_path FROM CURRENT"));
        assert!(function.contains(
            "IF EXISTS (SELECT FROM basic_chat_events linking \
             JOIN basic_chat_events linked ON linked.id = NEW.previous_id\n             \
             WHERE linking.id = NEW.event_id AND linking.parent_id <> linked.parent_id) THEN"
        ));
        assert!(function.contains(
            "RAISE EXCEPTION 'spector: linked events belong to different records: \
             link in basic_chat_edits from event % to %'"
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
            down(&chat_log()).unwrap(),
            [
                "DROP TRIGGER IF EXISTS basic_chat_edits_same_record ON basic_chat_edits",
                "DROP FUNCTION IF EXISTS basic_chat_edits_same_record()",
                "DROP TABLE IF EXISTS basic_chat_edits",
                "DROP TABLE IF EXISTS basic_chat_events",
                "DROP FUNCTION IF EXISTS basic_chat_events_immutable()",
            ]
        );
    }

    #[test]
    fn a_log_without_links_has_only_the_event_table_and_its_immutability() {
        let log = LogSpec::new("notes_events", vec![]).unwrap();
        let statements = up(&log).unwrap();
        assert_eq!(statements.len(), 7);
        assert!(statements.iter().all(|sql| !sql.contains("same_record")));
        assert_eq!(
            statements[6],
            "CREATE OR REPLACE TRIGGER notes_events_immutable \
             BEFORE UPDATE OR DELETE ON notes_events \
             FOR EACH ROW EXECUTE FUNCTION notes_events_immutable()"
        );
        assert!(statements[5].contains(&format!("USING ERRCODE = '{IMMUTABLE_SQLSTATE}'")));
    }

    #[test]
    fn link_up_and_down_give_the_statements_of_up_and_down() {
        let log = chat_log();
        let link = &log.links()[0];
        assert_eq!(link_up(log.table(), link).unwrap(), up(&log).unwrap()[7..]);
        assert_eq!(
            link_down(log.table(), link).unwrap(),
            down(&log).unwrap()[..3]
        );
    }

    #[test]
    fn a_default_is_a_quoted_literal_or_none_where_no_literal_holds_it() {
        let time = chrono::DateTime::from_timestamp_micros(1_700_000_000_000_001).unwrap();
        let cases = [
            (Value::Text("O'Brien".into()), Some("E'O''Brien'")),
            (
                Value::Text(r"\'; DROP TABLE x; --".into()),
                Some(r"E'\\''; DROP TABLE x; --'"),
            ),
            (
                Value::Text(r"a literal \u0000".into()),
                Some(r"E'a literal \\u0000'"),
            ),
            (Value::Integer(-30), Some("-30")),
            (Value::Float(2.5), Some("2.5")),
            (Value::Boolean(true), Some("true")),
            (
                Value::Uuid(uuid::Uuid::nil()),
                Some("'00000000-0000-0000-0000-000000000000'"),
            ),
            (
                Value::Timestamp(time),
                Some("E'2023-11-14T22:13:20.000001Z'"),
            ),
            (
                Value::Json(serde_json::json!({"a": "it's\n"})),
                Some(r#"E'{"a":"it''s\\n"}'"#),
            ),
            (Value::Float(f64::NAN), None),
            (Value::Text("nul \0".into()), None),
            (Value::Json(serde_json::json!("nul \u{0}")), None),
            (Value::Null, None),
        ];
        for (value, expected) in cases {
            assert_eq!(literal(&value).as_deref(), expected, "{value:?}");
        }
    }

    #[test]
    fn added_columns_have_the_types_of_created_ones() {
        use spector_core::backend::{ColumnDecl, TableDecl};
        const COLUMNS: &[ColumnDecl] = &[
            ColumnDecl::of::<uuid::Uuid>("id"),
            ColumnDecl::of::<String>("text"),
            ColumnDecl::of::<i64>("integer"),
            ColumnDecl::of::<f64>("float"),
            ColumnDecl::of::<bool>("boolean"),
            ColumnDecl::of::<chrono::DateTime<chrono::Utc>>("time"),
            ColumnDecl::json("json", false),
        ];
        let mut schema = SchemaSpec::new("Every", 0, &[]);
        schema.table = Some(TableDecl {
            name: "every_kind",
            columns: COLUMNS,
        });
        let log = LogSpec::new("every_events", vec![schema]).unwrap();
        let table = &log.materialized_tables()[0];
        let created = crate::rows::create_table(table);
        for column in &table.columns()[1..] {
            let added = add_column(table, column);
            let declared = format!("{} {} NOT NULL", column.name(), column_type(column.ty()));
            assert!(created.contains(&declared), "{created} lacks {declared}");
            assert_eq!(
                added,
                format!(
                    "ALTER TABLE every_kind ADD COLUMN {declared} DEFAULT {}",
                    zero(column.ty())
                )
            );
        }
    }

    #[test]
    fn long_names_are_refused_before_any_statement() {
        let table = format!("{}_events", "a".repeat(53));
        let log = LogSpec::new(&table, vec![]).unwrap();
        for error in [up(&log).unwrap_err(), down(&log).unwrap_err()] {
            assert!(
                matches!(&error, Error::InvalidLog { table: refused, reason }
                    if *refused == table && reason.contains("truncates names to 63 bytes")),
                "{error}"
            );
        }
        const LONG: &[LinkDecl] = &[LinkDecl::new(
            "edits",
            "cccccccccccccccccccccccccccccccccccccccc",
        )];
        let chat =
            LogSpec::new("basic_chat_events", vec![SchemaSpec::new("Chat", 0, LONG)]).unwrap();
        let link = &chat.links()[0];
        assert!(matches!(
            link_up(chat.table(), link),
            Err(Error::InvalidLog { .. })
        ));
        assert!(matches!(
            link_down(chat.table(), link),
            Err(Error::InvalidLog { .. })
        ));
    }
}
