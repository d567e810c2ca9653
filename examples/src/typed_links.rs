//! A policy document revised over time, its revisions related by a typed
//! link: `relates`, whose kind is a [`Relation`] stored as an integer in
//! the link table's `type` column. A revision *supersedes* the one it
//! replaces and may *cite* others; one revision may do both to the same
//! event (two rows, two kinds), never the same kind twice.

use serde::{Deserialize, Serialize};
use spector::{event_log, Changeset, Event, EventMeta, Evented, Id, Invalid, LinkKind, NewEvent};
use uuid::Uuid;

/// How a revision relates to another one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, LinkKind)]
pub enum Relation {
    /// It replaces the other.
    Supersedes = 1,
    /// It quotes the other.
    Cites = 2,
}

/// A revision's text and what it relates to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Revise {
    /// The text.
    pub text: String,
    /// The revision it replaces, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<Uuid>,
    /// The revisions it quotes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cites: Vec<Uuid>,
}

/// A policy document: its current text and how many revisions it had.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(
    log = PolicyEvents,
    actions(insert = Revise, update = Revise),
    links(relates(column = "related_id", kind = Relation))
)]
pub struct Policy {
    /// The record id.
    pub id: Id<Policy>,
    /// The current text.
    pub text: String,
    /// How many revisions.
    pub revisions: u32,
}

impl Changeset for Policy {
    /// A first revision relates to nothing (that a later one relates only
    /// to revisions of its own policy, the database enforces).
    fn validate(&self, action: &PolicyAction, _meta: &EventMeta) -> Result<(), Invalid> {
        let (PolicyAction::Insert(revise) | PolicyAction::Update(revise)) = action;
        if matches!(action, PolicyAction::Insert(_))
            && (revise.supersedes.is_some() || !revise.cites.is_empty())
        {
            return Err(Invalid::new(
                "supersedes",
                "a first revision relates to nothing",
            ));
        }
        Ok(())
    }

    fn changeset(mut self, action: PolicyAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        let (PolicyAction::Insert(revise) | PolicyAction::Update(revise)) = action;
        self.text = revise.text;
        self.revisions += 1;
        Ok(self)
    }

    /// Each relation is a link row with its kind.
    fn prepare_event(
        event: &mut NewEvent<Self>,
        _history: &[Event],
        _state: &Self,
    ) -> Result<(), Invalid> {
        let (PolicyAction::Insert(revise) | PolicyAction::Update(revise)) = event.action();
        let (supersedes, cites) = (revise.supersedes, revise.cites.clone());
        if let Some(previous) = supersedes {
            event.link_as(PolicyLink::Relates, Relation::Supersedes, previous);
        }
        for cited in cites {
            event.link_as(PolicyLink::Relates, Relation::Cites, cited);
        }
        Ok(())
    }
}

event_log!(
    /// The events of policy documents.
    pub PolicyEvents { table: "policy_events", schemas: [Policy] }
);

/// The text of a revision event, for printing.
pub fn text_of(event: &Event) -> String {
    match event.action::<Policy>() {
        Ok(PolicyAction::Insert(revise) | PolicyAction::Update(revise)) => revise.text,
        Err(error) => format!("(unreadable: {error})"),
    }
}
