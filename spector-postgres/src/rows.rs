//! Materialized tables on PostgreSQL: their DDL, the row writes of a write
//! plan, and the untracked rows `bringup` imports.
//!
//! | column kind | PostgreSQL type |
//! |---|---|
//! | UUID | `uuid` |
//! | text | `text` |
//! | integer | `bigint` |
//! | float | `double precision` |
//! | boolean | `boolean` |
//! | timestamp | `timestamptz(6)` |
//! | JSON | `jsonb` |

use chrono::{DateTime, Utc};
use spector_core::backend::{ColumnSpec, LogSpec, RowWrite, TableSpec};
use spector_core::{ColumnType, Error, Result, Row, Value};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, PgConnection, Postgres, Row as _};
use uuid::Uuid;

use crate::error::{query_error, sqlstate};
use crate::migration::column_type;

/// The statement that creates `table` where it is missing: the id column
/// the primary key, `NOT NULL` unless the field is an `Option`.
pub(crate) fn create_table(table: &TableSpec) -> String {
    let columns: Vec<String> = table
        .columns()
        .iter()
        .enumerate()
        .map(|(position, column)| {
            let key = if position == 0 { " PRIMARY KEY" } else { "" };
            let null = if column.nullable() { "" } else { " NOT NULL" };
            format!("{} {}{key}{null}", column.name(), column_type(column.ty()))
        })
        .collect();
    format!(
        "CREATE TABLE IF NOT EXISTS {} ({})",
        table.table(),
        columns.join(", ")
    )
}

/// `query` with `value` bound as `column`'s type (a `NULL` typed too).
fn bind<'q>(
    query: Query<'q, Postgres, PgArguments>,
    column: &ColumnSpec,
    value: &'q Value,
) -> Query<'q, Postgres, PgArguments> {
    match (value, column.ty()) {
        (Value::Uuid(uuid), _) => query.bind(uuid),
        (Value::Text(text), _) => query.bind(text.as_str()),
        (Value::Integer(int), _) => query.bind(int),
        (Value::Float(float), _) => query.bind(float),
        (Value::Boolean(bool), _) => query.bind(bool),
        (Value::Timestamp(time), _) => query.bind(time),
        (Value::Json(json), _) => query.bind(Json(json)),
        (Value::Null, ColumnType::Uuid) => query.bind(None::<Uuid>),
        (Value::Null, ColumnType::Text) => query.bind(None::<String>),
        (Value::Null, ColumnType::Integer) => query.bind(None::<i64>),
        (Value::Null, ColumnType::Float) => query.bind(None::<f64>),
        (Value::Null, ColumnType::Boolean) => query.bind(None::<bool>),
        (Value::Null, ColumnType::Timestamp) => query.bind(None::<DateTime<Utc>>),
        (Value::Null, ColumnType::Json) => query.bind(None::<Json<serde_json::Value>>),
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
pub(crate) async fn apply(conn: &mut PgConnection, write: &RowWrite) -> Result<()> {
    let table = write.table();
    let names: Vec<&str> = table.columns().iter().map(|c| c.name().as_str()).collect();
    let marks: Vec<String> = (1..=names.len()).map(|n| format!("${n}")).collect();
    let insert = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        table.table(),
        names.join(", "),
        marks.join(", ")
    );
    let (sql, row) = match write {
        RowWrite::Delete { id, .. } => {
            let sql = format!(
                "DELETE FROM {} WHERE {} = $1",
                table.table(),
                table.id_column().name()
            );
            return sqlx::query(AssertSqlSafe(sql))
                .bind(id)
                .execute(&mut *conn)
                .await
                .map(drop)
                .map_err(|error| row_error(table, *id, error));
        }
        RowWrite::Insert(row) => (
            format!("{insert} ON CONFLICT ({}) DO NOTHING", names[0]),
            row,
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
            (sql, row)
        }
    };
    let query = table
        .columns()
        .iter()
        .zip(row.values())
        .fold(sqlx::query(AssertSqlSafe(sql)), |query, (column, value)| {
            bind(query, column, value)
        });
    let id = row.id().unwrap_or_default();
    let done = query
        .execute(&mut *conn)
        .await
        .map_err(|error| row_error(table, id, error))?;
    if done.rows_affected() == 0 && matches!(write, RowWrite::Insert(_)) {
        return Err(Error::RowExists {
            record_type: table.record_type(),
            table: table.table().to_string(),
            id,
        });
    }
    Ok(())
}

