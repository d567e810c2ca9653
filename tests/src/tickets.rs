//! Three releases of one materialized record type over the same tables:
//! [`TicketV0`] has a title; [`TicketV1`] adds an optional `priority`;
//! [`TicketV2`] adds a required `due` (30 by default) and an optional
//! `note`; [`TicketV3`] adds a required `weight` whose default no SQL
//! literal holds (NaN).

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

/// Release 2: a required due day (a `NOT NULL` column, 30 in a default
/// ticket) and an optional note.
#[derive(Debug, Clone, PartialEq, Evented)]
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

impl Default for TicketV2 {
    fn default() -> Self {
        Self {
            id: Id::default(),
            title: String::new(),
            priority: None,
            due: DEFAULT_DUE,
            note: None,
        }
    }
}

/// The due day of a ticket that never set one.
pub const DEFAULT_DUE: i64 = 30;

event_log!(pub TicketsV2 { table: "tickets_events", schemas: [TicketV2] });

/// Release 3: a required weight whose default is NaN, which no SQL literal
/// holds: `migrate` cannot give the rows already there a value.
#[derive(Debug, Clone, PartialEq, Evented)]
#[evented(log = TicketsV3, table = "tickets", actions(insert = TicketFields, update = TicketFields))]
pub struct TicketV3 {
    /// The record id.
    pub id: Id<TicketV3>,
    /// The title.
    pub title: String,
    /// The weight, unknown (NaN) until set.
    pub weight: f64,
}

impl Default for TicketV3 {
    fn default() -> Self {
        Self {
            id: Id::default(),
            title: String::new(),
            weight: f64::NAN,
        }
    }
}

impl Changeset for TicketV3 {
    fn changeset(mut self, action: TicketV3Action, _meta: &EventMeta) -> Result<Self, Invalid> {
        let (TicketV3Action::Insert(fields) | TicketV3Action::Update(fields)) = action;
        self.title = fields.title;
        self.weight = fields.due as f64;
        Ok(self)
    }
}

event_log!(pub TicketsV3 { table: "tickets_events", schemas: [TicketV3] });
