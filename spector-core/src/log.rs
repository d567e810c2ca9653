//! Event logs: which table holds which record types, and their link tables.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::error::{Error, Result};
use crate::id::Id;
use crate::identifier::SqlIdent;
use crate::materialized::{ColumnType, TableDecl, Value};
use crate::record::Evented;
use uuid::Uuid;

/// An event log declared with the `event_log!` macro: a table and the
/// record types stored in it.
pub trait EventLog: Send + Sync + 'static {
    /// The log's resolved declaration, built once.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLog`] when the declaration is not usable.
    fn spec() -> Result<&'static LogSpec>;
}

/// A link as a record type declares it: `links(edits = "previous_id")`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkDecl {
    /// The link name (`edits`).
    pub name: &'static str,
    /// The column that points to the linked event (`previous_id`).
    pub column: &'static str,
    /// The link table, when not the default `<log prefix>_<name>`.
    pub table: Option<&'static str>,
    /// True (the default) when both events of a link must belong to the
    /// same record, which the database enforces; false for
    /// `unconstrained` (a transfer's credit linking to its debit).
    pub constrained: bool,
    /// True for a typed link (`kind = Relation`): its table has a `type`
    /// column, and each link row a kind.
    pub typed: bool,
    /// The kinds a typed link's rows may hold ([`LinkKind::CODES`](crate::LinkKind::CODES)
    /// of its kind type); empty for an untyped link.
    pub kinds: &'static [i32],
}

impl LinkDecl {
    /// A link `name` whose table has the default name and points to the
    /// linked event through `column`.
    pub const fn new(name: &'static str, column: &'static str) -> Self {
        Self {
            name,
            column,
            table: None,
            constrained: true,
            typed: false,
            kinds: &[],
        }
    }
}

/// One record type stored in a log.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaSpec {
    /// The record type's name.
    pub name: &'static str,
    /// Its schema index in the log.
    pub index: i32,
    /// Its current version.
    pub version: u32,
    /// Its links.
    pub links: &'static [LinkDecl],
    /// Its materialized table, if it has one.
    pub table: Option<TableDecl>,
    /// The row of its default state (`R::default()`, the state a replay
    /// starts from), one value per column of `table`: the values `migrate`
    /// gives existing rows when it adds a required column. `None` when
    /// unknown (an entry written by hand, or a row the state cannot give).
    pub defaults: Option<Vec<Value>>,
}

impl SchemaSpec {
    /// An entry written by hand: record type `name` at schema index `index`,
    /// version 0, with `links`.
    pub fn new(name: &'static str, index: i32, links: &'static [LinkDecl]) -> Self {
        Self {
            name,
            index,
            version: 0,
            links,
            table: None,
            defaults: None,
        }
    }

    /// The entry of record type `R` at schema index `index` of log `L`;
    /// `R` must declare `L` as its log.
    pub fn of<R: WritesTo<L>, L: EventLog>(index: i32) -> Self {
        Self {
            name: R::NAME,
            index,
            version: R::VERSION,
            links: R::LINKS,
            table: R::MATERIALIZED.map(|materialization| *materialization.table()),
            defaults: R::MATERIALIZED.and_then(|materialization| {
                materialization.values(&R::fresh(Id::new(Uuid::nil()))).ok()
            }),
        }
    }
}

/// Proof that a record type declares `L` as its event log, required of
/// every type an `event_log!` lists; `#[derive(Evented)]` implements it for
/// the log named in `log = ...`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a record type of event log `{L}`",
    label = "`{Self}` needs `#[derive(Evented)]` with `#[evented(log = {L})]`"
)]
pub trait WritesTo<L>: Evented {}

/// A link table of a log, resolved: name, table and column, the last two
/// checked SQL identifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkSpec {
    name: &'static str,
    table: SqlIdent,
    column: SqlIdent,
    constrained: bool,
    typed: bool,
    kinds: &'static [i32],
}

impl LinkSpec {
    /// The link name (`edits`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The link table (`basic_chat_edits`).
    pub fn table(&self) -> &SqlIdent {
        &self.table
    }

    /// The column pointing to the linked event (`previous_id`).
    pub fn column(&self) -> &SqlIdent {
        &self.column
    }

    /// True when the database refuses a link between two records' events
    /// (the default); false for a link declared `unconstrained`.
    pub fn constrained(&self) -> bool {
        self.constrained
    }

    /// True for a typed link: its table has an integer `type` column.
    pub fn typed(&self) -> bool {
        self.typed
    }

