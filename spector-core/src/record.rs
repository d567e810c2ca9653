//! Record types: the trait `#[derive(Evented)]` implements, and the user's
//! half, [`Changeset`].

use crate::action::RecordAction;
use crate::attrs::Attrs;
use crate::event::{Event, EventMeta, NewEvent};
use crate::id::Id;
use crate::invalid::Invalid;
use crate::link::RecordLink;
use crate::log::{EventLog, LinkDecl};
use crate::materialized::{Materialization, Row};
use crate::savepoint::SavepointHooks;

/// What `#[derive(Evented)]` generates for a record type: its metadata and
/// the glue between the struct and its event log.
///
/// Implement [`Changeset`] by hand to say what each action does.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a record type",
    label = "add `#[derive(Evented)]` to `{Self}`"
)]
pub trait Evented: Sized + Send + Sync + 'static {
    /// The record type's actions, carrying their payloads (`{Name}Action`).
    type Action: RecordAction<Record = Self>;
    /// The record type's links (`{Name}Link`).
    type Link: RecordLink<Record = Self>;
    /// The event log the record type writes to.
    type Log: EventLog;
    /// The record type's name, used in errors.
    const NAME: &'static str;
    /// Schema index of the type in its event log.
    const SCHEMA_INDEX: i32;
    /// Version stored in `__version__` of every new event.
    const VERSION: u32;
    /// Links the type's events may carry, with their columns and tables.
    const LINKS: &'static [LinkDecl];
    /// How the type's savepoints are saved and restored, and how often they
    /// are taken automatically; `None` (the default) for a type without
    /// savepoints, whose replay refuses a savepoint event
    /// ([`Error::UnknownActionCode`](crate::Error::UnknownActionCode)).
    const SAVEPOINTS: Option<SavepointHooks<Self>> = None;
    /// The type's materialized table and how its state becomes a row
    /// (`#[evented(table = "…")]`); `None` (the default) for a type whose
    /// state lives in its log only.
    const MATERIALIZED: Option<Materialization<Self>> = None;

    /// The record id (= id of its first event).
    fn id(&self) -> Id<Self>;

    /// A fresh record with the given id and every other field at its default:
    /// the state the first event is applied to.
    fn fresh(id: Id<Self>) -> Self;
}

/// What each action does to a record: the user's half of a record type.
///
/// A write runs, inside its transaction and under the record's lock:
/// 1. [`validate`](Changeset::validate) — the live rules: may this
///    operation happen to the current state? Runs for new writes only.
/// 2. [`prepare_event`](Changeset::prepare_event) — attaches links to the
///    new event, or refuses it.
/// 3. [`changeset`](Changeset::changeset) — the state transition.
///
/// Replay runs only the transition, on the payloads as they were stored.
/// So a business rule belongs in `validate`: tightening it later refuses new
/// operations and leaves every stored record readable. The transition
/// applies what was accepted; it refuses only what it cannot apply at all,
/// and a stored event it refuses on replay is [`Error::Replay`](crate::Error::Replay).
///
/// ```
/// use spector::{event_log, Changeset, EventMeta, Evented, Id, Invalid};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, Clone, Serialize, Deserialize)]
/// pub struct Amount { pub cents: i64 }
///
/// #[derive(Debug, Clone, Default, PartialEq, Evented)]
/// #[evented(log = Ledger, actions(insert = Amount, update = Amount, withdraw = Amount))]
/// pub struct Account { pub id: Id<Account>, pub balance: i64 }
///
/// event_log!(pub Ledger { table: "ledger_events", schemas: [Account] });
///
/// impl Changeset for Account {
///     // Live only: a rule added later never breaks replay of old events.
///     fn validate(&self, action: &AccountAction, _meta: &EventMeta) -> Result<(), Invalid> {
///         match action {
///             AccountAction::Withdraw(a) if a.cents > self.balance => {
///                 Err(Invalid::new("cents", "exceeds the balance"))
///             }
///             _ => Ok(()),
///         }
///     }
///
///     // Live and on replay: applies what was stored.
///     fn changeset(mut self, action: AccountAction, _meta: &EventMeta) -> Result<Self, Invalid> {
///         match action {
///             AccountAction::Insert(a) | AccountAction::Update(a) => self.balance += a.cents,
///             AccountAction::Withdraw(a) => self.balance -= a.cents,
///         }
///         Ok(self)
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `Changeset` impl",
    label = "implement `spector::Changeset` for `{Self}`: what each of its actions does"
)]
pub trait Changeset: Evented {
    /// The live rules: refuses `action` against the current state (no
    /// overdraft, no edit of a missing message). Runs only for new writes,
    /// never on replay. The default accepts everything.
    ///
    /// # Errors
    ///
    /// [`Invalid`] refuses the operation; nothing is written.
    fn validate(&self, action: &Self::Action, meta: &EventMeta) -> Result<(), Invalid> {
        let _ = (action, meta);
        Ok(())
    }

