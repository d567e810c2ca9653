//! Materialized tables: a record type's current state kept as an ordinary
//! row, written in the same transaction as each of its events.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::attrs::Attrs;
use crate::id::Id;
use crate::invalid::Invalid;
use crate::log::TableSpec;
use crate::record::Evented;

/// The kind of a materialized column; each backend maps it to its own SQL
/// type (see the README's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// A UUID (`Uuid`, `Id<R>`).
    Uuid,
    /// Text (`String`).
    Text,
    /// A 64-bit integer (`i8` … `i64`, `u8` … `u32`).
    Integer,
    /// A double-precision float (`f32`, `f64`).
    Float,
    /// A boolean.
    Boolean,
    /// A UTC time with microseconds (`DateTime<Utc>`).
    Timestamp,
    /// Any serde value, stored as JSON (a field marked `#[evented(json)]`).
    Json,
}

/// A column of a materialized table, as the derive declares it: the field's
/// name and the kind of its Rust type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnDecl {
    /// The column (= field) name.
    pub name: &'static str,
    /// Its kind.
    pub ty: ColumnType,
    /// True when the field may be empty (`Option<T>`).
    pub nullable: bool,
}

impl ColumnDecl {
    /// The column `name` of a field of type `T`.
    pub const fn of<T: ToColumn + ?Sized>(name: &'static str) -> Self {
        Self {
            name,
            ty: T::TYPE,
            nullable: T::NULLABLE,
        }
    }

    /// The column `name` of a field stored as JSON (`#[evented(json)]`),
    /// empty when the field serializes to `null` and `nullable`.
    pub const fn json(name: &'static str, nullable: bool) -> Self {
        Self {
            name,
            ty: ColumnType::Json,
            nullable,
        }
    }
}

/// A materialized table as the derive declares it (`#[evented(table =
/// "users")]`): its name and columns, the record id first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDecl {
    /// The table name.
    pub name: &'static str,
    /// The columns, the id column first.
    pub columns: &'static [ColumnDecl],
}

/// One value of a materialized row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL `NULL`: an empty `Option`.
    Null,
    /// A UUID.
    Uuid(Uuid),
    /// Text.
    Text(String),
    /// An integer.
    Integer(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Boolean(bool),
    /// A UTC time.
    Timestamp(DateTime<Utc>),
    /// A JSON value.
    Json(serde_json::Value),
}

impl Value {
    /// `value` as JSON (`Null` when it serializes to `null`).
    ///
    /// # Errors
    ///
    /// [`Invalid`] on `column` when serde refuses the value (a map with
    /// keys that are not strings, say).
    pub fn json<T: Serialize + ?Sized>(column: &str, value: &T) -> Result<Self, Invalid> {
        match serde_json::to_value(value) {
            Ok(serde_json::Value::Null) => Ok(Self::Null),
            Ok(json) => Ok(Self::Json(json)),
            Err(error) => Err(Invalid::new(column, format!("is not JSON: {error}"))),
        }
    }

    /// True when the value may be stored in a column of kind `ty`
    /// (`nullable` or not).
    pub fn fits(&self, ty: ColumnType, nullable: bool) -> bool {
        match self {
            Self::Null => nullable,
            Self::Uuid(_) => ty == ColumnType::Uuid,
            Self::Text(_) => ty == ColumnType::Text,
            Self::Integer(_) => ty == ColumnType::Integer,
            Self::Float(_) => ty == ColumnType::Float,
            Self::Boolean(_) => ty == ColumnType::Boolean,
            Self::Timestamp(_) => ty == ColumnType::Timestamp,
            Self::Json(_) => ty == ColumnType::Json,
        }
    }

    /// The value as JSON: UUIDs and times as text (RFC 3339, microseconds),
    /// `Null` as `null`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as Json;
        match self {
            Self::Null => Json::Null,
            Self::Uuid(uuid) => Json::String(uuid.to_string()),
            Self::Text(text) => Json::String(text.clone()),
            Self::Integer(int) => Json::from(*int),
            Self::Float(float) => Json::from(*float),
            Self::Boolean(bool) => Json::Bool(*bool),
            Self::Timestamp(time) => {
                Json::String(time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
            }
            Self::Json(json) => json.clone(),
        }
    }
}

