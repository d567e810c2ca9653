//! Three releases of one materialized record type over the same tables:
//! [`TicketV0`] has a title; [`TicketV1`] adds an optional `priority`;
//! [`TicketV2`] adds a required `due` and an optional `note`.

use serde::{Deserialize, Serialize};
use spector::{event_log, Changeset, EventMeta, Evented, Id, Invalid};

/// The payload of every release's actions (each reads what it knows).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TicketFields {
    /// The title.
    pub title: String,
    /// The priority, if set (release 1 on).
    #[serde(default)]
    pub priority: Option<i32>,
    /// The due day (release 2 on).
    #[serde(default)]
    pub due: i64,
    /// A note (release 2 on).
    #[serde(default)]
    pub note: Option<String>,
}

/// A ticket as release 0 knew it.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = TicketsV0, table = "tickets", actions(insert = TicketFields, update = TicketFields))]
pub struct TicketV0 {
    /// The record id.
    pub id: Id<TicketV0>,
    /// The title.
    pub title: String,
}

impl Changeset for TicketV0 {
    fn changeset(mut self, action: TicketV0Action, _meta: &EventMeta) -> Result<Self, Invalid> {
        let (TicketV0Action::Insert(fields) | TicketV0Action::Update(fields)) = action;
        self.title = fields.title;
        Ok(self)
    }
}

event_log!(pub TicketsV0 { table: "tickets_events", schemas: [TicketV0] });

/// Release 1: an optional priority, a nullable column.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = TicketsV1, table = "tickets", actions(insert = TicketFields, update = TicketFields))]
pub struct TicketV1 {
    /// The record id.
    pub id: Id<TicketV1>,
    /// The title.
    pub title: String,
    /// The priority, if set.
    pub priority: Option<i32>,
}

impl Changeset for TicketV1 {
    fn changeset(mut self, action: TicketV1Action, _meta: &EventMeta) -> Result<Self, Invalid> {
        let (TicketV1Action::Insert(fields) | TicketV1Action::Update(fields)) = action;
        self.title = fields.title;
        self.priority = fields.priority;
        Ok(self)
    }
}

event_log!(pub TicketsV1 { table: "tickets_events", schemas: [TicketV1] });

/// Release 2: a required due day (a `NOT NULL` column) and an optional
/// note.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = TicketsV2, table = "tickets", actions(insert = TicketFields, update = TicketFields))]
pub struct TicketV2 {
    /// The record id.
    pub id: Id<TicketV2>,
    /// The title.
    pub title: String,
    /// The priority, if set.
    pub priority: Option<i32>,
    /// The due day.
    pub due: i64,
    /// A note, if any.
    pub note: Option<String>,
}

impl Changeset for TicketV2 {
    fn changeset(mut self, action: TicketV2Action, _meta: &EventMeta) -> Result<Self, Invalid> {
        let (TicketV2Action::Insert(fields) | TicketV2Action::Update(fields)) = action;
        self.title = fields.title;
        self.priority = fields.priority;
        self.due = fields.due;
        self.note = fields.note;
        Ok(self)
    }
}

event_log!(pub TicketsV2 { table: "tickets_events", schemas: [TicketV2] });