    /// The state transition: applies one event's action to the state so
    /// far. Runs for new writes and on replay, with the payload exactly as
    /// stored; `meta` holds the event's id, version and time.
    ///
    /// # Errors
    ///
    /// [`Invalid`] when the action cannot be applied; on a live write
    /// nothing is written, on replay it is [`Error::Replay`](crate::Error::Replay).
    fn changeset(self, action: Self::Action, meta: &EventMeta) -> Result<Self, Invalid>;

    /// Runs inside the write transaction before the event is inserted: may
    /// attach links to `event` (see [`NewEvent::link`]) after inspecting the
    /// record's `history` (its events since its latest savepoint, oldest
    /// first, with their links) and its `state` before the write, or refuse
    /// the operation. On an insert the history is empty and the state
    /// fresh; deletes do not call it.
    ///
    /// # Errors
    ///
    /// [`Invalid`] refuses the operation; nothing is written.
    fn prepare_event(
        event: &mut NewEvent<Self>,
        history: &[Event],
        state: &Self,
    ) -> Result<(), Invalid> {
        let _ = (event, history, state);
        Ok(())
    }

    /// Upgrades the payload of an event written by an older `version` of
    /// the type (`#[evented(version = N)]`; every event stores the version
    /// that wrote it) to today's shape, before it is decoded into the
    /// action's payload type: so [`changeset`](Changeset::changeset) only
    /// ever handles the current shape. `action` is the event's action name;
    /// `payload` its JSON object without the reserved keys. Runs on replay
    /// only (new events carry the current version), and only for events
    /// older than the current version. The default returns the payload
    /// unchanged.
    ///
    /// ```
    /// # use spector::{event_log, Attrs, Changeset, EventMeta, Evented, Id, Invalid};
    /// # use serde::{Deserialize, Serialize};
    /// #[derive(Debug, Clone, Serialize, Deserialize)]
    /// pub struct Named { pub name: String }
    ///
    /// // Version 0 stored `title`; version 1 calls it `name`.
    /// #[derive(Debug, Clone, Default, Evented)]
    /// #[evented(log = Pages, version = 1, actions(insert = Named, update = Named))]
    /// pub struct Page { pub id: Id<Page>, pub name: String }
    /// # event_log!(pub Pages { table: "pages_events", schemas: [Page] });
    ///
    /// impl Changeset for Page {
    ///     fn upcast(_action: &str, version: u32, mut payload: Attrs) -> Result<Attrs, Invalid> {
    ///         if version == 0 {
    ///             if let Some(title) = payload.remove("title") {
    ///                 payload.insert("name", title);
    ///             }
    ///         }
    ///         Ok(payload)
    ///     }
    ///
    ///     fn changeset(mut self, action: PageAction, _meta: &EventMeta) -> Result<Self, Invalid> {
    ///         let (PageAction::Insert(named) | PageAction::Update(named)) = action;
    ///         self.name = named.name;
    ///         Ok(self)
    ///     }
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Invalid`] when the old payload cannot be upgraded: replay fails
    /// with [`Error::Decode`](crate::Error::Decode) naming the event.
    fn upcast(action: &str, version: u32, payload: Attrs) -> Result<Attrs, Invalid> {
        let _ = (action, version);
        Ok(payload)
    }

    /// For a type with a materialized table: adjusts the `row` about to be
    /// written from the state `self` (on insert, execute, `materialize` and
    /// `bringup`; not on delete), or refuses the whole operation. The row
    /// changes only in the table: the write still returns the replayed
    /// state. The default writes the row as it is.
    ///
    /// # Errors
    ///
    /// [`Invalid`] refuses the operation; nothing is written.
    fn prepare_materialization(&self, row: &mut Row) -> Result<(), Invalid> {
        let _ = row;
        Ok(())
    }
}

/// Registration of a record type in an event log, generated by the
/// `event_log!` macro for each of the log's schemas.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not one of the schemas of event log `{L}`",
    label = "add `{Self}` to the `schemas` of `{L}`"
)]
pub trait LogMember<L: EventLog> {
    /// The type's schema index in `L`.
    const SCHEMA_INDEX: i32;
}
