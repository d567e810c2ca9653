//! Record types the suite needs beyond the basic chat.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use spector::{event_log, Attrs, Changeset, Event, EventMeta, Evented, Id, Invalid, NewEvent};
use uuid::Uuid;

/// The most a [`Counter`] may count to.
pub const COUNTER_LIMIT: u32 = 300;

/// A counter whose `increment` refuses to go above [`COUNTER_LIMIT`].
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = TestEvents, actions(update, increment))]
pub struct Counter {
    /// The record id.
    pub id: Id<Counter>,
    /// The count.
    pub count: u32,
}

impl Changeset for Counter {
    fn validate(&self, action: &CounterAction, _meta: &EventMeta) -> Result<(), Invalid> {
        if matches!(action, CounterAction::Increment(_)) && self.count >= COUNTER_LIMIT {
            return Err(Invalid::new("count", "may not go above the limit"));
        }
        Ok(())
    }

    fn changeset(mut self, action: CounterAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        if let CounterAction::Increment(_) = action {
            self.count += 1;
        }
        Ok(self)
    }
}

/// A note that keeps whatever JSON it is given, and may link to another
/// event of its record through `mentions` (`"mention": <event id>`, unchecked),
/// refuse in its `prepare_event` hook (`"reject": true`), or panic in its
/// transition (`"panic": true`).
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = TestEvents, actions(update), links(mentions = "mentioned_id"))]
pub struct Note {
    /// The record id.
    pub id: Id<Note>,
    /// The payload of the last event.
    pub body: Attrs,
    /// The id of the last event.
    pub last_event: Uuid,
}

impl Changeset for Note {
    fn changeset(mut self, action: NoteAction, meta: &EventMeta) -> Result<Self, Invalid> {
        let (NoteAction::Insert(body) | NoteAction::Update(body)) = action;
        if body.get_or("panic", false)? {
            panic!("Note::changeset panics on purpose");
        }
        self.body = body;
        self.last_event = meta.id;
        Ok(self)
    }

    fn prepare_event(
        event: &mut NewEvent<Self>,
        _history: &[Event],
        _note: &Self,
    ) -> Result<(), Invalid> {
        let (NoteAction::Insert(body) | NoteAction::Update(body)) = event.action();
        if body.get_or("reject", false)? {
            return Err(Invalid::new("reject", "refused by prepare_event"));
        }
        if let Some(target) = body.get::<Uuid>("mention")? {
            event.link(NoteLink::Mentions, target);
        }
        Ok(())
    }
}

/// A role, an enum with data, to test payload fidelity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Role {
    /// No extra data.
    Guest,
    /// With data.
    Member {
        /// Since when.
        since: NaiveDate,
        /// Optional level.
        level: Option<u8>,
    },
}

/// A nested struct, to test payload fidelity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Address {
    /// Street.
    pub street: String,
    /// Postal code, maybe unknown.
    pub zip: Option<u32>,
}

/// A typed payload with every awkward shape: options, enums, nested structs,
/// `chrono` and `uuid` values, floats and big integers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileChange {
    /// A name.
    pub name: String,
    /// An optional nickname.
    pub nickname: Option<String>,
    /// An enum with data.
    pub role: Role,
    /// A nested struct.
    pub address: Option<Address>,
    /// A `chrono` time.
    pub seen_at: DateTime<Utc>,
    /// A `uuid`.
    pub friend: Option<Uuid>,
    /// A float.
    pub score: f64,
    /// A big integer.
    pub visits: u64,
    /// A list.
    pub tags: Vec<String>,
}

/// A profile: every change it went through, typed.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(
    log = TestEvents,
    actions(insert = ProfileChange, update = ProfileChange, rename(payload = Rename, code = 40)),
    version = 3
)]
pub struct Profile {
    /// The record id.
    pub id: Id<Profile>,
    /// Every change, oldest first.
    pub changes: Vec<ProfileChange>,
    /// The names given by `rename`.
    pub names: Vec<String>,
}

/// The payload of `rename`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rename {
    /// The new name.
    pub name: String,
}

impl Changeset for Profile {
    fn changeset(mut self, action: ProfileAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        match action {
            ProfileAction::Insert(change) | ProfileAction::Update(change) => {
                self.changes.push(change);
            }
            ProfileAction::Rename(rename) => self.names.push(rename.name),
        }
        Ok(self)
    }
}

event_log!(pub TestEvents {
    table: "test_events",
    schemas: [Counter, Note, Profile],
});

/// An amount of money, in cents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Amount {
    /// Cents.
    pub cents: i64,
}

/// The largest withdrawal a [`StrictAccount`] accepts: a rule added after
/// [`Account`]s were written.
pub const WITHDRAWAL_LIMIT: i64 = 5_000;

/// An account as a first release wrote it: any withdrawal within the
/// balance is fine.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = AccountsV1, actions(insert = Amount, update = Amount, withdraw = Amount))]
pub struct Account {
    /// The record id.
    pub id: Id<Account>,
    /// The balance, in cents.
    pub balance: i64,
}

impl Changeset for Account {
    fn validate(&self, action: &AccountAction, _meta: &EventMeta) -> Result<(), Invalid> {
        match action {
            AccountAction::Withdraw(amount) if amount.cents > self.balance => {
                Err(Invalid::new("cents", "exceeds the balance"))
            }
            _ => Ok(()),
        }
    }

    fn changeset(mut self, action: AccountAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        match action {
            AccountAction::Insert(amount) | AccountAction::Update(amount) => {
                self.balance += amount.cents;
            }
            AccountAction::Withdraw(amount) => self.balance -= amount.cents,
        }
        Ok(self)
    }
}

event_log!(pub AccountsV1 { table: "account_events", schemas: [Account] });

/// The same account type in a later release, reading the same table: it
/// adds [`WITHDRAWAL_LIMIT`] as a live rule.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = AccountsV2, actions(insert = Amount, update = Amount, withdraw = Amount))]
pub struct StrictAccount {
    /// The record id.
    pub id: Id<StrictAccount>,
    /// The balance, in cents.
    pub balance: i64,
}

impl Changeset for StrictAccount {
    fn validate(&self, action: &StrictAccountAction, _meta: &EventMeta) -> Result<(), Invalid> {
        match action {
            StrictAccountAction::Withdraw(amount) if amount.cents > WITHDRAWAL_LIMIT => {
                Err(Invalid::new("cents", "above the withdrawal limit"))
            }
            StrictAccountAction::Withdraw(amount) if amount.cents > self.balance => {
                Err(Invalid::new("cents", "exceeds the balance"))
            }
            _ => Ok(()),
        }
    }

    fn changeset(
        mut self,
        action: StrictAccountAction,
        _meta: &EventMeta,
    ) -> Result<Self, Invalid> {
        match action {
            StrictAccountAction::Insert(amount) | StrictAccountAction::Update(amount) => {
                self.balance += amount.cents;
            }
            StrictAccountAction::Withdraw(amount) => self.balance -= amount.cents,
        }
        Ok(self)
    }
}

event_log!(pub AccountsV2 { table: "account_events", schemas: [StrictAccount] });