    /// The kinds a typed link's rows may hold; empty for an untyped link.
    pub fn kinds(&self) -> &'static [i32] {
        self.kinds
    }
}

/// A column of a materialized table, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnSpec {
    name: SqlIdent,
    ty: ColumnType,
    nullable: bool,
    default: Option<Value>,
}

impl ColumnSpec {
    /// The column name.
    pub fn name(&self) -> &SqlIdent {
        &self.name
    }

    /// Its kind.
    pub fn ty(&self) -> ColumnType {
        self.ty
    }

    /// True when it may be `NULL`.
    pub fn nullable(&self) -> bool {
        self.nullable
    }

    /// The value of a required column in the row of the record type's
    /// default state, when known and of the column's kind: what `migrate`
    /// gives the rows already in a table when it adds this column, until
    /// their record's next write.
    pub fn default_value(&self) -> Option<&Value> {
        self.default.as_ref()
    }

    /// Why `value` does not fit the column.
    pub(crate) fn refusal(&self, value: &Value) -> String {
        if *value == Value::Null {
            "can't be empty: the column is required".to_owned()
        } else {
            format!("is not a {:?} value: {value:?}", self.ty)
        }
    }
}

/// The materialized table of one record type, resolved: its name and its
/// columns (the record id first), every name a checked SQL identifier.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSpec {
    table: SqlIdent,
    columns: Vec<ColumnSpec>,
    schema_index: i32,
    record_type: &'static str,
}

impl TableSpec {
    /// The table.
    pub fn table(&self) -> &SqlIdent {
        &self.table
    }

    /// The columns, the id column first.
    pub fn columns(&self) -> &[ColumnSpec] {
        &self.columns
    }

    /// The id column.
    pub fn id_column(&self) -> &ColumnSpec {
        &self.columns[0]
    }

    /// The schema index of the record type whose rows it holds.
    pub fn schema_index(&self) -> i32 {
        self.schema_index
    }

    /// The name of that record type.
    pub fn record_type(&self) -> &'static str {
        self.record_type
    }

    /// The position of `column` among the columns.
    pub fn position(&self, column: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == column)
    }

    /// The columns a table that has the columns `existing` lacks, in the
    /// declared order: what `migrate` adds to a table created before its
    /// record type gained fields. Names compare in any case, as SQL
    /// compares unquoted names.
    ///
    /// ```
    /// use spector_core::backend::{ColumnDecl, LogSpec, SchemaSpec, TableDecl};
    ///
    /// const COLUMNS: &[ColumnDecl] = &[
    ///     ColumnDecl::of::<uuid::Uuid>("id"),
    ///     ColumnDecl::of::<String>("title"),
    ///     ColumnDecl::of::<Option<i32>>("priority"),
    /// ];
    /// let mut schema = SchemaSpec::new("Ticket", 0, &[]);
    /// schema.table = Some(TableDecl { name: "tickets", columns: COLUMNS });
    /// let log = LogSpec::new("tickets_events", vec![schema]).unwrap();
    /// let table = &log.materialized_tables()[0];
    /// let missing = table.missing_columns(&["ID", "title"]);
    /// assert_eq!(missing.len(), 1);
    /// assert_eq!(missing[0].name().as_str(), "priority");
    /// ```
    pub fn missing_columns(&self, existing: &[impl AsRef<str>]) -> Vec<&ColumnSpec> {
        self.columns
            .iter()
            .filter(|column| {
                !existing
                    .iter()
                    .any(|name| name.as_ref().eq_ignore_ascii_case(column.name.as_str()))
            })
            .collect()
    }
}

/// An event log, resolved: its table, its record types, its link tables and
/// its materialized tables, every name a checked SQL identifier
/// ([`SqlIdent`]). Only [`LogSpec::new`] builds one.
#[derive(Debug, Clone, PartialEq)]
pub struct LogSpec {
    table: SqlIdent,
    schemas: Vec<SchemaSpec>,
    links: Vec<LinkSpec>,
    tables: Vec<TableSpec>,
    hashed: bool,
    name: Option<&'static str>,
}

