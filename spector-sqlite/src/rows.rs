//! Materialized tables on SQLite: their DDL, the row writes of a write
//! plan, and the untracked rows `bringup` imports.
//!
//! | column kind | SQLite type | stored as |
//! |---|---|---|
//! | UUID | `BLOB` | 16 bytes, as event ids |
//! | text | `TEXT` | |
//! | integer | `INTEGER` | |
//! | float | `REAL` | |
//! | boolean | `INTEGER` | 0 or 1 |
//! | timestamp | `TEXT` | RFC 3339, microseconds, `Z` (sorts as time) |
//! | JSON | `TEXT` | JSON text |

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::types::{ToSqlOutput, Value as Stored, ValueRef};
use rusqlite::{params_from_iter, Connection, ErrorCode, ToSql};
use spector_core::backend::{ColumnSpec, LogSpec, RowWrite, TableSpec};
use spector_core::{ColumnType, Error, Invalid, Result, Row, Value};
use uuid::Uuid;

use crate::decode::{shown, spelt_uuid, stored_uuid};
use crate::error::query_error;

/// The SQLite type of a column kind.
fn sql_type(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Uuid => "BLOB",
        ColumnType::Text | ColumnType::Timestamp | ColumnType::Json => "TEXT",
        ColumnType::Integer | ColumnType::Boolean => "INTEGER",
        ColumnType::Float => "REAL",
    }
}

/// The zero value of a column kind as an SQLite literal: the default a
/// required column added to an existing table takes.
fn zero(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Uuid => "X'00000000000000000000000000000000'",
        ColumnType::Text => "''",
        ColumnType::Integer | ColumnType::Boolean => "0",
        ColumnType::Float => "0.0",
        ColumnType::Timestamp => "'1970-01-01T00:00:00.000000Z'",
        ColumnType::Json => "'null'",
    }
}

/// `value` as an SQLite literal, as [`ToSql`] would bind it; `None` for
/// a value no literal holds (a float that is not finite, text with a NUL
/// character, `NULL`).
pub(crate) fn literal(value: &Value) -> Option<String> {
    let quoted =
        |text: &str| (!text.contains('\0')).then(|| format!("'{}'", text.replace('\'', "''")));
    match value {
        Value::Null => None,
        Value::Uuid(uuid) => Some(format!("X'{}'", uuid.simple())),
        Value::Text(text) => quoted(text),
        Value::Integer(int) => Some(int.to_string()),
        Value::Float(float) => float.is_finite().then(|| format!("{float:?}")),
        Value::Boolean(bool) => Some(if *bool { "1" } else { "0" }.to_owned()),
        Value::Timestamp(time) => {
            quoted(&time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
        }
        Value::Json(json) => quoted(&json.to_string()),
    }
}

/// The statement that adds `column` to `table`: as [`create_table`]
/// declares it, a required (`NOT NULL`) column with a `DEFAULT` (which
/// SQLite needs to add one, and rows already there take): the column's
/// value in the row of the record type's default state when it is known
/// ([`ColumnSpec::default_value`]), otherwise its kind's zero value (`0`,
/// `''`, `false`, the nil UUID, 1970-01-01, JSON `null`).
pub fn add_column(table: &TableSpec, column: &ColumnSpec) -> String {
    let null = if column.nullable() {
        String::new()
    } else {
        let default = column
            .default_value()
            .and_then(literal)
            .unwrap_or_else(|| zero(column.ty()).to_owned());
        format!(" NOT NULL DEFAULT {default}")
    };
    format!(
        "ALTER TABLE {} ADD COLUMN {} {}{null}",
        table.table(),
        column.name(),
        sql_type(column.ty())
    )
}

/// The statement that creates `table` where it is missing: the id column
/// the primary key, `NOT NULL` unless the field is an `Option`.
pub fn create_table(table: &TableSpec) -> String {
    let columns: Vec<String> = table
        .columns()
        .iter()
        .enumerate()
        .map(|(position, column)| {
            let key = if position == 0 { " PRIMARY KEY" } else { "" };
            let null = if column.nullable() { "" } else { " NOT NULL" };
            format!("{} {}{key}{null}", column.name(), sql_type(column.ty()))
        })
        .collect();
    format!(
        "CREATE TABLE IF NOT EXISTS {} ({})",
        table.table(),
        columns.join(", ")
    )
}

/// A row value as an SQLite parameter.
struct Param<'a>(&'a Value);

impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            Value::Null => ToSqlOutput::from(rusqlite::types::Null),
            Value::Uuid(uuid) => ToSqlOutput::from(uuid.as_bytes().to_vec()),
            Value::Text(text) => ToSqlOutput::from(text.as_str()),
            Value::Integer(int) => ToSqlOutput::from(*int),
            Value::Float(float) => ToSqlOutput::from(*float),
            Value::Boolean(bool) => ToSqlOutput::from(*bool),
            Value::Timestamp(time) => {
                ToSqlOutput::from(time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
            }
            Value::Json(json) => ToSqlOutput::from(json.to_string()),
        })
    }
}

/// The ids of the untracked rows as stored, by the UUID each was read as
/// (16 bytes as Spector writes them, or a UUID as text, as legacy tables
/// often keep them): deleting one of these rows deletes exactly the rows
/// read, never a tracked row whose 16-byte id a text spells.
#[derive(Debug, Default)]
pub(crate) struct StoredIds(HashMap<Uuid, Vec<Stored>>);

impl StoredIds {
    /// The ids the rows of record `id` are stored under: those of the
    /// untracked rows read as `id`, or else its 16 bytes.
    fn of(&self, id: Uuid) -> Vec<Stored> {
        self.0
            .get(&id)
            .cloned()
            .unwrap_or_else(|| vec![Stored::Blob(id.as_bytes().to_vec())])
    }
}

/// Applies one row write; a delete removes the rows stored under the ids
/// `stored_ids` gives.
///
/// # Errors
///
/// [`Error::RowExists`] when an inserted row's id is taken (the table's id
/// column must be its primary key or unique),
/// [`Error::RowRefused`] when a constraint of the table refuses the row,
/// [`Error::NotMigrated`] for a missing table.
pub(crate) fn apply(conn: &Connection, write: &RowWrite, stored_ids: &StoredIds) -> Result<()> {
    let table = write.table();
    let names: Vec<&str> = table.columns().iter().map(|c| c.name().as_str()).collect();
    let marks: Vec<String> = (1..=names.len()).map(|n| format!("?{n}")).collect();
    let insert = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        table.table(),
        names.join(", "),
        marks.join(", ")
    );
    let (sql, values, id) = match write {
        RowWrite::Delete { id, .. } => {
            let sql = format!(
                "DELETE FROM {} WHERE {} = ?1",
                table.table(),
                table.id_column().name()
            );
            let result = conn.prepare_cached(&sql).and_then(|mut statement| {
                stored_ids
                    .of(*id)
                    .into_iter()
                    .try_for_each(|stored| statement.execute([stored]).map(drop))
            });
            return result.map_err(|error| row_error(table, *id, error));
        }
        RowWrite::Insert(row) => (
            format!("{insert} ON CONFLICT ({}) DO NOTHING", names[0]),
            row.values(),
            row.id(),
        ),
        RowWrite::Upsert(row) => {
            let updates: Vec<String> = names[1..]
                .iter()
                .map(|name| format!("{name} = excluded.{name}"))
                .collect();
            let sql = if updates.is_empty() {
                format!("{insert} ON CONFLICT ({}) DO NOTHING", names[0])
            } else {
                format!(
                    "{insert} ON CONFLICT ({}) DO UPDATE SET {}",
                    names[0],
                    updates.join(", ")
                )
            };
            (sql, row.values(), row.id())
        }
    };
    let id = id.unwrap_or_default();
    let changed = conn
        .prepare_cached(&sql)
        .and_then(|mut statement| statement.execute(params_from_iter(values.iter().map(Param))))
        .map_err(|error| row_error(table, id, error))?;
    if changed == 0 && matches!(write, RowWrite::Insert(_)) {
        return Err(Error::RowExists {
            record_type: table.record_type(),
            table: table.table().to_string(),
            id,
        });
    }
    Ok(())
}

