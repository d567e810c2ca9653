//! Every name the backend puts into SQL text, in one place.
//!
//! Every name of a [`LogSpec`] is an [`SqlIdent`], checked once when the log
//! was resolved; nothing else is ever interpolated into SQL.
//!
//! The DDL also names objects after those names (`{table}_parent_id_index`,
//! `{links}_same_record` …). PostgreSQL silently truncates identifiers to 63
//! bytes, so two long names could end up as one object, and
//! `IF NOT EXISTS` / `CREATE OR REPLACE` would then skip or overwrite it
//! without a word. [`LogNames::of`] derives every such name here and refuses
//! a log whose derived names are too long or collide, before any DDL runs.

use std::collections::BTreeMap;

use spector_core::backend::{LinkSpec, LogSpec, SqlIdent, MAX_IDENTIFIER_LEN};
use spector_core::Error;

/// The names of an event table and of the objects created with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableNames<'a> {
    /// The event table.
    pub(crate) table: &'a str,
    /// The index on `schema`.
    pub(crate) schema_index: String,
    /// The index on `(parent_id, inserted_at, id)`.
    pub(crate) parent_id_index: String,
    /// The index on `(inserted_at, id)`.
    pub(crate) inserted_at_index: String,
    /// The partial index on `(parent_id, inserted_at)` of savepoint events.
    pub(crate) savepoint_index: String,
    /// The primary key's index, named by PostgreSQL itself (and truncated by
    /// it the way [`primary_key_index`] does); only checked for collisions.
    primary_key_index: String,
    /// The trigger refusing `UPDATE` and `DELETE` of events.
    pub(crate) immutable_trigger: String,
    /// Its function.
    pub(crate) immutable_function: String,
}

impl<'a> TableNames<'a> {
    /// The names derived from the event table `table`, unchecked.
    fn derive(table: &'a str) -> Self {
        Self {
            table,
            schema_index: format!("{table}_schema_index"),
            parent_id_index: format!("{table}_parent_id_index"),
            inserted_at_index: format!("{table}_inserted_at_index"),
            savepoint_index: format!("{table}_savepoint_index"),
            primary_key_index: primary_key_index(table),
            immutable_trigger: format!("{table}_immutable"),
            immutable_function: format!("{table}_immutable"),
        }
    }

    /// Every object named here.
    fn objects(&self) -> Vec<Object<'_>> {
        vec![
            Object::new(Kind::Relation, "event table", self.table),
            Object::new(Kind::Relation, "schema index", &self.schema_index),
            Object::new(Kind::Relation, "parent_id index", &self.parent_id_index),
            Object::new(Kind::Relation, "inserted_at index", &self.inserted_at_index),
            Object::new(Kind::Relation, "savepoint index", &self.savepoint_index),
            Object {
                // PostgreSQL picks (and shortens) this name itself.
                chosen_by_server: true,
                ..Object::new(Kind::Relation, "primary key index", &self.primary_key_index)
            },
            Object::new(
                Kind::Trigger { on: self.table },
                "immutability trigger",
                &self.immutable_trigger,
            ),
            Object::new(
                Kind::Function,
                "immutability function",
                &self.immutable_function,
            ),
        ]
    }
}

/// The names of a link table and of the objects created with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LinkNames<'a> {
    /// The link table.
    pub(crate) table: &'a str,
    /// Its column pointing to the linked event.
    pub(crate) column: &'a str,
    /// The unique index on `(event_id, {column})`.
    pub(crate) pair_index: String,
    /// The index on `{column}`.
    pub(crate) column_index: String,
    /// The same-record trigger on the link table.
    pub(crate) trigger: String,
    /// The trigger's function.
    pub(crate) function: String,
    /// False for a link declared `unconstrained`: no trigger.
    pub(crate) constrained: bool,
    /// True for a typed link: a `type` column, part of the unique index.
    pub(crate) typed: bool,
}

impl<'a> LinkNames<'a> {
    /// The names derived from `link`, unchecked.
    fn derive(link: &'a LinkSpec) -> Self {
        let (table, column) = (link.table().as_str(), link.column().as_str());
        Self {
            table,
            column,
            pair_index: format!("{table}_event_id_{column}_index"),
            column_index: format!("{table}_{column}_index"),
            trigger: format!("{table}_same_record"),
            function: format!("{table}_same_record"),
            constrained: link.constrained(),
            typed: link.typed(),
        }
    }