impl LogSpec {
    /// Resolves a log declaration: checks every identifier and schema index,
    /// and derives the link tables from the schemas' links.
    ///
    /// A link table defaults to the log table's name without its `_events`
    /// suffix, `_`, and the link name: `basic_chat_events` + `edits` →
    /// `basic_chat_edits`.
    ///
    /// ```
    /// use spector_core::backend::{LinkDecl, LogSpec, SchemaSpec};
    ///
    /// const LINKS: &[LinkDecl] = &[LinkDecl::new("edits", "previous_id")];
    /// let chat = SchemaSpec::new("BasicChat", 0, LINKS);
    /// let log = LogSpec::new("basic_chat_events", vec![chat]).unwrap();
    /// assert_eq!(log.link("edits").unwrap().table().as_str(), "basic_chat_edits");
    /// assert!(LogSpec::new("bad name", vec![]).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLog`] naming the first problem: a name that is not a
    /// plain SQL identifier, schema indexes out of order, a link declared
    /// twice differently, or two links sharing a table.
    pub fn new(table: &str, schemas: Vec<SchemaSpec>) -> Result<Self> {
        let invalid = |reason: String| Error::InvalidLog {
            table: table.to_owned(),
            reason,
        };
        let Some(table_ident) = SqlIdent::new(table) else {
            return Err(invalid(format!("`{table}` is not a valid table name")));
        };
        for pair in schemas.windows(2) {
            if pair[1].index <= pair[0].index {
                return Err(invalid(format!(
                    "schema index {} of {} does not come after {} of {}",
                    pair[1].index, pair[1].name, pair[0].index, pair[0].name
                )));
            }
        }
        let prefix = table.strip_suffix("_events").unwrap_or(table);
        let mut links: BTreeMap<&str, LinkSpec> = BTreeMap::new();
        for schema in &schemas {
            for decl in schema.links {
                let ident = |name: String| {
                    SqlIdent::new(&name).ok_or_else(|| {
                        invalid(format!(
                            "link `{}` of {}: `{name}` is not a valid name",
                            decl.name, schema.name
                        ))
                    })
                };
                let spec = LinkSpec {
                    name: decl.name,
                    table: ident(
                        decl.table
                            .map_or_else(|| format!("{prefix}_{}", decl.name), str::to_owned),
                    )?,
                    column: ident(decl.column.to_owned())?,
                    constrained: decl.constrained,
                    typed: decl.typed,
                    kinds: decl.kinds,
                };
                if spec.column == "event_id" {
                    return Err(invalid(format!(
                        "link `{}` of {}: its column may not be `event_id`",
                        decl.name, schema.name
                    )));
                }
                match links.get(decl.name) {
                    Some(existing) if *existing != spec => {
                        return Err(invalid(format!(
                            "link `{}` is declared twice with different tables or columns",
                            decl.name
                        )))
                    }
                    _ => {
                        links.insert(decl.name, spec);
                    }
                }
            }
        }
        let links: Vec<LinkSpec> = links.into_values().collect();
        for (position, link) in links.iter().enumerate() {
            if link.table == table_ident {
                return Err(invalid(format!(
                    "link `{}` would use the event table `{table}` as its link table",
                    link.name
                )));
            }
            if let Some(other) = links[..position].iter().find(|o| o.table == link.table) {
                return Err(invalid(format!(
                    "links `{}` and `{}` share the link table `{}`",
                    other.name, link.name, link.table
                )));
            }
        }
        let mut tables = Vec::new();
        for schema in &schemas {
            let Some(decl) = schema.table else { continue };
            let spec = resolve_table(schema, &decl).map_err(invalid)?;
            if spec.table == table_ident || links.iter().any(|link| link.table == spec.table) {
                return Err(invalid(format!(
                    "the table `{}` of {} is already the log's event or link table",
                    spec.table, schema.name
                )));
            }
            tables.push(spec);
        }
        Ok(Self {
            table: table_ident,
            schemas,
            links,
            tables,
            hashed: false,
            name: None,
        })
    }

    /// The same log, named after its Rust type (`BasicChatEvents`), which
    /// errors then name: [`Error::NotMigrated`] says which `migrate` to call.
    pub fn named(self, name: &'static str) -> Self {
        Self {
            name: Some(name),
            ..self
        }
    }

