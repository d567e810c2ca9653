//! Wallets that money moves between: [`Wallet`], whose withdrawals may not
//! overdraw it, each movement naming the transfer it belongs to.

use serde::{Deserialize, Serialize};
use spector::{event_log, Changeset, EventMeta, Evented, Id, Invalid, Uuid};

/// Money in or out, as part of a transfer (or not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Movement {
    /// How much, in cents.
    pub cents: i64,
    /// The transfer it belongs to.
    #[serde(default)]
    pub transfer: Option<Uuid>,
}

/// A wallet.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(
    log = WalletEvents,
    actions(insert = Movement, update = Movement, withdraw = Movement)
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
}

event_log!(pub WalletEvents { table: "wallet_events", schemas: [Wallet] });

/// A deposit outside any transfer.
pub fn deposit(cents: i64) -> Movement {
    Movement {
        cents,
        transfer: None,
    }
}
