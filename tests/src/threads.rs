//! A conversation whose messages reply to one another: [`Thread`], each
//! message linking to the one it answers (`replies_to`), so that a message
//! and its ancestry are one branch of the conversation.

use serde::{Deserialize, Serialize};
use spector::{event_log, Changeset, Event, EventMeta, Evented, Id, Invalid, NewEvent, Uuid};

/// A message, answering another one (or none: the first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Say {
    /// The text.
    pub text: String,
    /// The message it answers.
    #[serde(default)]
    pub replies_to: Option<Uuid>,
}

/// A conversation: its messages in the order replayed.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = ThreadEvents, actions(insert = Say, update = Say), links(replies_to = "parent_id"))]
pub struct Thread {
    /// The record id.
    pub id: Id<Thread>,
    /// The texts, in order.
    pub texts: Vec<String>,
}

impl Changeset for Thread {
    fn changeset(mut self, action: ThreadAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        let (ThreadAction::Insert(say) | ThreadAction::Update(say)) = action;
        self.texts.push(say.text);
        Ok(self)
    }

    /// A reply links to the message it answers.
    fn prepare_event(
        event: &mut NewEvent<Self>,
        _history: &[Event],
        _state: &Self,
    ) -> Result<(), Invalid> {
        let (ThreadAction::Insert(say) | ThreadAction::Update(say)) = event.action();
        if let Some(parent) = say.replies_to {
            event.link(ThreadLink::RepliesTo, parent);
        }
        Ok(())
    }
}

event_log!(pub ThreadEvents { table: "thread_events", schemas: [Thread] });
