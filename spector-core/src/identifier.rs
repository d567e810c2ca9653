//! SQL identifiers: the only names Spector ever puts into SQL text.

use std::fmt;

/// The longest identifier accepted (PostgreSQL's limit).
pub const MAX_IDENTIFIER_LEN: usize = 63;

/// True when `name` is a plain SQL identifier that needs no quoting:
/// ASCII letters, digits and `_`, not starting with a digit, at most
/// [`MAX_IDENTIFIER_LEN`] bytes, and not a keyword of PostgreSQL or SQLite
/// (see [`is_sql_keyword`]).
///
/// Table and column names of event logs and link tables must pass this
/// check, so no user string is ever interpolated into SQL unchecked.
///
/// ```
/// use spector_core::backend::is_identifier;
///
/// assert!(is_identifier("basic_chat_events"));
/// assert!(!is_identifier("events; DROP TABLE users"));
/// assert!(!is_identifier("1events"));
/// assert!(!is_identifier("order"));
/// ```
pub const fn is_identifier(name: &str) -> bool {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_IDENTIFIER_LEN || bytes[0].is_ascii_digit() {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !(b.is_ascii_alphanumeric() || b == b'_') {
            return false;
        }
        i += 1;
    }
    !is_sql_keyword(name)
}

/// True when `name` (in any case) is a keyword that PostgreSQL reserves
/// or that SQLite lists as a keyword: such a name would need quoting, so
/// Spector refuses it as a table or column name.
///
/// ```
/// use spector_core::backend::is_sql_keyword;
///
/// assert!(is_sql_keyword("user"));
/// assert!(is_sql_keyword("Index"));
/// assert!(!is_sql_keyword("previous_id"));
/// ```
pub const fn is_sql_keyword(name: &str) -> bool {
    let mut i = 0;
    while i < KEYWORDS.len() {
        if KEYWORDS[i].len() == name.len() && KEYWORDS[i].eq_ignore_ascii_case(name) {
            return true;
        }
        i += 1;
    }
    false
}

/// SQLite's keywords (<https://sqlite.org/lang_keywords.html>) and the key
/// words PostgreSQL reserves (its documentation's appendix "SQL Key
/// Words": reserved, and reserved that can be a function or type name).
const KEYWORDS: &[&str] = &[
    // SQLite
    "abort",
    "action",
    "add",
    "after",
    "all",
    "alter",
    "always",
    "analyze",
    "and",
    "as",
    "asc",
    "attach",
    "autoincrement",
    "before",
    "begin",
    "between",
    "by",
    "cascade",
    "case",
    "cast",
    "check",
    "collate",
    "column",
    "commit",
    "conflict",
    "constraint",
    "create",
    "cross",
    "current",
    "current_date",
    "current_time",
    "current_timestamp",
    "database",
    "default",
    "deferrable",
    "deferred",
    "delete",
    "desc",
    "detach",
    "distinct",
    "do",
    "drop",
    "each",
    "else",
    "end",
    "escape",
    "except",
    "exclude",
    "exclusive",
    "exists",
    "explain",
    "fail",
    "filter",
    "first",
    "following",
    "for",
    "foreign",
    "from",
    "full",
    "generated",
    "glob",
    "group",
    "groups",
    "having",
    "if",
    "ignore",
    "immediate",
    "in",
    "index",
    "indexed",
    "initially",
    "inner",
    "insert",
    "instead",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "key",
    "last",
    "left",
    "like",
    "limit",
    "match",
    "materialized",
    "natural",
    "no",
    "not",
    "nothing",
    "notnull",
    "null",
    "nulls",
    "of",
    "offset",
    "on",
    "or",
    "order",
    "others",
    "outer",
    "over",
    "partition",
    "plan",
    "pragma",
    "preceding",
    "primary",
    "query",
    "raise",
    "range",
    "recursive",
    "references",
    "regexp",
    "reindex",
    "release",
    "rename",
    "replace",
    "restrict",
    "returning",
    "right",
    "rollback",
    "row",
    "rows",
    "savepoint",
    "select",
    "set",
    "table",
    "temp",
    "temporary",
    "then",
    "ties",
    "to",
    "transaction",
    "trigger",
    "unbounded",
    "union",
    "unique",
    "update",
    "using",
    "vacuum",
    "values",
    "view",
    "virtual",
    "when",
    "where",
    "window",
    "with",
    "without",
    // PostgreSQL, reserved (those not already above)
    "analyse",
    "any",
    "array",
    "asymmetric",
    "authorization",
    "binary",
    "both",
    "collation",
    "concurrently",
    "current_catalog",
    "current_role",
    "current_schema",
    "current_user",
    "false",
    "fetch",
    "freeze",
    "grant",
    "ilike",
    "lateral",
    "leading",
    "localtime",
    "localtimestamp",
    "only",
    "overlaps",
    "placing",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "system_user",
    "tablesample",
    "trailing",
    "true",
    "user",
    "variadic",
    "verbose",
];

/// A name that passed [`is_identifier`]: the only kind of name a backend
/// puts into SQL text. It can only be built through [`SqlIdent::new`], so a
/// backend never needs to check a name again.
///
/// ```
/// use spector_core::backend::SqlIdent;
///
/// let table = SqlIdent::new("basic_chat_events").unwrap();
/// assert_eq!(format!("SELECT * FROM {table}"), "SELECT * FROM basic_chat_events");
/// assert!(SqlIdent::new("events; DROP TABLE users").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SqlIdent(String);

impl SqlIdent {
    /// The identifier `name`, or `None` when [`is_identifier`] refuses it.
    pub fn new(name: &str) -> Option<Self> {
        is_identifier(name).then(|| Self(name.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SqlIdent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for SqlIdent {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for SqlIdent {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for SqlIdent {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_identifier_is_63_bytes() {
        assert!(is_identifier(&"a".repeat(MAX_IDENTIFIER_LEN)));
        assert!(!is_identifier(&"a".repeat(MAX_IDENTIFIER_LEN + 1)));
        assert_eq!(MAX_IDENTIFIER_LEN, 63);
    }

    #[test]
    fn an_empty_name_or_one_with_other_characters_is_refused() {
        for name in ["", "_", "a_1", "A", "z9"] {
            assert_eq!(is_identifier(name), !name.is_empty(), "{name:?}");
        }
        for name in ["a-b", "a b", "é", "a.b", "9a", "a;"] {
            assert!(!is_identifier(name), "{name:?}");
            assert!(SqlIdent::new(name).is_none(), "{name:?}");
        }
    }

    #[test]
    fn keywords_are_refused_in_any_case() {
        for name in ["select", "SELECT", "Table", "user", "order", "abort"] {
            assert!(is_sql_keyword(name), "{name}");
            assert!(!is_identifier(name), "{name}");
        }
        assert!(!is_sql_keyword("selected"));
    }
}
