//! A basic chat with edit history, from Spector's guide.
//!
//! A chat is a record whose state is a list of messages, newest first. Adding
//! a message is an `update`; changing one is the custom `edit` action, whose
//! event links (`edits`) to the version it replaces, so the original stays in
//! the log and every version of a message can be listed.

use serde::{Deserialize, Serialize};
use spector::backend::Storage;
use spector::{event_log, Changeset, Event, EventMeta, Evented, Id, Invalid, NewEvent, Store};
use uuid::Uuid;

/// One message; its `id` is the id of the event that created it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// The event that created the message.
    pub id: Uuid,
    /// The author.
    pub user_id: Uuid,
    /// The text.
    pub content: String,
}

/// The payload of `insert` and `update`: a new message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewMessage {
    /// The author.
    pub user_id: Uuid,
    /// The text.
    pub content: String,
}

/// The payload of `edit`: the message to change and its new text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditMessage {
    /// The message edited: the id of the event that created it.
    pub edits: Uuid,
    /// The new text.
    pub content: String,
}

/// A conversation: its messages, the most recent first.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(
    log = BasicChatEvents,
    actions(insert = NewMessage, update = NewMessage, edit = EditMessage),
    links(edits = "previous_id")
)]
pub struct BasicChat {
    /// The chat id (= id of its first event).
    pub id: Id<BasicChat>,
    /// The messages, newest first.
    pub messages: Vec<Message>,
}

event_log!(pub BasicChatEvents {
    table: "basic_chat_events",
    schemas: [BasicChat],
});

impl Changeset for BasicChat {
    /// New messages and edits need text; only existing messages can be edited.
    fn validate(&self, action: &BasicChatAction, _meta: &EventMeta) -> Result<(), Invalid> {
        let content = match action {
            BasicChatAction::Insert(message) | BasicChatAction::Update(message) => &message.content,
            BasicChatAction::Edit(edit) => {
                if !self.messages.iter().any(|m| m.id == edit.edits) {
                    return Err(Invalid::new("edits", "no such message"));
                }
                &edit.content
            }
        };
        if content.trim().is_empty() {
            return Err(Invalid::new("content", "can't be blank"));
        }
        Ok(())
    }

    /// A new message goes first, with the id of its event; an edit replaces
    /// a message's text and keeps its id and author.
    fn changeset(mut self, action: BasicChatAction, meta: &EventMeta) -> Result<Self, Invalid> {
        match action {
            BasicChatAction::Insert(new) | BasicChatAction::Update(new) => {
                let message = Message {
                    id: meta.id,
                    user_id: new.user_id,
                    content: new.content,
                };
                self.messages.insert(0, message);
            }
            BasicChatAction::Edit(edit) => {
                for message in self.messages.iter_mut().filter(|m| m.id == edit.edits) {
                    message.content.clone_from(&edit.content);
                }
            }
        }
        Ok(self)
    }

    /// An edit links to the version it replaces: the message's creation
    /// event, or the latest edit of it.
    fn prepare_event(
        event: &mut NewEvent<Self>,
        history: &[Event],
        _chat: &Self,
    ) -> Result<(), Invalid> {
        if let BasicChatAction::Edit(edit) = event.action() {
            let mut latest = edit.edits;
            while let Some(newer) = history.iter().find(|e| {
                e.linked(BasicChatLink::Edits)
                    .any(|replaced| replaced == latest)
            }) {
                latest = newer.id;
            }
            event.link(BasicChatLink::Edits, latest);
        }
        Ok(())
    }
}

/// The text an event of a chat carries: the message it added or the new
/// text of an edit.
pub fn content(event: &Event) -> Option<String> {
    match event.action::<BasicChat>().ok()? {
        BasicChatAction::Insert(new) | BasicChatAction::Update(new) => Some(new.content),
        BasicChatAction::Edit(edit) => Some(edit.content),
    }
}

/// The latest version of each message: the chat's events that no edit
/// replaced, oldest first.
pub async fn list_messages<B: Storage>(
    store: &Store<B>,
    chat_id: Id<BasicChat>,
) -> spector::Result<Vec<Event>> {
    let events = store.all_events(chat_id).await?;
    let replaced: Vec<Uuid> = events
        .iter()
        .flat_map(|e| e.linked(BasicChatLink::Edits))
        .collect();
    Ok(events
        .into_iter()
        .filter(|e| !replaced.contains(&e.id))
        .collect())
}

/// Every version of a message, oldest first: the event that created it,
/// then each edit that replaced the version before.
pub async fn get_edit_history<B: Storage>(
    store: &Store<B>,
    message_id: Uuid,
) -> spector::Result<Vec<Event>> {
    let mut versions = Vec::new();
    let mut next = store.event::<BasicChat>(message_id).await?;
    while let Some(version) = next {
        next = store
            .linking_to(BasicChatLink::Edits, version.id)
            .await?
            .into_iter()
            .next();
        versions.push(version);
    }
    Ok(versions)
}