    /// Every object named here.
    fn objects(&self) -> Vec<Object<'_>> {
        let of = |what: &str| format!("{what} of link table `{}`", self.table);
        vec![
            Object::new(Kind::Relation, "link table", self.table),
            Object::new(
                Kind::Relation,
                &of("unique (event_id, column) index"),
                &self.pair_index,
            ),
            Object::new(Kind::Relation, &of("column index"), &self.column_index),
            Object::new(
                Kind::Trigger { on: self.table },
                &of("same-record trigger"),
                &self.trigger,
            ),
            Object::new(
                Kind::Function,
                &of("same-record trigger function"),
                &self.function,
            ),
        ]
    }
}

/// Every name the DDL of an event log uses, checked: each is a plain
/// identifier of at most 63 bytes, and no two objects that share a
/// PostgreSQL namespace have the same name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LogNames<'a> {
    /// The event table's names.
    pub(crate) table: TableNames<'a>,
    /// Each link table's names, in the order of the log's links.
    pub(crate) links: Vec<LinkNames<'a>>,
}

impl<'a> LogNames<'a> {
    /// The checked names of `log`'s DDL.
    ///
    /// A derived name longer than 63 bytes, or two objects with one name,
    /// give [`Error::InvalidLog`].
    pub(crate) fn of(log: &'a LogSpec) -> Result<Self, Error> {
        Self::checked(log.table(), log.links())
    }

    /// The checked names of the event table `table` with the link tables
    /// `links`.
    pub(crate) fn checked(table: &'a SqlIdent, links: &'a [LinkSpec]) -> Result<Self, Error> {
        let table = table.as_str();
        let names = Self {
            table: TableNames::derive(table),
            links: links.iter().map(LinkNames::derive).collect(),
        };
        names.refusal().map_or(Ok(names), |reason| {
            Err(Error::InvalidLog {
                table: table.to_owned(),
                reason,
            })
        })
    }

    /// Why PostgreSQL could not keep these names apart, if it could not.
    fn refusal(&self) -> Option<String> {
        let objects: Vec<Object<'_>> = self
            .table
            .objects()
            .into_iter()
            .chain(self.links.iter().flat_map(LinkNames::objects))
            .collect();
        if let Some(long) = objects
            .iter()
            .find(|object| !object.chosen_by_server && object.name.len() > MAX_IDENTIFIER_LEN)
        {
            return Some(format!(
                "the {} would be named `{}`, {} bytes long, but PostgreSQL truncates names \
                 to {MAX_IDENTIFIER_LEN} bytes; use a shorter table, link table or column name",
                long.role,
                long.name,
                long.name.len()
            ));
        }
        let mut seen: BTreeMap<(&Kind<'_>, &str), &Object<'_>> = BTreeMap::new();
        for object in &objects {
            if let Some(first) = seen.insert((&object.kind, object.name), object) {
                return Some(format!(
                    "the {} and the {} would both be named `{}`",
                    first.role, object.role, object.name
                ));
            }
        }
        None
    }
}

/// A namespace of PostgreSQL objects: names must differ within one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind<'a> {
    /// Tables and indexes (one namespace per schema).
    Relation,
    /// Functions without arguments.
    Function,
    /// Triggers, named per table.
    Trigger {
        /// The table the trigger is on.
        on: &'a str,
    },
}

/// One object the DDL creates (or PostgreSQL creates for it).
#[derive(Debug)]
struct Object<'a> {
    kind: Kind<'a>,
    /// What the object is, for messages.
    role: String,
    name: &'a str,
    /// Whether PostgreSQL chooses (and fits) the name itself.
    chosen_by_server: bool,
}

impl<'a> Object<'a> {
    /// An object of `kind` named `name` in the DDL; `role` says what it is.
    fn new(kind: Kind<'a>, role: &str, name: &'a str) -> Self {
        Self {
            kind,
            role: role.to_owned(),
            name,
            chosen_by_server: false,
        }
    }
}

/// The name PostgreSQL gives the primary key index of `table`:
/// `{table}_pkey`, with `table` cut short so that the whole fits in 63
/// bytes (names here are ASCII, so any cut is a character boundary).
fn primary_key_index(table: &str) -> String {
    const SUFFIX: &str = "_pkey";
    let keep = table.len().min(MAX_IDENTIFIER_LEN - SUFFIX.len());
    format!("{}{SUFFIX}", table.get(..keep).unwrap_or(table))
}

#[cfg(test)]
mod tests {
    use spector_core::backend::{LinkDecl, SchemaSpec};

    use super::*;

    fn chat_log() -> LogSpec {
        const LINKS: &[LinkDecl] = &[LinkDecl::new("edits", "previous_id")];
        let chat = SchemaSpec::new("BasicChat", 0, LINKS);
        LogSpec::new("basic_chat_events", vec![chat]).unwrap()
    }

    fn refusal(log: &LogSpec) -> (String, String) {
        match LogNames::of(log) {
            Err(Error::InvalidLog { table, reason }) => (table, reason),
            other => panic!("expected InvalidLog, got {other:?}"),
        }
    }