/// A field type that maps to one materialized column. Implemented for
/// UUIDs, ids, strings, integers up to `i64` (and `u32`), floats, booleans,
/// `DateTime<Utc>` and `Option` of any of them; mark any other field
/// `#[evented(json)]` (stored as JSON) or `#[evented(skip)]` (not stored).
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no column type in a materialized table",
    label = "mark the field `#[evented(json)]` to store it as JSON, or `#[evented(skip)]` to leave it out of the table"
)]
pub trait ToColumn {
    /// The column kind.
    const TYPE: ColumnType;
    /// True for `Option<T>`: the column may be `NULL`.
    const NULLABLE: bool = false;
    /// The value to store.
    fn to_value(&self) -> Value;
}

macro_rules! to_column {
    ($ty:ty, $kind:ident, |$v:ident| $body:expr) => {
        impl ToColumn for $ty {
            const TYPE: ColumnType = ColumnType::$kind;
            fn to_value(&self) -> Value {
                let $v = self;
                $body
            }
        }
    };
}

to_column!(Uuid, Uuid, |v| Value::Uuid(*v));
to_column!(String, Text, |v| Value::Text(v.clone()));
to_column!(str, Text, |v| Value::Text(v.to_owned()));
to_column!(i8, Integer, |v| Value::Integer(i64::from(*v)));
to_column!(i16, Integer, |v| Value::Integer(i64::from(*v)));
to_column!(i32, Integer, |v| Value::Integer(i64::from(*v)));
to_column!(i64, Integer, |v| Value::Integer(*v));
to_column!(u8, Integer, |v| Value::Integer(i64::from(*v)));
to_column!(u16, Integer, |v| Value::Integer(i64::from(*v)));
to_column!(u32, Integer, |v| Value::Integer(i64::from(*v)));
to_column!(f32, Float, |v| Value::Float(f64::from(*v)));
to_column!(f64, Float, |v| Value::Float(*v));
to_column!(bool, Boolean, |v| Value::Boolean(*v));
to_column!(DateTime<Utc>, Timestamp, |v| Value::Timestamp(*v));

impl<R> ToColumn for Id<R> {
    const TYPE: ColumnType = ColumnType::Uuid;
    fn to_value(&self) -> Value {
        Value::Uuid(self.uuid())
    }
}

impl<T: ToColumn + ?Sized> ToColumn for &T {
    const TYPE: ColumnType = T::TYPE;
    const NULLABLE: bool = T::NULLABLE;
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl<T: ToColumn> ToColumn for Option<T> {
    const TYPE: ColumnType = T::TYPE;
    const NULLABLE: bool = true;
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToColumn::to_value)
    }
}

/// How a materialized record type's state becomes its row: generated by
/// `#[evented(table = "…")]` as [`Evented::MATERIALIZED`].
pub struct Materialization<R> {
    table: TableDecl,
    values: fn(&R) -> Result<Vec<Value>, Invalid>,
}

impl<R> Clone for Materialization<R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for Materialization<R> {}

impl<R> std::fmt::Debug for Materialization<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Materialization")
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

impl<R: Evented> Materialization<R> {
    /// The table `table`, its row's values (one per column, in order) given
    /// by `values`.
    pub const fn new(table: TableDecl, values: fn(&R) -> Result<Vec<Value>, Invalid>) -> Self {
        Self { table, values }
    }

    /// The table as declared.
    pub const fn table(&self) -> &TableDecl {
        &self.table
    }

    /// The values of `state`'s row, one per column, in order.
    pub(crate) fn values(&self, state: &R) -> Result<Vec<Value>, Invalid> {
        (self.values)(state)
    }

    /// The row of `state` in `table`.
    pub(crate) fn row(&self, table: &'static TableSpec, state: &R) -> Result<Row, Invalid> {
        Row::new(table, (self.values)(state)?)
    }
}

/// A record type with a materialized table (`#[evented(table = "…")]`):
/// the bound of [`Store::materialize`](crate::Store::materialize) and
/// [`Store::bringup`](crate::Store::bringup).
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no materialized table",
    label = "declare one with `#[evented(table = \"…\")]` on `{Self}`"
)]
pub trait Materialized: Evented {}

/// One row of a materialized table: a value per column, the record id
/// first. [`Changeset::prepare_materialization`](crate::Changeset::prepare_materialization)
/// may adjust it before it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    table: &'static TableSpec,
    values: Vec<Value>,
}