/// The error of a row write: a constraint of the table refusing it is
/// [`Error::RowRefused`].
fn row_error(table: &TableSpec, id: Uuid, error: rusqlite::Error) -> Error {
    let rusqlite::Error::SqliteFailure(failure, message) = &error else {
        return query_error("write row", table.table().as_str())(error);
    };
    if failure.code != ErrorCode::ConstraintViolation {
        return query_error("write row", table.table().as_str())(error);
    }
    Error::RowRefused {
        record_type: table.record_type(),
        table: table.table().to_string(),
        id,
        reason: message.clone().unwrap_or_else(|| failure.to_string()),
    }
}

/// The rows of `table` whose id is the record of no event of its type in
/// `log`, each value read as its column's kind, and the ids of those stored
/// as text.
///
/// # Errors
///
/// [`Error::Bringup`] naming the row (by its id, or nil when it has none
/// that reads as a UUID) and the column for a value that is not its
/// column's kind; [`Error::NotMigrated`].
pub(crate) fn untracked(
    conn: &Connection,
    log: &LogSpec,
    table: &'static TableSpec,
) -> Result<(Vec<Row>, StoredIds)> {
    let failed = query_error("read untracked rows", table.table().as_str());
    let names: Vec<String> = table
        .columns()
        .iter()
        .map(|c| format!("t.{}", c.name()))
        .collect();
    let sql = format!(
        "SELECT {} FROM {} t WHERE NOT EXISTS \
         (SELECT 1 FROM {} e WHERE e.parent_id = t.{} AND e.schema = ?1)",
        names.join(", "),
        table.table(),
        log.table(),
        table.id_column().name()
    );
    let mut statement = conn.prepare(&sql).map_err(&failed)?;
    let mut rows = statement.query([table.schema_index()]).map_err(&failed)?;
    let mut untracked = Vec::new();
    let mut stored_ids = StoredIds::default();
    while let Some(row) = rows.next().map_err(&failed)? {
        let refused = |row_id: Uuid, invalid: Invalid| Error::Bringup {
            record_type: table.record_type(),
            table: table.table().to_string(),
            row_id,
            source: Box::new(invalid.into()),
        };
        let id_column = table.id_column().name().as_str();
        let raw_id = row.get_ref(0).map_err(&failed)?;
        let id = match (raw_id, stored_uuid(raw_id)) {
            // The plan refuses it, naming the row.
            (ValueRef::Null, _) => None,
            (raw, read) => {
                let id = read.or_else(|(_, problem)| {
                    spelt_uuid(raw)
                        .ok_or_else(|| refused(Uuid::nil(), Invalid::new(id_column, problem)))
                })?;
                stored_ids.0.entry(id).or_default().push(raw.into());
                Some(id)
            }
        };
        let mut values = Vec::with_capacity(table.columns().len());
        values.push(id.map_or(Value::Null, Value::Uuid));
        for (position, column) in table.columns().iter().enumerate().skip(1) {
            let raw = row.get_ref(position).map_err(&failed)?;
            let value = read_value(column, raw).map_err(|reason| {
                refused(
                    id.unwrap_or_default(),
                    Invalid::new(column.name().as_str(), reason),
                )
            })?;
            values.push(value);
        }
        let row =
            Row::read(table, values).map_err(|invalid| refused(id.unwrap_or_default(), invalid))?;
        untracked.push(row);
    }
    Ok((untracked, stored_ids))
}

/// A time as SQLite stores it: RFC 3339 (what Spector writes), or the
/// `YYYY-MM-DD HH:MM:SS[.ffffff]` of SQLite's own `datetime()`, read as UTC.
fn parse_time(text: &str) -> std::result::Result<DateTime<Utc>, String> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|format| chrono::NaiveDateTime::parse_from_str(text, format).ok())
        .map(|naive| naive.and_utc())
        .ok_or_else(|| format!("`{text}` is not a time (RFC 3339 or YYYY-MM-DD HH:MM:SS)"))
}