    #[test]
    fn basic_chat_names_are_accepted() {
        let log = chat_log();
        let names = LogNames::of(&log).unwrap();
        assert_eq!(names.table.table, "basic_chat_events");
        assert_eq!(names.table.schema_index, "basic_chat_events_schema_index");
        assert_eq!(
            names.table.parent_id_index,
            "basic_chat_events_parent_id_index"
        );
        assert_eq!(
            names.table.inserted_at_index,
            "basic_chat_events_inserted_at_index"
        );
        assert_eq!(
            names.links,
            [LinkNames {
                table: "basic_chat_edits",
                column: "previous_id",
                pair_index: "basic_chat_edits_event_id_previous_id_index".to_owned(),
                column_index: "basic_chat_edits_previous_id_index".to_owned(),
                trigger: "basic_chat_edits_same_record".to_owned(),
                function: "basic_chat_edits_same_record".to_owned(),
                constrained: true,
                typed: false,
            }]
        );
    }

    #[test]
    fn table_name_of_sixty_bytes_is_refused_naming_the_long_object() {
        let table = format!("{}_events", "a".repeat(53));
        assert_eq!(table.len(), 60);
        let log = LogSpec::new(&table, vec![]).unwrap();
        let (refused, reason) = refusal(&log);
        assert_eq!(refused, table);
        assert!(
            reason.contains(&format!("`{table}_schema_index`, 73 bytes long")),
            "{reason}"
        );
        assert!(reason.contains("truncates names to 63 bytes"), "{reason}");
        let message = Error::InvalidLog {
            table: refused,
            reason,
        }
        .to_string();
        assert!(message.starts_with(&format!(
            "event log `{table}` is misdeclared: the schema index"
        )));
    }

    #[test]
    fn longest_table_name_whose_names_fit_is_accepted() {
        // `_inserted_at_index` is the longest suffix: 18 bytes.
        let fits = "t".repeat(MAX_IDENTIFIER_LEN - 18);
        assert!(LogNames::of(&LogSpec::new(&fits, vec![]).unwrap()).is_ok());
        let too_long = format!("{fits}t");
        let (_, reason) = refusal(&LogSpec::new(&too_long, vec![]).unwrap());
        assert!(reason.contains("inserted_at index"), "{reason}");
    }

    #[test]
    fn long_link_index_name_is_refused() {
        const LINKS: &[LinkDecl] = &[LinkDecl::new(
            "replies",
            "a_rather_long_column_name_for_the_replied_to_event",
        )];
        let log = LogSpec::new("chat_events", vec![SchemaSpec::new("Chat", 0, LINKS)]).unwrap();
        let (table, reason) = refusal(&log);
        assert_eq!(table, "chat_events");
        assert!(
            reason.contains("unique (event_id, column) index of link table `chat_replies`"),
            "{reason}"
        );
    }

    #[test]
    fn colliding_derived_names_are_refused() {
        // `x_a` + column `b_c` and `x_a_b` + column `c` both give an index
        // `x_a_b_c_index`.
        const ONE: &[LinkDecl] = &[LinkDecl {
            name: "one",
            column: "b_c",
            table: Some("x_a"),
            constrained: true,
            typed: false,
            kinds: &[],
        }];
        const TWO: &[LinkDecl] = &[LinkDecl {
            name: "two",
            column: "c",
            table: Some("x_a_b"),
            constrained: true,
            typed: false,
            kinds: &[],
        }];
        let log = LogSpec::new(
            "x_events",
            vec![
                SchemaSpec::new("One", 0, ONE),
                SchemaSpec::new("Two", 1, TWO),
            ],
        )
        .unwrap();
        let (_, reason) = refusal(&log);
        assert!(
            reason.contains("would both be named `x_a_b_c_index`"),
            "{reason}"
        );
    }

    #[test]
    fn link_table_named_like_an_index_is_refused() {
        const LINKS: &[LinkDecl] = &[LinkDecl {
            name: "edits",
            column: "previous_id",
            table: Some("chat_events_pkey"),
            constrained: true,
            typed: false,
            kinds: &[],
        }];
        let log = LogSpec::new("chat_events", vec![SchemaSpec::new("Chat", 0, LINKS)]).unwrap();
        let (_, reason) = refusal(&log);
        assert!(
            reason.contains("the primary key index and the link table would both be named"),
            "{reason}"
        );
    }

    #[test]
    fn primary_key_index_is_cut_like_postgres_does() {
        assert_eq!(primary_key_index("chat_events"), "chat_events_pkey");
        let long = "p".repeat(63);
        assert_eq!(primary_key_index(&long), format!("{}_pkey", "p".repeat(58)));
    }
}
