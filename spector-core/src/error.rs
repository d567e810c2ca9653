//! The one error type of Spector's operations.

use uuid::Uuid;

use crate::invalid::Invalid;

/// A boxed error from a storage backend or a decoder.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Result of Spector's operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in an operation. Nothing is written when an
/// operation returns an error.
///
/// Each variant says what to do next; `record_type` is always the record
/// type's name (`BasicChat`), whichever backend reports it.
///
/// `Debug` prints what `Display` prints, then each underlying cause that
/// says more, so that `fn main() -> spector::Result<()>` shows a readable
/// message rather than a driver's struct.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The live rules (`validate`), the transition or the `prepare_event`
    /// hook refused the operation, or its payload did not decode. The
    /// caller's input is wrong: show the field messages (an HTTP 422).
    #[error("invalid: {0}")]
    Invalid(#[from] Invalid),

    /// The record has no events of this record type (an HTTP 404).
    #[error("{record_type} {id} not found")]
    NotFound {
        /// The record type.
        record_type: &'static str,
        /// The record id.
        id: Uuid,
    },

    /// The event asked for is not one of the record type's events.
    #[error("event {event_id} of {record_type} not found")]
    EventNotFound {
        /// The record type.
        record_type: &'static str,
        /// The event id.
        event_id: Uuid,
    },

    /// The record's history ends in a delete (an HTTP 404 or 410).
    #[error("{record_type} {id} is deleted")]
    Deleted {
        /// The record type.
        record_type: &'static str,
        /// The record id.
        id: Uuid,
    },

    /// The by-name path was given a name the record type does not declare.
    /// Only callers that name actions at run time see it (an HTTP 400).
    #[error("{record_type} has no action `{action}`{hint}", hint = unknown_action_hint(action))]
    UnknownAction {
        /// The record type.
        record_type: &'static str,
        /// The name asked for.
        action: String,
    },

    /// The action exists but only the store writes it (`savepoint`).
    #[error("{record_type}: the `{action}` action is reserved and cannot be executed")]
    ReservedAction {
        /// The record type.
        record_type: &'static str,
        /// The action's name.
        action: &'static str,
    },

    /// A stored event has an action code its record type does not declare:
    /// the type lost an action that old events still use. Declare it again
    /// (or an alias keeping its code).
    #[error("event {event_id} of {record_type} has unknown action code {code}")]
    UnknownActionCode {
        /// The record type.
        record_type: &'static str,
        /// The event.
        event_id: Uuid,
        /// The stored code.
        code: i32,
    },

    /// The event log has no link table of that name.
    #[error("{record_type} has no link `{link}`")]
    UnknownLink {
        /// The record type.
        record_type: &'static str,
        /// The link name asked for.
        link: String,
    },

    /// The two ends of a link belong to different records; nothing was
    /// written. Link only to events of the same record.
    #[error("link `{link}` from event {event_id} to {target} crosses records")]
    LinkAcrossRecords {
        /// The link name.
        link: &'static str,
        /// The event that holds the link.
        event_id: Uuid,
        /// The event it points to.
        target: Uuid,
    },

    /// A stored payload does not decode into its action's payload type: the
    /// type changed incompatibly. Give the field a default, or raise the
    /// record type's version and convert old payloads.
    #[error("event {event_id} of {record_type} does not decode: {source}")]
    Decode {
        /// The record type.
        record_type: &'static str,
        /// The event whose payload is bad.
        event_id: Uuid,
        /// What was wrong.
        #[source]
        source: BoxError,
    },

    /// The transition (`changeset`) refused a stored event during replay.
    /// Stored history is never wrong: move the rule that refuses it into
    /// `validate`, which runs for new writes only.
    #[error(
        "stored event {event_id} of {record_type} is refused by its changeset on replay: {source}; \
         stored history is never wrong: move the rule that refuses it from `changeset` into \
         `validate`, which runs for new writes only"
    )]
    Replay {
        /// The record type.
        record_type: &'static str,
        /// The event the transition refused.
        event_id: Uuid,
        /// The transition's refusal.
        #[source]
        source: Invalid,
    },

    /// A stored row is not a valid event: a time no backend can represent,
    /// a schema index its log does not declare, or an event of another
    /// record type inside a record's history. Nothing was changed; the row
    /// needs repair by hand.
    #[error("event {event_id} in `{table}` is corrupt: {reason}")]
    CorruptEvent {
        /// The event log's table.
        table: String,
        /// The bad event.
        event_id: Uuid,
        /// What is wrong with it.
        reason: String,
    },

    /// A table of the event log (its event table, a link table or a
    /// materialized table) does not exist in this database: run
    /// `store.migrate::<YourLog>()` (once, at start-up) before using it.
    #[error(
        "table `{table}` of event log `{log}` does not exist: call `store.migrate::<{log}>()` \
         (once, at start-up) first",
        log = log.unwrap_or("<the log>")
    )]
    NotMigrated {
        /// The Rust name of the event log type (`BasicChatEvents`), when
        /// the store knows it (a backend used directly does not).
        log: Option<&'static str>,
        /// The missing table.
        table: String,
    },

    /// A link points to an event that does not exist; nothing was written.
    #[error("link `{link}` from event {event_id} points to {target}, which does not exist")]
    LinkTargetNotFound {
        /// The link name.
        link: &'static str,
        /// The event that holds the link.
        event_id: Uuid,
        /// The missing event.
        target: Uuid,
    },

    /// The database stayed locked by another writer past the busy timeout;
    /// nothing was written, and retrying the operation is safe.
    #[error("event log `{table}` is busy (locked by another writer): nothing was written, retry")]
    Busy {
        /// The event log's table.
        table: String,
        /// The database's error.
        #[source]
        source: BoxError,
    },

    /// The event id given to an idempotent write (`Store::idempotent`) is
    /// already the id of a different write; nothing was written. Use a new
    /// id for a new operation, the same id only to retry the same one.
    #[error("event id {event_id} of {record_type} is taken by a different write")]
    EventIdConflict {
        /// The record type.
        record_type: &'static str,
        /// The event id asked for.
        event_id: Uuid,
    },

    /// A savepoint was asked from an in-memory record that is not the
    /// record's current state (another write came after it was read);
    /// nothing was written. Read the record again, or take the savepoint
    /// by id.
    #[error("{record_type} {id} changed since it was read: the savepoint was refused")]
    StaleRecord {
        /// The record type.
        record_type: &'static str,
        /// The record id.
        id: Uuid,
    },

    /// The hash chain of a log that is not hashed was asked for. Declare
    /// the log with `hashed: true` in `event_log!`.
    #[error("event log `{table}` is not hashed: declare it with `hashed: true`")]
    NotHashed {
        /// The event log's table.
        table: String,
    },

    /// `materialize` found the record's row already in its materialized
    /// table; nothing was written. The row is kept up to date by every
    /// write: there is nothing to rebuild.
    #[error("the row of {record_type} {id} is already in `{table}`: nothing to materialize")]
    RowExists {
        /// The record type.
        record_type: &'static str,
        /// The materialized table.
        table: String,
        /// The record id.
        id: Uuid,
    },

    /// The database refused a record's materialized row (a `NOT NULL`,
    /// unique, check or foreign key constraint of the table); the whole
    /// operation was rolled back. Fix the table or the
    /// state (`prepare_materialization` may adjust the row).
    #[error(
        "the row of {record_type} {id} was refused by `{table}`: {reason}; nothing was written"
    )]
    RowRefused {
        /// The record type.
        record_type: &'static str,
        /// The materialized table.
        table: String,
        /// The record id.
        id: Uuid,
        /// The database's message.
        reason: String,
    },

    /// `bringup` could not import a row of a materialized table; nothing
    /// was written (no row imported, none removed). A row whose id is
    /// `NULL` or not a UUID is refused (it could not be removed once
    /// imported): its `row_id` is the nil UUID, and `source` names the id
    /// column and the value found.
    #[error(
        "bringup of {record_type}: {row} was not imported: {source}",
        row = row_shown(row_id, table)
    )]
    Bringup {
        /// The record type.
        record_type: &'static str,
        /// The materialized table.
        table: String,
        /// The id of the row that failed; nil when the row has none that
        /// reads as a UUID (`source` then shows the stored value).
        row_id: Uuid,
        /// Why.
        #[source]
        source: Box<Error>,
    },

    /// `migrate` found a materialized table without a column its record
    /// type now declares, and cannot add it safely: the column is required
    /// (`NOT NULL`, the field is not an `Option`), the table already has
    /// rows, which need a value, and that value is not known: no SQL literal
    /// holds the field's value in the type's `Default` state (a NaN float,
    /// text with a NUL character), or the log's entry was written by hand
    /// (`SchemaSpec::new`, no default row), or the type's default state
    /// gives no row. Nothing was changed (not even the columns that could be
    /// added). Run `statements` — each adds a column with the kind's zero
    /// value (`0`, `''`, `false`, …) as the default existing rows take:
    /// edit the value first if they should hold another — then `migrate`
    /// again.
    #[error(
        "the materialized table `{table}` lacks required columns that `migrate` will not add to \
         a table with rows: run `{}`, then migrate again",
        statements.join("; ")
    )]
    MigrationNeeded {
        /// The materialized table.
        table: String,
        /// The statements that add the missing required columns, in this
        /// database's SQL.
        statements: Vec<String>,
    },

    /// The event log declaration is not usable (bad identifier, conflicting
    /// links …). Fix the declaration.
    #[error("event log `{table}` is misdeclared: {reason}")]
    InvalidLog {
        /// The log's table.
        table: String,
        /// What is wrong.
        reason: String,
    },

    /// A stored event's time is further ahead of this machine's clock than
    /// [`MAX_CLOCK_LEAD`](crate::MAX_CLOCK_LEAD): a new event, which
    /// is stamped after it, would take that future time (and in a hashed
    /// log every later event of the whole log would); nothing was written.
    ///
    /// Check this machine's clock first: if it is behind, set it right and
    /// retry. If it is right, the event was stamped by a clock that ran
    /// ahead, or written by hand. Writes succeed again by themselves once
    /// the clock is within [`MAX_CLOCK_LEAD`](crate::MAX_CLOCK_LEAD) of
    /// that time; sooner, only a repair of the row by hand helps: event
    /// tables refuse `UPDATE` (the `<table>_immutable` triggers `migrate`
    /// installs must be set aside), and in a hashed log the chain then
    /// breaks at that event (`verify_hash_chain` reports it), which is the
    /// tamper evidence doing its job: record the repair beside it.
    #[error(
        "event {event_id} in `{table}` is stamped {inserted_at}, more than {lead} ahead of this \
         machine's clock ({now}): a new event would have to follow it; nothing was written. \
         Check this machine's clock; if it is right, writes resume once the clock is within \
         {lead} of that time, or repair the event's time by hand",
        lead = crate::event::MAX_CLOCK_LEAD_TEXT
    )]
    EventInFuture {
        /// The event log's table.
        table: String,
        /// The event stamped in the future.
        event_id: Uuid,
        /// Its time.
        inserted_at: chrono::DateTime<chrono::Utc>,
        /// This machine's clock when the write was refused.
        now: chrono::DateTime<chrono::Utc>,
    },

    /// An action's payload is larger than the store allows
    /// ([`Store::with_max_payload_bytes`](crate::Store::with_max_payload_bytes),
    /// by default [`DEFAULT_MAX_PAYLOAD_BYTES`](crate::DEFAULT_MAX_PAYLOAD_BYTES));
    /// nothing was written. Keep large content outside the log (a file or
    /// blob store) and store its reference, or raise the store's limit (an
    /// HTTP 413).
    #[error(
        "the payload of {record_type}'s `{action}` is larger than the store's limit of \
         {limit} bytes of JSON: nothing was written; store large content elsewhere and keep its \
         reference in the event, or raise the limit with `Store::with_max_payload_bytes`"
    )]
    PayloadTooLarge {
        /// The record type.
        record_type: &'static str,
        /// The action.
        action: String,
        /// The store's limit, in bytes of JSON text.
        limit: usize,
    },

    /// One write of a batch failed, so the whole batch was rolled back:
    /// nothing of it was written. `index` is the write's position in the
    /// batch (from 0, in the order the writes were added, the order of
    /// their tickets) and `source` its own error.
    #[error(
        "write {index} of the batch ({record_type} {record}) failed, nothing of the batch was \
         written: {source}",
        record = record_id.map_or_else(|| "(new record)".to_owned(), |id| id.to_string())
    )]
    Batch {
        /// The failed write's position in the batch, from 0.
        index: usize,
        /// Its record type.
        record_type: &'static str,
        /// Its record; `None` for an insert, whose id is not chosen yet.
        record_id: Option<Uuid>,
        /// Why it failed.
        #[source]
        source: Box<Error>,
    },

    /// The database failed; the operation was rolled back (an HTTP 503).
    #[error("storage error: {0}")]
    Storage(#[source] BoxError),
}

