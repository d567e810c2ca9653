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

use chrono::{DateTime, Utc};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{params_from_iter, Connection, ErrorCode, ToSql};
use spector_core::backend::{ColumnSpec, LogSpec, RowWrite, TableSpec};
use spector_core::{ColumnType, Error, Result, Row, Value};
use uuid::Uuid;

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

/// Applies one row write.
///
/// # Errors
///
/// [`Error::RowExists`] when an inserted row's id is taken (the table's id
/// column must be its primary key or unique),
/// [`Error::RowRefused`] when a constraint of the table refuses the row,
/// [`Error::NotMigrated`] for a missing table.
pub(crate) fn apply(conn: &Connection, write: &RowWrite) -> Result<()> {
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
            let result = conn
                .prepare_cached(&sql)
                .and_then(|mut statement| statement.execute([id.as_bytes().as_slice()]));
            return result
                .map(drop)
                .map_err(|error| row_error(table, *id, error));
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
/// `log`, each value read as its column's kind.
///
/// # Errors
///
/// [`Error::CorruptEvent`]-like storage errors for a value that is not its
/// column's kind ([`Error::Storage`]), [`Error::NotMigrated`].
pub(crate) fn untracked(
    conn: &Connection,
    log: &LogSpec,
    table: &'static TableSpec,
) -> Result<Vec<Row>> {
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
    while let Some(row) = rows.next().map_err(&failed)? {
        let mut values = Vec::with_capacity(table.columns().len());
        for (position, column) in table.columns().iter().enumerate() {
            let raw = row.get_ref(position).map_err(&failed)?;
            values.push(read_value(column, raw).map_err(|reason| {
                Error::storage(format!(
                    "sqlite: column `{}` of `{}`: {reason}",
                    column.name(),
                    table.table()
                ))
            })?);
        }
        untracked.push(Row::read(table, values).map_err(Error::storage)?);
    }
    Ok(untracked)
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

/// A stored value as `column`'s kind.
fn read_value(column: &ColumnSpec, raw: ValueRef<'_>) -> std::result::Result<Value, String> {
    let text = |raw: ValueRef<'_>| {
        raw.as_str()
            .map(str::to_owned)
            .map_err(|error| error.to_string())
    };
    Ok(match (column.ty(), raw) {
        (_, ValueRef::Null) => Value::Null,
        (ColumnType::Uuid, ValueRef::Blob(bytes)) => {
            Value::Uuid(Uuid::from_slice(bytes).map_err(|error| error.to_string())?)
        }
        (ColumnType::Uuid, ValueRef::Text(_)) => {
            Value::Uuid(Uuid::parse_str(&text(raw)?).map_err(|error| error.to_string())?)
        }
        (ColumnType::Text, _) => Value::Text(text(raw)?),
        (ColumnType::Integer, ValueRef::Integer(int)) => Value::Integer(int),
        (ColumnType::Float, ValueRef::Real(float)) => Value::Float(float),
        (ColumnType::Float, ValueRef::Integer(int)) => Value::Float(int as f64),
        (ColumnType::Boolean, ValueRef::Integer(int)) => Value::Boolean(int != 0),
        (ColumnType::Timestamp, ValueRef::Text(_)) => Value::Timestamp(parse_time(&text(raw)?)?),
        (ColumnType::Json, ValueRef::Text(_)) => {
            Value::Json(serde_json::from_str(&text(raw)?).map_err(|error| error.to_string())?)
        }
        (ty, other) => return Err(format!("a {:?} is not a {ty:?}", other.data_type())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
