//! Documents whose revisions relate to earlier ones through a typed link:
//! [`Doc`], `relates` with the kinds [`Relation`].

use serde::{Deserialize, Serialize};
use spector::{
    event_log, Changeset, Event, EventMeta, Evented, Id, Invalid, LinkKind, NewEvent, Uuid,
};

/// How one revision relates to another: the `type` column of the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, LinkKind)]
pub enum Relation {
    /// The revision replaces the other.
    Supersedes = 1,
    /// The revision quotes the other.
    Cites = 2,
}

/// A revision and how it relates to earlier ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Revision {
    /// The text.
    pub text: String,
    /// The events it relates to, each with a kind.
    #[serde(default)]
    pub relates: Vec<(Relation, Uuid)>,
    /// Link untyped instead (refused: `relates` is typed).
    #[serde(default)]
    pub untyped: bool,
}

/// A document.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(
    log = DocEvents,
    actions(insert = Revision, update = Revision),
    links(relates(column = "related_id", kind = Relation))
)]
pub struct Doc {
    /// The record id.
    pub id: Id<Doc>,
    /// The latest text.
    pub text: String,
}

impl Changeset for Doc {
    fn changeset(mut self, action: DocAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        let (DocAction::Insert(revision) | DocAction::Update(revision)) = action;
        self.text = revision.text;
        Ok(self)
    }

    fn prepare_event(
        event: &mut NewEvent<Self>,
        _history: &[Event],
        _state: &Self,
    ) -> Result<(), Invalid> {
        let (DocAction::Insert(revision) | DocAction::Update(revision)) = event.action();
        let (relates, untyped) = (revision.relates.clone(), revision.untyped);
        for (kind, target) in relates {
            if untyped {
                event.link(DocLink::Relates, target);
            } else {
                event.link_as(DocLink::Relates, kind, target);
            }
        }
        Ok(())
    }
}

event_log!(pub DocEvents { table: "doc_events", schemas: [Doc], hashed: true });
