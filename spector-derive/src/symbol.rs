//! Every keyword the macros accept, in one place.

use std::fmt::{self, Display};

use syn::Ident;

/// A keyword of `#[evented(...)]` or `event_log!`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Symbol(&'static str);

/// The derive's attribute: `#[evented(...)]`.
pub const EVENTED: Symbol = Symbol("evented");
/// `log = ChatEvents`: the event log a record type writes to.
pub const LOG: Symbol = Symbol("log");
/// `actions(edit, archive = 17)`: the custom actions of a record type.
pub const ACTIONS: Symbol = Symbol("actions");
/// `links(edits = "previous_id")`: the links a record type's events carry.
pub const LINKS: Symbol = Symbol("links");
/// `version = 1`: the version stored in every new event.
pub const VERSION: Symbol = Symbol("version");
/// `savepoints` or `savepoints(custom)`: the record type has savepoints.
pub const SAVEPOINTS: Symbol = Symbol("savepoints");
/// `custom` inside `savepoints(...)`: the user implements `Savepoint`.
pub const CUSTOM: Symbol = Symbol("custom");
/// `savepoint_every = 100`: a savepoint appended every 100 events.
pub const SAVEPOINT_EVERY: Symbol = Symbol("savepoint_every");
/// `payload = EditMessage` inside an action: its payload type.
pub const PAYLOAD: Symbol = Symbol("payload");
/// `code = 17` inside an action: its explicit stored code.
pub const CODE: Symbol = Symbol("code");
/// `alias = archive` inside an action: the former name whose code it keeps.
pub const ALIAS: Symbol = Symbol("alias");
/// The built-in action every record starts with.
pub const INSERT: Symbol = Symbol("insert");
/// The built-in action of `Store::update`.
pub const UPDATE: Symbol = Symbol("update");
/// `column = "parent_id"` inside a link: the column pointing to the linked event.
pub const COLUMN: Symbol = Symbol("column");
/// `table = "chat_parents"` inside a link, and `table: "chat_events"` in
/// `event_log!`: a table name.
pub const TABLE: Symbol = Symbol("table");
/// `schemas: [Chat, Comment = 10]` in `event_log!`: the record types of a log.
pub const SCHEMAS: Symbol = Symbol("schemas");
/// `hashed: true` in `event_log!`: the log is a hash chain.
pub const HASHED: Symbol = Symbol("hashed");
/// `unconstrained` inside a link: its two events may belong to different
/// records.
pub const UNCONSTRAINED: Symbol = Symbol("unconstrained");
/// `kind = Relation` inside a link: a typed link and its kinds.
pub const KIND: Symbol = Symbol("kind");
/// `json` on a field: its materialized column holds it as JSON.
pub const JSON: Symbol = Symbol("json");
/// `skip` on a field: it has no materialized column.
pub const SKIP: Symbol = Symbol("skip");
/// The field every record type needs: `id: Id<Self>` (or `id: Uuid`).
pub const ID: Symbol = Symbol("id");
/// The column every link table already has, so no link may use it.
pub const EVENT_ID: Symbol = Symbol("event_id");

/// The options of `#[evented(...)]`, in the order error messages list them.
pub const EVENTED_OPTIONS: &[Symbol] = &[
    LOG,
    ACTIONS,
    LINKS,
    VERSION,
    SAVEPOINTS,
    SAVEPOINT_EVERY,
    TABLE,
    ID,
];
/// The options of `#[evented(...)]` on a field.
pub const FIELD_OPTIONS: &[Symbol] = &[JSON, SKIP];
/// The options inside `savepoints(...)`.
pub const SAVEPOINT_OPTIONS: &[Symbol] = &[CUSTOM];
/// The options inside an action's parentheses.
pub const ACTION_OPTIONS: &[Symbol] = &[PAYLOAD, CODE, ALIAS];
/// The options inside a link's parentheses: `parents(column = "..", table = "..")`.
pub const LINK_OPTIONS: &[Symbol] = &[COLUMN, TABLE, UNCONSTRAINED, KIND];
/// The keys of an `event_log!` body.
pub const EVENT_LOG_KEYS: &[Symbol] = &[TABLE, SCHEMAS, HASHED];

impl Symbol {
    /// The keyword as written.
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

impl PartialEq<Symbol> for Ident {
    fn eq(&self, word: &Symbol) -> bool {
        self == word.0
    }
}

impl Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// The end of an "unknown option" message: "expected `a` or `b`", or
/// "expected one of `a`, `b`, `c`".
pub fn expected(symbols: &[Symbol]) -> String {
    let quoted: Vec<String> = symbols.iter().map(|s| format!("`{s}`")).collect();
    match quoted.as_slice() {
        [only] => format!("expected {only}"),
        [first, second] => format!("expected {first} or {second}"),
        _ => format!("expected one of {}", quoted.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_lists_two_keywords_with_or() {
        assert_eq!(
            expected(LINK_OPTIONS),
            "expected one of `column`, `table`, `unconstrained`, `kind`"
        );
    }

    #[test]
    fn expected_lists_many_keywords_as_one_of() {
        assert_eq!(
            expected(EVENTED_OPTIONS),
            "expected one of `log`, `actions`, `links`, `version`, `savepoints`, `savepoint_every`, `table`, `id`"
        );
    }
}
