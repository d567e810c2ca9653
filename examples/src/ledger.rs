//! A bank ledger: accounts that are opened, take deposits and withdrawals,
//! get corrected and are closed.
//!
//! It shows where each kind of rule goes:
//! - the live rules (no overdraft, no withdrawal above [`WITHDRAWAL_LIMIT`],
//!   nothing on a closed account) are in [`Changeset::validate`], which runs
//!   for new operations only;
//! - the transition ([`Changeset::changeset`]) applies what was stored, so
//!   an account written before a rule was tightened still replays;
//! - a correction links to the event it corrects (`corrects`), checked in
//!   [`Changeset::prepare_event`] against the account's history.
//!
//! [`FirstReleaseAccount`] is the same account as a first release declared
//! it, without the withdrawal limit, reading and writing the same table.

use serde::{Deserialize, Serialize};
use spector::{event_log, Changeset, Event, EventMeta, Evented, Id, Invalid, NewEvent};
use uuid::Uuid;

/// The largest withdrawal the current release accepts, in cents: a rule
/// added after accounts were written without it.
pub const WITHDRAWAL_LIMIT: i64 = 5_000;

/// The payload of `insert`: who opens the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Open {
    /// The account holder.
    pub owner: String,
}

/// The payload of `update`: a new holder name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rename {
    /// The account holder.
    pub owner: String,
}

/// The payload of `deposit` and `withdraw`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Money {
    /// The amount, in cents (positive).
    pub cents: i64,
}

/// The payload of `correct`: an adjustment of a deposit or withdrawal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Correction {
    /// The event corrected: a deposit or a withdrawal of this account.
    pub corrects: Uuid,
    /// What to add to the balance, in cents (negative to take back).
    pub cents: i64,
    /// Why.
    pub reason: String,
}

/// The payload of `close`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Close {
    /// Why the account was closed.
    pub reason: String,
}

/// A bank account.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(
    log = LedgerEvents,
    actions(
        insert = Open,
        update = Rename,
        deposit = Money,
        withdraw = Money,
        correct = Correction,
        close = Close,
    ),
    links(corrects)
)]
pub struct Account {
    /// The account id (= id of its first event).
    pub id: Id<Account>,
    /// The holder.
    pub owner: String,
    /// The balance, in cents.
    pub balance: i64,
    /// Whether the account was closed.
    pub closed: bool,
}

event_log!(pub LedgerEvents {
    table: "ledger_events",
    schemas: [Account],
});

/// "12.34" for 1234 cents.
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

impl Changeset for Account {
    /// The live rules: they refuse new operations and never stored ones.
    fn validate(&self, action: &AccountAction, _meta: &EventMeta) -> Result<(), Invalid> {
        if self.closed {
            return Err(Invalid::new("account", "is closed"));
        }
        match action {
            AccountAction::Deposit(money) | AccountAction::Withdraw(money) if money.cents <= 0 => {
                Err(Invalid::new("cents", "must be positive"))
            }
            AccountAction::Withdraw(amount) if amount.cents > self.balance => Err(Invalid::new(
                "cents",
                format!("exceeds the balance of {}", money(self.balance)),
            )),
            AccountAction::Withdraw(amount) if amount.cents > WITHDRAWAL_LIMIT => {
                Err(Invalid::new(
                    "cents",
                    format!("above the {} limit", money(WITHDRAWAL_LIMIT)),
                ))
            }
            AccountAction::Close(_) if self.balance != 0 => Err(Invalid::new(
                "balance",
                format!("is {}: withdraw it before closing", money(self.balance)),
            )),
            _ => Ok(()),
        }
    }

    /// The transition: applies what was stored.
    fn changeset(mut self, action: AccountAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        match action {
            AccountAction::Insert(open) => self.owner = open.owner,
            AccountAction::Update(rename) => self.owner = rename.owner,
            AccountAction::Deposit(money) => self.balance += money.cents,
            AccountAction::Withdraw(money) => self.balance -= money.cents,
            AccountAction::Correct(correction) => self.balance += correction.cents,
            AccountAction::Close(_) => self.closed = true,
        }
        Ok(self)
    }

    /// A correction links to the deposit or withdrawal it corrects, which
    /// must be one of this account's.
    fn prepare_event(
        event: &mut NewEvent<Self>,
        history: &[Event],
        _account: &Self,
    ) -> Result<(), Invalid> {
        if let AccountAction::Correct(correction) = event.action() {
            let corrected = history
                .iter()
                .find(|e| e.id == correction.corrects)
                .ok_or_else(|| Invalid::new("corrects", "is not an event of this account"))?;
            if !matches!(
                corrected.action_name::<Self>(),
                Some("deposit" | "withdraw")
            ) {
                return Err(Invalid::new("corrects", "is not a deposit or a withdrawal"));
            }
            event.link(AccountLink::Corrects, corrected.id);
        }
        Ok(())
    }
}

/// The account as the first release declared it: no withdrawal limit, no
/// corrections. It reads and writes the same table as [`Account`].
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(
    log = FirstReleaseLedgerEvents,
    actions(insert = Open, update = Rename, deposit = Money, withdraw = Money)
)]
pub struct FirstReleaseAccount {
    /// The account id.
    pub id: Id<FirstReleaseAccount>,
    /// The holder.
    pub owner: String,
    /// The balance, in cents.
    pub balance: i64,
}

event_log!(pub FirstReleaseLedgerEvents {
    table: "ledger_events",
    schemas: [FirstReleaseAccount],
});

impl Changeset for FirstReleaseAccount {
    fn validate(
        &self,
        action: &FirstReleaseAccountAction,
        _meta: &EventMeta,
    ) -> Result<(), Invalid> {
        match action {
            FirstReleaseAccountAction::Withdraw(amount) if amount.cents > self.balance => {
                Err(Invalid::new("cents", "exceeds the balance"))
            }
            _ => Ok(()),
        }
    }

    fn changeset(
        mut self,
        action: FirstReleaseAccountAction,
        _meta: &EventMeta,
    ) -> Result<Self, Invalid> {
        match action {
            FirstReleaseAccountAction::Insert(open) => self.owner = open.owner,
            FirstReleaseAccountAction::Update(rename) => self.owner = rename.owner,
            FirstReleaseAccountAction::Deposit(money) => self.balance += money.cents,
            FirstReleaseAccountAction::Withdraw(money) => self.balance -= money.cents,
        }
        Ok(self)
    }
}

/// One line about a stored event of an account: its action and amount.
pub fn describe(event: &Event) -> String {
    let what = match event.action::<Account>() {
        Ok(AccountAction::Insert(open)) => format!("open for {}", open.owner),
        Ok(AccountAction::Update(rename)) => format!("rename to {}", rename.owner),
        Ok(AccountAction::Deposit(amount)) => format!("deposit {}", money(amount.cents)),
        Ok(AccountAction::Withdraw(amount)) => format!("withdraw {}", money(amount.cents)),
        Ok(AccountAction::Correct(c)) => format!("correct {} ({})", money(c.cents), c.reason),
        Ok(AccountAction::Close(close)) => format!("close ({})", close.reason),
        Err(_) => event.action_name::<Account>().unwrap_or("?").to_owned(),
    };
    let links: Vec<String> = event
        .linked(AccountLink::Corrects)
        .map(|target| format!(" → corrects {target}"))
        .collect();
    format!("{what}{}", links.concat())
}
