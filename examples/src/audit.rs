//! An audited document: every revision is an event in a hash-chained log,
//! so that a change made behind the application's back is caught, and a
//! savepoint every 20 events keeps each write as cheap at the 1,000th
//! revision as at the first.

use serde::{Deserialize, Serialize};
use spector::{event_log, Changeset, EventMeta, Evented, Id, Invalid};

/// A new text of the document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// The title.
    pub title: String,
    /// The text.
    pub body: String,
}

/// An approval: the document is final from then on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Approval {
    /// Who approved it.
    pub by: String,
}

/// A document under review. Its savepoints are its serde form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Evented)]
#[evented(
    log = AuditEvents,
    actions(insert = Draft, update = Draft, approve = Approval),
    savepoint_every = 20
)]
pub struct Document {
    /// The record id.
    pub id: Id<Document>,
    /// The title.
    pub title: String,
    /// The text.
    pub body: String,
    /// How many drafts it had.
    pub revision: u32,
    /// Who approved it, once approved.
    pub approved_by: Option<String>,
}

impl Changeset for Document {
    /// An approved document takes no new draft and no second approval.
    fn validate(&self, _action: &DocumentAction, _meta: &EventMeta) -> Result<(), Invalid> {
        match &self.approved_by {
            Some(by) => Err(Invalid::new(
                "document",
                format!("was approved by {by}: it is final"),
            )),
            None => Ok(()),
        }
    }

    fn changeset(mut self, action: DocumentAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        match action {
            DocumentAction::Insert(draft) | DocumentAction::Update(draft) => {
                self.title = draft.title;
                self.body = draft.body;
                self.revision += 1;
            }
            DocumentAction::Approve(approval) => self.approved_by = Some(approval.by),
        }
        Ok(self)
    }
}

event_log!(
    /// The audit log: hashed, so that every event's hash covers its row,
    /// its links and the hash of the event before it.
    pub AuditEvents {
        table: "audit_events",
        schemas: [Document],
        hashed: true,
    }
);