impl std::fmt::Debug for Error {
    /// The `Display` form, then each cause that adds to it: what a `main`
    /// returning [`Result`] prints.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut shown = self.to_string();
        f.write_str(&shown)?;
        let mut cause = std::error::Error::source(self);
        let mut heading = true;
        while let Some(error) = cause {
            let text = error.to_string();
            if !shown.contains(&text) {
                if heading {
                    f.write_str("\n\nCaused by:")?;
                    heading = false;
                }
                write!(f, "\n    {text}")?;
                shown.push_str(&text);
            }
            cause = error.source();
        }
        Ok(())
    }
}

/// A bringup's row as its error shows it: by its id, or as having none.
fn row_shown(row_id: &Uuid, table: &str) -> String {
    if row_id.is_nil() {
        format!("a row of `{table}` without a readable id")
    } else {
        format!("the row {row_id} of `{table}`")
    }
}

/// The end of an unknown-action message: built-ins that are not actions
/// say where they live.
fn unknown_action_hint(action: &str) -> &'static str {
    match action {
        "delete" => ": `delete` is built in, use `Store::delete`",
        "update" => ": declare it in `#[evented(actions(update = …))]` to allow updates",
        _ => "",
    }
}

impl Error {
    /// Wraps a backend's error.
    pub fn storage(error: impl Into<BoxError>) -> Self {
        Self::Storage(error.into())
    }

