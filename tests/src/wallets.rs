//! Wallets that money moves between: [`Wallet`], whose withdrawals may not
//! overdraw it, each movement naming the transfer it belongs to.

use serde::{Deserialize, Serialize};
use spector::{event_log, Changeset, Event, EventMeta, Evented, Id, Invalid, NewEvent, Uuid};

/// Money in or out, as part of a transfer (or not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Movement {
    /// How much, in cents.
    pub cents: i64,
    /// The transfer it belongs to.
    #[serde(default)]
    pub transfer: Option<Uuid>,
    /// The event of another wallet it pays back (linked across records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pays: Option<Uuid>,
}

/// A wallet.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(
    log = WalletEvents,
    actions(insert = Movement, update = Movement, withdraw = Movement),
    links(pays(column = "paid_id", unconstrained))
)]
pub struct Wallet {
    /// The record id.
    pub id: Id<Wallet>,
    /// The balance, in cents.
    pub balance: i64,
}

impl Changeset for Wallet {
    fn validate(&self, action: &WalletAction, _meta: &EventMeta) -> Result<(), Invalid> {
        match action {
            WalletAction::Withdraw(movement) if movement.cents > self.balance => {
                Err(Invalid::new("cents", "exceeds the balance"))
            }
            _ => Ok(()),
        }
    }

    fn changeset(mut self, action: WalletAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        match action {
            WalletAction::Insert(movement) | WalletAction::Update(movement) => {
                self.balance += movement.cents;
            }
            WalletAction::Withdraw(movement) => self.balance -= movement.cents,
        }
        Ok(self)
    }

    /// A movement that pays back an event links to it, whatever its record.
    fn prepare_event(
        event: &mut NewEvent<Self>,
        _history: &[Event],
        _state: &Self,
    ) -> Result<(), Invalid> {
        let (WalletAction::Insert(movement)
        | WalletAction::Update(movement)
        | WalletAction::Withdraw(movement)) = event.action();
        if let Some(paid) = movement.pays {
            event.link(WalletLink::Pays, paid);
        }
        Ok(())
    }
}

event_log!(pub WalletEvents { table: "wallet_events", schemas: [Wallet] });

/// A deposit outside any transfer.
pub fn deposit(cents: i64) -> Movement {
    Movement {
        cents,
        transfer: None,
        pays: None,
    }
}

/// The same wallets as an earlier release declared them: `pays` then
/// kept both ends in one record (the default), over the same tables.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = StrictWalletEvents, actions(insert = Movement, update = Movement), links(pays(column = "paid_id")))]
pub struct StrictWallet {
    /// The record id.
    pub id: Id<StrictWallet>,
}

impl Changeset for StrictWallet {
    fn changeset(self, _action: StrictWalletAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        Ok(self)
    }
}

event_log!(pub StrictWalletEvents { table: "wallet_events", schemas: [StrictWallet] });