    /// The Rust name of the log's type, when the log was [`named`](LogSpec::named)
    /// (`event_log!` names every log it declares).
    pub fn name(&self) -> Option<&'static str> {
        self.name
    }

    /// True when `table` is one of this log's tables: its event table, a
    /// link table or a materialized table.
    pub fn owns_table(&self, table: &str) -> bool {
        self.table == table
            || self.links.iter().any(|link| link.table == table)
            || self.tables.iter().any(|spec| spec.table == table)
    }

    /// The same log, a hash chain when `hashed` (`event_log!`'s
    /// `hashed: true`): every event carries a SHA-256 hash over its row,
    /// its links and the hash of the table's previous event.
    pub fn with_hash_chain(self, hashed: bool) -> Self {
        Self { hashed, ..self }
    }

    /// True for a hash chain: the table has a `hash` column, appends are
    /// serialized table-wide, and every event's hash is written with it.
    pub fn hashed(&self) -> bool {
        self.hashed
    }

    /// The event table.
    pub fn table(&self) -> &SqlIdent {
        &self.table
    }

    /// The record types, by ascending schema index.
    pub fn schemas(&self) -> &[SchemaSpec] {
        &self.schemas
    }

    /// The link tables, by link name.
    pub fn links(&self) -> &[LinkSpec] {
        &self.links
    }

    /// The link table called `name`.
    pub fn link(&self, name: &str) -> Option<&LinkSpec> {
        self.links.iter().find(|link| link.name == name)
    }

    /// The materialized tables, one per record type that has one.
    pub fn materialized_tables(&self) -> &[TableSpec] {
        &self.tables
    }

    /// The materialized table of the record type at schema index `index`.
    pub fn materialized_table(&self, index: i32) -> Option<&TableSpec> {
        self.tables.iter().find(|table| table.schema_index == index)
    }

    /// The record type at schema index `index`.
    pub fn schema(&self, index: i32) -> Option<&SchemaSpec> {
        self.schemas.iter().find(|schema| schema.index == index)
    }

    /// The name of the record type at schema index `index`, for errors: the
    /// one meaning every backend gives `record_type` in [`Error`]; a schema
    /// index the log does not declare gives `"(undeclared record type)"`.
    pub fn record_type(&self, index: i32) -> &'static str {
        self.schema(index)
            .map_or("(undeclared record type)", |schema| schema.name)
    }
}

/// The materialized table `decl` of `schema`, its names checked.
fn resolve_table(schema: &SchemaSpec, decl: &TableDecl) -> std::result::Result<TableSpec, String> {
    let ident = |name: &str| {
        SqlIdent::new(name).ok_or_else(|| {
            format!(
                "the materialized table of {}: `{name}` is not a valid name",
                schema.name
            )
        })
    };
    let table = ident(decl.name)?;
    let mut columns: Vec<ColumnSpec> = Vec::with_capacity(decl.columns.len());
    for (position, column) in decl.columns.iter().enumerate() {
        let name = ident(column.name)?;
        if columns.iter().any(|c| c.name == name) {
            return Err(format!("the table `{table}` has two columns `{name}`"));
        }
        let default = schema
            .defaults
            .as_ref()
            .and_then(|row| row.get(position))
            .filter(|value| !column.nullable && value.fits(column.ty, false))
            .cloned();
        columns.push(ColumnSpec {
            name,
            ty: column.ty,
            nullable: column.nullable,
            default,
        });
    }
    match columns.first() {
        Some(id) if id.ty == ColumnType::Uuid && !id.nullable => {}
        _ => {
            return Err(format!(
                "the table `{table}` of {} must start with the record id, a UUID",
                schema.name
            ))
        }
    }
    Ok(TableSpec {
        table,
        columns,
        schema_index: schema.index,
        record_type: schema.name,
    })
}

/// The once-built [`LogSpec`] of an event log, kept in a `static` by the
/// code the `event_log!` macro generates.
#[derive(Debug)]
pub struct LogCell(OnceLock<std::result::Result<LogSpec, String>>);

impl LogCell {
    /// An empty cell, for a `static`.
    pub const fn new() -> Self {
        Self(OnceLock::new())
    }

    /// The spec, built by [`LogSpec::new`] on first use, a hash chain
    /// when `hashed`, named `name` (the log type's Rust name).
    ///
    /// # Errors
    ///
    /// A misdeclared log gives [`Error::InvalidLog`] on every call.
    pub fn get_or_init(
        &'static self,
        name: &'static str,
        table: &'static str,
        hashed: bool,
        schemas: impl FnOnce() -> Vec<SchemaSpec>,
    ) -> Result<&'static LogSpec> {
        self.0
            .get_or_init(|| {
                LogSpec::new(table, schemas())
                    .map(|spec| spec.with_hash_chain(hashed).named(name))
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|reason| Error::InvalidLog {
                table: table.to_owned(),
                reason: reason.clone(),
            })
    }
}

impl Default for LogCell {
    fn default() -> Self {
        Self::new()
    }
}