    /// True when the operation certainly wrote nothing and retrying it may
    /// succeed: the database was busy ([`Error::Busy`]). A write whose
    /// outcome is unknown — a timeout, a dropped future, a connection lost
    /// ([`Error::Storage`]) — may have committed: retry it only through
    /// [`Store::idempotent`](crate::Store::idempotent).
    pub fn is_retry_safe(&self) -> bool {
        matches!(self.root(), Self::Busy { .. })
    }

    /// The validation errors, when this is [`Error::Invalid`] (also when
    /// a batch's write failed with it: [`Error::Batch`]).
    pub fn as_invalid(&self) -> Option<&Invalid> {
        match self {
            Self::Invalid(invalid) => Some(invalid),
            Self::Batch { source, .. } => source.as_invalid(),
            _ => None,
        }
    }

    /// The error itself, or, for a batch's failed write ([`Error::Batch`]),
    /// that write's own error: what to `match` on to decide what to tell
    /// the caller.
    pub fn root(&self) -> &Error {
        match self {
            Self::Batch { source, .. } => source.root(),
            other => other,
        }
    }

    /// This error, naming `log` in an [`Error::NotMigrated`] about one of
    /// its tables that does not name its log yet (backends report the
    /// table; the store knows the log).
    pub(crate) fn in_log(self, log: &crate::log::LogSpec) -> Self {
        match self {
            Self::NotMigrated { log: None, table } if log.owns_table(&table) => Self::NotMigrated {
                log: log.name(),
                table,
            },
            other => other,
        }
    }
}