/// The SQLSTATE classes with which a table refuses a row: integrity
/// constraint violations (`23`), data exceptions (`22`: a value too long
/// for its column, out of range) and errors raised by PL/pgSQL, a user's
/// trigger (`P0`: `RAISE EXCEPTION`, `ASSERT`). SQLite reports all of
/// these as constraint errors, so both backends give [`Error::RowRefused`].
const ROW_REFUSED_CLASSES: [&str; 3] = ["23", "22", "P0"];

/// The error of a row write: the table refusing the row (a constraint, a
/// value its column cannot hold, a trigger raising) is
/// [`Error::RowRefused`].
fn row_error(table: &'static TableSpec, id: Uuid, error: sqlx::Error) -> Error {
    let refused = sqlstate(&error).is_some_and(|state| {
        ROW_REFUSED_CLASSES
            .iter()
            .any(|class| state.starts_with(class))
    });
    if !refused {
        return query_error("write row", table.table().as_str())(error);
    }
    let reason = error
        .as_database_error()
        .map_or_else(|| error.to_string(), |error| error.message().to_owned());
    Error::RowRefused {
        record_type: table.record_type(),
        table: table.table().to_string(),
        id,
        reason,
    }
}

/// The cast that reads a column as its kind's type.
fn cast(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Uuid => "uuid",
        ColumnType::Text => "text",
        ColumnType::Integer => "int8",
        ColumnType::Float => "float8",
        ColumnType::Boolean => "bool",
        ColumnType::Timestamp => "timestamptz",
        ColumnType::Json => "jsonb",
    }
}

/// The rows of `table` whose id is the record of no event of its type in
/// `log`, each value read as its column's kind.
///
/// # Errors
///
/// [`Error::Storage`] for a value that does not read as its kind,
/// [`Error::NotMigrated`].
pub(crate) async fn untracked(
    conn: &mut PgConnection,
    log: &LogSpec,
    table: &'static TableSpec,
) -> Result<Vec<Row>> {
    let failed = query_error("read untracked rows", table.table().as_str());
    let columns: Vec<String> = table
        .columns()
        .iter()
        .map(|c| format!("t.{}::{}", c.name(), cast(c.ty())))
        .collect();
    let sql = format!(
        "SELECT {} FROM {} t WHERE NOT EXISTS \
         (SELECT 1 FROM {} e WHERE e.parent_id = t.{} AND e.schema = $1) FOR UPDATE OF t",
        columns.join(", "),
        table.table(),
        log.table(),
        table.id_column().name()
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(table.schema_index())
        .fetch_all(&mut *conn)
        .await
        .map_err(&failed)?;
    rows.iter()
        .map(|row| {
            let values = table
                .columns()
                .iter()
                .enumerate()
                .map(|(position, column)| read_value(row, position, column.ty()))
                .collect::<std::result::Result<Vec<Value>, sqlx::Error>>()
                .map_err(&failed)?;
            Row::read(table, values).map_err(Error::storage)
        })
        .collect()
}

/// The value at `position` of `row`, as kind `ty`.
fn read_value(row: &PgRow, position: usize, ty: ColumnType) -> Result<Value, sqlx::Error> {
    let value = match ty {
        ColumnType::Uuid => row.try_get::<Option<Uuid>, _>(position)?.map(Value::Uuid),
        ColumnType::Text => row.try_get::<Option<String>, _>(position)?.map(Value::Text),
        ColumnType::Integer => row.try_get::<Option<i64>, _>(position)?.map(Value::Integer),
        ColumnType::Float => row.try_get::<Option<f64>, _>(position)?.map(Value::Float),
        ColumnType::Boolean => row
            .try_get::<Option<bool>, _>(position)?
            .map(Value::Boolean),
        ColumnType::Timestamp => row
            .try_get::<Option<DateTime<Utc>>, _>(position)?
            .map(Value::Timestamp),
        ColumnType::Json => row
            .try_get::<Option<Json<serde_json::Value>>, _>(position)?
            .map(|json| Value::Json(json.0)),
    };
    Ok(value.unwrap_or(Value::Null))
}
