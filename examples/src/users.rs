//! User accounts with a read model: every change is an event, and the
//! current state of each user is also a row of the table `users`, written
//! in the same transaction, for plain SQL queries.
//!
//! Version 0 of the service stored the name as `full_name`; version 1
//! calls it `name`, and upcasts old events while replaying them.

use serde::{Deserialize, Serialize};
use spector::{event_log, Attrs, Changeset, EventMeta, Evented, Id, Invalid, Row};

/// A sign-up, as version 1 stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignUp {
    /// The user's name.
    pub name: String,
    /// Their e-mail address.
    pub email: String,
}

/// A change of e-mail address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEmail {
    /// The new address.
    pub email: String,
}

/// Why an account was archived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Archival {
    /// The reason.
    pub reason: String,
}

/// A user account (version 1), materialized in `users`.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(
    log = UserEvents,
    table = "users",
    version = 1,
    actions(insert = SignUp, update = NewEmail, archive = Archival)
)]
pub struct User {
    /// The record id, also the row's primary key.
    pub id: Id<User>,
    /// The name.
    pub name: String,
    /// The e-mail address, stored lower-cased in the table.
    pub email: String,
    /// Why the account was archived, if it was.
    pub archived: Option<String>,
    /// Every address the user had, oldest first (a JSON column).
    #[evented(json)]
    pub past_emails: Vec<String>,
}

impl Changeset for User {
    /// Version 0 called the name `full_name`.
    fn upcast(action: &str, version: u32, mut payload: Attrs) -> Result<Attrs, Invalid> {
        if version == 0 && action == "insert" {
            if let Some(name) = payload.remove("full_name") {
                payload.insert("name", name);
            }
        }
        Ok(payload)
    }

    fn validate(&self, action: &UserAction, _meta: &EventMeta) -> Result<(), Invalid> {
        match action {
            UserAction::Update(_) | UserAction::Archive(_) if self.archived.is_some() => {
                Err(Invalid::new("archived", "the account is archived"))
            }
            _ => Ok(()),
        }
    }

    fn changeset(mut self, action: UserAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        match action {
            UserAction::Insert(sign_up) => {
                self.name = sign_up.name;
                self.email = sign_up.email;
            }
            UserAction::Update(new) => {
                let old = std::mem::replace(&mut self.email, new.email);
                self.past_emails.push(old);
            }
            UserAction::Archive(archival) => self.archived = Some(archival.reason),
        }
        Ok(self)
    }

    /// The table keeps addresses lower-cased, for lookups; the state keeps
    /// them as the user typed them.
    fn prepare_materialization(&self, row: &mut Row) -> Result<(), Invalid> {
        row.set("email", self.email.to_lowercase())
    }
}

event_log!(
    /// The events of user accounts.
    pub UserEvents { table: "users_events", schemas: [User] }
);

/// A sign-up as version 0 of the service wrote it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegacySignUp {
    /// The name, under its old key.
    pub full_name: String,
    /// The e-mail address.
    pub email: String,
}

/// A user account as version 0 of the service knew it: same table of
/// events, no read model. The example runs it to leave old events behind.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = LegacyUserEvents, actions(insert = LegacySignUp))]
pub struct LegacyUser {
    /// The record id.
    pub id: Id<LegacyUser>,
}

impl Changeset for LegacyUser {
    fn changeset(self, _action: LegacyUserAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        Ok(self)
    }
}

event_log!(
    /// The same table, as version 0 declared it.
    pub LegacyUserEvents { table: "users_events", schemas: [LegacyUser] }
);