/// A stored value as `column`'s kind, or what it holds instead.
fn read_value(column: &ColumnSpec, raw: ValueRef<'_>) -> std::result::Result<Value, String> {
    let ty = column.ty();
    let refused = |expected: &str| format!("is {}, not {expected}", shown(raw));
    let text = |raw: ValueRef<'_>| raw.as_str().map(str::to_owned);
    Ok(match (ty, raw) {
        (_, ValueRef::Null) => Value::Null,
        (ColumnType::Uuid, _) => Value::Uuid(
            stored_uuid(raw)
                .ok()
                .or_else(|| spelt_uuid(raw))
                .ok_or_else(|| refused("a UUID (16 bytes, or text)"))?,
        ),
        (ColumnType::Text, _) => Value::Text(text(raw).map_err(|_| refused("UTF-8 TEXT"))?),
        (ColumnType::Integer, ValueRef::Integer(int)) => Value::Integer(int),
        (ColumnType::Float, ValueRef::Real(float)) => Value::Float(float),
        (ColumnType::Float, ValueRef::Integer(int)) => Value::Float(int as f64),
        (ColumnType::Boolean, ValueRef::Integer(int)) => Value::Boolean(int != 0),
        (ColumnType::Timestamp, ValueRef::Text(_)) => {
            let text = text(raw).map_err(|_| refused("UTF-8 TEXT (a time)"))?;
            Value::Timestamp(
                parse_time(&text)
                    .map_err(|_| refused("a time (RFC 3339 or YYYY-MM-DD HH:MM:SS)"))?,
            )
        }
        (ColumnType::Json, ValueRef::Text(_)) => {
            let text = text(raw).map_err(|_| refused("UTF-8 TEXT (JSON)"))?;
            Value::Json(
                serde_json::from_str(&text).map_err(|error| refused(&format!("JSON ({error})")))?,
            )
        }
        (ColumnType::Integer, _) => return Err(refused("an INTEGER")),
        (ColumnType::Float, _) => return Err(refused("a REAL")),
        (ColumnType::Boolean, _) => return Err(refused("an INTEGER (0 or 1)")),
        (ColumnType::Timestamp, _) => return Err(refused("TEXT (a time)")),
        (ColumnType::Json, _) => return Err(refused("TEXT (JSON)")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_default_is_a_quoted_literal_or_none_where_no_literal_holds_it() {
        let time = chrono::DateTime::from_timestamp_micros(1_700_000_000_000_001).unwrap();
        let cases = [
            (Value::Text("O'Brien".into()), Some("'O''Brien'")),
            (Value::Integer(-30), Some("-30")),
            (Value::Float(2.5), Some("2.5")),
            (Value::Boolean(true), Some("1")),
            (
                Value::Uuid(Uuid::nil()),
                Some("X'00000000000000000000000000000000'"),
            ),
            (
                Value::Timestamp(time),
                Some("'2023-11-14T22:13:20.000001Z'"),
            ),
            (
                Value::Json(serde_json::json!({"a": "it's"})),
                Some(r#"'{"a":"it''s"}'"#),
            ),
            (Value::Float(f64::INFINITY), None),
            (Value::Text("nul \0".into()), None),
            (Value::Null, None),
        ];
        for (value, expected) in cases {
            assert_eq!(literal(&value).as_deref(), expected, "{value:?}");
        }
    }

    #[test]
    fn times_read_as_rfc_3339_or_sqlite_datetime_in_utc() {
        let expected = parse_time("2020-01-02T03:04:05.678Z");
        assert_eq!(
            expected.clone().map(|time| time.timestamp_micros()),
            Ok(1_577_934_245_678_000)
        );
        for text in [
            "2020-01-02T03:04:05.678Z",
            "2020-01-02T04:04:05.678+01:00",
            "2020-01-02 03:04:05.678",
            "2020-01-02T03:04:05.678",
        ] {
            assert_eq!(parse_time(text), expected.clone(), "{text}");
        }
        assert_eq!(
            parse_time("2020-01-02 03:04:05").map(|t| t.timestamp()),
            expected.clone().map(|t| t.timestamp())
        );
        assert!(matches!(parse_time("yesterday"), Err(e) if e.contains("yesterday")));
    }
}
