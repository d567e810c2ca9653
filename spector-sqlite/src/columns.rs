//! What `migrate` adds to a materialized table created before its record
//! type gained fields: each missing column it can add safely, or none and
//! the statements to run when one cannot be.

use rusqlite::Connection;
use spector_core::backend::{LogSpec, TableSpec};
use spector_core::{Error, Result};

use crate::error::query_error;
use crate::migration::add_column;
use crate::rows::literal;

/// Adds to each materialized table of `log` the columns its record type
/// declares and the table lacks, inside the migration's transaction (which
/// holds the database's write lock, so no row can arrive meanwhile).
///
/// A nullable column is added (rows already there hold `NULL`); so is a
/// required one whose value in the record type's default state is known
/// (rows already there take it until their record's next write), and any
/// required one when the table has no rows. A
/// required column without a known default, in a table with rows, is not:
/// nothing is added and the caller rolls back.
///
/// # Errors
///
/// [`Error::MigrationNeeded`] with the statements that add the required
/// columns without a known default of a table with rows.
pub(crate) fn add_missing(conn: &Connection, log: &LogSpec) -> Result<()> {
    for table in log.materialized_tables() {
        let failed = query_error("migrate", table.table().as_str());
        let existing = column_names(conn, table)?;
        let missing = table.missing_columns(&existing);
        if missing.is_empty() {
            continue;
        }
        let required: Vec<String> = missing
            .iter()
            .filter(|column| {
                !column.nullable() && column.default_value().and_then(literal).is_none()
            })
            .map(|column| add_column(table, column))
            .collect();
        if !required.is_empty() && has_rows(conn, table)? {
            return Err(Error::MigrationNeeded {
                table: table.table().to_string(),
                statements: required,
            });
        }
        for column in missing {
            conn.execute_batch(&add_column(table, column))
                .map_err(&failed)?;
        }
    }
    Ok(())
}

/// The names of `table`'s columns.
fn column_names(conn: &Connection, table: &TableSpec) -> Result<Vec<String>> {
    let failed = query_error("migrate", table.table().as_str());
    let mut statement = conn
        .prepare("SELECT name FROM pragma_table_info(?1)")
        .map_err(&failed)?;
    let names = statement
        .query_map([table.table().as_str()], |row| row.get(0))
        .map_err(&failed)?;
    names.collect::<rusqlite::Result<_>>().map_err(&failed)
}

/// Whether `table` has a row.
fn has_rows(conn: &Connection, table: &TableSpec) -> Result<bool> {
    conn.query_row(
        &format!("SELECT EXISTS (SELECT 1 FROM {})", table.table()),
        [],
        |row| row.get(0),
    )
    .map_err(query_error("migrate", table.table().as_str()))
}