impl Row {
    /// The row of `table` with `values`, one per column in order.
    ///
    /// # Errors
    ///
    /// [`Invalid`] naming each value that does not fit its column (another
    /// kind, or empty in a required column), or the table when there are not
    /// as many values as columns.
    pub fn new(table: &'static TableSpec, values: Vec<Value>) -> Result<Self, Invalid> {
        check(table, &values, false)?;
        Ok(Self { table, values })
    }

    /// A row of `table` as a backend read it from the database: as
    /// [`new`](Row::new), except that any column may be empty (a legacy
    /// row that `bringup` imports need not fit the record type's columns;
    /// its action decides what to make of it).
    ///
    /// # Errors
    ///
    /// As [`new`](Row::new), for a value of another kind than its column's.
    pub fn read(table: &'static TableSpec, values: Vec<Value>) -> Result<Self, Invalid> {
        check(table, &values, true)?;
        Ok(Self { table, values })
    }

    /// The table the row belongs to.
    pub fn table(&self) -> &'static TableSpec {
        self.table
    }

    /// The record id (the first column).
    pub fn id(&self) -> Option<Uuid> {
        match self.values.first() {
            Some(Value::Uuid(id)) => Some(*id),
            _ => None,
        }
    }

    /// The values, one per column in order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// The value of `column`.
    pub fn get(&self, column: &str) -> Option<&Value> {
        let position = self.table.position(column)?;
        self.values.get(position)
    }

    /// Sets `column` to `value`.
    ///
    /// # Errors
    ///
    /// [`Invalid`] on `column` when the table has no such column or the
    /// value does not fit it (another kind, or empty in a required column).
    pub fn set(&mut self, column: &str, value: impl ToColumn) -> Result<(), Invalid> {
        self.set_value(column, value.to_value())
    }

    /// Sets `column` to `value` (a [`Value`], e.g. [`Value::json`]).
    ///
    /// # Errors
    ///
    /// As [`set`](Row::set).
    pub fn set_value(&mut self, column: &str, value: Value) -> Result<(), Invalid> {
        let position = self
            .table
            .position(column)
            .ok_or_else(|| Invalid::new(column, "is not a column of the table"))?;
        let spec = &self.table.columns()[position];
        if position == 0 {
            return Err(Invalid::new(column, "is the record id: it cannot change"));
        }
        if !value.fits(spec.ty(), spec.nullable()) {
            return Err(Invalid::new(column, spec.refusal(&value)));
        }
        self.values[position] = value;
        Ok(())
    }

    /// The row as JSON attrs, column name → value (see [`Value::to_json`]),
    /// the id column included.
    pub fn to_attrs(&self) -> Attrs {
        let mut attrs = Attrs::new();
        for (column, value) in self.table.columns().iter().zip(&self.values) {
            attrs.insert(column.name().as_str(), value.to_json());
        }
        attrs
    }
}

/// Checks that `values` are one per column of `table`, each of its
/// column's kind, and empty only in a nullable column (or anywhere, when
/// `any_empty`).
fn check(table: &TableSpec, values: &[Value], any_empty: bool) -> Result<(), Invalid> {
    if values.len() != table.columns().len() {
        return Err(Invalid::new(
            table.table().as_str(),
            format!(
                "has {} columns, not {}",
                table.columns().len(),
                values.len()
            ),
        ));
    }
    let mut invalid = Invalid::default();
    for (column, value) in table.columns().iter().zip(values) {
        let empty_allowed = any_empty && *value == Value::Null;
        if !empty_allowed && !value.fits(column.ty(), column.nullable()) {
            invalid.add(column.name().as_str(), column.refusal(value));
        }
    }
    if invalid.is_empty() {
        Ok(())
    } else {
        Err(invalid)
    }
}

/// What a write does to a materialized table, in the write's transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum RowWrite {
    /// Inserts the row, or replaces the row with the same id (every column
    /// written).
    Upsert(Row),
    /// Inserts the row; a row with its id already there is
    /// [`Error::RowExists`](crate::Error::RowExists).
    Insert(Row),
    /// Deletes the row of record `id` (nothing when it is not there).
    Delete {
        /// The table.
        table: &'static TableSpec,
        /// The record id.
        id: Uuid,
    },
}

impl RowWrite {
    /// The table written.
    pub fn table(&self) -> &'static TableSpec {
        match self {
            Self::Upsert(row) | Self::Insert(row) => row.table(),
            Self::Delete { table, .. } => table,
        }
    }
}
